"""Edits through the outbox, on SQLite and PostgreSQL: an edit row waits for the message it
edits, is sent as an edit once that message is sent, retried like any message, and dropped
when there is nothing to edit; a waiting copy is rewritten only while no worker holds it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.pacing import Pacer
from bot.delivery.retry import DeliveryError, DeliveryErrorKind
from bot.domain.outgoing import Button, OutboxStatus, Outgoing
from storage.models import OutboxMessage
from storage.uow import Storage

ALERT = Outgoing("alert", buttons=((Button("Acknowledge", "ack:flag:1"),),))
DONE = Outgoing("alert\n\nAcknowledged by T-02")


async def enqueue(
    storage: Storage,
    clock: FakeClock,
    key: str,
    message: Outgoing,
    *,
    topic: str | None = None,
    edits: int | None = None,
) -> int:
    async with storage.uow() as uow:
        await uow.outbox.enqueue(
            key=key,
            chat_id=11,
            message=message,
            kind="edit" if edits else "alert",
            now=clock.now(),
            topic=topic,
            edits_id=edits,
            priority=10,
        )
        await uow.commit()
    return (await row(storage, key)).id


async def row(storage: Storage, key: str) -> OutboxMessage:
    async with storage.sessions() as session:
        return (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        ).one()


async def status(storage: Storage, key: str) -> tuple[str, str | None]:
    found = await row(storage, key)
    return found.status, found.last_error


async def claim(storage: Storage, clock: FakeClock, worker: str = "w") -> list[str]:
    async with storage.uow() as uow:
        claimed = await uow.outbox.claim(worker=worker, now=clock.now(), limit=10)
        await uow.commit()
    return [c.key for c in claimed]


class TestEditRows:
    async def test_an_edit_waits_until_the_message_it_edits_is_sent(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        original = await enqueue(storage, clock, "alert:1:0:5", ALERT, topic="alert:1")
        await enqueue(storage, clock, "edit:orig", DONE, edits=original)
        assert await claim(storage, clock) == ["alert:1:0:5"]  # the edit is not due yet
        async with storage.uow() as uow:
            await uow.outbox.mark_sending(original, now=clock.now())
            await uow.commit()
        assert await claim(storage, clock) == []  # in flight: still waiting
        async with storage.uow() as uow:
            await uow.outbox.mark_sent(original, now=clock.now(), telegram_message_id=77)
            await uow.commit()
        async with storage.uow() as uow:
            [edit] = await uow.outbox.claim(worker="w", now=clock.now(), limit=10)
            await uow.commit()
        assert (edit.key, edit.edit_of, edit.edit_message_id) == ("edit:orig", original, 77)
        assert edit.message.buttons == () and "Acknowledged" in edit.message.text

    async def test_an_edit_of_a_message_that_failed_has_nothing_to_edit(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        original = await enqueue(storage, clock, "alert:1:0:5", ALERT, topic="alert:1")
        await enqueue(storage, clock, "edit:orig", DONE, edits=original)
        async with storage.uow() as uow:
            await uow.outbox.mark_failed(original, error="blocked")
            await uow.commit()
        async with storage.uow() as uow:
            [edit] = await uow.outbox.claim(worker="w", now=clock.now(), limit=10)
            assert edit.is_edit and edit.edit_message_id is None
            await uow.outbox.cancel([edit.id], reason="nothing to edit")
            await uow.commit()
        assert await status(storage, "edit:orig") == ("cancelled", "nothing to edit")


class TestCopies:
    async def test_every_copy_of_an_alert_is_found_but_not_the_edits_of_them(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        first = await enqueue(storage, clock, "alert:1:0:5", ALERT, topic="alert:1")
        await enqueue(storage, clock, "alert:1:1:6", ALERT, topic="alert:1")
        await enqueue(storage, clock, "alert:2:0:5", ALERT, topic="alert:2")
        await enqueue(storage, clock, "edit:first", DONE, edits=first)
        async with storage.uow() as uow:
            copies = await uow.outbox.copies("alert:1")
        assert [c.key for c in copies] == ["alert:1:0:5", "alert:1:1:6"]
        assert all(c.status is OutboxStatus.PENDING for c in copies)
        assert copies[0].message.buttons[0][0].data == "ack:flag:1"

    async def test_a_waiting_copy_is_rewritten_but_one_a_worker_holds_is_not(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        waiting = await enqueue(storage, clock, "alert:1:0:5", ALERT, topic="alert:1")
        held = await enqueue(storage, clock, "alert:1:0:6", ALERT, topic="alert:1")
        async with storage.uow() as uow:  # a worker takes one of them
            await uow.outbox.mark_sending(held, now=clock.now())
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.outbox.rewrite_pending(waiting, DONE)
            assert not await uow.outbox.rewrite_pending(held, DONE)
            await uow.commit()
        async with storage.uow() as uow:
            texts = {c.key: c.message for c in await uow.outbox.copies("alert:1")}
        assert texts["alert:1:0:5"] == DONE
        assert texts["alert:1:0:6"] == ALERT

    async def test_a_rewrite_after_a_concurrent_claim_changes_nothing(
        self, storage: Storage, clock: FakeClock, db_url: str
    ) -> None:
        """The claim wins the race: the rewrite sees the row is no longer waiting."""
        if db_url.startswith("sqlite"):
            pytest.skip("SQLite takes one writer at a time: the two cannot overlap")
        waiting = await enqueue(storage, clock, "alert:1:0:5", ALERT, topic="alert:1")
        async with storage.uow() as uow:
            [copy] = await uow.outbox.copies("alert:1")
            assert copy.status is OutboxStatus.PENDING
            assert await claim(storage, clock, "other") == ["alert:1:0:5"]
            assert not await uow.outbox.rewrite_pending(waiting, DONE)
            await uow.commit()


class RecordingSender:
    """A MessageSender that records what it is asked and fails as scripted."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.edits: list[tuple[int, int, str, int]] = []  # chat, message id, text, buttons
        self.edit_failures: list[DeliveryError] = []
        self.next_id = 100

    async def send(self, chat_id: int, message: Outgoing) -> int:
        self.next_id += 1
        self.sent.append((chat_id, message.text))
        return self.next_id

    async def edit(self, chat_id: int, message_id: int, message: Outgoing) -> None:
        if self.edit_failures:
            raise self.edit_failures.pop(0)
        self.edits.append((chat_id, message_id, message.text, len(message.buttons)))


