"""The send budget in Redis (EMBER_REDIS_URL), against a real Redis server: instances
sharing it never exceed 30 messages in any second nor one a second per chat, a 429's
pause holds for all of them, alerts take over prompts' slots as with the database; an
unreachable Redis at start-up is one line naming the setting, and a Redis lost while
running sends nothing and loses nothing.

Without a Redis server these tests are skipped, loudly: set EMBER_TEST_REDIS_URL (default
redis://127.0.0.1:6379/0) to one.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import warnings
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.clock import SystemClock
from bot.config import load_settings
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.pacing import PER_CHAT_INTERVAL, Pacer, slot_token
from bot.delivery.redis_budget import BudgetUnavailable, RedisBudget
from bot.delivery.telegram_sender import TelegramSender
from bot.domain.outgoing import Outgoing
from bot.errors import ConfigError
from bot.simulator import FakeTelegram
from storage.models import OutboxStatus
from storage.uow import Storage

REDIS_URL = os.environ.get("EMBER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DEAD_URL = "redis://127.0.0.1:1/0"  # nothing listens there
RATE = 29.0
GAP = 1.0 / RATE


async def redis_unavailable() -> str | None:
    from redis import asyncio as aioredis

    client = aioredis.from_url(REDIS_URL, socket_connect_timeout=1.0)
    try:
        await client.ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        await client.aclose()
    return None


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own on the Redis server; its keys are removed after."""
    reason = await redis_unavailable()
    if reason:
        message = (
            f"NO REDIS SERVER AT {REDIS_URL} ({reason}): THE REDIS SEND-BUDGET TESTS DID NOT "
            "RUN. Start one, or point EMBER_TEST_REDIS_URL at one."
        )
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    name = f"ember-test:{secrets.token_hex(6)}:"
    yield name
    from redis import asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=name + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


class Wall:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def budgets(storage: Storage, prefix: str, n: int) -> list[RedisBudget]:
    """``n`` instances' budgets, each with its own connection to the one Redis."""
    return [RedisBudget(REDIS_URL, storage, prefix=prefix) for _ in range(n)]


def pacers(storage: Storage, found: list[RedisBudget], wall: Wall) -> list[Pacer]:
    return [Pacer(storage, rate=RATE, horizon=0.15, wall=wall, budget=b) for b in found]


def most_in_any_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if s <= t < s + 1.0 - 1e-9) for s in ordered)


async def close(found: list[RedisBudget]) -> None:
    for b in found:
        await b.close()


async def test_two_instances_on_one_redis_never_exceed_the_limits(
    storage: Storage, prefix: str
) -> None:
    wall = Wall()
    found = budgets(storage, prefix, 2)
    a, b = pacers(storage, found, wall)
    try:
        slots: list[float] = []
        for i in range(90):  # three seconds' worth, from both, at once and in turn
            first, second = await asyncio.gather(
                a.reserve(1000 + 2 * i, urgent=True), b.reserve(1001 + 2 * i, urgent=True)
            )
            assert first.at is not None and second.at is not None
            slots += [first.at, second.at]
        ordered = sorted(slots)
        assert len(set(ordered)) == len(ordered)
        assert all(y - x == pytest.approx(GAP, abs=1e-5) for x, y in itertools.pairwise(ordered))
        assert most_in_any_second(slots) <= 30
        # one chat: one message a second, whichever instance asks
        mine = await a.reserve(42, urgent=True)
        theirs = await b.reserve(42, urgent=True)
        assert mine.at is not None
        assert theirs.at is None and theirs.chat_busy
        assert theirs.retry_in == pytest.approx(mine.at + PER_CHAT_INTERVAL - wall.t, abs=1e-5)
        # ordinary messages reserve only within the horizon, as with the database
        wall.t += 10.0
        taken, _ = await a.reserve_many(list(range(2000, 2010)))
        assert len(taken) == int(0.15 / GAP) + 1
        more, retry_in = await b.reserve_many([2100])
        assert more == {} and 0 < retry_in <= GAP
    finally:
        await close(found)


async def test_a_429_is_honoured_by_every_instance(storage: Storage, prefix: str) -> None:
    wall = Wall()
    found = budgets(storage, prefix, 2)
    a, b = pacers(storage, found, wall)
    try:
        await a.hold_chat(8, 5.0)  # Telegram: retry_after 5 in chat 8
        held = await b.reserve(8, urgent=True)
        assert held.at is None and held.chat_busy
        assert held.retry_in == pytest.approx(5.0, abs=1e-5)
        await a.pause_all(3.0)  # a bot-wide 429
        slot = await b.reserve(7, urgent=True)
        assert slot.at is not None and slot.at >= wall.t + 3.0
        wall.t += 6.0
        assert (await b.reserve(8, urgent=True)).at is not None
    finally:
        await close(found)


