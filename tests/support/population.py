"""Build a clinic in the database quickly: therapists, consented participants, a protocol,
and dosing sessions timed so that many prompts fall due at one instant.

Used by the fan-out benchmark and the crash tests; writes through Ember's own storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.people import Person, PersonStatus, Role
from bot.services import planning, sessions
from prompts.catalogue import default_catalogue
from storage.uow import Storage

FIRST_PARTICIPANT_ID = 100_000
THERAPIST_CHAT = 90_001

ONE_PROMPT_PROTOCOL = """
id: fanout
name: One prompt for everyone
version: 1
response_window: 1h
reminders: 0
steps:
  - id: check-in
    anchor: dosing
    after: {after}
    kind: text
    text: {{en: "How are you today? (fan-out check-in)"}}
"""


@dataclass(frozen=True)
class Population:
    participant_ids: list[int]  # Telegram user ids == chat ids
    therapist_chat: int
    due_at: datetime


async def populate(
    storage: Storage, *, participants: int, now: datetime, due_in: timedelta = timedelta(seconds=3)
) -> Population:
    """``participants`` consented participants of one therapist, each with one prompt due at
    ``now + due_in``."""
    version = default_catalogue().text("consent.version")
    ids = [FIRST_PARTICIPANT_ID + i for i in range(participants)]
    async with storage.uow() as uow:
        therapist = Person(
            id=0,
            role=Role.THERAPIST,
            code="T-01",
            display_name="Dr. Bench",
            telegram_user_id=THERAPIST_CHAT,
            chat_id=THERAPIST_CHAT,
            timezone="UTC",
            language="en",
            status=PersonStatus.ACTIVE,
            created_at=now,
            enrolled_at=now,
        )
        therapist = await uow.people.add(therapist)
        after = f"{int(due_in.total_seconds())}s"
        await planning.load_protocol(
            uow, now=now, source=ONE_PROMPT_PROTOCOL.format(after=after), source_name="population"
        )
        for n, tid in enumerate(ids):
            await uow.people.add(
                Person(
                    id=0,
                    role=Role.PARTICIPANT,
                    code=f"P-{n:05d}",
                    telegram_user_id=tid,
                    chat_id=tid,
                    timezone="UTC",
                    language="en",
                    status=PersonStatus.ACTIVE,
                    therapist_id=therapist.id,
                    consent_version=version,
                    consented_at=now,
                    created_at=now,
                    enrolled_at=now,
                    protocol_id="fanout",
                )
            )
        await uow.commit()
    async with storage.uow() as uow:
        for participant in await uow.people.with_role(Role.PARTICIPANT):
            await sessions.add_session(
                uow, now=now, participant=participant, kind="dosing", starts_at=now
            )
        await uow.commit()
    return Population(ids, THERAPIST_CHAT, now + due_in)


async def populate_caseloads(storage: Storage, *, therapists: int, participants: int,
                             now: datetime) -> dict[int, int]:
    """Consented participants spread over ``therapists``; returns participant → therapist
    (Telegram ids, which are also the chat ids)."""
    version = default_catalogue().text("consent.version")
    pairs: dict[int, int] = {}
    async with storage.uow() as uow:
        staff = []
        for t in range(therapists):
            person = Person(id=0, role=Role.THERAPIST, code=f"T-{t:03d}", display_name=f"Dr. {t}",
                            telegram_user_id=THERAPIST_CHAT + t, chat_id=THERAPIST_CHAT + t,
                            timezone="UTC", language="en", status=PersonStatus.ACTIVE,
                            created_at=now, enrolled_at=now)
            staff.append(await uow.people.add(person))
        for n in range(participants):
            tid = FIRST_PARTICIPANT_ID + n
            therapist = staff[n % therapists]
            await uow.people.add(Person(
                id=0, role=Role.PARTICIPANT, code=f"P-{n:05d}", telegram_user_id=tid, chat_id=tid,
                timezone="Europe/Berlin", language="en", status=PersonStatus.ACTIVE,
                therapist_id=therapist.id, consent_version=version, consented_at=now,
                created_at=now, enrolled_at=now,
            ))
            assert therapist.chat_id is not None
            pairs[tid] = therapist.chat_id
        await uow.commit()
    return pairs
