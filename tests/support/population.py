"""Build a clinic in the database quickly: therapists, consented participants, a protocol,
and dosing sessions timed so that many prompts fall due at one instant.

Used by the fan-out and scale benchmarks, the crash and bulk-work tests; writes through
Ember's own storage (or the tests' in-memory fake).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import TreatmentSession
from bot.services import planning, sessions
from bot.services.unit_of_work import StorageProtocol
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
    therapist_chat: int  # the first therapist's
    due_at: datetime
    therapist_of: dict[int, int]  # participant → their therapist's chat (Telegram ids)


async def populate(
    storage: Storage,
    *,
    participants: int,
    now: datetime,
    due_in: timedelta = timedelta(seconds=3),
    therapists: int = 1,
) -> Population:
    """``participants`` consented participants, spread over ``therapists`` (in turn), each
    with one prompt due at ``now + due_in``."""
    version = default_catalogue().text("consent.version")
    ids = [FIRST_PARTICIPANT_ID + i for i in range(participants)]
    async with storage.uow() as uow:
        staff = [
            await uow.people.add(
                Person(
                    id=0,
                    role=Role.THERAPIST,
                    code=f"T-{t + 1:02d}",
                    display_name="Dr. Bench",
                    telegram_user_id=THERAPIST_CHAT + t,
                    chat_id=THERAPIST_CHAT + t,
                    timezone="UTC",
                    language="en",
                    status=PersonStatus.ACTIVE,
                    created_at=now,
                    enrolled_at=now,
                )
            )
            for t in range(therapists)
        ]
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
                    therapist_id=staff[n % therapists].id,
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
    therapist_of = {tid: THERAPIST_CHAT + n % therapists for n, tid in enumerate(ids)}
    return Population(ids, THERAPIST_CHAT, now + due_in, therapist_of)


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


def steps_protocol(steps: int, *, version: int = 1, every: str = "1d", at: str = "10:00",
                   reminders: int = 1, protocol_id: str = "scale") -> str:
    """A protocol of ``steps`` text prompts, one every ``every`` after the dosing session
    at local ``at``, each with ``reminders`` reminders in a 12 h window."""
    lines = [f"id: {protocol_id}", f"name: {steps} steps", f"version: {version}",
             "response_window: 12h", f"reminders: {reminders}", "steps:"]
    unit = every[-1]
    for n in range(1, steps + 1):
        lines += [f"  - id: s{n}", "    anchor: dosing", f"    after: {int(every[:-1]) * n}{unit}",
                  f'    at: "{at}"', "    kind: text",
                  f'    text: {{en: "Step {n} (v{version}): how are you today?"}}']
    return "\n".join(lines) + "\n"


async def populate_on_protocol(
    storage: StorageProtocol,
    *,
    participants: int,
    source: str,
    now: datetime,
    dosing_at: datetime,
    therapists: int = 1,
    first_id: int = FIRST_PARTICIPANT_ID,
    batch: int = 500,
    digest_at: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Store the protocol ``source``, ``therapists`` therapists and ``participants``
    consented participants on it, each with a dosing session at ``dosing_at`` and their
    prompts planned; ``batch`` participants per transaction. Returns the participants'
    Telegram ids (their chat ids too): ``first_id`` on; therapists' are ``THERAPIST_CHAT +
    n`` (shifted as far as ``first_id`` is, so that several populations can share a
    database, their codes told apart by ``first_id`` too); ``digest_at``, their daily
    digest time, if any."""
    version = default_catalogue().text("consent.version")
    shift = first_id - FIRST_PARTICIPANT_ID
    tag = f"{first_id}-" if shift else ""
    async with storage.uow() as uow:
        protocol, _ = await planning.store_protocol(
            uow, now=now, source=source, source_name="population"
        )
        staff = []
        for t in range(therapists):
            staff.append(await uow.people.add(Person(
                id=0, role=Role.THERAPIST, code=f"T-{tag}{t:03d}", display_name=f"Dr. {t}",
                telegram_user_id=THERAPIST_CHAT + shift + t, chat_id=THERAPIST_CHAT + shift + t,
                timezone="UTC", language="en", status=PersonStatus.ACTIVE, created_at=now,
                enrolled_at=now, digest_at=digest_at)))
        await uow.commit()
    ids = [first_id + n for n in range(participants)]
    for start in range(0, participants, batch):
        async with storage.uow() as uow:
            added = []
            for n in range(start, min(start + batch, participants)):
                person = await uow.people.add(Person(
                    id=0, role=Role.PARTICIPANT, code=f"P-{tag}{n:05d}", telegram_user_id=ids[n],
                    chat_id=ids[n], timezone="Europe/Berlin", language="en",
                    status=PersonStatus.ACTIVE, therapist_id=staff[n % therapists].id,
                    consent_version=version, consented_at=now, created_at=now, enrolled_at=now,
                    protocol_id=protocol.id))
                await uow.schedules.add_session(TreatmentSession(
                    id=0, participant_id=person.id, kind="dosing", starts_at=dosing_at,
                    created_at=now))
                added.append(person.id)
            await planning.replan_many(uow, now=now, participant_ids=added)
            await uow.commit()
        if progress is not None:
            progress(min(start + batch, participants), participants)
    return ids
