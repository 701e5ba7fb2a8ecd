"""Consent of the client, per appointment and per visit.

Opening the link always shows the privacy notice; only an active "I consent" creates a consent
record (appointment, time, notice version) and a consent cookie for this visit. The signalling
layer admits the client role only with a live consent (`resolve_client`); withdrawing marks the
record and publishes `ConsentWithdrawn` so the live session ends at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from server.appointments.access import AccessDenied, AccessGrant, Denial
from server.appointments.service import AppointmentService
from server.audit import AuditLog
from server.events import ConsentWithdrawn, SessionEvents
from server.i18n import NOTICE_VERSION
from server.storage.records import AuditKind, ConsentRecord
from server.storage.repository import Repository
from server.tokens import looks_like_token, new_token, token_hash

log = logging.getLogger(__name__)

CONSENT_COOKIE = "vt_consent"


@dataclass(frozen=True, slots=True)
class ConsentGiven:
    grant: AccessGrant
    record: ConsentRecord
    cookie_value: str


class ConsentService:
    def __init__(
        self, repo: Repository, audit: AuditLog, appointments: AppointmentService,
        events: SessionEvents,
    ) -> None:
        self._repo = repo
        self._audit = audit
        self._appointments = appointments
        self._events = events
        self.notice_version = NOTICE_VERSION

    async def give(self, access_token: str) -> ConsentGiven | AccessDenied:
        """Record consent for the appointment behind a working link."""
        grant = await self._appointments.resolve_access_token(access_token)
        if isinstance(grant, AccessDenied):
            return grant
        cookie_value = new_token()
        record = await self._repo.record_consent(
            grant.appointment_id, self.notice_version, token_hash(cookie_value),
            self._audit.entry(AuditKind.CONSENT_GIVEN, appointment_id=grant.appointment_id,
                              detail=f"notice {self.notice_version}"),
        )
        log.info("consent given for appointment %d", grant.appointment_id)
        return ConsentGiven(grant=grant, record=record, cookie_value=cookie_value)

    async def _live_record(self, cookie_value: str | None) -> ConsentRecord | None:
        if not cookie_value or not looks_like_token(cookie_value):
            return None
        record = await self._repo.consent_by_session(token_hash(cookie_value))
        return record if record is not None and record.withdrawn_at is None else None

    async def resolve_client(
        self, access_token: str, cookie_value: str | None
    ) -> AccessGrant | AccessDenied:
        """The client role: a working link plus a live consent of this visit for the same
        appointment."""
        grant = await self._appointments.resolve_access_token(access_token)
        if isinstance(grant, AccessDenied):
            return grant
        record = await self._live_record(cookie_value)
        if record is None or record.appointment_id != grant.appointment_id:
            return AccessDenied(Denial.NO_CONSENT, grant.window, grant.starts_at, grant.language)
        return grant

    async def withdraw(self, cookie_value: str | None) -> ConsentRecord | None:
        """Withdraw the consent of this visit; ends the client's live session."""
        if not cookie_value or not looks_like_token(cookie_value):
            return None
        record = await self._repo.withdraw_consent(
            token_hash(cookie_value), self._audit.entry(AuditKind.CONSENT_WITHDRAWN)
        )
        if record is not None:
            self._events.publish(ConsentWithdrawn(record.appointment_id, record.id))
            log.info("consent withdrawn for appointment %d", record.appointment_id)
        return record
