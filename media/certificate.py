"""The SFU's DTLS certificate and certificate fingerprints (RFC 8122 §5, RFC 8827 §6.5).

WebRTC authenticates DTLS by the certificate fingerprint carried in the signalled SDP, not by a
CA chain, so the certificate is a throw-away self-signed ECDSA P-256 one. The SFU generates one
at start-up and shares it among all its transports, as browsers (one per RTCPeerConnection
certificate set) and other SFUs do: the fingerprint binds the key to the signalling session, and
every handshake uses fresh ephemeral ECDHE keys, so sharing costs no forward secrecy.

The validity window is short and starts a day before the injected wall-clock time (tolerating a
peer's clock skew). Browsers do not check DTLS certificate dates, but a process that outlives
`not_after` should generate a new certificate for new transports.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from media.negotiated import Fingerprint

DEFAULT_VALIDITY_DAYS = 30
_BACKDATE = datetime.timedelta(days=1)

# RFC 8122 §5 hash function names (lower case, as media/negotiated.py stores them). RFC 8827 §6.5
# requires SHA-256 support; the longer SHA-2 variants are accepted, the weak ones are not.
_FINGERPRINT_HASHES: dict[str, str] = {
    "sha-256": "sha256",
    "sha-384": "sha384",
    "sha-512": "sha512",
}
SUPPORTED_FINGERPRINT_ALGORITHMS = frozenset(_FINGERPRINT_HASHES)


def fingerprint_of_der(der: bytes, algorithm: str = "sha-256") -> bytes:
    """Digest of a DER certificate; ValueError for an algorithm we do not accept."""
    try:
        name = _FINGERPRINT_HASHES[algorithm.lower()]
    except KeyError:
        raise ValueError(f"unsupported fingerprint algorithm {algorithm!r}") from None
    return hashlib.new(name, der).digest()


def format_fingerprint(value: bytes) -> str:
    """SDP form of a fingerprint: upper-case hex pairs joined by colons (RFC 8122 §5)."""
    return value.hex(":").upper()


def fingerprint_matches(der: bytes, expected: Fingerprint) -> bool:
    """True when `der` hashes to `expected` under its algorithm; False for unknown algorithms."""
    if expected.algorithm.lower() not in _FINGERPRINT_HASHES:
        return False
    return secrets.compare_digest(fingerprint_of_der(der, expected.algorithm), expected.value)


class DtlsCertificate:
    """A self-signed ECDSA P-256 certificate with its key, ready for pyOpenSSL."""

    __slots__ = ("certificate", "private_key", "der", "fingerprint_bytes", "not_after")

    def __init__(self, certificate: x509.Certificate, private_key: ec.EllipticCurvePrivateKey):
        self.certificate = certificate
        self.private_key = private_key
        self.der = certificate.public_bytes(serialization.Encoding.DER)
        self.fingerprint_bytes = fingerprint_of_der(self.der)
        self.not_after = certificate.not_valid_after_utc.timestamp()

    @classmethod
    def generate(
        cls, now_wall: float, *, validity_days: int = DEFAULT_VALIDITY_DAYS
    ) -> DtlsCertificate:
        """A fresh key and certificate valid from a day before `now_wall` (Unix seconds)."""
        key = ec.generate_private_key(ec.SECP256R1())
        # A random CN and serial: nothing in the certificate links transports or restarts.
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, secrets.token_hex(8))])
        now = datetime.datetime.fromtimestamp(now_wall, datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + datetime.timedelta(days=validity_days))
            .sign(key, hashes.SHA256())
        )
        return cls(certificate, key)

    @property
    def fingerprint_sha256(self) -> str:
        """The value for `a=fingerprint:sha-256 ...` in our SDP."""
        return format_fingerprint(self.fingerprint_bytes)

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint("sha-256", self.fingerprint_bytes)

    def __repr__(self) -> str:
        return f"DtlsCertificate(sha-256 {self.fingerprint_sha256})"
