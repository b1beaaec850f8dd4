"""The audit log: every staff read of journal data, every enrollment and change of role."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from storage.models import AuditEvent
from storage.uow import UnitOfWork


async def record(uow: UnitOfWork, event: AuditEvent) -> None:
    uow.session.add(event)
    await uow.session.flush()


async def recent(uow: UnitOfWork, limit: int = 100) -> Sequence[AuditEvent]:
    return (
        await uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit))
    ).all()
