"""The domain services of one server process, wired together once.

`open_services` opens storage (applying migrations) and builds every service on it; HTTP
handlers reach them through `request.app.state.services`. The three methods at the bottom are
the contract with the signalling layer: advisor role by session cookie, client role by access
token (plus the consent cookie of the visit).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import NewType

import trio

from server.accounts.admin import AccountAdmin
from server.accounts.passwords import Passwords
from server.accounts.sessions import AdvisorSessions
from server.appointments.access import AccessDenied, AccessGrant
from server.appointments.service import AppointmentService
from server.audit import AuditLog
from server.clock import Clock, SystemClock
from server.config import Config
from server.consent import ConsentService
from server.events import SessionEvents
from server.mail.delivery import MailDelivery
from server.mail.doorbell import Doorbell
from server.mail.transport import MailTransport, OutboxTransport, SmtpTransport
from server.retention.purge import Retention
from server.storage.repository import Repository
from server.storage.sqlite_repository import SqliteRepository

AdvisorId = NewType("AdvisorId", int)


@dataclass
class Services:
    config: Config
    clock: Clock
    repo: Repository
    audit: AuditLog
    accounts: AccountAdmin
    sessions: AdvisorSessions
    appointments: AppointmentService
    consent: ConsentService
    mail: MailDelivery
    retention: Retention
    events: SessionEvents
    public_url: str
    shutting_down: trio.Event = field(default_factory=trio.Event)

    @property
    def secure_cookies(self) -> bool:
        return self.config.http.tls_enabled or self.public_url.startswith("https://")

    async def authenticate_advisor_session(self, cookie_value: str | None) -> AdvisorId | None:
        """The advisor behind a `vt_session` cookie value, or None."""
        session = await self.sessions.authenticate(cookie_value)
        return None if session is None else AdvisorId(session.advisor.id)

    async def resolve_access_token(
        self, token: str, now: datetime | None = None
    ) -> AccessGrant | AccessDenied:
        """What an access token grants at `now` (e.g. for the echo session)."""
        return await self.appointments.resolve_access_token(token, now)

    async def resolve_client(
        self, token: str, consent_cookie: str | None
    ) -> AccessGrant | AccessDenied:
        """The client role in a room: a working link and a live consent (`vt_consent`)."""
        return await self.consent.resolve_client(token, consent_cookie)


def make_transport(config: Config) -> MailTransport:
    if config.mail.mode == "smtp":
        return SmtpTransport(config.mail)
    return OutboxTransport(config.outbox_path)


@asynccontextmanager
async def open_services(
    config: Config, *, public_url: str, clock: Clock | None = None,
    passwords: Passwords | None = None, transport: MailTransport | None = None,
) -> AsyncIterator[Services]:
    """Open storage and build the services; closes storage on exit."""
    clock = clock or SystemClock()
    repo = await SqliteRepository.open(config.storage.database_path)
    try:
        audit = AuditLog(repo, clock)
        passwords = passwords or Passwords()
        doorbell = Doorbell()
        events = SessionEvents()
        appointments = AppointmentService(repo, clock, audit, config, doorbell)
        public_url = public_url.rstrip("/")
        yield Services(
            config=config, clock=clock, repo=repo, audit=audit,
            accounts=AccountAdmin(repo, audit, passwords),
            sessions=AdvisorSessions(repo, clock, audit, passwords, config.accounts),
            appointments=appointments,
            consent=ConsentService(repo, audit, appointments, events),
            mail=MailDelivery(repo, clock, audit, config, transport or make_transport(config),
                              doorbell, public_url),
            retention=Retention(repo, clock, audit, config),
            events=events, public_url=public_url,
        )
    finally:
        with trio.CancelScope(shield=True):
            await repo.close()
