"""Engine and session factory for SQLite (WAL, foreign keys) and PostgreSQL.

On SQLite one writer works at a time. A transaction that may write starts with ``BEGIN
IMMEDIATE`` and so takes the write lock up front; one that only reads (a unit of work
opened with ``Storage.reader()``) starts with a plain ``BEGIN`` and, under WAL, neither
waits for the writer nor holds it up. A writer that finds the lock taken waits for it (the
busy timeout) rather than failing at once, and within one process the writers take turns
(``storage/write_turns.py``: no sleeping in the busy handler while the lock is free, and
the bulk work of a fan-out after everyone else); long work commits in short batches and pauses
between them (``BATCH_PAUSE``) so that a waiting writer, an inbound crisis message above
all, gets its turn.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import await_, in_greenlet

from bot.errors import InvalidValue
from storage.write_turns import WriteTurns, is_bulk

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
_TURNS: weakref.WeakKeyDictionary[Engine, WriteTurns] = weakref.WeakKeyDictionary()

BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for the write lock before it gives up
# SQLite's busy handler looks again at most every 100 ms; a pause a little longer than that
# between two batches of long work lets every writer that was waiting take the lock first.
BATCH_PAUSE = 0.12
READ_ONLY = "ember_read_only"  # execution option: this transaction only reads
TURN_HELD = "ember_turn_held"  # connection info: its transaction holds the turn

# What a retry may cure: the lock taken for too long, a connection lost, a deadlock or a
# serialization failure chosen as its victim, a server starting up or shutting down.
_TRANSIENT_SQLITE = ("database is locked", "database table is locked", "database is busy")
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "57014"})
# whole classes: a connection exception (lost, refused, closed mid-operation), and
# insufficient resources (too many connections, out of memory or disk)
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
_TRANSIENT_NAMES = frozenset(
    {
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "InterfaceError",
        "CannotConnectNowError",
        "TooManyConnectionsError",
        "DeadlockDetectedError",
        "SerializationError",
        "LockNotAvailableError",
    }
)


def check_url(value: str) -> None:
    """Raise ValueError, saying why, unless ``value`` is a database URL Ember can use."""
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise InvalidValue(f"is not a SQLAlchemy URL ({exc})") from None
    if url.drivername not in SUPPORTED_DRIVERS:
        raise InvalidValue(
            f"driver {url.drivername!r} is not supported; use "
            "sqlite+aiosqlite:///ember.db or postgresql+asyncpg://user@host/db"
        )
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        folder = Path(str(url.database)).expanduser().resolve().parent
        if not folder.is_dir():
            raise InvalidValue(f"names a file in {folder}, which does not exist")


def describe(value: str) -> str:
    """The database a URL names, fit to print: no password, no query options."""
    url = make_url(value)
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database or ':memory:'}"
    where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
    return f"PostgreSQL at {where}"


def missing_file(value: str) -> str | None:
    """For a SQLite URL whose file does not exist yet, that file's path (opening it would
    create it); otherwise None."""
    url = make_url(value)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(str(url.database)).expanduser()
    return None if path.exists() else str(path)


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is database trouble that trying again later may cure ("database is
    locked", a lost or terminated connection, a deadlock victim, a server starting up or
    out of connections), rather than a fault in what was asked. Looks at the error, the
    driver's error inside it and what it was raised from; never at values."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen or len(seen) > 20:
            continue
        seen.add(id(current))
        if isinstance(current, SATimeoutError | DisconnectionError):
            return True  # no pooled connection in time; a connection found dead
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OperationalError | DBAPIError):
            message = str(current.orig if current.orig is not None else current).lower()
            if any(words in message for words in _TRANSIENT_SQLITE):
                return True
        if isinstance(current, ConnectionError | TimeoutError):
            return True
        if type(current).__name__ in _TRANSIENT_NAMES:
            return True
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(code, str) and (
            code in _TRANSIENT_SQLSTATES or code.startswith(_TRANSIENT_SQLSTATE_CLASSES)
        ):
            return True
        pending += [current.__cause__, current.__context__, getattr(current, "orig", None)]
    return False


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(
    url: str, *, echo: bool = False, busy_timeout: float = BUSY_TIMEOUT
) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.
    Errors name the statement but never its parameters."""
    parsed = make_url(url)
    # an error's text never quotes the statement's values (Telegram ids, codes): it is
    # logged when the database fails, and logs carry none of these
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": busy_timeout}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 10
        # Every statement planned for the values it runs with: a plan cached while a table
        # was small (a new clinic) would otherwise go on scanning it whole once it is big.
        kwargs["connect_args"] = {"server_settings": {"plan_cache_mode": "force_custom_plan"}}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine, busy_timeout)
    return engine


def write_turns(engine: AsyncEngine) -> WriteTurns | None:
    """The turns this process's writers take on a SQLite engine (None on PostgreSQL)."""
    return _TURNS.get(engine.sync_engine)


def _configure_sqlite(engine: AsyncEngine, busy_timeout: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # aiosqlite opens transactions itself; let SQLAlchemy emit BEGIN so that
        # "BEGIN IMMEDIATE" below takes the write lock up front (no upgrade deadlocks).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cur.close()

    turns = _TURNS[engine.sync_engine] = WriteTurns(patience=busy_timeout)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # a reader never writes, so it needs no lock: under WAL it reads the last commit
        if conn.get_execution_options().get(READ_ONLY, False):
            conn.exec_driver_sql("BEGIN")
            return
        # a writer first waits for its turn among this process's writers (no sleeping in
        # SQLite's busy handler while the lock is free); outside the event loop it cannot
        # wait, and goes ahead as before
        info = conn.connection.info
        if turns.try_take() or (in_greenlet() and await_(turns.take(bulk=is_bulk()))):
            info[TURN_HELD] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _give_back(info)
            raise

    def _give_back(info: dict[str, Any]) -> None:
        if info.pop(TURN_HELD, False):
            turns.give_back()

    @event.listens_for(engine.sync_engine, "commit")
    @event.listens_for(engine.sync_engine, "rollback")
    def _on_end(conn: Any) -> None:
        try:
            info = conn.connection.info
        except PendingRollbackError:
            # the connection was invalidated (lost mid-transaction): the "invalidate" or
            # "checkin" event below gives the turn back; raising here would fail the rollback
            return
        _give_back(info)

    @event.listens_for(engine.sync_engine, "checkin")
    @event.listens_for(engine.sync_engine, "invalidate")
    def _on_return(_dbapi_conn: Any, record: Any, *_: Any) -> None:
        # a transaction that ended without a commit or rollback (its connection lost)
        _give_back(record.info)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
