"""Advisor accounts and their sessions in SQLite (each function runs inside one transaction)."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime

from server.clock import to_epoch
from server.storage.records import Advisor, AdvisorSession, AuditEntry, NewAdvisor
from server.storage.repository import DuplicateUsername, StorageError
from server.storage.sqlite_rows import (
    ADVISOR_COLUMNS,
    SESSION_COLUMNS,
    advisor_from_row,
    insert_audit,
    session_from_row,
)


def count_advisors(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM advisors").fetchone()[0])


def add_advisor(conn: sqlite3.Connection, new: NewAdvisor, audit: AuditEntry) -> Advisor:
    try:
        cursor = conn.execute(
            "INSERT INTO advisors (username, display_name, password_hash, role, disabled,"
            " created_at) VALUES (?, ?, ?, ?, 0, ?)",
            (new.username, new.display_name, new.password_hash, new.role.value,
             to_epoch(audit.at)),
        )
    except sqlite3.IntegrityError as exc:
        raise DuplicateUsername("an advisor with this username exists already") from exc
    advisor_id = cursor.lastrowid
    assert advisor_id is not None
    insert_audit(conn, dataclasses.replace(audit, advisor_id=advisor_id))
    found = advisor_by_id(conn, advisor_id)
    assert found is not None
    return found


def advisor_by_id(conn: sqlite3.Connection, advisor_id: int) -> Advisor | None:
    row = conn.execute(
        f"SELECT {ADVISOR_COLUMNS} FROM advisors WHERE id = ?", (advisor_id,)
    ).fetchone()
    return None if row is None else advisor_from_row(row)


def advisor_by_username(conn: sqlite3.Connection, username: str) -> Advisor | None:
    row = conn.execute(
        f"SELECT {ADVISOR_COLUMNS} FROM advisors WHERE username = ?", (username,)
    ).fetchone()
    return None if row is None else advisor_from_row(row)


def list_advisors(conn: sqlite3.Connection) -> list[Advisor]:
    rows = conn.execute(f"SELECT {ADVISOR_COLUMNS} FROM advisors ORDER BY username").fetchall()
    return [advisor_from_row(r) for r in rows]


def set_advisor_disabled(
    conn: sqlite3.Connection, advisor_id: int, disabled: bool, audit: AuditEntry
) -> None:
    changed = conn.execute(
        "UPDATE advisors SET disabled = ? WHERE id = ?", (int(disabled), advisor_id)
    ).rowcount
    if not changed:
        raise StorageError("no such advisor")
    if disabled:
        conn.execute("DELETE FROM advisor_sessions WHERE advisor_id = ?", (advisor_id,))
    insert_audit(conn, audit)


def set_password_hash(
    conn: sqlite3.Connection, advisor_id: int, password_hash: str, drop_sessions: bool,
    audit: AuditEntry | None,
) -> None:
    changed = conn.execute(
        "UPDATE advisors SET password_hash = ? WHERE id = ?", (password_hash, advisor_id)
    ).rowcount
    if not changed:
        raise StorageError("no such advisor")
    if drop_sessions:
        conn.execute("DELETE FROM advisor_sessions WHERE advisor_id = ?", (advisor_id,))
    if audit is not None:
        insert_audit(conn, audit)


def create_session(conn: sqlite3.Connection, session: AdvisorSession, audit: AuditEntry) -> None:
    conn.execute(
        f"INSERT INTO advisor_sessions ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
        (session.token_hash, session.advisor_id, session.csrf_token,
         to_epoch(session.created_at), to_epoch(session.last_seen_at)),
    )
    insert_audit(conn, audit)


def session_by_hash(conn: sqlite3.Connection, token_hash: str) -> AdvisorSession | None:
    row = conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM advisor_sessions WHERE token_hash = ?", (token_hash,)
    ).fetchone()
    return None if row is None else session_from_row(row)


def touch_session(conn: sqlite3.Connection, token_hash: str, now: datetime) -> None:
    conn.execute(
        "UPDATE advisor_sessions SET last_seen_at = ? WHERE token_hash = ?",
        (to_epoch(now), token_hash),
    )


def delete_session(conn: sqlite3.Connection, token_hash: str, audit: AuditEntry | None) -> None:
    conn.execute("DELETE FROM advisor_sessions WHERE token_hash = ?", (token_hash,))
    if audit is not None:
        insert_audit(conn, audit)
