"""The audit log of security events (logins, appointment changes, consent, admission).

Entries carry ids, a kind, a time, for logins the client address, and a short fixed `detail`
(a reason or counts) — never a name, e-mail address or token. Entries that point at an
appointment are deleted with it; all others after the retention period.
"""

from __future__ import annotations

from server.clock import Clock
from server.storage.records import AuditEntry, AuditKind
from server.storage.repository import Repository

MAX_DETAIL = 200


def _check_detail(detail: str) -> str:
    if len(detail) > MAX_DETAIL or "@" in detail:
        raise ValueError("audit detail must be a short fixed phrase without personal data")
    return detail


class AuditLog:
    def __init__(self, repo: Repository, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    def entry(
        self, kind: AuditKind, *, advisor_id: int | None = None,
        appointment_id: int | None = None, address: str | None = None, detail: str = "",
    ) -> AuditEntry:
        """An entry stamped now, to be written inside the transaction of the change it records."""
        return AuditEntry(
            at=self._clock.now(), kind=kind, advisor_id=advisor_id,
            appointment_id=appointment_id, address=address, detail=_check_detail(detail),
        )

    async def record(
        self, kind: AuditKind, *, advisor_id: int | None = None,
        appointment_id: int | None = None, address: str | None = None, detail: str = "",
    ) -> None:
        """Write a standalone event (e.g. `CLIENT_ADMITTED` from the signalling layer)."""
        await self._repo.append_audit(self.entry(
            kind, advisor_id=advisor_id, appointment_id=appointment_id, address=address,
            detail=detail,
        ))

    async def recent(self, *, appointment_id: int | None = None, limit: int = 200) -> list[
        AuditEntry
    ]:
        return await self._repo.list_audit(appointment_id=appointment_id, limit=limit)
