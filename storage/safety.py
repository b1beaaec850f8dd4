"""Queries for flags, alerts, escalations and clinic settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from storage.models import Alert, ClinicSetting, Escalation, Flag, Person
from storage.uow import UnitOfWork


async def existing_flag(
    uow: UnitOfWork, participant_id: int, source_kind: str, source_id: int | None
) -> Flag | None:
    """The strongest flag already raised from this source (replays and edits)."""
    rows = (
        await uow.session.scalars(
            select(Flag).where(
                Flag.participant_id == participant_id,
                Flag.source_kind == source_kind,
                Flag.source_id == source_id,
            )
        )
    ).all()
    return max(rows, key=lambda f: f.tier, default=None)


async def add(uow: UnitOfWork, row: Flag | Alert | Escalation) -> None:
    uow.session.add(row)
    await uow.session.flush()


async def flag_by_id(uow: UnitOfWork, flag_id: int) -> Flag | None:
    return await uow.session.get(Flag, flag_id)


async def alert_by_id(uow: UnitOfWork, alert_id: int) -> Alert | None:
    return await uow.session.get(Alert, alert_id)


async def alerts_of_flag(uow: UnitOfWork, flag_id: int) -> Sequence[Alert]:
    return (await uow.session.scalars(select(Alert).where(Alert.flag_id == flag_id))).all()


async def due_escalations(uow: UnitOfWork, now: datetime, limit: int = 100) -> Sequence[Alert]:
    stmt = (
        select(Alert)
        .where(Alert.status == "open", Alert.escalate_at.is_not(None), Alert.escalate_at <= now)
        .order_by(Alert.escalate_at)
        .limit(limit)
    )
    if uow.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return (await uow.session.scalars(stmt)).all()


async def open_flags(
    uow: UnitOfWork, participant_ids: Sequence[int] | None = None, limit: int = 50
) -> Sequence[tuple[Flag, Person]]:
    stmt = (
        select(Flag, Person)
        .join(Person, Person.id == Flag.participant_id)
        .where(Flag.status == "open")
        .order_by(Flag.created_at.desc())
        .limit(limit)
    )
    if participant_ids is not None:
        stmt = stmt.where(Flag.participant_id.in_(participant_ids))
    return [(f, p) for f, p in (await uow.session.execute(stmt)).all()]


async def get_setting(uow: UnitOfWork, key: str) -> str | None:
    row = await uow.session.get(ClinicSetting, key)
    return row.value if row else None


async def set_setting(uow: UnitOfWork, key: str, value: str, now: datetime) -> None:
    row = await uow.session.get(ClinicSetting, key)
    if row is None:
        uow.session.add(ClinicSetting(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
    await uow.session.flush()
