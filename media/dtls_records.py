"""DTLS 1.2 record framing (RFC 6347 §4.1) around OpenSSL's memory BIOs.

OpenSSL's memory BIO is a byte stream, not a datagram socket: what it writes is a concatenation
of records, and what it reads must be whole records. This module splits that stream on record
headers, packs whole records into datagrams no larger than the path MTU, and checks the framing of
datagrams from the network before OpenSSL sees them (the parser is untrusted-input safe: it raises
only `BadPacket`). Not on the media hot path: DTLS carries only the handshake and alerts.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from media.errors import BadPacket

# RFC 6347 §4.1: type(1) version(2) epoch(2) sequence_number(6) length(2).
RECORD_HEADER = struct.Struct("!BHH6xH")
RECORD_HEADER_LENGTH = RECORD_HEADER.size  # 13
_LENGTH_FIELD = struct.Struct("!H")
_LENGTH_OFFSET = 11
_EPOCH_FIELD = struct.Struct("!H")
_EPOCH_OFFSET = 3
_SEQUENCE_OFFSET = 5  # 48-bit record sequence number

# RFC 5246 §6.2.1 / §A.1 content types, shared by DTLS (RFC 6347 §4.1).
CONTENT_CHANGE_CIPHER_SPEC = 20
CONTENT_ALERT = 21
CONTENT_HANDSHAKE = 22
CONTENT_APPLICATION_DATA = 23

# RFC 6347 §4.1: DTLS 1.0 is {254, 255}, DTLS 1.2 is {254, 253}. A DTLS 1.2 ClientHello may carry
# the 1.0 record version for compatibility, so both are valid framing.
DTLS_1_0_VERSION = 0xFEFF
DTLS_1_2_VERSION = 0xFEFD
_RECORD_VERSIONS = frozenset({DTLS_1_0_VERSION, DTLS_1_2_VERSION})

# RFC 6347 §4.1 / RFC 5246 §6.2.3: a record's fragment never exceeds 2^14 + 2048 octets.
MAX_RECORD_FRAGMENT = 2**14 + 2048

# RFC 6347 §4.2.2: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3).
_HANDSHAKE_HEADER_LENGTH = 12
_HANDSHAKE_SEQ = struct.Struct("!H")
_HANDSHAKE_SEQ_OFFSET = 4
_FRAGMENT_LENGTH_OFFSET = 9


@dataclass(frozen=True, slots=True)
class DtlsRecord:
    """One record of a received datagram; `fragment` is the (possibly encrypted) payload."""

    content_type: int
    epoch: int
    fragment: bytes


def parse_records_untrusted(datagram: bytes) -> list[DtlsRecord]:
    """All records of one datagram; BadPacket unless every byte belongs to a well-framed record.

    A datagram with a truncated or unknown record is dropped whole (RFC 6347 §4.1.2.7: invalid
    records are silently discarded): handing OpenSSL a partial record would desynchronise its
    byte-stream BIO for the next datagram.
    """
    records: list[DtlsRecord] = []
    offset = 0
    end = len(datagram)
    if end == 0:
        raise BadPacket("dtls: empty datagram")
    while offset < end:
        if end - offset < RECORD_HEADER_LENGTH:
            raise BadPacket("dtls: truncated record header")
        content_type, version, epoch, length = RECORD_HEADER.unpack_from(datagram, offset)
        if not CONTENT_CHANGE_CIPHER_SPEC <= content_type <= CONTENT_APPLICATION_DATA:
            raise BadPacket(f"dtls: unknown content type {content_type}")
        if version not in _RECORD_VERSIONS:
            raise BadPacket(f"dtls: unknown record version {version:#06x}")
        if length > MAX_RECORD_FRAGMENT:
            raise BadPacket("dtls: record too long")
        start = offset + RECORD_HEADER_LENGTH
        offset = start + length
        if offset > end:
            raise BadPacket("dtls: truncated record")
        records.append(DtlsRecord(content_type, epoch, datagram[start:offset]))
    return records


def max_handshake_seq_untrusted(fragment: bytes) -> int | None:
    """Highest message_seq among the plaintext handshake fragments of one epoch-0 record.

    Used to recognise a peer's retransmitted flight. None when no complete fragment header is
    present; never raises (bounds are checked before every read).
    """
    highest: int | None = None
    offset = 0
    end = len(fragment)
    while end - offset >= _HANDSHAKE_HEADER_LENGTH:
        (seq,) = _HANDSHAKE_SEQ.unpack_from(fragment, offset + _HANDSHAKE_SEQ_OFFSET)
        length_at = offset + _FRAGMENT_LENGTH_OFFSET
        fragment_length = int.from_bytes(fragment[length_at : length_at + 3], "big")
        if highest is None or seq > highest:
            highest = seq
        offset += _HANDSHAKE_HEADER_LENGTH + fragment_length
    return highest


def split_records(stream: bytes) -> list[bytes]:
    """Split OpenSSL's output into records. The input is ours, yet a short tail stays whole."""
    records: list[bytes] = []
    offset = 0
    end = len(stream)
    while offset < end:
        if end - offset < RECORD_HEADER_LENGTH:
            records.append(stream[offset:])
            break
        (length,) = _LENGTH_FIELD.unpack_from(stream, offset + _LENGTH_OFFSET)
        stop = min(offset + RECORD_HEADER_LENGTH + length, end)
        records.append(stream[offset:stop])
        offset = stop
    return records


def record_epoch(record: bytes) -> int:
    """Epoch of one of our own records (as split by `split_records`); -1 if it is too short."""
    if len(record) < RECORD_HEADER_LENGTH:
        return -1
    (epoch,) = _EPOCH_FIELD.unpack_from(record, _EPOCH_OFFSET)
    return int(epoch)


def with_sequence_number(record: bytes, sequence_number: int) -> bytes:
    """A copy of an epoch-0 record carrying another record sequence number.

    Epoch-0 records are plaintext without a MAC (RFC 6347 §4.1), so their sequence number only
    feeds the receiver's replay window (§4.1.2.6). Renumbering them lets a resent flight pass
    that window as a fresh retransmission would. Records of later epochs are authenticated with
    their sequence number and must never be changed.
    """
    header = bytearray(record[:RECORD_HEADER_LENGTH])
    header[_SEQUENCE_OFFSET:_LENGTH_OFFSET] = sequence_number.to_bytes(6, "big")
    return bytes(header) + record[RECORD_HEADER_LENGTH:]


def pack_datagrams(records: list[bytes], mtu: int) -> list[bytes]:
    """Pack whole records, in order, into as few datagrams of at most `mtu` bytes as possible.

    A record is never split across datagrams (RFC 6347 §4.1.1); one larger than the MTU (OpenSSL
    keeps them below it once `set_ciphertext_mtu` is set) travels alone.
    """
    datagrams: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for record in records:
        if current and size + len(record) > mtu:
            datagrams.append(b"".join(current))
            current = []
            size = 0
        current.append(record)
        size += len(record)
    if current:
        datagrams.append(b"".join(current))
    return datagrams
