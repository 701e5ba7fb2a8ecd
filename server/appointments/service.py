"""Appointment use cases for advisors, and access-link resolution for clients.

HTTP handlers call these and only translate results; everything here is testable without HTTP.
Each change is one repository call, i.e. one transaction with its audit entry and message.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from server.appointments.access import AccessDenied, AccessGrant, evaluate_access
from server.appointments.lifecycle import MAIL_FOR, Action, next_state
from server.appointments.validation import validate_new_appointment, validate_schedule
from server.audit import AuditLog
from server.clock import Clock
from server.config import Config
from server.mail.doorbell import Doorbell
from server.storage.records import Appointment, AuditKind
from server.storage.repository import AppointmentChange, Repository
from server.tokens import looks_like_token, token_hash

log = logging.getLogger(__name__)

_AUDIT_FOR = {
    Action.RESCHEDULE: AuditKind.APPOINTMENT_RESCHEDULED,
    Action.CANCEL: AuditKind.APPOINTMENT_CANCELLED,
    Action.RESEND: AuditKind.LINK_RESENT,
}


class AppointmentNotFound(Exception):
    """No such appointment for this advisor (another advisor's looks exactly the same)."""


class AppointmentOver(Exception):
    """The appointment has ended; it can no longer be changed."""


class AppointmentService:
    def __init__(
        self, repo: Repository, clock: Clock, audit: AuditLog, config: Config, mail: Doorbell
    ) -> None:
        self._repo = repo
        self._clock = clock
        self._audit = audit
        self._config = config
        self._mail = mail

    async def create(self, advisor_id: int, data: object) -> Appointment:
        now = self._clock.now()
        new = validate_new_appointment(
            data, advisor_id=advisor_id, now=now, zone=self._config.site.zone,
            default_language=self._config.site.default_language,
        )
        created = await self._repo.create_appointment(
            new, now, self._audit.entry(AuditKind.APPOINTMENT_CREATED, advisor_id=advisor_id)
        )
        log.info("appointment %d created by advisor %d", created.id, advisor_id)
        self._mail.ring()
        return created

    async def get(self, advisor_id: int, appointment_id: int) -> Appointment:
        found = None
        if 0 < appointment_id < 2**62:
            found = await self._repo.appointment_by_id(appointment_id)
        if found is None or found.advisor_id != advisor_id:
            raise AppointmentNotFound(appointment_id)
        return found

    async def list(self, advisor_id: int, day: date | None = None) -> list[Appointment]:
        """The advisor's appointments on one local day, or all of them when `day` is None."""
        if day is None:
            return await self._repo.list_appointments(advisor_id, None, None)
        zone = self._config.site.zone
        start = datetime.combine(day, time(0), zone)
        end = datetime.combine(day + timedelta(days=1), time(0), zone)
        return await self._repo.list_appointments(advisor_id, start, end)

    async def reschedule(self, advisor_id: int, appointment_id: int, data: object) -> Appointment:
        current = await self._changeable(advisor_id, appointment_id, Action.RESCHEDULE)
        valid = validate_schedule(
            data, now=self._clock.now(), zone=self._config.site.zone,
            current_duration=current.duration_minutes,
        )
        return await self._apply(current, Action.RESCHEDULE, valid.starts_at,
                                 valid.duration_minutes)

    async def cancel(self, advisor_id: int, appointment_id: int) -> Appointment:
        current = await self._changeable(advisor_id, appointment_id, Action.CANCEL)
        return await self._apply(current, Action.CANCEL, current.starts_at,
                                 current.duration_minutes)

    async def resend(self, advisor_id: int, appointment_id: int) -> Appointment:
        """A new link by e-mail (e.g. after a failed delivery); the old link stops working."""
        current = await self._changeable(advisor_id, appointment_id, Action.RESEND)
        return await self._apply(current, Action.RESEND, current.starts_at,
                                 current.duration_minutes)

    async def _changeable(self, advisor_id: int, appointment_id: int, action: Action) -> (
        Appointment
    ):
        current = await self.get(advisor_id, appointment_id)
        next_state(current.state, action)  # raises IllegalTransition
        if current.ends_at <= self._clock.now():
            raise AppointmentOver(appointment_id)
        return current

    async def _apply(
        self, current: Appointment, action: Action, starts_at: datetime, duration: int
    ) -> Appointment:
        change = AppointmentChange(
            appointment_id=current.id, advisor_id=current.advisor_id,
            expected_revision=current.revision, state=next_state(current.state, action),
            starts_at=starts_at, duration_minutes=duration,
            invalidate_link=action is not Action.CANCEL, mail=MAIL_FOR[action],
            now=self._clock.now(),
            audit=self._audit.entry(_AUDIT_FOR[action], advisor_id=current.advisor_id,
                                    appointment_id=current.id),
        )
        changed = await self._repo.change_appointment(change)
        log.info("appointment %d: %s", current.id, action.value)
        self._mail.ring()
        return changed

    async def resolve_access_token(
        self, token: str, now: datetime | None = None
    ) -> AccessGrant | AccessDenied:
        """Who holds this access link, if it works at `now` (default: the clock's now)."""
        appointment = None
        if looks_like_token(token):
            appointment = await self._repo.appointment_by_token_hash(token_hash(token))
        return evaluate_access(appointment, now or self._clock.now(), self._config.access)
