"""/share and its confirmation for participants in a couple; /relay for their therapist."""

from __future__ import annotations

from telegram import Update

from bot.context import EmberContext
from bot.domain import Person, Role
from bot.domain.outgoing import Outgoing
from bot.errors import EmberError, NotFound, UnknownParticipant
from bot.services.couples import share_data
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

_SHARE_OUTCOMES = {
    "shared": "couple.shared",
    "already": "couple.share_already",
    "changed": "couple.share_changed",
    "no_partner": "couple.no_partner",
    # whatever kept it back (screening, a forged or stale button), it only "could not be shared"
    "not_shared": "couple.not_shared",
    "invalid": "couple.not_shared",
}


@for_roles(Role.PARTICIPANT)
async def share(update: Update, context: EmberContext, person: Person) -> None:
    """/share as a reply to one of their journal messages: shows exactly what would be sent,
    with Share and Cancel buttons."""
    sender = sender_of(update)
    message = update.effective_message
    assert sender is not None and message is not None
    lang, cat = language(person), context.catalogue
    replied = message.reply_to_message
    if replied is None:
        await reply(context, sender, text(context, "couple.share_usage", lang), person=person)
        return
    try:
        preview = await context.services.couples.preview(person, replied.message_id)
    except NotFound:
        await reply(context, sender, text(context, "couple.no_partner", lang), person=person)
        return
    if preview is None:
        await reply(context, sender, text(context, "couple.share_usage", lang), person=person)
        return
    confirm = Outgoing(
        cat.text("couple.share_confirm", lang, text=preview.text),
        buttons=buttons(
            [
                (cat.text("couple.share_yes", lang), share_data(preview)),
                (cat.text("couple.share_no", lang), "share:no"),
            ]
        ),
    )
    await reply(context, sender, confirm, person=person)


@for_roles(Role.PARTICIPANT)
async def share_answer(update: Update, context: EmberContext, person: Person) -> None:
    """Share or Cancel under a /share confirmation; the service checks the message is the
    caller's own and goes only to their partner."""
    query = update.callback_query
    sender = sender_of(update)
    assert query is not None and sender is not None
    await answer_press(query)
    lang = language(person)
    data = (query.data or "").split(":")
    if len(data) == 4 and data[1] == "yes" and data[2].isdigit():
        outcome = await context.services.couples.share(person, int(data[2]), data[3])
        key = _SHARE_OUTCOMES[outcome.outcome]
    else:
        key = "couple.share_cancelled"
    await reply(context, sender, text(context, key, lang), person=person)
    await clear_buttons(update)


@for_roles(Role.THERAPIST)
async def relay(update: Update, context: EmberContext, person: Person) -> None:
    """/relay <code> <text>: passes a note to that participant's partner (audited)."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    args = context.args or []
    body = " ".join(args[1:]).strip()
    if not args or not body:
        await reply(context, sender, text(context, "staff.relay_usage", lang), person=person)
        return
    try:
        partner = await context.services.couples.relay(person, sender.update_id, args[0], body)
    except UnknownParticipant:
        await no_such_participant(context, sender, person, args[0])
        return
    except EmberError as exc:
        reason = explain(context, exc, lang)
        await reply(
            context, sender, text(context, "staff.relay_failed", lang, reason=reason), person=person
        )
        return
    await reply(
        context, sender, text(context, "staff.relay_done", lang, code=partner), person=person
    )
