"""Planning: a participant's pending prompts kept equal to their protocol and sessions.

The timing itself is pure (``bot/domain/schedule.py``). Each participant's schedule is
replaced whole, in one transaction, and is never half-replaced. Loading a protocol that
thousands follow, or assigning one to many, is bulk work: the ``Planning`` group commits
the protocol first, then replans its participants in batches of ``BATCH``. A batch is read
(a few queries) and worked out in a reader's unit of work, which holds up nobody; then a
short transaction checks that what it was worked out from still holds and writes it, with
a pause between two such transactions, so nobody waiting to write (a crisis message above
all) waits for more than one short write.
Interrupted, it is simply run again: replanning a participant whose schedule already
matches changes nothing, so nothing is planned twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.people import Person, PersonStatus, Role
from bot.domain.protocol import Protocol
from bot.domain.records import ScheduledPrompt, StoredProtocol, TreatmentSession
from bot.domain.schedule import (
    PlannedPrompt,
    PromptStatus,
    SessionInfo,
    diff_schedule,
    plan_prompts,
)
from bot.errors import NotFound
from bot.services.context import Bound
from bot.services.protocols import protocol_by_id, protocol_of, stored_by_id
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.protocols import list_shipped_protocols, protocol_from_yaml

DONE = frozenset(
    {PromptStatus.SENT, PromptStatus.ANSWERED, PromptStatus.MISSED, PromptStatus.SKIPPED}
)
BATCH = 200  # participants replanned per transaction

Progress = Callable[[int, int], None]  # (participants done, participants in all)


@dataclass(frozen=True)
class ProtocolLoaded:
    protocol: Protocol
    replaced: bool
    participants_replanned: int


async def store_protocol(
    uow: UnitOfWorkProtocol, *, now: datetime, source: str, source_name: str, actor: str = "cli"
) -> tuple[Protocol, bool]:
    """Validate and store a protocol (replacing an earlier version); returns it and whether
    it replaced one. Raises ProtocolFileError (file, line, reason) before anything changes.
    Nobody is replanned here: see :func:`replan_many` and ``Planning.load_protocol``."""
    protocol = protocol_from_yaml(source, source_name)
    replaced = await uow.schedules.stored_protocol(protocol.id) is not None
    await uow.schedules.save_protocol(
        StoredProtocol(protocol.id, protocol.name, protocol.version, source, source_name, now)
    )
    await uow.audit.record(
        at=now, actor=actor, action="protocol.load", detail=f"{protocol.id} v{protocol.version}"
    )
    return protocol, replaced


async def load_protocol(
    uow: UnitOfWorkProtocol, *, now: datetime, source: str, source_name: str, actor: str = "cli"
) -> ProtocolLoaded:
    """Store a protocol and replan everyone on it, all in the caller's one transaction: for
    a new clinic or a test. A running clinic loads through ``Planning.load_protocol``,
    which replans in batches."""
    protocol, replaced = await store_protocol(
        uow, now=now, source=source, source_name=source_name, actor=actor
    )
    replanned = 0
    after = 0
    while ids := await uow.people.participant_ids_on(protocol.id, after_id=after, limit=BATCH):
        replanned += await replan_many(uow, now=now, participant_ids=ids)
        after = ids[-1]
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
    await assign_many(
        uow, now=now, participants=[participant], protocol_id=protocol_id, actor=actor
    )
    return sum(
        1
        for p in await uow.schedules.prompts_of(participant.id)
        if p.status == PromptStatus.PENDING
    )


async def assign_many(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    participants: Sequence[Person],
    protocol_id: str,
    actor: str = "cli",
) -> None:
    """Put participants on a protocol and replan them (one batch, one transaction)."""
    await protocol_by_id(uow, protocol_id)
    for participant in participants:
        await uow.people.save(replace(participant, protocol_id=protocol_id))
        await uow.audit.record(
            at=now,
            actor=actor,
            action="protocol.assign",
            subject_id=participant.id,
            detail=protocol_id,
        )
    await replan_many(uow, now=now, participant_ids=[p.id for p in participants])


async def replan(uow: UnitOfWorkProtocol, *, now: datetime, participant: Person) -> None:
    """Make the participant's pending prompts match their protocol and sessions."""
    await replan_many(uow, now=now, participant_ids=[participant.id])


