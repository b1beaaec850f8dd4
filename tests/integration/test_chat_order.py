"""Messages to one chat arrive in the order they were queued, even when the first had to
take a later slot (the process stalled past it, or an alert was handed it): a participant
reads "It's in your journal" before the question asked again after it. An urgent message
never waits for a prompt to the same chat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot

from bot.clock import SystemClock
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.redis_budget import BudgetUnavailable
from bot.delivery.telegram_sender import TelegramSender
from bot.domain.outgoing import Outgoing
from bot.simulator import FakeTelegram
from storage.pacing import Reservation
from storage.uow import Storage

# a process held up past a slot, simulated against the wall clock: run alone
pytestmark = pytest.mark.serial

CHAT = 8_001
STALL = 1.5  # seconds the process is held up past the first message's slot (> 1 s a chat)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(enforce_limits=True, strict_limits=True) as server:
        server.user(CHAT)
        yield server


async def queue(storage: Storage, *texts: tuple[str, int]) -> None:
    async with storage.uow() as uow:
        for text, priority in texts:
            await uow.outbox.enqueue(
                key=f"order:{text}",
                chat_id=CHAT,
                message=Outgoing(text),
                kind="safety" if priority else "reply",
                now=SystemClock().now(),
                priority=priority,
            )
        await uow.commit()


def stall_first_slot(dispatcher: Dispatcher) -> None:
    """The first wait for a slot ends STALL seconds late, as in a process starved of CPU."""
    pacer = dispatcher.pacer
    wait = pacer.wait_until
    stalled = False

    async def wait_until(at: float) -> None:
        nonlocal stalled
        if not stalled:
            stalled = True
            await wait(at + STALL)
        else:
            await wait(at)

    pacer.wait_until = wait_until  # type: ignore[method-assign]


async def test_a_message_that_took_a_later_slot_is_not_overtaken(
    storage: Storage, tg: FakeTelegram
) -> None:
    await queue(storage, ("Thank you. It's in your journal.", 0), ("4 of 9, asked again", 0))
    async with Bot(tg.token, base_url=f"{tg.url}/bot") as bot:
        dispatcher = Dispatcher(storage, TelegramSender(bot), SystemClock(), idle_poll=0.1)
        stall_first_slot(dispatcher)
        await dispatcher.start()
        try:
            await tg.wait_until(lambda: len(tg.user(CHAT).messages) == 2, timeout=20)
        finally:
            await dispatcher.stop()
    sent = tg.user(CHAT).messages
    assert [m.text for m in sent] == ["Thank you. It's in your journal.", "4 of 9, asked again"]
    assert sent[1].sent_at - sent[0].sent_at >= 1.0  # and the chat's pace is kept
    assert tg.rate_limited_429s == 0


async def test_an_urgent_message_does_not_wait_for_a_prompt_to_the_same_chat(
    storage: Storage, tg: FakeTelegram
) -> None:
    await queue(storage, ("a reflection question", 0))
    async with Bot(tg.token, base_url=f"{tg.url}/bot") as bot:
        dispatcher = Dispatcher(storage, TelegramSender(bot), SystemClock(), idle_poll=0.1)
        stall_first_slot(dispatcher)  # the prompt is held up past its slot
        await dispatcher.start()
        try:
            await asyncio.sleep(0.3)  # the prompt under way, held up before its slot
            await queue(storage, ("If you are in danger, call 112", 10))
            dispatcher.wake()
            await tg.wait_until(lambda: len(tg.user(CHAT).messages) == 2, timeout=20)
        finally:
            await dispatcher.stop()
    texts = [m.text for m in tg.user(CHAT).messages]
    assert texts == ["If you are in danger, call 112", "a reflection question"]


async def test_a_late_message_whose_new_slot_cannot_be_had_goes_back_to_the_queue(
    storage: Storage, tg: FakeTelegram
) -> None:
    """Held up past its slot just as the send budget is out of reach: not sent, and not
    left claimed until the stale sweep (a minute) either; back in the queue, it leaves as
    soon as the budget answers again."""
    await queue(storage, ("Thank you. It's in your journal.", 0))
    async with Bot(tg.token, base_url=f"{tg.url}/bot") as bot:
        dispatcher = Dispatcher(storage, TelegramSender(bot), SystemClock(), idle_poll=0.1)
        stall_first_slot(dispatcher)
        budget = dispatcher.pacer.budget
        retake = budget.retake
        refused = 0

        async def out_of_reach(**kwargs: Any) -> Reservation:
            nonlocal refused
            if not refused:
                refused += 1
                raise BudgetUnavailable("the send budget cannot be reached")
            return await retake(**kwargs)

        budget.retake = out_of_reach  # type: ignore[method-assign]
        await dispatcher.start()
        try:
            await tg.wait_until(lambda: len(tg.user(CHAT).messages) == 1, timeout=10)
        finally:
            await dispatcher.stop()
    assert refused == 1
    assert [m.text for m in tg.user(CHAT).messages] == ["Thank you. It's in your journal."]


async def test_a_late_message_keeps_a_chat_interval_from_another_instances_message(
    storage: Storage, tg: FakeTelegram
) -> None:
    """Two instances, one chat. The first instance is held up past its message's slot for
    longer than a chat's interval, and the second meanwhile sends its own message there:
    the late one then takes a slot a full interval after that message, not a moment after
    it (Telegram's one message a second per chat holds across instances too)."""
    await queue(storage, ("Thank you. It's in your journal.", 0))
    async with Bot(tg.token, base_url=f"{tg.url}/bot") as bot:
        late = Dispatcher(storage, TelegramSender(bot), SystemClock(), idle_poll=0.1)
        stall_first_slot(late)
        other = Dispatcher(storage, TelegramSender(bot), SystemClock(), idle_poll=0.1)
        await late.start()
        try:
            await asyncio.sleep(0.3)  # the first message is claimed, held up past its slot
            await queue(storage, ("If you are in danger, call 112", 10))
            await other.start()
            other.wake()
            await tg.wait_until(lambda: len(tg.user(CHAT).messages) == 2, timeout=20)
        finally:
            await other.stop()
            await late.stop()
    sent = tg.user(CHAT).messages
    assert [m.text for m in sent] == [
        "If you are in danger, call 112",
        "Thank you. It's in your journal.",
    ]
    assert late.late >= 1  # its slot went by, and it took a new one
    assert sent[1].sent_at - sent[0].sent_at >= 1.0
    assert tg.rate_limited_429s == 0
