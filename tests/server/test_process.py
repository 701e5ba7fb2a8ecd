"""Proof 5 and the real start-up path: the `videotermin serve` process, SIGTERM and kill -9."""

from __future__ import annotations

import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import trio

from tests.server.serverprocess import ServerProcess, server_process

NAMES = ("Erika Mustermann", "erika.mustermann@example.org")


async def admin_client(server: ServerProcess, password: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=server.url, timeout=10)
    response = await client.post("/api/session", json={"username": "admin",
                                                       "password": password})
    assert response.status_code == 200, response.text
    return client, response.json()["csrf_token"]


def body(i: int) -> dict[str, object]:
    start = (datetime.now(UTC) + timedelta(days=1 + i % 28)).replace(microsecond=0)
    return {"topic": f"Beratung {i}", "start": start.isoformat(),
            "duration_minutes": 30, "client_name": NAMES[0], "client_email": NAMES[1]}


def check_consistent(db: Path) -> dict[str, int]:
    """Structural integrity plus the domain invariant: every appointment came with its
    queued message and its audit entry (they are one transaction)."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = conn.execute(
            "SELECT COUNT(*) FROM appointments a WHERE"
            " NOT EXISTS (SELECT 1 FROM mail_jobs m WHERE m.appointment_id = a.id) OR"
            " (SELECT COUNT(*) FROM audit_log l WHERE l.appointment_id = a.id"
            "  AND l.kind = 'appointment.created') != 1").fetchone()[0]
        assert orphans == 0
        return {
            "appointments": conn.execute("SELECT COUNT(*) FROM appointments").fetchone()[0],
            "mail_jobs": conn.execute("SELECT COUNT(*) FROM mail_jobs").fetchone()[0],
        }
    finally:
        conn.close()


async def test_kill_9_while_creating_leaves_a_consistent_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    acknowledged: list[int] = []
    async with server_process(data, "run1.log") as server:
        assert server.first_password is not None
        password = server.first_password
        client, csrf = await admin_client(server, password)

        async def creator(worker: int) -> None:
            for i in range(1000):
                try:
                    response = await client.post("/api/appointments", json=body(i),
                                                 headers={"x-csrf-token": csrf})
                except httpx.HTTPError:
                    return  # the server is gone
                assert response.status_code == 201
                acknowledged.append(response.json()["id"])

        async with trio.open_nursery() as nursery:
            for worker in range(6):
                nursery.start_soon(creator, worker)
            with trio.fail_after(20):
                while len(acknowledged) < 40:
                    await trio.sleep(0.005)
            server.process.send_signal(signal.SIGKILL)  # kill -9, requests in flight
        await client.aclose()
        await server.process.wait()
        assert server.process.returncode == -signal.SIGKILL

    db = data / "videotermin.sqlite3"
    counts = check_consistent(db)
    with sqlite3.connect(db) as conn:
        stored = {r[0] for r in conn.execute("SELECT id FROM appointments")}
    assert set(acknowledged) <= stored  # every 201 answer was durable
    assert counts["appointments"] >= 40

    async with server_process(data, "run2.log") as again:
        assert again.first_password is None  # the admin exists already
        client, csrf = await admin_client(again, password)
        listed = (await client.get("/api/appointments")).json()["appointments"]
        assert {a["id"] for a in listed} == stored
        created = await client.post("/api/appointments", json=body(1),
                                    headers={"x-csrf-token": csrf})
        assert created.status_code == 201
        await client.aclose()
        again.process.send_signal(signal.SIGTERM)
        with trio.fail_after(15):
            await again.process.wait()
        assert again.process.returncode == 0
    assert check_consistent(db)["appointments"] == len(stored) + 1


async def test_sigterm_graceful_shutdown_and_private_logs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    async with server_process(data, "serve.log") as server:
        assert server.first_password is not None
        client, csrf = await admin_client(server, server.first_password)
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        created = await client.post("/api/appointments", json=body(3),
                                    headers={"x-csrf-token": csrf})
        assert created.status_code == 201
        with trio.fail_after(10):  # the mail task writes the outbox file by itself
            while not list((data / "outbox").glob("*.eml")):
                await trio.sleep(0.05)
        cookie = client.cookies["vt_session"]
        await client.aclose()
        server.process.send_signal(signal.SIGTERM)
        with trio.fail_after(15):
            await server.process.wait()
        assert server.process.returncode == 0
        logs = server.logs()
    assert "graceful shutdown" in logs and "server stopped" in logs
    assert "written to outbox file" in logs
    token = (data / "outbox").glob("*.eml").__next__().read_text().split("/t/")[1][:43]
    for secret in (*NAMES, server.first_password, cookie, csrf, token):
        assert secret not in logs, secret
