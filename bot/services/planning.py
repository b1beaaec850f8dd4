"""Planning: a participant's pending prompts kept equal to their protocol and sessions.

The timing itself is pure (``bot/domain/schedule.py``); loading or assigning a protocol
replans everyone it concerns in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.people import Person, PersonStatus, Role
from bot.domain.protocol import Protocol
from bot.domain.records import ScheduledPrompt, StoredProtocol
from bot.domain.schedule import (
    PlannedPrompt,
    PromptStatus,
    SessionInfo,
    diff_schedule,
    plan_prompts,
)
from bot.errors import NotFound
from bot.services.context import Bound
from bot.services.protocols import protocol_by_id
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.protocols import list_shipped_protocols, protocol_from_yaml

DONE = frozenset(
    {PromptStatus.SENT, PromptStatus.ANSWERED, PromptStatus.MISSED, PromptStatus.SKIPPED}
)


@dataclass(frozen=True)
class ProtocolLoaded:
    protocol: Protocol
    replaced: bool
    participants_replanned: int


async def load_protocol(
    uow: UnitOfWorkProtocol, *, now: datetime, source: str, source_name: str, actor: str = "cli"
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
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    participant: Person,
    protocol_id: str,
    actor: str = "cli",
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


async def replan(uow: UnitOfWorkProtocol, *, now: datetime, participant: Person) -> None:
    """Make the participant's pending prompts match their protocol and sessions.

    Stored keys are "<protocol>:<step>@<session>", so switching protocols never confuses
    two protocols' steps; prompts already sent, answered or missed are never re-added.
    """
    participant = await uow.people.by_id(participant.id) or participant  # as stored now
    rows = [p for p in await uow.schedules.prompts_of(participant.id) if not p.is_oneoff]
    protocol: Protocol | None = None
    if participant.protocol_id is not None and not participant.withdrawn:
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


class Planning(Bound):
    """Protocols: loaded (by the command line, or shipped at start-up), assigned, listed."""

    async def load_protocol(self, source: str, source_name: str) -> ProtocolLoaded:
        """Validate and store a protocol and replan everyone on it, in one transaction."""
        async with self.ctx.uow() as uow:
            loaded = await load_protocol(
                uow, now=self.ctx.clock.now(), source=source, source_name=source_name
            )
            await uow.commit()
        return loaded

    async def assign_protocol(self, code: str, protocol_id: str) -> int:
        """Put participant ``code`` on a loaded protocol; returns their pending prompts."""
        async with self.ctx.uow() as uow:
            participant = await uow.people.by_code(code)
            if (
                participant is None
                or participant.role != Role.PARTICIPANT
                or participant.status == PersonStatus.ERASED
            ):
                raise NotFound(
                    f"no participant {code.upper()}", key="problem.no_participant", code=code
                )
            pending = await assign_protocol(
                uow, now=self.ctx.clock.now(), participant=participant, protocol_id=protocol_id
            )
            await uow.commit()
        return pending

    async def summary(self) -> list[dict[str, object]]:
        async with self.ctx.uow() as uow:
            rows = []
            for stored in await uow.schedules.stored_protocols():
                count = len(await uow.people.participants_on(stored.id))
                rows.append(
                    {
                        "id": stored.id,
                        "version": stored.version,
                        "name": stored.name,
                        "count": count,
                    }
                )
            return rows

    async def load_shipped(self) -> list[str]:
        """At start-up: protocols shipped in prompts/ that are not loaded yet get loaded.

        A protocol already in the database is left as the coordinators loaded it.
        """
        loaded: list[str] = []
        async with self.ctx.uow() as uow:
            for path in list_shipped_protocols():
                source = path.read_text(encoding="utf-8")
                protocol = protocol_from_yaml(source, f"prompts/{path.name}")
                if await uow.schedules.stored_protocol(protocol.id) is None:
                    await load_protocol(
                        uow,
                        now=self.ctx.clock.now(),
                        source=source,
                        source_name=f"prompts/{path.name}",
                        actor="system",
                    )
                    loaded.append(protocol.id)
            await uow.commit()
        return loaded
