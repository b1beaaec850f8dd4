"""The models and the migrations agree: replaying migrations builds the schema the code uses."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.migrate import head_revision, is_up_to_date, upgrade
from storage.models import Base


async def test_replayed_migrations_match_the_models(db_url: str) -> None:
    engine = create_engine(db_url)

    def diff(conn: Connection) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))

    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
        assert differences == []
        assert await is_up_to_date(engine)
    finally:
        await engine.dispose()


async def test_upgrade_is_idempotent(db_url: str) -> None:
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    try:
        assert await is_up_to_date(engine)
    finally:
        await engine.dispose()
    assert head_revision() is not None
