"""Bounded JSON decoding and typed field access for untrusted WebSocket frames.

Everything here raises only `ProtocolError`. JSON (RFC 8259) is decoded with the stdlib parser
after a size check; the hooks reject what the stdlib would silently accept (NaN/Infinity,
duplicate keys) and the known blow-ups are caught (deep nesting → RecursionError, a 5000-digit
number → ValueError, invalid UTF-8 → UnicodeDecodeError). Strings must be valid Unicode without
lone surrogates or control characters, so anything we echo to another participant is printable.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from signalling import codes
from signalling.errors import ProtocolError

MAX_FRAME_BYTES = 128 * 1024  # an SDP may be 64 KiB (signalling.sdp.parse); JSON escapes grow it
MAX_NESTING = 8  # our messages nest at most 4 deep
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_STRICT = re.compile(r"[\x00-\x1f\x7f]")


def bad(message: str, code: str = codes.BAD_MESSAGE) -> ProtocolError:
    return ProtocolError(message, code)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # RFC 8259 §6 has no NaN/Infinity


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")  # RFC 8259 §4: names SHOULD be unique; we insist
    return result


def _nesting_ok(text: str) -> bool:
    """Cheap pre-check so deep nesting never reaches the recursive decoder."""
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return False
        elif char in "]}":
            depth -= 1
    return True


def decode_json_object_untrusted(frame: str | bytes) -> dict[str, Any]:
    """One WebSocket frame → a JSON object, or ProtocolError(bad-json / frame-too-large)."""
    too_large = len(frame) > MAX_FRAME_BYTES  # characters never outnumber UTF-8 bytes
    if not too_large and isinstance(frame, str) and len(frame) * 4 > MAX_FRAME_BYTES:
        too_large = len(frame.encode("utf-8", "replace")) > MAX_FRAME_BYTES
    if too_large:
        raise bad(f"frame larger than {MAX_FRAME_BYTES} bytes", codes.FRAME_TOO_LARGE)
    try:
        text = frame.decode("utf-8") if isinstance(frame, bytes) else frame
        if text.count("[") + text.count("{") > MAX_NESTING and not _nesting_ok(text):
            raise ValueError("nested too deeply")
        value = json.loads(text, parse_constant=_reject_constant,
                           object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        raise bad(f"not a JSON text: {type(exc).__name__}", codes.BAD_JSON) from None
    if not isinstance(value, dict):
        raise bad("a message is a JSON object", codes.BAD_JSON)
    return value


class Fields:
    """Typed, bounded access to one message's fields; unknown fields are an error."""

    def __init__(self, data: dict[str, Any], allowed: frozenset[str]) -> None:
        unknown = [key for key in data if key not in allowed]
        if unknown:
            raise bad(f"unknown field {str(unknown[0])[:40]!r}")
        self._data = data

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def _value(self, key: str, required: bool) -> Any:
        value = self._data.get(key)
        if value is None and required:
            raise bad(f"{key}: required")
        return value

    def text(self, key: str, max_chars: int, *, required: bool = True, min_chars: int = 1,
             multiline: bool = False) -> str | None:
        value = self._value(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise bad(f"{key}: must be a string")
        if not min_chars <= len(value) <= max_chars:
            raise bad(f"{key}: {min_chars}..{max_chars} characters")
        if not is_clean_text(value, multiline=multiline):
            raise bad(f"{key}: control characters or invalid Unicode")
        return value

    def required_text(self, key: str, max_chars: int, *, multiline: bool = False) -> str:
        value = self.text(key, max_chars, multiline=multiline)
        assert value is not None
        return value

    def integer(self, key: str, low: int, high: int, *, required: bool = True) -> int | None:
        value = self._value(key, required)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise bad(f"{key}: must be a whole number in {low}..{high}")
        return value

    def number(self, key: str, low: float, high: float) -> float | None:
        value = self._value(key, False)
        if value is None:
            return None
        if (not isinstance(value, int | float) or isinstance(value, bool)
                or not math.isfinite(value) or not low <= value <= high):
            raise bad(f"{key}: must be a number in {low}..{high}")
        return float(value)

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self._value(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise bad(f"{key}: must be true or false")
        return value

    def choice(self, key: str, options: frozenset[str], *, required: bool = True) -> str | None:
        value = self._value(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or value not in options:
            raise bad(f"{key}: must be one of {', '.join(sorted(options))}")
        return value

    def obj(self, key: str) -> dict[str, Any] | None:
        value = self._value(key, False)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise bad(f"{key}: must be an object")
        return value


def is_clean_text(value: str, *, multiline: bool = False) -> bool:
    """Valid Unicode (no lone surrogates) without control characters (tab/newline if multiline)."""
    pattern = _CONTROL if multiline else _CONTROL_STRICT
    if pattern.search(value) is not None:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
