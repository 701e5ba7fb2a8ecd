"""The values that cross the storage boundary.

The repository hands out and takes these frozen dataclasses only — never rows or cursors — so a
second backend (PostgreSQL) can be added without the rest of the server noticing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class Role(enum.Enum):
    ADVISOR = "advisor"
    ADMIN = "admin"


class AppointmentState(enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class MailKind(enum.Enum):
    INVITATION = "invitation"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"

    @property
    def carries_link(self) -> bool:
        return self is not MailKind.CANCELLED


class MailState(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPERSEDED = "superseded"  # a newer message for the same appointment replaced it unsent


class AuditKind(enum.Enum):
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_THROTTLED = "login.throttled"
    LOGOUT = "logout"
    ADVISOR_CREATED = "advisor.created"
    ADVISOR_DISABLED = "advisor.disabled"
    ADVISOR_ENABLED = "advisor.enabled"
    PASSWORD_RESET = "advisor.password_reset"
    APPOINTMENT_CREATED = "appointment.created"
    APPOINTMENT_RESCHEDULED = "appointment.rescheduled"
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    LINK_RESENT = "appointment.link_resent"
    MAIL_SENT = "mail.sent"
    MAIL_FAILED = "mail.failed"
    CONSENT_GIVEN = "consent.given"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    CLIENT_ADMITTED = "client.admitted"
    CLIENT_DENIED = "client.denied"
    CLIENT_REMOVED = "client.removed"
    DATA_PURGED = "retention.purged"


@dataclass(frozen=True, slots=True)
class Advisor:
    id: int
    username: str
    display_name: str
    role: Role
    disabled: bool
    password_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewAdvisor:
    username: str
    display_name: str
    role: Role
    password_hash: str


@dataclass(frozen=True, slots=True)
class AdvisorSession:
    """A logged-in browser; only the SHA-256 of the cookie value is stored."""

    token_hash: str
    advisor_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class MailStatus:
    """The newest message for an appointment, as the advisor sees it."""

    kind: MailKind
    state: MailState
    attempts: int
    last_error: str | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewAppointment:
    advisor_id: int
    topic: str
    starts_at: datetime
    duration_minutes: int
    client_name: str
    client_email: str
    language: str


@dataclass(frozen=True, slots=True)
class Appointment:
    id: int
    advisor_id: int
    state: AppointmentState
    topic: str
    starts_at: datetime
    duration_minutes: int
    client_name: str
    client_email: str
    language: str
    revision: int  # grows with every change by the advisor (iCalendar SEQUENCE, concurrency)
    created_at: datetime
    updated_at: datetime
    mail: MailStatus | None = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True, slots=True)
class MailWork:
    """A claimed message: everything needed to render and send it once."""

    job_id: int
    kind: MailKind
    attempt: int
    appointment: Appointment


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    id: int
    appointment_id: int
    notice_version: str
    given_at: datetime
    withdrawn_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A security event. `detail` is a short fixed phrase or counts — never a name or address."""

    at: datetime
    kind: AuditKind
    advisor_id: int | None = None
    appointment_id: int | None = None
    address: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    appointments: int = 0
    consent_records: int = 0
    mail_jobs: int = 0
    audit_entries: int = 0
    sessions: int = 0
    outbox_files: int = 0

    def describe(self) -> str:
        return (
            f"appointments={self.appointments} consent_records={self.consent_records} "
            f"mail_jobs={self.mail_jobs} audit_entries={self.audit_entries} "
            f"sessions={self.sessions} outbox_files={self.outbox_files}"
        )
