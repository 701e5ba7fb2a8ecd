"""The deletion of personal data in SQLite: one transaction, counts only."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from server.clock import to_epoch
from server.storage.records import PurgeCounts

_EXPIRED = "SELECT id FROM appointments WHERE ends_at < ?"


def _count(conn: sqlite3.Connection, sql: str, args: tuple[int, ...]) -> int:
    return int(conn.execute(sql, args).fetchone()[0])


def purge(conn: sqlite3.Connection, cutoff: datetime, session_cutoff: datetime) -> PurgeCounts:
    """Delete every appointment that ended before `cutoff` and all rows that point at it.

    Consent records, messages and audit entries of an appointment go with it (ON DELETE
    CASCADE); audit entries older than the cutoff go too, whoever they name.
    """
    c = to_epoch(cutoff)
    consent = _count(conn, f"SELECT COUNT(*) FROM consent_records WHERE appointment_id IN "
                           f"({_EXPIRED})", (c,))
    mail = _count(conn, f"SELECT COUNT(*) FROM mail_jobs WHERE appointment_id IN ({_EXPIRED})",
                  (c,))
    audit = _count(conn, f"SELECT COUNT(*) FROM audit_log WHERE at < ? OR appointment_id IN "
                         f"({_EXPIRED})", (c, c))
    appointments = conn.execute("DELETE FROM appointments WHERE ends_at < ?", (c,)).rowcount
    conn.execute("DELETE FROM audit_log WHERE at < ?", (c,))
    sessions = conn.execute(
        "DELETE FROM advisor_sessions WHERE created_at < ?", (to_epoch(session_cutoff),)
    ).rowcount
    return PurgeCounts(
        appointments=appointments, consent_records=consent, mail_jobs=mail,
        audit_entries=audit, sessions=sessions,
    )


def existing_appointment_ids(conn: sqlite3.Connection) -> set[int]:
    return {int(r[0]) for r in conn.execute("SELECT id FROM appointments")}
