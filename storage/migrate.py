"""Schema migrations: upgrade (Alembic), and check whether a database is behind.

The check runs at every start of ``ember run``, so it does without Alembic, whose import and
reading of every migration script cost more than a tenth of a second: the database's
revision is read from Alembic's own table, the latest one from the ``revision`` and
``down_revision`` lines of the migration scripts. Whatever those lines do not make plain (a
merge, two heads, an unexpected form) is left to Alembic itself.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"

# `revision: str = '0007'` and `down_revision: str | None = '0006'`, as script.py.mako writes
_ASSIGNMENT = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(None|'[^'\n]*'|\"[^\"\n]*\")\s*$", re.M
)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def script_heads(versions: Path | None = None) -> list[str] | None:
    """The revisions no migration script revises, read from the scripts' own lines; None
    when a script does not say plainly which revision it is and which one it follows."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((versions or MIGRATIONS / "versions").glob("*.py")):
        found: dict[str, list[str]] = {}
        for match in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1), []).append(match.group(2))
        if [len(found.get(k, ())) for k in ("revision", "down_revision")] != [1, 1]:
            return None
        revision = ast.literal_eval(found["revision"][0])
        parent = ast.literal_eval(found["down_revision"][0])
        if not isinstance(revision, str) or revision in revisions:
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    if not parents <= revisions:
        return None
    return sorted(revisions - parents)


def head_revision() -> str | None:
    """The latest revision of the migration scripts."""
    heads = script_heads()
    if heads is not None and len(heads) <= 1:
        return heads[0] if heads else None
    from alembic.script import ScriptDirectory  # a merge or branches: as Alembic sees them

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (blocking; call outside a loop).

    Raises ConfigError, with one line saying why, when the database cannot be opened.
    """
    from alembic import command
    from sqlalchemy.exc import DBAPIError

    from bot.errors import ConfigError

    try:
        command.upgrade(alembic_config(url), revision)
    except (OSError, DBAPIError) as exc:
        raise ConfigError(unreachable(exc)) from None


async def current_revision(engine: AsyncEngine) -> str | None:
    """The database's schema revision (None: no schema yet), from Alembic's table."""

    def _current(conn: Connection) -> str | None:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        found = list(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
        if len(found) > 1:  # several heads stamped: Alembic says what that means
            from alembic.runtime.migration import MigrationContext

            return MigrationContext.configure(conn).get_current_revision()
        return str(found[0]) if found else None

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
