"""Escalating unacknowledged alerts until someone acknowledges, and acknowledging them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.people import Person, Role
from bot.domain.records import Flag
from bot.domain.safety import AlertStatus, EscalationPolicy, FlagStatus
from bot.errors import NotAllowed, NotFound
from bot.services.access import current_staff
from bot.services.context import Bound
from bot.services.flags import coordinators, send_alert
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
        minutes = _minutes(alert.created_at, now)
        extra = catalogue.text(
            "alert.escalated",
            "en",
            round=alert.escalation_round,
            minutes=minutes,
            therapist=therapist.code if therapist else "none",
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
            extra=extra,
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
    alert_id: int
    participant_code: str
    minutes: int
    already_by: str | None = None


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
    uow: UnitOfWorkProtocol, *, now: datetime, staff: Person, alert_id: int
) -> Acknowledged:
    """Stop an alert's escalation; the flag is acknowledged too. Checks who is asking."""
    alert = await uow.flags.alert_by_id(alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id}")
    participant = await uow.people.by_id(alert.participant_id)
    assert participant is not None
    if not await may_acknowledge(uow, staff, participant):
        raise NotAllowed("not your participant")
    minutes = _minutes(alert.created_at, now)
    if alert.status == AlertStatus.ACKNOWLEDGED:
        by = await uow.people.by_id(alert.acknowledged_by_id) if alert.acknowledged_by_id else None
        return Acknowledged(alert.id, participant.code, minutes, by.code if by else "someone")
    await uow.flags.save_alert(
        replace(
            alert,
            status=AlertStatus.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by_id=staff.id,
            escalate_at=None,
        )
    )
    log.info("alert #%d acknowledged after %d min", alert.id, minutes)
    flag = await uow.flags.flag_by_id(alert.flag_id)
    if flag is not None:
        await _close_flag(uow, flag, now, staff)
    await uow.audit.record(
        at=now,
        actor=staff.code,
        actor_id=staff.id,
        action="alert.acknowledged",
        subject_id=participant.id,
        detail=f"alert #{alert.id} after {minutes} min",
    )
    return Acknowledged(alert.id, participant.code, minutes)


async def acknowledge_flag(
    uow: UnitOfWorkProtocol, *, now: datetime, staff: Person, flag_id: int
) -> Acknowledged:
    """/ack <flag>: acknowledges the flag and every alert raised for it."""
    flag = await uow.flags.flag_by_id(flag_id)
    if flag is None:
        raise NotFound(f"flag {flag_id}")
    participant = await uow.people.by_id(flag.participant_id)
    assert participant is not None
    if not await may_acknowledge(uow, staff, participant):
        raise NotFound(f"flag {flag_id}")  # not enumerable by others
    result: Acknowledged | None = None
    for alert in await uow.flags.alerts_of_flag(flag_id):
        result = await acknowledge(uow, now=now, staff=staff, alert_id=alert.id)
    flag = await uow.flags.flag_by_id(flag_id) or flag
    await _close_flag(uow, flag, now, staff)
    return result or Acknowledged(0, participant.code, _minutes(flag.created_at, now))


async def _close_flag(uow: UnitOfWorkProtocol, flag: Flag, now: datetime, staff: Person) -> None:
    if flag.status == FlagStatus.OPEN:
        await uow.flags.save_flag(
            replace(
                flag,
                status=FlagStatus.ACKNOWLEDGED,
                acknowledged_at=now,
                acknowledged_by_id=staff.id,
            )
        )


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
        """Acknowledge an alert (the button) or a flag (/ack), as the stored staff member."""
        async with self.ctx.uow() as uow:
            staff = await current_staff(uow, staff)
            if alert_id is not None:
                result = await acknowledge(
                    uow, now=self.ctx.clock.now(), staff=staff, alert_id=alert_id
                )
            else:
                assert flag_id is not None
                result = await acknowledge_flag(
                    uow, now=self.ctx.clock.now(), staff=staff, flag_id=flag_id
                )
            await uow.commit()
        return result
