"""Start `videotermin serve` as a real subprocess on 127.0.0.1 (port 0) and read what it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import trio

PROJECT = Path(__file__).resolve().parents[2]
_SERVING = re.compile(rb"serving on (http://127\.0\.0\.1:\d+)")
_PASSWORD = re.compile(rb"password: (\S+)")


@dataclass
class ServerProcess:
    process: trio.Process
    url: str
    first_password: str | None
    stderr_path: Path

    def logs(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def server_env(data_dir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(PROJECT),
        "VIDEOTERMIN_HTTP_PORT": "0", "VIDEOTERMIN_MEDIA_UDP_PORT": "0",
        "VIDEOTERMIN_STORAGE_DATA_DIR": str(data_dir), "VIDEOTERMIN_LOG_LEVEL": "DEBUG",
        "VIDEOTERMIN_HTTP_GRACEFUL_SHUTDOWN_SECONDS": "3",
    }


@asynccontextmanager
async def server_process(data_dir: Path, log_name: str) -> AsyncIterator[ServerProcess]:
    """The server, ready; killed by PID on the way out if it is still running."""
    stderr_path = data_dir.parent / log_name
    with open(stderr_path, "ab") as stderr:
        process = await trio.lowlevel.open_process(
            [sys.executable, "-m", "server.cli", "serve"], stdout=subprocess.PIPE,
            stderr=stderr, env=server_env(data_dir), cwd=data_dir.parent,
        )
    try:
        assert process.stdout is not None
        seen = b""
        with trio.fail_after(30):
            while not _SERVING.search(seen):
                chunk = await process.stdout.receive_some(4096)
                if not chunk:
                    raise AssertionError("server exited early:\n" + stderr_path.read_text())
                seen += chunk
        match = _SERVING.search(seen)
        password = _PASSWORD.search(seen)
        assert match is not None
        yield ServerProcess(process, match.group(1).decode(),
                            password.group(1).decode() if password else None, stderr_path)
    finally:
        if process.returncode is None:
            process.kill()  # this process only, by its PID
        with trio.move_on_after(10):
            await process.wait()
