"""Start the real server (`videotermin serve`) as a separate process for a benchmark run.

Generated config: HTTP and media on one host (127.0.0.1, or the harness's network namespace),
storage and the e-mail outbox in a temporary folder, an advisor-token secret, and one advisor
account made with the CLI (`videotermin advisor add`) before the start. Downlink adaptation
is off unless asked for: with one layer per track there is nothing to adapt, Janus's videoroom
does not adapt either, and the comparison is about forwarding. The process is pinned
to its own CPU (before it starts any thread) and always stopped by PID.
"""

from __future__ import annotations

import contextlib
import os
import re
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

ADVISOR = "bench"
ADVISOR_TOKEN_SECRET = "bench-advisor-token-secret-0123456789"


@dataclass(frozen=True)
class ServerProcess:
    pid: int
    http_url: str
    udp_port: int
    folder: Path
    advisor: str = ADVISOR
    advisor_password: str = ""

    @property
    def ws_url(self) -> str:
        return self.http_url.replace("http://", "ws://", 1) + "/ws"

    @property
    def outbox(self) -> Path:
        return self.folder / "outbox"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pin(pid: int, cpu: int) -> bool:
    """Pin a process to one CPU when the machine has more than one (generator vs server).

    Checked against the machine, not our own affinity: a child of the pinned generator
    inherits its single CPU and must still move to the server's."""
    count = os.cpu_count() or 1
    if count < 2 or not 0 <= cpu < count:
        return False
    os.sched_setaffinity(pid, {cpu})
    return True


def pin_self(cpu: int | None) -> None:
    """For `preexec_fn`: the child moves itself before it execs (and starts threads)."""
    if cpu is not None:
        pin(0, cpu)


def write_config(folder: Path, host: str, http_port: int, udp_port: int,
                 dev_signalling: bool, adaptation: bool = False) -> Path:
    config = folder / "bench.toml"
    config.write_text(
        f'[http]\nhost = "{host}"\nport = {http_port}\n'
        f'[media]\nudp_host = "{host}"\nudp_port = {udp_port}\n'
        f"dev_signalling = {'true' if dev_signalling else 'false'}\n"
        f"adaptation = {'true' if adaptation else 'false'}\n"
        f'[storage]\ndata_dir = "{folder}/data"\n'
        f'[mail]\nmode = "outbox"\noutbox_dir = "{folder}/outbox"\n'
        f'[signalling]\nadvisor_token_secret = "{ADVISOR_TOKEN_SECRET}"\n'
        '[log]\nlevel = "WARNING"\n'
    )
    return config


def add_advisor(config: Path) -> str:
    """Create the bench advisor with the CLI; returns the password it printed once."""
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "advisor", "add", ADVISOR, "--name", "Bench Advisor",
         "--config", str(config)],
        capture_output=True, text=True, timeout=60,
    )
    found = re.search(r"password:\s*(\S+)", done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"could not create the bench advisor: {done.stdout}{done.stderr}")
    return found.group(1)


@contextlib.contextmanager
def running_server(
    cpu: int | None = 1,
    timeout: float = 30.0,
    *,
    host: str = "127.0.0.1",
    wrap: list[str] | None = None,
    dev_signalling: bool = True,
    adaptation: bool = False,
) -> Iterator[ServerProcess]:
    """`wrap`: a command prefix (e.g. `ip netns exec NAME`) to run the server under."""
    with tempfile.TemporaryDirectory(prefix="videotermin-bench-") as name:
        folder = Path(name)
        http_port, udp_port = free_port(), free_port(socket.SOCK_DGRAM)
        config = write_config(folder, host, http_port, udp_port, dev_signalling, adaptation)
        password = add_advisor(config)
        log_path = folder / "server.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [*(wrap or []), sys.executable, "-m", "server.cli", "serve", "--config", str(config)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=lambda: pin_self(cpu),  # noqa: PLW1509 - only sched_setaffinity
        )
        try:
            url = f"http://{host}:{http_port}"
            _wait_healthy(url, process, timeout, log_path)
            yield ServerProcess(process.pid, url, udp_port, folder, ADVISOR, password)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
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
