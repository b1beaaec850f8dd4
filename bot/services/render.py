"""Proactive messages rendered from the protocol and the message catalogue (no Telegram types)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.domain.outgoing import Button, Outgoing
from bot.domain.people import Person
from bot.domain.protocol import StepKind
from bot.domain.records import ScheduledPrompt, TreatmentSession
from bot.services.protocols import protocol_by_id
from bot.services.questionnaire_flow import first_item_message
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue


def lang_of(person: Person) -> str:
    return person.language or "en"


async def prompt_message(
    uow: UnitOfWorkProtocol, catalogue: Catalogue, participant: Person, prompt: ScheduledPrompt
) -> tuple[Outgoing, ScheduledPrompt]:
    """The message that asks a prompt (its text, buttons for scales and choices), and the
    prompt as it is once asked (a questionnaire starts its progress)."""
    lang = lang_of(participant)
    if prompt.text is not None or prompt.protocol_id is None or prompt.step_id is None:
        return Outgoing(prompt.text or ""), prompt
    protocol = await protocol_by_id(uow, prompt.protocol_id)
    step = protocol.step(prompt.step_id)
    text = step.text_for(lang, protocol.default_language)
    if step.kind is StepKind.SCALE:
        lines = [text, "", catalogue.text("prompt.scale_hint", lang)]
        if step.scale is not None:
            low = step.scale.min_label.get(lang) or step.scale.min_label.get("en")
            high = step.scale.max_label.get(lang) or step.scale.max_label.get("en")
            if low and high:
                lines.append(catalogue.text("prompt.scale_ends", lang, min=low, max=high))
        row1 = tuple(Button(str(n), f"ans:{prompt.id}:{n}") for n in range(0, 6))
        row2 = tuple(Button(str(n), f"ans:{prompt.id}:{n}") for n in range(6, 11))
        return Outgoing("\n".join(lines), buttons=(row1, row2)), prompt
    if step.kind is StepKind.CHOICE:
        rows = tuple(
            (Button(c.label_for(lang, protocol.default_language), f"ans:{prompt.id}:{c.id}"),)
            for c in step.choices
        )
        return Outgoing(text, buttons=rows), prompt
    if step.kind is StepKind.QUESTIONNAIRE and step.questionnaire is not None:
        return first_item_message(catalogue, participant, prompt, text, step.questionnaire)
    return Outgoing(text), prompt


def reminder_message(catalogue: Catalogue, participant: Person) -> Outgoing:
    return Outgoing(catalogue.text("prompt.reminder", lang_of(participant)))


def notice(catalogue: Catalogue, staff: Person, participant: Person, event: str) -> Outgoing:
    return Outgoing(catalogue.text(f"notice.{event}", lang_of(staff), code=participant.code))


def schedule_text(
    catalogue: Catalogue,
    participant: Person,
    sessions: Sequence[TreatmentSession],
    prompts: Sequence[ScheduledPrompt],
    lang: str = "en",
) -> str:
    """A participant's sessions and prompts, in their local time, for staff."""
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
        when = s.starts_at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")
        lines.append(f"session #{s.id} {s.kind}: {when} ({s.status})")
    if not prompts:
        lines.append(catalogue.text("staff.schedule_empty", lang, code=participant.code))
    for p in prompts:
        when = p.due_at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")
        step = p.step_key if p.step_id else p.key
        lines.append(
            catalogue.text("staff.schedule_line", lang, when=when, step=step, status=p.status)
        )
    return "\n".join(lines)
