"""Validated questionnaires given item by item with buttons, then scored.

Progress lives in the prompt's ``state`` (answers by item id), so a questionnaire goes on
where it stopped: after a restart, a message typed in between, or a reminder (which asks
the first unanswered item again; see ``render.py``). Each button press is checked against
the caller, the participant's status and the expected item, so a forged, stale or doubled
press changes nothing and no item is ever skipped or asked twice. Item-level alerts (PHQ-9
item 9 > 0) are returned at once, before the questionnaire ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.domain.outgoing import Outgoing
from bot.domain.people import Person
from bot.domain.questionnaires import (
    Instrument,
    QuestionnaireAlert,
    Score,
    alerts,
    score,
)
from bot.domain.records import ScheduledPrompt, button_refusal
from bot.domain.safety import Signal
from bot.domain.schedule import PromptStatus
from bot.services import journal
from bot.services.access import current_participant
from bot.services.context import Bound
from bot.services.flags import raise_signal
from bot.services.inbound import InboundMessage, Sender
from bot.services.render import answers_of, instrument_of, item_message, progress
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue


@dataclass
class QuestionnaireStep:
    outcome: str  # recorded | done | stale | closed | paused | withdrawn | invalid
    chosen: str | None = None
    score: Score | None = None
    new_alerts: list[QuestionnaireAlert] = field(default_factory=list)
    instrument: Instrument | None = None


async def answer_item(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    catalogue: Catalogue,
    participant: Person,
    prompt: ScheduledPrompt,
    item_number: int,
    value: int,
) -> QuestionnaireStep:
    """Record one answer; queue the next item, or score a completed questionnaire.

    Only the first unanswered item can be answered: a press on an earlier item (a double
    press, an old message) or a later one is "stale" and changes nothing.
    """
    if (
        prompt.participant_id != participant.id
        or prompt.kind != "questionnaire"
        or not prompt.state
    ):
        return QuestionnaireStep("invalid")
    instrument = instrument_of(prompt)
    if value not in {o.value for o in instrument.options}:
        return QuestionnaireStep("invalid")
    refusal = button_refusal(prompt, participant, now)
    if refusal is not None:
        return QuestionnaireStep("stale" if refusal == "answered" else refusal)
    answers = answers_of(prompt)
    expected = instrument.next_item(answers)
    if expected is None or item_number != expected.number:
        return QuestionnaireStep("stale")
    before = {a.rule_id for a in alerts(instrument, answers, score(instrument, answers))}
    answers[expected.id] = value
    result = score(instrument, answers)
    raised = [a for a in alerts(instrument, answers, result) if a.rule_id not in before]
    state = progress(prompt)
    state["answers"] = answers
    lang = participant.language or "en"
    step = QuestionnaireStep(
        "recorded", chosen=instrument.option_label(value), new_alerts=raised, instrument=instrument
    )
    following = instrument.next_item(answers)
    if following is None:
        state["score"] = {
            "total": result.total,
            "percentage": result.percentage,
            "band": result.band,
        }
        prompt = replace(prompt, status=PromptStatus.ANSWERED, answered_at=now)
        step.outcome, step.score = "done", result
        await uow.outbox.enqueue(
            key=f"q:{prompt.id}:done",
            chat_id=_chat(participant),
            message=Outgoing(catalogue.text("questionnaire.done", lang)),
            kind="reply",
            now=now,
            person_id=participant.id,
            priority=5,
        )
    else:
        index = instrument.items.index(following)
        await uow.outbox.enqueue(
            key=f"q:{prompt.id}:{following.number}",
            chat_id=_chat(participant),
            message=item_message(catalogue, lang, prompt.id, instrument, index),
            kind="reply",
            now=now,
            person_id=participant.id,
            priority=5,
        )
    await uow.schedules.save_prompt(replace(prompt, state=json.dumps(state)))
    return step


def summary(instrument: Instrument, result: Score) -> str:
    """A one-line, journal-friendly result: "PHQ-9: 12 (Moderate)"."""
    if result.total is None:
        return f"{instrument.short_name}: incomplete"
    extra = f", {result.percentage}%" if result.percentage is not None else ""
    return f"{instrument.short_name}: {result.total}{extra} ({result.band})"


def _chat(participant: Person) -> int:
    assert participant.chat_id is not None
    return participant.chat_id


class Questionnaires(Bound):
    """Questionnaire buttons."""

    async def answer(
        self, participant: Person, sender: Sender, prompt_id: int, item: int, value: int
    ) -> QuestionnaireStep:
        """One questionnaire button; scores and records the result when the last is answered."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await current_participant(uow, participant)
            prompt = await uow.schedules.prompt_by_id(prompt_id, lock=True)
            if prompt is None:
                return QuestionnaireStep("invalid")
            step = await answer_item(
                uow,
                now=now,
                catalogue=self.ctx.catalogue,
                participant=participant,
                prompt=prompt,
                item_number=item,
                value=value,
            )
            if step.outcome == "done" and step.score and step.instrument:
                inbound = InboundMessage(
                    sender=sender,
                    message_id=-sender.update_id,
                    kind="questionnaire",
                    text=summary(step.instrument, step.score),
                )
                await journal.record_message(
                    uow, now=now, participant=participant, message=inbound, prompt_id=prompt.id
                )
            for alert in step.new_alerts:
                signal = Signal(
                    alert.tier, (alert.category,), f"questionnaire.{alert.rule_id}", alert.reason
                )
                await raise_signal(uow, self.ctx, participant, signal, "questionnaire", prompt.id)
            await uow.commit()
        self.ctx.wake_delivery()
        return step
