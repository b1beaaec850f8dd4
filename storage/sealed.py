"""A sample of the sealed values in the database, to check the configured keys open them.

Every ``*_enc`` column of every table is sampled: its newest values (what was sealed
lately, so the current keys) and its oldest (what older keys sealed). Only the
ciphertext is read, never opened here; ``ember doctor`` tries the keys on it and reports
counts, never what a value says.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


@dataclass(frozen=True)
class SealedValue:
    table: str
    column: str
    token: str


def sealed_columns() -> list[tuple[Table, Column[str]]]:
    """Every table's ``*_enc`` columns, in a stable order."""
    found: list[tuple[Table, Column[str]]] = []
    for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
        found += [(table, col) for col in table.columns if col.name.endswith("_enc")]
    return found


async def sample(session: AsyncSession, *, newest: int = 20, oldest: int = 5) -> list[SealedValue]:
    """Up to ``newest`` + ``oldest`` sealed values of each ``*_enc`` column."""
    values: list[SealedValue] = []
    for table, column in sealed_columns():
        key = next(iter(table.primary_key.columns))
        taken: set[object] = set()
        for order, limit in ((key.desc(), newest), (key.asc(), oldest)):
            rows = await session.execute(
                select(key, column).where(column.is_not(None)).order_by(order).limit(limit)
            )
            for row_id, token in rows:
                if row_id not in taken:
                    taken.add(row_id)
                    values.append(SealedValue(table.name, column.name, str(token)))
    return values
