"""Digests on real SQLite and PostgreSQL: the same few queries whatever the caseload, every
entry read back from sealed storage, and once a day across a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from bot.clock import FakeClock
from bot.domain import PersonStatus, Role
from bot.domain.outgoing import Outgoing
from bot.domain.people import Person
from bot.domain.records import ScheduledPrompt
from bot.domain.schedule import PromptStatus
from bot.services import staffing
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.services.inbound import InboundMessage, Sender
from prompts.catalogue import default_catalogue
from storage.db import READ_ONLY
from storage.models import JournalMessage, OutboxMessage
from storage.uow import Storage


def joined(messages: Sequence[Outgoing]) -> str:
    return "\n".join(m.text for m in messages)


def services_on(storage: Storage, clock: FakeClock) -> Services:
    return Services(ServiceContext(storage=storage, clock=clock, catalogue=default_catalogue()))


@contextmanager
def counted(storage: Storage) -> Iterator[list[str]]:
    """The SQL statements run meanwhile."""
    engine = storage.sessions.kw["bind"].sync_engine
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def caseload(services: Services, clock: FakeClock, code: str, participants: int,
                   first_id: int) -> Person:
    """A therapist ``code`` with ``participants`` who each wrote two entries and sent a voice
    note; returns the therapist."""
    version = services.enrollment.consent_version
    now = clock.now()
    async with services.ctx.uow() as uow:
        staff = await uow.people.add(Person(
            id=0, role=Role.THERAPIST, code=code, telegram_user_id=first_id, chat_id=first_id,
            timezone="Europe/Berlin", status=PersonStatus.ACTIVE, created_at=now))
        people = [await uow.people.add(Person(
            id=0, role=Role.PARTICIPANT, code=f"P-{first_id + n}", telegram_user_id=first_id + n,
            chat_id=first_id + n, timezone="Europe/Berlin", status=PersonStatus.ACTIVE,
            therapist_id=staff.id, consent_version=version, consented_at=now, created_at=now))
            for n in range(1, participants + 1)]
        await uow.commit()
    for person in people:
        tid = person.telegram_user_id
        assert tid is not None
        for n, text in enumerate(("Slept well for once.", "Walked by the river.")):
            clock.advance(timedelta(minutes=1))
            await services.journal.record(
                person, InboundMessage(Sender(tid * 10 + n, tid, tid), n + 1, "text", text))
        await services.journal.record(
            person, InboundMessage(Sender(tid * 10 + 5, tid, tid), 9, "voice", None, "VOI-9"))
    await scored(storage_of(services), clock, people)
    return staff


def storage_of(services: Services) -> Storage:
    storage = services.ctx.storage
    assert isinstance(storage, Storage)
    return storage


async def scored(storage: Storage, clock: FakeClock, people: list[Person]) -> None:
    """Each participant answers the mood scale twice and completes a PHQ-9 (17, then 9)."""
    now = clock.now()
    async with storage.uow() as uow:
        for person in people:
            for n, value in enumerate(("4", "7")):
                await uow.journal.add_message(
                    participant_id=person.id, prompt_id=None, telegram_message_id=None,
                    update_id=None, kind="scale", text=value, media_ref=None, screened=True,
                    now=now - timedelta(hours=6 - n))
            for n, (total, band) in enumerate(((17, "Moderately severe"), (9, "Mild"))):
                at = now - (timedelta(days=10) if n == 0 else timedelta(hours=3))
                await uow.schedules.add_prompt(ScheduledPrompt(
                    id=0, participant_id=person.id, key=f"q:phq9:{n}", kind="questionnaire",
                    due_at=at, expires_at=at + timedelta(days=1), created_at=at,
                    status=PromptStatus.ANSWERED, sent_at=at, answered_at=at,
                    state=json.dumps({"instrument": "phq9", "answers": {},
                                      "score": {"total": total, "percentage": None,
                                                "band": band}})))
        await uow.commit()


class TestQueries:
    async def test_a_bigger_caseload_takes_no_more_queries(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        services = services_on(storage, clock)
        small = await caseload(services, clock, "T-01", 2, 1000)
        big = await caseload(services, clock, "T-02", 20, 2000)
        with counted(storage) as few:
            small_digest = joined(await services.digests.digest(small))
        with counted(storage) as many:
            big_digest = joined(await services.digests.digest(big))
        # staff check, mark, seven reads, and the audit's write: whatever the caseload
        assert len(many) == len(few) <= 12
        assert "PHQ-9: 9 (Mild); baseline 17 (Moderately severe)" in big_digest
        assert big_digest.count("change -8, better (clinically meaningful)") == 20
        assert small_digest.count("Walked by the river.") == 2
        assert big_digest.count("Walked by the river.") == 20

    async def test_every_entry_and_the_voice_note_come_back_from_sealed_storage(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        services = services_on(storage, clock)
        staff = await caseload(services, clock, "T-01", 3, 1000)
        digest = joined(await services.digests.digest(staff))
        assert digest.count("Slept well for once.") == 3
        assert digest.count("Walked by the river.") == 3
        assert digest.count("voice note — not screened") == 3
        async with storage.sessions() as session:  # and none of it in the clear at rest
            raw = " ".join(str(v) for v in (await session.execute(
                select(JournalMessage.body_enc))).scalars())
        assert "river" not in raw


class TestOnceADay:
    async def test_a_restart_does_not_send_todays_digest_again(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        services = services_on(storage, clock)
        await caseload(services, clock, "T-01", 1, 1000)
        async with storage.uow() as uow:
            await staffing.set_therapist(uow, now=clock.now(), code="T-01", digest_at="08:00")
            await uow.commit()
        clock.advance(timedelta(days=1))
        assert await services.digests.send_due() == 1
        restarted = services_on(storage, clock)  # a new process on the same database
        clock.advance(timedelta(hours=3))
        assert await restarted.digests.send_due() == 0
        async with storage.sessions() as session:
            keys = (await session.scalars(
                select(OutboxMessage.idempotency_key).where(OutboxMessage.kind == "digest")
            )).all()
        assert len(keys) == 1


@contextmanager
def reads_inside_writes(storage: Storage) -> Iterator[list[str]]:
    """The statements that read journals, prompts or flags inside a writing transaction
    (on SQLite one write lock covers the whole file, so such reads hold everyone up)."""
    engine = storage.sessions.kw["bind"].sync_engine
    writing: set[int] = set()
    found: list[str] = []

    def begin(conn: Any) -> None:
        if not conn.get_execution_options().get(READ_ONLY):
            writing.add(id(conn))

    def end(conn: Any) -> None:
        writing.discard(id(conn))

    def statement(conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        heavy = ("journal_messages", "scheduled_prompts", "flags", "treatment_sessions")
        if id(conn) in writing and sql.lstrip().upper().startswith("SELECT") and any(
            table in sql for table in heavy
        ):
            found.append(sql)

    hooks = [("begin", begin), ("commit", end), ("rollback", end),
             ("before_cursor_execute", statement)]
    for name, fn in hooks:
        event.listen(engine, name, fn)
    try:
        yield found
    finally:
        for name, fn in hooks:
            event.remove(engine, name, fn)


class TestWriteLock:
    async def test_digests_are_read_and_drawn_outside_any_write_transaction(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        services = services_on(storage, clock)
        for n in range(3):
            await caseload(services, clock, f"T-0{n}", 4, 1000 * (n + 1))
        async with storage.uow() as uow:
            for n in range(3):
                await staffing.set_therapist(uow, now=clock.now(), code=f"T-0{n}",
                                             digest_at="08:00")
            await uow.commit()
        clock.advance(timedelta(days=1))
        with counted(storage) as statements, reads_inside_writes(storage) as held:
            assert await services.digests.send_due() == 3
        assert held == []
        assert len(statements) <= 3 * 20  # a few per therapist, whatever their caseload
        async with storage.sessions() as session:
            rows = (await session.scalars(
                select(OutboxMessage.payload_enc).where(OutboxMessage.kind == "digest"))).all()
        assert len(rows) >= 3  # each digest: its chart photo and any further pieces


class TestCouples:
    async def test_partners_come_side_by_side_under_one_heading_in_as_few_queries(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        services = services_on(storage, clock)
        staff = await caseload(services, clock, "T-01", 4, 1000)
        with counted(storage) as alone:
            await services.digests.digest(staff)
        couple = await services.couples.link(None, "P-1001", "P-1003")
        with counted(storage) as together:
            messages = await services.digests.digest(staff)
        digest = joined(messages)
        assert len(together) == len(alone)
        heading = digest.index(f"Couple #{couple}, side by side:")
        first, second = digest.index("P-1001 ("), digest.index("P-1003 (")
        assert heading < first < second < digest.index("P-1002 (") < digest.index("P-1004 (")
        assert digest.count("Couple #") == 1
        assert "P-1001, P-1003" in digest  # drawn together in the chart
