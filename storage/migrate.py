"""Schema migrations: upgrade, and check whether a database is behind (Alembic)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (blocking; call outside a loop).

    Raises ConfigError, with one line saying why, when the database cannot be opened.
    """
    from sqlalchemy.exc import DBAPIError

    from bot.errors import ConfigError

    try:
        command.upgrade(alembic_config(url), revision)
    except (OSError, DBAPIError) as exc:
        raise ConfigError(unreachable(exc)) from None


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def is_up_to_date(engine: AsyncEngine) -> bool:
    return await current_revision(engine) == head_revision()


def unreachable(exc: BaseException) -> str:
    """One line saying why the database could not be opened."""
    reason = getattr(exc, "orig", None) or exc
    return f"EMBER_DATABASE_URL: cannot open the database ({str(reason).splitlines()[0]})"


async def require_up_to_date(engine: AsyncEngine) -> None:
    """Refuse a database that cannot be opened or is behind, with one line that says why."""
    from sqlalchemy.exc import DBAPIError

    from bot.errors import ConfigError, DatabaseBehind

    try:
        current = await current_revision(engine)
    except (OSError, DBAPIError) as exc:
        raise ConfigError(unreachable(exc)) from None
    if current != head_revision():
        raise DatabaseBehind(
            "the database schema is behind this version of Ember: run `ember db upgrade`"
        )
