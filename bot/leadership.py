"""One leader for the deployment's periodic work.

Escalation checks, due prompts and reminders, digests, sweeps and retention must run on
exactly one instance at a time, or every instance would escalate, remind and sweep once
each. The leader holds a lease row in the database (``storage/pacing.py`` ``Leases``) and
renews it every ``renew_every`` seconds; the lease lasts ``ttl`` seconds. When the leader
dies or loses the database, another instance takes the lease once it has expired, so
periodic work carries on within ``ttl + renew_every`` seconds. A lease row rather than a
PostgreSQL advisory lock: it works the same on SQLite, needs no dedicated connection, and
its holder can be shown by the health endpoint.

Leases use wall-clock time (physical, shared between hosts), not the injectable clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from storage.uow import Storage

log = logging.getLogger(__name__)

LEASE = "periodic-work"
TTL = 10.0
RENEW_EVERY = 2.0
MARGIN = 1.0  # stop leading this long before the lease runs out (clock skew, slow renewals)


class Leadership:
    """Whether this instance is the leader, kept up to date by :meth:`renew`."""

    def __init__(
        self,
        storage: Storage,
        worker_id: str,
        *,
        ttl: float = TTL,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._storage = storage
        self.worker_id = worker_id
        self.ttl = ttl
        self._wall = wall
        self._until = 0.0

    @property
    def is_leader(self) -> bool:
        return self._wall() < self._until - MARGIN

    async def renew(self) -> bool:
        """Take or keep the lease; a database error means not leading until it comes back."""
        was = self.is_leader
        now = self._wall()
        try:
            async with self._storage.uow() as uow:
                held = await uow.leases.acquire(LEASE, holder=self.worker_id, now=now, ttl=self.ttl)
                await uow.commit()
        except Exception:
            log.warning("could not renew the leader lease; periodic work paused here")
            held = False
        self._until = now + self.ttl if held else 0.0
        if held and not was:
            log.info("this instance now runs the periodic work (leader)")
        elif was and not held:
            log.warning("this instance no longer leads the periodic work")
        return held

    async def release(self) -> None:
        """On a clean stop: hand over at once instead of after the lease expires."""
        if self._until == 0.0:
            return
        self._until = 0.0
        try:
            async with self._storage.uow() as uow:
                await uow.leases.release(LEASE, holder=self.worker_id)
                await uow.commit()
        except Exception:
            log.warning("could not release the leader lease; it expires by itself")

    async def holder(self) -> str | None:
        async with self._storage.uow() as uow:
            return await uow.leases.holder(LEASE, now=self._wall())

    def only_when_leading(self, job: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        async def run() -> Any:
            if self.is_leader:
                return await job()
            return None

        run.__name__ = getattr(job, "__name__", "job")
        return run
