"""Therapist commands: their participants and journals (only their own, every read audited)."""

from __future__ import annotations

from telegram import Update

from bot.context import EmberContext
from bot.errors import NotFound
from handlers.common import for_roles, language, reply, sender_of, text
from handlers.participant import own_journal
from storage.models import Person, Role

MAX_ENTRIES = 20


@for_roles(Role.THERAPIST)
async def participants(update: Update, context: EmberContext, person: Person) -> None:
    """/participants: the therapist's caseload, by code."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    caseload = await context.services.caseload(person)
    if not caseload:
        await reply(context, sender, text(context, "staff.participants_none", lang), person=person)
        return
    lines = [context.catalogue.text("staff.participants_header", lang)]
    lines += [
        context.catalogue.text("staff.participant_line", lang, code=p.code, status=p.status)
        for p in caseload
    ]
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
    if len(args) > 1 and args[1].isdigit():
        n = max(1, min(MAX_ENTRIES, int(args[1])))
    try:
        participant = await context.services.participant_for(person, args[0])
    except NotFound:
        await reply(
            context,
            sender,
            text(context, "staff.no_participant", lang, code=args[0].upper()[:20]),
            person=person,
        )
        return
    entries = await context.services.read_journal(person, participant, n)
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
        when = entry.opened_at.strftime("%Y-%m-%d %H:%M UTC")
        mark = " (edited)" if entry.edited else ""
        lines.append(f"\n{when}{mark}\n{entry.text or '[media]'}")
    await reply(context, sender, "\n".join(lines), person=person, kind="journal")
