"""The audit log: every staff read of journal data, every enrollment and change of role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.audit import AuditLine
from bot.domain.people import Person
from storage.crypto import Cipher
from storage.models import AuditEvent
from storage.models import Person as PersonRow


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

    async def record_many(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        events: Sequence[tuple[int | None, str | None]],
        actor_id: int | None = None,
    ) -> None:
        """Several events of one kind at once: (subject id, detail) each (bulk work)."""
        self._session.add_all(
            AuditEvent(
                at=at,
                actor=actor,
                actor_id=actor_id,
                action=action,
                subject_id=subject_id,
                detail=detail,
            )
            for subject_id, detail in events
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

    async def lines(
        self,
        *,
        since: datetime | None = None,
        who: str | None = None,
        whom: str | None = None,
        actions: Sequence[str] | None = None,
        limit: int = 1000,
    ) -> list[AuditLine]:
        """Events oldest first, people by code (staff with their name), never by Telegram
        id; ``who`` is the actor's code ("cli", "participant", "system" too), ``whom`` the
        code of the person it concerns, ``actions`` None for every action."""
        actor = aliased(PersonRow)
        subject = aliased(PersonRow)
        stmt = (
            select(AuditEvent, actor.display_name, subject.code, subject.role)
            .outerjoin(actor, actor.id == AuditEvent.actor_id)
            .outerjoin(subject, subject.id == AuditEvent.subject_id)
        )
        if since is not None:
            stmt = stmt.where(AuditEvent.at >= since)
        if who is not None:
            stmt = stmt.where(AuditEvent.actor == who)
        if whom is not None:
            stmt = stmt.where(subject.code == whom)
        if actions is not None:
            stmt = stmt.where(AuditEvent.action.in_(actions))
        rows = (await self._session.execute(stmt.order_by(AuditEvent.id).limit(limit))).all()
        return [
            AuditLine(
                at=event.at,
                who=f"{event.actor} ({name})" if name else event.actor,
                action=event.action,
                whom=code,
                detail=event.detail,
            )
            for event, name, code, _ in rows
        ]
