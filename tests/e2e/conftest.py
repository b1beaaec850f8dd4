"""End-to-end fixtures: the real Ember Application against the fake Bot API over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Ember, ember_app
from bot.simulator import FakeTelegram
from tests.support.e2e import settings_for


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def e2e_db(sqlite_url: str) -> str:
    """A fresh, migrated SQLite file."""
    return sqlite_url


@pytest.fixture
async def ember(tg: FakeTelegram, e2e_db: str, key: str) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, e2e_db, key)) as running:
        yield running
