"""The durable outbox: enqueue, claim (SKIP LOCKED), record outcomes, sweep stale claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete as sqldelete
from sqlalchemy import func, select, update

from bot.domain.outgoing import Outgoing
from storage.models import OutboxMessage, OutboxStatus
from storage.sql import insert_ignore
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbox row claimed by a worker, with its payload opened."""

    id: int
    key: str
    chat_id: int
    person_id: int | None
    kind: str
    priority: int
    attempts: int
    ambiguous: bool
    message: Outgoing


async def enqueue(
    uow: UnitOfWork,
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
        uow.session,
        OutboxMessage,
        {
            "idempotency_key": key,
            "chat_id": chat_id,
            "person_id": person_id,
            "kind": kind,
            "priority": priority,
            "payload_enc": uow.cipher.seal(message.to_json()),
            "status": OutboxStatus.PENDING,
            "not_before": not_before or now,
            "attempts": 0,
            "ambiguous": False,
            "created_at": now,
        },
        ["idempotency_key"],
    )


async def claim(uow: UnitOfWork, *, worker: str, now: datetime, limit: int) -> list[ClaimedMessage]:
    """Claim up to ``limit`` due messages for ``worker`` (highest priority, oldest first)."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.priority.desc(), OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    if uow.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(status=OutboxStatus.CLAIMED, claimed_by=worker, claimed_at=now)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    rows = (await uow.session.scalars(stmt)).all()
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
            message=Outgoing.from_json(uow.cipher.open(r.payload_enc)),
        )
        for r in rows
    ]
    claimed.sort(key=lambda c: (-c.priority, c.id))
    return claimed


async def mark_sending(uow: UnitOfWork, message_id: int, *, now: datetime) -> None:
    """Just before the request leaves: from here on a crash makes the outcome ambiguous."""
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
    )


async def mark_sent(
    uow: UnitOfWork, message_id: int, *, now: datetime, telegram_message_id: int | None
) -> None:
    await uow.session.execute(
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
    uow: UnitOfWork,
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
    await uow.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
    )


async def mark_failed(uow: UnitOfWork, message_id: int, *, error: str) -> None:
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.FAILED, last_error=error[:300], claimed_by=None)
    )


async def release(uow: UnitOfWork, ids: list[int]) -> None:
    """Give claimed, never-attempted messages back (clean shutdown)."""
    if not ids:
        return
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.CLAIMED)
        .values(status=OutboxStatus.PENDING, claimed_by=None)
    )


async def sweep_stale(uow: UnitOfWork, *, now: datetime, older_than: timedelta) -> int:
    """Return the claims of a worker that stopped beating to the queue; a row whose request
    may have left is marked ambiguous."""
    return await _return_rows(uow, now, OutboxMessage.claimed_at < now - older_than)


async def _return_rows(uow: UnitOfWork, now: datetime, condition: Any) -> int:
    n = 0
    for status, ambiguous in ((OutboxStatus.CLAIMED, False), (OutboxStatus.SENDING, True)):
        values: dict[str, object] = {
            "status": OutboxStatus.PENDING,
            "claimed_by": None,
            "not_before": now,
        }
        if ambiguous:
            values["ambiguous"] = True
        result = await uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.status == status, condition).values(**values)
        )
        n += int(result.rowcount)  # type: ignore[attr-defined]
    return n


async def counts(uow: UnitOfWork) -> dict[str, int]:
    rows = await uow.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: n for status, n in rows}


async def heartbeat(uow: UnitOfWork, *, worker: str, now: datetime) -> None:
    """Keep this worker's claims fresh so a sweep does not take them back."""
    await uow.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status.in_([OutboxStatus.CLAIMED, OutboxStatus.SENDING]),
        )
        .values(claimed_at=now)
    )


async def claimed_by_prefix(uow: UnitOfWork, prefix: str) -> list[str]:
    rows = await uow.session.scalars(
        select(OutboxMessage.claimed_by)
        .where(
            OutboxMessage.status.in_([OutboxStatus.CLAIMED, OutboxStatus.SENDING]),
            OutboxMessage.claimed_by.like(f"{prefix}%"),
        )
        .distinct()
    )
    return [r for r in rows if r]


async def release_worker(uow: UnitOfWork, *, worker: str, now: datetime) -> int:
    """Claims of a worker known to be dead go back to the queue (ambiguous if attempted)."""
    return await _return_rows(uow, now, OutboxMessage.claimed_by == worker)


async def delete(uow: UnitOfWork, message_id: int) -> None:
    await uow.session.execute(sqldelete(OutboxMessage).where(OutboxMessage.id == message_id))


async def exists(uow: UnitOfWork, key: str) -> bool:
    found = await uow.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    )
    return found is not None
