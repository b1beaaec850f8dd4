"""Raising flags and alerting the care team.

Every signal (the screener's verdict on a text, a scale answer, silence, a questionnaire
item) goes through :func:`raise_flag`. Alerts and safety messages are ordinary outbox rows,
so they share the outbox's promises: stored before anything is sent, retried, never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain import timefmt
from bot.domain.outgoing import Button, Outgoing
from bot.domain.people import Person, Role
from bot.domain.protocol import parse_quiet_hours
from bot.domain.records import Alert, Flag, FlagDetails
from bot.domain.safety import EscalationPolicy, Signal, Tier, actions_for
from bot.domain.schedule import next_allowed_time
from bot.services.access import current_staff
from bot.services.context import Bound, ServiceContext
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue, crisis_text

log = logging.getLogger(__name__)


ALERT_PRIORITY = 10  # before everything else in the outbox


SAFETY_PRIORITY = 9


SAFETY_FOLLOWUP_WINDOW = timedelta(minutes=30)  # a second risk message within it: a follow-up


EXCERPT_CHARS = 240


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
    uow: UnitOfWorkProtocol,
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
    safety_message: bool = True,
) -> FlagRaised | None:
    """Record a flag and act on its tier; None for tier "none" or a source already flagged.
    ``safety_message=False`` alerts the care team without writing to the participant (when
    a message now would tell them what was screened)."""
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
    if safety_message and actions.safety_message and participant.chat_id is not None:
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
    uow: UnitOfWorkProtocol, now: datetime, catalogue: Catalogue, participant: Person, flag: Flag
) -> bool:
    chat_id = participant.chat_id
    assert chat_id is not None
    lang = participant.language or "en"
    lines = crisis_text(catalogue, lang, participant.locale, participant.timezone, header=False)

    async def queue(key: str, message: str) -> bool:
        return await uow.outbox.enqueue(
            key=key,
            chat_id=chat_id,
            message=Outgoing(catalogue.text(message, lang, crisis=lines)),
            kind="safety",
            now=now,
            person_id=participant.id,
            priority=SAFETY_PRIORITY,
        )

    # The full safety message, unless one of this tier went to them in the last half hour:
    # then a short follow-up with the lines. Never silence. The mark lives in the database,
    # so it holds across instances and restarts.
    tier = flag.tier.label
    before = await uow.clinic.touch(f"safety:{participant.id}:{tier}", now)
    if before is not None and now - before < SAFETY_FOLLOWUP_WINDOW:
        return await queue(f"safety-followup:{flag.id}", "safety.followup")
    return await queue(f"safety:{flag.id}", f"safety.{tier}")


def alert_topic(alert_id: int) -> str:
    """What every copy of one alert is filed under in the outbox (every round, everyone)."""
    return f"alert:{alert_id}"


def ack_data(flag_id: int) -> str:
    """The Acknowledge button's data: the flag, the number staff see everywhere.

    Buttons sent before carry "ack:<alert id>", and still work.
    """
    return f"ack:flag:{flag_id}"


@dataclass(frozen=True)
class EscalationNote:
    """Why an escalated copy was sent: the round, how long it has waited, whose it was."""

    round: int
    minutes: int
    therapist: str  # the assigned therapist's code, or "—"


def alert_message(
    catalogue: Catalogue,
    lang: str,
    participant: Person,
    flag: Flag,
    excerpt: str,
    explanation: str | None,
    escalation: EscalationNote | None = None,
    tz: str = "UTC",
) -> Outgoing:
    """One copy of an alert, in its reader's language and time zone (``tz``), with the
    flag's number and button."""
    lines = [
        catalogue.text(
            "alert.header",
            lang,
            tier=flag.tier.label.upper(),
            code=participant.code,
            flag=flag.id,
        ),
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
            when=timefmt.when_zoned(flag.created_at, tz, lang),
        )
    )
    if escalation is not None:
        lines.append(
            catalogue.text(
                "alert.escalated",
                lang,
                round=escalation.round,
                minutes=escalation.minutes,
                therapist=escalation.therapist,
            )
        )
    button = Button(catalogue.text("alert.ack_button", lang), ack_data(flag.id))
    return Outgoing("\n".join(lines), buttons=((button,),))


