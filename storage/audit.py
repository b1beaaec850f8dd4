"""The audit log: every staff read of journal data, every enrollment and change of role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from storage.models import AuditEvent, Person
from storage.uow import UnitOfWork


async def record(uow: UnitOfWork, event: AuditEvent) -> None:
    uow.session.add(event)
    await uow.session.flush()


async def by_staff(
    uow: UnitOfWork,
    *,
    now: datetime,
    action: str,
    staff: Person | None,
    subject_id: int | None,
    detail: str | None = None,
) -> None:
    """Record what a staff member did (``None``: the `ember` command line)."""
    await record(
        uow,
        AuditEvent(
            at=now,
            actor=staff.code if staff else "cli",
            actor_id=staff.id if staff else None,
            action=action,
            subject_id=subject_id,
            detail=detail,
        ),
    )


async def recent(uow: UnitOfWork, limit: int = 100) -> Sequence[AuditEvent]:
    return (
        await uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit))
    ).all()
