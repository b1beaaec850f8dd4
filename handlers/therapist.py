"""Therapist commands: their participants and journals (only their own, every read audited)."""

from __future__ import annotations

from telegram import Update

from bot.context import EmberContext
from bot.domain import Person, Role, timefmt
from bot.domain.numbers import parse_number
from bot.errors import NotAllowed, NotFound, UnknownParticipant
from bot.services.escalation import Acknowledged
from handlers.common import (
    for_roles,
    language,
    no_such_participant,
    reply,
    sender_of,
    stop_spinner,
    text,
)
from handlers.participant import own_journal

MAX_ENTRIES = 20


@for_roles(Role.THERAPIST)
async def participants(update: Update, context: EmberContext, person: Person) -> None:
    """/participants: the therapist's caseload, by code."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    caseload = await context.services.staffing.caseload(person)
    if not caseload:
        await reply(context, sender, text(context, "staff.participants_none", lang), person=person)
        return
    cat = context.catalogue
    lines = [cat.text("staff.participants_header", lang)]
    couples: dict[int, list[Person]] = {}
    for p in caseload:
        if p.couple_id is not None:
            couples.setdefault(p.couple_id, []).append(p)
    for p in caseload:
        together = couples.get(p.couple_id, []) if p.couple_id is not None else []
        if len(together) == 2:  # partners side by side, on the first partner's line
            if p is together[0]:
                first, second = together
                lines.append(
                    cat.text(
                        "staff.couple_line",
                        lang,
                        first=first.code,
                        first_status=first.status,
                        second=second.code,
                        second_status=second.status,
                    )
                )
            continue
        lines.append(cat.text("staff.participant_line", lang, code=p.code, status=p.status))
    await reply(context, sender, "\n".join(lines), person=person)


@for_roles(Role.PARTICIPANT, Role.THERAPIST)
async def journal(update: Update, context: EmberContext, person: Person) -> None:
    """/journal: a participant's own entries, or /journal <code> [n] for their therapist."""
    if person.role == Role.PARTICIPANT:
        await own_journal(update, context)
        return
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    args = context.args or []
    if not args:
        await reply(context, sender, text(context, "staff.journal_usage", lang), person=person)
        return
    n = 5
    asked = parse_number(args[1]) if len(args) > 1 else None
    if asked is not None:
        n = max(1, min(MAX_ENTRIES, asked))
    try:
        participant, entries = await context.services.journal.read(person, args[0], n)
    except UnknownParticipant:
        await no_such_participant(context, sender, person, args[0])
        return
    if not entries:
        await reply(
            context,
            sender,
            text(context, "staff.journal_empty", lang, code=participant.code),
            person=person,
        )
        return
    lines = [
        context.catalogue.text("staff.journal_header", lang, code=participant.code, n=len(entries))
    ]
    for entry in entries:
        when = timefmt.when(entry.opened_at, person.timezone, lang)
        mark = context.catalogue.text("staff.journal_edited", lang) if entry.edited else ""
        body = entry.text or context.catalogue.text("staff.journal_media", lang)
        lines.append(f"\n{when}{mark}\n{body}")
    await reply(context, sender, "\n".join(lines), person=person, kind="journal")


@for_roles(Role.THERAPIST, Role.COORDINATOR)
async def ack_button(update: Update, context: EmberContext, person: Person) -> None:
    """The Acknowledge button under an alert: "ack:flag:<flag number>", or "ack:<alert id>"
    on alerts sent before (checked: data can be forged)."""
    query = update.callback_query
    sender = sender_of(update)
    assert query is not None and sender is not None
    lang = language(person)
    data = (query.data or "").removeprefix("ack:")
    flag_id = alert_id = None
    if data.startswith("flag:"):
        flag_id = parse_number(data.removeprefix("flag:"))
    else:
        alert_id = parse_number(data)
    if flag_id is None and alert_id is None:
        await stop_spinner(query, context.catalogue.text("alert.ack_denied", lang))
        return
    try:
        done = await context.services.escalation.acknowledge(
            person, alert_id=alert_id, flag_id=flag_id
        )
    except (NotFound, NotAllowed):
        await stop_spinner(query, context.catalogue.text("alert.ack_denied", lang))
        return
    answer = _ack_text(context, lang, done)
    await stop_spinner(query, None if done.first else answer)
    await reply(context, sender, answer, person=person)


@for_roles(Role.THERAPIST, Role.COORDINATOR)
async def ack_command(update: Update, context: EmberContext, person: Person) -> None:
    """/ack <flag number>."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    args = context.args or []
    flag_id = parse_number(args[0].lstrip("#")) if args else None
    if flag_id is None:
        await reply(context, sender, text(context, "alert.ack_usage", lang), person=person)
        return
    try:
        done = await context.services.escalation.acknowledge(person, flag_id=flag_id)
    except (NotFound, NotAllowed):
        await reply(context, sender, text(context, "alert.ack_denied", lang), person=person)
        return
    await reply(context, sender, _ack_text(context, lang, done), person=person)


def _ack_text(context: EmberContext, lang: str, done: Acknowledged) -> str:
    """Thanks, with the flag's number; or, if someone was first, who and when."""
    if not done.first:
        return context.catalogue.text(
            "alert.ack_already",
            lang,
            id=done.flag_id,
            code=done.participant_code,
            by=done.by,
            when=done.when,
        )
    return context.catalogue.text(
        "alert.ack_done", lang, id=done.flag_id, code=done.participant_code, minutes=done.minutes
    )


@for_roles(Role.THERAPIST, Role.COORDINATOR)
async def flags(update: Update, context: EmberContext, person: Person) -> None:
    """/flags: open flags of the therapist's participants (coordinators: all)."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    rows = await context.services.flags.open(person)
    if not rows:
        await reply(context, sender, text(context, "alert.flags_none", lang), person=person)
        return
    lines = [context.catalogue.text("alert.flags_header", lang)]
    for flag, participant in rows:
        lines.append(
            context.catalogue.text(
                "alert.flag_line",
                lang,
                id=flag.id,
                code=participant.code,
                tier=flag.tier.label,
                categories=flag.categories.replace(",", ", "),
                when=timefmt.when(flag.created_at, person.timezone, lang),
            )
        )
    await reply(context, sender, "\n".join(lines), person=person)
