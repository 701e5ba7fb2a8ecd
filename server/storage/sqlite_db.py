"""One SQLite connection used from trio: every call runs in a worker thread, one at a time.

SQLite is the embedded default: WAL journal (readers never block the writer), foreign keys on,
`synchronous=FULL` (a committed appointment survives a power cut, not only a kill -9). Each
`transaction()` is `BEGIN IMMEDIATE … COMMIT`, rolled back on any error, and a trio
cancellation waits for the thread to finish, so a transaction is never left half-done.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import trio

from server.storage.repository import StorageError

T = TypeVar("T")

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def load_migrations() -> list[tuple[int, str]]:
    """The versioned schema scripts shipped in server/migrations, in order."""
    folder = Path(__file__).resolve().parent.parent / "migrations"
    found: list[tuple[int, str]] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise StorageError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA secure_delete=ON")  # deleted personal data is overwritten, not left
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, migrations: list[tuple[int, str]]) -> list[int]:
    """Apply every migration newer than the database, each in its own transaction."""
    current = schema_version(conn)
    known = migrations[-1][0] if migrations else 0
    if current > known:
        raise StorageError(
            f"the database has schema version {current}, this program knows only up to {known}"
        )
    applied: list[int] = []
    for version, script in migrations:
        if version <= current:
            continue
        try:
            conn.executescript(
                "BEGIN IMMEDIATE;\n" + script + "\n"
                f"INSERT INTO schema_migrations VALUES ({version},"
                " CAST(strftime('%s') AS INTEGER));"
                "\nCOMMIT;"
            )
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StorageError(f"migration {version} failed: {exc}") from exc
        applied.append(version)
    return applied


class SqliteDatabase:
    """The connection plus the rule that only one thread uses it at a time."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._limiter = trio.CapacityLimiter(1)

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        def opener() -> sqlite3.Connection:
            conn = _connect(path)
            try:
                migrate(conn, load_migrations())
            except BaseException:
                conn.close()
                raise
            return conn

        return cls(await trio.to_thread.run_sync(opener))

    async def transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` inside BEGIN IMMEDIATE … COMMIT in the database thread."""
        return await trio.to_thread.run_sync(self._run, work, limiter=self._limiter)

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def checkpoint(self) -> None:
        """Copy the WAL into the database file and empty it (after deleting personal data,
        so no older page version holding it stays behind in the WAL)."""
        await trio.to_thread.run_sync(
            lambda: self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone(),
            limiter=self._limiter,
        )

    async def close(self) -> None:
        await trio.to_thread.run_sync(self._conn.close, limiter=self._limiter)
