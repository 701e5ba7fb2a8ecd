"""OpenSSL configuration for the DTLS-SRTP endpoint (media/dtls.py), via pyOpenSSL.

DTLS 1.2 only, forward-secret ECDHE suites, the use_srtp extension (RFC 5764 §4.1), a peer
certificate required but checked against the signalled fingerprint instead of a CA chain, no
session resumption or renegotiation (WebRTC uses neither), and memory BIOs with our own MTU.
"""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL, crypto

from media.certificate import DtlsCertificate, fingerprint_matches
from media.dtls_records import DTLS_1_2_VERSION
from media.negotiated import DtlsRole, Fingerprint
from media.srtp import SrtpProfile

# RFC 8827 §6.5: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 with P-256 is mandatory. RSA suites stay
# for when the peer is the DTLS server with an RSA certificate; all suites are forward secret.
_CIPHERS = (
    b"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    b"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
    b"ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"
)


class PeerCertificateCheck:
    """pyOpenSSL verify callback: no CA chain, but the leaf must match the SDP fingerprint.

    Rejecting here aborts the handshake with a fatal alert (OpenSSL reports the verify error it
    had, unknown_ca for a self-signed leaf), so the peer fails at once too. The endpoint checks
    the fingerprint again once the handshake has completed.
    """

    __slots__ = ("expected", "mismatch")

    def __init__(self, expected: Fingerprint) -> None:
        self.expected = expected
        self.mismatch = False

    def __call__(
        self, connection: SSL.Connection, certificate: crypto.X509, error: int, depth: int, ok: int
    ) -> bool:
        if depth != 0:
            return True  # chain certificates mean nothing here; only the leaf is signalled
        try:
            der = certificate.to_cryptography().public_bytes(Encoding.DER)
            matches = fingerprint_matches(der, self.expected)
        except Exception:  # pyOpenSSL would re-raise it from do_handshake(): reject instead
            matches = False
        if not matches:
            self.mismatch = True
        return matches


@functools.lru_cache(maxsize=16)
def _shared_context(certificate: DtlsCertificate, profiles: tuple[SrtpProfile, ...]) -> SSL.Context:
    """One OpenSSL context per (certificate, profiles): building one costs ~0.4 ms."""
    context = SSL.Context(SSL.DTLS_METHOD)
    context.set_min_proto_version(DTLS_1_2_VERSION)
    context.set_max_proto_version(DTLS_1_2_VERSION)
    # OP_NO_QUERY_MTU: the BIO is memory, the MTU is ours (set per connection, or the handshake
    # fails with "Unexpected EOF").
    context.set_options(
        SSL.OP_NO_QUERY_MTU | SSL.OP_NO_TICKET | SSL.OP_NO_RENEGOTIATION | SSL.OP_NO_COMPRESSION
    )
    context.set_session_cache_mode(SSL.SESS_CACHE_OFF)
    context.set_cipher_list(_CIPHERS)
    context.use_certificate(certificate.certificate)
    context.use_privatekey(certificate.private_key)
    context.set_tlsext_use_srtp(b":".join(profile.openssl_name for profile in profiles))
    return context


def new_connection(
    role: DtlsRole,
    certificate: DtlsCertificate,
    profiles: tuple[SrtpProfile, ...],
    mtu: int,
    check: PeerCertificateCheck,
) -> SSL.Connection:
    connection = SSL.Connection(_shared_context(certificate, profiles), None)
    # The peer must present a certificate; `check` replaces CA-chain validation.
    connection.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, check)
    connection.set_ciphertext_mtu(mtu)
    if role is DtlsRole.SERVER:
        connection.set_accept_state()
    else:
        connection.set_connect_state()
    return connection


def describe_error(error: SSL.Error) -> str:
    """OpenSSL's reason strings, e.g. 'sslv3 alert bad certificate'."""
    reasons = [
        str(item[-1])
        for item in (error.args[0] if error.args and isinstance(error.args[0], list) else [])
        if isinstance(item, tuple) and item
    ]
    return "; ".join(reasons) or repr(error)
