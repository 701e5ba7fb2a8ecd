"""The `.ics` attachment (RFC 5545, methods from RFC 5546) built with the `icalendar` package.

Invitations and reschedules are PUBLISH events with one stable UID and a SEQUENCE that grows
with every change, so calendar programs replace the old entry instead of adding a second one.
A cancellation is METHOD:CANCEL with STATUS:CANCELLED (RFC 5546 §3.2.5), which needs the
ORGANIZER and ATTENDEE properties.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from server.storage.records import Appointment

PRODID = "-//Videotermin//Videotermin appointments//DE"


def event_uid(appointment: Appointment, host: str) -> str:
    return f"videotermin-{appointment.id}-{int(appointment.created_at.timestamp())}@{host}"


def build_calendar(
    appointment: Appointment, *, cancelled: bool, summary: str, description: str,
    link: str | None, organiser_name: str, organiser_email: str, host: str, now: datetime,
) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", event_uid(appointment, host))
    event.add("dtstamp", now)
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    event.add("sequence", appointment.revision)
    event.add("summary", summary)
    event.add("description", description)
    organiser = vCalAddress(f"mailto:{organiser_email}")
    organiser.params["cn"] = vText(organiser_name)
    event.add("organizer", organiser)
    if cancelled:
        event.add("status", "CANCELLED")
        attendee = vCalAddress(f"mailto:{appointment.client_email}")
        attendee.params["cn"] = vText(appointment.client_name)
        event.add("attendee", attendee)
    else:
        event.add("status", "CONFIRMED")
        if link is not None:
            event.add("url", link)
            event.add("location", link)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(minutes=-15))
        event.add_component(alarm)
    cal.add_component(event)
    ics: bytes = cal.to_ical()
    return ics
