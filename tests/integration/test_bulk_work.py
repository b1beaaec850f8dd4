"""Bulk work on SQLite and PostgreSQL: a protocol reloaded for hundreds of participants is
written in short transactions, one per batch, and finished by running it again after an
interruption; the tick reminds and then expires every one of 2,500 open prompts, and an
idle tick reads the same whatever is scheduled; a digest's queries do not grow with the
therapist's caseload. Statements and transactions are counted on the engine itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.clock import FakeClock
from bot.domain import PromptStatus
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import ScheduledPrompt
from bot.intake import Intake
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.services.inbound import InboundMessage
from bot.services.prompting import TICK_BATCH
from prompts.catalogue import default_catalogue
from storage import uow as uow_module
from storage.db import READ_ONLY
from storage.models import InboundUpdate, OutboxMessage
from storage.models import ScheduledPrompt as PromptRow
from storage.uow import Storage, UnitOfWork
from tests.support.builders import sender
from tests.support.population import (
    THERAPIST_CHAT,
    populate_caseloads,
    populate_on_protocol,
    steps_protocol,
)

CRISIS = "I have the pills here and I will take them all tonight to end my life."


@pytest.fixture
def services(storage: Storage, clock: FakeClock) -> Services:
    return Services(ServiceContext(storage=storage, clock=clock, catalogue=default_catalogue()))


@dataclass
class Watch:
    """What an engine did: statements run, and how long each writing transaction lasted."""

    statements: list[str] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    reads: int = 0


@contextmanager
def watching(storage: Storage) -> Iterator[Watch]:
    engine = storage.sessions.kw["bind"].sync_engine
    seen = Watch()
    began: dict[int, float] = {}

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if sql.lstrip().split(" ", 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            seen.statements.append(sql)

    def begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            seen.reads += 1
        else:
            began[id(conn)] = time.perf_counter()

    def commit(conn: Any) -> None:
        if id(conn) in began:
            seen.writes.append(time.perf_counter() - began.pop(id(conn)))

    listeners = [("before_cursor_execute", statement), ("begin", begin), ("commit", commit)]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        yield seen
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)


async def prompt_hours(storage: Storage) -> dict[tuple[str, int], int]:
    """How many prompts there are per (status, hour of the due time in UTC)."""
    async with storage.sessions() as session:
        rows = (await session.scalars(select(PromptRow))).all()
    found: dict[tuple[str, int], int] = {}
    for row in rows:
        key = (row.status, row.due_at.astimezone(UTC).hour)
        found[key] = found.get(key, 0) + 1
    return found


class TestReloadInBatches:
    @pytest.mark.serial  # each write transaction under 0.5 s: a wall-clock bound
    async def test_a_reload_for_hundreds_is_written_in_short_transactions_one_per_batch(
        self, services: Services, storage: Storage, clock: FakeClock
    ) -> None:
        await populate_on_protocol(
            storage,
            participants=450,
            source=steps_protocol(3),
            now=clock.now(),
            dosing_at=clock.now(),
        )
        assert await prompt_hours(storage) == {("pending", 9): 1350}  # 10:00 in Berlin
        heard: list[tuple[int, int]] = []
        with watching(storage) as seen:
            loaded = await services.planning.load_protocol(
                steps_protocol(3, version=2, at="11:00"),
                "v2.yaml",
                progress=lambda *a: heard.append(a),
            )
        assert loaded.participants_replanned == 450
        assert heard == [(0, 450), (200, 450), (400, 450), (450, 450)]
        assert len(seen.writes) == 4  # the protocol, then each batch on its own
        assert seen.reads >= 3  # each batch read and worked out outside any write
        assert max(seen.writes) < 0.5, seen.writes  # typically a few hundredths
        print(f"\nlongest write transaction of the reload: {max(seen.writes) * 1000:.0f} ms")
        assert await prompt_hours(storage) == {("pending", 10): 1350}

    async def test_an_interrupted_reload_is_finished_by_running_it_again(
        self, services: Services, storage: Storage, clock: FakeClock
    ) -> None:
        await populate_on_protocol(
            storage,
            participants=450,
            source=steps_protocol(3),
            now=clock.now(),
            dosing_at=clock.now(),
        )
        v2 = steps_protocol(3, version=2, at="11:00")

        def interrupt(done: int, total: int) -> None:
            if done >= 200:
                raise KeyboardInterrupt  # Ctrl-C after the first batch

        with pytest.raises(KeyboardInterrupt):
            await services.planning.load_protocol(v2, "v2.yaml", progress=interrupt)
        assert await prompt_hours(storage) == {("pending", 10): 600, ("pending", 9): 750}
        await services.planning.load_protocol(v2, "v2.yaml")
        assert await prompt_hours(storage) == {("pending", 10): 1350}  # none twice


def open_prompt(participant_id: int, n: int, now: datetime) -> ScheduledPrompt:
    return ScheduledPrompt(
        id=0,
        participant_id=participant_id,
        key=f"bulk:s{n}@0",
        kind="text",
        due_at=now,
        expires_at=now + timedelta(hours=2),
        created_at=now,
        status=PromptStatus.SENT,
        sent_at=now,
        reminder_times=(now + timedelta(hours=1),),
    )


class TestTickReachesEveryOpenPrompt:
    async def test_2500_open_prompts_are_all_reminded_and_then_all_missed_on_time(
        self, services: Services, storage: Storage, clock: FakeClock
    ) -> None:
        pairs = await populate_caseloads(storage, therapists=5, participants=250, now=clock.now())
        async with storage.uow() as uow:
            ids = [p.id for p in await uow.people.with_role(Role.PARTICIPANT)]
            await uow.schedules.add_prompts(
                [open_prompt(pid, n, clock.now()) for pid in ids for n in range(10)]
            )
            await uow.commit()
        assert len(pairs) == 250
        storage.batch_pause = 0.01  # the pause between batches is not what this is about
        clock.advance(timedelta(minutes=30))
        assert (await services.prompting.tick()).reminded == 0  # not yet
        clock.advance(timedelta(minutes=31))
        reminded = await services.prompting.tick()
        assert reminded.reminded == 2500 and reminded.missed == 0
        assert await count(storage, OutboxMessage, OutboxMessage.kind == "reminder") == 2500
        assert (await services.prompting.tick()).reminded == 0  # once each
        clock.advance(timedelta(minutes=58))  # a minute before the windows close
        assert (await services.prompting.tick()).missed == 0
        clock.advance(timedelta(minutes=1))
        missed = await services.prompting.tick()
        assert missed.missed == 2500
        assert await count(storage, PromptRow, PromptRow.status == "missed") == 2500
        assert await count(storage, PromptRow, PromptRow.status != "missed") == 0

    async def test_an_idle_tick_reads_the_same_whatever_is_scheduled(
        self, services: Services, storage: Storage, clock: FakeClock
    ) -> None:
        statements = []
        for n, participants in enumerate((20, 200)):
            await populate_on_protocol(
                storage,
                participants=participants,
                source=steps_protocol(5, protocol_id=f"p{n}"),
                now=clock.now(),
                dosing_at=clock.now() + timedelta(days=30),
                first_id=200_000 * (n + 1),
                therapists=1 if n == 0 else 2,
            )
            with watching(storage) as seen:
                result = await services.prompting.tick()
            assert result.handled == 0
            statements.append(len(seen.statements))
        assert await count(storage, PromptRow) == 1100
        assert statements[0] == statements[1] == 2  # one look for due, one for open prompts


class TestBulkWorkGivesWay:
    """While a message is being handled or an alert set off (``Storage.foreground``), bulk
    work in the process waits at its next batch boundary: each step of the urgent path is
    a database round trip queued on the same event loop as the bulk work's."""

    async def test_bulk_work_waits_while_urgent_work_is_under_way_then_goes_on_at_once(
        self, storage: Storage
    ) -> None:
        storage.batch_pause = 0.0
        with storage.foreground():
            pause = asyncio.create_task(storage.breathe())
            await asyncio.sleep(0.1)
            assert not pause.done()
        started = time.monotonic()
        await asyncio.wait_for(pause, 1.0)
        assert time.monotonic() - started < 0.05
        await asyncio.wait_for(storage.breathe(), 0.05)  # nothing urgent: no wait at all

    async def test_a_flood_of_urgent_work_slows_bulk_work_down_and_never_stops_it(
        self, storage: Storage, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(uow_module, "FOREGROUND_PATIENCE", 0.1)
        storage.batch_pause = 0.0
        with storage.foreground(), storage.foreground():  # two at once, never ending here
            started = time.monotonic()
            await asyncio.wait_for(storage.breathe(), 1.0)
            assert 0.09 < time.monotonic() - started < 0.5

    async def test_a_tick_pauses_between_batches_for_a_message_being_handled(
        self, services: Services, storage: Storage, clock: FakeClock
    ) -> None:
        await populate_caseloads(storage, therapists=1, participants=50, now=clock.now())
        async with storage.uow() as uow:
            ids = [p.id for p in await uow.people.with_role(Role.PARTICIPANT)]
            await uow.schedules.add_prompts(
                [
                    replace(
                        open_prompt(pid, 0, clock.now()), status=PromptStatus.PENDING, sent_at=None
                    )
                    for pid in ids
                ]
            )
            await uow.commit()
        storage.batch_pause = 0.0

        async def queued() -> int:
            return await count(storage, OutboxMessage, OutboxMessage.kind == "prompt")

        with storage.foreground():
            tick = asyncio.create_task(services.prompting.tick())
            while await queued() < TICK_BATCH:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)
            assert await queued() == TICK_BATCH  # one batch, then it waits
        result = await asyncio.wait_for(tick, 5.0)
        assert result.sent == 50 and await queued() == 50


