"""Telegram misbehaving while messages arrive and prompts, answers and alerts go out: 429
storms, 5xx answers, timeouts, dropped connections, on sends and on getUpdates alike.
Nothing a participant wrote is lost or stored twice, everything due is delivered, and a
message arrives twice only where its send was recorded as ambiguous."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.app import ember_app
from bot.simulator import FakeTelegram
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

pytestmark = [pytest.mark.faults, pytest.mark.slow]

PARTICIPANTS = 40


def storm_of_429s(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=1, count=30)
    tg.fail_next("getUpdates", status=429, retry_after=1, count=2)


def server_errors(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", status=500, description="Internal Server Error", count=12)
    tg.fail_next("sendMessage", status=502, description="Bad Gateway", count=12)
    tg.fail_next("getUpdates", status=502, description="Bad Gateway", count=2)


def timeouts(tg: FakeTelegram) -> None:
    # the answer is late: sent all the same (ambiguous), or not sent at all
    tg.timeout_next("sendMessage", after_processing=True, delay=2.0, count=4)
    tg.timeout_next("sendMessage", after_processing=False, delay=2.0, count=4)


def dropped_connections(tg: FakeTelegram) -> None:
    tg.drop_connection_next("sendMessage", after_processing=False, count=5)
    tg.drop_connection_next("sendMessage", after_processing=True, count=5)
    tg.drop_connection_next("getUpdates", after_processing=True)
    tg.drop_connection_next("getUpdates", after_processing=False)


@pytest.mark.parametrize(
    "inject",
    [storm_of_429s, server_errors, timeouts, dropped_connections],
    ids=["429-storms", "5xx", "timeouts", "dropped-connections"],
)
async def test_telegram_failing_loses_nothing_and_duplicates_only_ambiguous_sends(
    inject: Callable[[FakeTelegram], None],
    file_url: str,
    key: str,
    request: pytest.FixtureRequest,
) -> None:
    watch = Stopwatch()
    async with asyncio.timeout(90), FakeTelegram() as tg, storage_at(file_url, key) as storage:
        population = await clinic(storage, tg, PARTICIPANTS)
        settings = settings_for(tg, file_url, key)
        async with ember_app(settings, tick_seconds=0.5, read_timeout=1.0) as ember:
            inject(tg)
            faults = len(tg.faults)
            await write(tg, population)
            await wait_for_everything(tg, population, timeout=60)
            await asyncio.sleep(1.5)  # a duplicate or a late answer would show itself now
            injected = sum(1 for call in tg.calls if call.fault)
            retried = ember.intake.retried
        figures = Figures(inject.__name__.replace("_", " "))
        await reckon(storage, tg, population, figures)
    figures.seconds = watch()
    figures.extra = {
        "faults met": injected,
        "429s from flood control": tg.rate_limited_429s,
        "updates retried": retried,
    }
    figures.show(request)
    assert faults and len(tg.faults) < faults, "no injected fault was met; it proves nothing"
