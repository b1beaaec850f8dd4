"""A message or an update that no configured key opens (its key removed too early, or the
value damaged) is parked and reported; it never holds up the queue behind it: a crisis
written after it is still answered, and its alert still reaches the therapist."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.domain.outgoing import Outgoing
from bot.simulator import FakeTelegram
from storage.crypto import Cipher, generate_key
from storage.models import InboundUpdate, OutboxMessage
from storage.outbox import UNREADABLE, Outbox
from storage.queues import queue_status
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
LOST_ALERT = "an alert queued under the key that was removed"
LOST_UPDATE = "a message received under the key that was removed"


@pytest.fixture
async def running(tg: FakeTelegram, e2e_db: str, key: str) -> AsyncIterator[Ember]:
    clock = FakeClock(datetime.now(UTC))
    async with ember_app(settings_for(tg, e2e_db, key), clock=clock, tick_seconds=0.2) as ember:
        yield ember


async def queue_under_a_removed_key(ember: Ember) -> tuple[int, int]:
    """An urgent outbox message and a received update sealed under a key Ember no longer
    has, as after removing an old key before `ember keys rotate`: (message id, update id)."""
    lost = Cipher([generate_key().encode()])
    async with ember.storage.sessions() as session:
        await Outbox(session, lost).enqueue(
            key="alert:lost",
            chat_id=THERAPIST_ID,
            message=Outgoing(LOST_ALERT),
            kind="alert",
            now=ember.clock.now(),
            priority=100,
        )
        message_id = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == "alert:lost")
        )
        # an update Ember received long ago, back to unprocessed, its payload under the lost key
        update_id = await session.scalar(select(func.min(InboundUpdate.update_id)))
        await session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == update_id)
            .values(status="pending", payload_enc=lost.seal(LOST_UPDATE))
        )
        await session.commit()
    assert message_id is not None and update_id is not None
    return message_id, update_id


class TestUnreadableRows:
    async def test_a_crisis_behind_an_unreadable_message_and_update_is_answered_and_alerted(
        self, running: Ember, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
    ) -> None:
        await enroll_pair(running, tg)
        caplog.set_level(logging.INFO)
        message_id, update_id = await queue_under_a_removed_key(running)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        catalogue = running.catalogue

        alex.send_text(CRISIS)
        first_line = catalogue.text("safety.crisis", "en", crisis="").splitlines()[0]
        safety = await alex.wait_for_message(lambda m: (m.text or "").startswith(first_line))
        assert "0800 111 0 111" in (safety.text or "")
        header = catalogue.text("alert.header", "en", tier="CRISIS", code="P-0142", flag=1)
        alert = await therapist.wait_for_message(lambda m: header in (m.text or ""))
        assert "pills" in (alert.text or "")
        assert not any(LOST_ALERT in (m.text or "") for m in therapist.messages)

        async with running.storage.sessions() as session:
            message = await session.get(OutboxMessage, message_id)
            stored = await session.get(InboundUpdate, update_id)
        assert message is not None and message.status == "parked"
        assert message.last_error == UNREADABLE
        assert stored is not None and stored.status == "parked"
        found = await queue_status(running.storage)
        assert {(p.queue, p.id) for p in found.parked} == {
            ("outbox", message_id),
            ("inbox", update_id),
        }
        assert found.outbox["parked"] == 1 and found.inbox["parked"] == 1

        logged = [r.getMessage() for r in caplog.records]
        assert f"outbox message {message_id} (alert) set aside: {UNREADABLE}" in logged
        assert any(line.startswith(f"stored update {update_id} set aside") for line in logged)
        for line in logged:
            assert LOST_ALERT not in line and LOST_UPDATE not in line and "pills" not in line
