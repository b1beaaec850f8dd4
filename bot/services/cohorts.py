"""Bulk work from CSV files: enrolling a cohort, importing sessions.

The whole file is checked first (the file itself in `bot/domain/cohort.py`, then against
what is stored: therapists, protocols, codes already taken, sessions already recorded),
every problem as ``file:line: reason``; if there is any, nothing is created. Otherwise
everything is created in one transaction, with the same use cases as one invitation or
one session (`enrollment.invite`, `sessions.add_session`), so the audit log and the
schedules are exactly what the one-by-one commands would have made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.cohort import CohortRow, PlannedSession, SessionRow, by_line
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import CANCELLED
from bot.errors import CohortFileError, Problem
from bot.services import sessions
from bot.services.context import Bound
from bot.services.enrollment import NewInvitation, invite
from bot.services.planning import replan_many
from bot.services.unit_of_work import UnitOfWorkProtocol

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
) -> list[Problem]:
    """What the stored clinic says against the file: unknown therapists and protocols,
    codes already taken."""
    problems: list[Problem] = []
    therapists: dict[str, bool] = {}
    protocols: dict[str, bool] = {}
    for row in rows:
        if row.therapist not in therapists:
            found = await uow.people.by_code(row.therapist)
            therapists[row.therapist] = found is not None and found.role == Role.THERAPIST
        if not therapists[row.therapist]:
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
    return problems


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
    created, if any row is wrong."""
    problems = [*problems, *await check_cohort(uow, rows, file)]
    if problems:
        raise CohortFileError(by_line(problems))
    enrolled: list[EnrolledParticipant] = []
    planned_ids: list[int] = []
    recorded = 0
    for done, row in enumerate(rows, 1):
        created = await invite(
            uow,
            now=now,
            role=Role.PARTICIPANT,
            code=row.code,
            timezone=row.timezone,
            language=row.language,
            therapist_code=row.therapist,
            ttl=ttl,
            protocol_id=row.protocol,
        )
        participant = await uow.people.by_id(created.person_id)  # in the session already
        assert participant is not None
        for planned in row.sessions:
            await sessions.add_session(
                uow,
                now=now,
                participant=participant,
                kind=planned.kind,
                starts_at=starts_at(planned, row.timezone),
                batch=True,
            )
            recorded += 1
        if row.sessions:
            planned_ids.append(participant.id)
        enrolled.append(EnrolledParticipant(row, created))
        progress(done, len(rows))
    await _replan(uow, now, planned_ids)
    return EnrolledCohort(tuple(enrolled), recorded)


async def _replan(uow: UnitOfWorkProtocol, now: datetime, participant_ids: list[int]) -> None:
    """Plan the prompts of everyone who got sessions, a batch of participants at a time."""
    for start in range(0, len(participant_ids), REPLAN_BATCH):
        await replan_many(
            uow, now=now, participant_ids=participant_ids[start : start + REPLAN_BATCH]
        )


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
    for row in rows:
        if row.code not in people:
            found = await uow.people.by_code(row.code)
            usable = (
                found is not None
                and found.role == Role.PARTICIPANT
                and found.status != PersonStatus.ERASED
            )
            people[row.code] = found if usable else None
        participant = people[row.code]
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
    for done, row in enumerate(rows, 1):
        participant = people[row.code]
        assert participant is not None
        await sessions.add_session(
            uow,
            now=now,
            participant=participant,
            kind=row.session.kind,
            starts_at=starts_at(row.session, participant.timezone),
            batch=True,
        )
        progress(done, len(rows))
    await _replan(uow, now, sorted({p.id for p in people.values() if p is not None}))
    unplanned = sorted(
        code for code, person in people.items() if person and person.protocol_id is None
    )
    return ImportedSessions(len(rows), len(people), tuple(unplanned))


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
