"""Treatment sessions: recorded, moved or cancelled; the prompts timed from them follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import timefmt
from bot.domain.dosing import DoseRecord, parse_dose
from bot.domain.people import Person, Role
from bot.domain.protocol import SessionKind
from bot.domain.records import CANCELLED, TreatmentSession
from bot.domain.schedule import local_wall_time
from bot.errors import AlreadyExists, InvalidValue, NotAllowed, NotFound
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
    # a couple's shared session is one row per partner: moving or cancelling it changes both
    rows = await uow.schedules.sessions_shared(session.shared_id) if session.shared_id else []
    changed = session
    for row in rows or [session]:
        if cancel:
            row = replace(row, status=CANCELLED)
        elif starts_at is not None:
            row = replace(row, starts_at=starts_at)
        await uow.schedules.save_session(row)
        whose = participant if row.participant_id == participant.id else None
        whose = whose or await uow.people.by_id(row.participant_id)
        assert whose is not None
        await replan(uow, now=now, participant=whose)
        await uow.audit.by_staff(
            now=now,
            action="session.cancel" if cancel else "session.move",
            staff=actor,
            subject_id=whose.id,
            detail=f"#{row.id}",
        )
        if row.id == session_id:
            changed = row
    return changed


async def add_shared_session(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    participant: Person,
    partner: Person,
    kind: str,
    starts_at: datetime,
    actor: Person | None = None,
) -> tuple[TreatmentSession, TreatmentSession]:
    """One session for both partners of a couple: a row each, carrying the first row's id,
    so that moving or cancelling either moves or cancels both."""
    first = await add_session(
        uow, now=now, participant=participant, kind=kind, starts_at=starts_at, actor=actor
    )
    first = replace(first, shared_id=first.id)
    await uow.schedules.save_session(first)
    second = await add_session(
        uow, now=now, participant=partner, kind=kind, starts_at=starts_at, actor=actor
    )
    second = replace(second, shared_id=first.id)
    await uow.schedules.save_session(second)
    return first, second


def dose_record(session: TreatmentSession, initial: str, supplemental: Sequence[str]) -> str:
    """The record of the doses given at a dosing session, checked, as it is stored."""
    if session.kind != SessionKind.DOSING:
        raise InvalidValue(
            f"session #{session.id} is a {session.kind} session; doses belong to dosing sessions",
            key="problem.dose_session",
            id=session.id,
        )
    if session.cancelled:
        raise InvalidValue(
            f"session #{session.id} was cancelled", key="problem.dose_session", id=session.id
        )
    record = DoseRecord(parse_dose(initial), tuple(parse_dose(d) for d in supplemental))
    return str(record)


@dataclass(frozen=True)
class SessionView:
    id: int
    kind: str
    local_time: str  # "2026-12-01 14:05 CET" (the command line)
    code: str = ""  # the participant's
    partner: str = ""  # the partner's code, for a couple's shared session
    status: str = ""
    doses: str = ""
    starts_at: datetime | None = None
    timezone: str = "UTC"  # the participant's
    # no protocol is assigned to the participant, so nothing will be sent around the session
    without_protocol: bool = False

    def shown(self, lang: str) -> str:
        """When it starts, in the participant's zone, formatted for a reader of ``lang``."""
        if self.starts_at is None:
            return self.local_time
        return f"{timefmt.when(self.starts_at, self.timezone, lang)} ({self.timezone})"


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
            starts_at=session.starts_at,
            timezone=participant.timezone,
            without_protocol=participant.protocol_id is None,
        )

    async def add_for_couple(
        self, actor: Person | None, code: str, kind: str, when: str
    ) -> tuple[SessionView, SessionView]:
        """Record one session for both partners of ``code``'s couple (``when`` in that
        partner's zone); both schedules follow it."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            partner = await uow.people.partner_of(participant)
            if partner is None:
                raise NotFound(
                    f"{participant.code} is not in a couple",
                    key="problem.no_couple",
                    code=participant.code,
                )
            partner = await visible_participant(uow, actor, partner.code)
            starts = parse_local(when, participant.timezone)
            first, second = await add_shared_session(
                uow,
                now=now,
                participant=participant,
                partner=partner,
                kind=kind.lower(),
                starts_at=starts,
                actor=actor,
            )
            await uow.commit()
        return (
            SessionView(
                first.id,
                first.kind,
                local(first.starts_at, participant),
                participant.code,
                partner.code,
            ),
            SessionView(
                second.id,
                second.kind,
                local(second.starts_at, partner),
                partner.code,
                participant.code,
            ),
        )

    async def record_doses(
        self,
        actor: Person | None,
        code: str,
        session_id: int,
        initial: str,
        supplemental: Sequence[str] = (),
    ) -> SessionView:
        """Record the doses given at one of the participant's dosing sessions (local times
        on the session's day); a new record replaces the earlier one, which stays audited."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            session = await uow.schedules.session_by_id(session_id)
            if session is None or session.participant_id != participant.id:
                raise NotFound(
                    f"no session #{session_id} for {participant.code}",
                    key="problem.no_session_for",
                    id=session_id,
                    code=participant.code,
                )
            if (
                actor is not None
                and actor.role != Role.THERAPIST
                and actor.role != Role.COORDINATOR
            ):
                raise NotAllowed(f"{actor.code} may not record doses", key="problem.not_allowed")
            session = replace(session, doses=dose_record(session, initial, supplemental))
            await uow.schedules.save_session(session)
            await uow.audit.by_staff(
                now=now,
                action="session.doses",
                staff=actor,
                subject_id=participant.id,
                detail=f"#{session.id}",
            )
            await uow.commit()
        return SessionView(
            session.id,
            session.kind,
            local(session.starts_at, participant),
            participant.code,
            doses=session.doses or "",
        )

    async def listing(self, actor: Person | None, code: str) -> list[SessionView]:
        """A participant's sessions, oldest first: status, shared partner and doses."""
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            sessions = await uow.schedules.sessions_of(participant.id)
            partners: dict[int, str] = {}
            for session in sessions:
                if session.shared_id is None:
                    continue
                for row in await uow.schedules.sessions_shared(session.shared_id):
                    if row.participant_id != participant.id:
                        other = await uow.people.by_id(row.participant_id)
                        partners[session.id] = other.code if other else ""
        return [
            SessionView(
                s.id,
                s.kind,
                local(s.starts_at, participant),
                participant.code,
                partners.get(s.id, ""),
                s.status,
                s.doses or "",
            )
            for s in sessions
        ]

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
            if existing is not None and existing.participant_id != participant.id:
                # a couple's shared session may be named by either partner's number
                shared = existing.shared_id
                rows = await uow.schedules.sessions_shared(shared) if shared else []
                own = [r for r in rows if r.participant_id == participant.id]
                existing = own[0] if own else None
                session_id = existing.id if existing else session_id
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
            starts_at=session.starts_at,
            timezone=participant.timezone,
        )

    async def schedule(self, actor: Person | None, code: str) -> str:
        """A participant's sessions and prompts in their local time, for staff."""
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            sessions = await uow.schedules.sessions_of(participant.id)
            prompts = await uow.schedules.prompts_of(participant.id)
        lang = actor.lang if actor is not None else "en"
        return render.schedule_text(self.ctx.catalogue, participant, sessions, prompts, lang)
