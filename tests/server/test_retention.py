"""Proof 4: deletion under an injected clock — day 89 everything there, day 91 nothing personal."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.cli import main
from server.clock import ManualClock
from server.config import RetentionConfig
from server.storage.records import AuditKind
from tests.server.conftest import Harness, link_token, make_config, open_harness

END_A = datetime(2025, 5, 14, 9, 0, tzinfo=UTC)  # appointment A: 14 May 10:30-11:00 Berlin
PERSONAL_A = ("Erika Mustermann", "erika.mustermann@example.org", "Wohngeld-Antrag")
PERSONAL_B = ("Max Beispiel", "max.beispiel@example.org", "Elterngeld")


def all_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    finally:
        conn.close()


def mentions(rows: dict[str, list[tuple[object, ...]]], needle: str) -> list[str]:
    return [t for t, rs in rows.items() for r in rs if any(needle in str(v) for v in r)]


def raw_bytes(db: Path) -> bytes:
    files = [db, db.with_name(db.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


async def scenario(h: Harness) -> tuple[int, int]:
    """A (ends 14 May) with consent and mails; B (ends 16 May) rescheduled once."""
    csrf = await h.login()
    a = await h.create(csrf, topic=PERSONAL_A[2])
    b = await h.create(csrf, client_name=PERSONAL_B[0], client_email=PERSONAL_B[1],
                       topic=PERSONAL_B[2], start="2025-05-15T10:00:00+02:00")
    await h.client.patch(f"/api/appointments/{b['id']}", headers={"x-csrf-token": csrf},
                         json={"start": "2025-05-16T10:00:00+02:00"})
    messages = await h.deliver()
    assert len(messages) == 2  # B's invitation was superseded before it went out
    h.clock.set(END_A - timedelta(minutes=20))
    token_a = next(link_token(m) for m in messages if PERSONAL_A[0] in m["To"])
    consent = await h.client.post(f"/t/{token_a}/consent", data={"agree": "yes"})
    assert consent.status_code == 303
    return a["id"], b["id"]


async def test_day_89_everything_there_day_91_nothing_personal(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    caplog.set_level(logging.DEBUG)
    a_id, b_id = await scenario(h)
    db = h.config.storage.database_path
    outbox = h.config.outbox_path

    h.clock.set(END_A + timedelta(days=89))
    counts = await h.services.retention.purge_now()
    assert counts.appointments == 0 and counts.outbox_files == 0
    rows = all_rows(db)
    for needle in PERSONAL_A + PERSONAL_B:
        assert mentions(rows, needle) == ["appointments"], needle
    assert len(rows["consent_records"]) == 1
    assert {r[1] for r in rows["mail_jobs"]} == {a_id, b_id}
    assert len(list(outbox.glob("*.eml"))) == 2
    assert PERSONAL_A[0].encode() in raw_bytes(db)  # the raw-file check below can fail

    h.clock.set(END_A + timedelta(days=91))
    caplog.clear()
    counts = await h.services.retention.purge_now()
    assert counts.appointments == 1 and counts.consent_records == 1
    assert counts.mail_jobs == 1 and counts.outbox_files == 1
    rows = all_rows(db)
    for needle in PERSONAL_A:
        assert mentions(rows, needle) == [], needle
        assert needle.encode() not in raw_bytes(db), needle  # not even in free pages or WAL
    assert [r[0] for r in rows["appointments"]] == [b_id]  # B is only 89 days past
    assert rows["consent_records"] == []
    assert all(r[1] == b_id for r in rows["mail_jobs"])
    assert all(r[3] in (None, b_id) for r in rows["audit_log"])  # appointment_id column
    assert [p.name.split("-")[1] for p in outbox.glob("*.eml")] == [str(b_id)]
    for needle in PERSONAL_B:  # B itself is untouched
        assert mentions(rows, needle) == ["appointments"]

    purge_entries = [e for e in await h.services.audit.recent() if e.kind is AuditKind.DATA_PURGED]
    latest = purge_entries[0]
    assert latest.advisor_id is None and latest.appointment_id is None and latest.address is None
    assert latest.detail.startswith("appointments=1 consent_records=1 mail_jobs=1")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "appointments=1" in logged
    for needle in PERSONAL_A + PERSONAL_B + ("alice", "Alice"):
        assert needle not in logged and needle not in latest.detail


async def test_only_appointment_gone_means_empty_personal_tables(harness: Harness) -> None:
    h = harness
    csrf = await h.login()
    created = await h.create(csrf, topic=PERSONAL_A[2])
    await h.deliver()
    await h.client.post(f"/api/appointments/{created['id']}/cancel",
                        headers={"x-csrf-token": csrf})
    await h.deliver()
    h.clock.set(END_A + timedelta(days=91))
    await h.services.retention.purge_now()
    rows = all_rows(h.config.storage.database_path)
    assert rows["appointments"] == [] and rows["mail_jobs"] == []
    assert rows["consent_records"] == []
    # the login audit of 12 May is older than 90 days too: only the deletion record is left
    assert [r[2] for r in rows["audit_log"]] == [AuditKind.DATA_PURGED.value]
    assert rows["advisor_sessions"] == []  # expired sessions go as well
    assert list(h.config.outbox_path.glob("*")) == []


async def test_retention_days_can_be_lower(tmp_path: Path, clock: ManualClock) -> None:
    config = make_config(tmp_path, retention=RetentionConfig(days=30))
    async for h in open_harness(config, clock):
        csrf = await h.login()
        await h.create(csrf)
        h.clock.set(END_A + timedelta(days=29))
        assert (await h.services.retention.purge_now()).appointments == 0
        h.clock.set(END_A + timedelta(days=31))
        assert (await h.services.retention.purge_now()).appointments == 1


async def test_orphaned_outbox_files_are_swept(harness: Harness) -> None:
    h = harness
    h.config.outbox_path.mkdir(parents=True)
    orphan = h.config.outbox_path / "appointment-999-mail-1.eml"
    orphan.write_text("From: x\n\nleft over by a crash\n")
    unrelated = h.config.outbox_path / "README.txt"
    unrelated.write_text("not ours")
    assert (await h.services.retention.purge_now()).outbox_files == 1
    assert not orphan.exists() and unrelated.exists()


def test_cli_purge(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEOTERMIN_STORAGE_DATA_DIR", str(tmp_path / "data"))
    assert main(["purge"]) == 0
    assert "Deleted: appointments=0" in capsys.readouterr().out
    rows = all_rows(tmp_path / "data" / "videotermin.sqlite3")
    assert [r[2] for r in rows["audit_log"]] == [AuditKind.DATA_PURGED.value]
