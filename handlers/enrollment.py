"""/start with an invitation code, and the participant's consent (README: enrolling people)."""

from __future__ import annotations

from telegram import Update

from bot.context import EmberContext
from bot.domain import Person, PersonStatus, Role
from bot.domain.outgoing import Outgoing
from bot.errors import (
    AccountHasRole,
    InvitationError,
    InvitationExpired,
    InvitationRevoked,
    InvitationUsed,
    NotFound,
)
from handlers.common import (
    answer_stranger,
    buttons,
    clear_buttons,
    language,
    reply,
    sender_of,
    stop_spinner,
    text,
)
from handlers.menus import set_menu

REFUSALS: dict[type[InvitationError], str] = {
    InvitationUsed: "start.invite.used",
    InvitationExpired: "start.invite.expired",
    InvitationRevoked: "start.invite.revoked",
    AccountHasRole: "start.invite.has_role",
}


def consent_message(context: EmberContext, person: Person) -> Outgoing:
    lang = language(person)
    cat = context.catalogue
    return Outgoing(
        cat.text(
            "consent.text",
            lang,
            code=person.code,
            crisis=cat.crisis(lang, person.locale, person.timezone),
        ),
        buttons=buttons(
            [
                (cat.text("consent.agree", lang), "consent:yes"),
                (cat.text("consent.not_now", lang), "consent:no"),
            ]
        ),
    )


def welcome(context: EmberContext, person: Person) -> Outgoing:
    lang = language(person)
    if person.role == Role.PARTICIPANT:
        return text(context, "consent.agreed", lang)
    return text(
        context,
        f"welcome.{person.role}",
        lang,
        name=person.display_name or person.code,
        code=person.code,
    )


async def start(update: Update, context: EmberContext) -> None:
    """/start [code]: enroll with an invitation, or greet someone already enrolled."""
    sender = sender_of(update)
    if sender is None:
        return
    code = context.args[0] if context.args else None
    if code:
        try:
            person = await context.services.enrollment.start_with_code(sender, code)
        except InvitationError as exc:
            key = REFUSALS.get(type(exc), "start.invite.unknown")
            await reply(context, sender, text(context, key, sender.language_code or "en"))
            return
    else:
        found = await context.services.access.identify(sender.telegram_user_id)
        if found is None or found.status == PersonStatus.INVITED:
            await answer_stranger(context, sender)
            return
        person = found
    if context.services.enrollment.needs_consent(person):
        await reply(context, sender, consent_message(context, person), person=person)
        return
    if code:
        await set_menu(context, person)
        await reply(context, sender, welcome(context, person), person=person)
    else:
        back = text(context, "start.welcome_back", language(person, sender))
        # coming back (perhaps after clearing the chat): an open button question, again
        again = (
            await context.services.prompting.open_question(person)
            if person.role == Role.PARTICIPANT
            else None
        )
        await reply(context, sender, back, *([again] if again else []), person=person)


async def consent_answer(update: Update, context: EmberContext) -> None:
    """The "I agree" / "Not now" buttons under the consent text."""
    query = update.callback_query
    sender = sender_of(update)
    if query is None or sender is None:
        return
    agreed = query.data == "consent:yes"
    try:
        answer = await context.services.enrollment.record_consent(sender, agreed=agreed)
    except NotFound:
        await stop_spinner(query)
        await answer_stranger(context, sender)
        return
    person = answer.person
    lang = language(person)
    if answer.outcome == "staff":
        await stop_spinner(query)
        return
    if answer.outcome == "already":  # an old consent message: nothing changes
        await stop_spinner(query, context.catalogue.text("consent.already", lang))
        await clear_buttons(update)
        return
    await stop_spinner(query)
    if answer.outcome == "withdrawn":
        await reply(context, sender, text(context, "pause.after_stop", lang), person=person)
        return
    await clear_buttons(update)
    if answer.outcome == "agreed":
        await set_menu(context, person)
        await reply(context, sender, welcome(context, person), person=person)
    else:
        await reply(context, sender, text(context, "consent.declined", lang), person=person)
