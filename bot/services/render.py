"""Prompts as participants see them, rendered from the protocol, the instruments and the
message catalogue (no Telegram types).

A prompt is asked once when it falls due; a button prompt (scale, choice, questionnaire)
may be asked again while it is open, with its buttons: in a reminder, or under the gentle
line a participant gets when they write something else. A questionnaire is asked again at
its first unanswered item, never from the start. Every prompt ends with the line that says
how to reach /crisis. Staff notices and the schedule view are rendered here too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.domain import timefmt
from bot.domain.outgoing import Button, Outgoing
from bot.domain.people import Person
from bot.domain.protocol import Protocol, ProtocolStep, StepKind
from bot.domain.questionnaires import Instrument
from bot.domain.records import ScheduledPrompt, TreatmentSession
from bot.errors import NotFound
from bot.services.protocols import protocol_by_id
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue
from prompts.checklist_loader import checklist_by_id
from prompts.questionnaire_loader import instruments


def lang_of(person: Person) -> str:
    return person.language or "en"


def crisis_line(catalogue: Catalogue, lang: str) -> str:
    """The short line every prompt carries: how to reach /crisis."""
    return catalogue.text("prompt.crisis_line", lang)


def with_crisis_line(message: Outgoing, catalogue: Catalogue, lang: str) -> Outgoing:
    return replace(message, text=f"{message.text}\n\n{crisis_line(catalogue, lang)}")


# -- questionnaire progress (kept in the prompt's ``state``) -------------------------


def progress(prompt: ScheduledPrompt) -> dict[str, object]:
    """The prompt's stored progress: ``instrument``, ``answers`` by item id, ``score``."""
    return json.loads(prompt.state) if prompt.state else {}


def instrument_of(prompt: ScheduledPrompt, instrument_id: str | None = None) -> Instrument:
    return instruments()[instrument_id or str(progress(prompt)["instrument"])]


def answers_of(prompt: ScheduledPrompt) -> dict[str, int]:
    raw = progress(prompt).get("answers") or {}
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
    """One questionnaire item with its answer buttons (and the /crisis line)."""
    item = instrument.items[index]
    body = catalogue.text(
        "questionnaire.item", lang, n=index + 1, count=len(instrument.items), text=item.text
    )
    rows = tuple(
        (Button(o.label, f"q:{prompt_id}:{index + 1}:{o.value}"),) for o in instrument.options
    )
    message = Outgoing(f"{header}\n\n{body}" if header else body, buttons=rows)
    return with_crisis_line(message, catalogue, lang)


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
    lang = lang_of(participant)
    header = catalogue.text(
        "questionnaire.intro",
        lang,
        intro=intro,
        name=instrument.short_name,
        count=len(instrument.items),
        timeframe=instrument.timeframe,
    )
    return item_message(catalogue, lang, prompt.id, instrument, 0, header), prompt


def current_item_message(
    catalogue: Catalogue, lang: str, prompt: ScheduledPrompt, lead: str
) -> Outgoing | None:
    """A questionnaire asked again where it stopped: its first unanswered item, or None
    when every item is answered (or it never started)."""
    if not prompt.state:
        return None
    try:
        instrument = instrument_of(prompt)
    except KeyError:
        return None  # an instrument no longer shipped: nothing to ask again
    answers = answers_of(prompt)
    following = instrument.next_item(answers)
    if following is None:
        return None
    about = {"name": instrument.short_name, "timeframe": instrument.timeframe}
    if answers:
        where = catalogue.text("questionnaire.resume", lang, **about)
    else:
        count = len(instrument.items)
        where = catalogue.text("questionnaire.intro", lang, intro="", count=count, **about)
    index = instrument.items.index(following)
    header = f"{lead}\n\n{where.strip()}"
    return item_message(catalogue, lang, prompt.id, instrument, index, header)


# -- prompts --------------------------------------------------------------------------


def _scale_or_choice(
    catalogue: Catalogue,
    lang: str,
    protocol: Protocol,
    step: ProtocolStep,
    prompt: ScheduledPrompt,
) -> Outgoing:
    """A scale or choice step's question with its buttons (without the /crisis line)."""
    text = step.text_for(lang, protocol.default_language)
    if step.kind is StepKind.CHOICE:
        rows = tuple(
            (Button(c.label_for(lang, protocol.default_language), f"ans:{prompt.id}:{c.id}"),)
            for c in step.choices
        )
        return Outgoing(text, buttons=rows)
    lines = [text, "", catalogue.text("prompt.scale_hint", lang)]
    if step.scale is not None:
        low = step.scale.min_label.get(lang) or step.scale.min_label.get("en")
        high = step.scale.max_label.get(lang) or step.scale.max_label.get("en")
        if low and high:
            lines.append(catalogue.text("prompt.scale_ends", lang, min=low, max=high))
    row1 = tuple(Button(str(n), f"ans:{prompt.id}:{n}") for n in range(0, 6))
    row2 = tuple(Button(str(n), f"ans:{prompt.id}:{n}") for n in range(6, 11))
    return Outgoing("\n".join(lines), buttons=(row1, row2))


