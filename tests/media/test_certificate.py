"""The SFU's self-signed DTLS certificate and RFC 8122 fingerprints."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from media.certificate import (
    DtlsCertificate,
    fingerprint_matches,
    fingerprint_of_der,
    format_fingerprint,
)
from media.negotiated import Fingerprint

NOW_WALL = 1_750_000_000.0  # 2025-06-15T15:06:40Z
CERT = DtlsCertificate.generate(NOW_WALL)


def test_fingerprint_is_sha256_of_the_der_in_sdp_form() -> None:
    assert CERT.fingerprint_bytes == hashlib.sha256(CERT.der).digest()
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", CERT.fingerprint_sha256)
    assert bytes.fromhex(CERT.fingerprint_sha256.replace(":", "")) == CERT.fingerprint_bytes
    assert CERT.fingerprint == Fingerprint("sha-256", CERT.fingerprint_bytes)


def test_format_fingerprint_example() -> None:
    assert format_fingerprint(bytes([0x0A, 0xFF, 0x00])) == "0A:FF:00"


def test_certificate_is_self_signed_ecdsa_p256() -> None:
    certificate = CERT.certificate
    assert certificate.issuer == certificate.subject
    public_key = certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert isinstance(public_key.curve, ec.SECP256R1)
    assert isinstance(certificate.signature_hash_algorithm, hashes.SHA256)
    signature_algorithm = certificate.signature_algorithm_parameters
    assert isinstance(signature_algorithm, ec.ECDSA)
    public_key.verify(
        certificate.signature, certificate.tbs_certificate_bytes, signature_algorithm
    )
    assert CERT.private_key.public_key().public_numbers() == public_key.public_numbers()


def test_validity_window_follows_the_injected_wall_clock() -> None:
    now = datetime.datetime.fromtimestamp(NOW_WALL, datetime.UTC)
    assert CERT.certificate.not_valid_before_utc == now - datetime.timedelta(days=1)
    assert CERT.certificate.not_valid_after_utc == now + datetime.timedelta(days=30)
    assert CERT.not_after == NOW_WALL + 30 * 86400
    short = DtlsCertificate.generate(NOW_WALL, validity_days=2)
    assert short.not_after == NOW_WALL + 2 * 86400


def test_each_certificate_has_its_own_key_serial_and_name() -> None:
    other = DtlsCertificate.generate(NOW_WALL)
    assert other.fingerprint_bytes != CERT.fingerprint_bytes
    assert other.certificate.serial_number != CERT.certificate.serial_number
    assert other.certificate.subject != CERT.certificate.subject
    assert "PRIVATE" not in repr(CERT) and CERT.fingerprint_sha256 in repr(CERT)


@pytest.mark.parametrize(
    ("algorithm", "length"), [("sha-256", 32), ("sha-384", 48), ("sha-512", 64), ("SHA-256", 32)]
)
def test_fingerprint_of_der_supports_sha2(algorithm: str, length: int) -> None:
    value = fingerprint_of_der(CERT.der, algorithm)
    assert len(value) == length
    assert fingerprint_matches(CERT.der, Fingerprint(algorithm, value))
    assert not fingerprint_matches(CERT.der + b"\x00", Fingerprint(algorithm, value))


@pytest.mark.parametrize("algorithm", ["md5", "sha-1", "md2", "sha-224", "", "sha256"])
def test_weak_or_unknown_algorithms_are_refused(algorithm: str) -> None:
    with pytest.raises(ValueError):
        fingerprint_of_der(CERT.der, algorithm)
    sha1 = hashlib.sha1(CERT.der).digest()
    assert not fingerprint_matches(CERT.der, Fingerprint(algorithm, sha1))
