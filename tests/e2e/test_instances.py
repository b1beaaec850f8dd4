"""Two Ember instances on one database, over the fake Bot API: periodic work (escalation)
runs once, on the leader; when the leader stops, the other instance carries on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.simulator import FakeTelegram
from storage.models import Escalation
from tests.e2e.test_safety import BACKUP_ID, CRISIS, care_team
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, settings_for


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


async def escalations(ember: Ember) -> int:
    async with ember.storage.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Escalation)) or 0)


@contextlib.asynccontextmanager
async def instance(tg: FakeTelegram, db: str, key: str, clock: FakeClock) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, db, key), clock=clock, tick_seconds=0.2) as running:
        yield running


async def test_escalation_runs_once_and_survives_the_leader_stopping(
    tg: FakeTelegram, e2e_db: str, key: str, clock: FakeClock
) -> None:
    first = instance(tg, e2e_db, key, clock)
    leader = await first.__aenter__()
    stopped = False
    try:
        async with instance(tg, e2e_db, key, clock) as follower:
            assert leader.leadership.is_leader and not follower.leadership.is_leader
            await care_team(leader, tg)
            backup = tg.user(BACKUP_ID)
            tg.user(PARTICIPANT_ID).send_text(CRISIS)
            await tg.user(THERAPIST_ID).wait_for_message(lambda m: "CRISIS" in (m.text or ""))

            clock.advance(timedelta(minutes=16))  # round 1, decided by the leader only
            await backup.wait_for_message(lambda m: "Escalation round 1" in (m.text or ""))
            await asyncio.sleep(1.0)  # both instances tick several times meanwhile
            assert await escalations(leader) == 1
            assert sum("Escalation round 1" in (m.text or "") for m in backup.messages) == 1

            await first.__aexit__(None, None, None)  # the leader stops cleanly
            stopped = True
            await tg.wait_until(lambda: follower.leadership.is_leader, timeout=5)
            clock.advance(timedelta(minutes=16))  # round 2 comes from the new leader
            await backup.wait_for_message(
                lambda m: "Escalation round 2" in (m.text or ""), timeout=10
            )
            assert await escalations(follower) == 2
    finally:
        if not stopped:
            await first.__aexit__(None, None, None)
