"""Erasure: a participant's /delete under the clinic's retention policy, and `ember erase`.

/delete records a request, withdraws the participant (prompts stop) and tells their therapist
and the coordinators, in words that say it is an erasure request, not a withdrawal. Until the
data are erased, what the participant writes is kept, screened and alerted as before: the
duty of care does not wait for the paperwork.

Erasing (a coordinator's `ember erase P-0142`) removes everything of theirs but a tombstone
(the code and the fact and time of erasure, on the request row), after a last message to the
participant that is queued with the chat id it needs, since their account is forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.domain import timefmt
from bot.domain.erasure import (
    ErasureCounts,
    ErasureRequest,
    ErasureStatus,
    RetentionPolicy,
    tombstone,
)
from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus, Role
from bot.errors import ErasureRefused, NotAllowed, UnknownParticipant
from bot.services.access import current_participant
from bot.services.context import Bound
from bot.services.participation import withdraw
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue, crisis_text

NOTICE_PRIORITY = 3
FAREWELL_PRIORITY = 5
FAREWELL_KIND = "erased"  # the dispatcher drops the row once it is sent: nothing kept after


@dataclass(frozen=True)
class ErasureRequested:
    """What /delete did: the request (new, or the one already open)."""

    request: ErasureRequest
    new: bool  # False: they had asked before; nothing more was recorded or sent


@dataclass(frozen=True)
class ErasurePreview:
    """What `ember erase` would do to a participant, before it does it."""

    code: str
    status: PersonStatus
    request: ErasureRequest | None  # the open request, or once erased the last one
    counts: ErasureCounts
    held_until: datetime | None  # the retention policy keeps the records until then
    at: datetime  # when this preview was made

    @property
    def erased(self) -> bool:
        return self.status == PersonStatus.ERASED

    @property
    def requested(self) -> bool:
        """They asked (/delete), and it has not been carried out yet."""
        return self.request is not None and self.request.status == ErasureStatus.OPEN

    @property
    def held(self) -> bool:
        """The retention policy still keeps their records (erasing needs --force)."""
        return self.held_until is not None and self.at < self.held_until


@dataclass(frozen=True)
class ErasureDone:
    """What `ember erase` did; ``already`` when there was nothing left to do."""

    code: str
    erased_at: datetime | None
    counts: ErasureCounts = field(default_factory=ErasureCounts)
    already: bool = False
    forced: bool = False
    farewell: bool = False  # a last message to the participant was queued


async def request_erasure(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    participant: Person,
    catalogue: Catalogue,
    policy: RetentionPolicy,
) -> ErasureRequested:
    """/delete: record the request, stop prompts, tell the care team; data stay until a
    coordinator erases them (and, under a keeping policy, until the period is over)."""
    existing = await uow.erasures.open_request(participant.id)
    if existing is not None:
        return ErasureRequested(existing, new=False)
    if participant.status != PersonStatus.WITHDRAWN:
        participant = await withdraw(
            uow, now=now, participant=participant, catalogue=catalogue, notify=False
        )
    request = await uow.erasures.add_request(
        ErasureRequest(
            id=0,
            participant_id=participant.id,
            requested_at=now,
            requested_by="participant",
            policy=policy.name,
            keep_until=policy.keep_until(participant.withdrawn_at or now),
        )
    )
    await uow.audit.record(
        at=now,
        actor="participant",
        action="erasure.requested",
        subject_id=participant.id,
        detail=f"policy {policy.name}",
    )
    event = "erasure_kept" if request.keep_until else "erasure_requested"
    for staff, role_key in await care_team(uow, participant):
        assert staff.chat_id is not None
        keep = request.keep_until
        until = timefmt.day(keep, staff.timezone, staff.lang) if keep else ""
        await uow.outbox.enqueue(
            key=f"notice:erasure:{request.id}:{staff.id}",
            chat_id=staff.chat_id,
            message=Outgoing(
                catalogue.text(
                    f"notice.{event}{role_key}", staff.lang, code=participant.code, until=until
                )
            ),
            kind="notice",
            now=now,
            person_id=staff.id,
            priority=NOTICE_PRIORITY,
        )
    return ErasureRequested(request, new=True)


async def care_team(uow: UnitOfWorkProtocol, participant: Person) -> list[tuple[Person, str]]:
    """Who is told about an erasure, each with the suffix of their own wording: the
    assigned therapist ("") and every reachable coordinator ("_coordinator")."""
    told: list[tuple[Person, str]] = []
    if participant.therapist_id is not None:
        therapist = await uow.people.by_id(participant.therapist_id)
        if therapist is not None and therapist.reachable:
            told.append((therapist, ""))
    for coordinator in await uow.people.with_role(Role.COORDINATOR, reachable=True):
        told.append((coordinator, "_coordinator"))
    return told


async def erasable(uow: UnitOfWorkProtocol, code: str) -> Person:
    """The participant ``code`` (erased ones too); UnknownParticipant otherwise."""
    participant = await uow.people.by_code(code)
    if participant is None or participant.role != Role.PARTICIPANT:
        raise UnknownParticipant(
            f"no participant {code.upper()}", key="problem.no_participant", code=code.upper()
        )
    return participant


def held_until(
    participant: Person, request: ErasureRequest | None, policy: RetentionPolicy, now: datetime
) -> datetime | None:
    """Until when the records must be kept: the later of what the participant was told when
    they asked and what the policy in force now requires (None: nothing holds them)."""
    ended = participant.withdrawn_at or (request.requested_at if request else now)
    candidates = [
        d
        for d in (request.keep_until if request else None, policy.keep_until(ended))
        if d is not None
    ]
    return max(candidates, default=None)


async def preview(
    uow: UnitOfWorkProtocol, *, now: datetime, participant: Person, policy: RetentionPolicy
) -> ErasurePreview:
    if participant.status == PersonStatus.ERASED:
        request = await uow.erasures.latest_request(participant.id)
        return ErasurePreview(
            participant.code, participant.status, request, ErasureCounts(), None, now
        )
    request = await uow.erasures.open_request(participant.id)
    return ErasurePreview(
        participant.code,
        participant.status,
        request,
        await uow.erasures.inventory(participant),
        held_until(participant, request, policy, now),
        now,
    )


async def erase(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    participant: Person,
    catalogue: Catalogue,
    policy: RetentionPolicy,
    actor: Person | None,
    force: bool = False,
) -> ErasureDone:
    """Erase a participant's data, keeping only the tombstone; idempotent.

    Refused (ErasureRefused) without an open request, or while the retention policy keeps
    the records, unless ``force``. The participant gets a last message (queued with their
    chat id before it is forgotten); the therapist and coordinators are told; the audit log
    records who erased, when, and how much.
    """
    if participant.status == PersonStatus.ERASED:
        done = await uow.erasures.latest_request(participant.id)
        return ErasureDone(participant.code, done.erased_at if done else None, already=True)
    request = await uow.erasures.open_request(participant.id)
    hold = held_until(participant, request, policy, now)
    held = hold is not None and now < hold
    if request is None and not force:
        raise ErasureRefused(
            f"{participant.code} has not asked for their data to be erased (no open request);"
            " nothing was changed (--force erases anyway)",
            key="problem.erasure_not_requested",
            code=participant.code,
        )
    if held and not force:
        assert hold is not None
        raise ErasureRefused(
            f"the retention policy keeps {participant.code}'s records until {hold:%Y-%m-%d};"
            " nothing was changed (--force erases anyway)",
            key="problem.erasure_held",
            code=participant.code,
            until=f"{hold:%Y-%m-%d}",
        )
    told = await care_team(uow, participant)  # before the tombstone forgets the therapist
    farewell = _farewell(catalogue, participant)
    counts = await uow.erasures.erase(participant, now=now)
    await uow.people.save(tombstone(participant))
    by = actor.code if actor else "cli"
    if request is not None:
        await uow.erasures.save_request(
            replace(request, status=ErasureStatus.ERASED, erased_at=now, erased_by=by)
        )
    else:
        await uow.erasures.add_request(
            ErasureRequest(
                id=0,
                participant_id=participant.id,
                requested_at=now,
                requested_by=by,
                policy=policy.name,
                status=ErasureStatus.ERASED,
                erased_at=now,
                erased_by=by,
            )
        )
    forced = request is None or held
    await uow.audit.by_staff(
        now=now,
        action="erasure",
        staff=actor,
        subject_id=participant.id,
        detail=("forced " if forced else "") + counts.summary(),
    )
    if participant.chat_id is not None:
        await uow.outbox.enqueue(
            key=f"erased:{participant.id}",
            chat_id=participant.chat_id,
            message=farewell,
            kind=FAREWELL_KIND,
            now=now,
            person_id=None,  # nobody left to link it to; the chat id is all delivery needs
            priority=FAREWELL_PRIORITY,
        )
    for staff, _ in told:
        assert staff.chat_id is not None
        await uow.outbox.enqueue(
            key=f"notice:erased:{participant.id}:{staff.id}",
            chat_id=staff.chat_id,
            message=Outgoing(
                catalogue.text("notice.erased", staff.lang, code=participant.code, by=by)
            ),
            kind="notice",
            now=now,
            person_id=staff.id,
            priority=NOTICE_PRIORITY,
        )
    return ErasureDone(
        participant.code,
        now,
        counts,
        forced=forced,
        farewell=participant.chat_id is not None,
    )


def _farewell(catalogue: Catalogue, participant: Person) -> Outgoing:
    """The last message: their data are erased, and where to find help (in their language,
    with their region's crisis lines, read before the tombstone forgets both)."""
    lines = crisis_text(
        catalogue, participant.lang, participant.locale, participant.timezone, header=False
    )
    return Outgoing(catalogue.text("delete.erased", participant.lang, crisis=lines))


async def coordinator(uow: UnitOfWorkProtocol, code: str) -> Person:
    """The coordinator who erases (``ember erase --by C-01``), as stored now."""
    found = await uow.people.by_code(code)
    if found is None or found.role != Role.COORDINATOR or found.status == PersonStatus.INVITED:
        raise NotAllowed(
            f"{code.upper()} is not an enrolled coordinator", key="problem.not_allowed"
        )
    return found


class Erasure(Bound):
    """Erasure requests (/delete) and erasing (`ember erase`), under the retention policy."""

    @property
    def policy(self) -> RetentionPolicy:
        return self.ctx.retention

    async def request(self, participant: Person) -> ErasureRequested:
        """/delete, confirmed: recorded, prompts stop, the care team is told."""
        async with self.ctx.uow() as uow:
            person = await current_participant(uow, participant)
            requested = await request_erasure(
                uow,
                now=self.ctx.clock.now(),
                participant=person,
                catalogue=self.ctx.catalogue,
                policy=self.ctx.retention,
            )
            await uow.commit()
        self.ctx.wake_delivery()
        return requested

    async def preview(self, code: str) -> ErasurePreview:
        """What erasing ``code`` would remove (the command line shows it before asking)."""
        async with self.ctx.uow() as uow:
            participant = await erasable(uow, code)
            return await preview(
                uow, now=self.ctx.clock.now(), participant=participant, policy=self.ctx.retention
            )

    async def erase(self, code: str, *, by: str | None = None, force: bool = False) -> ErasureDone:
        """Erase ``code``'s data (``by``: the coordinator doing it; None: the command line)."""
        async with self.ctx.uow() as uow:
            actor = await coordinator(uow, by) if by else None
            participant = await erasable(uow, code)
            done = await erase(
                uow,
                now=self.ctx.clock.now(),
                participant=participant,
                catalogue=self.ctx.catalogue,
                policy=self.ctx.retention,
                actor=actor,
                force=force,
            )
            await uow.commit()
        if not done.already:
            self.ctx.wake_delivery()
        return done
