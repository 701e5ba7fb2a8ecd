"""Logging for the server process: one stderr handler, and a last line of defence for privacy.

The code never logs names, e-mail addresses or tokens (a test scans the captured logs of a full
appointment journey). In case a library or a future change does, the formatter also masks
anything shaped like an e-mail address or a 256-bit token before it leaves the process.
"""

from __future__ import annotations

import logging
import re
import sys

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "videotermin"


def redact(text: str) -> str:
    return _TOKEN.sub("[token]", _EMAIL.sub("[address]", text))


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "INFO") -> None:
    """Route all logging (ours, hypercorn's) to stderr through the redacting formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(FORMAT))
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:  # idempotent; leave other handlers alone
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # hypercorn's access log would contain request paths, and access links carry the token in
    # the path: it stays off (see server/runtime.py); its error log goes through our handler.
    logging.getLogger("hypercorn.access").disabled = True
