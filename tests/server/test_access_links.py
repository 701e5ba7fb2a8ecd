"""Proof 3: the access-link window and its invalidation under an injected clock; consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import trio

from server.appointments.access import AccessDenied, AccessGrant, Denial
from server.clock import ManualClock
from server.config import AccessConfig
from server.consent import CONSENT_COOKIE
from server.events import ConsentWithdrawn
from server.i18n import NOTICE_VERSION
from server.storage.records import AuditKind
from server.tokens import token_hash
from tests.server.conftest import Harness, link_token, make_config, open_harness

START = datetime(2025, 5, 14, 8, 30, tzinfo=UTC)  # 10:30 in Berlin, 30 minutes long
OPENS, ENDS = START - timedelta(minutes=30), START + timedelta(minutes=30)
SECOND = timedelta(seconds=1)


async def first_link(h: Harness) -> tuple[str, int, str]:
    csrf = await h.login()
    created = await h.create(csrf)
    [message] = await h.deliver()
    return link_token(message), created["id"], csrf


async def reason(h: Harness, token: str) -> Denial | None:
    result = await h.services.resolve_access_token(token)
    return result.reason if isinstance(result, AccessDenied) else None


async def test_window_before_during_after(harness: Harness) -> None:
    h = harness
    token, appointment_id, _ = await first_link(h)
    early = await h.client.get(f"/t/{token}")
    assert early.status_code == 200 and "Noch etwas zu früh" in early.text
    assert "14. Mai 2025, 10:00 Uhr" in early.text  # when to come back
    for moment, expected in ((OPENS - SECOND, Denial.TOO_EARLY), (OPENS, None),
                             (START, None), (ENDS - SECOND, None), (ENDS, Denial.OVER),
                             (ENDS + timedelta(days=3), Denial.OVER)):
        h.clock.set(moment)
        assert await reason(h, token) is expected, moment
    grant = await h.services.resolve_access_token(token, START)
    assert isinstance(grant, AccessGrant)
    assert grant.appointment_id == appointment_id
    assert grant.client_display_name == "Erika Mustermann"
    assert grant.window.opens_at == OPENS and grant.window.closes_at == ENDS
    h.clock.set(ENDS)
    over = await h.client.get(f"/t/{token}")
    assert over.status_code == 410 and "Der Termin ist vorbei" in over.text
    assert "name=\"agree\"" not in over.text


async def test_window_is_configurable(tmp_path: Path, clock: ManualClock) -> None:
    config = make_config(tmp_path, access=AccessConfig(opens_minutes_before=10,
                                                       closes_minutes_after_end=15))
    async for h in open_harness(config, clock):
        token, _, _ = await first_link(h)
        h.clock.set(START - timedelta(minutes=11))
        assert await reason(h, token) is Denial.TOO_EARLY
        h.clock.set(START - timedelta(minutes=10))
        assert await reason(h, token) is None
        h.clock.set(ENDS + timedelta(minutes=15) - SECOND)
        assert await reason(h, token) is None
        h.clock.set(ENDS + timedelta(minutes=15))
        assert await reason(h, token) is Denial.OVER


async def test_rescheduling_invalidates_the_old_link_at_once(harness: Harness) -> None:
    h = harness
    old, appointment_id, csrf = await first_link(h)
    moved = await h.client.patch(f"/api/appointments/{appointment_id}",
                                 json={"start": "2025-05-15T09:00:00+02:00"},
                                 headers={"x-csrf-token": csrf})
    assert moved.status_code == 200
    h.clock.set(START)  # the old time: the old link must not work, before or after the new mail
    assert await reason(h, old) is Denial.UNKNOWN
    [_, second] = await h.deliver()
    assert second["Subject"].startswith("Neuer Termin")
    new = link_token(second)
    assert new != old
    assert await reason(h, old) is Denial.UNKNOWN
    assert await reason(h, new) is Denial.TOO_EARLY
    page = await h.client.get(f"/t/{old}")
    assert page.status_code == 404 and "neue E-Mail" in page.text
    h.clock.set(datetime(2025, 5, 15, 7, 0, tzinfo=UTC))  # 09:00 Berlin on the new day
    assert await reason(h, new) is None
    assert await reason(h, old) is Denial.UNKNOWN


async def test_cancelling_invalidates_the_link(harness: Harness) -> None:
    h = harness
    token, appointment_id, csrf = await first_link(h)
    await h.client.post(f"/api/appointments/{appointment_id}/cancel",
                        headers={"x-csrf-token": csrf})
    h.clock.set(START)
    assert await reason(h, token) is Denial.CANCELLED
    page = await h.client.get(f"/t/{token}")
    assert page.status_code == 410 and "abgesagt" in page.text
    consent = await h.client.post(f"/t/{token}/consent", data={"agree": "yes"})
    assert consent.status_code == 410 and CONSENT_COOKIE not in consent.cookies


async def test_resend_replaces_the_link(harness: Harness) -> None:
    h = harness
    old, appointment_id, csrf = await first_link(h)
    await h.client.post(f"/api/appointments/{appointment_id}/resend",
                        headers={"x-csrf-token": csrf})
    [_, second] = await h.deliver()
    h.clock.set(START)
    assert await reason(h, old) is Denial.UNKNOWN
    assert await reason(h, link_token(second)) is None


async def test_junk_tokens_are_unknown(harness: Harness) -> None:
    h = harness
    h.clock.set(START)
    for junk in ("x", "A" * 43, "A" * 500, "%00", "..", "ä" * 43):
        assert await reason(h, junk) is Denial.UNKNOWN
    assert (await h.client.get("/t/" + "A" * 43)).status_code == 404


async def test_consent_every_visit_recorded_and_withdrawable(harness: Harness) -> None:
    h = harness
    token, appointment_id, _ = await first_link(h)
    h.clock.set(START - timedelta(minutes=5))
    page = await h.client.get(f"/t/{token}")
    assert page.status_code == 200 and "Datenschutzhinweis" in page.text
    assert "content-security-policy" in page.headers
    english = await h.client.get(f"/t/{token}", params={"lang": "en"})
    assert "Privacy notice for the video consultation" in english.text
    # consent is required actively: without the box ticked nothing is recorded
    refused = await h.client.post(f"/t/{token}/consent", data={"lang": "de"})
    assert refused.status_code == 422 and "Kästchen" in refused.text
    assert await h.services.resolve_client(token, None) == AccessDenied(
        Denial.NO_CONSENT, (await _grant(h, token)).window, START, "de")
    given = await h.client.post(f"/t/{token}/consent", data={"agree": "yes", "lang": "de"})
    assert given.status_code == 303 and given.headers["location"].startswith(f"/t/{token}/check")
    cookie_header = given.headers["set-cookie"].lower()
    assert "httponly" in cookie_header and "samesite=strict" in cookie_header
    cookie = h.client.cookies[CONSENT_COOKIE]
    check = await h.client.get(f"/t/{token}/check")
    assert check.status_code == 200 and "Vielen Dank" in check.text
    assert isinstance(await h.services.resolve_client(token, cookie), AccessGrant)
    audit = await h.services.audit.recent(appointment_id=appointment_id)
    assert audit[0].kind is AuditKind.CONSENT_GIVEN and NOTICE_VERSION in audit[0].detail
    record = await h.services.repo.consent_by_session(token_hash(cookie))
    assert record is not None and record.appointment_id == appointment_id
    assert record.notice_version == NOTICE_VERSION and record.given_at == h.clock.now()
    # opening the link again asks again (per visit)
    again = await h.client.get(f"/t/{token}")
    assert 'name="agree"' in again.text

    events = h.services.events.subscribe()
    withdrawn = await h.client.post(f"/t/{token}/withdraw", data={"lang": "de"})
    assert withdrawn.status_code == 200 and "widerrufen" in withdrawn.text
    with trio.fail_after(1):
        event = await events.receive()
    assert event == ConsentWithdrawn(appointment_id=appointment_id, consent_id=record.id)
    denied = await h.services.resolve_client(token, cookie)
    assert isinstance(denied, AccessDenied) and denied.reason is Denial.NO_CONSENT
    back = await h.client.get(f"/t/{token}/check")
    assert back.status_code == 303 and back.headers["location"] == f"/t/{token}"
    kinds = [e.kind for e in await h.services.audit.recent(appointment_id=appointment_id)]
    assert kinds[0] is AuditKind.CONSENT_WITHDRAWN


async def test_consent_of_one_appointment_does_not_open_another(harness: Harness) -> None:
    h = harness
    csrf = await h.login()
    await h.create(csrf)
    await h.create(csrf, client_email="max@example.org", client_name="Max")
    first, second = [link_token(m) for m in await h.deliver()]
    h.clock.set(START)
    await h.client.post(f"/t/{first}/consent", data={"agree": "yes"})
    cookie = h.client.cookies[CONSENT_COOKIE]
    assert isinstance(await h.services.resolve_client(first, cookie), AccessGrant)
    denied = await h.services.resolve_client(second, cookie)
    assert isinstance(denied, AccessDenied) and denied.reason is Denial.NO_CONSENT


async def test_advisor_session_contract(harness: Harness) -> None:
    h = harness
    await h.login()
    cookie = h.client.cookies["vt_session"]
    advisor_id = await h.services.authenticate_advisor_session(cookie)
    assert advisor_id == (await h.services.repo.advisor_by_username("alice")).id  # type: ignore
    assert await h.services.authenticate_advisor_session(None) is None
    assert await h.services.authenticate_advisor_session("A" * 43) is None


async def _grant(h: Harness, token: str) -> AccessGrant:
    grant = await h.services.resolve_access_token(token)
    assert isinstance(grant, AccessGrant)
    return grant

