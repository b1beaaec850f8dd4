"""Recording a participant's journal messages (new, edited, media) and answers to prompts.

A message is the reply to the prompt it meets (a reply-to a prompt message, else the
latest open prompt) only when that prompt asks for words. Buttons answer a scale, choice
or questionnaire: while one is open, what the participant types or sends is not its
answer but an entry of its own (or the reply to an older free-text prompt still open),
screened like any other, and the question stays open; the one exception is a scale
answered by typing just its number ("7", "7/10"), which counts as pressing that button.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain import timefmt
from bot.domain.digest import CHART_SPAN
from bot.domain.erasure import ErasureRequest
from bot.domain.numbers import parse_scale_answer
from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus
from bot.domain.records import EntryView, ScheduledPrompt, button_refusal
from bot.domain.safety import Tier, scale_signal
from bot.domain.schedule import PromptStatus, as_zone
from bot.domain.trends import Trend
from bot.services import checklists, digests, render
from bot.services.access import current_participant, visible_participant
from bot.services.context import Bound, ServiceContext
from bot.services.flags import FlagRaised, raise_signal, screen_and_flag
from bot.services.inbound import InboundMessage
from bot.services.replies import enqueue_replies
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
    still_open: Outgoing | None = None  # the open button question, asked again gently
    scale_answer: str | None = None  # a number typed for the open scale: its answer
    erasure: ErasureRequest | None = None  # their open erasure request, once withdrawn
    checklist: bool = False  # the reply to a pre-session safety check


async def record_message(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    participant: Person,
    message: InboundMessage,
    prompt_id: int | None = None,
    replying_to: ScheduledPrompt | None = None,
) -> JournalRecorded:
    """Store a participant's message in their journal (text sealed; media as a reference).

    ``prompt_id`` is the prompt the message answers (a button, a typed scale number);
    ``replying_to`` the free-text prompt it is the reply to (see :func:`prompts_met`),
    which is then answered. A prompt with buttons is never answered this way.
    """
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
    prompt = replying_to if replying_to is not None and not replying_to.has_buttons else None
    if prompt_id is None and prompt is not None:
        prompt_id = prompt.id
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


async def record_answer(
    uow: UnitOfWorkProtocol,
    ctx: ServiceContext,
    *,
    participant: Person,
    prompt: ScheduledPrompt,
    label: str,
    message: InboundMessage,
) -> tuple[JournalRecorded, FlagRaised | None]:
    """A scale or choice prompt answered (by its button, or a scale by its typed number):
    the answer is kept with the prompt, the prompt is answered, and the answer is weighed
    (a scale against the participant's own baseline, a choice by the screener)."""
    now = ctx.clock.now()
    recorded = await record_message(
        uow, now=now, participant=participant, message=message, prompt_id=prompt.id
    )
    await mark_answered(uow, prompt, now)
    raised = None
    if recorded.created and prompt.kind == "scale":
        earlier = await uow.journal.scale_history(participant.id, before_id=recorded.message_id)
        signal = scale_signal(int(label), earlier)
        if signal is not None:
            raised = await raise_signal(uow, ctx, participant, signal, "scale", recorded.message_id)
    elif recorded.created:
        raised = await screen_and_flag(uow, ctx, participant, label, "choice", recorded.message_id)
    if raised is not None:
        recorded = replace(recorded, tier=raised.tier)
    return recorded, raised


def typed_scale_answer(
    prompt: ScheduledPrompt | None, participant: Person, message: InboundMessage, now: datetime
) -> int | None:
    """The number a new text message gives the open scale it is beside, when it is only
    that number and a button press would count now; otherwise None (the text is words)."""
    if (
        prompt is None
        or prompt.kind != "scale"
        or message.kind != "text"
        or message.edited
        or button_refusal(prompt, participant, now) is not None
    ):
        return None
    return parse_scale_answer(message.text)


@dataclass(frozen=True)
class PromptsMet:
    """The prompts a participant's message meets."""

    replying_to: ScheduledPrompt | None = None  # the free-text prompt it is the reply to
    beside: ScheduledPrompt | None = None  # the button prompt it was written beside


async def prompts_met(
    uow: UnitOfWorkProtocol, participant: Person, message: InboundMessage, now: datetime
) -> PromptsMet:
    """A reply-to a prompt message meets that prompt; otherwise the latest open prompt. When
    that one has buttons, the message is written beside it, and is the reply to the latest
    free-text prompt still open, if there is one."""
    if message.reply_to_message_id is not None:
        replied = await uow.schedules.prompt_for_message(
            participant.id, message.sender.chat_id, message.reply_to_message_id
        )
        if replied is not None:
            return PromptsMet(beside=replied) if replied.has_buttons else PromptsMet(replied)
    latest = await uow.schedules.latest_open_prompt(participant.id, now)
    if latest is None or not latest.has_buttons:
        return PromptsMet(latest)
    text_prompt = await uow.schedules.latest_open_prompt(participant.id, now, kind="text")
    return PromptsMet(text_prompt, beside=latest)


async def mark_answered(uow: UnitOfWorkProtocol, prompt: ScheduledPrompt, now: datetime) -> None:
    if prompt.status == PromptStatus.SENT and now < prompt.expires_at:
        await uow.schedules.save_prompt(
            replace(prompt, status=PromptStatus.ANSWERED, answered_at=now)
        )


# What to say to a participant about a message just recorded (the handler words it).
Answer = Callable[[JournalRecorded], Sequence[Outgoing]]


class Journal(Bound):
    """Participants' journals: recorded and screened, read back by them and their therapist."""

    async def record(
        self, participant: Person, message: InboundMessage, *, answer: Answer | None = None
    ) -> JournalRecorded:
        """Store a message, screen it and queue ``answer``'s reply, in one transaction.

        So an update tried again after a failure (the database lost for a moment) finds
        either all of it done (stored, flagged, alerted, answered: nothing more to do) or
        none of it, and is never left stored but unanswered.

        A number typed for an open scale is its answer; beside any other open button
        prompt, the message is an entry of its own and the result carries that question,
        asked again gently with its buttons (unless a risk was found: then the safety
        message speaks, alone)."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await current_participant(uow, participant)
            met = await prompts_met(uow, participant, message, now)
            value = typed_scale_answer(met.beside, participant, message, now)
            if met.beside is not None and value is not None:
                label = str(value)
                result, raised = await record_answer(
                    uow,
                    self.ctx,
                    participant=participant,
                    prompt=met.beside,
                    label=label,
                    message=replace(message, kind="scale", text=label),
                )
                result = replace(result, scale_answer=label)
            else:
                result, raised = await self._entry(uow, participant, message, met, now)
            if participant.status == PersonStatus.WITHDRAWN:  # what to tell them depends on it
                result = replace(result, erasure=await uow.erasures.open_request(participant.id))
            replies = list(answer(result)) if answer is not None and result.created else []
            if replies:
                await enqueue_replies(
                    uow,
                    now=now,
                    update_id=message.sender.update_id,
                    chat_id=message.sender.chat_id,
                    messages=replies,
                    person_id=participant.id,
                )
            await uow.commit()
        if raised is not None or replies:
            self.ctx.wake_delivery()
        return result

    async def _entry(
        self,
        uow: UnitOfWorkProtocol,
        participant: Person,
        message: InboundMessage,
        met: PromptsMet,
        now: datetime,
    ) -> tuple[JournalRecorded, FlagRaised | None]:
        """A journal message, screened; one thank-you for several in a row; beside an open
        button prompt, that question asked again."""
        result = await record_message(
            uow, now=now, participant=participant, message=message, replying_to=met.replying_to
        )
        raised = None
        if result.created and message.text:
            raised = await screen_and_flag(
                uow, self.ctx, participant, message.text, "journal", result.message_id
            )
        if raised is not None:
            result = replace(result, tier=raised.tier)
        checklist = await self._checklist_answered(uow, met, result)
        if checklist is not None:
            # the reply to a safety check, or a message added to that reply while the check
            # is still open ("…oh, and I started sertraline"): weighed against the checklist
            result = replace(result, checklist=checklist is met.replying_to)
            if message.text:
                await checklists.weigh_answer(
                    uow,
                    now=now,
                    catalogue=self.ctx.catalogue,
                    policy=self.ctx.policy,
                    participant=participant,
                    prompt=checklist,
                    answer=message.text,
                    message_id=result.message_id,
                )
                self.ctx.wake_delivery()
        fresh = result.created and not result.edited and result.tier < Tier.HIGH
        if fresh and message.kind == "text":
            # several messages in a row get one thank-you; the mark is shared by instances
            before = await uow.clinic.touch(f"ack:{message.sender.chat_id}", now)
            quiet = before is not None and now - before < ACK_QUIET
            result = replace(result, quiet=result.continued and quiet)
        if (
            fresh
            and not result.quiet
            and met.beside is not None
            and button_refusal(met.beside, participant, now) is None
        ):
            again = await render.asked_again(
                uow, self.ctx.catalogue, participant, met.beside, "prompt.still_open"
            )
            result = replace(result, still_open=again)
        return result, raised

    @staticmethod
    async def _checklist_answered(
        uow: UnitOfWorkProtocol, met: PromptsMet, result: JournalRecorded
    ) -> ScheduledPrompt | None:
        """The safety-check prompt this new message answers or adds to, if any."""
        if not result.created or result.edited:
            return None
        replied = met.replying_to
        if replied is not None:
            return replied if replied.kind == checklists.CHECKLIST_KIND else None
        if not result.continued:
            return None
        prompt_id = await uow.journal.prompt_of_entry(result.entry_id)
        prompt = await uow.schedules.prompt_by_id(prompt_id) if prompt_id else None
        if prompt is None or prompt.kind != checklists.CHECKLIST_KIND:
            return None
        return prompt if prompt.answered_at is not None else None

    async def own(self, participant: Person, n: int) -> list[EntryView]:
        async with self.ctx.uow() as uow:
            participant = await current_participant(uow, participant)
            return await uow.journal.recent_entries(participant.id, n)

    async def own_chart(self, participant: Person) -> bytes | None:
        """The participant's own mood answers of the last six weeks, with their sessions, as
        a chart (PNG); None when they have answered none. Their own data only: no flags,
        no staff's view of them."""
        now = self.ctx.clock.now()
        since = now - CHART_SPAN
        async with self.ctx.reader() as uow:
            participant = await current_participant(uow, participant)
            mood = await uow.journal.mood_points([participant.id], since, now)
            sessions = await uow.schedules.sessions_of(participant.id)
        if not mood:
            return None
        trend = Trend(
            code=participant.code,
            since=since,
            until=now,
            mood=tuple(mood),
            scores=(),
            sessions=tuple(s for s in sessions if since < s.starts_at <= now),
            flags=(),
        )
        cat, lang, zone = self.ctx.catalogue, participant.lang, as_zone(participant.timezone)
        title = cat.text(
            "chart.own_title",
            lang,
            since=timefmt.day(since, zone, lang),
            until=timefmt.day(now, zone, lang),
        )
        return await digests.draw(self.ctx, lang, zone, [trend], title)

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
