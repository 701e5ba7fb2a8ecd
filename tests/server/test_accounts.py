"""Proof 6 (part): password hashing parameters, login throttling, sessions, account commands."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from server.accounts.admin import AccountError
from server.accounts.passwords import Passwords, production_hasher
from server.accounts.throttle import LoginThrottle
from server.cli import main
from server.clock import ManualClock
from server.config import AccountsConfig
from server.storage.records import AuditKind
from tests.server.conftest import BASE_URL, T0, Harness, make_config, open_harness


def _b64(part: str) -> bytes:
    return base64.b64decode(part + "=" * (-len(part) % 4))


async def test_production_password_hash_is_argon2id_rfc9106() -> None:
    stored = await Passwords(production_hasher()).hash("correct horse battery staple")
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)", stored)
    assert match, stored
    assert (int(match[1]), int(match[2]), int(match[3])) == (65536, 3, 4)
    assert len(_b64(match[4])) == 16 and len(_b64(match[5])) == 32
    passwords = Passwords(production_hasher())
    assert await passwords.verify(stored, "correct horse battery staple")
    assert not await passwords.verify(stored, "correct horse battery stapl")
    assert not await passwords.verify(None, "anything")  # unknown user: same work, no


async def test_weaker_hash_is_upgraded_on_login(harness: Harness) -> None:
    h = harness
    advisor_id, password = await h.advisor()
    h.services.sessions._passwords = Passwords(production_hasher())  # noqa: SLF001
    response = await h.client.post("/api/session",
                                   json={"username": "alice", "password": password})
    assert response.status_code == 200
    advisor = await h.services.repo.advisor_by_id(advisor_id)
    assert advisor is not None and advisor.password_hash.startswith("$argon2id$v=19$m=65536,t=3")


def test_throttle_sliding_window_and_memory_bound() -> None:
    throttle = LoginThrottle(per_account=3, per_address=100, window=timedelta(minutes=15),
                             max_keys=50)
    for i in range(3):
        assert throttle.blocked_until("Alice", "a", T0 + timedelta(minutes=i)) is None
        throttle.record_failure("Alice", "a", T0 + timedelta(minutes=i))
    assert throttle.blocked_until(" alice ", "b", T0 + timedelta(minutes=3)) == T0 + timedelta(
        minutes=15)
    assert throttle.blocked_until("alice", "b", T0 + timedelta(minutes=15)) is None
    throttle.record_success("alice")
    assert throttle.blocked_until("alice", "b", T0 + timedelta(minutes=3)) is None
    for i in range(500):
        throttle.record_failure(f"user{i}", f"addr{i}", T0)
    assert len(throttle._accounts._failures) <= 50  # noqa: SLF001
    assert len(throttle._addresses._failures) <= 50  # noqa: SLF001


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/session", json={"username": username, "password": password})


async def test_login_throttled_per_account(harness: Harness) -> None:
    h = harness
    _, password = await h.advisor()
    for _ in range(5):
        assert (await login(h.client, "alice", "wrong-password")).status_code == 401
    blocked = await login(h.client, "alice", password)  # even the right password now
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) == 15 * 60
    async with httpx.AsyncClient(transport=httpx.ASGITransport(
            app=h.app, client=("10.1.2.3", 5555)), base_url=BASE_URL) as elsewhere:
        assert (await login(elsewhere, "alice", password)).status_code == 429  # per account
    h.clock.advance(timedelta(minutes=15))
    assert (await login(h.client, "alice", password)).status_code == 200
    kinds = [e.kind for e in await h.services.audit.recent()]
    assert kinds.count(AuditKind.LOGIN_FAILED) == 5
    assert AuditKind.LOGIN_THROTTLED in kinds and kinds[0] is AuditKind.LOGIN_SUCCEEDED
    failed = [e for e in await h.services.audit.recent() if e.kind is AuditKind.LOGIN_FAILED]
    assert failed[0].address == "127.0.0.1" and failed[0].detail == "wrong password"


async def test_login_throttled_per_address(tmp_path: Path, clock: ManualClock) -> None:
    config = make_config(tmp_path, accounts=AccountsConfig(max_failures_per_address=4))
    async for h in open_harness(config, clock):
        _, password = await h.advisor()
        for name in ("x1", "x2", "x3", "x4"):  # unknown accounts count too
            assert (await login(h.client, name, "guess-guess-guess")).status_code == 401
        assert (await login(h.client, "alice", password)).status_code == 429
        async with httpx.AsyncClient(transport=httpx.ASGITransport(
                app=h.app, client=("10.1.2.3", 5555)), base_url=BASE_URL) as elsewhere:
            assert (await login(elsewhere, "alice", password)).status_code == 200


async def test_session_idle_and_absolute_expiry(harness: Harness) -> None:
    h = harness
    await h.login()
    h.clock.advance(timedelta(minutes=59))
    assert (await h.client.get("/api/session")).status_code == 200
    h.clock.advance(timedelta(minutes=61))
    assert (await h.client.get("/api/session")).status_code == 401  # idle timeout

    async with h.new_client() as busy:
        await h.login("bob", client=busy)
        for _ in range(23):  # active every 30 minutes for 11.5 hours
            h.clock.advance(timedelta(minutes=30))
            assert (await busy.get("/api/session")).status_code == 200
        h.clock.advance(timedelta(minutes=31))
        assert (await busy.get("/api/session")).status_code == 401  # 12 h absolute limit


async def test_disable_and_reset_password_end_sessions(harness: Harness) -> None:
    h = harness
    _, password = await h.advisor()
    assert (await login(h.client, "alice", password)).status_code == 200
    await h.services.accounts.set_disabled("alice", True)
    assert (await h.client.get("/api/session")).status_code == 401
    assert (await login(h.client, "alice", password)).status_code == 401
    await h.services.accounts.set_disabled("alice", False)
    assert (await login(h.client, "alice", password)).status_code == 200
    new_password = await h.services.accounts.reset_password("alice")
    assert (await h.client.get("/api/session")).status_code == 401
    assert (await login(h.client, "alice", password)).status_code == 401
    assert (await login(h.client, "alice", new_password)).status_code == 200


async def test_account_rules(harness: Harness) -> None:
    admin = harness.services.accounts
    assert await admin.ensure_first_advisor() is not None
    assert await admin.ensure_first_advisor() is None
    with pytest.raises(AccountError):
        await admin.add("Bad Name", "x")
    with pytest.raises(AccountError):
        await admin.add("bob", "Bob", password="short")
    with pytest.raises(AccountError):
        await admin.reset_password("nobody")
    await admin.add("bob", "Bob")
    with pytest.raises(Exception, match="exists already"):
        await admin.add("bob", "Bob again")


async def test_html_login_form_with_login_csrf(harness: Harness) -> None:
    h = harness
    _, password = await h.advisor()
    form = await h.client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert form.status_code == 200 and csrf
    async with h.new_client() as attacker:  # no login-CSRF cookie: refused
        forged = await attacker.post("/login", data={"username": "alice", "password": password,
                                                      "csrf": csrf[1]})
        assert forged.status_code == 403 and "vt_session" not in attacker.cookies
    wrong = await h.client.post("/login", data={"username": "alice", "password": "nope-nope",
                                                "csrf": csrf[1]})
    assert wrong.status_code == 401 and "falsch" in wrong.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', wrong.text)  # a fresh one per form
    assert csrf
    ok = await h.client.post("/login", data={"username": "alice", "password": password,
                                             "csrf": csrf[1]})
    assert ok.status_code == 303 and "vt_session" in h.client.cookies
    page = await h.client.get("/login")
    assert "angemeldet als Alice" in page.text
    logout_csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert logout_csrf
    out = await h.client.post("/logout", data={"csrf": logout_csrf[1]})
    assert out.status_code == 200 and (await h.client.get("/api/session")).status_code == 401


def test_cli_advisor_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch,
                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("VIDEOTERMIN_STORAGE_DATA_DIR", str(tmp_path / "data"))
    assert main(["advisor", "add", "mia", "--name", "Mia Muster", "--admin"]) == 0
    out = capsys.readouterr().out
    password = re.search(r"password: (\S+)", out)
    assert password and len(password[1]) >= 20
    assert main(["advisor", "list"]) == 0
    listing = capsys.readouterr().out
    assert "mia" in listing and "admin" in listing and "active" in listing
    assert main(["advisor", "disable", "mia"]) == 0
    assert "disabled" in (capsys.readouterr().out)
    assert main(["advisor", "list"]) == 0 and "disabled" in capsys.readouterr().out
    assert main(["advisor", "reset-password", "mia"]) == 0
    new = re.search(r"password: (\S+)", capsys.readouterr().out)
    assert new and new[1] != password[1]
    assert main(["advisor", "add", "mia"]) == 1
    assert "exists already" in capsys.readouterr().err
    assert main(["advisor", "disable", "nobody"]) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert password[1] not in logged and new[1] not in logged
