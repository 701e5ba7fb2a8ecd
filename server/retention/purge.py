"""Deleting everything personal once an appointment ended `retention.days` ago.

One database transaction removes the appointments with their consent records, messages and
audit entries (and audit entries older than the cutoff). Then the outbox is swept: every `.eml`
file whose appointment no longer exists goes — this also catches files left over by a crash
between the transaction and the sweep. The deletion is audited and logged with counts only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import trio

from server.audit import AuditLog
from server.clock import Clock
from server.config import Config
from server.storage.records import AuditKind, PurgeCounts
from server.storage.repository import Repository

log = logging.getLogger(__name__)

_OUTBOX_FILE = re.compile(r"^\.?appointment-(\d+)-mail-\d+\.eml(\.tmp)?$")
RUN_EVERY = timedelta(days=1)


def _sweep_outbox(folder: Path, listing: list[str], existing: set[int]) -> int:
    removed = 0
    for name in listing:
        match = _OUTBOX_FILE.match(name)
        if match and int(match.group(1)) not in existing:
            try:
                (folder / name).unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed


class Retention:
    def __init__(self, repo: Repository, clock: Clock, audit: AuditLog, config: Config) -> None:
        self._repo = repo
        self._clock = clock
        self._audit = audit
        self._config = config

    async def purge_now(self) -> PurgeCounts:
        now = self._clock.now()
        cutoff = now - timedelta(days=self._config.retention.days)
        session_cutoff = now - timedelta(hours=self._config.accounts.session_max_hours)
        counts = await self._repo.purge(cutoff, session_cutoff)
        folder = self._config.outbox_path
        # List the folder before reading the ids: a file written meanwhile belongs to an
        # appointment that exists in the id set, so it is never swept by mistake.
        listing = await trio.to_thread.run_sync(
            lambda: sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        )
        existing = await self._repo.existing_appointment_ids()
        files = await trio.to_thread.run_sync(_sweep_outbox, folder, listing, existing)
        counts = replace(counts, outbox_files=files)
        await self._audit.record(AuditKind.DATA_PURGED, detail=counts.describe())
        log.info("retention: deleted data older than %d days: %s",
                 self._config.retention.days, counts.describe())
        return counts

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Purge at start-up (before reporting ready) and then once a day."""
        await self.purge_now()
        task_status.started()
        while True:
            await trio.sleep(RUN_EVERY.total_seconds())
            try:
                await self.purge_now()
            except Exception:
                log.exception("retention run failed; next try in a day")
