"""Inbound updates: stored before Telegram is told we have them; deduplicated by update_id."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.operations import InboxBacklog
from bot.domain.records import ParkedItem
from bot.errors import DecryptionFailed
from storage.crypto import Cipher
from storage.models import InboundUpdate
from storage.sql import insert_ignore

log = logging.getLogger(__name__)

PARKED = "parked"  # cannot be opened (key removed, or damaged): set aside, ``error`` says
UNREADABLE = "parked: no configured key opens it"


@dataclass(frozen=True)
class PendingUpdate:
    update_id: int
    payload: str  # the update's JSON, opened


class Inbox:
    """Updates received from Telegram, kept sealed until processed."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher

    async def store(self, *, update_id: int, payload: str, now: datetime) -> bool:
        """Keep an update (sealed); False when this update_id was seen before."""
        return await insert_ignore(
            self._session,
            InboundUpdate,
            {
                "update_id": update_id,
                "received_at": now,
                "status": "pending",
                "payload_enc": self._cipher.seal(payload),
            },
            ["update_id"],
        )

    async def pending(self, limit: int = 100) -> list[PendingUpdate]:
        """Pending updates, opened, in order. One that cannot be opened (sealed under a key
        no longer configured, or damaged) is parked instead, so it never holds up the
        others; commit to keep that."""
        while True:
            rows = (
                await self._session.execute(
                    select(InboundUpdate.update_id, InboundUpdate.payload_enc)
                    .where(
                        InboundUpdate.status == "pending", InboundUpdate.payload_enc.is_not(None)
                    )
                    .order_by(InboundUpdate.update_id)
                    .limit(limit)
                )
            ).all()
            opened = []
            for update_id, enc in rows:
                try:
                    opened.append(PendingUpdate(update_id, self._cipher.open(enc or "")))
                except DecryptionFailed:
                    await self._park(update_id, UNREADABLE)
            if opened or len(rows) < limit:
                return opened

    async def _park(self, update_id: int, reason: str) -> None:
        await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == update_id)
            .values(status=PARKED, error=reason)
        )
        log.error("stored update %d set aside: %s", update_id, reason)

    async def parked(self, limit: int = 100) -> list[ParkedItem]:
        """Updates set aside because they cannot be opened, oldest first."""
        rows = await self._session.execute(
            select(InboundUpdate.update_id, InboundUpdate.received_at, InboundUpdate.error)
            .where(InboundUpdate.status == PARKED)
            .order_by(InboundUpdate.update_id)
            .limit(limit)
        )
        return [ParkedItem("inbox", i, "update", at, why or "") for i, at, why in rows]

    async def requeue_parked(self) -> int:
        """Parked updates back to processing (once their key is configured again)."""
        result = await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.status == PARKED)
            .values(status="pending", error=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def counts(self) -> dict[str, int]:
        rows = await self._session.execute(
            select(InboundUpdate.status, func.count()).group_by(InboundUpdate.status)
        )
        return {status: n for status, n in rows}

    async def claim_pending(self, update_id: int) -> bool:
        """Mark an update as being processed; False if someone else already did."""
        result = await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == update_id, InboundUpdate.status == "pending")
            .values(status="processing")
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_done(self, update_id: int, *, now: datetime, error: str | None = None) -> None:
        """Processed: drop the payload (the id stays for deduplication); keep it on failure."""
        values: dict[str, object] = {
            "status": "failed" if error else "processed",
            "processed_at": now,
        }
        if error:
            values["error"] = error[:200]
        else:
            values["payload_enc"] = None
        await self._session.execute(
            update(InboundUpdate).where(InboundUpdate.update_id == update_id).values(**values)
        )

    async def release(self, update_id: int) -> None:
        """An update whose handling was cut short by a shutdown goes back to pending."""
        await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == update_id, InboundUpdate.status == "processing")
            .values(status="pending")
        )

    async def backlog(self) -> InboxBacklog:
        """Unprocessed updates (pending or being handled), the oldest's arrival, failures."""
        unprocessed, oldest = (
            await self._session.execute(
                select(func.count(), func.min(InboundUpdate.received_at)).where(
                    InboundUpdate.status.in_(["pending", "processing"])
                )
            )
        ).one()
        failed = await self._session.scalar(
            select(func.count()).where(InboundUpdate.status == "failed")
        )
        return InboxBacklog(
            unprocessed=int(unprocessed), oldest_unprocessed=oldest, failed=int(failed or 0)
        )

    async def requeue_interrupted(self) -> int:
        """At start-up: updates a crashed run was processing go back to pending."""
        result = await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.status == "processing")
            .values(status="pending")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def forget_before(self, before: datetime) -> int:
        """Retention: drop the ids of processed updates older than ``before`` (and of
        updates whose payload an erasure removed), a thousand at most: a caller repeats it,
        committing in between, until none is left."""
        oldest = (
            select(InboundUpdate.update_id)
            .where(
                InboundUpdate.status.in_(["processed", "erased"]),
                InboundUpdate.received_at < before,
            )
            .order_by(InboundUpdate.update_id)
            .limit(1000)
        )
        ids = list(await self._session.scalars(oldest))
        if not ids:
            return 0
        result = await self._session.execute(
            delete(InboundUpdate).where(InboundUpdate.update_id.in_(ids))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
