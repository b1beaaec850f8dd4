"""The error handler: logs what failed (never what anyone wrote) and keeps the bot running."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import EmberContext
from handlers.common import reply, sender_of, text

log = logging.getLogger(__name__)


async def on_error(update: object, context: EmberContext) -> None:
    """Record the failure against the update, tell the person kindly, carry on (unless the
    update is to be handled again: then there is nothing to tell)."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    again = (
        update_id is not None and error is not None and context.deps.note_failure(update_id, error)
    )
    if again:  # database trouble that may pass: intake handles the update again shortly
        log.warning(
            "handling update %s met %s; it is handled again", update_id, type(error).__name__
        )
        return
    log.error(
        "handling update %s failed: %s",
        update_id,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
    if isinstance(update, Update) and (sender := sender_of(update)) is not None:
        try:
            await reply(
                context, sender, text(context, "error", sender.language_code or "en"), kind="error"
            )
        except Exception:
            log.exception("could not queue the apology for update %s", update_id)
