"""The durable outbox: enqueue, claim (SKIP LOCKED), record outcomes, sweep stale claims.

Edits of sent messages are outbox rows too (``edits_id`` names the row whose message they
change): one is claimed only once its original is settled, so an edit never overtakes the
message it edits, and one whose original was never sent is cancelled by the dispatcher.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete as sqldelete
from sqlalchemy import exists, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.operations import OutboxBacklog
from bot.domain.outgoing import Outgoing
from bot.domain.records import ClaimedMessage, OutboxCopy, ParkedItem
from bot.errors import DecryptionFailed
from storage.crypto import Cipher
from storage.models import OutboxMessage, OutboxStatus
from storage.sql import insert_ignore

log = logging.getLogger(__name__)

SETTLED = [s for s in OutboxStatus if s.settled]
UNREADABLE = "parked: no configured key opens it"
MALFORMED = "parked: its payload is not a message"


class Outbox:
    """The outbox table: every message Ember must send, and what became of it."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher

    async def enqueue(
        self,
        *,
        key: str,
        chat_id: int,
        message: Outgoing,
        kind: str,
        now: datetime,
        not_before: datetime | None = None,
        person_id: int | None = None,
        priority: int = 0,
        topic: str | None = None,
        edits_id: int | None = None,
    ) -> bool:
        """Add a message unless one with the same idempotency key exists; True if added.

        ``topic`` names what it is about (``"alert:<id>"``); ``edits_id``, for an edit, the
        row whose sent message it changes.
        """
        return await insert_ignore(
            self._session,
            OutboxMessage,
            {
                "idempotency_key": key,
                "chat_id": chat_id,
                "person_id": person_id,
                "kind": kind,
                "priority": priority,
                "payload_enc": self._cipher.seal(message.to_json()),
                "status": OutboxStatus.PENDING,
                "not_before": not_before or now,
                "attempts": 0,
                "ambiguous": False,
                "created_at": now,
                "topic": topic,
                "edits_id": edits_id,
            },
            ["idempotency_key"],
        )

    async def claim(
        self,
        *,
        worker: str,
        now: datetime,
        limit: int,
        min_priority: int | None = None,
        below_priority: int | None = None,
        stamp: datetime | None = None,
    ) -> list[ClaimedMessage]:
        """Claim up to ``limit`` messages due at ``now`` for ``worker`` (highest priority,
        oldest first); with ``min_priority``, only messages at least that urgent; with
        ``below_priority``, only messages less urgent than that. ``stamp`` (default ``now``)
        is the claim's wall-clock time, which heartbeats refresh.

        An edit is due only once the message it edits is settled; it comes with Telegram's
        id of that message, or None when the original failed or was cancelled.
        """
        original = aliased(OutboxMessage)
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.not_before <= now,
                or_(
                    OutboxMessage.edits_id.is_(None),
                    exists().where(
                        original.id == OutboxMessage.edits_id, original.status.in_(SETTLED)
                    ),
                ),
            )
            .order_by(OutboxMessage.priority.desc(), OutboxMessage.not_before, OutboxMessage.id)
            .limit(limit)
        )
        if min_priority is not None:
            due = due.where(OutboxMessage.priority >= min_priority)
        if below_priority is not None:
            due = due.where(OutboxMessage.priority < below_priority)
        if self._session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True, of=OutboxMessage)
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(status=OutboxStatus.CLAIMED, claimed_by=worker, claimed_at=stamp or now)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        rows = (await self._session.scalars(stmt)).all()
        targets = await self._edit_targets([r.edits_id for r in rows if r.edits_id is not None])
        claimed = []
        for r in rows:
            message = await self._open_or_park(r)
            if message is None:
                continue
            claimed.append(
                ClaimedMessage(
                    id=r.id,
                    key=r.idempotency_key,
                    chat_id=r.chat_id,
                    person_id=r.person_id,
                    kind=r.kind,
                    priority=r.priority,
                    attempts=r.attempts + 1,
                    ambiguous=r.ambiguous,
                    message=message,
                    edit_of=r.edits_id,
                    edit_message_id=targets.get(r.edits_id) if r.edits_id is not None else None,
                )
            )
        claimed.sort(key=lambda c: (-c.priority, c.id))
        return claimed

    async def _edit_targets(self, original_ids: list[int]) -> dict[int, int]:
        """Telegram's message ids of the originals that were sent."""
        if not original_ids:
            return {}
        rows = await self._session.execute(
            select(OutboxMessage.id, OutboxMessage.telegram_message_id).where(
                OutboxMessage.id.in_(original_ids),
                OutboxMessage.status == OutboxStatus.SENT,
                OutboxMessage.telegram_message_id.is_not(None),
            )
        )
        return {row_id: message_id for row_id, message_id in rows if message_id is not None}

    async def copies(self, topic: str) -> list[OutboxCopy]:
        """Every message about ``topic`` (not the edits of them), oldest first, opened."""
        rows = await self._session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.topic == topic, OutboxMessage.edits_id.is_(None))
            .order_by(OutboxMessage.id)
        )
        found = []
        for r in rows:
            try:
                message = Outgoing.from_json(self._cipher.open(r.payload_enc))
            except (DecryptionFailed, ValueError, KeyError, TypeError):
                continue  # unreadable (parked): nothing to show or change in it
            found.append(
                OutboxCopy(
                    id=r.id,
                    key=r.idempotency_key,
                    chat_id=r.chat_id,
                    person_id=r.person_id,
                    status=OutboxStatus(r.status),
                    message=message,
                    telegram_message_id=r.telegram_message_id,
                )
            )
        return found

    async def rewrite_pending(self, message_id: int, message: Outgoing) -> bool:
        """Replace what a message that is still waiting will say; False if a worker has it
        already (claimed, being sent, or done), in which case nothing changes.

        The status check and the change are one statement, so a concurrent claim either
        sees the new text or makes this return False.
        """
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(payload_enc=self._cipher.seal(message.to_json()))
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def cancel(self, ids: list[int], *, reason: str) -> None:
        """Withdraw claimed or waiting messages that need not go (e.g. an edit of a message
        that was never sent)."""
        if not ids:
            return
        await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.CLAIMED]),
            )
            .values(status=OutboxStatus.CANCELLED, last_error=reason[:300], claimed_by=None)
        )

    async def _open_or_park(self, row: OutboxMessage) -> Outgoing | None:
        """The row's message, or None when it cannot be opened (sealed under a key no longer
        configured, or damaged): then the row is parked, so it never holds up the queue."""
        try:
            return Outgoing.from_json(self._cipher.open(row.payload_enc))
        except DecryptionFailed:
            reason = UNREADABLE
        except (ValueError, KeyError, TypeError):
            reason = MALFORMED
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(status=OutboxStatus.PARKED, last_error=reason, claimed_by=None)
        )
        log.error("outbox message %d (%s) set aside: %s", row.id, row.kind, reason)
        return None

    async def mark_sending(self, message_id: int, *, now: datetime) -> None:
        """Just before the request leaves: from here on a crash makes the outcome ambiguous."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1
            )
        )

    async def mark_sending_many(self, message_ids: list[int], *, now: datetime) -> None:
        """``mark_sending`` for several messages at once."""
        if not message_ids:
            return
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids))
            .values(
                status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1
            )
        )

    async def mark_sent(
        self, message_id: int, *, now: datetime, telegram_message_id: int | None
    ) -> None:
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                status=OutboxStatus.SENT,
                sent_at=now,
                telegram_message_id=telegram_message_id,
                claimed_by=None,
            )
        )

    async def mark_retry(
        self,
        message_id: int,
        *,
        not_before: datetime,
        error: str,
        ambiguous: bool,
        count_attempt: bool = True,
    ) -> None:
        values: dict[str, object] = {
            "status": OutboxStatus.PENDING,
            "not_before": not_before,
            "last_error": error[:300],
            "claimed_by": None,
        }
        if ambiguous:
            values["ambiguous"] = True
        if not count_attempt:
            values["attempts"] = OutboxMessage.attempts - 1
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        )

    async def mark_failed(self, message_id: int, *, error: str) -> None:
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status=OutboxStatus.FAILED, last_error=error[:300], claimed_by=None)
        )

    async def release_claims(self, worker: str) -> int:
        """Every message ``worker`` claimed and never attempted goes back to the queue, its
        place in it unchanged (clean shutdown)."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claimed_by == worker, OutboxMessage.status == OutboxStatus.CLAIMED)
            .values(status=OutboxStatus.PENDING, claimed_by=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def sweep_stale(self, *, now: datetime, older_than: timedelta) -> int:
        """Return the claims of a worker that stopped beating to the queue; a row whose request
        may have left is marked ambiguous."""
        return await self._return_rows(now, OutboxMessage.claimed_at < now - older_than)

    async def _return_rows(self, now: datetime, condition: Any) -> int:
        n = 0
        for status, ambiguous in ((OutboxStatus.CLAIMED, False), (OutboxStatus.SENDING, True)):
            values: dict[str, object] = {
                "status": OutboxStatus.PENDING,
                "claimed_by": None,
                "not_before": now,
            }
            if ambiguous:
                values["ambiguous"] = True
            result = await self._session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == status, condition)
                .values(**values)
            )
            n += int(result.rowcount)  # type: ignore[attr-defined]
        return n

    async def unsent_urgent(self, *, min_priority: int, now: datetime) -> int:
        """How many messages of at least ``min_priority`` are due and not yet sent."""
        n = await self._session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.priority >= min_priority,
                OutboxMessage.status.in_(
                    [OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING]
                ),
                OutboxMessage.not_before <= now,
            )
        )
        return int(n or 0)

    async def counts(self) -> dict[str, int]:
        rows = await self._session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {status: n for status, n in rows}

    async def parked(self, limit: int = 100) -> list[ParkedItem]:
        """Messages set aside because they cannot be opened, oldest first."""
        rows = await self._session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.kind,
                OutboxMessage.created_at,
                OutboxMessage.last_error,
            )
            .where(OutboxMessage.status == OutboxStatus.PARKED)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return [ParkedItem("outbox", i, kind, at, why or "") for i, kind, at, why in rows]

    async def requeue_parked(self, *, now: datetime) -> int:
        """Parked messages back to the queue (once their key is configured again)."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PARKED)
            .values(status=OutboxStatus.PENDING, not_before=now, claimed_by=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def backlog(self, *, now: datetime, urgent_priority: int) -> OutboxBacklog:
        """What is due and unsent (pending, or claimed and not yet attempted), how long the
        oldest has waited (among all, and among rows of ``urgent_priority`` or more), what
        is in flight and what failed. Counts and times only."""
        waiting = (
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.CLAIMED]),
            OutboxMessage.not_before <= now,
        )
        due, oldest = (
            await self._session.execute(
                select(func.count(), func.min(OutboxMessage.not_before)).where(*waiting)
            )
        ).one()
        oldest_urgent = await self._session.scalar(
            select(func.min(OutboxMessage.not_before)).where(
                *waiting, OutboxMessage.priority >= urgent_priority
            )
        )
        counts = await self.counts()
        return OutboxBacklog(
            due=int(due),
            oldest_due=oldest,
            oldest_urgent_due=oldest_urgent,
            sending=counts.get(OutboxStatus.SENDING, 0),
            failed=counts.get(OutboxStatus.FAILED, 0),
        )

    async def heartbeat(self, *, worker: str, now: datetime, ids: list[int] | None = None) -> None:
        """Keep this worker's claims fresh so a sweep does not take them back; with ``ids``,
        only those (a claim the worker no longer holds in hand goes stale and is swept)."""
        condition = OutboxMessage.id.in_(ids) if ids is not None else true()
        await self._session.execute(
            update(OutboxMessage)
            .where(
                condition,
                OutboxMessage.claimed_by == worker,
                OutboxMessage.status.in_([OutboxStatus.CLAIMED, OutboxStatus.SENDING]),
            )
            .values(claimed_at=now)
        )

    async def claimed_by_prefix(self, prefix: str) -> list[str]:
        rows = await self._session.scalars(
            select(OutboxMessage.claimed_by)
            .where(
                OutboxMessage.status.in_([OutboxStatus.CLAIMED, OutboxStatus.SENDING]),
                OutboxMessage.claimed_by.like(f"{prefix}%"),
            )
            .distinct()
        )
        return [r for r in rows if r]

    async def release_worker(self, *, worker: str, now: datetime) -> int:
        """Claims of a worker known to be dead go back to the queue (ambiguous if attempted)."""
        return await self._return_rows(now, OutboxMessage.claimed_by == worker)

    async def delete(self, message_id: int) -> None:
        await self._session.execute(sqldelete(OutboxMessage).where(OutboxMessage.id == message_id))

    async def cancel_pending(self, person_id: int, kinds: Sequence[str]) -> int:
        """Withdraw a person's messages of ``kinds`` still waiting to be sent (a prompt queued
        a moment before /stop must not arrive after it); returns how many."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.person_id == person_id,
                OutboxMessage.kind.in_(list(kinds)),
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.CANCELLED)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def exists(self, key: str) -> bool:
        found = await self._session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        )
        return found is not None