async def replan_many(
    uow: UnitOfWorkProtocol, *, now: datetime, participant_ids: Sequence[int]
) -> int:
    """Make each participant's pending prompts match their protocol and sessions, as they
    are stored now, in the caller's transaction; returns how many were replanned.

    The participants, their prompts and their sessions are read with a few queries
    whatever their number, and the changes written with a few statements. Stored keys are
    "<protocol>:<step>@<session>", so switching protocols never confuses two protocols'
    steps; prompts already sent, answered or missed are never re-added; a prompt whose
    plan did not change is not written at all.
    """
    plan = await work_out(uow, now=now, participant_ids=participant_ids)
    await _write(uow, plan.added, plan.changed)
    return len(plan.seen)


@dataclass(frozen=True)
class BatchPlan:
    """A batch's replan worked out from what one read saw (:func:`work_out`), with what it
    was worked out from, so :func:`write_out` can tell whether it still holds."""

    seen: dict[int, tuple[Person, tuple[TreatmentSession, ...]]]
    protocols: dict[str, StoredProtocol]
    added: list[ScheduledPrompt]
    changed: list[tuple[ScheduledPrompt, ScheduledPrompt]]  # (as read, as changed)


async def work_out(
    uow: UnitOfWorkProtocol, *, now: datetime, participant_ids: Sequence[int]
) -> BatchPlan:
    """Read the participants, their prompts, sessions and protocols (a few queries) and
    work out their replan; nothing is written. A reader's unit of work will do."""
    people = await uow.people.by_ids(participant_ids)
    prompts = await uow.schedules.prompts_of_many(participant_ids)
    sessions = await uow.schedules.sessions_of_many(participant_ids)
    stored: dict[str, StoredProtocol] = {}
    seen: dict[int, tuple[Person, tuple[TreatmentSession, ...]]] = {}
    added: list[ScheduledPrompt] = []
    changed: list[tuple[ScheduledPrompt, ScheduledPrompt]] = []
    for participant in people:
        protocol: Protocol | None = None
        if participant.protocol_id is not None and not participant.withdrawn:
            if participant.protocol_id not in stored:
                stored[participant.protocol_id] = await stored_by_id(uow, participant.protocol_id)
            protocol = protocol_of(stored[participant.protocol_id])
        theirs = tuple(sessions.get(participant.id, ()))
        new, saved = _replanned(participant, protocol, prompts.get(participant.id, []), theirs, now)
        seen[participant.id] = (participant, theirs)
        added += new
        changed += saved
    return BatchPlan(seen, stored, added, changed)


async def write_out(uow: UnitOfWorkProtocol, *, now: datetime, plan: BatchPlan) -> int:
    """Write a replan worked out earlier, in a short transaction: for each participant
    whose record, sessions or protocol changed since it was read, the replan is worked
    out again here instead; a prompt changed meanwhile (sent, say) is left as it is, and
    one planned meanwhile is not added twice. Returns how many were worked out again."""
    ids = list(plan.seen)
    now_people = {p.id: p for p in await uow.people.by_ids(ids)}
    now_sessions = await uow.schedules.sessions_of_many(ids)
    for protocol_id, was in plan.protocols.items():
        if await uow.schedules.stored_protocol(protocol_id) != was:
            stale = set(ids)  # reloaded meanwhile: every participant is worked out again
            break
    else:
        stale = {
            pid
            for pid, (person, sessions) in plan.seen.items()
            if now_people.get(pid) != person or tuple(now_sessions.get(pid, ())) != sessions
        }
    await _write(
        uow,
        [p for p in plan.added if p.participant_id not in stale],
        [(was, new) for was, new in plan.changed if was.participant_id not in stale],
    )
    if stale:
        await replan_many(uow, now=now, participant_ids=sorted(stale))
    return len(stale)


