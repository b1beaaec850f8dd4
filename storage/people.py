"""People (participants, therapists, coordinators), their invitations and consents.

Rows stay here: the repository hands out frozen :class:`bot.domain.people.Person` values
and writes back a changed value with :meth:`People.save`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Invitation, Person, PersonStatus, Role
from storage.crypto import Cipher
from storage.models import Consent, Couple
from storage.models import Invitation as InvitationRow
from storage.models import Person as PersonRow
from storage.sql import chunks

_FIELDS = tuple(f.name for f in dataclasses.fields(Person) if f.name != "id")


def person_value(row: PersonRow) -> Person:
    """The frozen value of a stored person."""
    values = {name: getattr(row, name) for name in _FIELDS}
    values["role"] = Role(row.role)
    values["status"] = PersonStatus(row.status)
    return Person(id=row.id, **values)


def _invitation_value(row: InvitationRow) -> Invitation:
    return Invitation(row.id, row.person_id, row.expires_at, row.used_at, row.revoked_at)


class People:
    """Participants, therapists and coordinators, their invitations and consents."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher

    async def _all(self, stmt: object) -> list[Person]:
        rows = (await self._session.scalars(stmt)).all()  # type: ignore[call-overload]
        return [person_value(r) for r in rows]

    async def by_telegram_id(self, telegram_user_id: int) -> Person | None:
        row = await self._session.scalar(
            select(PersonRow).where(PersonRow.telegram_user_id == telegram_user_id)
        )
        return person_value(row) if row else None

    async def by_telegram_ids(self, telegram_user_ids: Collection[int]) -> list[Person]:
        """The people behind these Telegram accounts (one query; unknown ones left out)."""
        if not telegram_user_ids:
            return []
        return await self._all(
            select(PersonRow).where(PersonRow.telegram_user_id.in_(list(telegram_user_ids)))
        )

    async def by_code(self, code: str) -> Person | None:
        row = await self._session.scalar(select(PersonRow).where(PersonRow.code == code.upper()))
        return person_value(row) if row else None

    async def by_id(self, person_id: int) -> Person | None:
        row = await self._session.get(PersonRow, person_id)
        return person_value(row) if row else None

    async def by_ids(self, person_ids: Sequence[int]) -> list[Person]:
        """The people with these ids, by id (one query per 500; unknown ids left out)."""
        found: list[Person] = []
        for ids in chunks(person_ids):
            found += await self._all(
                select(PersonRow).where(PersonRow.id.in_(ids)).order_by(PersonRow.id)
            )
        return found

    async def add(self, person: Person) -> Person:
        """Store a new person (its ``id`` is ignored); returns it with the id it got."""
        row = PersonRow(**{name: getattr(person, name) for name in _FIELDS})
        self._session.add(row)
        await self._session.flush()
        return dataclasses.replace(person, id=row.id)

    async def add_many(self, people: Sequence[Person]) -> list[Person]:
        """Store new people in one go (bulk enrolment); returns them with their ids."""
        rows = [PersonRow(**{name: getattr(p, name) for name in _FIELDS}) for p in people]
        self._session.add_all(rows)
        await self._session.flush()
        return [dataclasses.replace(p, id=row.id) for p, row in zip(people, rows, strict=True)]

    async def save(self, person: Person) -> None:
        """Write a changed person back (every field but the id)."""
        row = await self._session.get(PersonRow, person.id)
        if row is None:
            raise LookupError(f"person #{person.id} is not stored")
        for name in _FIELDS:
            if getattr(row, name) != getattr(person, name):
                setattr(row, name, getattr(person, name))
        await self._session.flush()

    async def participants_of(self, therapist_id: int) -> list[Person]:
        return await self._all(
            select(PersonRow)
            .where(PersonRow.role == Role.PARTICIPANT, PersonRow.therapist_id == therapist_id)
            .order_by(PersonRow.code)
        )

    async def new_couple(self, now: datetime) -> int:
        """A new couple's id (its partners are saved with it)."""
        row = Couple(created_at=now)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def partner_of(self, person: Person) -> Person | None:
        """The other partner of ``person``'s couple, or None outside a couple."""
        if person.couple_id is None:
            return None
        row = await self._session.scalar(
            select(PersonRow).where(
                PersonRow.couple_id == person.couple_id, PersonRow.id != person.id
            )
        )
        return person_value(row) if row else None

    async def participants_on(self, protocol_id: str) -> list[Person]:
        return await self._all(
            select(PersonRow)
            .where(PersonRow.role == Role.PARTICIPANT, PersonRow.protocol_id == protocol_id)
            .order_by(PersonRow.id)
        )

    async def participant_ids_on(
        self, protocol_id: str, *, after_id: int = 0, limit: int
    ) -> list[int]:
        """The next ``limit`` ids of participants on a protocol after ``after_id``: a
        caller pages through them all, each once, however many there are."""
        rows = await self._session.scalars(
            select(PersonRow.id)
            .where(
                PersonRow.role == Role.PARTICIPANT,
                PersonRow.protocol_id == protocol_id,
                PersonRow.id > after_id,
            )
            .order_by(PersonRow.id)
            .limit(limit)
        )
        return list(rows)

    async def count_on(self, protocol_id: str) -> int:
        """How many participants follow a protocol."""
        n = await self._session.scalar(
            select(func.count())
            .select_from(PersonRow)
            .where(PersonRow.role == Role.PARTICIPANT, PersonRow.protocol_id == protocol_id)
        )
        return int(n or 0)

    async def with_role(self, role: Role, *, reachable: bool = False) -> list[Person]:
        stmt = select(PersonRow).where(PersonRow.role == role).order_by(PersonRow.code)
        if reachable:
            stmt = stmt.where(
                PersonRow.chat_id.is_not(None), PersonRow.status == PersonStatus.ACTIVE
            )
        return await self._all(stmt)

    async def invitation_by_hash(self, code_hash: str) -> Invitation | None:
        row = await self._session.scalar(
            select(InvitationRow).where(InvitationRow.code_hash == code_hash)
        )
        return _invitation_value(row) if row else None

    async def add_invitation(
        self,
        *,
        code_hash: str,
        person_id: int,
        now: datetime,
        expires_at: datetime,
        created_by_id: int | None,
    ) -> Invitation:
        row = InvitationRow(
            code_hash=code_hash,
            person_id=person_id,
            created_at=now,
            expires_at=expires_at,
            created_by_id=created_by_id,
        )
        self._session.add(row)
        await self._session.flush()
        return _invitation_value(row)

    async def add_invitations(
        self,
        *,
        code_hashes: Sequence[tuple[str, int]],
        now: datetime,
        expires_at: datetime,
        created_by_id: int | None,
    ) -> list[Invitation]:
        """Several invitations in one go: (code hash, person id) each."""
        rows = [
            InvitationRow(
                code_hash=code_hash,
                person_id=person_id,
                created_at=now,
                expires_at=expires_at,
                created_by_id=created_by_id,
            )
            for code_hash, person_id in code_hashes
        ]
        self._session.add_all(rows)
        await self._session.flush()
        return [_invitation_value(row) for row in rows]

    async def use_invitation(self, invitation_id: int, now: datetime) -> None:
        await self._session.execute(
            update(InvitationRow).where(InvitationRow.id == invitation_id).values(used_at=now)
        )

    async def revoke_open_invitations(self, person_id: int, now: datetime) -> None:
        await self._session.execute(
            update(InvitationRow)
            .where(
                InvitationRow.person_id == person_id,
                InvitationRow.used_at.is_(None),
                InvitationRow.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )

    async def add_consent(self, person_id: int, version: str, decision: str, now: datetime) -> None:
        self._session.add(
            Consent(person_id=person_id, version=version, decision=decision, decided_at=now)
        )
        await self._session.flush()
