"""SQLite's write lock, taken in turns by one process's writers: a crisis message being
stored, or its alert being claimed, never sleeps in SQLite's busy handler while the lock is
free, nor queues behind the bulk writes of a prompt fan-out; and a turn is never lost (a
failed transaction, a cancelled writer, a writer kept waiting too long)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.domain.outgoing import Outgoing
from storage.crypto import Cipher
from storage.db import create_engine, session_factory, write_turns
from storage.uow import Storage
from storage.write_turns import WriteTurns, bulk_work

# who waits first and how soon a waiter goes are timed against the wall clock: run alone
pytestmark = pytest.mark.serial

HOLD = 0.25  # seconds a first writer keeps the lock while the others wait


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sqlite_storage(engine: AsyncEngine, cipher: Cipher) -> Storage:
    return Storage(session_factory(engine), cipher)


def turns_of(engine: AsyncEngine) -> WriteTurns:
    turns = write_turns(engine)
    assert turns is not None
    return turns


async def write(storage: Storage, key: str, *, hold: float = 0.0) -> float:
    """Queue one message (a write transaction); returns when it committed."""
    async with storage.uow() as uow:
        await uow.outbox.enqueue(
            key=key,
            chat_id=1,
            message=Outgoing(key),
            kind="reply",
            now=SystemClock().now(),
        )
        await asyncio.sleep(hold)
        await uow.commit()
    return time.monotonic()


async def bulk_write(storage: Storage, key: str) -> float:
    with bulk_work():
        return await write(storage, key)


async def until_waiting(engine: AsyncEngine, count: int) -> None:
    async with asyncio.timeout(5):
        while turns_of(engine).waiting() < count:
            await asyncio.sleep(0.005)


async def test_a_message_arriving_during_bulk_work_is_written_before_it(
    engine: AsyncEngine, sqlite_storage: Storage
) -> None:
    holder = asyncio.create_task(write(sqlite_storage, "holding", hold=HOLD))
    await asyncio.sleep(0.02)  # the first writer has the lock
    bulk = [asyncio.create_task(bulk_write(sqlite_storage, f"prompt:{n}")) for n in range(4)]
    await until_waiting(engine, 4)
    crisis = asyncio.create_task(write(sqlite_storage, "crisis"))
    await until_waiting(engine, 5)
    await holder
    crisis_at = await crisis
    bulk_at = await asyncio.gather(*bulk)
    # the bulk writers were waiting first, yet the inbound write went before every one
    assert all(crisis_at < at for at in bulk_at)
    assert not turns_of(engine).taken


async def test_a_waiting_writer_goes_the_moment_the_lock_is_free(
    engine: AsyncEngine, sqlite_storage: Storage
) -> None:
    """SQLite's busy handler looks again only every 100 ms after a while; a writer waiting
    its turn is handed the lock as soon as the one before it commits."""
    delays = []
    for n in range(3):
        holder = asyncio.create_task(write(sqlite_storage, f"holding:{n}", hold=HOLD))
        await asyncio.sleep(0.02)
        waiter = asyncio.create_task(write(sqlite_storage, f"waiting:{n}"))
        await until_waiting(engine, 1)
        released_at = await holder
        delays.append(await waiter - released_at)
    assert min(delays) < 0.04, delays  # not the busy handler's next look, up to 0.1 s away


async def test_a_failed_transaction_gives_its_turn_back(
    engine: AsyncEngine, sqlite_storage: Storage
) -> None:
    async def failing() -> None:
        async with sqlite_storage.uow() as uow:
            await uow.outbox.enqueue(
                key="never", chat_id=1, message=Outgoing("x"), kind="reply", now=SystemClock().now()
            )
            await asyncio.sleep(0.05)
            raise RuntimeError("the handler failed")

    failed = asyncio.create_task(failing())
    await asyncio.sleep(0.02)
    after = asyncio.create_task(write(sqlite_storage, "after"))
    with pytest.raises(RuntimeError):
        await failed
    async with asyncio.timeout(2):  # not the busy timeout: the turn came back at once
        await after
    assert not turns_of(engine).taken
    async with sqlite_storage.reader() as uow:
        assert await uow.outbox.exists("after")
        assert not await uow.outbox.exists("never")


async def test_a_writer_cancelled_while_waiting_holds_nobody_up(
    engine: AsyncEngine, sqlite_storage: Storage
) -> None:
    holder = asyncio.create_task(write(sqlite_storage, "holding", hold=HOLD))
    await asyncio.sleep(0.02)
    gone = asyncio.create_task(write(sqlite_storage, "gone"))
    await until_waiting(engine, 1)
    behind = asyncio.create_task(write(sqlite_storage, "behind"))
    await until_waiting(engine, 2)
    gone.cancel()
    await holder
    async with asyncio.timeout(2):
        await behind
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert not turns_of(engine).taken


async def test_a_writer_kept_waiting_too_long_goes_ahead_without_its_turn() -> None:
    """A turn never given back (a connection lost mid-transaction) costs a wait, never a
    deadlock: past its patience a writer goes ahead, as it would without turns."""
    turns = WriteTurns(patience=0.05)
    assert await turns.take(bulk=False)
    started = time.monotonic()
    assert not await turns.take(bulk=False)
    assert 0.04 <= time.monotonic() - started < 1.0
    turns.give_back()
    assert not turns.taken
    assert await turns.take(bulk=True)  # and the turns go on as before
