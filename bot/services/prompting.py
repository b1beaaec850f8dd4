"""Prompts going out: due prompts handed to the outbox exactly once, reminders, expiry,
answers to buttons, and one-off prompts written by staff.

The tick reaches every due prompt and every open prompt that needs it, however many there
are, ``TICK_BATCH`` per transaction: due prompts until none is left, then open prompts
whose reminder is due or whose window has closed, paged through by id. Its cost grows with
what is due, not with what is scheduled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.numbers import parse_number
from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import ScheduledPrompt, button_refusal
from bot.domain.safety import EscalationPolicy, silence_signal
from bot.domain.schedule import (
    PromptStatus,
)
from bot.errors import NotAllowed
from bot.services import checklists, journal, render
from bot.services.access import current_participant, visible_participant
from bot.services.context import Bound
from bot.services.flags import raise_signal
from bot.services.inbound import InboundMessage, Sender
from bot.services.journal import JournalRecorded
from bot.services.protocols import protocol_by_id
from bot.services.replies import enqueue_replies
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue

PROMPT_PRIORITY = 0


REMINDER_PRIORITY = 0
TICK_BATCH = 20  # prompts handled per transaction of a tick (a millisecond or two each): between
# two, the tick lets a message being handled or an alert being sent go first


def is_paused(participant: Person, now: datetime) -> bool:
    return participant.paused_at(now)


@dataclass
class TickResult:
    sent: int = 0
    missed: int = 0
    skipped: int = 0
    reminded: int = 0
    cancelled: int = 0
    missed_participants: list[int] | None = None
    handled: int = 0  # prompts looked at
    last_id: int = 0  # the highest prompt id looked at (where the next page starts)

    def add(self, other: TickResult) -> None:
        """Count ``other`` (a later batch of the same tick) in too."""
        self.sent += other.sent
        self.missed += other.missed
        self.skipped += other.skipped
        self.reminded += other.reminded
        self.cancelled += other.cancelled
        self.handled += other.handled
        self.last_id = max(self.last_id, other.last_id)
        if other.missed_participants:
            self.missed_participants = (self.missed_participants or []) + list(
                other.missed_participants
            )


async def _missed(
    uow: UnitOfWorkProtocol,
    now: datetime,
    catalogue: Catalogue,
    policy: EscalationPolicy | None,
    participant: Person,
    prompt: ScheduledPrompt,
) -> None:
    """A prompt just marked missed (or skipped: prompts paused, the bot blocked): a
    pre-session safety check left unanswered is flagged to the therapist, in the same
    transaction (so a crash cannot lose it)."""
    if prompt.kind == checklists.CHECKLIST_KIND and not participant.withdrawn:
        await checklists.flag_unanswered(
            uow,
            now=now,
            catalogue=catalogue,
            policy=policy or EscalationPolicy(),
            participant=participant,
            prompt=prompt,
        )


async def send_due(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    catalogue: Catalogue,
    limit: int | None = None,
    policy: EscalationPolicy | None = None,
) -> TickResult:
    """Hand up to ``limit`` (``TICK_BATCH``) due prompts to the outbox once; stale ones
    become missed, not a burst. Every prompt looked at leaves the pending state, so calling
    again goes on with the next ones."""
    result = TickResult(missed_participants=[])
    due = await uow.schedules.due_prompts(now, limit or TICK_BATCH)
    people = {p.id: p for p in await uow.people.by_ids(sorted({p.participant_id for p in due}))}
    changed: list[tuple[ScheduledPrompt, ScheduledPrompt]] = []
    for prompt in due:
        result.handled += 1
        participant = people[prompt.participant_id]
        if participant.status == PersonStatus.PAUSED and not is_paused(participant, now):
            participant = replace(participant, status=PersonStatus.ACTIVE, paused_until=None)
            await uow.people.save(participant)  # the pause ran out
            people[participant.id] = participant
        if participant.withdrawn or participant.status in (
            PersonStatus.INVITED,
            PersonStatus.CONSENT_PENDING,
        ):
            changed.append((prompt, replace(prompt, status=PromptStatus.CANCELLED)))
            result.cancelled += 1
        elif is_paused(participant, now) or participant.status == PersonStatus.UNREACHABLE:
            changed.append((prompt, replace(prompt, status=PromptStatus.SKIPPED)))
            result.skipped += 1
            # a safety check that cannot be asked is one the therapist must follow up
            await _missed(uow, now, catalogue, policy, participant, prompt)
        elif now >= prompt.expires_at:
            changed.append((prompt, replace(prompt, status=PromptStatus.MISSED)))
            result.missed += 1
            assert result.missed_participants is not None
            result.missed_participants.append(participant.id)
            await _missed(uow, now, catalogue, policy, participant, prompt)
        else:
            message, asked = await render.prompt_message(uow, catalogue, participant, prompt)
            await uow.outbox.enqueue(
                key=f"prompt:{prompt.id}",
                chat_id=_chat(participant),
                message=message,
                kind="prompt",
                now=now,
                person_id=participant.id,
                priority=PROMPT_PRIORITY,
            )
            changed.append((prompt, replace(asked, status=PromptStatus.SENT, sent_at=now)))
            result.sent += 1
    await uow.schedules.save_prompts_if_unchanged(changed)  # one statement for the batch
    return result


async def remind_and_expire(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    catalogue: Catalogue,
    after_id: int = 0,
    limit: int | None = None,
    policy: EscalationPolicy | None = None,
) -> TickResult:
    """Gentle reminders inside the window; at its end an unanswered prompt is missed.

    Looks at the next ``limit`` (``TICK_BATCH``) open prompts, by id after ``after_id``,
    whose reminder is due or whose window has closed; the result's ``last_id`` is where
    the next page starts.
    """
    result = TickResult(missed_participants=[])
    due = await uow.schedules.open_prompts_due(now, after_id=after_id, limit=limit or TICK_BATCH)
    people = {p.id: p for p in await uow.people.by_ids(sorted({p.participant_id for p in due}))}
    changed: list[tuple[ScheduledPrompt, ScheduledPrompt]] = []
    for prompt in due:
        result.handled += 1
        result.last_id = prompt.id
        if now >= prompt.expires_at:
            changed.append((prompt, replace(prompt, status=PromptStatus.MISSED)))
            result.missed += 1
            assert result.missed_participants is not None
            result.missed_participants.append(prompt.participant_id)
            await _missed(uow, now, catalogue, policy, people[prompt.participant_id], prompt)
            continue
        times = prompt.reminder_times
        if prompt.reminders_sent >= len(times) or times[prompt.reminders_sent] > now:
            continue
        participant = people[prompt.participant_id]
        n = prompt.reminders_sent
        changed.append((prompt, replace(prompt, reminders_sent=n + 1)))
        if is_paused(participant, now) or participant.status != PersonStatus.ACTIVE:
            continue
        await uow.outbox.enqueue(
            key=f"reminder:{prompt.id}:{n}",
            chat_id=_chat(participant),
            message=await render.reminder_message(uow, catalogue, participant, prompt),
            kind="reminder",
            now=now,
            person_id=participant.id,
            priority=REMINDER_PRIORITY,
        )
        result.reminded += 1
    await uow.schedules.save_prompts_if_unchanged(changed)  # one statement for the batch
    return result


async def one_off_prompt(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    participant: Person,
    text: str,
    author: Person | None,
    window: timedelta = timedelta(hours=24),
) -> ScheduledPrompt:
    """A prompt written by staff, due now (the next tick sends it)."""
    if participant.role != Role.PARTICIPANT:
        raise NotAllowed("prompts go to participants", key="problem.prompts_to_participants")
    n = await uow.schedules.next_oneoff_number(participant.id)
    prompt = await uow.schedules.add_prompt(
        ScheduledPrompt(
            id=0,
            participant_id=participant.id,
            key=f"oneoff:{n}",
            kind="text",
            text=text,
            due_at=now,
            expires_at=now + window,
            created_at=now,
            created_by_id=author.id if author else None,
        )
    )
    await uow.audit.record(
        at=now,
        actor=author.code if author else "cli",
        actor_id=author.id if author else None,
        action="prompt.oneoff",
        subject_id=participant.id,
    )
    return prompt


def _chat(participant: Person) -> int:
    assert participant.chat_id is not None
    return participant.chat_id


async def answer_label(
    uow: UnitOfWorkProtocol, prompt: ScheduledPrompt, value: str, participant: Person
) -> str | None:
    """The recorded text of a button answer, or None when the value is not on this prompt."""
    if prompt.kind == "scale":
        return value if parse_number(value, maximum=10) is not None else None
    if prompt.kind == "choice" and prompt.protocol_id and prompt.step_id:
        step = (await protocol_by_id(uow, prompt.protocol_id)).step(prompt.step_id)
        for choice in step.choices:
            if choice.id == value:
                return choice.label_for(participant.language or "en")
    return None


@dataclass(frozen=True)
class ButtonAnswer:
    outcome: str  # recorded | answered | closed | paused | withdrawn | not_yours
    label: str | None = None
    prompt_kind: str | None = None
    recorded: JournalRecorded | None = None


class Prompting(Bound):
    """The scheduler tick, answers to prompt buttons, and prompts written by staff."""

    async def tick(self) -> TickResult:
        """Send due prompts, remind, expire: one scheduler tick (jobs call this).

        Every due prompt and every open prompt needing it is reached, ``TICK_BATCH`` per
        transaction, with a pause for waiting writers between two full batches."""
        now = self.ctx.clock.now()
        total = TickResult(missed_participants=[])
        while True:
            async with self.ctx.uow() as uow:
                batch = await send_due(
                    uow, now=now, catalogue=self.ctx.catalogue, policy=self.ctx.policy
                )
                await uow.commit()
            total.add(batch)
            if batch.sent:
                self.ctx.wake_delivery()
            if batch.handled < TICK_BATCH:
                break
            await self.ctx.storage.breathe()
        after = 0
        while True:
            async with self.ctx.uow() as uow:
                batch = await remind_and_expire(
                    uow,
                    now=now,
                    catalogue=self.ctx.catalogue,
                    after_id=after,
                    policy=self.ctx.policy,
                )
                await uow.commit()
            total.add(batch)
            if batch.reminded:
                self.ctx.wake_delivery()
            if batch.handled < TICK_BATCH:
                break
            after = batch.last_id
            await self.ctx.storage.breathe()
        if total.missed_participants:
            await self._silence_flags(sorted(set(total.missed_participants)))
        return total

    async def _silence_flags(self, participant_ids: list[int]) -> None:
        """Several missed prompts in a row: a low flag (for the digest)."""
        for start in range(0, len(participant_ids), TICK_BATCH):
            if start:
                await self.ctx.storage.breathe()
            async with self.ctx.uow() as uow:
                for participant_id in participant_ids[start : start + TICK_BATCH]:
                    recent = await uow.schedules.recent_statuses(participant_id, 5)
                    signal = silence_signal(recent)
                    if signal is None:
                        continue
                    participant = await uow.people.by_id(participant_id)
                    if participant is None:
                        continue
                    latest = await uow.schedules.latest_missed_id(participant_id)
                    await raise_signal(uow, self.ctx, participant, signal, "silence", latest)
                await uow.commit()

    async def answer_button(
        self,
        participant: Person,
        sender: Sender,
        prompt_id: int,
        value: str,
        message_id: int | None,
        *,
        confirm: Callable[[str, str], Sequence[Outgoing]] | None = None,
    ) -> ButtonAnswer:
        """A scale or choice button: checked against the caller (callback data can be forged)
        and against the moment: a prompt already answered, closed, or a participant who has
        paused or stopped, is told so and nothing changes.

        ``confirm(kind, label)`` words the confirmation, queued in the same transaction as
        the answer: an update tried again after a failure finds both done, or neither."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await current_participant(uow, participant)
            prompt = await uow.schedules.prompt_by_id(prompt_id, lock=True)
            if prompt is None or prompt.participant_id != participant.id:
                return ButtonAnswer("not_yours")
            label = await answer_label(uow, prompt, value, participant)
            if label is None:
                return ButtonAnswer("not_yours")
            refusal = button_refusal(prompt, participant, now)
            if refusal is not None:
                return ButtonAnswer(refusal, prompt_kind=prompt.kind)
            inbound = InboundMessage(
                sender=sender, message_id=-sender.update_id, kind=prompt.kind, text=label
            )
            recorded, raised = await journal.record_answer(
                uow, self.ctx, participant=participant, prompt=prompt, label=label, message=inbound
            )
            replies = list(confirm(prompt.kind, label)) if confirm is not None else []
            if replies and recorded.created:
                await enqueue_replies(
                    uow,
                    now=now,
                    update_id=sender.update_id,
                    chat_id=sender.chat_id,
                    messages=replies,
                    person_id=participant.id,
                )
            await uow.commit()
        if raised is not None or replies:
            self.ctx.wake_delivery()
        return ButtonAnswer("recorded", label=label, prompt_kind=prompt.kind, recorded=recorded)

    async def open_question(self, participant: Person) -> Outgoing | None:
        """The participant's latest open button question, asked again with its buttons (a
        questionnaire at its first unanswered item), or None: for someone coming back with
        /start, perhaps after clearing the chat and its buttons."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await current_participant(uow, participant)
            prompt = await uow.schedules.latest_open_prompt(participant.id, now)
            if (
                prompt is None
                or not prompt.has_buttons
                or button_refusal(prompt, participant, now) is not None
            ):
                return None
            return await render.asked_again(
                uow, self.ctx.catalogue, participant, prompt, "prompt.still_open"
            )

    async def one_off(
        self, actor: Person | None, code: str, text: str, *, send_now: bool = True
    ) -> Person:
        """A prompt written by staff, due now; ``send_now`` hands it to the outbox at once
        (the command line leaves that to the running bot's next tick)."""
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            await one_off_prompt(
                uow, now=self.ctx.clock.now(), participant=participant, text=text, author=actor
            )
            await uow.commit()
        if send_now:
            await self.tick()
        return participant
