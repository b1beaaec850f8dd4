"""Unit of work: one database session per update or job tick, with its repositories.

``async with uow:`` opens a transaction; ``await uow.commit()`` keeps it; leaving the block
without committing rolls back. ``Storage.reader()`` opens one that only reads: on SQLite it
takes no lock (the writer is neither waited for nor held up), on PostgreSQL the transaction
is read-only; committing it is a mistake. Repositories hang off it (``uow.people``, ``uow.journal``,
``uow.flags``, ``uow.schedules``, ``uow.outbox``, ``uow.inbox``, ``uow.audit``,
``uow.clinic``, ``uow.erasures``, the send budget ``uow.budget`` and ``uow.leases``) and
speak in domain terms; the session itself stays private to ``storage/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import StorageMisuse
from storage.audit import AuditLog
from storage.clinic import Clinic
from storage.crypto import Cipher
from storage.db import BATCH_PAUSE, READ_ONLY
from storage.erasure import Erasures
from storage.inbox import Inbox
from storage.journal import Journal
from storage.outbox import Outbox
from storage.pacing import Leases, SendBudget
from storage.people import People
from storage.safety import Flags
from storage.schedules import Schedules

FOREGROUND_PATIENCE = 0.25  # seconds bulk work waits for urgent work at one batch boundary


class UnitOfWork:
    """A transaction scope with typed repositories; not reentrant."""

    people: People
    journal: Journal
    flags: Flags
    schedules: Schedules
    outbox: Outbox
    inbox: Inbox
    audit: AuditLog
    clinic: Clinic
    budget: SendBudget
    leases: Leases
    erasures: Erasures

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: Cipher,
        *,
        read_only: bool = False,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._read_only = read_only
        self._on_commit = on_commit
        self._session: AsyncSession | None = None

    def _require(self) -> AsyncSession:
        if self._session is None:
            raise StorageMisuse("UnitOfWork used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        if self._session is not None:
            raise StorageMisuse("UnitOfWork is not reentrant")
        session = self._session = self._sessions()
        if self._read_only:  # begin now, as a reader (see storage/db.py)
            await session.connection(
                execution_options={READ_ONLY: True, "postgresql_readonly": True}
            )
        cipher = self._cipher
        self.people = People(session, cipher)
        self.journal = Journal(session, cipher)
        self.flags = Flags(session, cipher)
        self.schedules = Schedules(session, cipher)
        self.outbox = Outbox(session, cipher)
        self.inbox = Inbox(session, cipher)
        self.audit = AuditLog(session, cipher)
        self.clinic = Clinic(session, cipher)
        self.budget = SendBudget(session)
        self.leases = Leases(session)
        self.erasures = Erasures(session, cipher)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            # close() rolls back whatever was not committed and detaches the objects read,
            # leaving their loaded values usable (rollback() would expire them).
            await self._session.close()
        finally:
            self._session = None

    async def commit(self) -> None:
        if self._read_only:
            raise StorageMisuse("a reader's unit of work never writes, so it never commits")
        await self._require().commit()
        if self._on_commit is not None:
            self._on_commit()

    async def flush(self) -> None:
        await self._require().flush()


class Storage:
    """Makes units of work; one per process, built by the composition root."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], cipher: Cipher) -> None:
        self.sessions = sessions
        self.cipher = cipher
        bind = sessions.kw.get("bind")
        sqlite = bind is not None and bind.dialect.name == "sqlite"
        # only SQLite has one lock for every writer; PostgreSQL locks rows
        self.batch_pause = BATCH_PAUSE if sqlite else 0.0
        self._last_commit = 0.0
        self._foreground = 0  # pieces of urgent work under way in this process
        self._background: list[asyncio.Future[None]] = []  # bulk work waiting for them

    @contextlib.contextmanager
    def foreground(self) -> Iterator[None]:
        """Work someone is waiting for right now (a participant's message being handled,
        an alert being claimed and set off): while it lasts, bulk work in this process
        pauses at its next batch boundary (:meth:`yield_to_foreground`)."""
        self._foreground += 1
        try:
            yield
        finally:
            self._foreground -= 1
            if not self._foreground:
                for waiter in self._background:
                    if not waiter.done():
                        waiter.set_result(None)
                self._background.clear()

    async def yield_to_foreground(self) -> None:
        """Between two batches of bulk work: wait while urgent work is under way here, for
        ``FOREGROUND_PATIENCE`` seconds at most (a flood of messages slows bulk work down,
        never stops it). Every step of a crisis message's path is a database round trip
        that waits its turn on the event loop; without bulk work beside it, it takes half
        the time."""
        if not self._foreground:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._background.append(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FOREGROUND_PATIENCE):
                    await waiter
        finally:
            if waiter in self._background:
                self._background.remove(waiter)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.cipher, on_commit=self._committed)

    def _committed(self) -> None:
        self._last_commit = time.monotonic()

    def reader(self) -> UnitOfWork:
        """A unit of work that only reads: it takes no write lock and never commits."""
        return UnitOfWork(self.sessions, self.cipher, read_only=True)

    async def breathe(self) -> None:
        """Between two batches of long work: let whoever waits to write go first. Returns
        once the write lock has been left free (by us) for ``batch_pause`` seconds: at
        once when reading and working out the next batch took that long already."""
        rest = self.batch_pause - (time.monotonic() - self._last_commit)
        await asyncio.sleep(max(rest, 0.0))
        await self.yield_to_foreground()
