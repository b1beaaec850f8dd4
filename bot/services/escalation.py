"""Escalating unacknowledged alerts until someone acknowledges, and acknowledging flags.

Staff act on flags: the number in an alert, in /flags and in /ack is the flag's.
Acknowledging a flag (its button, or /ack) acknowledges every alert raised for it, stops
their escalation, and changes every copy of them that was queued or sent (every round,
every recipient) to say who acknowledged and when, in the reader's own language and time
zone, with the button gone. Those changes go through the outbox like any message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain import timefmt
from bot.domain.outgoing import OutboxStatus
from bot.domain.people import Person, Role
from bot.domain.records import Alert, Flag
from bot.domain.safety import AlertStatus, EscalationPolicy, FlagStatus
from bot.errors import NotAllowed, NotFound
from bot.services.access import current_staff
from bot.services.context import Bound
from bot.services.flags import (
    ALERT_PRIORITY,
    EscalationNote,
    acknowledged_copy,
    alert_topic,
    coordinators,
    send_alert,
)
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue

log = logging.getLogger(__name__)


ONCALL_KEY = "oncall"


async def escalation_recipients(uow: UnitOfWorkProtocol, participant: Person) -> list[Person]:
    """The assigned therapist again, their backup, whoever is on call, and the coordinators."""
    found: dict[int, Person] = {}
    therapist = (
        await uow.people.by_id(participant.therapist_id) if participant.therapist_id else None
    )
    candidates: list[Person | None] = [therapist]
    if therapist is not None and therapist.backup_id is not None:
        candidates.append(await uow.people.by_id(therapist.backup_id))
    oncall_code = await uow.clinic.get_setting(ONCALL_KEY)
    if oncall_code:
        candidates.append(await uow.people.by_code(oncall_code))
    candidates.extend(await coordinators(uow))
    for person in candidates:
        if person is not None and person.reachable:
            found.setdefault(person.id, person)
    return list(found.values())


async def escalate_due(
    uow: UnitOfWorkProtocol, *, now: datetime, catalogue: Catalogue, policy: EscalationPolicy
) -> int:
    """Escalate every unacknowledged alert whose time has come; returns how many rounds."""
    rounds = 0
    for alert in await uow.flags.due_escalations(now):
        flag = await uow.flags.flag_by_id(alert.flag_id)
        participant = await uow.people.by_id(alert.participant_id)
        assert flag is not None and participant is not None
        alert = replace(alert, escalation_round=alert.escalation_round + 1)
        recipients = await escalation_recipients(uow, participant)
        details = await uow.flags.details(flag.id)
        therapist = (
            await uow.people.by_id(participant.therapist_id) if participant.therapist_id else None
        )
        note = EscalationNote(
            round=alert.escalation_round,
            minutes=_minutes(alert.created_at, now),
            therapist=therapist.code if therapist else "—",
        )
        await send_alert(
            uow,
            now,
            catalogue,
            alert,
            participant,
            flag,
            details.excerpt,
            details.explanation,
            recipients,
            round_=alert.escalation_round,
            escalation=note,
        )
        await uow.flags.add_escalation(
            alert_id=alert.id,
            round=alert.escalation_round,
            at=now,
            recipients=[p.code for p in recipients],
        )
        delay = policy.escalate_after(alert.tier) or timedelta(minutes=15)
        alert = replace(alert, escalate_at=now + delay)
        await uow.flags.save_alert(alert)
        await uow.audit.record(
            at=now,
            actor="system",
            action="alert.escalated",
            subject_id=participant.id,
            detail=f"alert #{alert.id} round {alert.escalation_round}",
        )
        log.warning(
            "alert #%d unacknowledged: escalation round %d to %d people",
            alert.id,
            alert.escalation_round,
            len(recipients),
        )
        rounds += 1
    return rounds


@dataclass(frozen=True)
class Acknowledged:
    """The answer to an acknowledgement, for the one who asked."""

    flag_id: int
    participant_code: str
    minutes: int  # from the flag being raised to its acknowledgement
    by: str  # the staff code of whoever acknowledged it first
    when: str  # when they did, in the asker's own time zone
    first: bool = True  # False: it had been acknowledged already, and nothing was recorded


async def may_acknowledge(uow: UnitOfWorkProtocol, staff: Person, participant: Person) -> bool:
    if staff.role == Role.COORDINATOR:
        return True
    if staff.role != Role.THERAPIST:
        return False
    if participant.therapist_id == staff.id:
        return True
    therapist = (
        await uow.people.by_id(participant.therapist_id) if participant.therapist_id else None
    )
    if therapist is not None and therapist.backup_id == staff.id:
        return True
    return await uow.clinic.get_setting(ONCALL_KEY) == staff.code


async def acknowledge(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    catalogue: Catalogue,
    staff: Person,
    flag_id: int | None = None,
    alert_id: int | None = None,
) -> Acknowledged:
    """Acknowledge a flag and every alert raised for it; checks who is asking.

    ``alert_id`` is for buttons sent before buttons carried the flag: it acknowledges that
    alert's flag. The flag and its alerts are read locked, so two acknowledgements take
    turns (the second is told who was first) and an escalation round in progress finishes
    first (its copies are then changed too). Someone who may not act on the participant is
    refused: NotAllowed for an alert's button, NotFound for a flag number (so numbers
    cannot be probed).
    """
    refuse: type[NotFound] | type[NotAllowed] = NotFound
    if alert_id is not None:
        alert = await uow.flags.alert_by_id(alert_id)
        if alert is None:
            raise NotFound(f"alert {alert_id}")
        flag_id, refuse = alert.flag_id, NotAllowed
    if flag_id is None:
        raise NotFound("no flag named")
    flag = await uow.flags.flag_by_id(flag_id, lock=True)
    participant = await uow.people.by_id(flag.participant_id) if flag else None
    if flag is None or participant is None:
        raise NotFound(f"flag {flag_id}")
    if not await may_acknowledge(uow, staff, participant):
        raise refuse(f"flag {flag_id} is not for {staff.code}")
    alerts = await uow.flags.alerts_of_flag(flag.id, lock=True)
    still_open = [a for a in alerts if a.status == AlertStatus.OPEN]
    if flag.status != FlagStatus.OPEN and not still_open:
        return await _already(uow, flag, alerts, participant, staff)
    minutes = _minutes(flag.created_at, now)
    if flag.status == FlagStatus.OPEN:
        await uow.flags.save_flag(
            replace(
                flag,
                status=FlagStatus.ACKNOWLEDGED,
                acknowledged_at=now,
                acknowledged_by_id=staff.id,
            )
        )
    changed = 0
    for alert in still_open:
        await uow.flags.save_alert(
            replace(
                alert,
                status=AlertStatus.ACKNOWLEDGED,
                acknowledged_at=now,
                acknowledged_by_id=staff.id,
                escalate_at=None,
            )
        )
        changed += await show_acknowledgement(uow, catalogue, alert, by=staff, at=now)
        await uow.audit.record(
            at=now,
            actor=staff.code,
            actor_id=staff.id,
            action="alert.acknowledged",
            subject_id=participant.id,
            detail=f"flag #{flag.id} alert #{alert.id} after {_minutes(alert.created_at, now)} min",
        )
    if not alerts:
        await uow.audit.record(
            at=now,
            actor=staff.code,
            actor_id=staff.id,
            action="flag.acknowledged",
            subject_id=participant.id,
            detail=f"flag #{flag.id} after {minutes} min",
        )
    log.info("flag #%d acknowledged after %d min; %d copies changed", flag.id, minutes, changed)
    when = timefmt.when_zoned(now, staff.timezone, staff.lang)
    return Acknowledged(flag.id, participant.code, minutes, staff.code, when)


async def _already(
    uow: UnitOfWorkProtocol,
    flag: Flag,
    alerts: list[Alert],
    participant: Person,
    asker: Person,
) -> Acknowledged:
    """Who acknowledged first, and when (in the asker's time zone); nothing is recorded."""
    by_id, at = flag.acknowledged_by_id, flag.acknowledged_at
    if by_id is None or at is None:  # acknowledged through an alert only: its record
        done = sorted(
            (a for a in alerts if a.acknowledged_at is not None),
            key=lambda a: a.acknowledged_at or flag.created_at,
        )
        if done:
            by_id, at = done[0].acknowledged_by_id, done[0].acknowledged_at
    by = await uow.people.by_id(by_id) if by_id is not None else None
    at = at or flag.created_at
    return Acknowledged(
        flag.id,
        participant.code,
        _minutes(flag.created_at, at),
        by.code if by else "—",
        timefmt.when_zoned(at, asker.timezone, asker.lang),
        first=False,
    )


async def show_acknowledgement(
    uow: UnitOfWorkProtocol, catalogue: Catalogue, alert: Alert, *, by: Person, at: datetime
) -> int:
    """Make every copy of ``alert`` (every round, every recipient) say who acknowledged it
    and when, with its button gone; returns how many copies change.

    A copy still waiting in the outbox is rewritten where it waits (the rewrite only takes
    if no worker has claimed it meanwhile); a copy a worker holds, or that was sent, gets
    an edit row, which the outbox sends once that copy is settled (and drops if it never
    went out). A copy that failed or was withdrawn reached nobody: nothing to change.
    """
    readers: dict[int | None, Person | None] = {}
    changed = 0
    for copy in await uow.outbox.copies(alert_topic(alert.id)):
        if copy.status in (OutboxStatus.FAILED, OutboxStatus.CANCELLED):
            continue
        if copy.person_id not in readers:
            readers[copy.person_id] = (
                await uow.people.by_id(copy.person_id) if copy.person_id is not None else None
            )
        message = acknowledged_copy(catalogue, copy.message, readers[copy.person_id], by, at)
        changed += 1
        if copy.status == OutboxStatus.PENDING and await uow.outbox.rewrite_pending(
            copy.id, message
        ):
            continue
        await uow.outbox.enqueue(
            key=f"edit:{copy.id}",
            chat_id=copy.chat_id,
            message=message,
            kind="edit",
            now=at,
            person_id=copy.person_id,
            priority=ALERT_PRIORITY,
            edits_id=copy.id,
        )
    return changed


def _minutes(since: datetime, now: datetime) -> int:
    return int((now - since).total_seconds() // 60)


class Escalation(Bound):
    """The escalation chain (a scheduler job) and acknowledging alerts and flags."""

    async def escalate(self) -> int:
        """Escalate unacknowledged alerts whose time has come (a scheduler job)."""
        async with self.ctx.uow() as uow:
            rounds = await escalate_due(
                uow,
                now=self.ctx.clock.now(),
                catalogue=self.ctx.catalogue,
                policy=self.ctx.policy,
            )
            await uow.commit()
        if rounds:
            self.ctx.wake_delivery()
        return rounds

    async def acknowledge(
        self, staff: Person, *, alert_id: int | None = None, flag_id: int | None = None
    ) -> Acknowledged:
        """Acknowledge a flag (/ack, or its button) or an alert's flag (an older button), as
        the stored staff member; every copy of its alerts then shows it."""
        async with self.ctx.uow() as uow:
            staff = await current_staff(uow, staff)
            result = await acknowledge(
                uow,
                now=self.ctx.clock.now(),
                catalogue=self.ctx.catalogue,
                staff=staff,
                flag_id=flag_id,
                alert_id=alert_id,
            )
            await uow.commit()
        if result.first:
            self.ctx.wake_delivery()
        return result
