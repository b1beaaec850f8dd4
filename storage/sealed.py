"""A sample of the sealed values in the database, to check the configured keys open them.

Every sealed column of every table is sampled: its newest values (what was sealed
lately, so the current keys) and its oldest (what older keys sealed). Only the
ciphertext is read, never opened here; ``ember doctor`` tries the keys on it and reports
counts, never what a value says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, MetaData, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import StorageMisuse
from storage.models import Base
from storage.types import SealedText


@dataclass(frozen=True)
class SealedValue:
    table: str
    column: str
    token: str


@dataclass(frozen=True)
class SealedTable:
    """A table holding sealed values: its primary key and its sealed columns."""

    table: Table
    key: Column[Any]
    columns: tuple[Column[Any], ...]

    @property
    def name(self) -> str:
        return self.table.name


def sealed_tables(metadata: MetaData = Base.metadata) -> tuple[SealedTable, ...]:
    """Every table with a :class:`SealedText` column, from the models themselves."""
    found = []
    for table in metadata.sorted_tables:
        columns = tuple(c for c in table.columns if isinstance(c.type, SealedText))
        if not columns:
            continue
        keys = list(table.primary_key.columns)
        if len(keys) != 1:
            raise StorageMisuse(f"{table.name} holds sealed text but has no one-column key")
        found.append(SealedTable(table, keys[0], columns))
    return tuple(found)


async def sample(session: AsyncSession, *, newest: int = 20, oldest: int = 5) -> list[SealedValue]:
    """Up to ``newest`` + ``oldest`` sealed values of each sealed column."""
    values: list[SealedValue] = []
    for sealed in sealed_tables():
        for column in sealed.columns:
            taken: set[object] = set()
            for order, limit in ((sealed.key.desc(), newest), (sealed.key.asc(), oldest)):
                rows = await session.execute(
                    select(sealed.key, column)
                    .where(column.is_not(None))
                    .order_by(order)
                    .limit(limit)
                )
                for row_id, token in rows:
                    if row_id not in taken:
                        taken.add(row_id)
                        values.append(SealedValue(sealed.name, column.name, str(token)))
    return values
