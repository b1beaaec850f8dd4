"""The audit log: every staff read of journal data, every enrollment and change of role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Person
from storage.crypto import Cipher
from storage.models import AuditEvent


class AuditLog:
    """The audit log: who did what to whose data, never the data itself."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher

    async def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        actor_id: int | None = None,
        subject_id: int | None = None,
        detail: str | None = None,
    ) -> None:
        """Write one event; ``actor`` is a staff code, "participant", "cli" or "system"."""
        self._session.add(
            AuditEvent(
                at=at,
                actor=actor,
                actor_id=actor_id,
                action=action,
                subject_id=subject_id,
                detail=detail,
            )
        )
        await self._session.flush()

    async def by_staff(
        self,
        *,
        now: datetime,
        action: str,
        staff: Person | None,
        subject_id: int | None,
        detail: str | None = None,
    ) -> None:
        """Record what a staff member did (``None``: the `ember` command line)."""
        await self.record(
            at=now,
            actor=staff.code if staff else "cli",
            actor_id=staff.id if staff else None,
            action=action,
            subject_id=subject_id,
            detail=detail,
        )

    async def recent(self, limit: int = 100) -> Sequence[AuditEvent]:
        return (
            await self._session.scalars(
                select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
            )
        ).all()
