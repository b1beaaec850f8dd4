"""Commands therapists and coordinators share: /session, /prompt, /protocols, /schedule.

Therapists act only on their own participants (a code outside their caseload is "not
found", whether it exists or not); coordinators act on everyone.
"""

from __future__ import annotations

from telegram import Update

from bot.context import EmberContext
from bot.domain import Person, Role
from bot.domain.numbers import parse_number
from bot.errors import EmberError, InvalidValue, NotFound, UnknownParticipant
from handlers.common import (
    explain,
    for_roles,
    language,
    no_such_participant,
    reply,
    sender_of,
    text,
)


@for_roles(Role.THERAPIST, Role.COORDINATOR)
async def session(update: Update, context: EmberContext, person: Person) -> None:
    """/session <code> <kind> <date time> | <code> move <id> <date time> | <code> cancel <id>."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    args = context.args or []
    if len(args) < 3:
        await reply(context, sender, text(context, "staff.session_usage", lang), person=person)
        return
    code, action = args[0], args[1].lower()
    try:
        if action in ("move", "cancel"):
            session_id = parse_number(args[2])
            if session_id is None:
                raise InvalidValue("no session number", key="problem.session_number")
            when = " ".join(args[3:]) if action == "move" else None
            if action == "move" and not when:
                raise InvalidValue("no new date and time", key="problem.session_when")
            changed = await context.services.sessions.change(
                person, code, session_id, when=when, cancel=action == "cancel"
            )
            key = "staff.session_cancelled" if action == "cancel" else "staff.session_moved"
            await reply(
                context,
                sender,
                text(context, key, lang, id=changed.id, when=changed.shown(lang)),
                person=person,
            )
            return
        if action == "couple" and len(args) >= 4:  # one session for both partners
            first, second = await context.services.sessions.add_for_couple(
                person, code, args[2], " ".join(args[3:])
            )
            added_both = text(
                context,
                "staff.session_added_couple",
                lang,
                kind=first.kind,
                id=first.id,
                code=first.code,
                partner=second.code,
                when=first.local_time,
            )
            await reply(context, sender, added_both, person=person)
            return
        added = await context.services.sessions.add(person, code, action, " ".join(args[2:]))
    except NotFound as exc:  # no such participant for the caller, or session of theirs
        if exc.key != "problem.no_couple":
            await no_such_participant(context, sender, person, code)
            return
        await reply(
            context,
            sender,
            text(context, "staff.session_failed", lang, reason=explain(context, exc, lang)),
            person=person,
        )
        return
    except EmberError as exc:
        await reply(
            context,
            sender,
            text(context, "staff.session_failed", lang, reason=explain(context, exc, lang)),
            person=person,
        )
        return
    said = context.catalogue.text(
        "staff.session_added",
        lang,
        kind=added.kind,
        id=added.id,
        code=added.code,
        when=added.shown(lang),
    )
    if added.without_protocol:
        said += "\n" + context.catalogue.text("staff.session_no_protocol", lang, code=added.code)
    await reply(context, sender, said, person=person)


@for_roles(Role.THERAPIST, Role.COORDINATOR)
async def prompt(update: Update, context: EmberContext, person: Person) -> None:
    """/prompt <code> <text>: a one-off prompt, sent now."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    args = context.args or []
    body = " ".join(args[1:]).strip()
    if not args or not body:
        await reply(context, sender, text(context, "staff.prompt_usage", lang), person=person)
        return
    try:
        participant = await context.services.prompting.one_off(person, args[0], body[:3500])
    except NotFound:
        await no_such_participant(context, sender, person, args[0])
        return
    except EmberError as exc:
        await reply(
            context,
            sender,
            text(context, "staff.session_failed", lang, reason=explain(context, exc, lang)),
            person=person,
        )
        return
    await reply(
        context,
        sender,
        text(context, "staff.prompt_queued", lang, code=participant.code),
        person=person,
    )


@for_roles(Role.COORDINATOR, Role.THERAPIST)
async def protocols(update: Update, context: EmberContext, person: Person) -> None:
    """/protocols: what is loaded and how many participants follow each."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    rows = await context.services.planning.summary()
    if not rows:
        await reply(context, sender, text(context, "staff.protocols_none", lang), person=person)
        return
    lines = [context.catalogue.text("staff.protocols_header", lang)]
    lines += [context.catalogue.text("staff.protocol_line", lang, **row) for row in rows]
    await reply(context, sender, "\n".join(lines), person=person)


@for_roles(Role.COORDINATOR, Role.THERAPIST)
async def schedule(update: Update, context: EmberContext, person: Person) -> None:
    """/schedule <code>: a participant's sessions and prompts, past and upcoming."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    args = context.args or []
    if not args:
        await reply(context, sender, text(context, "staff.schedule_usage", lang), person=person)
        return
    try:
        view = await context.services.sessions.schedule(person, args[0])
    except UnknownParticipant:
        await no_such_participant(context, sender, person, args[0])
        return
    await reply(context, sender, view, person=person)
