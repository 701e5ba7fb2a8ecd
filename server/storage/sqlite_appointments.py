"""Appointments, their outgoing messages and consent records in SQLite.

Every function runs inside one transaction (see `SqliteDatabase.transaction`): an appointment is
never stored without its queued message and audit entry, and a reschedule never leaves the old
link valid next to the new time.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime, timedelta

from server.clock import to_epoch
from server.storage.records import (
    Appointment,
    AuditEntry,
    ConsentRecord,
    MailKind,
    MailState,
    MailWork,
    NewAppointment,
)
from server.storage.repository import AppointmentChange, MailOutcome, StaleAppointment
from server.storage.sqlite_rows import (
    APPOINTMENT_SELECT,
    CONSENT_COLUMNS,
    appointment_from_row,
    consent_from_row,
    insert_audit,
    select_appointment,
)


def _queue_mail(
    conn: sqlite3.Connection, appointment_id: int, kind: MailKind, now: datetime
) -> None:
    """Queue a message, replacing any not yet sent for the same appointment."""
    conn.execute(
        "UPDATE mail_jobs SET state = 'superseded', finished_at = ?"
        " WHERE appointment_id = ? AND state = 'pending'",
        (to_epoch(now), appointment_id),
    )
    conn.execute(
        "INSERT INTO mail_jobs (appointment_id, kind, state, attempts, next_attempt_at,"
        " created_at) VALUES (?, ?, 'pending', 0, ?, ?)",
        (appointment_id, kind.value, to_epoch(now), to_epoch(now)),
    )


def create_appointment(
    conn: sqlite3.Connection, new: NewAppointment, now: datetime, audit: AuditEntry
) -> Appointment:
    ends_at = new.starts_at + timedelta(minutes=new.duration_minutes)
    cursor = conn.execute(
        "INSERT INTO appointments (advisor_id, state, topic, starts_at, duration_minutes,"
        " ends_at, client_name, client_email, language, token_hash, revision, created_at,"
        " updated_at) VALUES (?, 'scheduled', ?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, ?)",
        (new.advisor_id, new.topic, to_epoch(new.starts_at), new.duration_minutes,
         to_epoch(ends_at), new.client_name, new.client_email, new.language, to_epoch(now),
         to_epoch(now)),
    )
    appointment_id = cursor.lastrowid
    assert appointment_id is not None
    _queue_mail(conn, appointment_id, MailKind.INVITATION, now)
    insert_audit(conn, dataclasses.replace(audit, appointment_id=appointment_id))
    found = select_appointment(conn, "a.id = ?", (appointment_id,))
    assert found is not None
    return found


def appointment_by_id(conn: sqlite3.Connection, appointment_id: int) -> Appointment | None:
    return select_appointment(conn, "a.id = ?", (appointment_id,))


def appointment_by_token_hash(conn: sqlite3.Connection, token_hash: str) -> Appointment | None:
    return select_appointment(conn, "a.token_hash = ?", (token_hash,))


def list_appointments(
    conn: sqlite3.Connection, advisor_id: int, starts_from: datetime | None,
    starts_before: datetime | None,
) -> list[Appointment]:
    low = -(2**62) if starts_from is None else to_epoch(starts_from)
    high = 2**62 if starts_before is None else to_epoch(starts_before)
    rows = conn.execute(
        APPOINTMENT_SELECT
        + " WHERE a.advisor_id = ? AND a.starts_at >= ? AND a.starts_at < ?"
        " ORDER BY a.starts_at, a.id",
        (advisor_id, low, high),
    ).fetchall()
    return [appointment_from_row(r) for r in rows]


def change_appointment(conn: sqlite3.Connection, change: AppointmentChange) -> Appointment:
    ends_at = change.starts_at + timedelta(minutes=change.duration_minutes)
    changed = conn.execute(
        "UPDATE appointments SET state = ?, starts_at = ?, duration_minutes = ?, ends_at = ?,"
        " revision = revision + 1, updated_at = ?,"
        " token_hash = CASE WHEN ? THEN NULL ELSE token_hash END"
        " WHERE id = ? AND advisor_id = ? AND revision = ?",
        (change.state.value, to_epoch(change.starts_at), change.duration_minutes,
         to_epoch(ends_at), to_epoch(change.now), int(change.invalidate_link),
         change.appointment_id, change.advisor_id, change.expected_revision),
    ).rowcount
    if not changed:
        raise StaleAppointment("the appointment was changed or removed meanwhile")
    _queue_mail(conn, change.appointment_id, change.mail, change.now)
    insert_audit(conn, change.audit)
    found = select_appointment(conn, "a.id = ?", (change.appointment_id,))
    assert found is not None
    return found


def claim_due_mail(
    conn: sqlite3.Connection, now: datetime, lease_until: datetime, token_hash: str
) -> MailWork | None:
    """Take the oldest due message; a message with a link gets the fresh token's hash now.

    The token itself exists only in the message being sent, never in the database. The lease
    (`next_attempt_at = lease_until`) makes a crash mid-send a retry, never a lost message.
    """
    row = conn.execute(
        "SELECT id, appointment_id, kind, attempts FROM mail_jobs"
        " WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1",
        (to_epoch(now),),
    ).fetchone()
    if row is None:
        return None
    job_id, appointment_id, kind_text, attempts = row
    kind = MailKind(kind_text)
    conn.execute(
        "UPDATE mail_jobs SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?",
        (to_epoch(lease_until), job_id),
    )
    if kind.carries_link:
        conn.execute(
            "UPDATE appointments SET token_hash = ? WHERE id = ?", (token_hash, appointment_id)
        )
    appointment = select_appointment(conn, "a.id = ?", (appointment_id,))
    assert appointment is not None
    return MailWork(job_id=job_id, kind=kind, attempt=attempts + 1, appointment=appointment)


def finish_mail(conn: sqlite3.Connection, outcome: MailOutcome) -> None:
    exists = conn.execute("SELECT 1 FROM mail_jobs WHERE id = ?", (outcome.job_id,)).fetchone()
    if exists is None:
        return  # deleted by retention meanwhile
    if outcome.outbox_file is not None:
        conn.execute(
            "UPDATE mail_jobs SET outbox_file = ? WHERE id = ?",
            (outcome.outbox_file, outcome.job_id),
        )
    finished = None if outcome.state is MailState.PENDING else to_epoch(outcome.now)
    next_attempt = None if outcome.next_attempt_at is None else to_epoch(outcome.next_attempt_at)
    conn.execute(
        "UPDATE mail_jobs SET state = ?, last_error = ?, finished_at = ?,"
        " next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ? AND state = 'pending'",
        (outcome.state.value, outcome.error, finished, next_attempt, outcome.job_id),
    )
    if outcome.audit is not None:
        insert_audit(conn, outcome.audit)


def next_mail_due(conn: sqlite3.Connection) -> int | None:
    row = conn.execute(
        "SELECT MIN(next_attempt_at) FROM mail_jobs WHERE state = 'pending'"
    ).fetchone()
    return None if row[0] is None else int(row[0])


def record_consent(
    conn: sqlite3.Connection, appointment_id: int, notice_version: str, session_hash: str,
    audit: AuditEntry,
) -> ConsentRecord:
    cursor = conn.execute(
        "INSERT INTO consent_records (appointment_id, notice_version, session_hash, given_at)"
        " VALUES (?, ?, ?, ?)",
        (appointment_id, notice_version, session_hash, to_epoch(audit.at)),
    )
    insert_audit(conn, audit)
    row = conn.execute(
        f"SELECT {CONSENT_COLUMNS} FROM consent_records WHERE id = ?", (cursor.lastrowid,)
    ).fetchone()
    return consent_from_row(row)


def consent_by_session(conn: sqlite3.Connection, session_hash: str) -> ConsentRecord | None:
    row = conn.execute(
        f"SELECT {CONSENT_COLUMNS} FROM consent_records WHERE session_hash = ?", (session_hash,)
    ).fetchone()
    return None if row is None else consent_from_row(row)


def withdraw_consent(
    conn: sqlite3.Connection, session_hash: str, audit: AuditEntry
) -> ConsentRecord | None:
    found = consent_by_session(conn, session_hash)
    if found is None or found.withdrawn_at is not None:
        return None
    conn.execute(
        "UPDATE consent_records SET withdrawn_at = ? WHERE id = ?", (to_epoch(audit.at), found.id)
    )
    insert_audit(conn, dataclasses.replace(audit, appointment_id=found.appointment_id))
    return dataclasses.replace(found, withdrawn_at=audit.at)
