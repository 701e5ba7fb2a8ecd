"""The subscribe transport's slots and its one-offer-at-a-time cycle."""

from __future__ import annotations

import itertools

import pytest

from media.negotiated import MediaKind
from signalling import codes
from signalling.errors import ProtocolError
from signalling.messages import Source
from signalling.sdp import build_subscribe_offer
from signalling.subscribe_plan import (
    MAX_SLOTS,
    Negotiation,
    NegotiationError,
    SubscribePlan,
    WantedTrack,
)
from tests.signalling.test_sdp_captures import LOCAL

MIC = WantedTrack(10, "pA", MediaKind.AUDIO, Source.MICROPHONE)
CAM = WantedTrack(11, "pA", MediaKind.VIDEO, Source.CAMERA)
SCREEN = WantedTrack(12, "pA", MediaKind.VIDEO, Source.SCREEN)


def ssrcs() -> itertools.count[int]:
    return itertools.count(1000)


def test_first_offer_is_fresh_and_carries_the_tracks() -> None:
    plan = SubscribePlan(first_version=5)
    counter = ssrcs()
    assert plan.update([MIC, CAM], lambda: next(counter)) == ()
    assert plan.wants_offer()
    offer = plan.begin_offer()
    assert (offer.version, offer.fresh) == (5, True)
    assert [(s.mid, s.kind, s.rtx_ssrc is not None) for s in offer.slots] == [
        ("0", MediaKind.AUDIO, False), ("1", MediaKind.VIDEO, True)]
    assert [t.stream_id for t in offer.tracks()] == ["pA-av", "pA-av"]  # lip-sync group
    assert offer.infos()[1].source is Source.CAMERA
    build_subscribe_offer(LOCAL, offer.tracks(), offer.version)  # a valid SDP offer


def test_one_offer_at_a_time_and_changes_meanwhile_follow() -> None:
    plan = SubscribePlan(1)
    counter = ssrcs()
    plan.update([MIC, CAM], lambda: next(counter))
    first = plan.begin_offer()
    plan.update([MIC, CAM, SCREEN], lambda: next(counter))
    assert not plan.wants_offer()  # the first one is still out
    with pytest.raises(ProtocolError) as caught:
        plan.check_answer(first.version + 1)
    assert caught.value.code == codes.STALE_ANSWER
    assert plan.check_answer(first.version) is first
    forwarded = plan.answer_applied()
    assert [s.mid for s in forwarded] == ["0", "1"]
    assert plan.wants_offer()
    second = plan.begin_offer()
    assert (second.version, second.fresh) == (2, False)
    assert [s.mid for s in second.slots] == ["0", "1", "2"]
    with pytest.raises(ProtocolError) as caught:
        plan.check_answer(first.version)
    assert caught.value.code == codes.STALE_ANSWER


def test_stopped_tracks_turn_inactive_and_mids_are_never_reused() -> None:
    plan = SubscribePlan(1)
    counter = ssrcs()
    plan.update([MIC, CAM, SCREEN], lambda: next(counter))
    plan.begin_offer()
    plan.check_answer(1)
    plan.answer_applied()
    assert plan.update([MIC, CAM], lambda: next(counter)) == ("2",)
    again = WantedTrack(13, "pA", MediaKind.VIDEO, Source.SCREEN)  # a new screen share
    assert plan.update([MIC, CAM, again], lambda: next(counter)) == ()
    offer = plan.begin_offer()
    assert [(s.mid, s.active) for s in offer.slots] == [
        ("0", True), ("1", True), ("2", False), ("3", True)]
    assert [t.active for t in offer.tracks()] == [True, True, False, True]


def test_a_track_stopped_before_the_answer_is_not_forwarded() -> None:
    plan = SubscribePlan(1)
    counter = ssrcs()
    plan.update([MIC, CAM], lambda: next(counter))
    plan.begin_offer()
    plan.update([MIC], lambda: next(counter))
    plan.check_answer(1)
    assert [s.mid for s in plan.answer_applied()] == ["0"]


def test_no_offer_outstanding() -> None:
    plan = SubscribePlan(1)
    with pytest.raises(ProtocolError) as caught:
        plan.check_answer(1)
    assert caught.value.code == codes.NO_OFFER
    assert not plan.wants_offer()  # nothing to offer yet
    plan.update([], lambda: 1)
    assert not plan.wants_offer()


def test_everything_gone_after_stable_is_offered_as_inactive() -> None:
    plan = SubscribePlan(1)
    counter = ssrcs()
    plan.update([MIC], lambda: next(counter))
    plan.begin_offer()
    plan.check_answer(1)
    plan.answer_applied()
    assert plan.update([], lambda: next(counter)) == ("0",)
    assert plan.wants_offer()
    assert [s.active for s in plan.begin_offer().slots] == [False]


def test_illegal_transitions_raise() -> None:
    plan = SubscribePlan(1)
    plan.update([MIC], lambda: 7)
    plan.begin_offer()
    with pytest.raises(NegotiationError):
        plan.begin_offer()
    assert plan.state is Negotiation.OFFERED


def test_full() -> None:
    plan = SubscribePlan(1)
    counter = ssrcs()
    for number in range(MAX_SLOTS):
        plan.update([WantedTrack(number, "pA", MediaKind.AUDIO, Source.MICROPHONE)],
                    lambda: next(counter))
    assert plan.full
