"""Triage: which of the messages waiting to be handled may be a risk, so they go first.

When a backlog waits (Ember was down, or a burst arrived), intake asks here which waiting
messages are a participant's words that screen high or crisis; it handles those first so
their safety message and alert are queued before anything else. The verdict is the one the
message gets when it is handled (the same screener); triage only changes the order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.domain.people import PersonStatus, Role
from bot.domain.safety import Tier
from bot.services.context import Bound
from bot.services.inbound import WaitingMessage

YIELD_EVERY = 20  # texts screened between two chances for the event loop to run others


class Triage(Bound):
    """The waiting messages to handle first."""

    async def risky(self, waiting: Sequence[WaitingMessage]) -> set[int]:
        """The update ids of waiting messages from consented participants (withdrawn ones
        included: duty of care) that screen high or crisis; one query for the senders."""
        async with self.ctx.uow() as uow:
            people = await uow.people.by_telegram_ids({w.telegram_user_id for w in waiting})
        version = self.ctx.catalogue.text("consent.version")
        writers = {
            p.telegram_user_id: p
            for p in people
            if p.role == Role.PARTICIPANT
            and p.status != PersonStatus.INVITED
            and p.consent_version == version
        }
        risky = set()
        for n, message in enumerate(waiting, 1):
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # a long backlog must not stall sending meanwhile
            writer = writers.get(message.telegram_user_id)
            if writer is None:
                continue
            if self.ctx.screen(message.text, writer.language).tier >= Tier.HIGH:
                risky.add(message.update_id)
        return risky
