"""SRTP/SRTCP protection for one DTLS-SRTP transport (RFC 3711, RFC 7714), backed by libsrtp.

Why it looks like this:
- Per-packet hot path: `SrtpContext` binds the pylibsrtp methods once and adds only a try/except
  that turns every libsrtp failure (authentication, replay, malformed header, oversize packet)
  into `BadPacket`. Inputs must be `bytes`; pylibsrtp copies them into its own 1500-byte buffer,
  so a packet to protect may be at most 1356 bytes (RTP) / 1352 bytes (RTCP), and a packet to
  unprotect at most 1500 bytes — bigger ones raise `BadPacket`.
- One libsrtp session per direction, with wildcard policies: inbound `SSRC_ANY_INBOUND` with the
  peer's key, outbound `SSRC_ANY_OUTBOUND` with ours. libsrtp clones a per-SSRC stream the first
  time it sees an SSRC: outbound on the first `protect`, inbound only after the first packet of
  that SSRC authenticates (so forged packets cannot grow it). Measured ≈ 300 bytes per SSRC; the
  state lives until the context is dropped. The SFU sends a bounded set of SSRCs per transport
  (its own, per outgoing stream) and the browser a handful, so this is bounded per transport.
- Replay protection (RFC 3711 §3.3.2) applies both ways. The receiver rejects a second packet
  with the same (SSRC, index); the sender, too, refuses to protect the same (SSRC, seq) twice
  (`allow_repeat_tx` stays off: re-protecting would reuse keystream). So the SFU must never
  re-protect an already-sent (SSRC, seq) with the same context: RTX (RFC 4588) uses its own SSRC
  and sequence space, and a plain retransmission re-sends the stored *protected* bytes.
- The inbound replay window is 1024 packets (libsrtp's default is 128) so that reordering under
  load or after a NACK burst is not mistaken for replay; libwebrtc uses the same size.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import pylibsrtp

from media.errors import BadPacket

# Inbound replay window in packets (RFC 3711 §3.3.2 allows any size >= 64).
INBOUND_REPLAY_WINDOW = 1024


class SrtpProfile(enum.Enum):
    """DTLS-SRTP protection profiles we negotiate (RFC 5764 §4.1.2, RFC 7714 §14.2)."""

    AEAD_AES_128_GCM = "SRTP_AEAD_AES_128_GCM"
    AES128_CM_SHA1_80 = "SRTP_AES128_CM_SHA1_80"

    @property
    def openssl_name(self) -> bytes:
        """The name OpenSSL's `use_srtp` extension list and selection use."""
        return self.value.encode("ascii")

    @property
    def key_length(self) -> int:
        return _PARAMETERS[self][0]

    @property
    def salt_length(self) -> int:
        return _PARAMETERS[self][1]

    @property
    def libsrtp_profile(self) -> int:
        return _PARAMETERS[self][2]

    @classmethod
    def from_openssl_name(cls, name: bytes) -> SrtpProfile | None:
        """The profile OpenSSL selected, or None for an empty or unsupported name."""
        try:
            return cls(name.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            return None


# (master key length, master salt length, libsrtp profile constant)
_PARAMETERS: dict[SrtpProfile, tuple[int, int, int]] = {
    # RFC 7714 §12: 128-bit key, 96-bit salt.
    SrtpProfile.AEAD_AES_128_GCM: (16, 12, pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_128_GCM),
    # RFC 5764 §4.1.2: 128-bit key, 112-bit salt.
    SrtpProfile.AES128_CM_SHA1_80: (16, 14, pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80),
}

# The order we offer as DTLS client and accept as server: GCM first (faster, smaller tag).
DEFAULT_SRTP_PROFILES: tuple[SrtpProfile, ...] = (
    SrtpProfile.AEAD_AES_128_GCM,
    SrtpProfile.AES128_CM_SHA1_80,
)


@dataclass(frozen=True, slots=True)
class SrtpKeyMaterial:
    """Master keys and salts exported from DTLS (RFC 5764 §4.2), already split by direction.

    `local_*` protects what we send, `remote_*` checks what the peer sends. Secrets stay out of
    `repr` so that logging an event never leaks them.
    """

    profile: SrtpProfile
    local_key: bytes = field(repr=False)
    local_salt: bytes = field(repr=False)
    remote_key: bytes = field(repr=False)
    remote_salt: bytes = field(repr=False)

    def __post_init__(self) -> None:
        key_length, salt_length = self.profile.key_length, self.profile.salt_length
        if len(self.local_key) != key_length or len(self.remote_key) != key_length:
            raise ValueError(f"{self.profile.name} needs {key_length}-byte master keys")
        if len(self.local_salt) != salt_length or len(self.remote_salt) != salt_length:
            raise ValueError(f"{self.profile.name} needs {salt_length}-byte master salts")


class SrtpContext:
    """Protects outgoing and unprotects incoming RTP/RTCP of one transport (not thread-safe)."""

    __slots__ = ("profile", "_protect", "_unprotect", "_protect_rtcp", "_unprotect_rtcp")

    def __init__(self, profile: SrtpProfile, local_master: bytes, remote_master: bytes) -> None:
        """`local_master` and `remote_master` are key || salt (RFC 3711 §8.2 master key+salt)."""
        self.profile = profile
        outbound = pylibsrtp.Session(_policy(profile, local_master, inbound=False))
        inbound = pylibsrtp.Session(_policy(profile, remote_master, inbound=True))
        self._protect = outbound.protect
        self._protect_rtcp = outbound.protect_rtcp
        self._unprotect = inbound.unprotect
        self._unprotect_rtcp = inbound.unprotect_rtcp

    @classmethod
    def from_key_material(cls, keys: SrtpKeyMaterial) -> SrtpContext:
        return cls(
            keys.profile, keys.local_key + keys.local_salt, keys.remote_key + keys.remote_salt
        )

    def protect_rtp(self, packet: bytes) -> bytes:
        try:
            return self._protect(packet)
        except (pylibsrtp.Error, ValueError, TypeError) as exc:
            raise BadPacket(f"srtp protect: {exc}") from None

    def unprotect_rtp(self, packet: bytes) -> bytes:
        """Plain RTP; BadPacket on authentication failure, replay or malformed input."""
        try:
            return self._unprotect(packet)
        except (pylibsrtp.Error, ValueError, TypeError) as exc:
            raise BadPacket(f"srtp unprotect: {exc}") from None

    def protect_rtcp(self, packet: bytes) -> bytes:
        try:
            return self._protect_rtcp(packet)
        except (pylibsrtp.Error, ValueError, TypeError) as exc:
            raise BadPacket(f"srtcp protect: {exc}") from None

    def unprotect_rtcp(self, packet: bytes) -> bytes:
        """Plain RTCP; BadPacket on authentication failure, replay or malformed input."""
        try:
            return self._unprotect_rtcp(packet)
        except (pylibsrtp.Error, ValueError, TypeError) as exc:
            raise BadPacket(f"srtcp unprotect: {exc}") from None


def _policy(profile: SrtpProfile, master: bytes, *, inbound: bool) -> pylibsrtp.Policy:
    expected = profile.key_length + profile.salt_length
    if len(master) != expected:
        raise ValueError(f"{profile.name} needs a {expected}-byte master key+salt")
    policy = pylibsrtp.Policy(
        key=master,
        ssrc_type=(
            pylibsrtp.Policy.SSRC_ANY_INBOUND if inbound else pylibsrtp.Policy.SSRC_ANY_OUTBOUND
        ),
        srtp_profile=profile.libsrtp_profile,
    )
    if inbound:
        policy.window_size = INBOUND_REPLAY_WINDOW
    return policy
