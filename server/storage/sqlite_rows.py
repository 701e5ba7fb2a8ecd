"""Row ↔ record conversion for the SQLite backend, and the one audit insert every change uses."""

from __future__ import annotations

import sqlite3
from typing import Any

from server.clock import from_epoch, to_epoch
from server.storage.records import (
    Advisor,
    AdvisorSession,
    Appointment,
    AppointmentState,
    AuditEntry,
    AuditKind,
    ConsentRecord,
    MailKind,
    MailState,
    MailStatus,
    Role,
)

Row = tuple[Any, ...]

ADVISOR_COLUMNS = "id, username, display_name, role, disabled, password_hash, created_at"
SESSION_COLUMNS = "token_hash, advisor_id, csrf_token, created_at, last_seen_at"
CONSENT_COLUMNS = "id, appointment_id, notice_version, given_at, withdrawn_at"
AUDIT_COLUMNS = "at, kind, advisor_id, appointment_id, address, detail"

# The newest message of each appointment comes along so the advisor sees delivery failures.
APPOINTMENT_SELECT = """
SELECT a.id, a.advisor_id, a.state, a.topic, a.starts_at, a.duration_minutes, a.client_name,
       a.client_email, a.language, a.revision, a.created_at, a.updated_at,
       m.kind, m.state, m.attempts, m.last_error, m.finished_at
FROM appointments a
LEFT JOIN mail_jobs m ON m.id = (
    SELECT id FROM mail_jobs WHERE appointment_id = a.id AND state != 'superseded'
    ORDER BY id DESC LIMIT 1)
"""


def advisor_from_row(row: Row) -> Advisor:
    return Advisor(
        id=row[0], username=row[1], display_name=row[2], role=Role(row[3]),
        disabled=bool(row[4]), password_hash=row[5], created_at=from_epoch(row[6]),
    )


def session_from_row(row: Row) -> AdvisorSession:
    return AdvisorSession(
        token_hash=row[0], advisor_id=row[1], csrf_token=row[2],
        created_at=from_epoch(row[3]), last_seen_at=from_epoch(row[4]),
    )


def appointment_from_row(row: Row) -> Appointment:
    mail = None
    if row[12] is not None:
        mail = MailStatus(
            kind=MailKind(row[12]), state=MailState(row[13]), attempts=row[14],
            last_error=row[15], finished_at=None if row[16] is None else from_epoch(row[16]),
        )
    return Appointment(
        id=row[0], advisor_id=row[1], state=AppointmentState(row[2]), topic=row[3],
        starts_at=from_epoch(row[4]), duration_minutes=row[5], client_name=row[6],
        client_email=row[7], language=row[8], revision=row[9],
        created_at=from_epoch(row[10]), updated_at=from_epoch(row[11]), mail=mail,
    )


def consent_from_row(row: Row) -> ConsentRecord:
    return ConsentRecord(
        id=row[0], appointment_id=row[1], notice_version=row[2], given_at=from_epoch(row[3]),
        withdrawn_at=None if row[4] is None else from_epoch(row[4]),
    )


def audit_from_row(row: Row) -> AuditEntry:
    return AuditEntry(
        at=from_epoch(row[0]), kind=AuditKind(row[1]), advisor_id=row[2],
        appointment_id=row[3], address=row[4], detail=row[5],
    )


def insert_audit(conn: sqlite3.Connection, entry: AuditEntry) -> None:
    conn.execute(
        f"INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        (to_epoch(entry.at), entry.kind.value, entry.advisor_id, entry.appointment_id,
         entry.address, entry.detail),
    )


def select_appointment(
    conn: sqlite3.Connection, where: str, args: tuple[Any, ...]
) -> Appointment | None:
    row = conn.execute(APPOINTMENT_SELECT + " WHERE " + where, args).fetchone()
    return None if row is None else appointment_from_row(row)


def list_audit(
    conn: sqlite3.Connection, appointment_id: int | None, limit: int
) -> list[AuditEntry]:
    if appointment_id is None:
        rows = conn.execute(
            f"SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE appointment_id = ?"
            " ORDER BY id DESC LIMIT ?", (appointment_id, limit),
        ).fetchall()
    return [audit_from_row(r) for r in rows]