async def eventually(condition: Callable[[], object], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


class TestDispatcherEdits:
    async def test_an_edit_is_sent_after_its_message_and_retried_after_a_5xx_and_a_429(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        sender = RecordingSender()
        sender.edit_failures = [
            DeliveryError(DeliveryErrorKind.SERVER_ERROR, "Bad Gateway"),
            DeliveryError(DeliveryErrorKind.RATE_LIMITED, "429", 1.0),
        ]
        dispatcher = Dispatcher(
            storage, sender, clock, pacer=Pacer(storage, chat_interval=0.0), idle_poll=0.05
        )
        original = await enqueue(storage, clock, "alert:1:0:5", ALERT, topic="alert:1")
        await enqueue(storage, clock, "edit:orig", DONE, edits=original)
        await dispatcher.start()
        try:
            await eventually(lambda: len(sender.edit_failures) == 1)  # the 5xx came back
            assert sender.sent == [(11, "alert")]
            await asyncio.sleep(0.2)
            assert sender.edit_failures and sender.edits == []  # waiting for its backoff
            clock.advance(timedelta(seconds=3))
            dispatcher.wake()
            await eventually(lambda: not sender.edit_failures)  # then the 429
            while (await status(storage, "edit:orig"))[1] != "rate_limited: 429":
                await asyncio.sleep(0.02)  # recorded, with its retry time, before time moves
            clock.advance(timedelta(seconds=2))  # past its retry_after
            dispatcher.wake()
            await eventually(lambda: sender.edits)
        finally:
            await dispatcher.stop()
        assert sender.edits == [(11, 101, DONE.text, 0)]
        assert await status(storage, "edit:orig") == ("sent", "rate_limited: 429")
        assert (await row(storage, "edit:orig")).telegram_message_id == 101

    async def test_an_edit_of_a_message_that_failed_is_dropped_without_a_request(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        sender = RecordingSender()
        original = await enqueue(storage, clock, "alert:1:0:5", ALERT, topic="alert:1")
        await enqueue(storage, clock, "edit:orig", DONE, edits=original)
        async with storage.uow() as uow:
            await uow.outbox.mark_failed(original, error="blocked")
            await uow.commit()
        dispatcher = Dispatcher(
            storage, sender, clock, pacer=Pacer(storage, chat_interval=0.0), idle_poll=0.05
        )
        await dispatcher.start()
        try:
            for _ in range(100):
                if (await status(storage, "edit:orig"))[0] == "cancelled":
                    break
                await asyncio.sleep(0.05)
        finally:
            await dispatcher.stop()
        assert (await status(storage, "edit:orig"))[0] == "cancelled"
        assert sender.sent == [] and sender.edits == []