async def _write(
    uow: UnitOfWorkProtocol,
    added: Sequence[ScheduledPrompt],
    changed: Sequence[tuple[ScheduledPrompt, ScheduledPrompt]],
) -> None:
    await uow.schedules.save_prompts_if_unchanged(changed)
    await uow.schedules.add_prompts(added)


def _replanned(
    participant: Person,
    protocol: Protocol | None,
    prompts: Sequence[ScheduledPrompt],
    sessions: Sequence[TreatmentSession],
    now: datetime,
) -> tuple[list[ScheduledPrompt], list[tuple[ScheduledPrompt, ScheduledPrompt]]]:
    """One participant's replan, pure: (prompts to add, (as read, as changed) pairs)."""
    rows = [p for p in prompts if not p.is_oneoff]
    ours = {r.step_key: r for r in rows if protocol and r.protocol_id == protocol.id}
    added: list[ScheduledPrompt] = []
    changed: dict[int, tuple[ScheduledPrompt, ScheduledPrompt]] = {}

    def save(prompt: ScheduledPrompt, before: ScheduledPrompt) -> None:
        if prompt != before:  # a prompt whose plan did not change is not written
            changed[prompt.id] = (before, prompt)

    for row in rows:  # pending prompts of a protocol the participant is no longer on
        if row.status == PromptStatus.PENDING and row.step_key not in ours:
            save(replace(row, status=PromptStatus.CANCELLED), row)
    if protocol is None:
        return added, list(changed.values())
    infos = [SessionInfo(s.id, s.kind, s.starts_at, cancelled=s.cancelled) for s in sessions]
    plan = plan_prompts(
        protocol, infos, participant.timezone, in_couple=participant.couple_id is not None
    )
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
        fresh = ScheduledPrompt(
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
                found or fresh,
                protocol_id=protocol.id,
                step_id=planned.step_id,
                session_id=planned.session_id,
                kind=kinds[planned.step_id],
                status=PromptStatus.PENDING,
                reminders_sent=0,
            ),
            planned,
        )
        if found is None:
            added.append(prompt)
        else:
            save(prompt, found)
    for planned in change.move:
        save(_with_times(ours[planned.key], planned), ours[planned.key])
    by_key = {planned.key: planned for planned in plan}
    for key in change.unchanged:  # same due time; window or reminders may have changed
        save(_with_times(ours[key], by_key[key]), ours[key])
    for key in change.cancel:
        save(replace(ours[key], status=PromptStatus.CANCELLED), ours[key])
    return added, list(changed.values())


def _with_times(prompt: ScheduledPrompt, planned: PlannedPrompt) -> ScheduledPrompt:
    return replace(
        prompt,
        due_at=planned.due_at,
        expires_at=planned.expires_at,
        reminder_times=tuple(planned.reminder_times),
    )


