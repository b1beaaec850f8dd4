"""Validated questionnaires given item by item with buttons, then scored.

Progress lives in the prompt's ``state`` (answers by item id). Each button press is checked
against the caller and the expected item, so a forged or stale press changes nothing.
Item-level alerts (PHQ-9 item 9 > 0) are returned at once, before the questionnaire ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.domain.outgoing import Button, Outgoing
from bot.domain.people import Person
from bot.domain.questionnaires import (
    Instrument,
    QuestionnaireAlert,
    Score,
    alerts,
    score,
)
from bot.domain.records import ScheduledPrompt
from bot.domain.safety import Signal
from bot.domain.schedule import PromptStatus
from bot.services import journal
from bot.services.access import current_participant
from bot.services.context import Bound
from bot.services.flags import raise_signal
from bot.services.inbound import InboundMessage, Sender
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue
from prompts.questionnaire_loader import instruments


def instrument_of(prompt: ScheduledPrompt, instrument_id: str | None = None) -> Instrument:
    state = _state(prompt)
    return instruments()[instrument_id or str(state["instrument"])]


def _state(prompt: ScheduledPrompt) -> dict[str, object]:
    return json.loads(prompt.state) if prompt.state else {}


def _answers(prompt: ScheduledPrompt) -> dict[str, int]:
    raw = _state(prompt).get("answers") or {}
    assert isinstance(raw, dict)
    return {str(k): int(v) for k, v in raw.items()}


def item_message(
    catalogue: Catalogue,
    lang: str,
    prompt_id: int,
    instrument: Instrument,
    index: int,
    header: str | None = None,
) -> Outgoing:
    item = instrument.items[index]
    body = catalogue.text(
        "questionnaire.item", lang, n=index + 1, count=len(instrument.items), text=item.text
    )
    rows = tuple(
        (Button(o.label, f"q:{prompt_id}:{index + 1}:{o.value}"),) for o in instrument.options
    )
    return Outgoing(f"{header}\n\n{body}" if header else body, buttons=rows)


def first_item_message(
    catalogue: Catalogue,
    participant: Person,
    prompt: ScheduledPrompt,
    intro: str,
    instrument_id: str,
) -> tuple[Outgoing, ScheduledPrompt]:
    """The prompt message of a questionnaire step (why, what, and the first item), and the
    prompt with its progress started."""
    instrument = instruments()[instrument_id]
    prompt = replace(prompt, state=json.dumps({"instrument": instrument_id, "answers": {}}))
    lang = participant.language or "en"
    header = catalogue.text(
        "questionnaire.intro",
        lang,
        intro=intro,
        name=instrument.short_name,
        count=len(instrument.items),
        timeframe=instrument.timeframe,
    )
    return item_message(catalogue, lang, prompt.id, instrument, 0, header), prompt


@dataclass
class QuestionnaireStep:
    outcome: str  # recorded | done | stale | closed | invalid
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
    """Record one answer; queue the next item, or score a completed questionnaire."""
    if (
        prompt.participant_id != participant.id
        or prompt.kind != "questionnaire"
        or not prompt.state
    ):
        return QuestionnaireStep("invalid")
    if prompt.status != PromptStatus.SENT or now >= prompt.expires_at:
        return QuestionnaireStep("closed")
    instrument = instrument_of(prompt)
    answers = _answers(prompt)
    expected = instrument.next_item(answers)
    if expected is None or item_number != expected.number:
        return QuestionnaireStep("stale")
    if value not in {o.value for o in instrument.options}:
        return QuestionnaireStep("invalid")
    before = {a.rule_id for a in alerts(instrument, answers, score(instrument, answers))}
    answers[expected.id] = value
    result = score(instrument, answers)
    raised = [a for a in alerts(instrument, answers, result) if a.rule_id not in before]
    state = _state(prompt)
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
            prompt = await uow.schedules.prompt_by_id(prompt_id)
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
