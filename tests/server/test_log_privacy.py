"""Proof 6 (part): a whole journey at DEBUG level leaves no name, address or token in the logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from server.logging_setup import RedactingFormatter, redact
from tests.server.conftest import T0, Harness, link_token

CLIENT = ("Erika Mustermann", "erika.mustermann@example.org", "Antrag auf Wohngeld")
CLIENT_SIDE = ("httpx", "httpcore")  # the test's own HTTP client logs the URLs it requests


async def test_no_personal_data_or_tokens_in_logs(harness: Harness,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    h = harness
    _, password = await h.advisor()
    assert (await h.client.post("/api/session", json={"username": "alice",
                                                      "password": "wrong-password"})
            ).status_code == 401
    login = await h.client.post("/api/session", json={"username": "alice",
                                                      "password": password})
    csrf = login.json()["csrf_token"]
    created = await h.create(csrf, client_name=CLIENT[0], client_email=CLIENT[1],
                             topic=CLIENT[2])
    first = link_token((await h.deliver())[0])
    await h.client.patch(f"/api/appointments/{created['id']}", headers={"x-csrf-token": csrf},
                         json={"start": "2025-05-14T11:00:00+02:00"})
    second = link_token((await h.deliver())[1])
    h.clock.set(T0 + timedelta(days=2, hours=1))
    await h.client.get(f"/t/{first}")
    await h.client.get(f"/t/{second}")
    await h.client.post(f"/t/{second}/consent", data={"agree": "yes"})
    consent_cookie = h.client.cookies["vt_consent"]
    await h.client.post(f"/t/{second}/withdraw", data={})
    await h.client.post(f"/api/appointments/{created['id']}/cancel",
                        headers={"x-csrf-token": csrf})
    await h.deliver()
    h.clock.advance(timedelta(days=95))
    await h.services.retention.purge_now()

    server_records = [r for r in caplog.records if not r.name.startswith(CLIENT_SIDE)]
    assert len(server_records) >= 8  # the journey was logged (counts, ids, outcomes)
    formatter = logging.Formatter("%(name)s %(message)s")
    text = "\n".join(formatter.format(r) for r in server_records)
    secrets = (*CLIENT, "Alice", password, first, second, csrf, consent_cookie,
               h.client.cookies.get("vt_session") or login.cookies["vt_session"])
    for secret in secrets:
        assert secret not in text, f"found a secret in the logs: {secret[:4]}…"


def test_redacting_formatter_is_a_safety_net() -> None:
    token = "A" * 20 + "b-_" + "C" * 20
    assert redact(f"to erika@example.org via /t/{token}?x") == "to [address] via /t/[token]?x"
    assert redact("sha256 " + "a" * 64) == "sha256 " + "a" * 64  # hashes are not tokens
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "mail to %s", ("a@b.example",),
                               None)
    assert RedactingFormatter("%(message)s").format(record) == "mail to [address]"
