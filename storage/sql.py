"""Small portable SQL helpers (dialect-specific upserts) used by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def insert_ignore(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any],
    conflict_on: list[str],
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when a row was inserted."""
    if session.get_bind().dialect.name == "postgresql":
        stmt: Any = postgresql.insert(model).values(**values)
    else:
        stmt = sqlite.insert(model).values(**values)
    stmt = stmt.on_conflict_do_nothing(index_elements=conflict_on)
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]
