"""SQLite storage: migrations, pragmas, and that every multi-step change is one transaction."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from server.storage import sqlite_appointments
from server.storage.records import AppointmentState, AuditEntry, AuditKind, MailKind, NewAppointment
from server.storage.repository import AppointmentChange, StaleAppointment, StorageError
from server.storage.sqlite_db import SqliteDatabase, load_migrations, migrate
from server.storage.sqlite_repository import SqliteRepository
from tests.server.conftest import T0, Harness


def new_appointment(advisor_id: int) -> NewAppointment:
    return NewAppointment(advisor_id=advisor_id, topic="t", starts_at=T0 + timedelta(days=1),
                          duration_minutes=30, client_name="Erika", client_email="e@example.org",
                          language="de")


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


async def test_migrations_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await SqliteDatabase.open(path)
    assert await db.transaction(lambda c: c.execute("PRAGMA foreign_keys").fetchone()) == (1,)
    assert await db.transaction(lambda c: c.execute("PRAGMA secure_delete").fetchone()) == (1,)
    await db.close()
    db = await SqliteDatabase.open(path)  # re-opening applies nothing twice
    versions = await db.transaction(
        lambda c: c.execute("SELECT version FROM schema_migrations").fetchall())
    assert versions == [(v,) for v, _ in load_migrations()]
    await db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        conn.execute("INSERT INTO schema_migrations VALUES (999, 0)")
    with pytest.raises(StorageError, match="schema version 999"):
        await SqliteDatabase.open(path)


def test_failed_migration_is_rolled_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
    migrate(conn, [(1, "CREATE TABLE a (x INTEGER);")])
    with pytest.raises(StorageError, match="migration 2 failed"):
        migrate(conn, [(1, "CREATE TABLE a (x INTEGER);"),
                       (2, "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);")])
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "b" not in tables
    assert conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone() == (1,)
    conn.close()


async def test_create_is_all_or_nothing(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    h = harness
    advisor_id, _ = await h.advisor()
    db = h.config.storage.database_path
    audit = AuditEntry(at=T0, kind=AuditKind.APPOINTMENT_CREATED, advisor_id=advisor_id)
    with pytest.raises(sqlite3.IntegrityError):  # unknown advisor: foreign key refuses
        await h.services.repo.create_appointment(new_appointment(advisor_id + 1), T0, audit)

    def broken_audit(conn: sqlite3.Connection, entry: AuditEntry) -> None:
        raise RuntimeError("disk on fire")  # the last step of the transaction fails

    monkeypatch.setattr(sqlite_appointments, "insert_audit", broken_audit)
    with pytest.raises(RuntimeError):
        await h.services.repo.create_appointment(new_appointment(advisor_id), T0, audit)
    assert count(db, "appointments") == count(db, "mail_jobs") == 0


async def test_stale_change_is_refused_and_changes_nothing(harness: Harness) -> None:
    h = harness
    advisor_id, _ = await h.advisor()
    repo: SqliteRepository = h.services.repo  # type: ignore[assignment]
    audit = AuditEntry(at=T0, kind=AuditKind.APPOINTMENT_CREATED, advisor_id=advisor_id)
    created = await repo.create_appointment(new_appointment(advisor_id), T0, audit)
    change = AppointmentChange(
        appointment_id=created.id, advisor_id=advisor_id, expected_revision=created.revision,
        state=AppointmentState.CANCELLED, starts_at=created.starts_at, duration_minutes=30,
        invalidate_link=False, mail=MailKind.CANCELLED, now=T0, audit=audit)
    await repo.change_appointment(change)
    with pytest.raises(StaleAppointment):
        await repo.change_appointment(change)  # same expected revision again
    with pytest.raises(StaleAppointment):  # another advisor's id never matches
        await repo.change_appointment(AppointmentChange(**{
            **{f: getattr(change, f) for f in change.__slots__}, "advisor_id": advisor_id + 1,
            "expected_revision": created.revision + 1}))
    db = h.config.storage.database_path
    assert count(db, "mail_jobs") == 2  # invitation (superseded) + one cancellation
