"""The durable outbox: enqueue, claim (SKIP LOCKED), record outcomes, sweep stale claims."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete as sqldelete
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.outgoing import Outgoing
from bot.domain.records import ClaimedMessage
from storage.crypto import Cipher
from storage.models import OutboxMessage, OutboxStatus
from storage.sql import insert_ignore


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
    ) -> bool:
        """Add a message unless one with the same idempotency key exists; True if added."""
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
            },
            ["idempotency_key"],
        )

    async def claim(self, *, worker: str, now: datetime, limit: int) -> list[ClaimedMessage]:
        """Claim up to ``limit`` due messages for ``worker`` (highest priority, oldest first)."""
        due = (
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now)
            .order_by(OutboxMessage.priority.desc(), OutboxMessage.not_before, OutboxMessage.id)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(status=OutboxStatus.CLAIMED, claimed_by=worker, claimed_at=now)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        rows = (await self._session.scalars(stmt)).all()
        claimed = [
            ClaimedMessage(
                id=r.id,
                key=r.idempotency_key,
                chat_id=r.chat_id,
                person_id=r.person_id,
                kind=r.kind,
                priority=r.priority,
                attempts=r.attempts + 1,
                ambiguous=r.ambiguous,
                message=Outgoing.from_json(self._cipher.open(r.payload_enc)),
            )
            for r in rows
        ]
        claimed.sort(key=lambda c: (-c.priority, c.id))
        return claimed

    async def mark_sending(self, message_id: int, *, now: datetime) -> None:
        """Just before the request leaves: from here on a crash makes the outcome ambiguous."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
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

    async def release(self, ids: list[int]) -> None:
        """Give claimed, never-attempted messages back (clean shutdown)."""
        if not ids:
            return
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.CLAIMED)
            .values(status=OutboxStatus.PENDING, claimed_by=None)
        )

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

    async def heartbeat(self, *, worker: str, now: datetime) -> None:
        """Keep this worker's claims fresh so a sweep does not take them back."""
        await self._session.execute(
            update(OutboxMessage)
            .where(
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

    async def exists(self, key: str) -> bool:
        found = await self._session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        )
        return found is not None
