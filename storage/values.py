"""Rows to frozen domain values and back: the one place that copies fields between them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

V = TypeVar("V")


def names(cls: type[Any], *, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in skip)


def to_value(row: object, cls: Callable[..., V], fields: tuple[str, ...], **extra: Any) -> V:
    """A value of ``cls`` from the same-named attributes of ``row`` (``extra`` overrides)."""
    values = {name: getattr(row, name) for name in fields if name not in extra}
    return cls(**values, **extra)


async def write_back(
    session: AsyncSession,
    model: type[DeclarativeBase],
    key: object,
    values: dict[str, Any],
) -> None:
    """Copy changed ``values`` onto the stored row ``key``; LookupError if it is gone."""
    row = await session.get(model, key)
    if row is None:
        raise LookupError(f"{model.__name__} {key!r} is not stored")
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    await session.flush()
