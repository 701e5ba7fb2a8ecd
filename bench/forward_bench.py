"""The first forwarding benchmark, now a shortcut into the load harness (`bench.load`).

    python -m bench.forward_bench --rooms 5 10 20 --seconds 10

Same as `python -m bench.load --targets videotermin --scenario fixed ...`: this server only,
a fresh process per level, real Opus/VP8 media, WebSocket signalling. Kept so that the old
command keeps working; see bench/README.md for everything else.
"""

from __future__ import annotations

import sys

from bench.load import main as load_main


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    return load_main(["--targets", "videotermin", "--scenario", "fixed", *args])


if __name__ == "__main__":
    sys.exit(main())
