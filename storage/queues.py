"""The two queues as an operator sees them (``ember status``, ``ember requeue``).

How many outbox messages and stored updates are in each state, how many updates are being
tried again after a failure, and which rows were parked: set aside because they cannot be
opened (a key removed too early, or a damaged value), or, for updates, because handling
them failed the same way again and again. Never their content. Once the key is configured
again, or the cause of the failures mended, :func:`requeue_parked` puts them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.records import ParkedItem
from storage.uow import Storage


@dataclass(frozen=True)
class QueueStatus:
    outbox: dict[str, int]  # messages by status
    inbox: dict[str, int]  # stored updates by status
    parked: tuple[ParkedItem, ...]  # the oldest parked of each queue, up to the limit
    retrying: int = 0  # stored updates whose handling failed, waiting to be tried again

    @property
    def parked_count(self) -> int:
        return self.outbox.get("parked", 0) + self.inbox.get("parked", 0)


async def queue_status(storage: Storage, *, limit: int = 100) -> QueueStatus:
    async with storage.uow() as uow:
        return QueueStatus(
            outbox=await uow.outbox.counts(),
            inbox=await uow.inbox.counts(),
            parked=(*await uow.outbox.parked(limit), *await uow.inbox.parked(limit)),
            retrying=(await uow.inbox.backlog()).retrying,
        )


async def requeue_parked(storage: Storage, *, now: datetime) -> tuple[int, int]:
    """Parked messages and updates back to their queues: (messages, updates). Any that
    still cannot be opened is parked again by the running bot, and an update that still
    fails the same way is parked again after its tries."""
    async with storage.uow() as uow:
        messages = await uow.outbox.requeue_parked(now=now)
        updates = await uow.inbox.requeue_parked()
        await uow.commit()
    return messages, updates
