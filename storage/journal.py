"""Journal storage: entries made of messages, edits kept as versions, all text sealed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.digest import WrittenMessage
from bot.domain.records import EntryView, JournalMessageView, OwnMessage, StoredMessage
from bot.domain.trends import MoodPoint
from storage.crypto import Cipher
from storage.models import JournalEntry, JournalMessage, JournalMessageVersion, OutboxMessage
from storage.sql import chunks


class Journal:
    """Participants' journals: entries, messages and earlier versions, text sealed."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher

    async def add_message(
        self,
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
    ) -> tuple[StoredMessage, bool]:
        """Store a message in the right entry; returns (message, created); idempotent."""
        if telegram_message_id is not None:
            existing = await self._session.scalar(
                select(JournalMessage).where(
                    JournalMessage.participant_id == participant_id,
                    JournalMessage.telegram_message_id == telegram_message_id,
                )
            )
            if existing is not None:
                return StoredMessage(existing.id, existing.entry_id), False
        entry = await self._entry_for(participant_id, prompt_id, now, group_window)
        entry.last_message_at = now
        message = JournalMessage(
            entry_id=entry.id,
            participant_id=participant_id,
            telegram_message_id=telegram_message_id,
            update_id=update_id,
            kind=kind,
            body_enc=self._cipher.seal_optional(text),
            media_enc=self._cipher.seal_optional(media_ref),
            screened=screened,
            created_at=now,
        )
        self._session.add(message)
        await self._session.flush()
        return StoredMessage(message.id, message.entry_id), True

    async def _entry_for(
        self,
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
        entry = await self._session.scalar(stmt.order_by(JournalEntry.id.desc()).limit(1))
        if entry is None:
            entry = JournalEntry(
                participant_id=participant_id,
                prompt_id=prompt_id,
                opened_at=now,
                last_message_at=now,
            )
            self._session.add(entry)
            await self._session.flush()
        return entry

    async def edit_message(
        self,
        *,
        participant_id: int,
        telegram_message_id: int,
        text: str | None,
        now: datetime,
    ) -> StoredMessage | None:
        """Replace a message's text, keeping the earlier version; None if we never stored it."""
        message = await self._session.scalar(
            select(JournalMessage).where(
                JournalMessage.participant_id == participant_id,
                JournalMessage.telegram_message_id == telegram_message_id,
            )
        )
        if message is None:
            return None
        earlier = message.body_enc and self._cipher.reseal(message.body_enc)  # newest key
        self._session.add(
            JournalMessageVersion(message_id=message.id, body_enc=earlier, replaced_at=now)
        )
        message.body_enc = self._cipher.seal_optional(text)
        message.edited_at = now
        await self._session.flush()
        return StoredMessage(message.id, message.entry_id)

    async def own_message(
        self,
        participant_id: int,
        *,
        message_id: int | None = None,
        telegram_message_id: int | None = None,
    ) -> OwnMessage | None:
        """One of the participant's messages, by its id or its Telegram message id; None if
        it is not theirs."""
        stmt = select(JournalMessage).where(JournalMessage.participant_id == participant_id)
        if message_id is not None:
            stmt = stmt.where(JournalMessage.id == message_id)
        elif telegram_message_id is not None:
            stmt = stmt.where(JournalMessage.telegram_message_id == telegram_message_id)
        else:
            return None
        row = await self._session.scalar(stmt.limit(1))
        if row is None:
            return None
        return OwnMessage(
            row.id, row.participant_id, row.kind, self._cipher.open_optional(row.body_enc)
        )

    async def prompt_of_entry(self, entry_id: int) -> int | None:
        """The prompt an entry answers (None for a free entry)."""
        return await self._session.scalar(
            select(JournalEntry.prompt_id).where(JournalEntry.id == entry_id)
        )

    async def replied_message(self, participant_id: int, bot_message_id: int) -> OwnMessage | None:
        """The participant's message that Ember's reply ``bot_message_id`` (a Telegram
        message id in their chat) acknowledged, or None."""
        key = await self._session.scalar(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.person_id == participant_id,
                OutboxMessage.telegram_message_id == bot_message_id,
                OutboxMessage.kind == "reply",
            )
        )
        parts = key.split(":") if key else []
        if len(parts) != 3 or not parts[1].lstrip("-").isdigit():
            return None
        row = await self._session.scalar(
            select(JournalMessage)
            .where(
                JournalMessage.participant_id == participant_id,
                JournalMessage.update_id == int(parts[1]),
            )
            .order_by(JournalMessage.id)
            .limit(1)
        )
        if row is None:
            return None
        return OwnMessage(
            row.id, row.participant_id, row.kind, self._cipher.open_optional(row.body_enc)
        )

    async def recent_entries(self, participant_id: int, limit: int) -> list[EntryView]:
        entries = (
            await self._session.scalars(
                select(JournalEntry)
                .where(JournalEntry.participant_id == participant_id)
                .order_by(JournalEntry.last_message_at.desc(), JournalEntry.id.desc())
                .limit(limit)
            )
        ).all()
        return await self._views(entries)

    async def _views(self, entries: Sequence[JournalEntry]) -> list[EntryView]:
        """The entries, in the order given, with their messages opened (one query per 500)."""
        by_entry: dict[int, list[JournalMessage]] = {}
        for ids in chunks([e.id for e in entries]):
            messages = await self._session.scalars(
                select(JournalMessage)
                .where(JournalMessage.entry_id.in_(ids))
                .order_by(JournalMessage.id)
            )
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
                    parts=tuple((m.kind, self._cipher.open_optional(m.body_enc)) for m in ms),
                    edited=any(m.edited_at is not None for m in ms),
                )
            )
        return views

    async def written_between(
        self, participant_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[WrittenMessage]:
        """Every message these participants wrote, or edited, in ``(since, until]``, opened,
        oldest first (one query, whatever the number of participants)."""
        if not participant_ids:
            return []
        rows = await self._session.execute(
            select(JournalMessage, JournalEntry.prompt_id)
            .join(JournalEntry, JournalEntry.id == JournalMessage.entry_id)
            .where(
                JournalMessage.participant_id.in_(participant_ids),
                or_(
                    and_(JournalMessage.created_at > since, JournalMessage.created_at <= until),
                    and_(JournalMessage.edited_at > since, JournalMessage.edited_at <= until),
                ),
            )
            .order_by(JournalMessage.created_at, JournalMessage.id)
        )
        return [
            WrittenMessage(
                id=m.id,
                entry_id=m.entry_id,
                participant_id=m.participant_id,
                kind=m.kind,
                text=self._cipher.open_optional(m.body_enc),
                screened=m.screened,
                written_at=m.created_at,
                edited_at=m.edited_at,
                prompt_id=prompt_id,
            )
            for m, prompt_id in rows
        ]

    async def entry_has_earlier_messages(self, message: StoredMessage) -> bool:
        earlier = await self._session.scalar(
            select(JournalMessage.id)
            .where(JournalMessage.entry_id == message.entry_id, JournalMessage.id < message.id)
            .limit(1)
        )
        return earlier is not None

    async def scale_history(
        self, participant_id: int, *, before_id: int, limit: int = 14
    ) -> list[int]:
        """The participant's earlier scale answers, oldest first (for a personal baseline)."""
        rows = (
            await self._session.scalars(
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
        values = [self._cipher.open(enc) for enc in rows if enc]
        return [int(v) for v in reversed(values) if v.isdigit()]

    async def mood_points(
        self, participant_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[MoodPoint]:
        """These participants' scale answers in ``(since, until]``, oldest first (one query
        per ``CHUNK`` participants): the mood line of their charts."""
        found: list[MoodPoint] = []
        for ids in chunks(participant_ids):
            rows = await self._session.execute(
                select(JournalMessage.participant_id, JournalMessage.created_at,
                       JournalMessage.body_enc)
                .where(
                    JournalMessage.participant_id.in_(ids),
                    JournalMessage.kind == "scale",
                    JournalMessage.created_at > since,
                    JournalMessage.created_at <= until,
                )
                .order_by(JournalMessage.created_at, JournalMessage.id)
            )
            for participant_id, at, sealed in rows:
                value = self._cipher.open_optional(sealed)
                if value is not None and value.strip().isdigit():
                    found.append(MoodPoint(participant_id, at, int(value.strip())))
        return found

    async def messages_of(self, participant_id: int) -> list[JournalMessageView]:
        """Every message of a participant's journal, opened, oldest first (an export)."""
        rows = await self._session.scalars(
            select(JournalMessage)
            .where(JournalMessage.participant_id == participant_id)
            .order_by(JournalMessage.id)
        )
        return [
            JournalMessageView(
                entry_id=m.entry_id,
                kind=m.kind,
                written_at=m.created_at,
                edited_at=m.edited_at,
                text=self._cipher.open_optional(m.body_enc),
            )
            for m in rows
        ]
