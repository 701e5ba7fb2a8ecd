"""When an access link works, and what its holder is granted.

The link opens `opens_minutes_before` the start and closes `closes_minutes_after_end` after the
end. Before, the holder is told when to come back; after, that the appointment is over. A link
of a cancelled appointment says so; a link replaced by rescheduling is simply unknown.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.config import AccessConfig
from server.storage.records import Appointment, AppointmentState


class Denial(enum.Enum):
    UNKNOWN = "unknown"  # no such token (never issued, or replaced by a newer link)
    CANCELLED = "cancelled"
    TOO_EARLY = "too_early"
    OVER = "over"
    NO_CONSENT = "no_consent"  # the client has not (or no longer) consented in this visit


@dataclass(frozen=True, slots=True)
class AccessWindow:
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """What a valid access link (the client role) gives the signalling layer."""

    appointment_id: int
    advisor_id: int
    client_display_name: str
    language: str
    starts_at: datetime
    ends_at: datetime
    window: AccessWindow


@dataclass(frozen=True, slots=True)
class AccessDenied:
    reason: Denial
    window: AccessWindow | None = None  # known for TOO_EARLY / OVER / NO_CONSENT
    starts_at: datetime | None = None
    language: str | None = None


def access_window(appointment: Appointment, config: AccessConfig) -> AccessWindow:
    return AccessWindow(
        opens_at=appointment.starts_at - timedelta(minutes=config.opens_minutes_before),
        closes_at=appointment.ends_at + timedelta(minutes=config.closes_minutes_after_end),
    )


def evaluate_access(
    appointment: Appointment | None, now: datetime, config: AccessConfig
) -> AccessGrant | AccessDenied:
    """The decision for one link at one moment (pure: the clock is a parameter)."""
    if appointment is None:
        return AccessDenied(Denial.UNKNOWN)
    window = access_window(appointment, config)
    lang = appointment.language
    if appointment.state is AppointmentState.CANCELLED:
        return AccessDenied(Denial.CANCELLED, window, appointment.starts_at, lang)
    if now < window.opens_at:
        return AccessDenied(Denial.TOO_EARLY, window, appointment.starts_at, lang)
    if now >= window.closes_at:
        return AccessDenied(Denial.OVER, window, appointment.starts_at, lang)
    return AccessGrant(
        appointment_id=appointment.id, advisor_id=appointment.advisor_id,
        client_display_name=appointment.client_name, language=lang,
        starts_at=appointment.starts_at, ends_at=appointment.ends_at, window=window,
    )
