"""Login, session cookies and CSRF tokens for advisors.

The cookie holds a random 256-bit token; the database holds its SHA-256 and the session's CSRF
token. A session ends on logout, after `session_idle_minutes` without requests, after
`session_max_hours` in total, when the account is disabled or its password is reset.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.accounts.passwords import Passwords
from server.accounts.throttle import LoginThrottle
from server.audit import AuditLog
from server.clock import Clock
from server.config import AccountsConfig
from server.storage.records import Advisor, AdvisorSession, AuditKind
from server.storage.repository import Repository
from server.tokens import looks_like_token, new_token, token_hash

log = logging.getLogger(__name__)

TOUCH_INTERVAL = timedelta(seconds=60)  # write last_seen at most once a minute per session


@dataclass(frozen=True, slots=True)
class LoggedIn:
    advisor: Advisor
    cookie_value: str
    csrf_token: str


@dataclass(frozen=True, slots=True)
class LoginRefused:
    retry_after: datetime | None  # set when throttled; None for wrong credentials


@dataclass(frozen=True, slots=True)
class SessionInfo:
    advisor: Advisor
    csrf_token: str
    token_hash: str


class AdvisorSessions:
    def __init__(
        self, repo: Repository, clock: Clock, audit: AuditLog, passwords: Passwords,
        config: AccountsConfig,
    ) -> None:
        self._repo = repo
        self._clock = clock
        self._audit = audit
        self._passwords = passwords
        self._config = config
        self.throttle = LoginThrottle(
            per_account=config.max_failures_per_account,
            per_address=config.max_failures_per_address,
            window=timedelta(minutes=config.lockout_minutes),
        )

    async def login(self, username: str, password: str, address: str) -> LoggedIn | LoginRefused:
        now = self._clock.now()
        blocked = self.throttle.blocked_until(username, address, now)
        if blocked is not None:
            await self._audit.record(AuditKind.LOGIN_THROTTLED, address=address)
            log.warning("login throttled (address or account over the failure limit)")
            return LoginRefused(retry_after=blocked)
        advisor = await self._repo.advisor_by_username(username.strip()) if username else None
        stored = advisor.password_hash if advisor is not None else None
        ok = await self._passwords.verify(stored, password)
        if not ok or advisor is None or advisor.disabled:
            self.throttle.record_failure(username, address, now)
            await self._audit.record(
                AuditKind.LOGIN_FAILED, advisor_id=None if advisor is None else advisor.id,
                address=address,
                detail="unknown account" if advisor is None
                else ("account disabled" if advisor.disabled and ok else "wrong password"),
            )
            log.info("login failed")
            return LoginRefused(retry_after=None)
        self.throttle.record_success(username)
        if self._passwords.needs_rehash(advisor.password_hash):
            await self._repo.set_password_hash(
                advisor.id, await self._passwords.hash(password), drop_sessions=False, audit=None
            )
        cookie_value, csrf = new_token(), new_token()
        session = AdvisorSession(token_hash=token_hash(cookie_value), advisor_id=advisor.id,
                                 csrf_token=csrf, created_at=now, last_seen_at=now)
        await self._repo.create_session(session, self._audit.entry(
            AuditKind.LOGIN_SUCCEEDED, advisor_id=advisor.id, address=address
        ))
        log.info("advisor %d logged in", advisor.id)
        return LoggedIn(advisor=advisor, cookie_value=cookie_value, csrf_token=csrf)

    async def authenticate(self, cookie_value: str | None) -> SessionInfo | None:
        """The advisor behind a session cookie, or None (unknown, expired, disabled)."""
        if not cookie_value or not looks_like_token(cookie_value):
            return None
        hashed = token_hash(cookie_value)
        session = await self._repo.session_by_hash(hashed)
        if session is None:
            return None
        now = self._clock.now()
        idle = timedelta(minutes=self._config.session_idle_minutes)
        if (now - session.last_seen_at > idle
                or now - session.created_at > timedelta(hours=self._config.session_max_hours)):
            await self._repo.delete_session(hashed, None)
            return None
        advisor = await self._repo.advisor_by_id(session.advisor_id)
        if advisor is None or advisor.disabled:
            return None
        if now - session.last_seen_at >= TOUCH_INTERVAL:
            await self._repo.touch_session(hashed, now)
        return SessionInfo(advisor=advisor, csrf_token=session.csrf_token, token_hash=hashed)

    async def logout(self, session: SessionInfo, address: str) -> None:
        await self._repo.delete_session(session.token_hash, self._audit.entry(
            AuditKind.LOGOUT, advisor_id=session.advisor.id, address=address
        ))
