"""Headless Debian Chromium driven by Playwright's sync API (run it in a worker thread).

Playwright is a test extra; import this module only where it is installed.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from typing import Any

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",  # without it: no 127.0.0.1 candidates
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_path() -> str:
    """The Debian chromium binary (`bash scripts/test.sh` installs it when missing)."""
    path = shutil.which("chromium")
    if path is None:
        raise FileNotFoundError("chromium is not installed: run `bash scripts/test.sh`")
    return path


@contextlib.contextmanager
def chromium(extra_args: tuple[str, ...] = ()) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            browser.close()
