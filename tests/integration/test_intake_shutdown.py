"""Stopping intake on real databases: the update in hand is finished within the grace, or
put back to be handled at the next start; nothing is left marked as being handled."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.clock import FakeClock
from bot.intake import Intake
from storage.uow import Storage


class Handling:
    """Stands in for the PTB Application: handles each update in ``seconds``."""

    bot: Any = None

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.began = asyncio.Event()
        self.finished: list[int] = []

    async def process_update(self, update: Any) -> None:
        self.began.set()
        await asyncio.sleep(self.seconds)
        self.finished.append(update.update_id)


def update(update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "a"},
    }


async def statuses(storage: Storage) -> dict[int, str]:
    from sqlalchemy import select

    from storage.models import InboundUpdate

    async with storage.sessions() as session:
        rows = await session.execute(select(InboundUpdate.update_id, InboundUpdate.status))
        return {update_id: status for update_id, status in rows}


async def test_the_update_in_hand_is_finished_within_the_grace(
    storage: Storage, clock: FakeClock
) -> None:
    app = Handling(seconds=0.3)
    intake = Intake(app, storage, clock)  # type: ignore[arg-type]
    await intake.accept([update(1), update(2)])
    await intake.start(poll=False)
    await asyncio.wait_for(app.began.wait(), timeout=5)
    await intake.stop(grace=5.0)
    assert app.finished == [1]
    assert await statuses(storage) == {1: "processed", 2: "pending"}  # 2 waits for the next start


async def test_an_update_cut_short_goes_back_to_pending(storage: Storage, clock: FakeClock) -> None:
    app = Handling(seconds=30)
    intake = Intake(app, storage, clock)  # type: ignore[arg-type]
    await intake.accept([update(7)])
    await intake.start(poll=False)
    await asyncio.wait_for(app.began.wait(), timeout=5)
    await asyncio.wait_for(intake.stop(grace=0.2), timeout=5)
    assert app.finished == []
    assert await statuses(storage) == {7: "pending"}
    async with storage.uow() as uow:
        assert [p.update_id for p in await uow.inbox.pending()] == [7]
