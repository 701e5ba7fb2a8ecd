"""Parse untrusted SDP text into the typed model (RFC 8866 §5, §9 grammar).

Bounded: at most 64 KiB of text, 4 KiB per line and 64 m-lines, so a hostile peer cannot make
us allocate or loop much. Only the structure is checked here; attribute values are interpreted
(and rejected) by the negotiation code that needs them. Any input gives a value or ProtocolError.
"""

from __future__ import annotations

import re

from signalling.errors import ProtocolError
from signalling.sdp import codes
from signalling.sdp.model import Attribute, MediaSection, Origin, SessionDescription

MAX_SDP_CHARS = 64 * 1024
MAX_LINE_CHARS = 4 * 1024
MAX_MEDIA_SECTIONS = 64

# RFC 8866 §9: token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E
TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+")
_SESSION_TYPES = frozenset("iuepcbtrzk")  # RFC 8866 §5: session-level non-attribute lines
_MEDIA_TYPES = frozenset("icbk")  # RFC 8866 §5: media-level non-attribute lines
_MAX_ID_DIGITS = 20  # o= sess-id / sess-version; 2**64 - 1 has 20 digits


def bad(message: str, code: str = codes.BAD_SDP) -> ProtocolError:
    return ProtocolError(message, code)


def parse_uint(text: str, low: int, high: int, what: str) -> int:
    """A plain decimal integer in [low, high]; rejects signs, spaces, '_' and non-ASCII digits."""
    if not (0 < len(text) <= 20 and text.isascii() and text.isdigit()):
        raise bad(f"{what}: not a decimal number")
    number = int(text)
    if not low <= number <= high:
        raise bad(f"{what}: {number} out of range")
    return number


def is_token(text: str) -> bool:
    return TOKEN.fullmatch(text) is not None


def _split_lines(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_SDP_CHARS:
        raise bad("SDP larger than 64 KiB", codes.SDP_TOO_LARGE)
    result: list[tuple[str, str]] = []
    for raw in text.split("\n"):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line:
            continue  # tolerate blank lines (a leading one is seen from Safari)
        if len(line) > MAX_LINE_CHARS:
            raise bad("SDP line longer than 4 KiB", codes.SDP_TOO_LARGE)
        if len(line) < 2 or line[1] != "=" or not ("a" <= line[0] <= "z"):
            raise bad("SDP line is not <type>=<value>")
        if "\r" in line or "\x00" in line:
            raise bad("CR or NUL inside an SDP line")  # RFC 8866 §9 byte-string excludes them
        result.append((line[0], line[2:]))
    return result


def _parse_origin(value: str) -> Origin:
    parts = value.split(" ")
    if len(parts) != 6 or not all(parts):
        raise bad("o= needs 6 fields")
    username, session_id, version, nettype, addrtype, address = parts
    if not all(is_token(p) for p in (username, nettype, addrtype)) or not address.isprintable():
        raise bad("o= field is malformed")  # the address may be IPv6 (':' is no token-char)
    maximum = 10**_MAX_ID_DIGITS - 1
    return Origin(
        username=username,
        session_id=parse_uint(session_id, 0, maximum, "o= sess-id"),
        session_version=parse_uint(version, 0, maximum, "o= sess-version"),
        nettype=nettype,
        addrtype=addrtype,
        address=address,
    )


def _parse_attribute(value: str) -> Attribute:
    name, colon, rest = value.partition(":")
    if not is_token(name):
        raise bad("attribute name is not a token")
    return Attribute(name, rest if colon else None)


def _parse_media_line(value: str) -> tuple[str, int, int | None, str, tuple[str, ...]]:
    parts = value.split(" ")
    if len(parts) < 4 or not all(parts):
        raise bad("m= needs media, port, proto and at least one format")
    kind, port_text, proto, *formats = parts
    if not is_token(kind) or not all(is_token(f) for f in formats):
        raise bad("m= media or format is not a token")
    if not all(is_token(p) for p in proto.split("/")):
        raise bad("m= proto is malformed")
    port_text, slash, count_text = port_text.partition("/")
    port = parse_uint(port_text, 0, 65535, "m= port")
    count = parse_uint(count_text, 1, 65535, "m= port count") if slash else None
    return kind, port, count, proto, tuple(formats)


class _MediaBuilder:
    """Collects one m-section's lines until the next m= (plain class: it is mutable)."""

    __slots__ = ("head", "lines", "attributes")

    def __init__(self, head: tuple[str, int, int | None, str, tuple[str, ...]]) -> None:
        self.head = head
        self.lines: list[tuple[str, str]] = []
        self.attributes: list[Attribute] = []

    def build(self) -> MediaSection:
        kind, port, count, proto, formats = self.head
        return MediaSection(
            kind=kind, port=port, port_count=count, proto=proto, formats=formats,
            lines=tuple(self.lines), attributes=tuple(self.attributes),
        )


def parse_sdp_untrusted(text: str) -> SessionDescription:
    """Parse SDP text from the network; raises only ProtocolError."""
    if not isinstance(text, str):
        raise bad("SDP must be text")
    lines = _split_lines(text)
    if len(lines) < 3 or lines[0] != ("v", "0"):
        raise bad("SDP must start with v=0")
    if lines[1][0] != "o" or lines[2][0] != "s":
        raise bad("SDP must continue with o= and s=")  # RFC 8866 §5 fixed order
    origin = _parse_origin(lines[1][1])
    session_name = lines[2][1]
    session_lines: list[tuple[str, str]] = []
    session_attributes: list[Attribute] = []
    media: list[_MediaBuilder] = []
    for letter, value in lines[3:]:
        if letter == "m":
            if len(media) >= MAX_MEDIA_SECTIONS:
                raise bad("more than 64 m-lines", codes.SDP_TOO_LARGE)
            media.append(_MediaBuilder(_parse_media_line(value)))
        elif letter == "a":
            target = media[-1].attributes if media else session_attributes
            target.append(_parse_attribute(value))
        elif media and letter in _MEDIA_TYPES:
            media[-1].lines.append((letter, value))
        elif not media and letter in _SESSION_TYPES:
            session_lines.append((letter, value))
        else:
            raise bad(f"unexpected '{letter}=' line")  # RFC 8866 §5: reject unknown types
    if not any(letter == "t" for letter, _ in session_lines):
        raise bad("SDP has no t= line")
    return SessionDescription(
        origin=origin,
        session_name=session_name,
        lines=tuple(session_lines),
        attributes=tuple(session_attributes),
        media=tuple(m.build() for m in media),
    )
