"""Intake on real SQLite and PostgreSQL when handling fails: a failure time mends is tried
again, after a pause, in order for its chat, however often it happens; one that fails the
same way again and again is parked after five tries (and can be handed back); an instance
starting, or the leader's sweep, takes back only the claims of instances that are gone."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import exc

from bot.clock import FakeClock
from bot.intake import Intake
from storage.models import InboundUpdate
from storage.queues import queue_status, requeue_parked
from storage.uow import Storage

A_CHAT, B_CHAT = 5001, 5002
WORDS = "words nobody else may read"


class _Lost(Exception):
    sqlstate = "08003"


def connection_lost() -> Exception:
    return exc.DBAPIError(
        "SELECT 1", {}, _Lost("connection was closed"), connection_invalidated=True
    )


class Handling:
    """Stands in for the PTB Application: handles updates in turn, failing as told. As PTB
    does, a handler's failure goes to the error handler (here: ``note_failure``)."""

    bot: Any = None

    def __init__(self) -> None:
        self.intake: Intake | None = None
        self.failing: dict[int, list[Exception]] = {}  # update id -> failures still to come
        self.seen: list[int] = []
        self.handled: list[int] = []
        self.hold: asyncio.Event | None = None

    async def process_update(self, update: Any) -> None:
        self.seen.append(update.update_id)
        if self.hold is not None:
            await self.hold.wait()
        planned = self.failing.get(update.update_id) or []
        if planned:
            assert self.intake is not None
            self.intake.note_failure(update.update_id, planned.pop(0))
            return
        self.handled.append(update.update_id)


def message(update_id: int, chat: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": WORDS,
            "chat": {"id": chat, "type": "private"},
        },
    }


@pytest.fixture
def wall(clock: FakeClock) -> FakeClock:
    return FakeClock(clock.now())


def intake_for(
    storage: Storage, clock: FakeClock, wall: FakeClock, app: Handling, worker: str = "here:1:a"
) -> Intake:
    intake = Intake(app, storage, clock, worker_id=worker, wall=wall)  # type: ignore[arg-type]
    app.intake = intake
    return intake


async def rows(storage: Storage) -> dict[int, tuple[str, int, str | None]]:
    async with storage.sessions() as session:
        found = await session.execute(
            sa.select(
                InboundUpdate.update_id,
                InboundUpdate.status,
                InboundUpdate.attempts,
                InboundUpdate.error,
            )
        )
        return {u: (status, attempts, error) for u, status, attempts, error in found}


async def test_a_failure_time_mends_is_tried_again_in_order_for_its_chat(
    storage: Storage, clock: FakeClock, wall: FakeClock
) -> None:
    app = Handling()
    app.failing[1] = [connection_lost(), connection_lost()]
    intake = intake_for(storage, clock, wall, app)
    await intake.accept([message(1, A_CHAT), message(2, A_CHAT), message(3, B_CHAT)])

    await intake.process_pending()
    # the first failed: it waits a second, and the later message of its chat waits behind it
    assert app.handled == [3]
    assert await rows(storage) == {
        1: ("pending", 1, "DBAPIError"),
        2: ("pending", 0, None),
        3: ("processed", 0, None),
    }
    wall.advance(timedelta(seconds=0.5))
    await intake.process_pending()
    assert app.seen == [1, 3]  # not due yet

    wall.advance(timedelta(seconds=0.5))
    await intake.process_pending()
    assert (await rows(storage))[1] == ("pending", 2, "DBAPIError")  # now two seconds
    wall.advance(timedelta(seconds=2))
    await intake.process_pending()
    assert app.seen == [1, 3, 1, 1, 2]
    assert app.handled == [3, 1, 2]
    assert await rows(storage) == {
        1: ("processed", 2, None),
        2: ("processed", 0, None),
        3: ("processed", 0, None),
    }
    assert (intake.retried, intake.parked, intake.processed) == (2, 0, 3)


async def test_a_failure_time_mends_is_never_parked(
    storage: Storage, clock: FakeClock, wall: FakeClock
) -> None:
    app = Handling()
    app.failing[1] = [connection_lost() for _ in range(8)]
    intake = intake_for(storage, clock, wall, app)
    await intake.accept([message(1, A_CHAT)])
    for _ in range(8):
        await intake.process_pending()
        wall.advance(timedelta(minutes=1))
    assert (await rows(storage))[1] == ("pending", 8, "DBAPIError")
    await intake.process_pending()
    assert app.handled == [1] and (await rows(storage))[1][0] == "processed"


