"""Protocols, sessions and prompts: planning, sending when due, reminders, expiry, pausing.

The timing itself is pure (``bot/domain/schedule.py``); this module keeps the stored
schedule equal to the plan, hands due prompts to the outbox exactly once, and records
what became of each prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.people import Person, PersonStatus, Role
from bot.domain.protocol import Protocol, SessionKind
from bot.domain.records import CANCELLED, ScheduledPrompt, StoredProtocol, TreatmentSession
from bot.domain.schedule import (
    PlannedPrompt,
    PromptStatus,
    SessionInfo,
    diff_schedule,
    plan_prompts,
)
from bot.errors import InvalidValue, NotAllowed, NotFound
from bot.services import render
from bot.services.protocols import protocol_by_id
from prompts.catalogue import Catalogue
from prompts.protocols import protocol_from_yaml
from storage.uow import UnitOfWork

PROMPT_PRIORITY = 0
REMINDER_PRIORITY = 0
DONE = frozenset(
    {PromptStatus.SENT, PromptStatus.ANSWERED, PromptStatus.MISSED, PromptStatus.SKIPPED}
)


# -- protocols -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProtocolLoaded:
    protocol: Protocol
    replaced: bool
    participants_replanned: int


async def load_protocol(
    uow: UnitOfWork, *, now: datetime, source: str, source_name: str, actor: str = "cli"
) -> ProtocolLoaded:
    """Validate and store a protocol, then replan everyone on it, all in one transaction.

    Raises ProtocolFileError (file, line, reason) before anything changes; the caller's
    commit makes the new version and every replanned schedule visible at once.
    """
    protocol = protocol_from_yaml(source, source_name)
    replaced = await uow.schedules.stored_protocol(protocol.id) is not None
    await uow.schedules.save_protocol(
        StoredProtocol(protocol.id, protocol.name, protocol.version, source, source_name, now)
    )
    replanned = 0
    for participant in await uow.people.participants_on(protocol.id):
        await replan(uow, now=now, participant=participant)
        replanned += 1
    await uow.audit.record(
        at=now, actor=actor, action="protocol.load", detail=f"{protocol.id} v{protocol.version}"
    )
    return ProtocolLoaded(protocol, replaced, replanned)


async def assign_protocol(
    uow: UnitOfWork, *, now: datetime, participant: Person, protocol_id: str, actor: str = "cli"
) -> int:
    """Put a participant on a protocol; returns how many prompts are now pending."""
    await protocol_by_id(uow, protocol_id)
    participant = replace(participant, protocol_id=protocol_id)
    await uow.people.save(participant)
    await replan(uow, now=now, participant=participant)
    await uow.audit.record(
        at=now,
        actor=actor,
        action="protocol.assign",
        subject_id=participant.id,
        detail=protocol_id,
    )
    return sum(
        1
        for p in await uow.schedules.prompts_of(participant.id)
        if p.status == PromptStatus.PENDING
    )


# -- sessions ------------------------------------------------------------------------


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
    uow: UnitOfWork,
    *,
    now: datetime,
    participant: Person,
    kind: str,
    starts_at: datetime,
    actor: Person | None = None,
) -> TreatmentSession:
    try:
        SessionKind(kind)
    except ValueError:
        raise InvalidValue(
            f"{kind!r} is not a session kind (dosing, integration, preparation)",
            key="problem.session_kind",
            kind=kind,
        ) from None
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
    uow: UnitOfWork,
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


# -- planning ------------------------------------------------------------------------


async def replan(uow: UnitOfWork, *, now: datetime, participant: Person) -> None:
    """Make the participant's pending prompts match their protocol and sessions.

    Stored keys are "<protocol>:<step>@<session>", so switching protocols never confuses
    two protocols' steps; prompts already sent, answered or missed are never re-added.
    """
    participant = await uow.people.by_id(participant.id) or participant  # as stored now
    rows = [p for p in await uow.schedules.prompts_of(participant.id) if not p.is_oneoff]
    protocol: Protocol | None = None
    if participant.protocol_id is not None and participant.status != PersonStatus.WITHDRAWN:
        protocol = await protocol_by_id(uow, participant.protocol_id)
    ours = {r.step_key: r for r in rows if protocol and r.protocol_id == protocol.id}
    for row in rows:  # pending prompts of a protocol the participant is no longer on
        if row.status == PromptStatus.PENDING and row.step_key not in ours:
            await uow.schedules.save_prompt(replace(row, status=PromptStatus.CANCELLED))
    if protocol is None:
        return
    sessions = [
        SessionInfo(s.id, s.kind, s.starts_at, cancelled=s.cancelled)
        for s in await uow.schedules.sessions_of(participant.id)
    ]
    plan = plan_prompts(protocol, sessions, participant.timezone)
    change = diff_schedule(
        {k: r.due_at for k, r in ours.items() if r.status == PromptStatus.PENDING},
        plan,
        done={k for k, r in ours.items() if r.status in DONE},
    )
    kinds = {step.id: step.kind.value for step in protocol.steps}
    for planned in change.add:
        if planned.expires_at <= now:
            continue  # its whole window is already past: nothing to ask any more
        found = ours.get(planned.key)  # None when new; a cancelled row when planned again
        if found is None:
            found = ScheduledPrompt(
                id=0,
                participant_id=participant.id,
                key=f"{protocol.id}:{planned.key}",
                kind=kinds[planned.step_id],
                due_at=planned.due_at,
                expires_at=planned.expires_at,
                created_at=now,
            )
        prompt = _with_times(
            replace(
                found,
                protocol_id=protocol.id,
                step_id=planned.step_id,
                session_id=planned.session_id,
                kind=kinds[planned.step_id],
                status=PromptStatus.PENDING,
                reminders_sent=0,
            ),
            planned,
        )
        if prompt.id:
            await uow.schedules.save_prompt(prompt)
        else:
            await uow.schedules.add_prompt(prompt)
    for planned in change.move:
        await uow.schedules.save_prompt(_with_times(ours[planned.key], planned))
    by_key = {planned.key: planned for planned in plan}
    for key in change.unchanged:  # same due time; window or reminders may have changed
        await uow.schedules.save_prompt(_with_times(ours[key], by_key[key]))
    for key in change.cancel:
        await uow.schedules.save_prompt(replace(ours[key], status=PromptStatus.CANCELLED))


def _with_times(prompt: ScheduledPrompt, planned: PlannedPrompt) -> ScheduledPrompt:
    return replace(
        prompt,
        due_at=planned.due_at,
        expires_at=planned.expires_at,
        reminder_times=tuple(planned.reminder_times),
    )


# -- sending -------------------------------------------------------------------------


def is_paused(participant: Person, now: datetime) -> bool:
    if participant.status != PersonStatus.PAUSED:
        return False
    return participant.paused_until is None or participant.paused_until > now


@dataclass
class TickResult:
    sent: int = 0
    missed: int = 0
    skipped: int = 0
    reminded: int = 0
    cancelled: int = 0
    missed_participants: list[int] | None = None


async def send_due(
    uow: UnitOfWork, *, now: datetime, catalogue: Catalogue, limit: int = 500
) -> TickResult:
    """Hand every due prompt to the outbox once; stale ones become missed, not a burst."""
    result = TickResult(missed_participants=[])
    for prompt in await uow.schedules.due_prompts(now, limit):
        participant = await uow.people.by_id(prompt.participant_id)
        assert participant is not None
        if participant.status == PersonStatus.PAUSED and not is_paused(participant, now):
            participant = replace(participant, status=PersonStatus.ACTIVE, paused_until=None)
            await uow.people.save(participant)  # the pause ran out
        if participant.status in (
            PersonStatus.WITHDRAWN,
            PersonStatus.INVITED,
            PersonStatus.CONSENT_PENDING,
        ):
            await uow.schedules.save_prompt(replace(prompt, status=PromptStatus.CANCELLED))
            result.cancelled += 1
        elif is_paused(participant, now) or participant.status == PersonStatus.UNREACHABLE:
            await uow.schedules.save_prompt(replace(prompt, status=PromptStatus.SKIPPED))
            result.skipped += 1
        elif now >= prompt.expires_at:
            await uow.schedules.save_prompt(replace(prompt, status=PromptStatus.MISSED))
            result.missed += 1
            assert result.missed_participants is not None
            result.missed_participants.append(participant.id)
        else:
            message, prompt = await render.prompt_message(uow, catalogue, participant, prompt)
            await uow.outbox.enqueue(
                key=f"prompt:{prompt.id}",
                chat_id=_chat(participant),
                message=message,
                kind="prompt",
                now=now,
                person_id=participant.id,
                priority=PROMPT_PRIORITY,
            )
            await uow.schedules.save_prompt(replace(prompt, status=PromptStatus.SENT, sent_at=now))
            result.sent += 1
    return result


async def remind_and_expire(
    uow: UnitOfWork, *, now: datetime, catalogue: Catalogue, limit: int = 1000
) -> TickResult:
    """Gentle reminders inside the window; at its end an unanswered prompt is missed."""
    result = TickResult(missed_participants=[])
    for prompt in await uow.schedules.open_prompts(limit):
        if now >= prompt.expires_at:
            await uow.schedules.save_prompt(replace(prompt, status=PromptStatus.MISSED))
            result.missed += 1
            assert result.missed_participants is not None
            result.missed_participants.append(prompt.participant_id)
            continue
        times = prompt.reminder_times
        if prompt.reminders_sent >= len(times) or times[prompt.reminders_sent] > now:
            continue
        participant = await uow.people.by_id(prompt.participant_id)
        assert participant is not None
        n = prompt.reminders_sent
        await uow.schedules.save_prompt(replace(prompt, reminders_sent=n + 1))
        if is_paused(participant, now) or participant.status != PersonStatus.ACTIVE:
            continue
        await uow.outbox.enqueue(
            key=f"reminder:{prompt.id}:{n}",
            chat_id=_chat(participant),
            message=render.reminder_message(catalogue, participant),
            kind="reminder",
            now=now,
            person_id=participant.id,
            priority=REMINDER_PRIORITY,
        )
        result.reminded += 1
    return result


async def one_off_prompt(
    uow: UnitOfWork,
    *,
    now: datetime,
    participant: Person,
    text: str,
    author: Person | None,
    window: timedelta = timedelta(hours=24),
) -> ScheduledPrompt:
    """A prompt written by staff, due now (the next tick sends it)."""
    if participant.role != Role.PARTICIPANT:
        raise NotAllowed("prompts go to participants", key="problem.prompts_to_participants")
    n = await uow.schedules.next_oneoff_number(participant.id)
    prompt = await uow.schedules.add_prompt(
        ScheduledPrompt(
            id=0,
            participant_id=participant.id,
            key=f"oneoff:{n}",
            kind="text",
            text=text,
            due_at=now,
            expires_at=now + window,
            created_at=now,
            created_by_id=author.id if author else None,
        )
    )
    await uow.audit.record(
        at=now,
        actor=author.code if author else "cli",
        actor_id=author.id if author else None,
        action="prompt.oneoff",
        subject_id=participant.id,
    )
    return prompt


def _chat(participant: Person) -> int:
    assert participant.chat_id is not None
    return participant.chat_id


# -- participant control -------------------------------------------------------------


async def pause(
    uow: UnitOfWork, *, now: datetime, participant: Person, duration: timedelta | None
) -> Person:
    participant = replace(
        participant,
        status=PersonStatus.PAUSED,
        paused_until=now + duration if duration else None,
    )
    await uow.people.save(participant)
    await uow.audit.record(
        at=now,
        actor="participant",
        action="pause",
        subject_id=participant.id,
        detail=f"until {participant.paused_until}",
    )
    return participant


async def resume(uow: UnitOfWork, *, now: datetime, participant: Person) -> bool:
    if participant.status != PersonStatus.PAUSED:
        return False
    await uow.people.save(replace(participant, status=PersonStatus.ACTIVE, paused_until=None))
    await uow.audit.record(at=now, actor="participant", action="resume", subject_id=participant.id)
    return True


async def withdraw(
    uow: UnitOfWork, *, now: datetime, participant: Person, catalogue: Catalogue
) -> None:
    """/stop: prompts end at once and the therapist is told (through the outbox)."""
    participant = replace(participant, status=PersonStatus.WITHDRAWN, withdrawn_at=now)
    await uow.people.save(participant)
    for prompt in await uow.schedules.prompts_of(participant.id):
        if prompt.status in (PromptStatus.PENDING, PromptStatus.SENT):
            await uow.schedules.save_prompt(replace(prompt, status=PromptStatus.CANCELLED))
    await uow.audit.record(
        at=now, actor="participant", action="withdraw", subject_id=participant.id
    )
    await notify_therapist(
        uow, now=now, participant=participant, catalogue=catalogue, event="withdrawn"
    )


async def notify_therapist(
    uow: UnitOfWork, *, now: datetime, participant: Person, catalogue: Catalogue, event: str
) -> None:
    """Tell the assigned therapist (or, without one, the coordinators) about a participant."""
    recipients: list[Person] = []
    if participant.therapist_id is not None:
        therapist = await uow.people.by_id(participant.therapist_id)
        if therapist is not None and therapist.chat_id is not None:
            recipients.append(therapist)
    if not recipients:
        recipients = list(await uow.people.with_role(Role.COORDINATOR, reachable=True))
    stamp = now.strftime("%Y%m%d%H%M")
    for staff in recipients:
        assert staff.chat_id is not None
        await uow.outbox.enqueue(
            key=f"notice:{event}:{participant.id}:{staff.id}:{stamp}",
            chat_id=staff.chat_id,
            message=render.notice(catalogue, staff, participant, event),
            kind="notice",
            now=now,
            person_id=staff.id,
            priority=3,
        )


async def answer_label(
    uow: UnitOfWork, prompt: ScheduledPrompt, value: str, participant: Person
) -> str | None:
    """The recorded text of a button answer, or None when the value is not on this prompt."""
    if prompt.kind == "scale":
        return value if value.isdigit() and 0 <= int(value) <= 10 else None
    if prompt.kind == "choice" and prompt.protocol_id and prompt.step_id:
        step = (await protocol_by_id(uow, prompt.protocol_id)).step(prompt.step_id)
        for choice in step.choices:
            if choice.id == value:
                return choice.label_for(participant.language or "en")
    return None
