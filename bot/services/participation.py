"""A participant's own choices: pause, resume, withdraw; and telling their therapist."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.people import Person, PersonStatus, Role
from bot.domain.schedule import (
    PromptStatus,
)
from bot.services import render
from prompts.catalogue import Catalogue
from storage.uow import UnitOfWork


async def pause(
    uow: UnitOfWork, *, now: datetime, participant: Person, duration: timedelta | None
) -> Person:
    participant = replace(
        participant,
        status=PersonStatus.PAUSED,
        paused_until=now + duration if duration else None,
    )
    await uow.people.save(participant)
    await uow.audit.record(
        at=now,
        actor="participant",
        action="pause",
        subject_id=participant.id,
        detail=f"until {participant.paused_until}",
    )
    return participant


async def resume(uow: UnitOfWork, *, now: datetime, participant: Person) -> bool:
    if participant.status != PersonStatus.PAUSED:
        return False
    await uow.people.save(replace(participant, status=PersonStatus.ACTIVE, paused_until=None))
    await uow.audit.record(at=now, actor="participant", action="resume", subject_id=participant.id)
    return True


async def withdraw(
    uow: UnitOfWork, *, now: datetime, participant: Person, catalogue: Catalogue
) -> None:
    """/stop: prompts end at once and the therapist is told (through the outbox)."""
    participant = replace(participant, status=PersonStatus.WITHDRAWN, withdrawn_at=now)
    await uow.people.save(participant)
    for prompt in await uow.schedules.prompts_of(participant.id):
        if prompt.status in (PromptStatus.PENDING, PromptStatus.SENT):
            await uow.schedules.save_prompt(replace(prompt, status=PromptStatus.CANCELLED))
    await uow.audit.record(
        at=now, actor="participant", action="withdraw", subject_id=participant.id
    )
    await notify_therapist(
        uow, now=now, participant=participant, catalogue=catalogue, event="withdrawn"
    )


async def notify_therapist(
    uow: UnitOfWork, *, now: datetime, participant: Person, catalogue: Catalogue, event: str
) -> None:
    """Tell the assigned therapist (or, without one, the coordinators) about a participant."""
    recipients: list[Person] = []
    if participant.therapist_id is not None:
        therapist = await uow.people.by_id(participant.therapist_id)
        if therapist is not None and therapist.chat_id is not None:
            recipients.append(therapist)
    if not recipients:
        recipients = list(await uow.people.with_role(Role.COORDINATOR, reachable=True))
    stamp = now.strftime("%Y%m%d%H%M")
    for staff in recipients:
        assert staff.chat_id is not None
        await uow.outbox.enqueue(
            key=f"notice:{event}:{participant.id}:{staff.id}:{stamp}",
            chat_id=staff.chat_id,
            message=render.notice(catalogue, staff, participant, event),
            kind="notice",
            now=now,
            person_id=staff.id,
            priority=3,
        )
