"""What couples need from storage, on SQLite and PostgreSQL: the partner, a shared
session's rows, a participant's own message (and the one Ember's reply acknowledged), and
a dosing record sealed at rest."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain.outgoing import Outgoing
from bot.domain.people import Person
from bot.domain.records import TreatmentSession
from bot.services import enrollment
from storage.models import OutboxMessage, Role
from storage.models import TreatmentSession as SessionRow
from storage.uow import Storage


async def two_participants(storage: Storage, clock: FakeClock) -> tuple[Person, Person]:
    now = clock.now()
    async with storage.uow() as uow:
        await enrollment.invite(uow, now=now, role=Role.THERAPIST, code="T-01", timezone="UTC")
        people = []
        for code in ("P-0142", "P-0143"):
            await enrollment.invite(
                uow, now=now, role=Role.PARTICIPANT, code=code, timezone="UTC",
                therapist_code="T-01",
            )
            person = await uow.people.by_code(code)
            assert person is not None
            people.append(person)
        await uow.commit()
    return people[0], people[1]


async def test_partners_find_each_other_and_no_one_else(storage: Storage, clock: FakeClock) -> None:
    alex, blake = await two_participants(storage, clock)
    async with storage.uow() as uow:
        assert await uow.people.partner_of(alex) is None
        couple_id = await uow.people.new_couple(clock.now())
        for person in (alex, blake):
            await uow.people.save(replace(person, couple_id=couple_id))
        await uow.commit()
    async with storage.uow() as uow:
        alex2 = await uow.people.by_code("P-0142")
        assert alex2 is not None and alex2.couple_id == couple_id
        partner = await uow.people.partner_of(alex2)
        assert partner is not None and partner.code == "P-0143"


async def test_a_shared_sessions_rows_and_sealed_doses(storage: Storage, clock: FakeClock) -> None:
    alex, blake = await two_participants(storage, clock)
    now = clock.now()
    async with storage.uow() as uow:
        first = await uow.schedules.add_session(TreatmentSession(0, alex.id, "dosing", now, now))
        await uow.schedules.save_session(
            replace(first, shared_id=first.id, doses="initial 80mg@09:00")
        )
        await uow.schedules.add_session(
            TreatmentSession(0, blake.id, "dosing", now, now, shared_id=first.id)
        )
        await uow.commit()
    async with storage.uow() as uow:
        rows = await uow.schedules.sessions_shared(first.id)
        assert [r.participant_id for r in rows] == [alex.id, blake.id]
        assert rows[0].doses == "initial 80mg@09:00" and rows[1].doses is None
    async with storage.sessions() as session:
        stored = (await session.scalars(select(SessionRow.doses_enc))).all()
    assert all(value is None or "80mg" not in value for value in stored)  # sealed at rest


async def test_own_messages_and_the_one_a_reply_acknowledged(
    storage: Storage, clock: FakeClock
) -> None:
    alex, blake = await two_participants(storage, clock)
    now = clock.now()
    async with storage.uow() as uow:
        stored, _ = await uow.journal.add_message(
            participant_id=alex.id, prompt_id=None, telegram_message_id=31, update_id=700,
            kind="text", text="Something I might share", media_ref=None, screened=True, now=now,
        )
        row_id = await uow.outbox.enqueue(
            key="reply:700:0", chat_id=5001, message=Outgoing("It's in your journal."),
            kind="reply", now=now, person_id=alex.id,
        )
        assert row_id
        await uow.commit()
    async with storage.uow() as uow:
        own = await uow.journal.own_message(alex.id, telegram_message_id=31)
        assert own is not None and own.text == "Something I might share"
        assert await uow.journal.own_message(blake.id, message_id=stored.id) is None
        assert await uow.journal.replied_message(alex.id, 32) is None  # not sent yet
    async with storage.sessions() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
        row.telegram_message_id = 32
        await session.commit()
    async with storage.uow() as uow:
        replied = await uow.journal.replied_message(alex.id, 32)
        assert replied is not None and replied.id == stored.id
        assert await uow.journal.replied_message(blake.id, 32) is None
