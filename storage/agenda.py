"""When Ember next has something to do: the moments a clock that jumps must stop at.

``ember demo`` runs Ember on a virtual clock; to walk a protocol faithfully, a jump stops
at each moment the periodic work would act on (a prompt falling due, a reminder or the end
of a response window, an alert's next escalation round, a queued message's time) rather
than leaping over them. Read-only; the periodic work itself decides what happens there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.outgoing import OutboxStatus
from bot.domain.schedule import PromptStatus
from storage.models import Alert, OutboxMessage, ScheduledPrompt, TreatmentSession

__all__ = ["Agenda", "next_moment", "next_session", "unsent_due"]


@dataclass(frozen=True)
class Agenda:
    """The earliest moment after a given time for each kind of periodic work (or None)."""

    prompt_due: datetime | None  # a planned prompt falls due
    prompt_attention: datetime | None  # a sent prompt's next reminder, or its window closes
    escalation: datetime | None  # an unacknowledged alert's next round
    delivery: datetime | None  # a queued message's earliest time (quiet hours, retries)

    @property
    def earliest(self) -> datetime | None:
        found = [
            t
            for t in (self.prompt_due, self.prompt_attention, self.escalation, self.delivery)
            if t is not None
        ]
        return min(found) if found else None


async def next_moment(sessions: async_sessionmaker[AsyncSession], after: datetime) -> Agenda:
    """What falls due strictly after ``after``, per kind of work."""
    async with sessions() as session:
        prompt_due = await session.scalar(
            select(func.min(ScheduledPrompt.due_at)).where(
                ScheduledPrompt.status == PromptStatus.PENDING, ScheduledPrompt.due_at > after
            )
        )
        attention = await session.scalar(
            select(func.min(ScheduledPrompt.attention_at)).where(
                ScheduledPrompt.status == PromptStatus.SENT, ScheduledPrompt.attention_at > after
            )
        )
        escalation = await session.scalar(
            select(func.min(Alert.escalate_at)).where(
                Alert.status == "open", Alert.escalate_at > after
            )
        )
        delivery = await session.scalar(
            select(func.min(OutboxMessage.not_before)).where(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before > after
            )
        )
    return Agenda(prompt_due, attention, escalation, delivery)


async def next_session(
    sessions: async_sessionmaker[AsyncSession], kind: str, after: datetime
) -> datetime | None:
    """When the next scheduled session of ``kind`` (any participant) starts after ``after``."""
    async with sessions() as session:
        found: datetime | None = await session.scalar(
            select(func.min(TreatmentSession.starts_at)).where(
                TreatmentSession.kind == kind,
                TreatmentSession.status == "scheduled",
                TreatmentSession.starts_at > after,
            )
        )
    return found


async def unsent_due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Messages whose time has come (``not_before <= now``) that are not settled yet."""
    waiting = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(waiting), OutboxMessage.not_before <= now)
        )
    return int(count or 0)
