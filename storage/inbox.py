"""Inbound updates: stored before Telegram is told we have them; deduplicated by update_id.

An instance handling an update claims it (its worker id and a wall-clock stamp its
heartbeat refreshes); a claim nobody refreshes any more belonged to an instance that died
or lost the database, and goes back to pending. An update whose handling failed waits for
its next attempt, and the later updates of its chat wait behind it, so a chat's updates are
handled in order; one that keeps failing the same way is parked (set aside: ``ember
status`` lists it, ``ember requeue`` hands it back).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.operations import InboxBacklog
from bot.domain.records import ParkedItem
from bot.errors import DecryptionFailed
from storage.crypto import Cipher
from storage.models import InboundUpdate
from storage.sql import insert_ignore

log = logging.getLogger(__name__)

PENDING = "pending"
PROCESSING = "processing"  # claimed by an instance (``claimed_by``) that is handling it
PARKED = "parked"  # set aside (cannot be opened, or failed again and again): ``error`` says
UNREADABLE = "parked: no configured key opens it"
UNFINISHED = (PENDING, PROCESSING)


@dataclass(frozen=True)
class PendingUpdate:
    update_id: int
    payload: str  # the update's JSON, opened
    chat_id: int | None = None  # the chat it belongs to; its updates are handled in order
    attempts: int = 0  # failures in a row so far
    error: str | None = None  # the last failure's class name
    due_at: datetime | None = None  # not before (wall clock): a failed one's next attempt

    def due(self, now: datetime) -> bool:
        return self.due_at is None or self.due_at <= now


class Inbox:
    """Updates received from Telegram, kept sealed until processed."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher

    async def store(
        self, *, update_id: int, payload: str, now: datetime, chat_id: int | None = None
    ) -> bool:
        """Keep an update (sealed); False when this update_id was seen before."""
        return await insert_ignore(
            self._session,
            InboundUpdate,
            {
                "update_id": update_id,
                "received_at": now,
                "status": PENDING,
                "payload_enc": self._cipher.seal(payload),
                "chat_id": chat_id,
                "attempts": 0,
            },
            ["update_id"],
        )

    async def pending(self, limit: int = 100) -> list[PendingUpdate]:
        """Pending updates, opened, in order, also those waiting for a next attempt. One
        that cannot be opened (sealed under a key no longer configured, or damaged) is
        parked instead, so it never holds up the others; commit to keep that."""
        while True:
            rows = (
                await self._session.execute(
                    select(
                        InboundUpdate.update_id,
                        InboundUpdate.payload_enc,
                        InboundUpdate.chat_id,
                        InboundUpdate.attempts,
                        InboundUpdate.error,
                        InboundUpdate.next_attempt_at,
                    )
                    .where(InboundUpdate.status == PENDING, InboundUpdate.payload_enc.is_not(None))
                    .order_by(InboundUpdate.update_id)
                    .limit(limit)
                )
            ).all()
            opened = []
            for update_id, enc, chat_id, attempts, error, due_at in rows:
                try:
                    payload = self._cipher.open(enc or "")
                except DecryptionFailed:
                    await self._park(update_id, UNREADABLE)
                    continue
                opened.append(
                    PendingUpdate(update_id, payload, chat_id, attempts or 0, error, due_at)
                )
            if opened or len(rows) < limit:
                return opened

    async def _park(self, update_id: int, reason: str) -> None:
        await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id == update_id)
            .values(status=PARKED, error=reason, claimed_by=None, claimed_at=None)
        )
        log.error("stored update %d set aside: %s", update_id, reason)

    async def parked(self, limit: int = 100) -> list[ParkedItem]:
        """Updates set aside (unreadable, or failing again and again), oldest first."""
        rows = await self._session.execute(
            select(InboundUpdate.update_id, InboundUpdate.received_at, InboundUpdate.error)
            .where(InboundUpdate.status == PARKED)
            .order_by(InboundUpdate.update_id)
            .limit(limit)
        )
        return [ParkedItem("inbox", i, "update", at, why or "") for i, at, why in rows]

    async def requeue_parked(self) -> int:
        """Parked updates back to processing, with a clean slate of attempts (once their
        key is configured again, or the cause of their failures is mended)."""
        result = await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.status == PARKED)
            .values(status=PENDING, error=None, attempts=0, next_attempt_at=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def counts(self) -> dict[str, int]:
        rows = await self._session.execute(
            select(InboundUpdate.status, func.count()).group_by(InboundUpdate.status)
        )
        return {status: n for status, n in rows}

    # -- claims --------------------------------------------------------------------

    async def claim_pending(
        self, update_id: int, *, worker: str, now: datetime, in_turn: bool = True
    ) -> bool:
        """Claim a pending update for ``worker`` (``now``: wall clock, the claim's stamp);
        False if someone else has it, its next attempt is not due yet, or, ``in_turn``, an
        earlier update of its chat is not finished (waiting, or being handled elsewhere).
        Risky messages are handled out of turn (``in_turn=False``)."""
        conditions: list[ColumnElement[bool]] = [
            InboundUpdate.update_id == update_id,
            InboundUpdate.status == PENDING,
            or_(InboundUpdate.next_attempt_at.is_(None), InboundUpdate.next_attempt_at <= now),
        ]
        if in_turn:
            earlier = aliased(InboundUpdate)
            conditions.append(
                or_(
                    InboundUpdate.chat_id.is_(None),
                    ~exists().where(
                        earlier.chat_id == InboundUpdate.chat_id,
                        earlier.update_id < InboundUpdate.update_id,
                        earlier.status.in_(UNFINISHED),
                    ),
                )
            )
        result = await self._session.execute(
            update(InboundUpdate)
            .where(*conditions)
            .values(status=PROCESSING, claimed_by=worker, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _still_ours(self, update_id: int, worker: str) -> ColumnElement[bool]:
        """The update, unless another instance took it over (after a sweep returned our
        claim, a write of ours must not undo theirs)."""
        return and_(
            InboundUpdate.update_id == update_id,
            or_(
                and_(InboundUpdate.status == PROCESSING, InboundUpdate.claimed_by == worker),
                InboundUpdate.status == PENDING,
            ),
        )

    async def mark_done(self, update_id: int, *, now: datetime, worker: str) -> None:
        """Processed: drop the payload (the id stays for deduplication)."""
        await self._session.execute(
            update(InboundUpdate)
            .where(self._still_ours(update_id, worker))
            .values(
                status="processed",
                processed_at=now,
                payload_enc=None,
                error=None,
                next_attempt_at=None,
                claimed_by=None,
                claimed_at=None,
            )
        )

    async def retry_later(
        self, update_id: int, *, worker: str, attempts: int, error: str, not_before: datetime
    ) -> None:
        """Its handling failed: pending again, tried at ``not_before`` (wall clock) at the
        earliest; ``attempts`` failures in a row so far, the last one ``error``."""
        await self._session.execute(
            update(InboundUpdate)
            .where(self._still_ours(update_id, worker))
            .values(
                status=PENDING,
                attempts=attempts,
                error=error[:200],
                next_attempt_at=not_before,
                claimed_by=None,
                claimed_at=None,
            )
        )

    async def park_failing(
        self, update_id: int, *, worker: str, attempts: int, reason: str
    ) -> None:
        """Failed the same way again and again: set aside (kept sealed) for an operator."""
        await self._session.execute(
            update(InboundUpdate)
            .where(self._still_ours(update_id, worker))
            .values(
                status=PARKED,
                attempts=attempts,
                error=reason[:200],
                next_attempt_at=None,
                claimed_by=None,
                claimed_at=None,
            )
        )

    async def release(self, update_id: int, *, worker: str) -> None:
        """An update whose handling was cut short by a shutdown goes back to pending."""
        await self._session.execute(
            update(InboundUpdate)
            .where(
                InboundUpdate.update_id == update_id,
                InboundUpdate.status == PROCESSING,
                InboundUpdate.claimed_by == worker,
            )
            .values(status=PENDING, claimed_by=None, claimed_at=None)
        )

    async def heartbeat(self, *, worker: str, now: datetime, ids: list[int] | None = None) -> None:
        """Keep this worker's claims fresh (``now``: wall clock) so no sweep takes them
        back; with ``ids``, only those."""
        condition = InboundUpdate.update_id.in_(ids) if ids is not None else true()
        await self._session.execute(
            update(InboundUpdate)
            .where(
                condition,
                InboundUpdate.status == PROCESSING,
                InboundUpdate.claimed_by == worker,
            )
            .values(claimed_at=now)
        )

    async def sweep_stale(self, *, now: datetime, older_than: timedelta) -> int:
        """Claims nobody refreshed for ``older_than`` (their instance died or lost the
        database; or they come from a version that did not say who claimed) go back to
        pending. A live instance's claims are fresh, so they stay."""
        result = await self._session.execute(
            update(InboundUpdate)
            .where(
                InboundUpdate.status == PROCESSING,
                or_(
                    InboundUpdate.claimed_at.is_(None),
                    InboundUpdate.claimed_at < now - older_than,
                ),
            )
            .values(status=PENDING, claimed_by=None, claimed_at=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def claimed_by_prefix(self, prefix: str) -> list[str]:
        """The workers (by id prefix, e.g. this host's) holding claims."""
        rows = await self._session.scalars(
            select(InboundUpdate.claimed_by)
            .where(
                InboundUpdate.status == PROCESSING,
                InboundUpdate.claimed_by.like(f"{prefix}%"),
            )
            .distinct()
        )
        return [r for r in rows if r]

    async def release_worker(self, worker: str) -> int:
        """The claims of a worker known to be gone go back to pending at once."""
        result = await self._session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.status == PROCESSING, InboundUpdate.claimed_by == worker)
            .values(status=PENDING, claimed_by=None, claimed_at=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def backlog(self) -> InboxBacklog:
        """Unprocessed updates (pending or being handled), the oldest's arrival, those
        waiting to be tried again after a failure, and those set aside."""
        unprocessed, oldest, retrying = (
            await self._session.execute(
                select(
                    func.count(),
                    func.min(InboundUpdate.received_at),
                    func.count(InboundUpdate.next_attempt_at),
                ).where(InboundUpdate.status.in_(UNFINISHED))
            )
        ).one()
        parked = await self._session.scalar(
            select(func.count()).where(InboundUpdate.status == PARKED)
        )
        return InboxBacklog(
            unprocessed=int(unprocessed),
            oldest_unprocessed=oldest,
            failed=int(parked or 0),
            retrying=int(retrying or 0),
        )

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
