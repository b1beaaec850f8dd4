"""A participant's own choices: pause, resume, withdraw; and telling their therapist.

Withdrawing (/stop, and /delete, which withdraws first: bot/services/erasure.py) ends
prompts and reminders, including any already queued in the outbox; it does not end the duty
of care: what the participant still writes is kept, screened and alerted as before.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.delivery.retry import DeliveryError, DeliveryErrorKind
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import ClaimedMessage
from bot.domain.schedule import (
    PromptStatus,
)
from bot.services import render
from bot.services.access import current_participant
from bot.services.context import Bound
from bot.services.inbound import Sender
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue


async def pause(
    uow: UnitOfWorkProtocol, *, now: datetime, participant: Person, duration: timedelta | None
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


async def resume(uow: UnitOfWorkProtocol, *, now: datetime, participant: Person) -> bool:
    if participant.status != PersonStatus.PAUSED:
        return False
    await uow.people.save(replace(participant, status=PersonStatus.ACTIVE, paused_until=None))
    await uow.audit.record(at=now, actor="participant", action="resume", subject_id=participant.id)
    return True


SCHEDULED_KINDS = ("prompt", "reminder")  # what stops at withdrawal, even if already queued


async def withdraw(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    participant: Person,
    catalogue: Catalogue,
    notify: bool = True,
) -> Person:
    """/stop: prompts and reminders end at once (queued ones too) and, unless ``notify`` is
    False (an erasure request tells the care team in its own words), the therapist is told."""
    participant = replace(participant, status=PersonStatus.WITHDRAWN, withdrawn_at=now)
    await uow.people.save(participant)
    for prompt in await uow.schedules.prompts_of(participant.id):
        if prompt.status in (PromptStatus.PENDING, PromptStatus.SENT):
            await uow.schedules.save_prompt(replace(prompt, status=PromptStatus.CANCELLED))
    await uow.outbox.cancel_pending(participant.id, SCHEDULED_KINDS)
    await uow.audit.record(
        at=now, actor="participant", action="withdraw", subject_id=participant.id
    )
    if notify:
        await notify_therapist(
            uow, now=now, participant=participant, catalogue=catalogue, event="withdrawn"
        )
    return participant


async def notify_therapist(
    uow: UnitOfWorkProtocol, *, now: datetime, participant: Person, catalogue: Catalogue, event: str
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


class Participation(Bound):
    """Pause, resume, withdraw, and whether Telegram still reaches them."""

    async def pause(self, participant: Person, duration: timedelta | None) -> Person:
        async with self.ctx.uow() as uow:
            person = await current_participant(uow, participant)
            person = await pause(
                uow, now=self.ctx.clock.now(), participant=person, duration=duration
            )
            await uow.commit()
            return person

    async def resume(self, participant: Person) -> bool:
        async with self.ctx.uow() as uow:
            person = await current_participant(uow, participant)
            resumed = await resume(uow, now=self.ctx.clock.now(), participant=person)
            await uow.commit()
        return resumed

    async def withdraw(self, participant: Person) -> None:
        async with self.ctx.uow() as uow:
            person = await current_participant(uow, participant)
            if person.status != PersonStatus.WITHDRAWN:
                await withdraw(
                    uow, now=self.ctx.clock.now(), participant=person, catalogue=self.ctx.catalogue
                )
            await uow.commit()
        self.ctx.wake_delivery()

    async def delivery_failed(self, message: ClaimedMessage, error: DeliveryError) -> None:
        """The outbox gave up on a message: a blocked participant is marked and their
        therapist told; anything else stays visible as a failed outbox row."""
        if error.kind is not DeliveryErrorKind.BLOCKED or message.person_id is None:
            return
        await self.set_reachable(message.person_id, reachable=False)

    async def set_reachable(self, person_id: int, *, reachable: bool) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            person = await uow.people.by_id(person_id)
            if person is None or person.role != Role.PARTICIPANT:
                return
            if not reachable and person.status in (PersonStatus.ACTIVE, PersonStatus.PAUSED):
                person = replace(person, status=PersonStatus.UNREACHABLE)
                await uow.people.save(person)
                await notify_therapist(
                    uow,
                    now=now,
                    participant=person,
                    catalogue=self.ctx.catalogue,
                    event="unreachable",
                )
            elif reachable and person.status == PersonStatus.UNREACHABLE:
                person = replace(person, status=PersonStatus.ACTIVE)
                await uow.people.save(person)
                await notify_therapist(
                    uow,
                    now=now,
                    participant=person,
                    catalogue=self.ctx.catalogue,
                    event="reachable",
                )
            else:
                return
            await uow.commit()
        self.ctx.wake_delivery()

    async def membership_changed(self, sender: Sender, *, blocked: bool) -> None:
        async with self.ctx.uow() as uow:
            person = await uow.people.by_telegram_id(sender.telegram_user_id)
        if person is not None:
            await self.set_reachable(person.id, reachable=not blocked)
