"""Storage behind one narrow protocol (`Repository`); SQLite is the embedded default."""

from __future__ import annotations

from server.storage.repository import Repository
from server.storage.sqlite_repository import SqliteRepository

__all__ = ["Repository", "SqliteRepository"]
