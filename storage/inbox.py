"""Inbound updates: stored before Telegram is told we have them; deduplicated by update_id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import Cipher
from storage.models import InboundUpdate
from storage.sql import insert_ignore


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
        rows = await self._session.execute(
            select(InboundUpdate.update_id, InboundUpdate.payload_enc)
            .where(InboundUpdate.status == "pending")
            .order_by(InboundUpdate.update_id)
            .limit(limit)
        )
        return [PendingUpdate(uid, self._cipher.open(enc)) for uid, enc in rows if enc]

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
        updates whose payload an erasure removed)."""
        result = await self._session.execute(
            delete(InboundUpdate).where(
                InboundUpdate.status.in_(["processed", "erased"]),
                InboundUpdate.received_at < before,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
