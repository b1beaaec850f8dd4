"""Bulk work from CSV files: enrolling a cohort, importing sessions.

The whole file is checked first (the file itself in `bot/domain/cohort.py`, then against
what is stored: therapists, protocols, codes already taken, sessions already recorded),
every problem as ``file:line: reason``; if there is any, nothing is created. Otherwise
everything is created in one transaction with a few statements whatever the file's size:
the same people, invitations, sessions, audit entries and planned prompts as the
one-by-one commands (`ember invite participant`, `ember session add`) would have made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.cohort import CohortRow, PlannedSession, SessionRow, by_line
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import CANCELLED, TreatmentSession
from bot.errors import CohortFileError, Problem
from bot.services.context import Bound
from bot.services.enrollment import NewInvitation, hash_code, new_code
from bot.services.planning import replan_many
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import crisis_resources

ProgressCallback = Callable[[int, int], None]
REPLAN_BATCH = 200  # participants replanned with one set of queries


def _quiet(done: int, total: int) -> None:
    """No progress shown."""


def starts_at(session: PlannedSession, timezone: str) -> datetime:
    """A planned session's local start, in UTC."""
    return session.local_start.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@dataclass(frozen=True)
class EnrolledParticipant:
    row: CohortRow
    invitation: NewInvitation


@dataclass(frozen=True)
class EnrolledCohort:
    participants: tuple[EnrolledParticipant, ...]
    sessions: int


@dataclass(frozen=True)
class ImportedSessions:
    sessions: int
    participants: int
    without_protocol: tuple[str, ...]  # codes of those with no protocol assigned


async def check_cohort(
    uow: UnitOfWorkProtocol, rows: Sequence[CohortRow], file: str
) -> tuple[list[Problem], dict[str, Person]]:
    """What the stored clinic says against the file (unknown therapists and protocols,
    codes already taken), and the therapists found, by code."""
    problems: list[Problem] = []
    regions = crisis_resources().regions
    therapists: dict[str, Person | None] = {}
    protocols: dict[str, bool] = {}
    for row in rows:
        if row.therapist not in therapists:
            found = await uow.people.by_code(row.therapist)
            therapists[row.therapist] = found if found and found.role == Role.THERAPIST else None
        if therapists[row.therapist] is None:
            problems.append(Problem(file, row.line, f"no therapist with code {row.therapist}"))
        if row.protocol is not None:
            if row.protocol not in protocols:
                protocols[row.protocol] = (
                    await uow.schedules.stored_protocol(row.protocol) is not None
                )
            if not protocols[row.protocol]:
                problems.append(
                    Problem(
                        file,
                        row.line,
                        f"no protocol {row.protocol!r} is loaded (ember protocol load FILE)",
                    )
                )
        if row.region is not None and row.region not in regions:
            problems.append(
                Problem(
                    file,
                    row.line,
                    f"no crisis lines are configured for region {row.region} "
                    f"(regions: {', '.join(sorted(regions))})",
                )
            )
        existing = await uow.people.by_code(row.code)
        if existing is not None:
            problems.append(
                Problem(
                    file,
                    row.line,
                    f"{row.code} already exists ({existing.role}, {existing.status}); for a "
                    f"new link: ember invite participant {row.code} --therapist "
                    f"{row.therapist}",
                )
            )
    return problems, {code: t for code, t in therapists.items() if t is not None}


async def record_sessions(
    uow: UnitOfWorkProtocol, *, now: datetime, planned: Sequence[tuple[Person, PlannedSession]]
) -> int:
    """Record checked sessions in one go, audited as `ember session add` audits each, and
    plan the prompts of everyone concerned; returns how many were recorded."""
    added = await uow.schedules.add_sessions(
        [
            TreatmentSession(
                id=0,
                participant_id=participant.id,
                kind=session.kind,
                starts_at=starts_at(session, participant.timezone),
                created_at=now,
            )
            for participant, session in planned
        ]
    )
    await uow.audit.record_many(
        at=now,
        actor="cli",
        action="session.add",
        events=[(s.participant_id, f"{s.kind} #{s.id}") for s in added],
    )
    ids = sorted({participant.id for participant, _ in planned})
    for start in range(0, len(ids), REPLAN_BATCH):
        await replan_many(uow, now=now, participant_ids=ids[start : start + REPLAN_BATCH])
    return len(added)


