"""Risk first, on real SQLite and PostgreSQL: triage finds a waiting crisis among ordinary
messages (one query for the senders), and start-up can tell when urgent messages are out."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.domain.outgoing import Outgoing
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.services.inbound import WaitingMessage
from prompts.catalogue import default_catalogue
from storage.uow import Storage
from tests.support.population import populate_caseloads

CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
ORDINARY = "Tidied the kitchen and read a chapter of my book."


async def test_triage_finds_the_crisis_among_ordinary_messages(
    storage: Storage, clock: FakeClock
) -> None:
    services = Services(ServiceContext(storage=storage, clock=clock,
                                       catalogue=default_catalogue()))
    pairs = await populate_caseloads(storage, therapists=2, participants=4, now=clock.now())
    writers = list(pairs)
    therapist = next(iter(pairs.values()))
    waiting = [WaitingMessage(n, writers[n % 4], writers[n % 4], n, ORDINARY) for n in range(8)]
    waiting.insert(5, WaitingMessage(99, writers[2], writers[2], 99, CRISIS))
    waiting.append(WaitingMessage(100, therapist, therapist, 100, CRISIS))  # staff: not moved
    waiting.append(WaitingMessage(101, 31337, 31337, 101, CRISIS))  # a stranger: not moved
    assert await services.triage.risky(waiting) == {99}


async def test_urgent_messages_count_until_sent_and_only_when_due(
    storage: Storage, clock: FakeClock
) -> None:
    now = clock.now()
    async with storage.uow() as uow:
        for key, priority, later in (("alert:1:0:1", 10, False), ("safety:1", 9, False),
                                     ("prompt:1", 0, False), ("alert:2:0:1", 10, True)):
            await uow.outbox.enqueue(key=key, chat_id=1, message=Outgoing("x"), kind="t",
                                     now=now, priority=priority,
                                     not_before=now + timedelta(hours=8) if later else None)
        await uow.commit()
    async with storage.uow() as uow:
        assert await uow.outbox.unsent_urgent(min_priority=9, now=now) == 2
        claimed = await uow.outbox.claim(worker="w", now=now, limit=10)
        for message in claimed:
            if message.priority >= 9:
                await uow.outbox.mark_sent(message.id, now=now, telegram_message_id=1)
        await uow.commit()
    async with storage.uow() as uow:
        assert await uow.outbox.unsent_urgent(min_priority=9, now=now) == 0
        # the alert held back by quiet hours counts once its time has come
        later = now + timedelta(hours=9)
        assert await uow.outbox.unsent_urgent(min_priority=9, now=later) == 1