class Planning(Bound):
    """Protocols: loaded (by the command line, or shipped at start-up), assigned, listed.

    Loading and assigning are bulk work: the protocol is committed first, then its
    participants are replanned ``BATCH`` at a time, each batch in a short transaction of
    its own, with a pause between batches for anyone waiting to write. ``progress``, if
    given, hears (done, total) after each batch.
    """

    async def load_protocol(
        self,
        source: str,
        source_name: str,
        *,
        progress: Progress | None = None,
        actor: str = "cli",
    ) -> ProtocolLoaded:
        """Validate and store a protocol, then replan everyone on it, batch by batch."""
        async with self.ctx.uow() as uow:
            protocol, replaced = await store_protocol(
                uow, now=self.ctx.clock.now(), source=source, source_name=source_name, actor=actor
            )
            await uow.commit()
        replanned = await self.replan_everyone_on(protocol.id, progress=progress)
        return ProtocolLoaded(protocol, replaced, replanned)

    async def replan_everyone_on(
        self, protocol_id: str, *, progress: Progress | None = None
    ) -> int:
        """Replan every participant on a protocol, ``BATCH`` at a time, each once (keyset
        by id); returns how many were replanned. Each batch is read and worked out without
        holding up any writer, then checked and written in a short transaction."""
        async with self.ctx.reader() as uow:
            total = await uow.people.count_on(protocol_id)
        if progress is not None:
            progress(0, total)
        done = after = 0
        while True:
            now = self.ctx.clock.now()
            async with self.ctx.reader() as uow:  # reading and working out hold up nobody
                ids = await uow.people.participant_ids_on(protocol_id, after_id=after, limit=BATCH)
                if not ids:
                    return done
                plan = await work_out(uow, now=now, participant_ids=ids)
            await self.ctx.storage.breathe()
            async with self.ctx.uow() as uow:  # only checking and writing hold the lock
                await write_out(uow, now=now, plan=plan)
                await uow.commit()
            done, after = done + len(ids), ids[-1]
            if progress is not None:
                progress(done, max(total, done))

    async def assign_protocol(self, code: str, protocol_id: str) -> int:
        """Put participant ``code`` on a loaded protocol; returns their pending prompts."""
        async with self.ctx.uow() as uow:
            participant = await _participant(uow, code)
            pending = await assign_protocol(
                uow, now=self.ctx.clock.now(), participant=participant, protocol_id=protocol_id
            )
            await uow.commit()
        return pending

    async def assign_many(
        self, codes: Sequence[str], protocol_id: str, *, progress: Progress | None = None
    ) -> int:
        """Put several participants on a loaded protocol, ``BATCH`` per transaction;
        returns how many. Every code is checked before anything changes."""
        async with self.ctx.reader() as uow:
            await protocol_by_id(uow, protocol_id)
            ids = [(await _participant(uow, code)).id for code in codes]
        ids = list(dict.fromkeys(ids))  # a code given twice is assigned once
        if progress is not None:
            progress(0, len(ids))
        for start in range(0, len(ids), BATCH):
            async with self.ctx.uow() as uow:
                batch = await uow.people.by_ids(ids[start : start + BATCH])
                await assign_many(
                    uow, now=self.ctx.clock.now(), participants=batch, protocol_id=protocol_id
                )
                await uow.commit()
            if progress is not None:
                progress(min(start + BATCH, len(ids)), len(ids))
            await self.ctx.storage.breathe()
        return len(ids)

    async def summary(self) -> list[dict[str, object]]:
        async with self.ctx.reader() as uow:
            return [
                {
                    "id": stored.id,
                    "version": stored.version,
                    "name": stored.name,
                    "count": await uow.people.count_on(stored.id),
                }
                for stored in await uow.schedules.stored_protocols()
            ]

    async def load_shipped(self) -> list[str]:
        """At start-up: protocols shipped in prompts/ that are not loaded yet get loaded.

        A protocol already in the database is left as the coordinators loaded it.
        """
        loaded: list[str] = []
        for path in list_shipped_protocols():
            source = path.read_text(encoding="utf-8")
            protocol = protocol_from_yaml(source, f"prompts/{path.name}")
            async with self.ctx.reader() as uow:
                if await uow.schedules.stored_protocol(protocol.id) is not None:
                    continue
            try:
                await self.load_protocol(source, f"prompts/{path.name}", actor="system")
            except Exception:
                # several instances starting at once on a new database: another one may
                # have loaded it between our look and our write
                async with self.ctx.reader() as uow:
                    if await uow.schedules.stored_protocol(protocol.id) is not None:
                        continue
                raise
            loaded.append(protocol.id)
        return loaded


async def _participant(uow: UnitOfWorkProtocol, code: str) -> Person:
    participant = await uow.people.by_code(code)
    if (
        participant is None
        or participant.role != Role.PARTICIPANT
        or participant.status == PersonStatus.ERASED
    ):
        raise NotFound(f"no participant {code.upper()}", key="problem.no_participant", code=code)
    return participant
