"""Key rotation: re-seal every stored value under the newest key, and count what each key holds.

Which columns are sealed comes from the models (every column of type
:class:`~storage.types.SealedText`), so a new sealed column is rotated and counted without
anyone remembering to list it here. Both walks go table by table in primary-key order, in
batches of short transactions, so Ember keeps running meanwhile (on SQLite too, where each
batch holds the write lock for a few milliseconds).

:func:`rotate` is resumable and idempotent: a value already sealed under the newest key is
recognised by its signature (no decryption) and skipped, so a rerun after an interruption
only does what is left. A value no configured key opens is reported by table, column and
row id (never its content) and left as it is. A value Ember changed between the read and
the write of a batch keeps what Ember wrote.

:func:`check` counts, per configured key, how many stored values it sealed, so an operator
knows when an old key holds nothing any more and can be removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Row, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import DecryptionFailed
from storage.crypto import Cipher
from storage.sealed import SealedTable, sealed_tables

SHOWN = 50  # unreadable values listed by row id per table; the rest are counted


@dataclass(frozen=True)
class Unreadable:
    """A stored value no configured key opens: where it is, never what it says."""

    table: str
    column: str
    row_id: int


@dataclass
class TableWalk:
    """How far a walk through one table has got, and what it found there."""

    table: str
    total: int  # rows holding at least one sealed value when the walk began
    done: int = 0  # rows looked at so far
    by_key: list[int] = field(default_factory=list)  # values found under each key
    rotated: int = 0  # values re-sealed under the newest key
    changed: int = 0  # values Ember rewrote meanwhile (left as Ember wrote them)
    unreadable: int = 0
    shown: list[Unreadable] = field(default_factory=list)  # the first SHOWN of them

    def note_unreadable(self, column: str, row_id: int) -> None:
        self.unreadable += 1
        if len(self.shown) < SHOWN:
            self.shown.append(Unreadable(self.table, column, row_id))


@dataclass(frozen=True)
class KeyReport:
    """What a rotation or a check found, table by table, for the configured keys."""

    fingerprints: tuple[str, ...]  # of the configured keys, newest first
    tables: tuple[TableWalk, ...]

    @property
    def by_key(self) -> list[int]:
        """Values sealed under each configured key (after a rotation: what is left)."""
        return [sum(t.by_key[i] for t in self.tables) for i in range(len(self.fingerprints))]

    @property
    def rotated(self) -> int:
        return sum(t.rotated for t in self.tables)

    @property
    def changed(self) -> int:
        return sum(t.changed for t in self.tables)

    @property
    def unreadable(self) -> int:
        return sum(t.unreadable for t in self.tables)

    @property
    def shown(self) -> list[Unreadable]:
        return [u for t in self.tables for u in t.shown]


Progress = Callable[[TableWalk], None]


async def rotate(
    sessions: async_sessionmaker[AsyncSession],
    cipher: Cipher,
    *,
    batch: int = 500,
    progress: Progress | None = None,
) -> KeyReport:
    """Re-seal every stored value under the newest key; ``progress`` hears of each batch.

    After it, ``by_key`` counts the values under each key as they are now: everything
    readable is under the first key, unless Ember rewrote it meanwhile under an older
    configuration (run again after restarting Ember with the new key list)."""
    return await _walk(sessions, cipher, batch=batch, progress=progress, write=True)


async def check(
    sessions: async_sessionmaker[AsyncSession],
    cipher: Cipher,
    *,
    batch: int = 2000,
    progress: Progress | None = None,
) -> KeyReport:
    """Count, per configured key, the stored values it sealed; and those none opens."""
    return await _walk(sessions, cipher, batch=batch, progress=progress, write=False)


async def _walk(
    sessions: async_sessionmaker[AsyncSession],
    cipher: Cipher,
    *,
    batch: int,
    progress: Progress | None,
    write: bool,
) -> KeyReport:
    walks = []
    for sealed in sealed_tables():
        walk = TableWalk(sealed.name, await _count(sessions, sealed))
        walk.by_key = [0] * len(cipher.fingerprints)
        after: Any = None
        while True:
            async with sessions() as session, session.begin():  # one short transaction
                rows = await _batch(session, sealed, after, batch)
                for row in rows:
                    await _visit(session, sealed, walk, cipher, row, write=write)
            if not rows:
                break
            after = rows[-1][0]
            walk.done += len(rows)
            if progress is not None:  # after the commit: an interruption here loses nothing
                progress(walk)
        walks.append(walk)
    return KeyReport(cipher.fingerprints, tuple(walks))


def _holds_sealed(sealed: SealedTable) -> Any:
    return or_(*(c.is_not(None) for c in sealed.columns))


async def _count(sessions: async_sessionmaker[AsyncSession], sealed: SealedTable) -> int:
    async with sessions() as session:
        stmt = select(func.count()).select_from(sealed.table).where(_holds_sealed(sealed))
        return int(await session.scalar(stmt) or 0)


async def _batch(
    session: AsyncSession, sealed: SealedTable, after: Any, size: int
) -> list[Row[Any]]:
    """The next ``size`` rows holding sealed values, in key order, after key ``after``."""
    stmt = (
        select(sealed.key, *sealed.columns)
        .where(_holds_sealed(sealed))
        .order_by(sealed.key)
        .limit(size)
    )
    if after is not None:
        stmt = stmt.where(sealed.key > after)
    return list((await session.execute(stmt)).all())


async def _visit(
    session: AsyncSession,
    sealed: SealedTable,
    walk: TableWalk,
    cipher: Cipher,
    row: Row[Any],
    *,
    write: bool,
) -> None:
    row_id: int = row[0]
    values: tuple[str | None, ...] = tuple(row[1:])
    changes: dict[Column[Any], tuple[str, str]] = {}
    for column, value in zip(sealed.columns, values, strict=True):
        if value is None:
            continue
        index = cipher.key_index(value)
        if index is None:
            walk.note_unreadable(column.name, row_id)
            continue
        if index == 0 or not write:
            walk.by_key[index] += 1
            continue
        try:
            changes[column] = (value, cipher.rotate(value))
        except DecryptionFailed:  # signed by a key we hold, yet damaged
            walk.note_unreadable(column.name, row_id)
    for column, (old, new) in changes.items():
        # only if the value is still the one read: what Ember wrote meanwhile stays (one
        # column at a time, so an edit of one value never holds back its neighbour)
        result = await session.execute(
            update(sealed.table)
            .where(sealed.key == row_id, column == old)
            .values({column.name: new})
        )
        if result.rowcount:  # type: ignore[attr-defined]
            walk.rotated += 1
            walk.by_key[0] += 1
        else:
            walk.changed += 1
