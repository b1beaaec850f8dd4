"""Small portable SQL helpers (dialect-specific upserts, id lists in chunks) used by the
repositories."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

T = TypeVar("T")

CHUNK = 500  # values per IN (...) list: well inside every database's limit on parameters


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in slices of at most ``size``: one query each, however many there are."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
