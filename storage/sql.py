"""Small portable SQL helpers (dialect-specific upserts) used by the repositories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def dialect_insert(postgres: bool) -> Callable[..., Any]:
    """The dialect's INSERT (the one with ON CONFLICT), imported when first needed: Ember
    on SQLite never loads PostgreSQL's dialect, which would cost its start-up time."""
    if postgres:
        from sqlalchemy.dialects.postgresql import insert as postgres_insert

        return postgres_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def insert_ignore(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any],
    conflict_on: list[str],
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when a row was inserted."""
    insert = dialect_insert(session.get_bind().dialect.name == "postgresql")
    stmt: Any = insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_on)
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]
