"""Who may act, and on which participant, checked inside the unit of work of the action itself.

Handlers identify the caller to choose a reply; every use case that acts for a Telegram
user re-reads them (role, status, assignment) here, in its own transaction.
"""

from __future__ import annotations

from bot.domain.people import Person, PersonStatus, Role
from bot.errors import NotAllowed, NotFound, UnknownParticipant
from bot.services.context import Bound
from bot.services.unit_of_work import UnitOfWorkProtocol


async def visible_participant(uow: UnitOfWorkProtocol, actor: Person | None, code: str) -> Person:
    """The participant ``code``, if ``actor`` may act on them (checked in the caller's unit
    of work): coordinators on everyone, therapists on their own; ``None`` is the command
    line. Otherwise UnknownParticipant, the same whether the code exists or not, so codes
    cannot be probed."""
    if actor is not None:
        current = await uow.people.by_id(actor.id)
        if (
            current is None
            or current.status == PersonStatus.INVITED
            or current.role not in (Role.THERAPIST, Role.COORDINATOR)
        ):
            raise UnknownParticipant(
                f"no participant {code}", key="problem.no_participant", code=code.upper()
            )
        actor = current
    participant = await uow.people.by_code(code)
    if (
        participant is None
        or participant.role != Role.PARTICIPANT
        or participant.status == PersonStatus.ERASED  # nothing of theirs is left to act on
        or (
            actor is not None
            and actor.role == Role.THERAPIST
            and participant.therapist_id != actor.id
        )
    ):
        raise UnknownParticipant(
            f"no participant {code}", key="problem.no_participant", code=code.upper()
        )
    return participant


async def current_participant(uow: UnitOfWorkProtocol, participant: Person) -> Person:
    """The participant as stored now, checked in this unit of work: NotFound if they are
    gone (or erased), NotAllowed if the account is not a participant's."""
    person = await uow.people.by_id(participant.id)
    if person is None or person.status == PersonStatus.ERASED:
        raise NotFound(f"person #{participant.id}", key="problem.not_found")
    if person.role != Role.PARTICIPANT or person.status == PersonStatus.INVITED:
        raise NotAllowed(f"{person.code} is not a participant", key="problem.not_allowed")
    return person


async def current_staff(uow: UnitOfWorkProtocol, staff: Person, *roles: Role) -> Person:
    """The member of the care team as stored now, checked in this unit of work: NotAllowed
    unless they exist, have enrolled, and hold one of ``roles`` (by default therapist or
    coordinator). The caller's value may be stale, or forged from callback data."""
    allowed = roles or (Role.THERAPIST, Role.COORDINATOR)
    current = await uow.people.by_id(staff.id)
    if current is None or current.status == PersonStatus.INVITED or current.role not in allowed:
        raise NotAllowed(f"{staff.code} may not do this", key="problem.not_allowed")
    return current


class Access(Bound):
    """Who is writing."""

    async def identify(self, telegram_user_id: int) -> Person | None:
        # a reader: on SQLite it neither waits for the write lock nor holds it up (every
        # update starts here, a crisis message among them, while a fan-out writes)
        async with self.ctx.reader() as uow:
            return await uow.people.by_telegram_id(telegram_user_id)
