"""Recording a participant's journal messages (new, edited, media)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.inbound import InboundMessage
from storage import journal
from storage.models import Person
from storage.uow import UnitOfWork

TEXT_KINDS = frozenset({"text"})


@dataclass(frozen=True)
class JournalRecorded:
    message_id: int
    entry_id: int
    created: bool  # False: this Telegram message was stored before (a replay)
    continued: bool  # True: added to an entry that was already open
    edited: bool = False


async def record_message(
    uow: UnitOfWork,
    *,
    now: datetime,
    participant: Person,
    message: InboundMessage,
    prompt_id: int | None = None,
) -> JournalRecorded:
    """Store a participant's message in their journal (text sealed; media as a reference)."""
    screened = message.kind in TEXT_KINDS or message.text is not None
    if message.edited:
        edited = await journal.edit_message(
            uow,
            participant_id=participant.id,
            telegram_message_id=message.message_id,
            text=message.text,
            now=now,
        )
        if edited is not None:
            return JournalRecorded(edited.id, edited.entry_id, True, True, edited=True)
    stored, created = await journal.add_message(
        uow,
        participant_id=participant.id,
        prompt_id=prompt_id,
        telegram_message_id=message.message_id,
        update_id=message.sender.update_id,
        kind=message.kind,
        text=message.text,
        media_ref=message.media_ref,
        screened=screened,
        now=now,
    )
    continued = created and await journal.entry_has_earlier_messages(uow, stored)
    return JournalRecorded(stored.id, stored.entry_id, created, continued)
