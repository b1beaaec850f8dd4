"""Erasing a participant on real databases (SQLite and PostgreSQL), and `ember erase` as a
coordinator runs it: nothing of theirs readable is left in any table, a tombstone stays,
and everyone else's data are untouched."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.domain import Role
from bot.domain.outgoing import Outgoing
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.services.inbound import InboundMessage
from prompts.catalogue import default_catalogue
from storage.crypto import Cipher, generate_key
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import (
    Alert,
    AuditEvent,
    Base,
    Consent,
    ErasureRequest,
    Escalation,
    Flag,
    InboundUpdate,
    Invitation,
    JournalEntry,
    JournalMessage,
    JournalMessageVersion,
    Note,
    OutboxMessage,
    Person,
    ScheduledPrompt,
    TreatmentSession,
)
from storage.uow import Storage
from tests.support.builders import (
    COORDINATOR_ID,
    PARTICIPANT_ID,
    THERAPIST_ID,
    daily_protocol,
    enroll,
    sender,
)

OTHER_ID = 5002
SECRET = "the lighthouse keeper's daughter"  # what P-0142 wrote; must not survive
EDITED = "the lighthouse, rewritten"
CRISIS = "I have the pills here and I will take them all tonight to end my life."
NOTE = "talked about the lighthouse again"
OTHERS = "a quiet garden in the rain"  # what P-0143 wrote; must survive


@pytest.fixture
def services(storage: Storage, clock: FakeClock) -> Services:
    return Services(ServiceContext(storage=storage, clock=clock, catalogue=default_catalogue()))


def message(
    telegram_id: int,
    n: int,
    body: str | None,
    kind: str = "text",
    media: str | None = None,
    edited: bool = False,
) -> InboundMessage:
    return InboundMessage(
        sender(telegram_id, 1000 + n), n, kind, body, media_ref=media, edited=edited
    )


async def busy_clinic(services: Services, clock: FakeClock) -> dict[str, Any]:
    """P-0142 with something in every table that can hold something of theirs, P-0143
    beside them, a therapist and a coordinator; P-0142 has asked for erasure."""
    therapist = await enroll(services, Role.THERAPIST, "T-01", THERAPIST_ID)
    coordinator = await enroll(services, Role.COORDINATOR, "C-01", COORDINATOR_ID)
    alex = await enroll(services, Role.PARTICIPANT, "P-0142", PARTICIPANT_ID, therapist="T-01")
    other = await enroll(services, Role.PARTICIPANT, "P-0143", OTHER_ID, therapist="T-01")
    await services.planning.load_protocol(daily_protocol(3), "daily.yaml")
    for code in ("P-0142", "P-0143"):
        await services.planning.assign_protocol(code, "daily")
        await services.sessions.add(None, code, "dosing", "2026-01-05 10:00")
    await services.prompting.one_off(None, "P-0142", f"Tell me more about {SECRET}")
    clock.advance(timedelta(days=1, hours=2))
    await services.prompting.tick()
    async with services.ctx.uow() as uow:
        scale = next(p for p in await uow.schedules.prompts_of(alex.id) if p.kind == "scale")
    await services.prompting.answer_button(alex, sender(PARTICIPANT_ID, 900), scale.id, "3", None)
    await services.journal.record(alex, message(PARTICIPANT_ID, 1, SECRET))
    await services.journal.record(alex, message(PARTICIPANT_ID, 1, EDITED, edited=True))
    await services.journal.record(alex, message(PARTICIPANT_ID, 2, None, "photo", "AgAC-photo"))
    await services.journal.record(alex, message(PARTICIPANT_ID, 3, CRISIS))
    await services.journal.record(other, message(OTHER_ID, 1, OTHERS))
    await services.notes.add(therapist, "P-0142", NOTE)
    clock.advance(timedelta(minutes=16))
    assert await services.escalation.escalate() == 1
    # what staff were sent that names them: a journal view, and today's digest
    entries = (await services.journal.read(therapist, "P-0142", 5))[1]
    view = "\n".join(["Journal of P-0142:", *(e.text for e in entries)])
    await services.replies.reply(
        sender(THERAPIST_ID, 950), [Outgoing(view)], person_id=therapist.id, kind="journal"
    )
    await services.staffing.set_therapist("T-01", digest_at="00:00")
    assert await services.digests.send_due() == 1
    storage = services.ctx.storage
    assert isinstance(storage, Storage)
    async with storage.sessions() as session:  # the first alert went out; the rest wait
        sent = await session.scalar(
            select(OutboxMessage.id)
            .where(OutboxMessage.kind == "alert", OutboxMessage.person_id == therapist.id)
            .order_by(OutboxMessage.id)
            .limit(1)
        )
    assert sent is not None
    async with storage.uow() as uow:
        await uow.outbox.mark_sent(sent, now=clock.now(), telegram_message_id=4242)
        # updates that came in and wait to be processed: theirs and someone else's
        await uow.inbox.store(
            update_id=77,
            now=clock.now(),
            payload=json.dumps(
                {
                    "update_id": 77,
                    "message": {
                        "from": {"id": PARTICIPANT_ID, "first_name": "Alex"},
                        "chat": {"id": PARTICIPANT_ID},
                        "text": SECRET,
                    },
                }
            ),
        )
        await uow.inbox.store(
            update_id=78,
            now=clock.now(),
            payload=json.dumps(
                {"update_id": 78, "message": {"from": {"id": OTHER_ID}, "text": OTHERS}}
            ),
        )
        await uow.commit()
    await services.exports.send(alex, 960, "your data")
    await services.erasure.request(alex)
    return {"alex": alex, "other": other, "therapist": therapist, "coordinator": coordinator}


async def sealed_texts(storage: Storage) -> list[str]:
    """Every sealed column of every table, opened: whatever anyone could still read."""
    texts: list[str] = []
    async with storage.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if column.name.endswith("_enc"):
                    for value in (await session.execute(select(column))).scalars():
                        if value:
                            texts.append(storage.cipher.open(value))
    return texts


async def count(storage: Storage, model: Any, *where: Any) -> int:
    async with storage.sessions() as session:
        stmt = select(func.count()).select_from(model).where(*where)
        return int(await session.scalar(stmt) or 0)


class TestEraseOnARealDatabase:
    async def test_nothing_readable_is_left_and_a_tombstone_stays(
        self, services: Services, storage: Storage, clock: FakeClock
    ) -> None:
        people = await busy_clinic(services, clock)
        alex = people["alex"]
        before = await sealed_texts(storage)
        assert any(SECRET in t for t in before) and any(EDITED in t for t in before)
        assert any(NOTE in t for t in before) and any("pills" in t for t in before)
        preview = await services.erasure.preview("P-0142")
        c = preview.counts
        assert c.entries >= 1 and (c.messages, c.versions, c.media) == (4, 1, 1)
        assert (c.flags, c.alerts, c.escalations, c.notes) == (1, 1, 1, 1)
        assert (c.sessions, c.consents, c.invitations, c.inbox) == (1, 1, 1, 1)
        assert c.prompts == 4 and c.outbox > 5 and c.audit_details > 0

        clock.advance(timedelta(minutes=2))
        done = await services.erasure.erase("P-0142", by="C-01")
        assert done.counts == preview.counts and not done.forced

        pid = alex.id
        for model, column in (
            (JournalEntry, JournalEntry.participant_id),
            (JournalMessage, JournalMessage.participant_id),
            (Flag, Flag.participant_id),
            (Alert, Alert.participant_id),
            (Note, Note.participant_id),
            (TreatmentSession, TreatmentSession.participant_id),
            (ScheduledPrompt, ScheduledPrompt.participant_id),
            (Consent, Consent.person_id),
            (Invitation, Invitation.person_id),
        ):
            assert await count(storage, model, column == pid) == 0, model.__name__
        assert await count(storage, JournalMessageVersion) == 0  # P-0143 never edited
        assert await count(storage, Escalation) == 0
        after = await sealed_texts(storage)
        for gone in (SECRET, EDITED, "pills", NOTE, "AgAC-photo", "Alex"):
            assert not any(gone in t for t in after), gone
        assert any(OTHERS in t for t in after)  # everyone else's journal is untouched
        named = [t for t in after if "P-0142" in t]
        assert named and all("were erased by C-01" in t or "erased from Ember" in t for t in named)

        async with storage.sessions() as session:
            left = await session.get(Person, pid)
            assert left is not None and left.code == "P-0142" and left.status == "erased"
            assert left.telegram_user_id is None and left.chat_id is None
            assert left.therapist_id is None and left.consented_at is None
            request = (await session.scalars(select(ErasureRequest))).one()
            assert request.status == "erased" and request.erased_at == clock.now()
            assert request.requested_by == "participant" and request.erased_by == "C-01"
            own = (
                await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.chat_id == PARTICIPANT_ID)
                )
            ).all()
            assert [(m.kind, m.person_id) for m in own] == [("erased", None)]
            assert (
                await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.person_id == pid)
                )
                == 0
            )
            theirs = await session.get(InboundUpdate, 77)
            assert theirs is not None and theirs.payload_enc is None
            assert theirs.status == "erased"
            others = await session.get(InboundUpdate, 78)
            assert others is not None and others.payload_enc is not None
            audit = (
                await session.scalars(
                    select(AuditEvent).where(AuditEvent.subject_id == pid).order_by(AuditEvent.id)
                )
            ).all()
        assert [a.detail for a in audit[:-1]] == [None] * (len(audit) - 1)
        assert audit[-1].action == "erasure" and audit[-1].actor == "C-01"
        assert audit[-1].detail == preview.counts.summary()
        assert [a.action for a in audit].count("journal.read") == 1  # who read, kept

        # the digest queued before is gone; today's comes again without them
        assert await services.digests.send_due() == 1
        digests = [t for t in after + await sealed_texts(storage) if "Digest" in t]
        assert digests and not any("P-0142" in t for t in digests)
        assert any("P-0143" in t for t in digests)

    async def test_a_second_run_changes_nothing(
        self, services: Services, storage: Storage, clock: FakeClock
    ) -> None:
        await busy_clinic(services, clock)
        first = await services.erasure.erase("P-0142")
        rows = await count(storage, OutboxMessage)
        again = await services.erasure.erase("P-0142")
        assert again.already and again.erased_at == first.erased_at
        assert await count(storage, OutboxMessage) == rows
        assert await count(storage, ErasureRequest) == 1
        assert await count(storage, AuditEvent, AuditEvent.action == "erasure") == 1


# -- the command line ---------------------------------------------------------------------

EMBER = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]


def ember(*args: str, cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [*EMBER, *args],
        cwd=cwd,
        env={**clean, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def clinic_file(tmp_path: Path) -> dict[str, str]:
    """A SQLite clinic on disk where P-0142 has written and asked for erasure (and P-0143
    has not asked); the environment `ember` needs to reach it."""
    key = generate_key()
    url = f"sqlite+aiosqlite:///{tmp_path / 'clinic.db'}"
    upgrade(url)

    async def build() -> None:
        engine = create_engine(url)
        try:
            storage = Storage(session_factory(engine), Cipher([key.encode()]))
            services = Services(
                ServiceContext(storage=storage, clock=FakeClock(), catalogue=default_catalogue())
            )
            await enroll(services, Role.THERAPIST, "T-01", THERAPIST_ID)
            alex = await enroll(
                services, Role.PARTICIPANT, "P-0142", PARTICIPANT_ID, therapist="T-01"
            )
            other = await enroll(services, Role.PARTICIPANT, "P-0143", OTHER_ID, therapist="T-01")
            await services.journal.record(alex, message(PARTICIPANT_ID, 1, SECRET))
            await services.journal.record(other, message(OTHER_ID, 1, OTHERS))
            await services.erasure.request(alex)
        finally:
            await engine.dispose()

    asyncio.run(build())
    return {"EMBER_DATABASE_URL": url, "EMBER_ENCRYPTION_KEY": key}


def status_of(env: dict[str, str], code: str) -> str:
    async def read() -> str:
        engine = create_engine(env["EMBER_DATABASE_URL"])
        try:
            async with session_factory(engine)() as session:
                return str(await session.scalar(select(Person.status).where(Person.code == code)))
        finally:
            await engine.dispose()

    return asyncio.run(read())


class TestEmberErase:
    def test_help_says_what_it_does_and_what_it_refuses(self, tmp_path: Path) -> None:
        result = ember("erase", "--help", cwd=tmp_path)
        assert result.returncode == 0 and "Usage" in result.stdout
        for word in ("--yes", "--force", "--by", "tombstone", "/delete", "retention"):
            assert word in result.stdout, word

    def test_it_shows_what_goes_asks_and_erases_once(
        self, tmp_path: Path, clinic_file: dict[str, str]
    ) -> None:
        declined = ember("erase", "P-0142", cwd=tmp_path, stdin="n\n", **clinic_file)
        assert declined.returncode == 1
        assert "1 entry, 1 message" in declined.stdout and "asked for erasure" in declined.stdout
        assert "Kept: the code P-0142" in declined.stdout
        assert status_of(clinic_file, "P-0142") == "withdrawn"  # nothing changed

        done = ember("erase", "p-0142", "--by", "c-01", cwd=tmp_path, stdin="y\n", **clinic_file)
        assert done.returncode == 1 and "C-01 is not an enrolled coordinator" in done.stderr
        done = ember("erase", "p-0142", cwd=tmp_path, stdin="y\n", **clinic_file)
        assert done.returncode == 0, done.stderr
        assert "P-0142 erased at" in done.stdout and "last message" in done.stdout
        assert status_of(clinic_file, "P-0142") == "erased"

        again = ember("erase", "P-0142", "--yes", cwd=tmp_path, **clinic_file)
        assert again.returncode == 0 and "already erased" in again.stdout

    def test_without_a_request_it_refuses_unless_forced(
        self, tmp_path: Path, clinic_file: dict[str, str]
    ) -> None:
        refused = ember("erase", "P-0143", "--yes", cwd=tmp_path, **clinic_file)
        assert refused.returncode == 1
        assert refused.stderr.strip().count("\n") == 0
        assert "has not asked" in refused.stderr and "--force" in refused.stderr
        assert status_of(clinic_file, "P-0143") == "active"
        forced = ember("erase", "P-0143", "--yes", "--force", cwd=tmp_path, **clinic_file)
        assert forced.returncode == 0 and "(forced)" in forced.stdout
        assert status_of(clinic_file, "P-0143") == "erased"

    def test_a_keeping_policy_refuses_until_its_period_is_over_unless_forced(
        self, tmp_path: Path, clinic_file: dict[str, str]
    ) -> None:
        env = {**clinic_file, "EMBER_RETENTION_POLICY": "keep:10y"}
        refused = ember("erase", "P-0142", "--yes", cwd=tmp_path, **env)
        assert refused.returncode == 1 and "keeps P-0142's records until 20" in refused.stderr
        assert status_of(clinic_file, "P-0142") == "withdrawn"
        forced = ember("erase", "P-0142", "--yes", "--force", cwd=tmp_path, **env)
        assert forced.returncode == 0 and "(forced)" in forced.stdout

    def test_an_unknown_code_or_a_bad_policy_is_one_clear_line(
        self, tmp_path: Path, clinic_file: dict[str, str]
    ) -> None:
        unknown = ember("erase", "P-9999", "--yes", cwd=tmp_path, **clinic_file)
        assert unknown.returncode == 1 and "P-9999" in unknown.stderr
        bad = ember(
            "erase", "P-0142", cwd=tmp_path, **{**clinic_file, "EMBER_RETENTION_POLICY": "forever"}
        )
        assert bad.returncode == 1
        assert bad.stderr.startswith("ember: EMBER_RETENTION_POLICY")
        assert bad.stderr.strip().count("\n") == 0
