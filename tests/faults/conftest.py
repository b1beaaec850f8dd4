"""Fixtures of the fault suite: a fresh PostgreSQL database (skipped loudly without a
server) and a fresh SQLite file, both migrated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.migrate import upgrade
from tests.conftest import _create_pg_database, _drop_pg_database, postgres_unavailable


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(f"!!! PostgreSQL unavailable, this fault test did NOT run: {reason}")
    url = await _create_pg_database()
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await _drop_pg_database(url)


@pytest.fixture
async def file_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'faults.db'}"
    await asyncio.to_thread(upgrade, url)
    return url
