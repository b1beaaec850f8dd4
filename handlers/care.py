"""/export and /delete for participants; /note, /digest, /assign and /stats for staff."""

from __future__ import annotations

from telegram import Update

from bot.context import EmberContext
from bot.domain import Person, Role
from bot.domain.outgoing import Outgoing
from bot.errors import EmberError, UnknownParticipant
from handlers.common import (
    buttons,
    explain,
    for_roles,
    language,
    no_such_participant,
    reply,
    sender_of,
    text,
)


@for_roles(Role.PARTICIPANT)
async def export(update: Update, context: EmberContext, person: Person) -> None:
    """/export: everything Ember keeps about them, as a file."""
    sender = sender_of(update)
    assert sender is not None
    caption = context.catalogue.text("export.caption", language(person))
    await context.services.exports.send(person, sender.update_id, caption)


@for_roles(Role.PARTICIPANT)
async def delete(update: Update, context: EmberContext, person: Person) -> None:
    """/delete: asks once to be sure, then records the erasure request."""
    sender = sender_of(update)
    assert sender is not None
    lang, cat = language(person), context.catalogue
    confirm = Outgoing(
        cat.text("delete.confirm", lang),
        buttons=buttons(
            [
                (cat.text("delete.confirm_yes", lang), "delete:yes"),
                (cat.text("delete.confirm_no", lang), "delete:no"),
            ]
        ),
    )
    await reply(context, sender, confirm, person=person)


@for_roles(Role.PARTICIPANT)
async def delete_answer(update: Update, context: EmberContext, person: Person) -> None:
    query = update.callback_query
    sender = sender_of(update)
    assert query is not None and sender is not None
    await query.answer()
    lang = language(person)
    if query.data == "delete:yes":
        await context.services.participation.request_deletion(person)
        await reply(context, sender, text(context, "delete.requested", lang), person=person)
    else:
        await reply(context, sender, text(context, "delete.kept", lang), person=person)


@for_roles(Role.THERAPIST, Role.COORDINATOR)
async def note(update: Update, context: EmberContext, person: Person) -> None:
    """/note <code> <text>: an encrypted note about a participant."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    args = context.args or []
    body = " ".join(args[1:]).strip()
    if not args or not body:
        await reply(context, sender, text(context, "care.note_usage", lang), person=person)
        return
    try:
        participant = await context.services.notes.add(person, args[0], body[:4000])
    except UnknownParticipant:
        await no_such_participant(context, sender, person, args[0])
        return
    await reply(
        context,
        sender,
        text(context, "care.note_saved", lang, code=participant.code),
        person=person,
    )


@for_roles(Role.THERAPIST)
async def digest(update: Update, context: EmberContext, person: Person) -> None:
    """/digest: the digest now."""
    sender = sender_of(update)
    assert sender is not None
    pieces = await context.services.digests.digest(person)
    await reply(context, sender, *pieces, person=person, kind="digest")


@for_roles(Role.COORDINATOR)
async def assign(update: Update, context: EmberContext, person: Person) -> None:
    """/assign <participant> <therapist>."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    args = context.args or []
    if len(args) != 2:
        await reply(context, sender, text(context, "care.assign_usage", lang), person=person)
        return
    try:
        participant, therapist = await context.services.staffing.assign(person, args[0], args[1])
    except EmberError as exc:
        await reply(
            context,
            sender,
            text(context, "care.assign_failed", lang, reason=explain(context, exc, lang)),
            person=person,
        )
        return
    await reply(
        context,
        sender,
        text(context, "care.assigned", lang, code=participant.code, therapist=therapist.code),
        person=person,
    )


@for_roles(Role.COORDINATOR)
async def stats(update: Update, context: EmberContext, person: Person) -> None:
    """/stats: enrolment, response rates, open flags, time to acknowledge."""
    sender = sender_of(update)
    assert sender is not None
    figures = await context.services.stats.text(person, language(person))
    await reply(context, sender, figures, person=person)
