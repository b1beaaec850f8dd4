"""Answers to an update go through the outbox too, keyed by update: a replay says nothing twice."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.outgoing import TELEGRAM_TEXT_LIMIT, Outgoing, split_text
from bot.services.context import Bound
from bot.services.inbound import Sender
from bot.services.unit_of_work import UnitOfWorkProtocol

STRANGER_QUIET = timedelta(minutes=10)
CAPTION_LIMIT = 1024  # UTF-16 units in a photo's or a file's caption
REPLY_PRIORITY = 5  # answers to a person waiting in the chat go before scheduled prompts


async def enqueue_replies(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    update_id: int,
    chat_id: int,
    messages: Sequence[Outgoing],
    person_id: int | None = None,
    kind: str = "reply",
    priority: int = REPLY_PRIORITY,
) -> int:
    """Queue the replies to one update; returns how many were new."""
    added = 0
    n = 0
    for message in messages:
        # a photo or a file carries its text as a caption, which has a smaller limit; any
        # text beyond it follows as messages
        attached = "photo" in message.meta or "document" in message.meta
        limit = CAPTION_LIMIT if attached else TELEGRAM_TEXT_LIMIT
        pieces = split_text(message.text, limit) if message.text else [""]
        if attached and len(pieces) > 1:
            pieces = pieces[:1] + split_text("\n\n".join(pieces[1:]))
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            part = Outgoing(
                piece,
                buttons=message.buttons if last else (),
                parse_mode=message.parse_mode,
                meta=message.meta if i == 0 else {},
            )
            added += await uow.outbox.enqueue(
                key=f"{kind}:{update_id}:{n}",
                chat_id=chat_id,
                message=part,
                kind=kind,
                now=now,
                person_id=person_id,
                priority=priority,
            )
            n += 1
    return added


class Replies(Bound):
    """Answers to an update, and the one line for strangers."""

    async def answer_stranger(self, sender: Sender, message: Outgoing) -> bool:
        """One short line to someone Ember does not know, at most once per quiet period.

        The mark that remembers them is a hash of the account, kept for the quiet period
        only; nothing else about them is stored. False when they were answered just now.
        """
        now = self.ctx.clock.now()
        account = hashlib.sha256(f"stranger:{sender.telegram_user_id}".encode()).hexdigest()
        async with self.ctx.uow() as uow:
            await uow.clinic.forget_marks("stranger:", now - STRANGER_QUIET)
            before = await uow.clinic.touch(f"stranger:{account[:40]}", now)
            if before is not None and now - before < STRANGER_QUIET:
                await uow.commit()
                return False
            await enqueue_replies(
                uow,
                now=now,
                update_id=sender.update_id,
                chat_id=sender.chat_id,
                messages=[message],
                kind="stranger",
            )
            await uow.commit()
        self.ctx.wake_delivery()
        return True

    async def reply(
        self,
        sender: Sender,
        messages: Sequence[Outgoing],
        *,
        person_id: int | None = None,
        kind: str = "reply",
    ) -> None:
        """Queue the answers to this update and wake delivery."""
        async with self.ctx.uow() as uow:
            await enqueue_replies(
                uow,
                now=self.ctx.clock.now(),
                update_id=sender.update_id,
                chat_id=sender.chat_id,
                messages=messages,
                person_id=person_id,
                kind=kind,
            )
            await uow.commit()
        self.ctx.wake_delivery()
