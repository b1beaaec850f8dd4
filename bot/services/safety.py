"""Raising flags, alerting the care team, escalating until someone acknowledges.

Every signal (the screener's verdict on a text, a scale answer, silence, a questionnaire
item) goes through :func:`raise_flag`. Alerts and safety messages are ordinary outbox rows,
so they share the outbox's promises: stored before anything is sent, retried, never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.outgoing import Button, Outgoing
from bot.domain.people import Person, Role
from bot.domain.protocol import parse_quiet_hours
from bot.domain.records import Alert, Flag, FlagDetails
from bot.domain.safety import AlertStatus, EscalationPolicy, FlagStatus, Tier, actions_for
from bot.domain.schedule import next_allowed_time
from bot.errors import NotAllowed, NotFound
from prompts.catalogue import Catalogue, crisis_text
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

ALERT_PRIORITY = 10  # before everything else in the outbox
SAFETY_PRIORITY = 9
EXCERPT_CHARS = 240
ONCALL_KEY = "oncall"


@dataclass(frozen=True)
class FlagRaised:
    flag_id: int
    tier: Tier
    alert_id: int | None
    safety_message: bool


def evidence_excerpt(text: str | None, evidence: Sequence[dict[str, object]]) -> str:
    """The matched spans with a little context, so the therapist sees why."""
    if not text:
        return ""
    spans = sorted(
        (int(e["span"][0]), int(e["span"][1]))  # type: ignore[index]
        for e in evidence
        if isinstance(e.get("span"), list | tuple)
    )
    if not spans:
        return text[:EXCERPT_CHARS]
    start = max(0, spans[0][0] - 80)
    end = min(len(text), max(s[1] for s in spans) + 80)
    excerpt = text[start:end]
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[:EXCERPT_CHARS]
    return ("…" if start else "") + excerpt.strip() + ("…" if end < len(text) else "")


async def raise_flag(
    uow: UnitOfWork,
    *,
    now: datetime,
    catalogue: Catalogue,
    policy: EscalationPolicy,
    participant: Person,
    tier: Tier,
    categories: Sequence[str],
    evidence: Sequence[dict[str, object]],
    source_kind: str,
    source_id: int | None,
    text: str | None = None,
    explanation: str | None = None,
) -> FlagRaised | None:
    """Record a flag and act on its tier; None for tier "none" or a source already flagged."""
    if tier is Tier.NONE:
        return None
    earlier = await uow.flags.existing_flag(participant.id, source_kind, source_id)
    if earlier is not None and earlier.tier >= tier:
        return None  # a replay, or an edit that did not make things worse
    excerpt = evidence_excerpt(text, evidence) if text else ""
    flag = await uow.flags.add_flag(
        Flag(
            id=0,
            participant_id=participant.id,
            source_kind=source_kind,
            source_id=source_id,
            tier=tier,
            categories=",".join(sorted(set(categories))),
            created_at=now,
        ),
        FlagDetails(tuple(dict(e) for e in evidence), excerpt, explanation),
    )
    log.info("flag #%d raised: tier %s, %s", flag.id, tier.label, flag.categories or "-")
    await uow.audit.record(
        at=now,
        actor="system",
        action="flag.raised",
        subject_id=participant.id,
        detail=f"flag #{flag.id} {tier.label}",
    )
    actions = actions_for(tier)
    sent_safety = False
    if actions.safety_message and participant.chat_id is not None:
        sent_safety = await _safety_message(uow, now, catalogue, participant, flag)
    alert_id = None
    if actions.alert_therapist:
        alert = await _alert_therapist(
            uow,
            now,
            catalogue,
            policy,
            participant,
            flag,
            excerpt,
            explanation,
            actions.respect_quiet_hours,
        )
        alert_id = alert.id
    return FlagRaised(flag.id, tier, alert_id, sent_safety)


async def _safety_message(
    uow: UnitOfWork, now: datetime, catalogue: Catalogue, participant: Person, flag: Flag
) -> bool:
    assert participant.chat_id is not None
    lang = participant.language or "en"
    body = catalogue.text(
        f"safety.{flag.tier.label}",
        lang,
        crisis=crisis_text(catalogue, lang, participant.locale, participant.timezone),
    )
    # one safety message per participant per tier per half hour: support, not a flood
    window = now.strftime("%Y%m%d%H") + ("a" if now.minute < 30 else "b")
    return await uow.outbox.enqueue(
        key=f"safety:{participant.id}:{flag.tier.label}:{window}",
        chat_id=participant.chat_id,
        message=Outgoing(body),
        kind="safety",
        now=now,
        person_id=participant.id,
        priority=SAFETY_PRIORITY,
    )


def alert_message(
    catalogue: Catalogue,
    lang: str,
    alert: Alert,
    participant: Person,
    flag: Flag,
    excerpt: str,
    explanation: str | None,
    extra: str | None = None,
) -> Outgoing:
    lines = [
        catalogue.text("alert.header", lang, tier=flag.tier.label.upper(), code=participant.code),
        catalogue.text(
            "alert.categories", lang, categories=flag.categories.replace(",", ", ") or "—"
        ),
    ]
    if excerpt:
        lines.append(catalogue.text("alert.evidence", lang, excerpt=excerpt))
    if explanation:
        lines.append(catalogue.text("alert.signal", lang, explanation=explanation))
    lines.append(
        catalogue.text(
            "alert.source",
            lang,
            source=flag.source_kind,
            when=flag.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
    )
    if extra:
        lines.append(extra)
    button = Button(catalogue.text("alert.ack_button", lang), f"ack:{alert.id}")
    return Outgoing("\n".join(lines), buttons=((button,),))


async def _alert_therapist(
    uow: UnitOfWork,
    now: datetime,
    catalogue: Catalogue,
    policy: EscalationPolicy,
    participant: Person,
    flag: Flag,
    excerpt: str,
    explanation: str | None,
    respect_quiet: bool,
) -> Alert:
    delay = policy.escalate_after(flag.tier)
    alert = await uow.flags.add_alert(
        Alert(
            id=0,
            flag_id=flag.id,
            participant_id=participant.id,
            tier=flag.tier,
            created_at=now,
            escalate_at=now + delay if delay else None,
        )
    )
    therapist = (
        await uow.people.by_id(participant.therapist_id) if participant.therapist_id else None
    )
    if therapist is None or therapist.chat_id is None:
        if delay is not None:  # nobody to tell first: escalate at the next tick
            alert = replace(alert, escalate_at=now)
            await uow.flags.save_alert(alert)
        else:
            await _send_alert(
                uow,
                now,
                catalogue,
                alert,
                participant,
                flag,
                excerpt,
                explanation,
                await coordinators(uow),
                round_=0,
            )
        return alert
    await _send_alert(
        uow,
        now,
        catalogue,
        alert,
        participant,
        flag,
        excerpt,
        explanation,
        [therapist],
        round_=0,
        respect_quiet=respect_quiet,
    )
    return alert


async def _send_alert(
    uow: UnitOfWork,
    now: datetime,
    catalogue: Catalogue,
    alert: Alert,
    participant: Person,
    flag: Flag,
    excerpt: str,
    explanation: str | None,
    recipients: Sequence[Person],
    *,
    round_: int,
    respect_quiet: bool = False,
    extra: str | None = None,
) -> None:
    for person in recipients:
        if person.chat_id is None:
            continue
        not_before = now
        if respect_quiet and person.quiet_hours:
            not_before = next_allowed_time(
                now, parse_quiet_hours(person.quiet_hours), person.timezone
            )
        message = alert_message(
            catalogue,
            person.language or "en",
            alert,
            participant,
            flag,
            excerpt,
            explanation,
            extra,
        )
        await uow.outbox.enqueue(
            key=f"alert:{alert.id}:{round_}:{person.id}",
            chat_id=person.chat_id,
            message=message,
            kind="alert",
            now=now,
            not_before=not_before,
            person_id=person.id,
            priority=ALERT_PRIORITY,
        )


async def coordinators(uow: UnitOfWork) -> list[Person]:
    return list(await uow.people.with_role(Role.COORDINATOR, reachable=True))


async def escalation_recipients(uow: UnitOfWork, participant: Person) -> list[Person]:
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
    uow: UnitOfWork, *, now: datetime, catalogue: Catalogue, policy: EscalationPolicy
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
        await _send_alert(
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


async def may_acknowledge(uow: UnitOfWork, staff: Person, participant: Person) -> bool:
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
    uow: UnitOfWork, *, now: datetime, staff: Person, alert_id: int
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
    uow: UnitOfWork, *, now: datetime, staff: Person, flag_id: int
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


async def _close_flag(uow: UnitOfWork, flag: Flag, now: datetime, staff: Person) -> None:
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
