"""Fixtures for the appointment domain: a real SQLite file, an injected clock, the ASGI app."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher, Type

from server.accounts.passwords import Passwords
from server.app import create_app
from server.clock import ManualClock
from server.config import Config, MailConfig, StorageConfig
from server.mail.transport import MailTransport
from server.services import Services, open_services

# Monday 12 May 2025, 08:00 UTC (10:00 in Berlin). Appointments in tests are on Wednesday.
T0 = datetime(2025, 5, 12, 8, 0, tzinfo=UTC)
BASE_URL = "http://testserver"
LINK = re.compile(r"http://testserver/t/([A-Za-z0-9_-]{43})")


def fast_passwords() -> Passwords:
    """argon2id with tiny parameters: the production ones are checked in test_accounts."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID))


def make_config(tmp_path: Path, **sections: Any) -> Config:
    config = Config(storage=StorageConfig(data_dir=str(tmp_path / "data")),
                    mail=MailConfig(from_address="termine@amt.example"))
    return dataclasses.replace(config, **sections)


@pytest.fixture(autouse=True)
def _drop_cli_log_handler() -> Iterator[None]:
    """`main()` installs a stderr handler on the root logger; tests must not leak it."""
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "videotermin":
            root.removeHandler(handler)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


class Harness:
    """Services plus an HTTP client on the ASGI app, and helpers the tests share."""

    def __init__(self, services: Services, app: Any, client: httpx.AsyncClient,
                 clock: ManualClock) -> None:
        self.services = services
        self.app = app
        self.client = client
        self.clock = clock

    def new_client(self) -> httpx.AsyncClient:
        """Another browser (own cookie jar) on the same app."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=BASE_URL)

    @property
    def config(self) -> Config:
        return self.services.config

    async def advisor(self, username: str = "alice") -> tuple[int, str]:
        advisor, password = await self.services.accounts.add(username, username.title())
        return advisor.id, password

    async def login(self, username: str = "alice", client: httpx.AsyncClient | None = None,
                    ) -> str:
        """Create the account, log in on `client`; returns the CSRF token."""
        _, password = await self.advisor(username)
        response = await (client or self.client).post(
            "/api/session", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["csrf_token"]
        return token

    async def create(self, csrf: str, client: httpx.AsyncClient | None = None,
                     **fields: Any) -> dict[str, Any]:
        body = {"topic": "Wohngeld", "start": "2025-05-14T10:30:00+02:00",
                "duration_minutes": 30, "client_name": "Erika Mustermann",
                "client_email": "erika.mustermann@example.org", "language": "de"}
        body.update(fields)
        response = await (client or self.client).post(
            "/api/appointments", json=body, headers={"x-csrf-token": csrf}
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def outbox(self) -> list[EmailMessage]:
        folder = self.config.outbox_path
        if not folder.is_dir():
            return []
        return [parse_mail(p.read_bytes()) for p in sorted(folder.glob("*.eml"),
                                                         key=lambda p: p.stat().st_mtime_ns)]

    async def deliver(self) -> list[EmailMessage]:
        """Run the mail queue once; return the outbox messages in writing order."""
        await self.services.mail.deliver_due()
        return self.outbox()


def parse_mail(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


def link_token(message: EmailMessage) -> str:
    match = LINK.search(plain_text(message))
    assert match, "no access link in the message"
    return match.group(1)


async def open_harness(
    config: Config, clock: ManualClock, transport: MailTransport | None = None
) -> AsyncIterator[Harness]:
    async with open_services(config, public_url=BASE_URL, clock=clock,
                             passwords=fast_passwords(), transport=transport) as services:
        app = create_app(services)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url=BASE_URL) as client:
            yield Harness(services, app, client, clock)


@pytest.fixture
async def harness(config: Config, clock: ManualClock) -> AsyncIterator[Harness]:
    async for h in open_harness(config, clock):
        yield h
