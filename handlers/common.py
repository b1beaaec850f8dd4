"""Shared handler helpers: who is writing, in which language, and replying through the outbox."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from functools import wraps
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, TelegramError

from bot.context import EmberContext
from bot.domain import Person, PersonStatus, Role
from bot.domain.outgoing import Button, Outgoing
from bot.errors import EmberError
from bot.services.inbound import Sender

Handler = Callable[[Update, EmberContext], Coroutine[Any, Any, None]]
RoleHandler = Callable[[Update, EmberContext, Person], Awaitable[None]]


def sender_of(update: Update) -> Sender | None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    return Sender(
        update_id=update.update_id,
        telegram_user_id=user.id,
        chat_id=chat.id,
        language_code=user.language_code,
    )


def language(person: Person | None, sender: Sender | None = None) -> str:
    if person is not None and person.language:
        return person.language
    return (sender.language_code if sender else None) or "en"


def text(context: EmberContext, key: str, lang: str, **values: object) -> Outgoing:
    return Outgoing(context.catalogue.text(key, lang, **values))


async def reply(
    context: EmberContext,
    sender: Sender,
    *messages: Outgoing | str,
    person: Person | None = None,
    kind: str = "reply",
) -> None:
    out: Sequence[Outgoing] = [m if isinstance(m, Outgoing) else Outgoing(m) for m in messages]
    await context.services.replies.reply(
        sender, out, person_id=person.id if person else None, kind=kind
    )


async def answer_stranger(context: EmberContext, sender: Sender) -> None:
    """One short polite line, at most every ten minutes per account (the service decides)."""
    await context.services.replies.answer_stranger(
        sender, text(context, "stranger", sender.language_code or "en")
    )


def explain(context: EmberContext, error: EmberError, lang: str) -> str:
    """Why something could not be done, from the catalogue (never the exception's text)."""
    return context.catalogue.text(error.key, lang, **error.values)


def buttons(*rows: Sequence[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(Button(label, data) for label, data in row) for row in rows)


def for_roles(*roles: Role, earlier_consent: bool = False) -> Callable[[RoleHandler], Handler]:
    """Run the handler only for an enrolled, active person of one of ``roles``.

    Strangers get the polite line; people of another role hear the command isn't theirs.
    Participants who have not consented are sent back to the consent message; with
    ``earlier_consent`` (leaving: /stop, /delete, /export) a consent once given is enough,
    and after /stop it always is. This only chooses the reply: the service called re-reads
    the caller (role, status, assignment) in its own unit of work, and refuses with an
    EmberError if they may no longer act.
    """

    def decorate(func: RoleHandler) -> Handler:
        @wraps(func)
        async def wrapper(update: Update, context: EmberContext) -> None:
            sender = sender_of(update)
            if sender is None:
                return
            query = update.callback_query  # a button: its spinner must stop, whatever we say
            person = await context.services.access.identify(sender.telegram_user_id)
            if person is None or person.status == PersonStatus.INVITED:
                await stop_spinner(query)
                await answer_stranger(context, sender)
                return
            lang = language(person, sender)
            if person.role not in roles:
                if query is not None:  # a forged button: a short answer on the button only
                    await stop_spinner(query, context.catalogue.text("not_for_you", lang))
                    return
                await reply(context, sender, text(context, "not_for_you", lang), person=person)
                return
            if context.services.enrollment.needs_consent(person, earlier_will_do=earlier_consent):
                await stop_spinner(query)
                await reply(context, sender, text(context, "consent.needed", lang), person=person)
                return
            await func(update, context, person)

        return wrapper

    return decorate


async def clear_buttons(update: Update) -> None:
    """Take the buttons off the message they were pressed on (best effort: cosmetic)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(reply_markup=None)


async def answer_press(query: CallbackQuery, note: str | None = None) -> None:
    """Answer a button press (its spinner stops), with a short note.

    A network error goes up: the update is tried again. Telegram refusing the answer is let
    go: a press handled again later is too old to answer, and its spinner stopped long ago.
    """
    with contextlib.suppress(BadRequest):
        await query.answer(note[:200] if note else None)


async def stop_spinner(query: CallbackQuery | None, note: str | None = None) -> None:
    """Answer a button press (Telegram shows a spinner until then), with a short note."""
    if query is None:
        return
    with contextlib.suppress(TelegramError):
        await query.answer(note[:200] if note else None)


async def no_such_participant(
    context: EmberContext, sender: Sender, caller: Person, code: str
) -> None:
    """The answer when a staff command names a participant the caller may not act on: the
    same whether the code exists or not, so codes cannot be probed. A coordinator sees every
    participant, so for them it says there is no such participant, not "among yours"."""
    coordinator = caller.role is Role.COORDINATOR
    key = "staff.no_participant_at_all" if coordinator else "staff.no_participant"
    await reply(
        context,
        sender,
        text(context, key, language(caller), code=code.upper()[:20]),
        person=caller,
    )
