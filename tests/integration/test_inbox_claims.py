"""Stored updates on real SQLite and PostgreSQL: claims carry their instance and stay while
refreshed; only stale claims are swept back; a failed update waits for its next attempt and
holds back its chat's later updates; one set aside is listed and can be handed back."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.clock import FakeClock
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import InboundUpdate
from storage.uow import Storage

A_CHAT, B_CHAT = 5001, 5002
STALE = timedelta(seconds=15)


async def store(storage: Storage, clock: FakeClock, *updates: tuple[int, int | None]) -> None:
    async with storage.uow() as uow:
        for update_id, chat in updates:
            await uow.inbox.store(
                update_id=update_id, payload=f'{{"n": {update_id}}}', now=clock.now(), chat_id=chat
            )
        await uow.commit()


async def claim(
    storage: Storage, clock: FakeClock, update_id: int, worker: str = "w1", *, in_turn: bool = True
) -> bool:
    async with storage.uow() as uow:
        claimed = await uow.inbox.claim_pending(
            update_id, worker=worker, now=clock.now(), in_turn=in_turn
        )
        await uow.commit()
    return claimed


async def statuses(storage: Storage) -> dict[int, tuple[str, str | None]]:
    async with storage.sessions() as session:
        rows = await session.execute(
            sa.select(InboundUpdate.update_id, InboundUpdate.status, InboundUpdate.claimed_by)
        )
        return {update_id: (status, worker) for update_id, status, worker in rows}


class TestClaims:
    async def test_a_claim_names_its_instance_and_is_taken_once(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        await store(storage, clock, (1, A_CHAT))
        results = await asyncio.gather(
            *(claim(storage, clock, 1, f"w{n}") for n in range(4)), return_exceptions=True
        )
        assert sorted(r is True for r in results) == [False, False, False, True]
        (status, worker) = (await statuses(storage))[1]
        assert status == "processing" and worker in {f"w{n}" for n in range(4)}

    async def test_a_refreshed_claim_stays_and_a_stale_one_is_swept_back(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        await store(storage, clock, (1, A_CHAT), (2, B_CHAT))
        assert await claim(storage, clock, 1, "alive")
        assert await claim(storage, clock, 2, "gone")
        clock.advance(timedelta(seconds=10))
        async with storage.uow() as uow:  # the live instance's heartbeat
            await uow.inbox.heartbeat(worker="alive", now=clock.now(), ids=[1])
            await uow.commit()
        clock.advance(timedelta(seconds=10))  # "gone" has been silent for 20 s
        async with storage.uow() as uow:
            assert await uow.inbox.sweep_stale(now=clock.now(), older_than=STALE) == 1
            await uow.commit()
        assert await statuses(storage) == {1: ("processing", "alive"), 2: ("pending", None)}

    async def test_the_workers_of_a_host_are_found_and_a_gone_one_released(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        await store(storage, clock, (1, A_CHAT), (2, B_CHAT))
        await claim(storage, clock, 1, "host:1:a")
        await claim(storage, clock, 2, "other:2:b")
        async with storage.uow() as uow:
            assert await uow.inbox.claimed_by_prefix("host:") == ["host:1:a"]
            assert await uow.inbox.release_worker("host:1:a") == 1
            await uow.commit()
        assert await statuses(storage) == {1: ("pending", None), 2: ("processing", "other:2:b")}

    async def test_after_a_sweep_the_old_claimant_cannot_undo_the_new_ones_work(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        await store(storage, clock, (1, A_CHAT))
        await claim(storage, clock, 1, "slow")
        clock.advance(timedelta(seconds=20))
        async with storage.uow() as uow:
            await uow.inbox.sweep_stale(now=clock.now(), older_than=STALE)
            await uow.commit()
        assert await claim(storage, clock, 1, "new")
        async with storage.uow() as uow:  # the slow one comes back with its outcome
            await uow.inbox.retry_later(
                1, worker="slow", attempts=1, error="DBAPIError", not_before=clock.now()
            )
            await uow.commit()
        assert await statuses(storage) == {1: ("processing", "new")}
        async with storage.uow() as uow:
            await uow.inbox.mark_done(1, now=clock.now(), worker="new")
            await uow.commit()
        assert await statuses(storage) == {1: ("processed", None)}


class TestRetries:
    async def test_a_failed_update_waits_for_its_next_attempt_and_its_chat_waits_behind_it(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        await store(storage, clock, (1, A_CHAT), (2, A_CHAT), (3, B_CHAT))
        assert await claim(storage, clock, 1)
        async with storage.uow() as uow:
            await uow.inbox.retry_later(
                1,
                worker="w1",
                attempts=1,
                error="DBAPIError",
                not_before=clock.now() + timedelta(seconds=2),
            )
            await uow.commit()
        async with storage.uow() as uow:
            waiting = {p.update_id: p for p in await uow.inbox.pending()}
            backlog = await uow.inbox.backlog()
        assert (waiting[1].attempts, waiting[1].error, waiting[1].chat_id) == (
            1,
            "DBAPIError",
            A_CHAT,
        )
        assert not waiting[1].due(clock.now()) and waiting[2].due(clock.now())
        assert (backlog.unprocessed, backlog.retrying, backlog.failed) == (3, 1, 0)

        assert not await claim(storage, clock, 1)  # not due yet
        assert not await claim(storage, clock, 2)  # its chat's earlier update comes first
        assert await claim(storage, clock, 3)  # another chat goes on
        assert await claim(storage, clock, 2, in_turn=False)  # a risky one may jump the queue
        clock.advance(timedelta(seconds=2))
        assert await claim(storage, clock, 1)

    async def test_a_later_update_waits_while_an_earlier_one_of_its_chat_is_handled(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        await store(storage, clock, (1, A_CHAT), (2, A_CHAT), (3, None), (4, None))
        assert await claim(storage, clock, 1, "w1")
        assert not await claim(storage, clock, 2, "w2")
        assert await claim(storage, clock, 4, "w2")  # an update without a chat waits for none
        async with storage.uow() as uow:
            await uow.inbox.mark_done(1, now=clock.now(), worker="w1")
            await uow.commit()
        assert await claim(storage, clock, 2, "w2")

    async def test_a_parked_update_holds_nothing_up_and_requeue_gives_it_a_clean_slate(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        await store(storage, clock, (1, A_CHAT), (2, A_CHAT))
        await claim(storage, clock, 1)
        async with storage.uow() as uow:
            await uow.inbox.park_failing(
                1, worker="w1", attempts=5, reason="parked: failed 5 times in a row (KeyError)"
            )
            await uow.commit()
        assert await claim(storage, clock, 2)  # the chat goes on
        async with storage.uow() as uow:
            [parked] = await uow.inbox.parked()
            backlog = await uow.inbox.backlog()
            assert await uow.inbox.requeue_parked() == 1
            await uow.commit()
        assert (parked.id, parked.reason) == (1, "parked: failed 5 times in a row (KeyError)")
        assert backlog.failed == 1
        async with storage.uow() as uow:
            [again] = [p for p in await uow.inbox.pending() if p.update_id == 1]
        assert (again.attempts, again.error, again.due_at) == (0, None, None)


async def test_updates_marked_failed_before_retries_existed_are_parked_by_the_migration(
    tmp_path: Path, clock: FakeClock, key: str
) -> None:
    from storage.crypto import Cipher

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, url, "0008")
    sealed = Cipher([key.encode()]).seal('{"update_id": 7}')
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            table = sa.table(
                "inbound_updates",
                sa.column("update_id", sa.BigInteger()),
                sa.column("received_at", sa.String()),
                sa.column("status", sa.String()),
                sa.column("payload_enc", sa.Text()),
                sa.column("error", sa.String()),
            )
            await conn.execute(
                table.insert(),
                [
                    {
                        "update_id": 7,
                        "received_at": "2026-12-01 10:00:00.000000",
                        "status": "failed",
                        "payload_enc": sealed,
                        "error": "DBAPIError",
                    },
                    {
                        "update_id": 8,
                        "received_at": "2026-12-01 10:00:00.000000",
                        "status": "processed",
                        "payload_enc": None,
                        "error": None,
                    },
                ],
            )
        await asyncio.to_thread(upgrade, url)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.text("SELECT update_id, status, error, attempts FROM inbound_updates")
                )
            ).all()
    finally:
        await engine.dispose()
    assert sorted(tuple(r) for r in rows) == [
        (7, "parked", "parked: failed before retries existed (DBAPIError)", 0),
        (8, "processed", None, 0),
    ]
