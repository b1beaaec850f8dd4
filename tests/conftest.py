"""Shared fixtures: encryption keys, real databases (SQLite files and PostgreSQL), clocks.

PostgreSQL tests use ``EMBER_TEST_POSTGRES_URL`` (default: the local server's ``test``
database); each test gets a fresh database created from it and dropped afterwards. Where
no server answers, those tests skip with the reason printed in the summary.

The migrations run once per test run (per worker), into a template: a SQLite file that each
test copies, a PostgreSQL database each test's own is created from. A test starts from the
same schema as after ``ember migrate``, without paying for every migration again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url

from bot.clock import FakeClock
from storage.crypto import Cipher, generate_key
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import Storage

POSTGRES_URL = os.environ.get(
    "EMBER_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
_T = TypeVar("_T")
_pg_reason: str | None = None
_pg_checked = False


def postgres_unavailable() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when a server answers."""
    global _pg_checked, _pg_reason
    if _pg_checked:
        return _pg_reason
    _pg_checked = True
    if os.environ.get("EMBER_TEST_POSTGRES", "1") == "0":
        _pg_reason = "EMBER_TEST_POSTGRES=0"
        return _pg_reason

    async def probe() -> None:
        import asyncpg

        url = make_url(POSTGRES_URL)
        conn = await asyncpg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            database=url.database,
            password=url.password,
            timeout=3,
        )
        await conn.close()

    try:
        _run(probe())
    except Exception as exc:
        _pg_reason = f"no PostgreSQL at {POSTGRES_URL} ({type(exc).__name__}: {exc})"
    return _pg_reason


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to the end in a thread of its own: the caller may be inside a loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def pytest_configure(config: pytest.Config) -> None:
    """The screener's start-up cache of the test run is its own, never the cache of an Ember
    run by the same user (``~/.cache/ember``); it is kept between runs, as a bot's is."""
    os.environ.setdefault(
        "EMBER_CACHE_DIR",
        str(Path(tempfile.gettempdir()) / f"ember-test-cache-{os.getuid()}"),
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    from tests.demo.browser import chromium_path, why_no_browser

    reason = postgres_unavailable()
    lines = [
        f"!!! PostgreSQL tests will be SKIPPED: {reason}"
        if reason
        else f"PostgreSQL tests run against {POSTGRES_URL}"
    ]
    no_browser = why_no_browser()
    lines.append(
        f"!!! {no_browser}" if no_browser else f"browser tests run in {chromium_path()}"
    )
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fault suite's figures, one line per test, after the run (tests/faults records
    them with each report, so they arrive here from every worker)."""
    from tests.faults.workload import FIGURES

    lines = [
        str(value)
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        for name, value in getattr(report, "user_properties", ())
        if name == FIGURES
    ]
    if lines:
        terminalreporter.section("fault suite figures")
        for line in sorted(lines):
            terminalreporter.write_line(line)


@pytest.fixture
def key() -> str:
    return generate_key()


@pytest.fixture
def cipher(key: str) -> Cipher:
    return Cipher([key.encode()])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def _create_pg_database(template: str | None = None) -> str:
    """A new, empty database, or a copy of ``template`` (a database nobody is connected to)."""
    import asyncpg

    url = make_url(POSTGRES_URL)
    name = f"ember_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        database=url.database,
        password=url.password,
    )
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(db_url: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL)
    name = make_url(db_url).database
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        database=url.database,
        password=url.password,
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the latest revision, once per run, for tests to copy."""
    path = tmp_path_factory.mktemp("template") / "ember.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    # everything in the main file, so that a copy of it alone is whole
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _sqlite_copy(template: Path, tmp_path: Path) -> str:
    # a name no other fixture or test of this test uses
    target = tmp_path / f"ember-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """A PostgreSQL database migrated once per run, that each test's database is copied
    from; None where no server answers."""
    if postgres_unavailable():
        yield None
        return
    url = _run(_create_pg_database())
    try:
        upgrade(url)
        yield make_url(url).database
    finally:
        _run(_drop_pg_database(url))


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_template: str | None,
) -> AsyncIterator[str]:
    """A fresh, migrated database: a real SQLite file, and a real PostgreSQL database."""
    if request.param == "sqlite":
        yield _sqlite_copy(sqlite_template, tmp_path)
        return
    reason = postgres_unavailable()
    if reason or postgres_template is None:
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    url = await _create_pg_database(postgres_template)
    try:
        yield url
    finally:
        await _drop_pg_database(url)


@pytest.fixture
async def storage(db_url: str, cipher: Cipher) -> AsyncIterator[Storage]:
    engine = create_engine(db_url)
    try:
        yield Storage(session_factory(engine), cipher)
    finally:
        await engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite file of this test's own."""
    return _sqlite_copy(sqlite_template, tmp_path)
