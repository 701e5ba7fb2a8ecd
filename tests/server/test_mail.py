"""Proof 2: e-mail end to end with a real SMTP server (aiosmtpd), and the outbox default."""

from __future__ import annotations

import dataclasses
import stat
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trio
from icalendar import Calendar

from server.clock import ManualClock
from server.config import Config, MailConfig
from server.storage.records import AuditKind
from tests.server.conftest import (
    T0,
    Harness,
    link_token,
    make_config,
    open_harness,
    parse_mail,
    plain_text,
)
from tests.server.mailserver import Recorder, self_signed, smtp_server


def smtp_config(tmp_path: Path, port: int, **mail: Any) -> Config:
    base = MailConfig(mode="smtp", smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                      from_address="termine@amt.example", smtp_timeout_seconds=5)
    return make_config(tmp_path, mail=dataclasses.replace(base, **mail))


def calendar_of(message: EmailMessage) -> Calendar:
    attachments = [p for p in message.iter_attachments()
                   if p.get_content_type() == "text/calendar"]
    assert len(attachments) == 1
    assert attachments[0].get_filename() == "termin.ics"
    payload = attachments[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    calendar = Calendar.from_ical(payload)
    assert isinstance(calendar, Calendar)
    return calendar


def check_calendar(calendar: Calendar, *, method: str, start: str, sequence: int) -> str:
    """Required RFC 5545 properties present and parseable; returns the event's UID."""
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert calendar["METHOD"] == method
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert not event.errors and not calendar.errors
    for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "ORGANIZER"):
        assert prop in event, prop
    assert event.decoded("DTSTART").isoformat() == start
    assert event.decoded("DTEND") > event.decoded("DTSTART")
    assert int(str(event["SEQUENCE"])) == sequence
    assert Calendar.from_ical(calendar.to_ical()) == calendar  # round-trips
    return str(event["UID"])


def check_parts(message: EmailMessage, *needles: str) -> None:
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None and message.get_body(preferencelist=("plain",)) is not None
    html = html_part.get_content()
    text = plain_text(message)
    for needle in needles:
        assert needle in text, needle
        assert needle in html, needle


async def test_smtp_end_to_end(tmp_path: Path, clock: ManualClock) -> None:
    with smtp_server() as (recorder, port):
        async for h in open_harness(smtp_config(tmp_path, port), clock):
            csrf = await h.login()
            created = await h.create(csrf)
            assert await h.services.mail.deliver_due() == 1
            assert len(recorder.messages) == 1
            mail_from, rcpt = recorder.envelopes[0]
            assert mail_from == "termine@amt.example"
            assert rcpt == ["erika.mustermann@example.org"]
            message = parse_mail(recorder.messages[0])
            assert message["To"].addresses[0].display_name == "Erika Mustermann"
            assert message["Subject"] == "Ihre Video-Beratung am 14.05.2025, 10:30 Uhr"
            token = link_token(message)
            check_parts(message, "Wohngeld", f"/t/{token}", "spätestens 5 Minuten",
                        "http://testserver/device-test", "http://testserver/privacy",
                        "telefonisch oder persönlich", "Technische Voraussetzungen")
            check_calendar(calendar_of(message), method="PUBLISH",
                           start="2025-05-14T08:30:00+00:00", sequence=1)
            status = (await h.client.get(f"/api/appointments/{created['id']}")).json()["mail"]
            assert status["state"] == "sent" and status["attempts"] == 1
            # the link from the received message opens the consent page (window is open)
            clock.set(T0 + timedelta(days=2, minutes=5))  # 14 May, 10:05 Berlin
            page = await h.client.get(f"/t/{token}")
            assert page.status_code == 200
            assert "Datenschutzhinweis zur Video-Beratung" in page.text
            assert 'name="agree"' in page.text


async def test_smtp_with_starttls_and_login(tmp_path: Path, clock: ManualClock) -> None:
    cert, key = self_signed(tmp_path)
    with smtp_server(tls=(cert, key), login=("mailer", "s3cret-pass")) as (recorder, port):
        config = smtp_config(tmp_path, port, smtp_starttls=True, smtp_ca_file=str(cert),
                             smtp_username="mailer", smtp_password="s3cret-pass")
        async for h in open_harness(config, clock):
            await h.create(await h.login(), language="en")
            await h.services.mail.deliver_due()
            assert len(recorder.messages) == 1
            message = parse_mail(recorder.messages[0])
            assert message["Subject"] == "Your video consultation on 14 May 2025, 10:30"
            check_parts(message, "at the latest 5 minutes", "Technical requirements",
                        "telephone or a meeting in person")


