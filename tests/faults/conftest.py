"""Fixtures of the fault suite: a fresh PostgreSQL database (skipped loudly without a
server) and a fresh SQLite file, both migrated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import _create_pg_database, _drop_pg_database, postgres_unavailable


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every fault test holds Ember to deadlines (delivered within seconds of a kill, of a
    storm): they run alone, after the tests that share the machine (scripts/test)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.serial)


@pytest.fixture
async def pg_url(postgres_template: str | None) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    reason = postgres_unavailable()
    if reason or postgres_template is None:
        pytest.skip(f"!!! PostgreSQL unavailable, this fault test did NOT run: {reason}")
    url = await _create_pg_database(postgres_template)
    try:
        yield url
    finally:
        await _drop_pg_database(url)


@pytest.fixture
async def file_url(sqlite_url: str) -> str:
    """A fresh, migrated SQLite file."""
    return sqlite_url
