"""`ember audit`: staff reads of journals, exports, erasures and changes, people by code
and staff name, never a Telegram id; --who, --whom and --since narrow it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.domain.people import Role
from bot.services.api import Services
from bot.services.context import ServiceContext
from prompts.catalogue import default_catalogue
from storage.crypto import generate_key
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import Storage
from tests.support.builders import PARTICIPANT_ID, THERAPIST_ID, enroll, sender

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def happenings(services: Services, clock: FakeClock) -> None:
    """A therapist named Dr. Rivera reads a journal, settings change, one export, and a
    participant asks for erasure, on two days."""
    created = await services.enrollment.invite(None, role=Role.THERAPIST, code="T-01",
                                               name="Dr. Rivera", timezone="UTC")
    therapist = await services.enrollment.start_with_code(sender(THERAPIST_ID), created.raw_code)
    participant = await enroll(services, Role.PARTICIPANT, "P-0142", PARTICIPANT_ID,
                               therapist="T-01")
    await enroll(services, Role.PARTICIPANT, "P-0143", PARTICIPANT_ID + 1, therapist="T-01")
    await services.journal.read(therapist, "P-0142", 5)
    clock.advance(timedelta(days=1))
    await services.journal.read(therapist, "P-0143", 5)
    await services.staffing.set_therapist("T-01", digest_at="08:00")
    await services.staffing.set_oncall("T-01")
    await services.exports.export(participant)
    await services.erasure.request(participant)


class TestAuditTrail:
    async def test_reads_exports_erasures_and_changes_are_listed_by_code_and_name(
        self, storage: Storage
    ) -> None:
        clock = FakeClock(START)
        services = Services(ServiceContext(storage=storage, clock=clock,
                                           catalogue=default_catalogue()))
        await happenings(services, clock)
        lines = await services.audit.lines()
        assert [(line.kind, line.who, line.action, line.whom) for line in lines] == [
            ("read", "T-01 (Dr. Rivera)", "journal.read", "P-0142"),
            ("read", "T-01 (Dr. Rivera)", "journal.read", "P-0143"),
            ("change", "cli", "therapist.set", "T-01"),
            ("change", "cli", "oncall.set", "T-01"),
            ("export", "participant", "export", "P-0142"),
            ("erasure", "participant", "erasure.requested", "P-0142"),
        ]
        assert lines[2].detail == "digest_at=08:00"
        for line in lines:
            text = f"{line.who} {line.whom} {line.detail}"
            assert str(THERAPIST_ID) not in text and str(PARTICIPANT_ID) not in text

        whom = await services.audit.lines(whom="p-0142")
        assert {line.whom for line in whom} == {"P-0142"} and len(whom) == 3
        who = await services.audit.lines(who="t-01")
        assert [line.whom for line in who] == ["P-0142", "P-0143"]
        since = await services.audit.lines(since=START + timedelta(hours=12), kinds=["read"])
        assert [line.whom for line in since] == ["P-0143"]
        everything = await services.audit.lines(kinds=["all"])
        assert {"invite", "enrolled", "consent"} <= {line.action for line in everything}


def test_the_command_prints_one_line_per_event(tmp_path: Path) -> None:
    import asyncio

    key = generate_key()
    url = f"sqlite+aiosqlite:///{tmp_path / 'ember.db'}"
    upgrade(url)

    async def fill() -> None:
        from storage.crypto import Cipher

        engine = create_engine(url)
        try:
            storage = Storage(session_factory(engine), Cipher([key.encode()]))
            clock = FakeClock(START)
            await happenings(Services(ServiceContext(storage=storage, clock=clock,
                                                     catalogue=default_catalogue())), clock)
        finally:
            await engine.dispose()

    asyncio.run(fill())
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env = {**clean, "PYTHONPATH": str(ROOT), "EMBER_DATABASE_URL": url,
           "EMBER_ENCRYPTION_KEY": key}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "audit", "--whom", "P-0142"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        "2026-12-01 09:00:00 UTC  read    T-01 (Dr. Rivera): journal.read P-0142 (entries=0)",
        "2026-12-02 09:00:00 UTC  export  participant: export P-0142",
    ]
    assert lines[2].startswith(
        "2026-12-02 09:00:00 UTC  erasure participant: erasure.requested P-0142 (policy ")
    assert len(lines) == 3
    assert str(PARTICIPANT_ID) not in done.stdout
