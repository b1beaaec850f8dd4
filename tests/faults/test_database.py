"""The database connections terminated again and again (as by an administrator, a failover
or a proxy restarting) while messages arrive and prompts go out, on PostgreSQL: every
message is stored once and answered, every prompt and alert delivered; the updates whose
handling failed were tried again, and nothing waits or is set aside at the end."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.app import ember_app
from bot.simulator import FakeTelegram
from tests.conftest import POSTGRES_URL
from tests.faults.workload import (
    Figures,
    Stopwatch,
    clinic,
    reckon,
    storage_at,
    wait_for_everything,
    write,
)
from tests.support.e2e import settings_for

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.postgres]

PARTICIPANTS = 60
ROUNDS = 16  # times every connection to Ember's database is terminated
EVERY = 0.25  # seconds between rounds


async def terminate_connections(db_url: str, rounds: int, every: float) -> list[int]:
    """Terminate every other connection to the database ``rounds`` times; how many each."""
    server = make_url(POSTGRES_URL)
    name = make_url(db_url).database
    conn = await asyncpg.connect(
        host=server.host,
        port=server.port or 5432,
        user=server.username,
        password=server.password,
        database=server.database,
    )
    terminated = []
    try:
        for _ in range(rounds):
            await asyncio.sleep(every)
            found = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            terminated.append(int(found or 0))
    finally:
        await conn.close()
    return terminated


async def test_connections_terminated_again_and_again_lose_nothing(
    pg_url: str, key: str, request: pytest.FixtureRequest
) -> None:
    watch = Stopwatch()
    async with asyncio.timeout(90), FakeTelegram() as tg, storage_at(pg_url, key) as storage:
        population = await clinic(storage, tg, PARTICIPANTS)
        async with ember_app(settings_for(tg, pg_url, key), tick_seconds=0.5) as ember:
            # the prompts fall due and the messages arrive while the connections are cut
            killer = asyncio.create_task(terminate_connections(pg_url, ROUNDS, EVERY))
            await write(tg, population, seconds=ROUNDS * EVERY)
            terminated = await killer
            await wait_for_everything(tg, population, timeout=60)
            await asyncio.sleep(1.5)  # a duplicate or a late answer would show itself now
            retried = ember.intake.retried
        figures = Figures("database connections terminated")
        await reckon(storage, tg, population, figures)
    figures.seconds = watch()
    figures.extra = {
        "termination rounds": len(terminated),
        "connections terminated": sum(terminated),
        "updates retried": retried,
    }
    figures.show(request)
    assert sum(1 for n in terminated if n) >= ROUNDS // 2, "too few connections were cut"
