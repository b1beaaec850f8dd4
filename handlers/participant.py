"""What participants send: journal messages (text, media, edits) and their commands."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import EmberContext
from bot.domain import Person, PersonStatus, Role, Tier, timefmt
from bot.domain.outgoing import Outgoing, photo
from bot.services.inbound import InboundMessage, Sender
from bot.services.journal import JournalRecorded
from handlers.care import after_withdrawal
from handlers.common import answer_stranger, for_roles, language, reply, sender_of, text
from handlers.menus import help_text

MEDIA_KINDS = ("photo", "voice", "video", "video_note", "audio", "document", "sticker")


def inbound_message(update: Update, sender: Sender) -> InboundMessage | None:
    msg: Message | None = update.edited_message or update.message
    if msg is None:
        return None
    kind = "text" if msg.text is not None else "other"
    media_ref: str | None = None
    for candidate in MEDIA_KINDS:
        media = getattr(msg, candidate, None)
        if media:
            kind = candidate
            item = media[-1] if isinstance(media, tuple) else media
            media_ref = getattr(item, "file_id", None)
            break
    return InboundMessage(
        sender=sender,
        message_id=msg.message_id,
        kind=kind,
        text=msg.text if msg.text is not None else msg.caption,
        media_ref=media_ref,
        reply_to_message_id=msg.reply_to_message.message_id if msg.reply_to_message else None,
        edited=update.edited_message is not None,
    )


async def journal_message(update: Update, context: EmberContext) -> None:
    """Any non-command message: a participant's journal, or a polite word to anyone else."""
    sender = sender_of(update)
    if sender is None:
        return
    person = await context.services.access.identify(sender.telegram_user_id)
    if person is None or person.status == PersonStatus.INVITED:
        await answer_stranger(context, sender)
        return
    lang = language(person, sender)
    if person.role != Role.PARTICIPANT:
        await reply(context, sender, text(context, "unknown_command", lang), person=person)
        return
    if context.services.enrollment.needs_consent(person):
        await reply(context, sender, text(context, "consent.needed", lang), person=person)
        return
    inbound = inbound_message(update, sender)
    if inbound is None:
        return
    # stored, screened, flagged and answered in one transaction: an update tried again
    # after a failure finds all of it done (a replay: nothing more is said) or none of it
    await context.services.journal.record(
        person,
        inbound,
        answer=lambda recorded: journal_answer(context, person, inbound, recorded, lang),
    )


def journal_answer(
    context: EmberContext,
    person: Person,
    inbound: InboundMessage,
    recorded: JournalRecorded,
    lang: str,
) -> list[Outgoing]:
    """What a participant is told about a message just recorded (nothing, at times)."""
    if recorded.scale_answer is not None:  # a number typed for the open scale: as its button
        return [text(context, "prompt.answered_scale", lang, value=recorded.scale_answer)]
    if recorded.tier >= Tier.HIGH:
        return []  # the supportive safety message is already on its way; no "thank you" here
    if recorded.edited:
        return [text(context, "journal.edited", lang)]
    # beside an open scale, choice or questionnaire: the question, asked again gently
    still_open = [recorded.still_open] if recorded.still_open is not None else []
    if inbound.kind != "text":
        what = (
            context.catalogue.text(f"journal.media.{inbound.kind}", lang)
            if inbound.kind in MEDIA_KINDS
            else context.catalogue.text("journal.media.other", lang)
        )
        return [text(context, "journal.media_saved", lang, what=what), *still_open]
    if recorded.checklist:
        # the pre-session safety check: whatever it says, the therapist goes over it with them
        return [text(context, "checklist.thanks", lang)]
    if recorded.quiet:
        return []
    if person.status == PersonStatus.WITHDRAWN:
        # after /stop or /delete: no more prompts, but what they write is kept, screened and
        # read, and they are told so (and what becomes of an erasure request)
        return [after_withdrawal(context, person, recorded.erasure)]
    return [text(context, "journal.saved", lang), *still_open]


@for_roles(Role.PARTICIPANT, Role.THERAPIST, Role.COORDINATOR)
async def help_command(update: Update, context: EmberContext, person: Person) -> None:
    """/help: exactly the commands of the caller's role."""
    sender = sender_of(update)
    assert sender is not None
    await reply(context, sender, help_text(context, person.role, language(person)), person=person)


@for_roles(Role.PARTICIPANT)
async def own_journal(update: Update, context: EmberContext, person: Person) -> None:
    """/journal for a participant: their own recent entries."""
    sender = sender_of(update)
    assert sender is not None
    lang = language(person)
    entries = await context.services.journal.own(person, 5)
    if not entries:
        await reply(context, sender, text(context, "journal.empty", lang), person=person)
        return
    lines = [context.catalogue.text("journal.header", lang, n=len(entries))]
    for entry in entries:
        when = timefmt.when(entry.opened_at, person.timezone, lang)
        lines.append(f"\n{when}\n{entry.text or '—'}")
    messages = [Outgoing("\n".join(lines))]
    chart = await context.services.journal.own_chart(person)
    if chart is not None:
        caption = context.catalogue.text("journal.chart", lang)
        messages.insert(0, Outgoing(caption, meta={"photo": photo(chart, "mood.png")}))
    await reply(context, sender, *messages, person=person)


async def crisis(update: Update, context: EmberContext) -> None:
    """/crisis: the crisis resources at once, for anyone who asks (enrolled or not)."""
    sender = sender_of(update)
    if sender is None:
        return
    person = await context.services.access.identify(sender.telegram_user_id)
    lang = language(person, sender)
    body = context.catalogue.crisis(
        lang,
        person.locale if person else None,
        person.timezone if person else None,
    )
    await reply(context, sender, body, person=person, kind="crisis")
