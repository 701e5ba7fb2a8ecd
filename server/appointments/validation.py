"""Checking appointment input from the REST API (untrusted JSON) before anything is written.

All fields are checked and every problem is reported at once, per field, so the console can
mark each one. Nothing reaches storage unless the whole input is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.storage.records import NewAppointment

LANGUAGES = ("de", "en")
MIN_DURATION, MAX_DURATION = 5, 480
MAX_AHEAD = timedelta(days=366)
MAX_TOPIC, MAX_NAME, MAX_EMAIL = 200, 100, 254  # RFC 5321 §4.5.3.1.3 path limit for e-mail

# Deliberately narrower than RFC 5322: no quoted local parts, no comments, ASCII domains only.
# It keeps header injection (CR/LF, commas, angle brackets) out of the To: line.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

NEW_FIELDS = frozenset(
    {"topic", "start", "duration_minutes", "client_name", "client_email", "language"}
)
SCHEDULE_FIELDS = frozenset({"start", "duration_minutes"})


class ValidationFailed(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid input: " + ", ".join(sorted(errors)))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ScheduleInput:
    starts_at: datetime
    duration_minutes: int


class _Checker:
    def __init__(self, data: object, allowed: frozenset[str]) -> None:
        self.errors: dict[str, str] = {}
        if not isinstance(data, dict):
            self.data: dict[str, Any] = {}
            self.errors["body"] = "must be a JSON object"
            return
        self.data = data
        for key in data:
            if key not in allowed:
                self.errors[str(key)[:64]] = "unknown field"

    def text(self, key: str, max_len: int, *, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.errors[key] = "is required"
            return ""
        if not isinstance(value, str):
            self.errors[key] = "must be a string"
            return ""
        value = value.strip()
        if not value:
            self.errors[key] = "must not be empty"
        elif len(value) > max_len:
            self.errors[key] = f"must be at most {max_len} characters"
        elif _CONTROL.search(value):
            self.errors[key] = "must not contain control characters"
        return value

    def email(self, key: str) -> str:
        value = self.text(key, MAX_EMAIL)
        if key not in self.errors and not _EMAIL.match(value):
            self.errors[key] = "must be an e-mail address such as name@example.org"
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}" if domain else value

    def start(self, key: str, now: datetime, zone: ZoneInfo) -> datetime:
        raw = self.text(key, 64)
        if key in self.errors:
            return now
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            self.errors[key] = "must be an ISO 8601 date and time, e.g. 2025-05-14T10:30:00+02:00"
            return now
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        when = when.astimezone(UTC).replace(microsecond=0)
        if when <= now:
            self.errors[key] = "must be in the future"
        elif when > now + MAX_AHEAD:
            self.errors[key] = "must be at most one year ahead"
        return when

    def duration(self, key: str) -> int:
        value = self.data.get(key)
        if value is None:
            self.errors[key] = "is required"
            return 0
        if not isinstance(value, int) or isinstance(value, bool):
            self.errors[key] = "must be a whole number of minutes"
            return 0
        if not MIN_DURATION <= value <= MAX_DURATION:
            self.errors[key] = f"must be between {MIN_DURATION} and {MAX_DURATION}"
        return value

    def language(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if value not in LANGUAGES:
            self.errors[key] = 'must be "de" or "en"'
            return default
        return str(value)

    def finish(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def validate_new_appointment(
    data: object, *, advisor_id: int, now: datetime, zone: ZoneInfo, default_language: str
) -> NewAppointment:
    """Check a create request; raises `ValidationFailed` with every field's problem."""
    c = _Checker(data, NEW_FIELDS)
    result = NewAppointment(
        advisor_id=advisor_id,
        topic=c.text("topic", MAX_TOPIC),
        starts_at=c.start("start", now, zone),
        duration_minutes=c.duration("duration_minutes"),
        client_name=c.text("client_name", MAX_NAME),
        client_email=c.email("client_email"),
        language=c.language("language", default_language),
    )
    c.finish()
    return result


def validate_schedule(
    data: object, *, now: datetime, zone: ZoneInfo, current_duration: int
) -> ScheduleInput:
    """Check a reschedule request: a new start, optionally a new duration."""
    c = _Checker(data, SCHEDULE_FIELDS)
    starts_at = c.start("start", now, zone)
    duration = c.duration("duration_minutes") if "duration_minutes" in c.data else (
        current_duration
    )
    c.finish()
    return ScheduleInput(starts_at=starts_at, duration_minutes=duration)
