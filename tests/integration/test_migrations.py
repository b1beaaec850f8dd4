"""The models and the migrations agree: replaying migrations builds the schema the code uses."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
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


def test_the_latest_revision_is_read_from_the_scripts_as_alembic_reads_it() -> None:
    """The start-up check reads the scripts' own lines instead of importing Alembic."""
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config, script_heads

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script_heads() == sorted(scripts.get_heads())
    assert head_revision() == scripts.get_current_head()


def test_scripts_that_are_not_plain_are_left_to_alembic(tmp_path: Path) -> None:
    from storage.migrate import script_heads

    def script(name: str, revision: str, down: str) -> None:
        (tmp_path / name).write_text(
            f'"""{name}"""\n\nrevision: str = {revision}\ndown_revision: str | None = {down}\n',
            encoding="utf-8",
        )

    script("0001_a.py", "'0001'", "None")
    script("0002_b.py", "'0002'", "'0001'")
    assert script_heads(tmp_path) == ["0002"]
    script("0003_c.py", "'0003'", "'0001'")
    assert script_heads(tmp_path) == ["0002", "0003"]  # two heads: head_revision asks Alembic
    script("0004_merge.py", "'0004'", "('0002', '0003')")
    assert script_heads(tmp_path) is None  # a merge: Alembic reads it
    (tmp_path / "0004_merge.py").unlink()
    script("0005_d.py", "'0005'", "'9999'")
    assert script_heads(tmp_path) is None  # follows a revision that no script is


async def test_a_database_behind_or_empty_is_refused(tmp_path: Path) -> None:
    from bot.errors import DatabaseBehind
    from storage.migrate import current_revision, require_up_to_date

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    try:
        assert await current_revision(engine) is None  # nothing there yet
        with pytest.raises(DatabaseBehind):
            await require_up_to_date(engine)
        await asyncio.to_thread(upgrade, url, "0003")
        assert await current_revision(engine) == "0003"
        with pytest.raises(DatabaseBehind):
            await require_up_to_date(engine)
        await asyncio.to_thread(upgrade, url)
        assert await current_revision(engine) == head_revision()
        await require_up_to_date(engine)
    finally:
        await engine.dispose()
