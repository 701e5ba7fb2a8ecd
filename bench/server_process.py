"""Start the real server (`videotermin serve`) as a separate process for a benchmark run.

Generated config on 127.0.0.1 only, the dev signalling path switched on (the load generator
publishes and subscribes through it), pinned to its own CPU where the machine has two, and
always stopped by PID.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class ServerProcess:
    pid: int
    http_url: str
    udp_port: int


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pin(pid: int, cpu: int) -> bool:
    """Pin a process to one CPU when the machine has more than one (generator vs server)."""
    cpus = os.sched_getaffinity(0)
    if len(cpus) < 2 or cpu not in cpus:
        return False
    os.sched_setaffinity(pid, {cpu})
    return True


@contextlib.contextmanager
def running_server(cpu: int | None = 1, timeout: float = 30.0) -> Iterator[ServerProcess]:
    with tempfile.TemporaryDirectory(prefix="videotermin-bench-") as folder:
        http_port, udp_port = free_port(), free_port(socket.SOCK_DGRAM)
        config = Path(folder) / "bench.toml"
        config.write_text(
            f'[http]\nhost = "127.0.0.1"\nport = {http_port}\n'
            f'[media]\nudp_host = "127.0.0.1"\nudp_port = {udp_port}\ndev_signalling = true\n'
            f'[storage]\ndata_dir = "{folder}/data"\n'
            f'[mail]\nmode = "outbox"\noutbox_dir = "{folder}/outbox"\n'
        )
        log = open(Path(folder) / "server.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            if cpu is not None:
                pin(process.pid, cpu)
            url = f"http://127.0.0.1:{http_port}"
            _wait_healthy(url, process, timeout, Path(folder) / "server.log")
            yield ServerProcess(process.pid, url, udp_port)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            log.close()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError("server did not become healthy")
