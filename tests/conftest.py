"""Shared test plumbing: the --long switch, the conformance folder and fuzz budgets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE_DIR = PROJECT_ROOT.parent / "shared" / "conformance"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="also run slow soak/fuzz tests (marked 'long') and use long fuzz budgets",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--long"):
        os.environ["VIDEOTERMIN_LONG"] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--long"):
        for item in items:  # 100 000-input fuzz runs and soaks need more than the default bound
            item.add_marker(pytest.mark.timeout(7200))
        return
    skip_long = pytest.mark.skip(reason="long mode only: run with --long")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip_long)


def long_mode() -> bool:
    return os.environ.get("VIDEOTERMIN_LONG") == "1"


def fuzz_budget(short: int = 2_000, long: int = 100_000) -> int:
    """Generated inputs a fuzz test feeds one parser: few by default, many with --long."""
    return long if long_mode() else short


@pytest.fixture
def conformance_dir() -> Path:
    """The shared conformance folder; the test is skipped (with a message) where it is absent."""
    if not CONFORMANCE_DIR.is_dir():
        pytest.skip(f"conformance data not found at {CONFORMANCE_DIR}; skipping conformance check")
    return CONFORMANCE_DIR


@pytest.fixture
def chromium_executable() -> str:
    """Debian's chromium. In CI (CI=true) a missing browser fails the test: the set-up command
    installs it. On a developer's machine without it, the test is skipped with a loud reason."""
    from bench.chromium import chromium_path

    try:
        return chromium_path()
    except FileNotFoundError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"SKIPPED LOUDLY: {error}")


def fuzz_regression_entries(conformance_dir: Path) -> list[tuple[dict[str, object], bytes]]:
    """The shared fuzz regressions as (index entry, bytes): the copied file where there is one,
    else the hex the index carries; entries with neither are left out."""
    import json

    folder = conformance_dir / "fuzz_regressions"
    index = json.loads((folder / "index.json").read_text())
    entries: list[tuple[dict[str, object], bytes]] = []
    for entry in index["files"]:
        name, hex_text = entry.get("file"), entry.get("hex")
        if name and (folder / name).is_file():
            entries.append((entry, (folder / name).read_bytes()))
        elif hex_text:
            entries.append((entry, bytes.fromhex(hex_text)))
    return entries
