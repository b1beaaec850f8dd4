"""Database trouble never stops Ember: on a real SQLite file whose write lock is taken by
someone else for longer than the busy timeout, polling keeps every fetched update and goes
on, an update whose handling met the lock is handled again (never marked failed), a job
that met it runs again next time; a writer waits for the lock rather than failing at once;
a reader neither takes the lock nor waits for it (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.clock import FakeClock
from bot.errors import StorageMisuse
from bot.intake import Intake
from bot.jobs import RunningJobs
from storage.crypto import Cipher
from storage.db import create_engine, is_transient, session_factory
from storage.models import InboundUpdate
from storage.uow import Storage

LOCKED = OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))


@pytest.fixture
async def impatient(sqlite_url: str, cipher: Cipher) -> AsyncIterator[Storage]:
    """Storage on a SQLite file whose writers give up after 0.1 s instead of 30 s."""
    engine = create_engine(sqlite_url, busy_timeout=0.1)
    try:
        yield Storage(session_factory(engine), cipher)
    finally:
        await engine.dispose()


@contextmanager
def write_lock(url: str) -> Iterator[None]:
    """Someone else holds the database's write lock (as a bulk job once did)."""
    conn = sqlite3.connect(str(make_url(url).database), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def raw_update(update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "text": "hello",
        },
    }


class Fetched:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw, self.update_id = raw, raw["update_id"]

    def to_dict(self) -> dict[str, Any]:
        return self.raw


class Telegram:
    """Stands in for PTB's Bot: hands out the updates put in ``waiting``, once."""

    defaults = None

    def __init__(self) -> None:
        self.waiting: list[Fetched] = []
        self.offsets: list[int | None] = []

    async def get_updates(self, *, offset: int | None, **_: Any) -> list[Fetched]:
        self.offsets.append(offset)
        if self.waiting:
            found, self.waiting = self.waiting, []
            return found
        await asyncio.sleep(0.05)
        return []


class Handling:
    """Stands in for the PTB Application: the first ``failures`` tries of each update meet
    a locked database (reported to the error handler, as PTB does); then it is handled."""

    def __init__(self, bot: Any, failures: int = 0) -> None:
        self.bot = bot
        self.failures = failures
        self.tries: dict[int, int] = {}
        self.handled: list[int] = []
        self.intake: Intake | None = None
        self.told_to_retry: list[bool] = []

    async def process_update(self, update: Any) -> None:
        n = self.tries[update.update_id] = self.tries.get(update.update_id, 0) + 1
        if n <= self.failures:
            assert self.intake is not None
            self.told_to_retry.append(self.intake.note_failure(update.update_id, LOCKED))
            return
        self.handled.append(update.update_id)


async def statuses(storage: Storage) -> dict[int, str]:
    async with storage.sessions() as session:
        rows = await session.execute(select(InboundUpdate.update_id, InboundUpdate.status))
        return {update_id: status for update_id, status in rows}


async def eventually(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


class TestTransientErrors:
    def test_a_locked_database_or_a_lost_connection_is_worth_retrying(self) -> None:
        assert is_transient(LOCKED)
        assert is_transient(ConnectionResetError())
        lost = OperationalError("SELECT 1", {}, ConnectionError(), connection_invalidated=True)
        assert is_transient(lost)

    def test_a_fault_in_what_was_asked_is_not(self) -> None:
        assert not is_transient(IntegrityError("INSERT …", {}, Exception("UNIQUE constraint")))
        assert not is_transient(OperationalError("SELECT", {}, Exception("no such column: x")))
        assert not is_transient(ValueError("bad"))


class TestIntakeThroughALockedDatabase:
    async def test_polling_keeps_the_fetched_update_and_goes_on(
        self, impatient: Storage, sqlite_url: str, clock: FakeClock
    ) -> None:
        telegram = Telegram()
        app = Handling(telegram)
        intake = Intake(app, impatient, clock)  # type: ignore[arg-type]
        await intake.start(poll=True)
        with write_lock(sqlite_url):
            telegram.waiting = [Fetched(raw_update(41))]
            await asyncio.sleep(1.0)  # ten busy timeouts: storing fails, and is tried again
            assert telegram.waiting == []  # fetched
            assert set(telegram.offsets) == {None}  # nothing confirmed while not stored
        try:

            async def processed() -> bool:
                return await statuses(impatient) == {41: "processed"}

            await eventually(processed)
            assert app.handled == [41]
            assert intake._poller is not None and not intake._poller.done()
            await eventually(lambda: _true(42 in telegram.offsets))  # confirmed once stored
        finally:
            await intake.stop()

    async def test_an_update_that_met_the_lock_is_handled_again_not_failed(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        app = Handling(bot=None, failures=2)
        intake = Intake(app, storage, clock)  # type: ignore[arg-type]
        app.intake = intake
        await intake.accept([raw_update(7)])
        await intake.start(poll=False)
        try:

            async def processed() -> bool:
                return await statuses(storage) == {7: "processed"}

            await eventually(processed)
        finally:
            await intake.stop()
        assert app.tries == {7: 3} and app.handled == [7]
        assert app.told_to_retry == [True, True]  # so nobody was told it went wrong


class TestJobs:
    async def test_a_job_that_met_the_lock_runs_again_next_time(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        runs: list[int] = []

        async def tick() -> None:
            runs.append(len(runs))
            if len(runs) == 1:
                raise LOCKED

        wrapped = RunningJobs().wrap(tick, "prompts:tick")
        with caplog.at_level(logging.WARNING):
            await wrapped()  # met the lock: logged in one line, not raised
            await wrapped()
        assert runs == [0, 1]
        assert [r.getMessage() for r in caplog.records] == [
            "prompts:tick met OperationalError; its next run tries again"
        ]


class TestWritersAndReaders:
    async def test_a_writer_waits_for_the_lock_rather_than_failing(
        self, sqlite_url: str, cipher: Cipher
    ) -> None:
        engine = create_engine(sqlite_url)  # the default busy timeout
        storage = Storage(session_factory(engine), cipher)
        try:
            with write_lock(sqlite_url):
                write = asyncio.create_task(_store(storage, 1))
                await asyncio.sleep(0.6)
                assert not write.done()  # waiting, not failed
            await asyncio.wait_for(write, timeout=10)
            assert await statuses(storage) == {1: "pending"}
        finally:
            await engine.dispose()

    async def test_a_reader_neither_takes_the_lock_nor_waits_for_it(self, storage: Storage) -> None:
        await _store(storage, 1)
        async with storage.reader() as reader:
            assert len(await reader.inbox.pending()) == 1
            # a writer commits while the reader is open (it would wait 30 s for a lock)
            await asyncio.wait_for(_store(storage, 2), timeout=5)
            with pytest.raises(StorageMisuse):
                await reader.commit()
        async with storage.reader() as reader:
            assert len(await reader.inbox.pending()) == 2

    async def test_a_reader_holds_up_no_writer_that_holds_the_lock(
        self, sqlite_url: str, cipher: Cipher
    ) -> None:
        engine = create_engine(sqlite_url, busy_timeout=0.1)
        storage = Storage(session_factory(engine), cipher)
        try:
            await _store(storage, 1)
            with write_lock(sqlite_url):
                async with storage.reader() as reader:  # would fail in 0.1 s if it waited
                    assert len(await reader.inbox.pending()) == 1
        finally:
            await engine.dispose()


async def _store(storage: Storage, update_id: int) -> None:
    async with storage.uow() as uow:
        await uow.inbox.store(update_id=update_id, payload="{}", now=datetime.now(UTC))
        await uow.commit()


async def _true(value: bool) -> bool:
    return value
