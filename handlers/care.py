"""/export and /delete for participants; /note, /digest, /assign and /stats for staff."""

from __future__ import annotations

from telegram import Update

from bot.context import EmberContext
from bot.domain import Person, Role, timefmt
from bot.domain.erasure import ErasureRequest
from bot.domain.outgoing import Outgoing
from bot.errors import EmberError, UnknownParticipant
from handlers.common import (
    answer_press,
    buttons,
    clear_buttons,
    explain,
    for_roles,
    language,
    no_such_participant,
    reply,
    sender_of,
    text,
)


@for_roles(Role.PARTICIPANT, earlier_consent=True)
async def export(update: Update, context: EmberContext, person: Person) -> None:
    """/export: everything Ember keeps about them, as a file."""
    sender = sender_of(update)
    assert sender is not None
    caption = context.catalogue.text("export.caption", language(person))
    await context.services.exports.send(person, sender.update_id, caption)


@for_roles(Role.PARTICIPANT, earlier_consent=True)
async def delete(update: Update, context: EmberContext, person: Person) -> None:
    """/delete: says what the clinic's retention policy means, asks once, then records the
    erasure request."""
    sender = sender_of(update)
    assert sender is not None
    lang, cat = language(person), context.catalogue
    policy = context.services.erasure.policy
    confirm = Outgoing(
        cat.text("delete.confirm_kept" if policy.keeps_records else "delete.confirm", lang),
        buttons=buttons(
            [
                (cat.text("delete.confirm_yes", lang), "delete:yes"),
                (cat.text("delete.confirm_no", lang), "delete:no"),
            ]
        ),
    )
    await reply(context, sender, confirm, person=person)


@for_roles(Role.PARTICIPANT, earlier_consent=True)
async def delete_answer(update: Update, context: EmberContext, person: Person) -> None:
    """The confirm buttons under /delete."""
    query = update.callback_query
    sender = sender_of(update)
    assert query is not None and sender is not None
    await answer_press(query)
    lang = language(person)
    if query.data == "delete:yes":
        asked = await context.services.erasure.request(person)
        key = "delete.requested" if asked.new else "delete.already"
        answer = erasure_text(context, person, asked.request, key)
        await reply(context, sender, answer, person=person)
    else:
        await reply(context, sender, text(context, "delete.kept", lang), person=person)
    await clear_buttons(update)


def erasure_text(
    context: EmberContext, person: Person, request: ErasureRequest, key: str
) -> Outgoing:
    """``key`` (or its ``_kept`` form, when the retention policy keeps the records for a
    while, with the date in the participant's own time zone)."""
    lang = language(person)
    if request.keep_until is None:
        return text(context, key, lang)
    until = timefmt.day(request.keep_until, person.timezone, lang)
    return text(context, f"{key}_kept", lang, until=until)


def after_withdrawal(
    context: EmberContext, person: Person, request: ErasureRequest | None
) -> Outgoing:
    """What a participant is told when they write after /stop or /delete: what happens to
    what they write now, how to come back, and how to ask for erasure (or where that is)."""
    if request is None:
        return text(context, "journal.after_stop", language(person))
    return erasure_text(context, person, request, "journal.after_delete")


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


@for_roles(Role.COORDINATOR, Role.THERAPIST)
async def stats(update: Update, context: EmberContext, person: Person) -> None:
    """/stats: enrolment, response rates, open flags, time to acknowledge (a therapist's
    own participants, or the clinic's for a coordinator)."""
    sender = sender_of(update)
    assert sender is not None
    figures = await context.services.stats.text(person, language(person))
    await reply(context, sender, figures, person=person)