def acknowledged_copy(
    catalogue: Catalogue, original: Outgoing, reader: Person | None, by: Person, at: datetime
) -> Outgoing:
    """A copy of an alert once acknowledged: what it said, who acknowledged it and when (in
    the reader's language and time zone), and no button."""
    lang, tz = (reader.lang, reader.timezone) if reader is not None else ("en", "UTC")
    when = timefmt.when_zoned(at, tz, lang)
    line = catalogue.text("alert.acknowledged", lang, by=by.code, when=when)
    return Outgoing(f"{original.text}\n\n{line}", parse_mode=original.parse_mode)


async def _alert_therapist(
    uow: UnitOfWorkProtocol,
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
            return alert
        recipients, quiet = await coordinators(uow), False
    else:
        recipients, quiet = [therapist], respect_quiet
    await send_alert(
        uow,
        now,
        catalogue,
        alert,
        participant,
        flag,
        excerpt,
        explanation,
        recipients,
        round_=0,
        respect_quiet=quiet,
    )
    return alert


async def send_alert(
    uow: UnitOfWorkProtocol,
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
    escalation: EscalationNote | None = None,
) -> None:
    """Queue one copy of ``alert`` per recipient, each filed under the alert's topic so that
    acknowledging it later finds them all."""
    for person in recipients:
        if person.chat_id is None:
            continue
        not_before = now
        if respect_quiet and person.quiet_hours:
            not_before = next_allowed_time(
                now, parse_quiet_hours(person.quiet_hours), person.timezone
            )
        message = alert_message(
            catalogue, person.lang, participant, flag, excerpt, explanation, escalation,
            tz=person.timezone,
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
            topic=alert_topic(alert.id),
        )


async def coordinators(uow: UnitOfWorkProtocol) -> list[Person]:
    return list(await uow.people.with_role(Role.COORDINATOR, reachable=True))


async def screen_and_flag(
    uow: UnitOfWorkProtocol,
    ctx: ServiceContext,
    participant: Person,
    text: str,
    source: str,
    source_id: int,
) -> FlagRaised | None:
    """Screen a participant's text and raise a flag on anything above none."""
    verdict = ctx.screen(text, participant.language)
    if verdict.tier is Tier.NONE:
        return None
    return await raise_flag(
        uow,
        now=ctx.clock.now(),
        catalogue=ctx.catalogue,
        policy=ctx.policy,
        participant=participant,
        tier=verdict.tier,
        categories=verdict.categories,
        evidence=[
            {"rule": e.rule, "span": [e.span[0], e.span[1]], "text": e.text}
            for e in verdict.evidence
        ],
        source_kind=source,
        source_id=source_id,
        text=text,
    )


async def raise_signal(
    uow: UnitOfWorkProtocol,
    ctx: ServiceContext,
    participant: Person,
    signal: Signal,
    source: str,
    source_id: int | None,
) -> FlagRaised | None:
    """A flag from a non-text signal (a scale drop, silence, a questionnaire answer)."""
    return await raise_flag(
        uow,
        now=ctx.clock.now(),
        catalogue=ctx.catalogue,
        policy=ctx.policy,
        participant=participant,
        tier=signal.tier,
        categories=signal.categories,
        evidence=[{"rule": signal.rule}],
        source_kind=source,
        source_id=source_id,
        explanation=signal.explanation,
    )


class Flags(Bound):
    """The care team's view of open flags."""

    async def open(self, staff: Person) -> list[tuple[Flag, Person]]:
        async with self.ctx.uow() as uow:
            staff = await current_staff(uow, staff)
            ids = None
            if staff.role == Role.THERAPIST:
                ids = [p.id for p in await uow.people.participants_of(staff.id)]
            return list(await uow.flags.open_flags(ids))