async def test_retry_after_temporary_failure_then_success(tmp_path: Path,
                                                          clock: ManualClock) -> None:
    with smtp_server() as (_, port):
        pass  # a port where nobody listens now
    async for h in open_harness(smtp_config(tmp_path, port, retry_base_seconds=60), clock):
        created = await h.create(await h.login())
        await h.services.mail.deliver_due()
        status = (await h.client.get(f"/api/appointments/{created['id']}")).json()["mail"]
        assert status["state"] == "pending" and status["attempts"] == 1
        assert status["error"] == "ConnectionRefusedError"
        with smtp_server(port) as (recorder, _):
            assert await h.services.mail.deliver_due() == 0  # not due yet
            clock.advance(timedelta(seconds=61))
            assert await h.services.mail.deliver_due() == 1
            assert len(recorder.messages) == 1
        status = (await h.client.get(f"/api/appointments/{created['id']}")).json()["mail"]
        assert status["state"] == "sent" and status["attempts"] == 2


async def test_permanent_failure_is_visible_and_resend_works(tmp_path: Path,
                                                             clock: ManualClock) -> None:
    refuse = Recorder(rcpt_reply="550 5.1.1 <erika.mustermann@example.org> unknown")
    with smtp_server(recorder=refuse) as (recorder, port):
        async for h in open_harness(smtp_config(tmp_path, port), clock):
            csrf = await h.login()
            created = await h.create(csrf)
            await h.services.mail.deliver_due()
            status = (await h.client.get(f"/api/appointments/{created['id']}")).json()["mail"]
            assert status["state"] == "failed" and status["attempts"] == 1
            assert status["error"] == "SMTPRecipientsRefused 550"  # no address in the reason
            audit = await h.services.audit.recent(appointment_id=created["id"])
            assert audit[0].kind is AuditKind.MAIL_FAILED and "@" not in audit[0].detail
            recorder.rcpt_reply = None
            resent = await h.client.post(f"/api/appointments/{created['id']}/resend",
                                         headers={"x-csrf-token": csrf})
            assert resent.json()["mail"]["state"] == "pending"
            await h.services.mail.deliver_due()
            assert len(recorder.messages) == 1


async def test_gives_up_after_max_attempts(tmp_path: Path, clock: ManualClock) -> None:
    with smtp_server() as (_, port):
        pass
    config = smtp_config(tmp_path, port, max_attempts=2, retry_base_seconds=10)
    async for h in open_harness(config, clock):
        created = await h.create(await h.login())
        await h.services.mail.deliver_due()
        clock.advance(timedelta(seconds=11))
        await h.services.mail.deliver_due()
        status = (await h.client.get(f"/api/appointments/{created['id']}")).json()["mail"]
        assert status["state"] == "failed" and status["attempts"] == 2


async def test_outbox_writes_readable_eml_and_cancellation_calendar(harness: Harness) -> None:
    h = harness
    csrf = await h.login()
    created = await h.create(csrf)
    [first] = await h.deliver()
    files = sorted(h.config.outbox_path.glob("*.eml"))
    assert [f.name for f in files] == [f"appointment-{created['id']}-mail-1.eml"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    check_parts(first, "Wohngeld", "Erika Mustermann")
    uid = check_calendar(calendar_of(first), method="PUBLISH",
                         start="2025-05-14T08:30:00+00:00", sequence=1)
    await h.client.post(f"/api/appointments/{created['id']}/cancel",
                        headers={"x-csrf-token": csrf})
    messages = await h.deliver()
    assert len(messages) == 2
    cancel = messages[1]
    assert cancel["Subject"] == "Abgesagt: Ihre Video-Beratung am 14.05.2025, 10:30 Uhr"
    assert "/t/" not in plain_text(cancel)
    calendar = calendar_of(cancel)
    assert check_calendar(calendar, method="CANCEL", start="2025-05-14T08:30:00+00:00",
                          sequence=2) == uid
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


async def test_delivery_task_wakes_on_new_appointment(harness: Harness) -> None:
    h = harness
    csrf = await h.login()
    async with trio.open_nursery() as nursery:
        await nursery.start(h.services.mail.run)
        await h.create(csrf)
        with trio.fail_after(5):
            while not h.outbox():
                await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
    assert len(h.outbox()) == 1
