"""Bulk work in batches, on the in-memory unit of work: a protocol reloaded for many
participants is replanned batch by batch with a pause between, and finished by running it
again after an interruption; a replan worked out from a stale read is worked out again;
the tick reaches every due and every open prompt, however many.

The same on SQLite and PostgreSQL, with the transactions' lengths: tests/integration/
test_bulk_work.py; while Ember runs over the fake Bot API: tests/e2e/test_bulk_work.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.domain import PromptStatus
from bot.services import planning, prompting
from bot.services.api import Services
from tests.support.fake_uow import FakeStorage
from tests.support.population import populate_on_protocol, steps_protocol

DOSING = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planning, "BATCH", 4)
    monkeypatch.setattr(prompting, "TICK_BATCH", 5)


async def populated(storage: FakeStorage, clock: FakeClock, n: int, steps: int = 3) -> list[int]:
    return await populate_on_protocol(
        storage, participants=n, source=steps_protocol(steps), now=clock.now(), dosing_at=DOSING
    )


def prompts(storage: FakeStorage) -> list[tuple[int, str, PromptStatus, datetime]]:
    return sorted(
        (p.participant_id, p.key, p.status, p.due_at) for p in storage.tables.prompts.values()
    )


class TestReloadInBatches:
    async def test_everyone_is_replanned_batch_by_batch_with_a_pause_between(
        self, services: Services, storage: FakeStorage, clock: FakeClock, small_batches: None
    ) -> None:
        await populated(storage, clock, 10)
        heard: list[tuple[int, int]] = []
        commits, pauses = storage.commits, storage.pauses
        loaded = await services.planning.load_protocol(
            steps_protocol(3, version=2, at="11:00"), "v2.yaml", progress=lambda *a: heard.append(a)
        )
        assert loaded.replaced and loaded.participants_replanned == 10
        assert heard == [(0, 10), (4, 10), (8, 10), (10, 10)]
        assert storage.commits - commits == 1 + 3  # the protocol, then one per batch
        assert storage.pauses - pauses == 3  # each batch's write lets waiting writers first
        pending = [p for p in storage.tables.prompts.values() if p.status is PromptStatus.PENDING]
        assert len(pending) == 30
        assert {p.due_at.astimezone(UTC).hour for p in pending} == {10}  # 11:00 in Berlin

    async def test_an_interrupted_reload_is_finished_by_running_it_again_and_nothing_twice(
        self, services: Services, storage: FakeStorage, clock: FakeClock, small_batches: None
    ) -> None:
        await populated(storage, clock, 10)
        v2 = steps_protocol(3, version=2, at="11:00")

        def stop_after_two_batches(done: int, total: int) -> None:
            if done >= 8:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            await services.planning.load_protocol(v2, "v2.yaml", progress=stop_after_two_batches)
        hours = Counter(
            p.due_at.astimezone(UTC).hour
            for p in storage.tables.prompts.values()
            if p.status is PromptStatus.PENDING
        )
        assert hours == {10: 24, 9: 6}  # two batches moved to 11:00, the last not yet
        await services.planning.load_protocol(v2, "v2.yaml")
        finished = prompts(storage)
        assert len(finished) == 30  # one prompt per participant and step, none twice
        assert {due.hour for *_, due in finished} == {10}
        await services.planning.load_protocol(v2, "v2.yaml")  # once more changes nothing
        assert prompts(storage) == finished

    async def test_a_participant_changed_after_the_read_is_worked_out_again_when_written(
        self, storage: FakeStorage, clock: FakeClock
    ) -> None:
        ids = await populated(storage, clock, 3)
        async with storage.uow() as uow:
            await planning.store_protocol(
                uow,
                now=clock.now(),
                source=steps_protocol(3, version=2, at="11:00"),
                source_name="v2.yaml",
            )
            await uow.commit()
        async with storage.reader() as uow:
            people = [await uow.people.by_telegram_id(t) for t in ids]
            pids = [p.id for p in people if p is not None]
            plan = await planning.work_out(uow, now=clock.now(), participant_ids=pids)
        # meanwhile: the first participant's session is moved a day, and the tick sends the
        # second one's first prompt
        async with storage.uow() as uow:
            [session] = await uow.schedules.sessions_of(pids[0])
            await uow.schedules.save_session(replace(session, starts_at=DOSING + timedelta(days=1)))
            first = (await uow.schedules.prompts_of(pids[1]))[0]
            await uow.schedules.save_prompt(
                replace(first, status=PromptStatus.SENT, sent_at=clock.now())
            )
            await uow.commit()
        async with storage.uow() as uow:
            again = await planning.write_out(uow, now=clock.now(), plan=plan)
            await uow.commit()
        assert again == 1  # only the one whose session moved
        async with storage.reader() as uow:
            moved = await uow.schedules.prompts_of(pids[0])
            second = await uow.schedules.prompts_of(pids[1])
        assert [p.due_at for p in moved] == [
            datetime(2026, 1, 7 + d, 10, 0, tzinfo=UTC) for d in range(3)
        ]  # from the new day
        assert second[0].status is PromptStatus.SENT  # left as the tick left it
        assert second[0].due_at == datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
        assert [p.due_at.hour for p in second[1:]] == [10, 10]


class TestAssignMany:
    async def test_several_participants_are_put_on_a_protocol_in_batches(
        self, services: Services, storage: FakeStorage, clock: FakeClock, small_batches: None
    ) -> None:
        await populated(storage, clock, 6)
        await services.planning.load_protocol(steps_protocol(2, protocol_id="other"), "other.yaml")
        codes = [f"P-{n:05d}" for n in range(6)] + ["p-00000"]  # a code twice is one person
        assert await services.planning.assign_many(codes, "other") == 6
        by_protocol = Counter((p.protocol_id, p.status) for p in storage.tables.prompts.values())
        assert by_protocol == {
            ("scale", PromptStatus.CANCELLED): 18,
            ("other", PromptStatus.PENDING): 12,
        }

    async def test_an_unknown_code_changes_nobody(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        from bot.errors import NotFound

        await populated(storage, clock, 2)
        await services.planning.load_protocol(steps_protocol(2, protocol_id="other"), "o.yaml")
        before = prompts(storage)
        with pytest.raises(NotFound):
            await services.planning.assign_many(["P-00000", "P-99999"], "other")
        assert prompts(storage) == before


class TestTickReachesEveryPrompt:
    async def test_every_due_prompt_is_sent_and_every_open_one_reminded_then_missed(
        self, services: Services, storage: FakeStorage, clock: FakeClock, small_batches: None
    ) -> None:
        await populated(storage, clock, 12, steps=1)
        clock.set(datetime(2026, 1, 6, 9, 0, tzinfo=UTC))  # day 1, 10:00 in Berlin
        sent = await services.prompting.tick()
        assert sent.sent == 12 and len(storage.queued("prompt")) == 12
        clock.advance(timedelta(hours=6, minutes=1))  # the one reminder, half-way
        reminded = await services.prompting.tick()
        assert reminded.reminded == 12 and len(storage.queued("reminder")) == 12
        assert (await services.prompting.tick()).reminded == 0  # once each
        clock.advance(timedelta(hours=6))  # the window has closed
        missed = await services.prompting.tick()
        assert missed.missed == 12
        assert {p.status for p in storage.tables.prompts.values()} == {PromptStatus.MISSED}