async def test_an_update_failing_the_same_way_is_parked_then_handed_back(
    storage: Storage, clock: FakeClock, wall: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = Handling()
    app.failing[1] = [KeyError(WORDS) for _ in range(5)]
    intake = intake_for(storage, clock, wall, app)
    await intake.accept([message(1, A_CHAT), message(2, A_CHAT)])
    for _ in range(5):
        await intake.process_pending()
        assert app.handled == ([2] if (await rows(storage))[1][0] == "parked" else [])
        wall.advance(timedelta(minutes=1))
    assert await rows(storage) == {
        1: ("parked", 5, "parked: failed 5 times in a row (KeyError)"),
        2: ("processed", 0, None),
    }
    assert intake.parked == 1
    found = await queue_status(storage)
    assert [(p.queue, p.id) for p in found.parked] == [("inbox", 1)]
    assert any("update 1 set aside after failing 5 times" in r.getMessage() for r in caplog.records)
    assert not any(WORDS in r.getMessage() for r in caplog.records)

    assert await requeue_parked(storage, now=clock.now()) == (0, 1)  # the cause mended
    await intake.process_pending()
    assert app.handled == [2, 1]
    assert (await rows(storage))[1][0] == "processed"


async def test_an_update_that_cannot_be_read_is_tried_again_then_parked(
    storage: Storage, clock: FakeClock, wall: FakeClock
) -> None:
    app = Handling()
    intake = intake_for(storage, clock, wall, app)
    await intake.accept([{"update_id": 9, "message": "not a message"}])
    for _ in range(5):
        await intake.process_pending()
        wall.advance(timedelta(minutes=1))
    status, attempts, error = (await rows(storage))[9]
    assert (status, attempts) == ("parked", 5) and error is not None
    assert error.startswith("parked: failed 5 times in a row (")


async def test_starting_takes_back_only_the_claims_of_instances_that_are_gone(
    storage: Storage, clock: FakeClock, wall: FakeClock
) -> None:
    host = socket.gethostname()
    app = Handling()
    starting = intake_for(storage, clock, wall, app, worker=f"{host}:{os.getpid()}:new")
    await starting.accept([message(n, 5000 + n) for n in (1, 2, 3)])
    dead_here = f"{host}:{2**22 + 12345}:old"  # no such process
    async with storage.uow() as uow:
        await uow.inbox.claim_pending(1, worker="elsewhere:77:live", now=wall.now())
        await uow.inbox.claim_pending(2, worker=dead_here, now=wall.now())
        await uow.inbox.claim_pending(
            3, worker="elsewhere:78:gone", now=wall.now() - timedelta(seconds=30)
        )
        await uow.commit()
    assert await starting.recover() == 2
    state = {u: s for u, (s, _, _) in (await rows(storage)).items()}
    assert state == {1: "processing", 2: "pending", 3: "pending"}
    await starting.process_pending()
    assert sorted(app.handled) == [2, 3]  # the live instance's update stays its own


async def test_a_long_handling_stays_claimed_while_its_heartbeat_beats(
    storage: Storage, clock: FakeClock, wall: FakeClock
) -> None:
    app = Handling()
    app.hold = asyncio.Event()
    busy = intake_for(storage, clock, wall, app, worker="busy:1:a")
    other = intake_for(storage, clock, wall, Handling(), worker="leader:2:b")
    app.intake = busy
    await busy.accept([message(1, A_CHAT)])
    handling = asyncio.create_task(busy.process_pending())
    while not app.seen:
        await asyncio.sleep(0.01)
    for _ in range(4):  # a minute of handling, beating every 15 s
        wall.advance(timedelta(seconds=14))
        await busy.heartbeat()
        assert await other.sweep() == 0
    wall.advance(timedelta(seconds=16))  # silence: the claim is stale
    assert await other.sweep() == 1
    app.hold.set()
    await handling
    # nobody took it up meanwhile: the outcome of the one that handled it stands
    assert (await rows(storage))[1][0] == "processed"
    assert await other.process_pending() == 0
    assert app.handled == [1]
