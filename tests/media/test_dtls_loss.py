"""DTLS handshakes under loss, driven only by get_timer()/handle_timer() on a fake clock.

OpenSSL's own retransmission timer runs on the real clock, which a hand-driven test never moves
far: these tests therefore exercise the endpoint's own RFC 6347 schedule and its resend of the
previous flight. The last test sleeps for real once to show the production path, where OpenSSL
retransmits with fresh record numbers and answers the peer's retransmission itself.
"""

from __future__ import annotations

import random
import time

import pytest

from media.dtls import MAX_FINAL_FLIGHT_RESENDS, DtlsEndpoint, DtlsFailed, DtlsState
from media.dtls_records import RECORD_HEADER, parse_records_untrusted
from tests.media.test_dtls_pair import C2S, S2C, Pair


def lose(direction: str, *batches: int):  # type: ignore[no-untyped-def]
    return lambda d, batch, datagram: d == direction and batch in batches


def record_sequence_numbers(datagram: bytes) -> list[int]:
    numbers = []
    offset = 0
    for record in parse_records_untrusted(datagram):
        numbers.append(int.from_bytes(datagram[offset + 5 : offset + 11], "big"))
        offset += RECORD_HEADER.size + len(record.fragment)
    return numbers


@pytest.mark.parametrize(
    ("name", "direction", "batch"),
    [
        ("ClientHello (first flight)", C2S, 0),
        ("server flight 2 (middle)", S2C, 0),
        ("client flight 5 (middle)", C2S, 1),
        ("server CCS+Finished (final flight)", S2C, 1),
    ],
)
def test_a_lost_flight_is_recovered_after_one_retransmission_timeout(
    name: str, direction: str, batch: int
) -> None:
    pair = Pair(drop=lose(direction, batch))
    pair.run()
    pair.connected_keys()
    assert pair.now == pytest.approx(1.0), name  # RFC 6347 §4.2.4.1: initial timer 1 s
    assert any(lost for *_, lost in pair.log)


def test_a_lost_final_flight_is_resent_when_the_client_repeats_its_flight() -> None:
    """The server has no timer after its last flight; only the client's repeat can save it."""
    pair = Pair(drop=lose(S2C, 1))
    pair.start()
    assert pair.server.state is DtlsState.CONNECTED
    assert pair.client.get_timer() is not None  # still handshaking
    assert pair.server.get_timer() is None
    pair.advance(only=pair.client)
    assert pair.client.state is DtlsState.CONNECTED
    resent = [data for now, d, _, data, lost in pair.log if d == S2C and now == 1.0]
    assert resent, "the server answered the repeated flight 5 with its final flight"


def test_the_server_answers_a_repeated_client_hello_without_its_own_timer() -> None:
    pair = Pair(drop=lose(S2C, 0))
    pair.start()
    assert pair.server.get_timer() is not None
    pair.advance(only=pair.client)  # only the client's timer fires
    pair.exchange()
    assert pair.client.state is DtlsState.CONNECTED
    assert pair.server.state is DtlsState.CONNECTED


def test_one_lost_datagram_of_a_fragmented_flight_is_recovered() -> None:
    seen: list[int] = []

    def drop_second_datagram_of_flight_2(direction: str, batch: int, datagram: bytes) -> bool:
        if direction == S2C and batch == 0:
            seen.append(len(datagram))
            return len(seen) == 2
        return False

    pair = Pair(mtu=300, drop=drop_second_datagram_of_flight_2)
    pair.run()
    pair.connected_keys()
    assert len(seen) >= 3


def test_retransmissions_back_off_exponentially() -> None:
    pair = Pair(drop=lambda d, batch, datagram: d == C2S and batch < 4)
    pair.run()
    pair.connected_keys()
    client_sends = sorted({now for now, d, *_ in pair.log if d == C2S})
    assert client_sends[:5] == [0.0, 1.0, 3.0, 7.0, 15.0]


def test_retransmission_timer_is_capped_at_60_seconds() -> None:
    pair = Pair(drop=lambda d, batch, datagram: True, handshake_timeout=1000.0)
    pair.start()
    sends = []
    while pair.now < 400.0:
        pair.advance(only=pair.client)
        sends.append(pair.now)
    gaps = [later - earlier for earlier, later in zip(sends, sends[1:], strict=False)]
    assert max(gaps) == pytest.approx(60.0)


def test_total_loss_fails_both_sides_at_the_handshake_deadline() -> None:
    pair = Pair(drop=lambda d, batch, datagram: True, handshake_timeout=30.0)
    pair.run()
    assert pair.server.state is DtlsState.FAILED
    assert pair.client.state is DtlsState.FAILED
    assert pair.events["server"] == [DtlsFailed("timeout")]
    assert pair.events["client"] == [DtlsFailed("timeout")]
    assert pair.now == pytest.approx(30.0)
    assert pair.server.get_timer() is None


@pytest.mark.parametrize("seed", range(12))
def test_random_loss_still_connects(seed: int) -> None:
    rng = random.Random(seed)
    pair = Pair(mtu=400, drop=lambda d, batch, datagram: rng.random() < 0.3)
    pair.run(max_steps=100)
    pair.connected_keys()
    assert pair.now < 30.0


def test_real_clock_retransmission_uses_fresh_record_numbers() -> None:
    """Production path: monotonic `now` and OpenSSL's clock agree, OpenSSL retransmits itself."""
    pair = Pair(drop=lose(S2C, 0))
    pair.start()
    first_hello = [data for _, d, batch, data, _ in pair.log if d == C2S and batch == 0][0]
    time.sleep(1.05)  # let OpenSSL's real-time timer expire too
    pair.now = 1.05
    client: DtlsEndpoint = pair.client
    client.handle_timer(pair.now)
    retransmitted = client.datagrams_to_send()
    assert record_sequence_numbers(retransmitted[0]) != record_sequence_numbers(first_hello)
    for datagram in retransmitted:
        pair.server.receive_datagram(datagram, pair.now)
    # OpenSSL answers the fresh repeat of the ClientHello with flight 2 by itself.
    assert pair.server.datagrams_to_send()


def test_final_flight_resends_are_rate_limited_and_bounded() -> None:
    pair = Pair()
    pair.run()
    pair.connected_keys()
    # Any handshake record the connected server cannot use counts as a repeat of flight 5.
    repeat = RECORD_HEADER.pack(22, 0xFEFD, 1, 32)[:5] + (99).to_bytes(6, "big") + (
        (32).to_bytes(2, "big") + bytes(32)
    )
    pair.server.receive_datagram(repeat, 5.0)
    pair.server.receive_datagram(repeat, 5.1)  # within MIN_RESEND_INTERVAL: not answered again
    assert len(pair.server.datagrams_to_send()) == 1
    answered = 1
    for second in range(6, 40):
        pair.server.receive_datagram(repeat, float(second))
        answered += len(pair.server.datagrams_to_send())
    assert answered == MAX_FINAL_FLIGHT_RESENDS
    assert pair.server.state is DtlsState.CONNECTED
    # The client never resends: the final flight is not its own.
    pair.client.receive_datagram(repeat, 50.0)
    assert pair.client.datagrams_to_send() == []
