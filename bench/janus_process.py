"""Start Janus (Debian's `janus` 1.1.2) for a comparison run, with a generated configuration.

Only the videoroom plugin and the WebSocket transport are loaded (symlinked into private
plugin/transport folders); it runs inside the harness's network namespace (Janus never offers
loopback candidates, see bench.netns) and listens only on that namespace's address; ICE-lite
like our SFU, no STUN server, no 1:1 NAT mapping; logging at warnings. The process
is pinned to one CPU before it starts its threads and is stopped by PID.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.netns import Namespace
from bench.server_process import free_port, pin_self

JANUS_BINARY = "/usr/bin/janus"
LIBRARY_ROOTS = ("/usr/lib/x86_64-linux-gnu/janus", "/usr/lib/aarch64-linux-gnu/janus",
                 "/usr/lib/janus", "/usr/local/lib/janus", "/opt/janus/lib/janus")
PLUGINS = ("libjanus_videoroom.so",)
TRANSPORTS = ("libjanus_websockets.so",)


@dataclass(frozen=True)
class JanusProcess:
    pid: int
    ws_url: str
    folder: Path


def janus_available() -> str | None:
    """Why Janus cannot run here, or None when it can."""
    if shutil.which("janus") is None and not Path(JANUS_BINARY).exists():
        return "the janus binary is not installed (bash scripts/bootstrap.sh --test installs it)"
    if _library_root() is None:
        return "the Janus plugin folder was not found"
    return None


def _library_root() -> Path | None:
    for root in LIBRARY_ROOTS:
        path = Path(root)
        if (path / "plugins" / PLUGINS[0]).exists():
            return path
    return None


def write_config(folder: Path, host: str, ws_port: int, rtp_ports: tuple[int, int],
                 event_loops: int = 0) -> None:
    """`event_loops` 0 is Janus's default (a thread per handle); N shares N loop threads."""
    root = _library_root()
    assert root is not None
    for kind, names in (("plugins", PLUGINS), ("transports", TRANSPORTS)):
        target = folder / kind
        target.mkdir()
        for name in names:
            (target / name).symlink_to(root / kind / name)
    for empty in ("events", "loggers"):
        (folder / empty).mkdir()
    (folder / "janus.jcfg").write_text(f"""general: {{
	configs_folder = "{folder}"
	plugins_folder = "{folder}/plugins"
	transports_folder = "{folder}/transports"
	events_folder = "{folder}/events"
	loggers_folder = "{folder}/loggers"
	debug_level = 3
	debug_timestamps = false
	debug_colors = false
	log_to_stdout = true
	session_timeout = 60
{f"	event_loops = {event_loops}" if event_loops else ""}
	server_name = "videotermin-bench"
}}
certificates: {{
}}
media: {{
	ipv6 = false
	rtp_port_range = "{rtp_ports[0]}-{rtp_ports[1]}"
	dtls_mtu = 1200
	no_media_timer = 5
}}
nat: {{
	ice_lite = true
	ice_tcp = false
	full_trickle = false
	ice_enforce_list = "{host}"
	nice_debug = false
}}
plugins: {{
}}
transports: {{
}}
events: {{
	broadcast = false
}}
""")
    (folder / "janus.plugin.videoroom.jcfg").write_text("general: {\n}\n")
    (folder / "janus.transport.websockets.jcfg").write_text(f"""general: {{
	json = "compact"
	ws = true
	ws_port = {ws_port}
	ws_ip = "{host}"
	wss = false
	ws_logging = "err"
}}
admin: {{
	admin_ws = false
	admin_wss = false
}}
""")




def _wait_listening(host: str, port: int, process: subprocess.Popen[bytes], timeout: float,
                    log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"janus exited early:\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:]
    raise TimeoutError(f"janus did not listen on {port}:\n{tail}")


@contextlib.contextmanager
def running_janus(namespace: Namespace, cpu: int | None = 1, timeout: float = 20.0,
                  event_loops: int = 0) -> Iterator[JanusProcess]:
    """Janus inside `namespace` (it ignores loopback interfaces: see bench.netns)."""
    reason = janus_available()
    if reason is not None:
        raise RuntimeError(reason)
    with tempfile.TemporaryDirectory(prefix="videotermin-janus-") as name:
        folder = Path(name)
        ws_port = free_port()
        base = 20000 + (os.getpid() % 200) * 100
        host = namespace.server_host
        write_config(folder, host, ws_port, (base, base + 4999), event_loops)
        log_path = folder / "janus.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            namespace.wrap([shutil.which("janus") or JANUS_BINARY, "-F", str(folder), "-C",
                            str(folder / "janus.jcfg"), "--log-stdout"]),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=lambda: pin_self(cpu),  # noqa: PLW1509 - only sched_setaffinity
        )
        try:
            _wait_listening(host, ws_port, process, timeout, log_path)
            yield JanusProcess(process.pid, f"ws://{host}:{ws_port}", folder)
        finally:
            process.send_signal(signal.SIGINT)  # Janus shuts down cleanly on SIGINT
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            log.close()
