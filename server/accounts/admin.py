"""Managing advisor accounts (the CLI today, an admin console later)."""

from __future__ import annotations

import re

from server.accounts.passwords import MIN_PASSWORD_LENGTH, Passwords, generate_password
from server.audit import AuditLog
from server.storage.records import Advisor, AuditKind, NewAdvisor, Role
from server.storage.repository import Repository

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
FIRST_ADVISOR_USERNAME = "admin"


class AccountError(Exception):
    """A management request was invalid (bad username, unknown account, short password)."""


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise AccountError(
            "username: 2-64 characters, lower-case letters, digits, '.', '_' or '-'"
        )
    return username


class AccountAdmin:
    def __init__(self, repo: Repository, audit: AuditLog, passwords: Passwords) -> None:
        self._repo = repo
        self._audit = audit
        self._passwords = passwords

    async def add(
        self, username: str, display_name: str, *, role: Role = Role.ADVISOR,
        password: str | None = None,
    ) -> tuple[Advisor, str]:
        """Create an account; returns it with its password (generated unless given)."""
        check_username(username)
        display_name = display_name.strip()
        if not 1 <= len(display_name) <= 100:
            raise AccountError("display name: 1-100 characters")
        password = password if password is not None else generate_password()
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
        new = NewAdvisor(username=username, display_name=display_name, role=role,
                         password_hash=await self._passwords.hash(password))
        advisor = await self._repo.add_advisor(new, self._audit.entry(AuditKind.ADVISOR_CREATED))
        return advisor, password

    async def list(self) -> list[Advisor]:
        return await self._repo.list_advisors()

    async def _find(self, username: str) -> Advisor:
        advisor = await self._repo.advisor_by_username(username)
        if advisor is None:
            raise AccountError("no advisor with this username")
        return advisor

    async def set_disabled(self, username: str, disabled: bool) -> Advisor:
        """Disabling also ends every session of the account at once."""
        advisor = await self._find(username)
        kind = AuditKind.ADVISOR_DISABLED if disabled else AuditKind.ADVISOR_ENABLED
        await self._repo.set_advisor_disabled(
            advisor.id, disabled, self._audit.entry(kind, advisor_id=advisor.id)
        )
        return advisor

    async def reset_password(self, username: str) -> str:
        """Set a new random password and end the account's sessions; returns the password."""
        advisor = await self._find(username)
        password = generate_password()
        await self._repo.set_password_hash(
            advisor.id, await self._passwords.hash(password), drop_sessions=True,
            audit=self._audit.entry(AuditKind.PASSWORD_RESET, advisor_id=advisor.id),
        )
        return password

    async def ensure_first_advisor(self) -> tuple[str, str] | None:
        """On an empty database create an admin account; return (username, password) once."""
        if await self._repo.count_advisors() > 0:
            return None
        advisor, password = await self.add(
            FIRST_ADVISOR_USERNAME, "Administrator", role=Role.ADMIN
        )
        return advisor.username, password