async def test_an_alert_takes_over_a_prompt_slot_in_redis(storage: Storage, prefix: str) -> None:
    wall = Wall()
    found = budgets(storage, prefix, 2)
    prompts, alerts = pacers(storage, found, wall)
    try:
        chats = [100, 101, 102, 103, 104]
        tokens = [slot_token(c) for c in chats]
        slots, _ = await prompts.reserve_many(chats, tokens=tokens)
        assert len(slots) == 5
        tail = max(slots.values()) + GAP
        alert = await alerts.reserve(999, urgent=True)
        assert alert.taken_over and alert.at == pytest.approx(slots[101], abs=1e-5)
        kept = [await prompts.lock_in(t) for t in tokens]
        assert kept == [True, False, True, True, True]
        again = (await prompts.retake(101)).at
        assert again is not None and alert.at is not None
        assert again == pytest.approx(tail, abs=1e-5)
        sent = [slots[c] for c in (100, 102, 103, 104)] + [alert.at, again]
        assert len({round(t, 5) for t in sent}) == len(sent)
        # racing instances: each prompt slot goes to one alert at most
        wall.t += 10.0
        tokens = [slot_token(c) for c in chats]
        slots, _ = await prompts.reserve_many(chats, tokens=tokens)
        raced = await asyncio.gather(
            *(p.reserve(5000 + i, urgent=True) for i, p in enumerate([prompts, alerts] * 5))
        )
        kept = [await prompts.lock_in(t) for t in tokens]
        took = [r.at for r in raced if r.taken_over]
        assert len(took) == kept.count(False) and len(set(took)) == len(took)
    finally:
        await close(found)


async def test_redis_unreachable_at_start_up_is_one_line_naming_the_setting(
    storage: Storage,
) -> None:
    budget = RedisBudget(DEAD_URL, storage, timeout=0.5)
    try:
        with pytest.raises(ConfigError) as caught:
            await budget.check()
    finally:
        await budget.close()
    line = str(caught.value)
    assert "EMBER_REDIS_URL" in line and "127.0.0.1:1" in line and "\n" not in line


def test_a_malformed_redis_url_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="EMBER_REDIS_URL"):
        load_settings(redis_url="http://127.0.0.1:6379")
    assert load_settings(redis_url="").redis_url is None  # empty: the database budget
    assert load_settings(redis_url="redis://cache:6379/2").redis_url == "redis://cache:6379/2"


# -- Redis lost while running: the dispatcher ------------------------------------------


async def queue(storage: Storage, key: str, chat: int, text: str, priority: int = 0) -> None:
    async with storage.uow() as uow:
        await uow.outbox.enqueue(
            key=key,
            chat_id=chat,
            message=Outgoing(text),
            kind="alert" if priority else "prompt",
            now=SystemClock().now(),
            priority=priority,
        )
        await uow.commit()


class LosesRedis(RedisBudget):
    """A budget whose Redis goes away when told to, and comes back."""

    lost = False

    async def _run(self, script: str, *args: str | int) -> object:
        if self.lost:
            raise BudgetUnavailable("Redis: ConnectionError")
        return await super()._run(script, *args)

    async def lock_in(self, token: str) -> bool:
        if self.lost:
            raise BudgetUnavailable("Redis: ConnectionError")
        return await super().lock_in(token)


async def test_redis_lost_while_running_sends_nothing_and_loses_nothing(
    storage: Storage, prefix: str
) -> None:
    chats = list(range(70_000, 70_030))
    async with FakeTelegram(enforce_limits=True, strict_limits=True) as tg:
        for chat in [69_999, *chats]:
            tg.user(chat)
        for n, chat in enumerate(chats):
            await queue(storage, f"prompt:{n}", chat, f"check-in {n}")
        budget = LosesRedis(REDIS_URL, storage, prefix=prefix)
        async with Bot(tg.token, base_url=f"{tg.url}/bot") as bot:
            dispatcher = Dispatcher(
                storage,
                TelegramSender(bot),
                SystemClock(),
                pacer=Pacer(storage, budget=budget),
                idle_poll=0.2,
            )
            await dispatcher.start()
            try:
                await tg.wait_until(lambda: len(tg.sent) >= 5, timeout=30)
                budget.lost = True  # some slots taken, some locked in, some not yet
                await asyncio.sleep(0.3)
                during = len(tg.sent)
                await queue(storage, "alert:lost", 69_999, "CRISIS alert", 10)
                dispatcher.wake()
                await asyncio.sleep(1.5)
                assert len(tg.sent) == during  # nothing goes out on no budget at all
                budget.lost = False
                await tg.wait_until(lambda: len(tg.sent) >= len(chats) + 1, timeout=60)
                await asyncio.sleep(0.5)
            finally:
                await dispatcher.stop()
                await budget.close()
        prompts = Counter(m.chat_id for m in tg.sent if m.chat_id in chats)
        assert sorted(prompts) == chats and set(prompts.values()) == {1}
        assert len(tg.user(69_999).messages) == 1
        assert tg.rate_limited_429s == 0
        assert most_in_any_second([m.sent_at for m in tg.sent]) <= 30
    async with storage.uow() as uow:
        counts = await uow.outbox.counts()
    assert counts.get(OutboxStatus.SENT, 0) == len(chats) + 1


async def test_a_handed_over_slot_takes_the_chat_in_redis(storage: Storage, prefix: str) -> None:
    """An alert in a slot its instance's prompt had locked in holds the chat for all."""
    wall = Wall()
    found = budgets(storage, prefix, 2)
    a, b = pacers(storage, found, wall)
    try:
        prompt = await a.reserve(100, urgent=False)
        assert prompt.at is not None
        assert await a.take_chat(7, prompt.at)
        busy = await b.reserve(7, urgent=True)
        assert busy.at is None and busy.chat_busy
        assert not await b.take_chat(7, prompt.at + 0.05)
    finally:
        await close(found)
