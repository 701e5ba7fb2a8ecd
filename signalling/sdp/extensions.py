"""RTP header extension negotiation (RFC 8285 §6): the answer keeps the offerer's ids."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from media.negotiated import HeaderExtensionIds, MediaKind
from signalling.sdp.attributes import Extmap, parse_extmap
from signalling.sdp.capabilities import (
    AUDIO_EXTENSIONS,
    EXTENSION_FIELDS,
    MAX_ONE_BYTE_EXTENSION_ID,
    VIDEO_EXTENSIONS,
)
from signalling.sdp.model import Attribute, MediaSection
from signalling.sdp.parse import bad


def read_extmaps(section: MediaSection) -> list[Extmap]:
    extmaps = [parse_extmap(v) for v in section.values("extmap")]
    if len({e.ext_id for e in extmaps}) != len(extmaps):
        raise bad("a=extmap uses one id twice")  # RFC 8285 §6: an id names one extension
    return extmaps


def accept_extensions(
    kind: MediaKind, offered: Iterable[Extmap], directions: Sequence[str | None]
) -> list[Extmap]:
    """The offered extensions we use for `kind`, first id per URI, one-byte ids only."""
    wanted = AUDIO_EXTENSIONS if kind is MediaKind.AUDIO else VIDEO_EXTENSIONS
    accepted: dict[str, Extmap] = {}
    for extmap in offered:
        if (extmap.uri in wanted and extmap.uri not in accepted and extmap.direction in directions
                and extmap.ext_id <= MAX_ONE_BYTE_EXTENSION_ID):
            accepted[extmap.uri] = Extmap(extmap.ext_id, None, extmap.uri)
    return list(accepted.values())


def extension_ids(extmaps: Iterable[Extmap]) -> HeaderExtensionIds:
    ids: dict[str, int | None] = {}
    for extmap in extmaps:
        field = EXTENSION_FIELDS.get(extmap.uri)
        if field is not None:
            ids.setdefault(field, extmap.ext_id)
    return HeaderExtensionIds(**ids)


def extmap_attributes(extmaps: Iterable[Extmap]) -> list[Attribute]:
    return [Attribute("extmap", f"{e.ext_id} {e.uri}") for e in extmaps]