async def enrol_cohort(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    rows: Sequence[CohortRow],
    file: str,
    ttl: timedelta,
    problems: Sequence[Problem] = (),
    progress: ProgressCallback = _quiet,
) -> EnrolledCohort:
    """Check every row, then invite everyone and record their sessions; CohortFileError
    with every problem (``problems`` found in the file itself first), and nothing
    created, if any row is wrong.

    Everyone is written with a few statements, whatever the size of the cohort: the same
    people, invitations, sessions, audit entries and planned prompts as `ember invite
    participant` and `ember session add` make one at a time.
    """
    found, therapists = await check_cohort(uow, rows, file)
    problems = [*problems, *found]
    if problems:
        raise CohortFileError(by_line(problems))
    total = len(rows)
    people = await uow.people.add_many(
        [
            Person(
                id=0,
                role=Role.PARTICIPANT,
                code=row.code,
                timezone=row.timezone,
                language=row.language,
                status=PersonStatus.INVITED,
                therapist_id=therapists[row.therapist].id,
                protocol_id=row.protocol,
                locale=row.region,
                created_at=now,
            )
            for row in rows
        ]
    )
    progress(total // 3, total)
    raw_codes = [new_code() for _ in rows]
    invitations = await uow.people.add_invitations(
        code_hashes=[(hash_code(raw), p.id) for raw, p in zip(raw_codes, people, strict=True)],
        now=now,
        expires_at=now + ttl,
        created_by_id=None,
    )
    await uow.audit.record_many(
        at=now,
        actor="cli",
        action="invite",
        events=[(p.id, f"role={Role.PARTICIPANT}") for p in people],
    )
    progress(2 * total // 3, total)
    recorded = await record_sessions(
        uow,
        now=now,
        planned=[(p, s) for p, row in zip(people, rows, strict=True) for s in row.sessions],
    )
    progress(total, total)
    enrolled = tuple(
        EnrolledParticipant(row, NewInvitation(p.code, Role.PARTICIPANT, raw, inv.expires_at, p.id))
        for row, p, raw, inv in zip(rows, people, raw_codes, invitations, strict=True)
    )
    return EnrolledCohort(enrolled, recorded)


async def import_sessions(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    rows: Sequence[SessionRow],
    file: str,
    problems: Sequence[Problem] = (),
    progress: ProgressCallback = _quiet,
) -> ImportedSessions:
    """Check every line (the participant exists, the session is not recorded already),
    then record them all; CohortFileError with every problem, and nothing recorded, if
    any line is wrong."""
    people: dict[str, Person | None] = {}
    problems = list(problems)
    for done, row in enumerate(rows, 1):
        if row.code not in people:
            found = await uow.people.by_code(row.code)
            usable = (
                found is not None
                and found.role == Role.PARTICIPANT
                and found.status != PersonStatus.ERASED
            )
            people[row.code] = found if usable else None
        participant = people[row.code]
        progress(done, len(rows))
        if participant is None:
            problems.append(Problem(file, row.line, f"no participant {row.code}"))
            continue
        start = starts_at(row.session, participant.timezone)
        for existing in await uow.schedules.sessions_of(participant.id):
            if (
                existing.status != CANCELLED
                and existing.kind == row.session.kind
                and existing.starts_at == start
            ):
                problems.append(
                    Problem(
                        file,
                        row.line,
                        f"{row.code} already has this {existing.kind} session (#{existing.id}); "
                        f"to change its time: ember session move {row.code} {existing.id} "
                        '"<new date and time>"',
                    )
                )
    if problems:
        raise CohortFileError(by_line(problems))
    planned: list[tuple[Person, PlannedSession]] = []
    for row in rows:
        participant = people[row.code]
        assert participant is not None
        planned.append((participant, row.session))
    recorded = await record_sessions(uow, now=now, planned=planned)
    unplanned = sorted(
        code for code, person in people.items() if person and person.protocol_id is None
    )
    return ImportedSessions(recorded, len(people), tuple(unplanned))


class Cohorts(Bound):
    """Bulk enrolment and session import from checked CSV files (the command line)."""

    async def enrol(
        self,
        rows: Sequence[CohortRow],
        file: str,
        *,
        ttl: timedelta | None = None,
        problems: Sequence[Problem] = (),
        progress: ProgressCallback = _quiet,
    ) -> EnrolledCohort:
        """Invite a whole cohort in one transaction, or nobody (``problems``: those the
        file itself showed, reported with those the stored clinic shows)."""
        async with self.ctx.uow() as uow:
            enrolled = await enrol_cohort(
                uow,
                now=self.ctx.clock.now(),
                rows=rows,
                file=file,
                ttl=ttl or self.ctx.invitation_ttl,
                problems=problems,
                progress=progress,
            )
            await uow.commit()
        return enrolled

    async def import_sessions(
        self,
        rows: Sequence[SessionRow],
        file: str,
        *,
        problems: Sequence[Problem] = (),
        progress: ProgressCallback = _quiet,
    ) -> ImportedSessions:
        """Record every session of a file in one transaction, or none."""
        async with self.ctx.uow() as uow:
            imported = await import_sessions(
                uow,
                now=self.ctx.clock.now(),
                rows=rows,
                file=file,
                problems=problems,
                progress=progress,
            )
            await uow.commit()
        return imported
