"""Serialize the SDP model to text: CRLF line endings (RFC 8866 §5), v/o/s first."""

from __future__ import annotations

from signalling.sdp.model import Attribute, MediaSection, SessionDescription


def _attribute_line(attribute: Attribute) -> str:
    if attribute.value is None:
        return f"a={attribute.name}"
    return f"a={attribute.name}:{attribute.value}"


def _media_lines(section: MediaSection) -> list[str]:
    port = str(section.port)
    if section.port_count is not None:
        port += f"/{section.port_count}"
    out = [f"m={section.kind} {port} {section.proto} {' '.join(section.formats)}"]
    out.extend(f"{letter}={value}" for letter, value in section.lines)
    out.extend(_attribute_line(a) for a in section.attributes)
    return out


def serialize_sdp(description: SessionDescription) -> str:
    """The description as SDP text; `parse_sdp_untrusted` of the result gives it back."""
    o = description.origin
    out = [
        "v=0",
        f"o={o.username} {o.session_id} {o.session_version} {o.nettype} {o.addrtype} {o.address}",
        f"s={description.session_name}",
    ]
    out.extend(f"{letter}={value}" for letter, value in description.lines)
    out.extend(_attribute_line(a) for a in description.attributes)
    for section in description.media:
        out.extend(_media_lines(section))
    return "\r\n".join(out) + "\r\n"
