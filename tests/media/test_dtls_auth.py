"""Peer authentication by the signalled fingerprint: a mismatch on either side fails, keyless."""

from __future__ import annotations

import pytest

from media.dtls import DtlsConnected, DtlsEndpoint, DtlsFailed, DtlsState
from media.negotiated import DtlsRole, Fingerprint
from tests.media.test_dtls_pair import CLIENT_CERT, SERVER_CERT, Pair

WRONG = Fingerprint("sha-256", bytes(32))


def assert_no_keys(pair: Pair) -> None:
    for events in pair.events.values():
        assert not any(isinstance(event, DtlsConnected) for event in events)


@pytest.mark.parametrize(("checker", "other"), [("server", "client"), ("client", "server")])
def test_a_certificate_that_does_not_match_fails_both_sides(checker: str, other: str) -> None:
    pair = Pair(**{f"{checker}_expects": WRONG})  # type: ignore[arg-type]
    pair.run()
    assert pair.events[checker] == [DtlsFailed("fingerprint mismatch")]
    # The alert reaches the other side, which fails as well instead of waiting for a timeout.
    assert getattr(pair, other).state is DtlsState.FAILED
    assert pair.now == 0.0
    assert_no_keys(pair)


def test_the_other_sides_certificate_is_not_enough() -> None:
    # The server expecting its own certificate's fingerprint must not accept the client's.
    pair = Pair(server_expects=SERVER_CERT.fingerprint)
    pair.run()
    assert pair.server.state is DtlsState.FAILED
    assert_no_keys(pair)


def test_a_fingerprint_of_the_wrong_length_fails() -> None:
    pair = Pair(client_expects=Fingerprint("sha-256", SERVER_CERT.fingerprint_bytes[:16]))
    pair.run()
    assert pair.client.state is DtlsState.FAILED
    assert_no_keys(pair)


@pytest.mark.parametrize("algorithm", ["md5", "sha-1", "sha-999", ""])
def test_unsupported_fingerprint_algorithms_fail_at_start(algorithm: str) -> None:
    endpoint = DtlsEndpoint(DtlsRole.CLIENT, CLIENT_CERT, Fingerprint(algorithm, bytes(20)))
    endpoint.start(0.0)
    assert endpoint.state is DtlsState.FAILED
    assert endpoint.datagrams_to_send() == []  # not even a ClientHello
    event = endpoint.next_event()
    assert isinstance(event, DtlsFailed) and "unsupported fingerprint algorithm" in event.reason


def test_fingerprint_algorithm_names_are_case_insensitive() -> None:
    upper = Fingerprint("SHA-256", CLIENT_CERT.fingerprint_bytes)
    pair = Pair(server_expects=upper)
    pair.run()
    pair.connected_keys()
