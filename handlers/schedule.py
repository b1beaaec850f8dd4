"""Participant control of their schedule (/pause, /resume, /stop) and prompt buttons."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

from telegram import Update
from telegram.error import TelegramError

from bot.context import EmberContext
from bot.domain import Person, PersonStatus, Role, timefmt
from bot.domain.numbers import parse_number
from bot.domain.outgoing import Outgoing
from bot.errors import InvalidValue
from bot.services.inbound import Sender
from handlers.common import (
    answer_press,
    buttons,
    clear_buttons,
    for_roles,
    language,
    reply,
    sender_of,
    text,
)

DURATION = re.compile(r"^(\d{1,3})\s*([hdw])$")
UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_PAUSE = timedelta(days=90)

# A prompt button that changes nothing now, and the kind word that says why.
REFUSALS = {
    "closed": "prompt.closed",
    "paused": "prompt.paused",
    "withdrawn": "prompt.after_stop",
}


def parse_pause(arg: str) -> timedelta | None:
    match = DURATION.match(arg.strip().lower())
    if not match:
        raise InvalidValue(f"{arg!r} is not a duration like 3d")
    value = int(match.group(1)) * UNITS[match.group(2)]
    return min(value, MAX_PAUSE) if value > timedelta(0) else None


@for_roles(Role.PARTICIPANT)
async def pause(update: Update, context: EmberContext, person: Person) -> None:
    """/pause [3d]: no prompts until the time is up or /resume."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    if await _withdrawn(context, sender, person):
        return
    duration: timedelta | None = None
    if context.args:
        try:
            duration = parse_pause(" ".join(context.args))
        except InvalidValue:
            await reply(context, sender, text(context, "pause.usage", lang), person=person)
            return
    paused = await context.services.participation.pause(person, duration)
    if paused.paused_until is not None:
        until = timefmt.when(paused.paused_until, person.timezone, lang)
        await reply(
            context, sender, text(context, "pause.paused_until", lang, until=until), person=person
        )
    else:
        await reply(context, sender, text(context, "pause.paused", lang), person=person)


@for_roles(Role.PARTICIPANT)
async def resume(update: Update, context: EmberContext, person: Person) -> None:
    """/resume: prompts again as planned."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    if await _withdrawn(context, sender, person):
        return
    resumed = await context.services.participation.resume(person)
    key = "pause.resumed" if resumed else "pause.not_paused"
    await reply(context, sender, text(context, key, lang), person=person)


@for_roles(Role.PARTICIPANT, earlier_consent=True)
async def stop(update: Update, context: EmberContext, person: Person) -> None:
    """/stop: asks once to be sure, then withdraws."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    if await _withdrawn(context, sender, person):
        return
    cat = context.catalogue
    confirm = Outgoing(
        cat.text("stop.confirm", lang),
        buttons=buttons(
            [
                (cat.text("stop.confirm_yes", lang), "stop:yes"),
                (cat.text("stop.confirm_no", lang), "stop:no"),
            ]
        ),
    )
    await reply(context, sender, confirm, person=person)


@for_roles(Role.PARTICIPANT, earlier_consent=True)
async def stop_answer(update: Update, context: EmberContext, person: Person) -> None:
    """The confirm buttons under /stop."""
    query = update.callback_query
    sender = sender_of(update)
    assert query is not None and sender is not None
    await answer_press(query)
    lang = language(person)
    if query.data == "stop:yes":
        await context.services.participation.withdraw(person)
        await reply(context, sender, text(context, "stop.done", lang), person=person)
    else:
        await reply(context, sender, text(context, "stop.kept", lang), person=person)
    await clear_buttons(update)


@for_roles(Role.PARTICIPANT)
async def answer(update: Update, context: EmberContext, person: Person) -> None:
    """A scale or choice button under a prompt: "ans:<prompt id>:<value>"."""
    query = update.callback_query
    sender = sender_of(update)
    assert query is not None and sender is not None
    lang = language(person)
    parts = (query.data or "").split(":")
    prompt_id = parse_number(parts[1]) if len(parts) == 3 else None
    if prompt_id is None:
        await answer_press(query, context.catalogue.text("prompt.not_yours", lang))
        return
    message_id = query.message.message_id if query.message else None

    def confirm(kind: str, label: str) -> list[Outgoing]:
        key = "prompt.answered_scale" if kind == "scale" else "prompt.answered_choice"
        return [text(context, key, lang, value=label)]

    # the answer and its confirmation are kept together: tried again after a failure, the
    # press finds both done ("answered") or neither
    result = await context.services.prompting.answer_button(
        person, sender, prompt_id, parts[2], message_id, confirm=confirm
    )
    if result.outcome == "not_yours":
        await answer_press(query, context.catalogue.text("prompt.not_yours", lang))
        return
    if result.outcome == "answered":  # a double press, or an old copy of the question
        await answer_press(query, context.catalogue.text("prompt.already", lang))
        return
    await answer_press(query)
    if result.outcome in REFUSALS:
        await reply(context, sender, text(context, REFUSALS[result.outcome], lang), person=person)
        return
    await clear_buttons(update)


@for_roles(Role.PARTICIPANT)
async def questionnaire_answer(update: Update, context: EmberContext, person: Person) -> None:
    """A questionnaire button: "q:<prompt id>:<item number>:<value>"."""
    query = update.callback_query
    sender = sender_of(update)
    assert query is not None and sender is not None
    lang = language(person)
    parts = (query.data or "").split(":")
    numbers = [parse_number(p) for p in parts[1:]] if len(parts) == 4 else [None]
    if None in numbers:
        await answer_press(query, context.catalogue.text("prompt.not_yours", lang))
        return
    prompt_id, item, value = (n or 0 for n in numbers)
    step = await context.services.questionnaires.answer(person, sender, prompt_id, item, value)
    if step.outcome == "invalid":
        await answer_press(query, context.catalogue.text("prompt.not_yours", lang))
        return
    if step.outcome == "stale":  # already answered, or not the item asked now
        await answer_press(query, context.catalogue.text("questionnaire.already", lang))
        return
    await answer_press(query)
    if step.outcome in REFUSALS:
        await reply(context, sender, text(context, REFUSALS[step.outcome], lang), person=person)
        return
    if query.message is not None and step.chosen is not None:
        original = getattr(query.message, "text", None) or ""
        with contextlib.suppress(TelegramError):
            await query.edit_message_text(
                chosen_text(context, lang, original, step.chosen)[:4096], reply_markup=None
            )


def chosen_text(context: EmberContext, lang: str, original: str, label: str) -> str:
    """An answered item as it stays in the chat: the question, the answer, then the /crisis
    line it carried."""
    footer = context.catalogue.text("prompt.crisis_line", lang)
    question = original.removesuffix(footer).rstrip()
    shown = context.catalogue.text("questionnaire.chosen", lang, text=question, label=label)
    return f"{shown}\n\n{footer}" if original.endswith(footer) else shown


async def _withdrawn(context: EmberContext, sender: Sender, person: Person) -> bool:
    """After /stop, schedule commands explain how to come back instead of acting."""
    if person.status != PersonStatus.WITHDRAWN:
        return False
    await reply(context, sender, text(context, "pause.after_stop", language(person)), person=person)
    return True


async def membership(update: Update, context: EmberContext) -> None:
    """Blocked or unblocked by a person (my_chat_member): reachability follows."""
    change = update.my_chat_member
    sender = sender_of(update)
    if change is None or sender is None:
        return
    blocked = change.new_chat_member.status in ("kicked", "left")
    await context.services.participation.membership_changed(sender, blocked=blocked)
