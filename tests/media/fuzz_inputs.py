"""Hostile inputs for the SFU: the shared fuzz regressions, when the folder is present."""

from __future__ import annotations

from tests.conftest import CONFORMANCE_DIR, fuzz_regression_entries


def regression_inputs() -> list[bytes]:
    """Every input in ../shared/conformance/fuzz_regressions, or [] where it is absent."""
    if not (CONFORMANCE_DIR / "fuzz_regressions" / "index.json").is_file():
        return []
    return [data for _entry, data in fuzz_regression_entries(CONFORMANCE_DIR)]
