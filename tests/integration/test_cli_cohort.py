"""Bulk enrolment and session import as a coordinator runs them: `ember invite participant
--csv`, `ember session import`, and `ember session add`'s guards."""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.crypto import generate_key
from storage.db import create_engine, session_factory
from storage.models import AuditEvent, Invitation, Person, ScheduledPrompt, TreatmentSession

EMBER = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = ROOT / "prompts" / "mdma-integration.yaml"


def ember(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EMBER, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def clinic_on(url: str, tmp_path: Path) -> dict[str, str]:
    """A database with the reference protocol loaded and two therapists invited."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env = {**clean, "PYTHONPATH": str(ROOT), "EMBER_ENCRYPTION_KEY": generate_key(),
           "EMBER_DATABASE_URL": url}
    for args in (["db", "upgrade"], ["protocol", "load", str(PROTOCOL)],
                 ["invite", "therapist", "T-01"], ["invite", "therapist", "T-02"]):
        done = ember(env, *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    return env


@pytest.fixture
def clinic(tmp_path: Path) -> dict[str, str]:
    return clinic_on(f"sqlite+aiosqlite:///{tmp_path / 'ember.db'}", tmp_path)


def count(env: dict[str, str], stmt: object) -> int:
    async def go() -> int:
        engine = create_engine(env["EMBER_DATABASE_URL"])
        try:
            async with session_factory(engine)() as session:
                return int(await session.scalar(stmt) or 0)  # type: ignore[call-overload]
        finally:
            await engine.dispose()

    return asyncio.run(go())


def participants(env: dict[str, str]) -> int:
    return count(env, select(func.count()).select_from(Person).where(
        Person.role == "participant"))


def cohort(path: Path, rows: int) -> Path:
    lines = ["code,therapist,time zone,language,protocol,sessions"]
    lines += [f"P-{i:04d},T-0{i % 2 + 1},Europe/Berlin,{'de' if i % 3 else 'en'},"
              "mdma-integration,dosing=2026-12-10T09:00;integration=2026-12-11T10:00"
              for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TestCohort:
    def test_a_300_row_cohort_enrols_in_one_command_with_its_deep_links(
        self, db_url: str, tmp_path: Path
    ) -> None:
        clinic = clinic_on(db_url, tmp_path)
        done = ember(clinic, "invite", "participant", "--csv", str(cohort(tmp_path / "c.csv", 300)),
                     "--out", "links.csv", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "enrolled 300 participants and recorded 600 sessions" in done.stderr
        print(done.stderr.strip().splitlines()[-1])  # the time it took
        with open(tmp_path / "links.csv", encoding="utf-8") as f:
            links = list(csv.DictReader(f))
        assert [row["code"] for row in links] == [f"P-{i:04d}" for i in range(300)]
        assert all(row["link"].startswith("https://t.me/") and "?start=" in row["link"]
                   for row in links)
        assert len({row["link"] for row in links}) == 300
        assert participants(clinic) == 300
        assert count(clinic, select(func.count()).select_from(Invitation)) == 302
        assert count(clinic, select(func.count()).select_from(TreatmentSession)) == 600
        # every participant's prompts are planned around their sessions, once
        assert count(clinic, select(func.count(func.distinct(ScheduledPrompt.participant_id)))
                     ) == 300
        assert count(clinic, select(func.count()).select_from(Person).where(
            Person.code == "P-0001", Person.language == "de",
            Person.timezone == "Europe/Berlin", Person.protocol_id == "mdma-integration")) == 1
        assert count(clinic, select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "session.add")) == 600
        assert count(clinic, select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "invite")) == 302
        stats = ember(clinic, "stats", cwd=tmp_path)
        assert stats.returncode == 0, stats.stderr
        assert "Participants: 0 enrolled" in stats.stdout  # invited is not enrolled
        assert "invitations not yet used: 300" in stats.stdout
        assert "Therapists: 0 enrolled, 2 invited" in stats.stdout

    def test_any_bad_line_creates_nothing_and_every_problem_is_named(
        self, clinic: dict[str, str], tmp_path: Path
    ) -> None:
        assert ember(clinic, "invite", "participant", "P-0007", "--therapist", "T-01",
                     cwd=tmp_path).returncode == 0
        bad = tmp_path / "bad.csv"
        bad.write_text(
            "code,therapist,timezone,language,region,protocol,sessions\n"
            "P-0001,T-01,Europe/Berlin,de,,mdma-integration,dosing=2026-12-10T09:00\n"
            "P-0002,T-09,Europe/Berlin,en,,,\n"
            "P-0003,T-01,Mars/Olympus,en,,,\n"
            "P-0004,T-01,UTC,xx,,,\n"
            "P-0005,T-01,UTC,en,,no-such-protocol,\n"
            "P-0006,T-01,UTC,en,,,lunch=2026-12-10T09:00;dosing=tomorrow\n"
            "P-0007,T-02,UTC,en,,,\n"
            "P-0001,T-01,UTC,en,,,\n"
            "P-0008,T-01,UTC,en,XX,,\n",
            encoding="utf-8")
        done = ember(clinic, "invite", "participant", "--csv", str(bad), "--out", "l.csv",
                     cwd=tmp_path)
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert lines[-1] == f"ember: {bad}: 9 problem(s); nobody was enrolled"
        expected = [(3, "T-09"), (4, "Mars/Olympus"), (5, "'xx'"), (6, "no-such-protocol"),
                    (7, "'lunch'"), (7, "'tomorrow'"), (8, "P-0007 already exists"),
                    (9, "already on line 2"), (10, "region XX")]
        for (line, words), said in zip(expected, lines[:-1], strict=True):
            assert said.startswith(f"{bad}:{line}: ") and words in said, said
        assert participants(clinic) == 1  # only P-0007, from before
        assert not (tmp_path / "l.csv").exists()


class TestSessionImport:
    def test_sessions_are_recorded_all_or_none(self, clinic: dict[str, str],
                                               tmp_path: Path) -> None:
        for code in ("P-0001", "P-0002"):
            assert ember(clinic, "invite", "participant", code, "--therapist", "T-01",
                         "--tz", "Europe/Berlin", cwd=tmp_path).returncode == 0
        assert ember(clinic, "protocol", "assign", "P-0001", "mdma-integration",
                     cwd=tmp_path).returncode == 0
        bad = tmp_path / "bad.csv"
        bad.write_text("code,kind,when\nP-0001,dosing,2026-12-10 09:00\n"
                       "P-0404,dosing,2026-12-10 09:00\nP-0002,lunch,2026-12-10 12:00\n",
                       encoding="utf-8")
        refused = ember(clinic, "session", "import", str(bad), cwd=tmp_path)
        assert refused.returncode == 1
        assert f"{bad}:3: no participant P-0404" in refused.stderr
        assert f"{bad}:4: 'lunch' is not a session kind" in refused.stderr
        assert count(clinic, select(func.count()).select_from(TreatmentSession)) == 0

        good = tmp_path / "good.csv"
        good.write_text("code,kind,when\nP-0001,dosing,2026-12-10 09:00\n"
                        "P-0001,integration,2026-12-11T10:00\nP-0002,dosing,2026-12-10 09:00\n",
                        encoding="utf-8")
        done = ember(clinic, "session", "import", str(good), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "recorded 3 sessions for 2 participants" in done.stdout
        assert "no protocol is assigned to P-0002" in done.stderr
        assert count(clinic, select(func.count()).select_from(TreatmentSession)) == 3
        assert count(clinic, select(func.count()).select_from(ScheduledPrompt)) > 0

        again = ember(clinic, "session", "import", str(good), cwd=tmp_path)
        assert again.returncode == 1
        assert f"{good}:2: P-0001 already has this dosing session" in again.stderr
        assert "ember session move P-0001" in again.stderr
        assert count(clinic, select(func.count()).select_from(TreatmentSession)) == 3


class TestSessionAdd:
    def test_the_same_session_twice_is_refused_and_no_protocol_warned_about(
        self, clinic: dict[str, str], tmp_path: Path
    ) -> None:
        assert ember(clinic, "invite", "participant", "P-0001", "--therapist", "T-01",
                     cwd=tmp_path).returncode == 0
        first = ember(clinic, "session", "add", "P-0001", "dosing", "2026-12-10 09:00",
                      cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert "no protocol assigned" in first.stderr
        second = ember(clinic, "session", "add", "P-0001", "dosing", "2026-12-10 09:00",
                       cwd=tmp_path)
        assert second.returncode == 1
        assert "already has a dosing session" in second.stderr
        assert "ember session move P-0001" in second.stderr
        assert count(clinic, select(func.count()).select_from(TreatmentSession)) == 1
