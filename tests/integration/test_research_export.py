"""`ember export`: pseudonymised files, every column in the data dictionary, no Telegram id
or name anywhere, journal text only when asked for (and audited), --since/--until."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain import Tier
from bot.domain.research import FILES
from storage.crypto import Cipher, generate_key
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import (
    AuditEvent,
    Couple,
    Flag,
    JournalEntry,
    JournalMessage,
    Person,
    ScheduledPrompt,
    TreatmentSession,
)

EMBER = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SECRETS = ("777000111", "555000222", "888000333", "Zebrowski", "Alice", "Okonkwo")
DOSES = "initial 80mg@09:00; supplement 40mg@11:00"
WORDS = ("The lake was calm today", "Hard night, better morning")


async def clinic(url: str, key: str) -> None:
    """A therapist and a coordinator with names, a participant with a Telegram id, and a
    month of what happened: sessions, prompts, a questionnaire, journal entries, flags."""
    await asyncio.to_thread(upgrade, url)
    cipher = Cipher([key.encode()])
    engine = create_engine(url)
    people = [
        Person(id=1, role="therapist", code="T-01", display_name="Dr. Alice Zebrowski",
               telegram_user_id=777000111, chat_id=777000111, timezone="UTC", language="en",
               status="active", created_at=T0),
        Person(id=2, role="coordinator", code="C-01", display_name="Kim Okonkwo",
               telegram_user_id=888000333, chat_id=888000333, timezone="UTC", language="en",
               status="active", created_at=T0),
        Person(id=3, role="participant", code="P-0142", telegram_user_id=555000222,
               chat_id=555000222, timezone="Europe/Berlin", language="de", status="active",
               therapist_id=1, protocol_id="mdma-integration", created_at=T0,
               enrolled_at=T0, consented_at=T0, consent_version="1", couple_id=1),
        Person(id=4, role="participant", code="P-0143", timezone="Europe/Berlin",
               language="en", status="active", therapist_id=1, created_at=T0, couple_id=1),
    ]
    nov, dec = T0 + timedelta(days=1), T0 + timedelta(days=12)  # 21 Nov, 2 Dec
    rows: list[list[object]] = [[Couple(id=1, created_at=T0)], people, [
        TreatmentSession(id=1, participant_id=3, kind="dosing", starts_at=T0, created_at=T0,
                         shared_id=1, doses_enc=cipher.seal(DOSES)),
        TreatmentSession(id=3, participant_id=4, kind="dosing", starts_at=T0, created_at=T0,
                         shared_id=1),
        TreatmentSession(id=2, participant_id=3, kind="integration", starts_at=dec,
                         created_at=T0),
    ], [
        ScheduledPrompt(id=1, participant_id=3, key="mdma-integration:day1@1",
                        protocol_id="mdma-integration", step_id="day1", session_id=1,
                        kind="text", due_at=nov, expires_at=nov + timedelta(hours=24),
                        sent_at=nov, answered_at=nov + timedelta(minutes=30),
                        status="answered", created_at=T0),
        ScheduledPrompt(id=2, participant_id=3, key="mdma-integration:phq9@2",
                        protocol_id="mdma-integration", step_id="phq9", session_id=2,
                        kind="questionnaire", due_at=dec, expires_at=dec + timedelta(days=1),
                        sent_at=dec, answered_at=dec + timedelta(minutes=5),
                        status="answered", created_at=T0,
                        state=json.dumps({"instrument": "phq9",
                                          "answers": {"phq9_1": 1, "phq9_2": 2},
                                          "score": {"total": 3, "band": "minimal"}})),
    ], [
        JournalEntry(id=1, participant_id=3, prompt_id=1, opened_at=nov, last_message_at=nov),
        JournalEntry(id=2, participant_id=3, prompt_id=None, opened_at=dec,
                     last_message_at=dec),
    ], [
        JournalMessage(id=1, entry_id=1, participant_id=3, telegram_message_id=4242,
                       update_id=99001, kind="text", body_enc=cipher.seal(WORDS[0]),
                       screened=True, created_at=nov),
        JournalMessage(id=2, entry_id=2, participant_id=3, telegram_message_id=4243,
                       update_id=99002, kind="text", body_enc=cipher.seal(WORDS[1]),
                       screened=True, created_at=dec),
        Flag(id=1, participant_id=3, source_kind="journal", source_id=1, tier=Tier.HIGH,
             categories="self_harm", status="acknowledged", created_at=nov,
             acknowledged_at=nov + timedelta(minutes=12), acknowledged_by_id=1),
        Flag(id=2, participant_id=3, source_kind="journal", source_id=2, tier=Tier.LOW,
             categories="distress", status="open", created_at=dec),
    ]]
    try:
        async with session_factory(engine)() as session:
            for group in rows:
                session.add_all(group)
                await session.flush()
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    """The clinic on SQLite and on PostgreSQL."""
    key = generate_key()
    url = db_url
    asyncio.run(clinic(url, key))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    return {**clean, "PYTHONPATH": str(ROOT), "EMBER_DATABASE_URL": url,
            "EMBER_ENCRYPTION_KEY": key}


def export(env: dict[str, str], out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*EMBER, "export", "--out", str(out), *args], env=env,
                          capture_output=True, text=True, timeout=120, cwd=out.parent)
    assert done.returncode == 0, done.stderr
    return done


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def dictionary(out: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in read_csv(out / "data_dictionary.csv"):
        assert row["type"] and row["description"], row
        found.setdefault(row["file"], []).append(row["column"])
    return found


def audit_details(env: dict[str, str]) -> list[str]:
    async def go() -> list[str]:
        engine = create_engine(env["EMBER_DATABASE_URL"])
        try:
            async with session_factory(engine)() as session:
                return [e.detail or "" for e in (await session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "export.research"))).all()]
        finally:
            await engine.dispose()

    return asyncio.run(go())


class TestFiles:
    def test_every_column_of_every_csv_file_is_in_the_data_dictionary(
        self, env: dict[str, str], tmp_path: Path
    ) -> None:
        out = tmp_path / "export"
        done = export(env, out)
        described = dictionary(out)
        assert set(described) == {f"{name}.csv" for name in FILES}
        for name in described:
            with (out / name).open(encoding="utf-8") as f:
                header = next(csv.reader(f))
            assert header == described[name], name
        assert "entries.csv: 2 rows" in done.stdout
        assert "scores.csv: 3 rows" in done.stdout

    def test_every_key_of_every_jsonl_line_is_in_the_data_dictionary(
        self, env: dict[str, str], tmp_path: Path
    ) -> None:
        out = tmp_path / "export"
        export(env, out, "--format", "jsonl")
        described = dictionary(out)
        assert set(described) == {f"{name}.jsonl" for name in FILES}
        for name, columns in described.items():
            lines = (out / name).read_text(encoding="utf-8").splitlines()
            assert lines, name
            for line in lines:
                assert list(json.loads(line)) == columns, name

    def test_figures_follow_the_rows(self, env: dict[str, str], tmp_path: Path) -> None:
        out = tmp_path / "export"
        export(env, out)
        participant, partner = read_csv(out / "participants.csv")
        assert (participant["participant"], participant["therapist"]) == ("P-0142", "T-01")
        assert participant["couple_id"] == partner["couple_id"] == "1"
        sessions = {s["session_id"]: s for s in read_csv(out / "sessions.csv")}
        assert sessions["1"]["shared_id"] == sessions["3"]["shared_id"] == "1"
        assert sessions["1"]["doses"] == DOSES and sessions["3"]["doses"] == ""
        assert sessions["2"]["shared_id"] == "" and sessions["2"]["doses"] == ""
        prompts = {p["prompt_id"]: p for p in read_csv(out / "prompts.csv")}
        assert prompts["1"]["outcome"] == "answered"
        assert prompts["1"]["minutes_to_answer"] == "30.0"
        scores = read_csv(out / "scores.csv")
        assert [(s["item"], s["value"], s["band"]) for s in scores] == [
            ("phq9_1", "1", ""), ("phq9_2", "2", ""), ("total", "3", "minimal")]
        flags = {f["flag_id"]: f for f in read_csv(out / "flags.csv")}
        assert flags["1"]["minutes_to_acknowledge"] == "12.0"
        assert flags["1"]["acknowledged_by"] == "T-01" and flags["1"]["tier"] == "high"
        assert flags["2"]["acknowledged_at"] == "" and flags["2"]["status"] == "open"
        entries = read_csv(out / "entries.csv")
        assert [(e["entry_id"], e["prompt_id"]) for e in entries] == [("1", "1"), ("2", "")]


class TestPrivacy:
    @pytest.mark.parametrize("fmt", ["csv", "jsonl"])
    def test_no_file_holds_a_telegram_id_or_a_name(self, env: dict[str, str], tmp_path: Path,
                                                   fmt: str) -> None:
        out = tmp_path / "export"
        export(env, out, "--format", fmt, "--include-text")
        files = list(out.iterdir())
        assert len(files) == len(FILES) + 1
        for path in files:
            content = path.read_text(encoding="utf-8")
            for secret in SECRETS:
                assert secret not in content, (path.name, secret)

    def test_text_only_with_include_text_and_that_export_is_audited(
        self, env: dict[str, str], tmp_path: Path
    ) -> None:
        plain = tmp_path / "plain"
        export(env, plain)
        content = (plain / "entries.csv").read_text(encoding="utf-8")
        assert not any(words in content for words in WORDS)
        assert [e["characters"] for e in read_csv(plain / "entries.csv")] == [
            str(len(w)) for w in WORDS]
        full = tmp_path / "full"
        export(env, full, "--include-text")
        assert [e["text"] for e in read_csv(full / "entries.csv")] == list(WORDS)
        details = audit_details(env)
        assert len(details) == 2
        assert "text=left out" in details[0] and "text=included" in details[1]


class TestWindow:
    def test_since_and_until_keep_only_what_happened_between(
        self, env: dict[str, str], tmp_path: Path
    ) -> None:
        december = tmp_path / "december"
        export(env, december, "--since", "2026-12-01")
        assert [e["entry_id"] for e in read_csv(december / "entries.csv")] == ["2"]
        assert [p["prompt_id"] for p in read_csv(december / "prompts.csv")] == ["2"]
        assert [f["flag_id"] for f in read_csv(december / "flags.csv")] == ["2"]
        assert [s["session_id"] for s in read_csv(december / "sessions.csv")] == ["2"]
        assert len(read_csv(december / "scores.csv")) == 3
        november = tmp_path / "november"
        export(env, november, "--since", "2026-11-01", "--until", "2026-12-01")
        assert [e["entry_id"] for e in read_csv(november / "entries.csv")] == ["1"]
        assert [f["flag_id"] for f in read_csv(november / "flags.csv")] == ["1"]
        assert read_csv(november / "scores.csv") == []
        assert len(read_csv(november / "participants.csv")) == 2  # everyone, always
