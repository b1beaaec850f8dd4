"""Queries about people (participants, therapists, coordinators) and their invitations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update

from storage.models import Consent, Invitation, Person, PersonStatus, Role
from storage.uow import UnitOfWork


async def by_telegram_id(uow: UnitOfWork, telegram_user_id: int) -> Person | None:
    return await uow.session.scalar(
        select(Person).where(Person.telegram_user_id == telegram_user_id)
    )


async def by_code(uow: UnitOfWork, code: str) -> Person | None:
    return await uow.session.scalar(select(Person).where(Person.code == code.upper()))


async def by_id(uow: UnitOfWork, person_id: int) -> Person | None:
    return await uow.session.get(Person, person_id)


async def add(uow: UnitOfWork, person: Person) -> Person:
    uow.session.add(person)
    await uow.session.flush()
    return person


async def participants_of(uow: UnitOfWork, therapist_id: int) -> Sequence[Person]:
    return (
        await uow.session.scalars(
            select(Person)
            .where(Person.role == Role.PARTICIPANT, Person.therapist_id == therapist_id)
            .order_by(Person.code)
        )
    ).all()


async def with_role(uow: UnitOfWork, role: Role, *, reachable: bool = False) -> Sequence[Person]:
    stmt = select(Person).where(Person.role == role).order_by(Person.code)
    if reachable:
        stmt = stmt.where(Person.chat_id.is_not(None), Person.status == PersonStatus.ACTIVE)
    return (await uow.session.scalars(stmt)).all()


async def invitation_by_hash(uow: UnitOfWork, code_hash: str) -> Invitation | None:
    return await uow.session.scalar(select(Invitation).where(Invitation.code_hash == code_hash))


async def add_invitation(uow: UnitOfWork, invitation: Invitation) -> Invitation:
    uow.session.add(invitation)
    await uow.session.flush()
    return invitation


async def revoke_open_invitations(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    await uow.session.execute(
        update(Invitation)
        .where(
            Invitation.person_id == person_id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


async def add_consent(
    uow: UnitOfWork, person_id: int, version: str, decision: str, now: datetime
) -> None:
    uow.session.add(
        Consent(person_id=person_id, version=version, decision=decision, decided_at=now)
    )
    await uow.session.flush()
