"""Hostile inputs for the SFU: the shared fuzz regressions (when present) and generators."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CONFORMANCE_DIR


def regression_inputs() -> list[bytes]:
    """Every input in ../shared/conformance/fuzz_regressions, or [] where it is absent."""
    folder = CONFORMANCE_DIR / "fuzz_regressions"
    index = folder / "index.json"
    if not index.is_file():
        return []
    entries = json.loads(index.read_text())["files"]
    inputs = [bytes.fromhex(entry["hex"]) for entry in entries if entry.get("hex")]
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and path.name != "index.json" and path.stat().st_size <= 65536:
            inputs.append(path.read_bytes())
    return inputs
