"""Journal storage: entries made of messages, edits kept as versions, all text sealed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from storage.models import JournalEntry, JournalMessage, JournalMessageVersion
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class EntryView:
    """A journal entry with its messages opened, for a reader who is allowed to see it."""

    id: int
    prompt_id: int | None
    opened_at: datetime
    parts: tuple[tuple[str, str | None], ...]  # (kind, text)
    edited: bool

    @property
    def text(self) -> str:
        return "\n".join(t for kind, t in self.parts if t)


async def add_message(
    uow: UnitOfWork,
    *,
    participant_id: int,
    prompt_id: int | None,
    telegram_message_id: int | None,
    update_id: int | None,
    kind: str,
    text: str | None,
    media_ref: str | None,
    screened: bool,
    now: datetime,
    group_window: timedelta = timedelta(minutes=30),
) -> tuple[JournalMessage, bool]:
    """Store a message in the right entry; returns (message, created). Idempotent per message."""
    if telegram_message_id is not None:
        existing = await uow.session.scalar(
            select(JournalMessage).where(
                JournalMessage.participant_id == participant_id,
                JournalMessage.telegram_message_id == telegram_message_id,
            )
        )
        if existing is not None:
            return existing, False
    entry = await _entry_for(uow, participant_id, prompt_id, now, group_window)
    entry.last_message_at = now
    message = JournalMessage(
        entry_id=entry.id,
        participant_id=participant_id,
        telegram_message_id=telegram_message_id,
        update_id=update_id,
        kind=kind,
        body_enc=uow.cipher.seal_optional(text),
        media_enc=uow.cipher.seal_optional(media_ref),
        screened=screened,
        created_at=now,
    )
    uow.session.add(message)
    await uow.session.flush()
    return message, True


async def _entry_for(
    uow: UnitOfWork,
    participant_id: int,
    prompt_id: int | None,
    now: datetime,
    group_window: timedelta,
) -> JournalEntry:
    stmt = select(JournalEntry).where(JournalEntry.participant_id == participant_id)
    if prompt_id is not None:
        stmt = stmt.where(JournalEntry.prompt_id == prompt_id)
    else:
        # several messages in a row belong together, whether they answered a prompt or not
        stmt = stmt.where(JournalEntry.last_message_at >= now - group_window)
    entry = await uow.session.scalar(stmt.order_by(JournalEntry.id.desc()).limit(1))
    if entry is None:
        entry = JournalEntry(
            participant_id=participant_id, prompt_id=prompt_id, opened_at=now, last_message_at=now
        )
        uow.session.add(entry)
        await uow.session.flush()
    return entry


async def edit_message(
    uow: UnitOfWork,
    *,
    participant_id: int,
    telegram_message_id: int,
    text: str | None,
    now: datetime,
) -> JournalMessage | None:
    """Replace a message's text, keeping the earlier version; None if we never stored it."""
    message = await uow.session.scalar(
        select(JournalMessage).where(
            JournalMessage.participant_id == participant_id,
            JournalMessage.telegram_message_id == telegram_message_id,
        )
    )
    if message is None:
        return None
    uow.session.add(
        JournalMessageVersion(message_id=message.id, body_enc=message.body_enc, replaced_at=now)
    )
    message.body_enc = uow.cipher.seal_optional(text)
    message.edited_at = now
    await uow.session.flush()
    return message


async def recent_entries(uow: UnitOfWork, participant_id: int, limit: int) -> list[EntryView]:
    entries = (
        await uow.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.participant_id == participant_id)
            .order_by(JournalEntry.last_message_at.desc(), JournalEntry.id.desc())
            .limit(limit)
        )
    ).all()
    if not entries:
        return []
    messages = (
        await uow.session.scalars(
            select(JournalMessage)
            .where(JournalMessage.entry_id.in_([e.id for e in entries]))
            .order_by(JournalMessage.id)
        )
    ).all()
    by_entry: dict[int, list[JournalMessage]] = {}
    for m in messages:
        by_entry.setdefault(m.entry_id, []).append(m)
    views = []
    for e in entries:
        ms = by_entry.get(e.id, [])
        views.append(
            EntryView(
                id=e.id,
                prompt_id=e.prompt_id,
                opened_at=e.opened_at,
                parts=tuple((m.kind, uow.cipher.open_optional(m.body_enc)) for m in ms),
                edited=any(m.edited_at is not None for m in ms),
            )
        )
    return views


async def entry_has_earlier_messages(uow: UnitOfWork, message: JournalMessage) -> bool:
    earlier = await uow.session.scalar(
        select(JournalMessage.id)
        .where(JournalMessage.entry_id == message.entry_id, JournalMessage.id < message.id)
        .limit(1)
    )
    return earlier is not None


async def scale_history(
    uow: UnitOfWork, participant_id: int, *, before_id: int, limit: int = 14
) -> list[int]:
    """The participant's earlier scale answers, oldest first (for a personal baseline)."""
    rows = (
        await uow.session.scalars(
            select(JournalMessage.body_enc)
            .where(
                JournalMessage.participant_id == participant_id,
                JournalMessage.kind == "scale",
                JournalMessage.id < before_id,
            )
            .order_by(JournalMessage.id.desc())
            .limit(limit)
        )
    ).all()
    values = [uow.cipher.open(enc) for enc in rows if enc]
    return [int(v) for v in reversed(values) if v.isdigit()]
