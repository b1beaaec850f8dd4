"""Acknowledging on real databases (SQLite and PostgreSQL): two acknowledgements at once
record one, and an escalation round still in progress when someone acknowledges finishes
first, so the copies it queued are changed too."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain import Role
from bot.domain.people import Person
from bot.services import escalation
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.services.inbound import InboundMessage
from prompts.catalogue import default_catalogue
from storage.models import AuditEvent, OutboxMessage
from storage.uow import Storage
from tests.support.builders import PARTICIPANT_ID, clinic, enroll, sender

CRISIS = "I have the pills here and I will take them all tonight to end my life."


@pytest.fixture
def services(storage: Storage, clock: FakeClock) -> Services:
    return Services(ServiceContext(storage=storage, clock=clock, catalogue=default_catalogue()))


async def crisis_with_backup(services: Services) -> tuple[Person, Person, int]:
    """T-01 with P-0142 and backup T-02; a crisis message; returns (T-01, T-02, flag id)."""
    therapist, participant = await clinic(services)
    backup = await enroll(services, Role.THERAPIST, "T-02", 7002)
    await services.staffing.set_therapist("T-01", backup="T-02")
    await services.journal.record(
        participant, InboundMessage(sender(PARTICIPANT_ID, 10), 10, "text", CRISIS)
    )
    async with services.ctx.uow() as uow:
        [(flag, _)] = await uow.flags.open_flags()
    return therapist, backup, flag.id


async def outbox(storage: Storage) -> list[OutboxMessage]:
    async with storage.sessions() as session:
        return list((await session.scalars(select(OutboxMessage))).all())


async def audit(storage: Storage, action: str) -> int:
    async with storage.sessions() as session:
        rows = await session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return len(rows.all())


class TestAtOnce:
    async def test_two_acknowledgements_at_once_record_one(
        self, services: Services, storage: Storage
    ) -> None:
        therapist, backup, flag_id = await crisis_with_backup(services)
        first, second = await asyncio.gather(
            services.escalation.acknowledge(therapist, flag_id=flag_id),
            services.escalation.acknowledge(backup, flag_id=flag_id),
        )
        assert sorted([first.first, second.first]) == [False, True]
        winner, loser = (first, second) if first.first else (second, first)
        assert loser.by == winner.by and loser.flag_id == winner.flag_id == flag_id
        assert await audit(storage, "alert.acknowledged") == 1
        [alert_copy] = [r for r in await outbox(storage) if r.kind == "alert"]
        assert alert_copy.status == "pending"  # still waiting: rewritten, not edited
        assert "ack:" not in storage.cipher.open(alert_copy.payload_enc)
        assert [r for r in await outbox(storage) if r.kind == "edit"] == []

    async def test_an_escalation_round_in_progress_finishes_first_and_its_copies_change_too(
        self, services: Services, storage: Storage, clock: FakeClock
    ) -> None:
        therapist, _, flag_id = await crisis_with_backup(services)
        clock.advance(timedelta(minutes=16))
        catalogue = services.ctx.catalogue
        async with storage.uow() as round_one:
            assert (
                await escalation.escalate_due(
                    round_one, now=clock.now(), catalogue=catalogue, policy=services.ctx.policy
                )
                == 1
            )
            # someone acknowledges while the round is not yet committed: they wait for it
            acknowledging = asyncio.create_task(
                services.escalation.acknowledge(therapist, flag_id=flag_id)
            )
            await asyncio.sleep(0.3)
            assert not acknowledging.done()
            await round_one.commit()
        done = await acknowledging
        assert done.first
        copies = [r for r in await outbox(storage) if r.kind == "alert"]
        assert len(copies) == 3  # the therapist's first copy; the round's to T-01 and T-02
        for row in copies:
            text = storage.cipher.open(row.payload_enc)
            assert "Acknowledged by T-01" in text and "ack:" not in text, row.idempotency_key
        clock.advance(timedelta(hours=1))
        assert await services.escalation.escalate() == 0
