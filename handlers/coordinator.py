"""Coordinator commands in the chat: /invite (others arrive with their issues)."""

from __future__ import annotations

from telegram import Update

from bot.context import EmberContext
from bot.domain import Person, Role, timefmt
from bot.errors import EmberError
from bot.services.enrollment import deep_link
from handlers.common import explain, for_roles, language, reply, sender_of, text


@for_roles(Role.COORDINATOR)
async def invite(update: Update, context: EmberContext, person: Person) -> None:
    """/invite participant P-0142 T-01 | therapist T-02 [name] | coordinator C-02."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    args = context.args or []
    roles = {r.value: r for r in Role}
    if len(args) < 2 or args[0].lower() not in roles:
        await reply(context, sender, text(context, "staff.invite_usage", lang), person=person)
        return
    role = roles[args[0].lower()]
    therapist = args[2] if role is Role.PARTICIPANT and len(args) > 2 else None
    name = " ".join(args[2:]) if role is not Role.PARTICIPANT and len(args) > 2 else None
    try:
        created = await context.services.enrollment.invite(
            person, role=role, code=args[1], therapist_code=therapist, name=name
        )
    except EmberError as exc:
        await reply(
            context,
            sender,
            text(context, "staff.invite_failed", lang, reason=explain(context, exc, lang)),
            person=person,
        )
        return
    await reply(
        context,
        sender,
        text(
            context,
            "staff.invite_done",
            lang,
            code=created.person_code,
            role=created.role.value,
            expires=timefmt.when(created.expires_at, person.timezone, lang),
            link=deep_link(context.bot.username, created.raw_code),
        ),
        person=person,
    )
