"""Treatment sessions: recorded, moved or cancelled; the prompts timed from them follow."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import timefmt
from bot.domain.people import Person, Role
from bot.domain.protocol import SessionKind
from bot.domain.records import CANCELLED, TreatmentSession
from bot.domain.schedule import local_wall_time
from bot.errors import AlreadyExists, InvalidValue, NotFound
from bot.services import render
from bot.services.access import visible_participant
from bot.services.context import Bound
from bot.services.planning import replan
from bot.services.unit_of_work import UnitOfWorkProtocol


def parse_local(text: str, tz: str) -> datetime:
    """'2026-12-01 09:00' (or ISO with an offset) in the participant's zone, as UTC."""
    raw = text.strip().replace("T", " ")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(
            f"{text!r} is not a date and time like 2026-12-01 09:00", key="problem.when", text=text
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(ZoneInfo("UTC"))


async def add_session(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    participant: Person,
    kind: str,
    starts_at: datetime,
    actor: Person | None = None,
) -> TreatmentSession:
    """Record a session and replan the participant; a session with the same kind and time
    as one recorded already is refused (to be moved instead)."""
    try:
        SessionKind(kind)
    except ValueError:
        raise InvalidValue(
            f"{kind!r} is not a session kind (dosing, integration, preparation)",
            key="problem.session_kind",
            kind=kind,
        ) from None
    for existing in await uow.schedules.sessions_of(participant.id):
        if existing.status != CANCELLED and existing.kind == kind and (
            existing.starts_at == starts_at
        ):
            when = local(existing.starts_at, participant)
            raise AlreadyExists(
                f"{participant.code} already has a {kind} session at {when} (#{existing.id}); "
                f"to change its time: ember session move {participant.code} {existing.id} "
                '"<new date and time>"',
                key="problem.duplicate_session",
                code=participant.code,
                kind=kind,
                when=when,
                id=existing.id,
            )
    session = await uow.schedules.add_session(
        TreatmentSession(
            id=0,
            participant_id=participant.id,
            kind=kind,
            starts_at=starts_at,
            created_at=now,
            created_by_id=actor.id if actor else None,
        )
    )
    await replan(uow, now=now, participant=participant)
    await uow.audit.by_staff(
        now=now,
        action="session.add",
        staff=actor,
        subject_id=participant.id,
        detail=f"{kind} #{session.id}",
    )
    return session


async def change_session(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    session_id: int,
    starts_at: datetime | None = None,
    cancel: bool = False,
    actor: Person | None = None,
) -> TreatmentSession:
    """Move or cancel a session; pending prompts follow, sent ones stay in the record."""
    session = await uow.schedules.session_by_id(session_id)
    if session is None:
        raise NotFound(f"no session #{session_id}", key="problem.no_session", id=session_id)
    participant = await uow.people.by_id(session.participant_id)
    assert participant is not None
    if actor is not None and actor.role == Role.THERAPIST and participant.therapist_id != actor.id:
        raise NotFound(f"no session #{session_id}", key="problem.no_session", id=session_id)
    if cancel:
        session = replace(session, status=CANCELLED)
    elif starts_at is not None:
        session = replace(session, starts_at=starts_at)
    await uow.schedules.save_session(session)
    await replan(uow, now=now, participant=participant)
    await uow.audit.by_staff(
        now=now,
        action="session.cancel" if cancel else "session.move",
        staff=actor,
        subject_id=participant.id,
        detail=f"#{session_id}",
    )
    return session


@dataclass(frozen=True)
class SessionView:
    id: int
    kind: str
    local_time: str  # "2026-12-01 14:05 CET" (the command line)
    code: str = ""  # the participant's
    starts_at: datetime | None = None
    timezone: str = "UTC"  # the participant's

    def shown(self, lang: str) -> str:
        """When it starts, in the participant's zone, formatted for a reader of ``lang``."""
        if self.starts_at is None:
            return self.local_time
        return f"{timefmt.when(self.starts_at, self.timezone, lang)} ({self.timezone})"
    # no protocol is assigned to the participant, so nothing will be sent around the session
    without_protocol: bool = False


def local(when: datetime, person: Person) -> str:
    """A stored UTC time as the person's local wall time."""
    return local_wall_time(when, person.timezone)


class Sessions(Bound):
    """Treatment sessions, recorded and moved by staff, and the schedule they see."""

    async def add(self, actor: Person | None, code: str, kind: str, when: str) -> SessionView:
        """Record a session (``when`` in the participant's zone); its prompts follow."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            starts = parse_local(when, participant.timezone)
            session = await add_session(
                uow,
                now=now,
                participant=participant,
                kind=kind.lower(),
                starts_at=starts,
                actor=actor,
            )
            await uow.commit()
        return SessionView(
            session.id,
            session.kind,
            local(session.starts_at, participant),
            participant.code,
            session.starts_at,
            participant.timezone,
            without_protocol=participant.protocol_id is None,
        )

    async def change(
        self,
        actor: Person | None,
        code: str,
        session_id: int,
        *,
        when: str | None = None,
        cancel: bool = False,
    ) -> SessionView:
        """Move or cancel one of the participant's sessions; pending prompts follow."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            starts = parse_local(when, participant.timezone) if when else None
            existing = await uow.schedules.session_by_id(session_id)
            if existing is None or existing.participant_id != participant.id:
                raise NotFound(
                    f"no session #{session_id} for {participant.code}",
                    key="problem.no_session_for",
                    id=session_id,
                    code=participant.code,
                )
            session = await change_session(
                uow, now=now, session_id=session_id, starts_at=starts, cancel=cancel, actor=actor
            )
            await uow.commit()
        return SessionView(
            session.id,
            session.kind,
            local(session.starts_at, participant),
            participant.code,
            session.starts_at,
            participant.timezone,
        )

    async def schedule(self, actor: Person | None, code: str) -> str:
        """A participant's sessions and prompts in their local time, for staff."""
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            sessions = await uow.schedules.sessions_of(participant.id)
            prompts = await uow.schedules.prompts_of(participant.id)
        lang = actor.lang if actor is not None else "en"
        return render.schedule_text(self.ctx.catalogue, participant, sessions, prompts, lang)