async def count(storage: Storage, model: type, *where: Any) -> int:
    async with storage.sessions() as session:
        stmt = select(func.count()).select_from(model).where(*where)
        return int(await session.scalar(stmt) or 0)


class TestDigestQueries:
    async def test_a_digest_reads_as_often_for_30_participants_as_for_3(
        self, services: Services, storage: Storage, clock: FakeClock
    ) -> None:
        now = clock.now()
        therapists = {}
        async with storage.uow() as uow:
            for code, size in (("T-SMALL", 3), ("T-LARGE", 30)):
                t = await uow.people.add(
                    Person(
                        id=0,
                        role=Role.THERAPIST,
                        code=code,
                        telegram_user_id=THERAPIST_CHAT + size,
                        chat_id=THERAPIST_CHAT + size,
                        timezone="UTC",
                        status=PersonStatus.ACTIVE,
                        created_at=now,
                        enrolled_at=now,
                        digest_at="08:00",
                    )
                )
                therapists[code] = t
                for n in range(size):
                    tid = 300_000 + size * 100 + n
                    p = await uow.people.add(
                        Person(
                            id=0,
                            role=Role.PARTICIPANT,
                            code=f"P-{size:02d}{n:03d}",
                            telegram_user_id=tid,
                            chat_id=tid,
                            timezone="UTC",
                            status=PersonStatus.ACTIVE,
                            therapist_id=t.id,
                            consent_version=services.enrollment.consent_version,
                            consented_at=now,
                            created_at=now,
                            enrolled_at=now,
                        )
                    )
                    await uow.schedules.add_prompts([open_prompt(p.id, 0, now)])
            await uow.commit()
        async with storage.reader() as uow:
            participants = [
                p for t in therapists.values() for p in await uow.people.participants_of(t.id)
            ]
        for n, participant in enumerate(participants):
            words = CRISIS if n % 3 == 0 else f"A calm walk, number {n}."
            tid = participant.telegram_user_id
            assert tid is not None
            await services.journal.record(
                participant, InboundMessage(sender(tid, 10_000 + n), n + 1, "text", words)
            )
        clock.advance(timedelta(hours=1))
        counted = {}
        for code, therapist in therapists.items():
            with watching(storage) as seen:
                text = "\n".join(m.text for m in await services.digests.digest(therapist))
            counted[code] = len(seen.statements)
            for participant in participants:
                if participant.therapist_id == therapist.id:
                    assert participant.code in text
            assert "A calm walk" in text and "#" in text  # excerpts and flag numbers
        assert counted["T-SMALL"] == counted["T-LARGE"], counted
        print(f"\nstatements per digest: {counted}")
        clock.set(datetime(2026, 1, 6, 8, 0, tzinfo=UTC))
        with watching(storage) as seen:
            assert await services.digests.send_due() == 2
        assert len(seen.writes) == 2  # one short transaction per therapist


