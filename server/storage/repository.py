"""The storage interface: one narrow protocol, one method per domain operation.

Each method is one transaction: a multi-step change (an appointment, its outgoing message and
its audit entry) is written completely or not at all, so a crash at any point leaves a
consistent database. A PostgreSQL backend would implement this same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from server.storage.records import (
    Advisor,
    AdvisorSession,
    Appointment,
    AppointmentState,
    AuditEntry,
    ConsentRecord,
    MailKind,
    MailState,
    MailWork,
    NewAdvisor,
    NewAppointment,
    PurgeCounts,
)


class StorageError(Exception):
    """The database refused an operation (or is from a newer version of the service)."""


class DuplicateUsername(StorageError):
    pass


class StaleAppointment(StorageError):
    """The appointment changed since it was read (optimistic concurrency on `revision`)."""


@dataclass(frozen=True, slots=True)
class AppointmentChange:
    """A change an advisor makes: new time and/or state, plus the message it triggers."""

    appointment_id: int
    advisor_id: int
    expected_revision: int
    state: AppointmentState
    starts_at: datetime
    duration_minutes: int
    invalidate_link: bool  # clear the stored token hash: the old link stops working at once
    mail: MailKind
    now: datetime
    audit: AuditEntry


@dataclass(frozen=True, slots=True)
class MailOutcome:
    job_id: int
    state: MailState  # SENT, FAILED, or PENDING again (retry at `next_attempt_at`)
    now: datetime
    next_attempt_at: datetime | None = None
    error: str | None = None  # a generic reason (error class, SMTP code), never an address
    outbox_file: str | None = None
    audit: AuditEntry | None = None


class Repository(Protocol):
    async def close(self) -> None: ...

    # advisors
    async def count_advisors(self) -> int: ...
    async def add_advisor(self, new: NewAdvisor, audit: AuditEntry) -> Advisor: ...
    async def advisor_by_id(self, advisor_id: int) -> Advisor | None: ...
    async def advisor_by_username(self, username: str) -> Advisor | None: ...
    async def list_advisors(self) -> list[Advisor]: ...
    async def set_advisor_disabled(
        self, advisor_id: int, disabled: bool, audit: AuditEntry
    ) -> None: ...
    async def set_password_hash(
        self, advisor_id: int, password_hash: str, *, drop_sessions: bool,
        audit: AuditEntry | None,
    ) -> None: ...

    # advisor sessions
    async def create_session(self, session: AdvisorSession, audit: AuditEntry) -> None: ...
    async def session_by_hash(self, token_hash: str) -> AdvisorSession | None: ...
    async def touch_session(self, token_hash: str, now: datetime) -> None: ...
    async def delete_session(self, token_hash: str, audit: AuditEntry | None) -> None: ...

    # appointments
    async def create_appointment(
        self, new: NewAppointment, now: datetime, audit: AuditEntry
    ) -> Appointment: ...
    async def appointment_by_id(self, appointment_id: int) -> Appointment | None: ...
    async def appointment_by_token_hash(self, token_hash: str) -> Appointment | None: ...
    async def list_appointments(
        self, advisor_id: int, starts_from: datetime | None, starts_before: datetime | None
    ) -> list[Appointment]: ...
    async def change_appointment(self, change: AppointmentChange) -> Appointment: ...

    # outgoing mail
    async def claim_due_mail(
        self, now: datetime, lease_until: datetime, token_hash: str
    ) -> MailWork | None: ...
    async def finish_mail(self, outcome: MailOutcome) -> None: ...
    async def next_mail_due(self) -> datetime | None: ...

    # consent
    async def record_consent(
        self, appointment_id: int, notice_version: str, session_hash: str, audit: AuditEntry
    ) -> ConsentRecord: ...
    async def consent_by_session(self, session_hash: str) -> ConsentRecord | None: ...
    async def withdraw_consent(
        self, session_hash: str, audit: AuditEntry
    ) -> ConsentRecord | None: ...

    # audit
    async def append_audit(self, entry: AuditEntry) -> None: ...
    async def list_audit(
        self, *, appointment_id: int | None = None, limit: int = 200
    ) -> list[AuditEntry]: ...

    # retention
    async def purge(self, cutoff: datetime, session_cutoff: datetime) -> PurgeCounts:
        """Delete appointments that ended before `cutoff` with everything naming their client,
        audit entries older than `cutoff` and sessions created before `session_cutoff`."""
        ...

    async def existing_appointment_ids(self) -> set[int]: ...
