"""Recording a participant's journal messages (new, edited, media)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.erasure import ErasureRequest
from bot.domain.people import Person, PersonStatus
from bot.domain.records import EntryView, ScheduledPrompt
from bot.domain.safety import Tier
from bot.domain.schedule import PromptStatus
from bot.services.access import current_participant, visible_participant
from bot.services.context import Bound
from bot.services.flags import screen_and_flag
from bot.services.inbound import InboundMessage
from bot.services.unit_of_work import UnitOfWorkProtocol

TEXT_KINDS = frozenset({"text"})


ACK_QUIET = timedelta(seconds=20)  # several messages in a row get one thank-you, not one each


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
    erasure: ErasureRequest | None = None  # their open erasure request, once withdrawn


async def record_message(
    uow: UnitOfWorkProtocol,
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
    uow: UnitOfWorkProtocol, participant: Person, message: InboundMessage, now: datetime
) -> ScheduledPrompt | None:
    """A reply-to a prompt message answers that prompt; otherwise the open prompt, if any."""
    if message.reply_to_message_id is not None:
        replied = await uow.schedules.prompt_for_message(
            participant.id, message.sender.chat_id, message.reply_to_message_id
        )
        if replied is not None:
            return replied
    return await uow.schedules.latest_open_prompt(participant.id, now)


async def mark_answered(uow: UnitOfWorkProtocol, prompt: ScheduledPrompt, now: datetime) -> None:
    if prompt.status == PromptStatus.SENT and now < prompt.expires_at:
        await uow.schedules.save_prompt(
            replace(prompt, status=PromptStatus.ANSWERED, answered_at=now)
        )


class Journal(Bound):
    """Participants' journals: recorded and screened, read back by them and their therapist."""

    async def record(self, participant: Person, message: InboundMessage) -> JournalRecorded:
        """Store a message and screen it in the same transaction, before any reply."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await current_participant(uow, participant)
            result = await record_message(uow, now=now, participant=participant, message=message)
            raised = None
            if result.created and message.text:
                raised = await screen_and_flag(
                    uow, self.ctx, participant, message.text, "journal", result.message_id
                )
            if raised is not None:
                result = replace(result, tier=raised.tier)
            if (
                result.created
                and not result.edited
                and result.tier < Tier.HIGH
                and message.kind == "text"
            ):
                # several messages in a row get one thank-you; the mark is shared by instances
                before = await uow.clinic.touch(f"ack:{message.sender.chat_id}", now)
                quiet = before is not None and now - before < ACK_QUIET
                result = replace(result, quiet=result.continued and quiet)
            if participant.status == PersonStatus.WITHDRAWN:  # what to tell them depends on it
                result = replace(result, erasure=await uow.erasures.open_request(participant.id))
            await uow.commit()
        if raised is not None:
            self.ctx.wake_delivery()
        return result

    async def own(self, participant: Person, n: int) -> list[EntryView]:
        async with self.ctx.uow() as uow:
            participant = await current_participant(uow, participant)
            return await uow.journal.recent_entries(participant.id, n)

    async def read(self, reader: Person, code: str, n: int) -> tuple[Person, list[EntryView]]:
        """A staff read of a journal, checked and written to the audit log in one go."""
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, reader, code)
            entries = await uow.journal.recent_entries(participant.id, n)
            await uow.audit.record(
                at=self.ctx.clock.now(),
                actor=reader.code,
                actor_id=reader.id,
                action="journal.read",
                subject_id=participant.id,
                detail=f"entries={len(entries)}",
            )
            await uow.commit()
        return participant, entries
