"""Column types shared by the models: aware UTC datetimes, risk tiers and sealed text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.domain.screening.model import Tier
from bot.errors import InvalidValue, StorageMisuse


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored in UTC; naive values are refused on the way in.

    SQLite keeps no offset, so values come back naive there; they are made aware (UTC)
    on the way out, so every datetime Ember handles is aware whatever the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidValue("naive datetimes are refused: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TierColumn(TypeDecorator[Tier]):
    """A risk tier, stored as its label ("none" … "crisis") and read back as :class:`Tier`."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value: Tier | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return value.label if isinstance(value, Tier) else Tier.from_label(value).label

    def process_result_value(self, value: Any, dialect: Dialect) -> Tier | None:
        return None if value is None else Tier.from_label(str(value))


SEALED_PREFIX = "gAAAAA"  # how every Fernet token begins (version byte, then a timestamp)


class SealedText(TypeDecorator[str]):
    """Text sealed by :class:`storage.crypto.Cipher`: a Fernet token, never plain text.

    The repositories seal and open (the cipher is theirs, not a module global's); this type
    marks the column so that everything that must touch every sealed value (``ember keys
    rotate`` and ``check``, in ``storage/key_rotation.py``) finds it in the models, and it
    refuses to store a value that is not a token, so plain text cannot land here by mistake.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is not None and not value.startswith(SEALED_PREFIX):
            raise StorageMisuse("a sealed column was given text that is not sealed")
        return value
