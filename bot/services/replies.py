"""Answers to an update go through the outbox too, keyed by update: a replay says nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.outgoing import Outgoing, split_text
from storage.uow import UnitOfWork

REPLY_PRIORITY = 5  # answers to a person waiting in the chat go before scheduled prompts


async def enqueue_replies(
    uow: UnitOfWork,
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
        pieces = split_text(message.text)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            part = Outgoing(
                piece,
                buttons=message.buttons if last else (),
                parse_mode=message.parse_mode,
                meta=message.meta,
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
