"""Proof 1: the advisor API through the ASGI app on trio (sessions, CSRF, ownership, 422s)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from server.web.openapi import SPEC
from tests.server.conftest import Harness


async def test_create_list_reschedule_cancel(harness: Harness) -> None:
    h = harness
    csrf = await h.login()
    created = await h.create(csrf)
    assert created["state"] == "scheduled"
    assert created["start"] == "2025-05-14T10:30:00+02:00"
    assert created["end"] == "2025-05-14T11:00:00+02:00"
    assert created["link_opens_at"] == "2025-05-14T10:00:00+02:00"
    assert created["mail"]["state"] == "pending" and created["mail"]["kind"] == "invitation"
    other = await h.create(csrf, start="2025-05-15T09:00:00+02:00", topic="Elterngeld")

    day = (await h.client.get("/api/appointments", params={"day": "2025-05-14"})).json()
    assert [a["id"] for a in day["appointments"]] == [created["id"]]
    everything = (await h.client.get("/api/appointments")).json()["appointments"]
    assert [a["id"] for a in everything] == [created["id"], other["id"]]
    got = await h.client.get(f"/api/appointments/{created['id']}")
    assert got.status_code == 200 and got.json()["topic"] == "Wohngeld"

    moved = await h.client.patch(
        f"/api/appointments/{created['id']}", json={"start": "2025-05-14T14:00",
                                                    "duration_minutes": 45},
        headers={"x-csrf-token": csrf},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["start"] == "2025-05-14T14:00:00+02:00"
    assert moved.json()["duration_minutes"] == 45
    assert moved.json()["revision"] == created["revision"] + 1
    assert moved.json()["mail"]["kind"] == "rescheduled"

    cancelled = await h.client.post(f"/api/appointments/{created['id']}/cancel",
                                    headers={"x-csrf-token": csrf})
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["mail"]["kind"] == "cancelled"
    again = await h.client.post(f"/api/appointments/{created['id']}/cancel",
                                headers={"x-csrf-token": csrf})
    assert again.status_code == 409
    reschedule_cancelled = await h.client.patch(
        f"/api/appointments/{created['id']}", json={"start": "2025-05-16T10:00"},
        headers={"x-csrf-token": csrf})
    assert reschedule_cancelled.status_code == 409

    kinds = [e.kind.value for e in await h.services.audit.recent(appointment_id=created["id"])]
    assert kinds == ["appointment.cancelled", "appointment.rescheduled", "appointment.created"]


async def test_validation_errors_are_per_field_and_write_nothing(harness: Harness) -> None:
    h = harness
    csrf = await h.login()
    bad = await h.client.post("/api/appointments", headers={"x-csrf-token": csrf}, json={
        "topic": " ", "start": "yesterday", "duration_minutes": 1000,
        "client_name": "A\nB", "client_email": "erika@", "language": "fr", "extra": 1,
    })
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert set(errors) == {"topic", "start", "duration_minutes", "client_name", "client_email",
                           "language", "extra"}
    past = await h.client.post("/api/appointments", headers={"x-csrf-token": csrf}, json={
        "topic": "x", "start": "2025-05-01T10:00:00+02:00", "duration_minutes": 30,
        "client_name": "E", "client_email": "e@example.org"})
    assert past.status_code == 422 and past.json()["errors"] == {"start": "must be in the future"}
    missing = await h.client.post("/api/appointments", headers={"x-csrf-token": csrf}, json={})
    assert set(missing.json()["errors"]) == {"topic", "start", "duration_minutes",
                                             "client_name", "client_email"}
    not_object = await h.client.post("/api/appointments", headers={"x-csrf-token": csrf},
                                     json=[1, 2])
    assert not_object.status_code == 422 and "body" in not_object.json()["errors"]
    not_json = await h.client.post("/api/appointments", headers={
        "x-csrf-token": csrf, "content-type": "application/json"}, content=b"{nope")
    assert not_json.status_code == 422
    bad_day = await h.client.get("/api/appointments", params={"day": "14.05.2025"})
    assert bad_day.status_code == 422 and "day" in bad_day.json()["errors"]
    assert (await h.client.get("/api/appointments")).json()["appointments"] == []
    assert await h.services.mail.deliver_due() == 0  # nothing queued either

    created = await h.create(csrf)
    bad_move = await h.client.patch(f"/api/appointments/{created['id']}",
                                    headers={"x-csrf-token": csrf},
                                    json={"start": "2025-05-14T10:30", "topic": "x"})
    assert bad_move.status_code == 422 and set(bad_move.json()["errors"]) == {"topic"}
    unchanged = (await h.client.get(f"/api/appointments/{created['id']}")).json()
    assert unchanged["revision"] == created["revision"]


async def test_other_advisors_appointments_are_invisible_and_unchangeable(
    harness: Harness,
) -> None:
    h = harness
    csrf_alice = await h.login("alice")
    mine = await h.create(csrf_alice)
    async with h.new_client() as bob:
        csrf_bob = await h.login("bob", client=bob)
        assert (await bob.get("/api/appointments")).json()["appointments"] == []
        path = f"/api/appointments/{mine['id']}"
        headers = {"x-csrf-token": csrf_bob}
        assert (await bob.get(path)).status_code == 404
        assert (await bob.patch(path, json={"start": "2025-05-20T10:00"},
                                headers=headers)).status_code == 404
        assert (await bob.post(path + "/cancel", headers=headers)).status_code == 404
        assert (await bob.post(path + "/resend", headers=headers)).status_code == 404
        # the same answer as for an id that does not exist at all
        assert (await bob.get("/api/appointments/999999")).status_code == 404
        assert (await bob.get("/api/appointments/99999999999999999999999")).status_code == 404
    after = (await h.client.get(f"/api/appointments/{mine['id']}")).json()
    assert after["state"] == "scheduled" and after["revision"] == mine["revision"]


async def test_session_and_csrf_checks(harness: Harness) -> None:
    h = harness
    body = {"topic": "x", "start": "2025-05-14T10:30", "duration_minutes": 30,
            "client_name": "E", "client_email": "e@example.org"}
    assert (await h.client.get("/api/appointments")).status_code == 401
    assert (await h.client.post("/api/appointments", json=body)).status_code == 401
    assert (await h.client.get("/api/session")).status_code == 401
    csrf = await h.login()
    assert (await h.client.post("/api/appointments", json=body)).status_code == 403
    wrong = await h.client.post("/api/appointments", json=body,
                                headers={"x-csrf-token": csrf[:-1] + "x"})
    assert wrong.status_code == 403
    assert (await h.client.get("/api/appointments")).json()["appointments"] == []
    session = await h.client.get("/api/session")
    assert session.json()["csrf_token"] == csrf
    assert session.json()["advisor"]["username"] == "alice"
    # a cross-site form cannot log in: JSON only
    form = await h.client.post("/api/session", data={"username": "alice", "password": "x"})
    assert form.status_code == 415
    # the cookie is HttpOnly and SameSite=Strict
    async with h.new_client() as other:
        _, password = await h.advisor("carol")
        response = await other.post("/api/session",
                                    json={"username": "carol", "password": password})
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert (await h.client.delete("/api/session")).status_code == 403  # logout needs CSRF too
    out = await h.client.delete("/api/session", headers={"x-csrf-token": csrf})
    assert out.status_code == 204
    assert (await h.client.get("/api/appointments")).status_code == 401


async def test_forged_session_cookie_is_refused(harness: Harness) -> None:
    h = harness
    await h.login()
    for value in ("", "x", "A" * 43, "A" * 5000, "../../etc"):
        async with h.new_client() as forged:
            forged.cookies.set("vt_session", value)
            assert (await forged.get("/api/appointments")).status_code == 401


def _api_routes(harness: Harness) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for route in harness.app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/"):
            path = route.path.replace(":int}", "}")
            found.setdefault(path, set()).update(
                m.lower() for m in (route.methods or ()) if m != "HEAD")
    return found


async def test_openapi_documents_every_api_route_and_field(harness: Harness) -> None:
    h = harness
    served = (await h.client.get("/api/openapi.json")).json()
    assert served["openapi"].startswith("3.1")
    documented = {path: set(ops) for path, ops in served["paths"].items()}
    assert documented == _api_routes(h)
    csrf = await h.login()
    created = await h.create(csrf)
    schema: dict[str, Any] = SPEC["components"]["schemas"]["Appointment"]
    assert set(created) == set(schema["properties"]) == set(schema["required"])
    assert set(created["mail"]) == set(SPEC["components"]["schemas"]["MailStatus"]["required"])
    session = (await h.client.get("/api/session")).json()
    assert set(session) == set(SPEC["components"]["schemas"]["Session"]["required"])


async def test_security_headers(harness: Harness) -> None:
    response = await harness.client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
