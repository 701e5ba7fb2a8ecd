"""`Repository` on SQLite: each method is one transaction in the database thread."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path

from server.clock import from_epoch
from server.storage import sqlite_accounts as acc
from server.storage import sqlite_appointments as app
from server.storage import sqlite_retention as ret
from server.storage.records import (
    Advisor,
    AdvisorSession,
    Appointment,
    AuditEntry,
    ConsentRecord,
    MailWork,
    NewAdvisor,
    NewAppointment,
    PurgeCounts,
)
from server.storage.repository import AppointmentChange, MailOutcome
from server.storage.sqlite_db import SqliteDatabase
from server.storage.sqlite_rows import insert_audit, list_audit


class SqliteRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: Path) -> SqliteRepository:
        """Open (or create) the database file and bring its schema up to date."""
        return cls(await SqliteDatabase.open(path))

    async def close(self) -> None:
        await self._db.close()

    # advisors
    async def count_advisors(self) -> int:
        return await self._db.transaction(acc.count_advisors)

    async def add_advisor(self, new: NewAdvisor, audit: AuditEntry) -> Advisor:
        return await self._db.transaction(partial(acc.add_advisor, new=new, audit=audit))

    async def advisor_by_id(self, advisor_id: int) -> Advisor | None:
        return await self._db.transaction(partial(acc.advisor_by_id, advisor_id=advisor_id))

    async def advisor_by_username(self, username: str) -> Advisor | None:
        return await self._db.transaction(partial(acc.advisor_by_username, username=username))

    async def list_advisors(self) -> list[Advisor]:
        return await self._db.transaction(acc.list_advisors)

    async def set_advisor_disabled(
        self, advisor_id: int, disabled: bool, audit: AuditEntry
    ) -> None:
        await self._db.transaction(partial(
            acc.set_advisor_disabled, advisor_id=advisor_id, disabled=disabled, audit=audit
        ))

    async def set_password_hash(
        self, advisor_id: int, password_hash: str, *, drop_sessions: bool,
        audit: AuditEntry | None,
    ) -> None:
        await self._db.transaction(partial(
            acc.set_password_hash, advisor_id=advisor_id, password_hash=password_hash,
            drop_sessions=drop_sessions, audit=audit,
        ))

    # advisor sessions
    async def create_session(self, session: AdvisorSession, audit: AuditEntry) -> None:
        await self._db.transaction(partial(acc.create_session, session=session, audit=audit))

    async def session_by_hash(self, token_hash: str) -> AdvisorSession | None:
        return await self._db.transaction(partial(acc.session_by_hash, token_hash=token_hash))

    async def touch_session(self, token_hash: str, now: datetime) -> None:
        await self._db.transaction(partial(acc.touch_session, token_hash=token_hash, now=now))

    async def delete_session(self, token_hash: str, audit: AuditEntry | None) -> None:
        await self._db.transaction(partial(acc.delete_session, token_hash=token_hash, audit=audit))

    # appointments
    async def create_appointment(
        self, new: NewAppointment, now: datetime, audit: AuditEntry
    ) -> Appointment:
        return await self._db.transaction(
            partial(app.create_appointment, new=new, now=now, audit=audit)
        )

    async def appointment_by_id(self, appointment_id: int) -> Appointment | None:
        return await self._db.transaction(
            partial(app.appointment_by_id, appointment_id=appointment_id)
        )

    async def appointment_by_token_hash(self, token_hash: str) -> Appointment | None:
        return await self._db.transaction(
            partial(app.appointment_by_token_hash, token_hash=token_hash)
        )

    async def list_appointments(
        self, advisor_id: int, starts_from: datetime | None, starts_before: datetime | None
    ) -> list[Appointment]:
        return await self._db.transaction(partial(
            app.list_appointments, advisor_id=advisor_id, starts_from=starts_from,
            starts_before=starts_before,
        ))

    async def change_appointment(self, change: AppointmentChange) -> Appointment:
        return await self._db.transaction(partial(app.change_appointment, change=change))

    # outgoing mail
    async def claim_due_mail(
        self, now: datetime, lease_until: datetime, token_hash: str
    ) -> MailWork | None:
        return await self._db.transaction(partial(
            app.claim_due_mail, now=now, lease_until=lease_until, token_hash=token_hash
        ))

    async def finish_mail(self, outcome: MailOutcome) -> None:
        await self._db.transaction(partial(app.finish_mail, outcome=outcome))

    async def next_mail_due(self) -> datetime | None:
        due = await self._db.transaction(app.next_mail_due)
        return None if due is None else from_epoch(due)

    # consent
    async def record_consent(
        self, appointment_id: int, notice_version: str, session_hash: str, audit: AuditEntry
    ) -> ConsentRecord:
        return await self._db.transaction(partial(
            app.record_consent, appointment_id=appointment_id, notice_version=notice_version,
            session_hash=session_hash, audit=audit,
        ))

    async def consent_by_session(self, session_hash: str) -> ConsentRecord | None:
        return await self._db.transaction(
            partial(app.consent_by_session, session_hash=session_hash)
        )

    async def withdraw_consent(self, session_hash: str, audit: AuditEntry) -> ConsentRecord | None:
        return await self._db.transaction(
            partial(app.withdraw_consent, session_hash=session_hash, audit=audit)
        )

    # audit
    async def append_audit(self, entry: AuditEntry) -> None:
        await self._db.transaction(partial(insert_audit, entry=entry))

    async def list_audit(
        self, *, appointment_id: int | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        return await self._db.transaction(
            partial(list_audit, appointment_id=appointment_id, limit=limit)
        )

    # retention
    async def purge(self, cutoff: datetime, session_cutoff: datetime) -> PurgeCounts:
        counts = await self._db.transaction(
            partial(ret.purge, cutoff=cutoff, session_cutoff=session_cutoff)
        )
        await self._db.checkpoint()
        return counts

    async def existing_appointment_ids(self) -> set[int]:
        return await self._db.transaction(ret.existing_appointment_ids)