async def prompt_message(
    uow: UnitOfWorkProtocol, catalogue: Catalogue, participant: Person, prompt: ScheduledPrompt
) -> tuple[Outgoing, ScheduledPrompt]:
    """The message that asks a prompt (its text, buttons for scales and choices, the
    /crisis line), and the prompt as it is once asked (a questionnaire starts its progress)."""
    lang = lang_of(participant)
    if prompt.text is not None or prompt.protocol_id is None or prompt.step_id is None:
        return with_crisis_line(Outgoing(prompt.text or ""), catalogue, lang), prompt
    protocol = await protocol_by_id(uow, prompt.protocol_id)
    step = protocol.step(prompt.step_id)
    if step.kind is StepKind.QUESTIONNAIRE and step.questionnaire is not None:
        intro = step.text_for(lang, protocol.default_language)
        return first_item_message(catalogue, participant, prompt, intro, step.questionnaire)
    if step.kind in (StepKind.SCALE, StepKind.CHOICE):
        message = _scale_or_choice(catalogue, lang, protocol, step, prompt)
    elif step.kind is StepKind.CHECKLIST and step.checklist is not None:
        intro = step.text_for(lang, protocol.default_language)
        questions = checklist_by_id(step.checklist).questions_for(lang)
        message = Outgoing(f"{intro}\n\n{questions}")
    else:
        message = Outgoing(step.text_for(lang, protocol.default_language))
    return with_crisis_line(message, catalogue, lang), prompt


async def asked_again(
    uow: UnitOfWorkProtocol,
    catalogue: Catalogue,
    participant: Person,
    prompt: ScheduledPrompt,
    lead_key: str,
) -> Outgoing | None:
    """An open button prompt asked again under a gentle lead line, with its buttons: a
    questionnaire at its first unanswered item. None for a prompt without buttons."""
    lang = lang_of(participant)
    lead = catalogue.text(lead_key, lang)
    if prompt.kind == "questionnaire":
        return current_item_message(catalogue, lang, prompt, lead)
    if not prompt.has_buttons or prompt.protocol_id is None or prompt.step_id is None:
        return None
    try:
        protocol = await protocol_by_id(uow, prompt.protocol_id)
        step = protocol.step(prompt.step_id)
    except (NotFound, KeyError):
        # the protocol was reloaded without this step: asking again must never stand in
        # the way of keeping what the participant wrote, nor of the other prompts' tick
        return None
    if step.kind not in (StepKind.SCALE, StepKind.CHOICE):
        return None
    question = _scale_or_choice(catalogue, lang, protocol, step, prompt)
    message = replace(question, text=f"{lead}\n\n{question.text}")
    return with_crisis_line(message, catalogue, lang)


async def reminder_message(
    uow: UnitOfWorkProtocol, catalogue: Catalogue, participant: Person, prompt: ScheduledPrompt
) -> Outgoing:
    """A gentle reminder: a button prompt asked again (a questionnaire at its current item);
    a free-text prompt is pointed at."""
    again = await asked_again(uow, catalogue, participant, prompt, "prompt.reminder_again")
    if again is not None:
        return again
    lang = lang_of(participant)
    return with_crisis_line(Outgoing(catalogue.text("prompt.reminder", lang)), catalogue, lang)


# -- staff ----------------------------------------------------------------------------


def notice(catalogue: Catalogue, staff: Person, participant: Person, event: str) -> Outgoing:
    return Outgoing(catalogue.text(f"notice.{event}", lang_of(staff), code=participant.code))


def schedule_text(
    catalogue: Catalogue,
    participant: Person,
    sessions: Sequence[TreatmentSession],
    prompts: Sequence[ScheduledPrompt],
    lang: str = "en",
) -> str:
    """A participant's sessions and prompts, in their local time, for staff (in ``lang``)."""
    zone = ZoneInfo(participant.timezone)
    lines = [
        catalogue.text(
            "staff.schedule_header",
            lang,
            code=participant.code,
            protocol=participant.protocol_id or "no protocol",
            tz=participant.timezone,
        )
    ]
    for s in sessions:
        when = timefmt.when(s.starts_at, zone, lang)
        extra = " · shared with partner" if s.shared_id is not None else ""
        extra += f" · doses: {s.doses}" if s.doses else ""
        lines.append(f"session #{s.id} {s.kind}: {when} ({s.status}){extra}")
    if not prompts:
        lines.append(catalogue.text("staff.schedule_empty", lang, code=participant.code))
    for p in prompts:
        when = timefmt.when(p.due_at, zone, lang)
        step = p.step_key if p.step_id else p.key
        lines.append(
            catalogue.text("staff.schedule_line", lang, when=when, step=step, status=p.status)
        )
    return "\n".join(lines)
