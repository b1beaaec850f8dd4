"""Recording a participant's journal messages (new, edited, media)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.safety import Tier
from bot.services.inbound import InboundMessage
from storage import journal, schedules
from storage.models import Person, PromptStatus, ScheduledPrompt
from storage.uow import UnitOfWork

TEXT_KINDS = frozenset({"text"})


@dataclass(frozen=True)
class JournalRecorded:
    message_id: int
    entry_id: int
    created: bool  # False: this Telegram message was stored before (a replay)
    continued: bool  # True: added to an entry that was already open
    edited: bool = False
    prompt_id: int | None = None  # the prompt this message answers, if any
    tier: Tier = Tier.NONE  # what screening found (never shown to the participant)


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
    prompt = None
    if prompt_id is None:
        prompt = await prompt_answered_by(uow, participant, message, now)
        prompt_id = prompt.id if prompt else None
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
    if created and prompt is not None:
        mark_answered(prompt, now)
    return JournalRecorded(stored.id, stored.entry_id, created, continued, prompt_id=prompt_id)


async def prompt_answered_by(
    uow: UnitOfWork, participant: Person, message: InboundMessage, now: datetime
) -> ScheduledPrompt | None:
    """A reply-to a prompt message answers that prompt; otherwise the open prompt, if any."""
    if message.reply_to_message_id is not None:
        replied = await schedules.prompt_for_message(
            uow, participant.id, message.sender.chat_id, message.reply_to_message_id
        )
        if replied is not None:
            return replied
    return await schedules.latest_open_prompt(uow, participant.id, now)


def mark_answered(prompt: ScheduledPrompt, now: datetime) -> None:
    if prompt.status == PromptStatus.SENT and now < prompt.expires_at:
        prompt.status = PromptStatus.ANSWERED
        prompt.answered_at = now
