"""Recording a participant's journal messages (new, edited, media)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.people import Person
from bot.domain.records import ScheduledPrompt
from bot.domain.safety import Tier
from bot.domain.schedule import PromptStatus
from bot.services.inbound import InboundMessage
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
    quiet: bool = False  # True: a thank-you went out moments ago; this one needs none


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
        edited = await uow.journal.edit_message(
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
    stored, created = await uow.journal.add_message(
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
    continued = created and await uow.journal.entry_has_earlier_messages(stored)
    if created and prompt is not None:
        await mark_answered(uow, prompt, now)
    return JournalRecorded(stored.id, stored.entry_id, created, continued, prompt_id=prompt_id)


async def prompt_answered_by(
    uow: UnitOfWork, participant: Person, message: InboundMessage, now: datetime
) -> ScheduledPrompt | None:
    """A reply-to a prompt message answers that prompt; otherwise the open prompt, if any."""
    if message.reply_to_message_id is not None:
        replied = await uow.schedules.prompt_for_message(
            participant.id, message.sender.chat_id, message.reply_to_message_id
        )
        if replied is not None:
            return replied
    return await uow.schedules.latest_open_prompt(participant.id, now)


async def mark_answered(uow: UnitOfWork, prompt: ScheduledPrompt, now: datetime) -> None:
    if prompt.status == PromptStatus.SENT and now < prompt.expires_at:
        await uow.schedules.save_prompt(
            replace(prompt, status=PromptStatus.ANSWERED, answered_at=now)
        )
