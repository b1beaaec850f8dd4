"""Unit of work: one database session per update or job tick, plus the cipher.

``async with uow:`` opens a transaction; ``await uow.commit()`` keeps it; leaving the block
without committing rolls back. Repositories hang off it and speak in domain terms.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import Cipher


class UnitOfWork:
    """A transaction scope with typed repositories; not reentrant."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], cipher: Cipher) -> None:
        self._sessions = sessions
        self.cipher = cipher
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("UnitOfWork is not reentrant")
        self._session = self._sessions()
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
        await self.session.commit()

    async def flush(self) -> None:
        await self.session.flush()


class Storage:
    """Makes units of work; one per process, built by the composition root."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], cipher: Cipher) -> None:
        self.sessions = sessions
        self.cipher = cipher

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.cipher)
