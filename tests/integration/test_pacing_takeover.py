"""An alert takes over a prompt's slot, on real SQLite and PostgreSQL: it leaves in the
current second, the prompt takes a new, later slot and is still sent exactly once, and
neither Telegram's 30 a second nor one a second per chat is ever exceeded, whichever of
several instances does what."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.clock import SystemClock
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.pacing import PER_CHAT_INTERVAL, Pacer, slot_token
from bot.delivery.telegram_sender import TelegramSender
from bot.domain.outgoing import Outgoing
from bot.simulator import FakeTelegram
from storage.uow import Storage

RATE = 29.0
GAP = 1.0 / RATE


class Wall:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def pacers(storage: Storage, wall: Wall, n: int) -> list[Pacer]:
    """``n`` instances on one database (each with its own memory, as separate processes)."""
    return [Pacer(storage, rate=RATE, horizon=0.15, wall=wall) for _ in range(n)]


def most_in_any_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if s <= t < s + 1.0 - 1e-9) for s in ordered)


async def test_an_alert_takes_the_earliest_prompt_slot_and_the_prompt_a_later_one(
    storage: Storage,
) -> None:
    wall = Wall()
    prompts, alerts = pacers(storage, wall, 2)
    chats = [100, 101, 102, 103, 104]
    tokens = [slot_token(c) for c in chats]
    slots, _ = await prompts.reserve_many(chats, tokens=tokens)
    assert len(slots) == 5  # the horizon holds 0.15 s: five slots at 29/s
    tail = max(slots.values()) + GAP

    alert = await alerts.reserve(999, urgent=True)
    # the earliest slot far enough ahead to be taken (not the one due now), not the tail
    assert alert.taken_over and alert.at == pytest.approx(slots[101])
    assert alert.at < tail

    token_of = dict(zip(chats, tokens, strict=True))
    assert not await prompts.lock_in(token_of[101])  # its sender finds the slot gone
    again = (await prompts.retake(101)).at
    assert again == pytest.approx(tail)  # a new slot, after everything reserved
    for chat in (100, 102, 103, 104):
        assert await prompts.lock_in(token_of[chat])  # the others keep theirs
    assert not await prompts.lock_in(token_of[100])  # locked in once only

    # what leaves, when: never two messages in one slot, never over 30 a second
    assert alert.at is not None and again is not None
    sent = [slots[c] for c in (100, 102, 103, 104)] + [alert.at, again]
    assert len({round(t, 6) for t in sent}) == len(sent)
    assert most_in_any_second(sent) <= 30
    # the prompt's chat is held from its new slot on; the alert's chat from the taken slot
    assert prompts.chat_ready_in(101) == pytest.approx(again + PER_CHAT_INTERVAL - wall.t)
    held = await prompts.reserve(999, urgent=True)
    assert held.at is None and held.chat_busy


async def test_a_locked_in_slot_is_never_taken_over(storage: Storage) -> None:
    wall = Wall()
    prompts, alerts = pacers(storage, wall, 2)
    chats = [200, 201, 202]
    tokens = [slot_token(c) for c in chats]
    slots, _ = await prompts.reserve_many(chats, tokens=tokens)
    for token in tokens:
        assert await prompts.lock_in(token)
    alert = await alerts.reserve(998, urgent=True)
    assert not alert.taken_over  # nothing left to take: the next free slot
    assert alert.at == pytest.approx(max(slots.values()) + GAP)


async def test_an_alert_to_a_busy_chat_takes_nothing_over(storage: Storage) -> None:
    wall = Wall()
    prompts, alerts = pacers(storage, wall, 2)
    chats = [300, 301, 302, 303]
    tokens = [slot_token(c) for c in chats]
    await prompts.reserve_many(chats, tokens=tokens)
    first = await alerts.reserve(997, urgent=True)
    assert first.taken_over
    busy = await alerts.reserve(997, urgent=True)  # the same therapist a moment later
    assert busy.at is None and busy.chat_busy
    kept = [await prompts.lock_in(t) for t in tokens]
    assert kept.count(False) == 1  # only the first alert displaced a prompt


async def test_no_takeover_when_the_schedule_is_free(storage: Storage) -> None:
    wall = Wall()
    (pacer,) = pacers(storage, wall, 1)
    alert = await pacer.reserve(996, urgent=True)
    assert alert.at == pytest.approx(wall.t) and not alert.taken_over


async def test_instances_racing_for_prompt_slots_each_take_a_different_one(
    storage: Storage,
) -> None:
    wall = Wall()
    instances = pacers(storage, wall, 4)
    chats = list(range(400, 405))
    tokens = [slot_token(c) for c in chats]
    slots, _ = await instances[0].reserve_many(chats, tokens=tokens)
    # four instances at once, twelve alerts: the prompts' slots go one to each alert at
    # most, the rest take the next free slots, and the prompts lock in or move on
    alerts = await asyncio.gather(
        *(instances[i % 4].reserve(5000 + i, urgent=True) for i in range(12))
    )
    locks = await asyncio.gather(*(instances[1].lock_in(t) for t in tokens))
    moved = [
        (await instances[0].retake(c)).at for c, kept in zip(chats, locks, strict=True) if not kept
    ]
    taken = [a for a in alerts if a.taken_over]
    assert len(taken) == locks.count(False) >= 1
    assert all(a.at is not None for a in alerts)
    prompt_times = [slots[c] for c, kept in zip(chats, locks, strict=True) if kept]
    sent = prompt_times + [a.at for a in alerts if a.at is not None] + moved
    assert len(sent) == len(chats) + 12  # every prompt and every alert has one slot
    assert len({round(t, 6) for t in sent}) == len(sent)  # never two in one slot
    gaps = [b - a for a, b in itertools.pairwise(sorted(sent))]
    assert min(gaps) >= GAP - 1e-6  # evenly spaced as before: nothing squeezed in
    assert most_in_any_second(sent) <= 30


# -- through the dispatcher, two instances, the fake Bot API's strict limiter ----------

PROMPTS = 80
FIRST_CHAT = 60_000
THERAPISTS = [59_001, 59_002, 59_003, 59_004, 59_005, 59_006]


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(enforce_limits=True, strict_limits=True) as server:
        for chat in [*THERAPISTS, *range(FIRST_CHAT, FIRST_CHAT + PROMPTS)]:
            server.user(chat)
        yield server


async def queue(storage: Storage, key: str, chat: int, text: str, priority: int) -> None:
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


async def test_prompts_whose_slot_an_alert_took_are_still_sent_exactly_once(
    storage: Storage, tg: FakeTelegram
) -> None:
    for n in range(PROMPTS):
        await queue(storage, f"prompt:{n}", FIRST_CHAT + n, f"check-in {n}", 0)
    async with Bot(tg.token, base_url=f"{tg.url}/bot") as bot:
        # prompts reserve much further ahead than usual (2 s), so that alerts find slots to
        # take however busy the machine running the test is
        instances = [
            Dispatcher(
                storage,
                TelegramSender(bot),
                SystemClock(),
                pacer=Pacer(storage, horizon=2.0),
                idle_poll=0.2,
            )
            for _ in range(2)
        ]
        for dispatcher in instances:
            await dispatcher.start()
        try:
            await tg.wait_until(lambda: len(tg.sent) >= 10, timeout=30)
            for n, therapist in enumerate(THERAPISTS):
                await queue(storage, f"alert:{n}", therapist, f"CRISIS alert {n}", 10)
                instances[n % 2].wake()
                await asyncio.sleep(0.3)
            await tg.wait_until(lambda: len(tg.sent) >= PROMPTS + len(THERAPISTS), timeout=60)
            await asyncio.sleep(0.5)  # a duplicate would show itself
        finally:
            for dispatcher in instances:
                await dispatcher.stop()
    prompts = Counter(m.chat_id for m in tg.sent if m.chat_id >= FIRST_CHAT)
    assert sorted(prompts) == list(range(FIRST_CHAT, FIRST_CHAT + PROMPTS))
    assert set(prompts.values()) == {1}  # every prompt once, those displaced too
    assert all(len(tg.user(t).messages) == 1 for t in THERAPISTS)
    assert sum(d.pacer.taken_over for d in instances) >= 1  # alerts did take prompt slots
    assert tg.rate_limited_429s == 0
    assert most_in_any_second([m.sent_at for m in tg.sent]) <= 30
