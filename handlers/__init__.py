"""Telegram adapters: parse the update, check role and assignment, call one service, reply.

``register`` adds every handler to the Application in a deliberate order (first match
wins within a group).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import (
    care,
    coordinator,
    couples,
    enrollment,
    errors,
    participant,
    schedule,
    staff,
    therapist,
)
from handlers.common import (
    answer_press,
    answer_stranger,
    for_roles,
    language,
    reply,
    sender_of,
    text,
)


async def unknown_command(update: Any, context: Any) -> None:
    """Any command nobody handles: a helpful pointer, never silence."""
    sender = sender_of(update)
    if sender is None:
        return
    person = await context.services.access.identify(sender.telegram_user_id)
    if person is None:
        await answer_stranger(context, sender)
        return
    await reply(
        context, sender, text(context, "unknown_command", language(person, sender)), person=person
    )


async def unknown_button(update: Any, context: Any) -> None:
    """A button press nothing claims (old, or forged): answered, and nothing else happens."""
    if update.callback_query is not None:
        await answer_press(update.callback_query)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    add = application.add_handler

    # 1. Enrollment first: /start must work for strangers holding an invitation.
    add(CommandHandler("start", enrollment.start, filters=private))
    add(CallbackQueryHandler(enrollment.consent_answer, pattern=r"^consent:(yes|no)$"))
    add(ChatMemberHandler(schedule.membership, ChatMemberHandler.MY_CHAT_MEMBER))

    # 2a. Buttons; every callback re-checks the caller, since callback data can be forged.
    add(CallbackQueryHandler(therapist.ack_button, pattern=r"^ack:"))
    add(CallbackQueryHandler(schedule.answer, pattern=r"^ans:"))
    add(CallbackQueryHandler(schedule.questionnaire_answer, pattern=r"^q:"))
    add(CallbackQueryHandler(schedule.stop_answer, pattern=r"^stop:(yes|no)$"))
    add(CallbackQueryHandler(care.delete_answer, pattern=r"^delete:(yes|no)$"))
    add(CallbackQueryHandler(couples.share_answer, pattern=r"^share:(yes:\d+:[0-9a-f]+|no)$"))
    add(CallbackQueryHandler(unknown_button))

    # 2. Commands anyone may use, then each role's own (each checks role itself).
    add(CommandHandler("crisis", participant.crisis, filters=private))
    add(CommandHandler("help", participant.help_command, filters=private))
    add(CommandHandler("journal", therapist.journal, filters=private))
    add(CommandHandler("participants", therapist.participants, filters=private))
    add(CommandHandler("ack", therapist.ack_command, filters=private))
    add(CommandHandler("flags", therapist.flags, filters=private))
    add(CommandHandler("invite", coordinator.invite, filters=private))
    add(CommandHandler("pause", schedule.pause, filters=private))
    add(CommandHandler("resume", schedule.resume, filters=private))
    add(CommandHandler("stop", schedule.stop, filters=private))
    add(CommandHandler("session", staff.session, filters=private))
    add(CommandHandler("prompt", staff.prompt, filters=private))
    add(CommandHandler("protocols", staff.protocols, filters=private))
    add(CommandHandler("schedule", staff.schedule, filters=private))
    add(CommandHandler("export", care.export, filters=private))
    add(CommandHandler("delete", care.delete, filters=private))
    add(CommandHandler("note", care.note, filters=private))
    add(CommandHandler("digest", care.digest, filters=private))
    add(CommandHandler("assign", care.assign, filters=private))
    add(CommandHandler("stats", care.stats, filters=private))
    add(CommandHandler("share", couples.share, filters=private))
    add(CommandHandler("relay", couples.relay, filters=private))

    # 3. Anything else that looks like a command gets a pointer to /help.
    add(MessageHandler(filters.COMMAND & private, unknown_command))

    # 4. Everything else a person sends in private is a journal message (or a stranger).
    add(
        MessageHandler(
            private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, participant.journal_message
        )
    )
    add(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, participant.journal_message))

    application.add_error_handler(errors.on_error)


__all__ = ["for_roles", "register"]
