"""Sans-I/O rules: input validation, the lifecycle table, texts in both languages."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.appointments.lifecycle import TRANSITIONS, Action, IllegalTransition, next_state
from server.appointments.validation import ValidationFailed, validate_new_appointment
from server.i18n import de, en
from server.storage.records import AppointmentState, NewAppointment

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
VALID = {"topic": "Wohngeld", "start": "2025-03-31T10:00", "duration_minutes": 30,
         "client_name": "Erika", "client_email": "erika@example.org"}


def valid(**changes: object) -> NewAppointment:
    return validate_new_appointment({**VALID, **changes}, advisor_id=1, now=NOW, zone=BERLIN,
                                    default_language="de")


def errors(**changes: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        valid(**changes)
    return caught.value.errors


def test_naive_times_are_local_and_dst_aware() -> None:
    assert valid().starts_at == datetime(2025, 3, 31, 8, 0, tzinfo=UTC)  # CEST, after the switch
    winter = valid(start="2025-03-28T10:00", language="en")
    assert winter.starts_at == datetime(2025, 3, 28, 9, 0, tzinfo=UTC) and winter.language == "en"
    assert valid(client_email="Erika@Example.ORG").client_email == "Erika@example.org"
    assert valid().language == "de"


@pytest.mark.parametrize("address", [
    "erika@example.org\r\nBcc: all@example.org", "Erika <erika@example.org>",
    "a,b@example.org", "erika@localhost", "@example.org", "erika@exa mple.org", "x" * 250 + "@a.de",
])
def test_addresses_that_could_inject_or_mislead_are_refused(address: str) -> None:
    assert "client_email" in errors(client_email=address)


@pytest.mark.parametrize(("field", "value"), [
    ("topic", 5), ("topic", "x" * 201), ("client_name", "Erika\x00"), ("duration_minutes", 4),
    ("duration_minutes", 30.0), ("start", "2026-06-01T10:00"), ("start", "2025-03-20T12:59+02:00"),
])
def test_field_rules(field: str, value: object) -> None:
    assert set(errors(**{field: value})) == {field}


def test_lifecycle_table() -> None:
    assert next_state(AppointmentState.SCHEDULED, Action.CANCEL) is AppointmentState.CANCELLED
    for action in Action:
        assert (AppointmentState.CANCELLED, action) not in TRANSITIONS
        with pytest.raises(IllegalTransition):
            next_state(AppointmentState.CANCELLED, action)


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_both_languages_have_the_same_texts_and_placeholders() -> None:
    assert de.TEXTS.keys() == en.TEXTS.keys()
    for key in de.TEXTS:
        assert _fields(de.TEXTS[key]) == _fields(en.TEXTS[key]), key
    assert len(de.NOTICE) == len(en.NOTICE)
    for a, b in zip(de.NOTICE, en.NOTICE, strict=True):
        assert _fields(a) == _fields(b)
    assert len(de.WEEKDAYS) == len(en.WEEKDAYS) == 7 and len(de.MONTHS) == len(en.MONTHS) == 12