async def handled(uow: UnitOfWork, update_id: int, now: datetime) -> None:
    """What intake does with an update: claim it, then mark it done."""
    assert await uow.inbox.claim_pending(update_id, worker="w", now=now, in_turn=False)
    await uow.inbox.mark_done(update_id, now=now, worker="w")


class TestRetention:
    async def test_old_update_ids_are_forgotten_a_thousand_per_transaction(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        async with storage.uow() as uow:
            for update_id in range(1, 2503):
                await uow.inbox.store(update_id=update_id, payload="{}", now=clock.now())
                if update_id <= 2500:
                    await handled(uow, update_id, clock.now())
            await uow.commit()
        clock.advance(timedelta(days=15))
        async with storage.uow() as uow:
            await uow.inbox.store(update_id=9999, payload="{}", now=clock.now())
            await handled(uow, 9999, clock.now())
            await uow.commit()
        intake = Intake(SimpleNamespace(bot=None), storage, clock)  # type: ignore[arg-type]
        with watching(storage) as seen:
            assert await intake.forget_old() == 2500
        assert len(seen.writes) == 4  # 1,000, 1,000, 500, and none left
        async with storage.sessions() as session:
            left = sorted(await session.scalars(select(InboundUpdate.update_id)))
        assert left == [2501, 2502, 9999]  # never processed, or recent: kept
