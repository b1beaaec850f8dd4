"""Command menus: each role sees only its own commands, set per chat after enrolment."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.context import EmberContext
from bot.domain import Person

log = logging.getLogger(__name__)

COMMANDS: dict[str, tuple[str, ...]] = {
    "participant": (
        "help",
        "crisis",
        "journal",
        "pause",
        "resume",
        "export",
        "stop",
        "delete",
        "share",
    ),
    "therapist": (
        "help",
        "participants",
        "journal",
        "flags",
        "ack",
        "note",
        "prompt",
        "session",
        "digest",
        "stats",
        "relay",
    ),
    "coordinator": ("help", "invite", "assign", "protocols", "schedule", "stats"),
}


def command_lines(context: EmberContext, role: str, lang: str) -> list[tuple[str, str]]:
    return [(c, context.catalogue.text(f"help.{role}.{c}", lang)) for c in COMMANDS[role]]


def help_text(context: EmberContext, role: str, lang: str) -> str:
    """The caller's commands; a participant's help starts with how to reach /crisis."""
    lines = [context.catalogue.text("help.header", lang)]
    lines += [f"/{cmd} — {desc}" for cmd, desc in command_lines(context, role, lang)]
    if role == "participant":
        lines = [context.catalogue.text("prompt.crisis_line", lang), "", *lines]
    return "\n".join(lines)


async def set_menu(context: EmberContext, person: Person) -> None:
    """Set this chat's command menu to the person's role (best effort; never blocks a reply)."""
    if person.chat_id is None:
        return
    lang = person.language or "en"
    commands = [BotCommand(c, d[:256]) for c, d in command_lines(context, person.role, lang)]
    try:
        await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(person.chat_id))
    except TelegramError as exc:
        log.warning("could not set the command menu (%s)", type(exc).__name__)
