"""A typed, lossless model of an SDP description (RFC 8866).

The parser fills it without interpreting attributes (unknown ones are kept verbatim), so a
description survives parse → serialize → parse unchanged; negotiation code reads attributes
through the small lookup helpers here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attribute:
    """One `a=` line: `a=name` (flag, value None) or `a=name:value` (value kept verbatim)."""

    name: str
    value: str | None = None


class _Attributes:
    """Lookups shared by session and media level (both carry an `attributes` tuple)."""

    __slots__ = ()
    attributes: tuple[Attribute, ...]

    def values(self, name: str) -> list[str]:
        """All values of attribute `name`, in order (a flag counts as the empty string)."""
        return [a.value or "" for a in self.attributes if a.name == name]

    def value(self, name: str) -> str | None:
        """The first value of attribute `name`, or None when absent."""
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute.value or ""
        return None

    def has(self, name: str) -> bool:
        return any(a.name == name for a in self.attributes)


@dataclass(frozen=True, slots=True)
class Origin:
    """The `o=` line (RFC 8866 §5.2); ids are decimal, at most 20 digits (fit 64 bits)."""

    username: str = "-"
    session_id: int = 0
    session_version: int = 0
    nettype: str = "IN"
    addrtype: str = "IP4"
    address: str = "0.0.0.0"


@dataclass(frozen=True, slots=True)
class MediaSection(_Attributes):
    """One `m=` section (RFC 8866 §5.14) with its `i=`/`c=`/`b=`/`k=` lines and attributes."""

    kind: str  # "audio", "video", "application", ...
    port: int
    proto: str  # e.g. "UDP/TLS/RTP/SAVPF"
    formats: tuple[str, ...]  # payload types for RTP, as strings
    port_count: int | None = None
    lines: tuple[tuple[str, str], ...] = ()  # (type letter, value) of non-attribute lines
    attributes: tuple[Attribute, ...] = ()

    @property
    def mid(self) -> str | None:
        value = self.value("mid")
        return value.strip() if value is not None else None


@dataclass(frozen=True, slots=True)
class SessionDescription(_Attributes):
    """A whole description: origin, session name, other session lines, attributes, media."""

    origin: Origin
    session_name: str = "-"
    lines: tuple[tuple[str, str], ...] = (("t", "0 0"),)  # session i/u/e/p/c/b/t/r/z/k lines
    attributes: tuple[Attribute, ...] = ()
    media: tuple[MediaSection, ...] = ()
