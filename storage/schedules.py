"""Queries for protocols, treatment sessions and scheduled prompts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select

from storage.models import (
    OutboxMessage,
    Person,
    PromptStatus,
    Role,
    ScheduledPrompt,
    StoredProtocol,
    TreatmentSession,
)
from storage.uow import UnitOfWork


async def stored_protocol(uow: UnitOfWork, protocol_id: str) -> StoredProtocol | None:
    return await uow.session.get(StoredProtocol, protocol_id)


async def stored_protocols(uow: UnitOfWork) -> Sequence[StoredProtocol]:
    return (await uow.session.scalars(select(StoredProtocol).order_by(StoredProtocol.id))).all()


async def participants_on(uow: UnitOfWork, protocol_id: str) -> Sequence[Person]:
    return (
        await uow.session.scalars(
            select(Person).where(Person.role == Role.PARTICIPANT, Person.protocol_id == protocol_id)
        )
    ).all()


async def sessions_of(uow: UnitOfWork, participant_id: int) -> Sequence[TreatmentSession]:
    return (
        await uow.session.scalars(
            select(TreatmentSession)
            .where(TreatmentSession.participant_id == participant_id)
            .order_by(TreatmentSession.starts_at, TreatmentSession.id)
        )
    ).all()


async def session_by_id(uow: UnitOfWork, session_id: int) -> TreatmentSession | None:
    return await uow.session.get(TreatmentSession, session_id)


async def prompts_of(uow: UnitOfWork, participant_id: int) -> Sequence[ScheduledPrompt]:
    return (
        await uow.session.scalars(
            select(ScheduledPrompt)
            .where(ScheduledPrompt.participant_id == participant_id)
            .order_by(ScheduledPrompt.due_at, ScheduledPrompt.id)
        )
    ).all()


async def prompt_by_id(uow: UnitOfWork, prompt_id: int) -> ScheduledPrompt | None:
    return await uow.session.get(ScheduledPrompt, prompt_id)


async def due_prompts(uow: UnitOfWork, now: datetime, limit: int) -> Sequence[ScheduledPrompt]:
    stmt = (
        select(ScheduledPrompt)
        .where(ScheduledPrompt.status == PromptStatus.PENDING, ScheduledPrompt.due_at <= now)
        .order_by(ScheduledPrompt.due_at, ScheduledPrompt.id)
        .limit(limit)
    )
    if uow.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return (await uow.session.scalars(stmt)).all()


async def open_prompts(uow: UnitOfWork, limit: int) -> Sequence[ScheduledPrompt]:
    """Sent and not yet answered: candidates for reminders and expiry."""
    stmt = (
        select(ScheduledPrompt)
        .where(ScheduledPrompt.status == PromptStatus.SENT)
        .order_by(ScheduledPrompt.expires_at, ScheduledPrompt.id)
        .limit(limit)
    )
    if uow.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return (await uow.session.scalars(stmt)).all()


async def latest_open_prompt(
    uow: UnitOfWork, participant_id: int, now: datetime
) -> ScheduledPrompt | None:
    return await uow.session.scalar(
        select(ScheduledPrompt)
        .where(
            ScheduledPrompt.participant_id == participant_id,
            ScheduledPrompt.status == PromptStatus.SENT,
            ScheduledPrompt.expires_at > now,
        )
        .order_by(ScheduledPrompt.sent_at.desc(), ScheduledPrompt.id.desc())
        .limit(1)
    )


async def prompt_for_message(
    uow: UnitOfWork, participant_id: int, chat_id: int, telegram_message_id: int
) -> ScheduledPrompt | None:
    """The prompt whose Telegram message (or reminder) this is, if any."""
    key = await uow.session.scalar(
        select(OutboxMessage.idempotency_key).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.telegram_message_id == telegram_message_id,
            or_(
                OutboxMessage.idempotency_key.like("prompt:%"),
                OutboxMessage.idempotency_key.like("reminder:%"),
            ),
        )
    )
    if key is None:
        return None
    prompt_id = int(key.split(":")[1])
    prompt = await prompt_by_id(uow, prompt_id)
    if prompt is None or prompt.participant_id != participant_id:
        return None
    return prompt


async def recent_statuses(uow: UnitOfWork, participant_id: int, n: int) -> list[str]:
    rows = await uow.session.scalars(
        select(ScheduledPrompt.status)
        .where(
            ScheduledPrompt.participant_id == participant_id,
            ScheduledPrompt.status.in_([PromptStatus.ANSWERED, PromptStatus.MISSED]),
        )
        .order_by(ScheduledPrompt.due_at.desc(), ScheduledPrompt.id.desc())
        .limit(n)
    )
    return list(rows)


async def next_oneoff_number(uow: UnitOfWork, participant_id: int) -> int:
    n = await uow.session.scalar(
        select(func.count())
        .select_from(ScheduledPrompt)
        .where(
            ScheduledPrompt.participant_id == participant_id,
            ScheduledPrompt.key.like("oneoff:%"),
        )
    )
    return int(n or 0) + 1


async def latest_missed_id(uow: UnitOfWork, participant_id: int) -> int | None:
    return await uow.session.scalar(
        select(ScheduledPrompt.id)
        .where(
            ScheduledPrompt.participant_id == participant_id,
            ScheduledPrompt.status == PromptStatus.MISSED,
        )
        .order_by(ScheduledPrompt.due_at.desc(), ScheduledPrompt.id.desc())
        .limit(1)
    )
