"""End-to-end fixtures: the real Ember Application against the fake Bot API over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Ember, ember_app
from bot.simulator import FakeTelegram
from storage.migrate import upgrade
from tests.support.e2e import settings_for


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def e2e_db(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def ember(tg: FakeTelegram, e2e_db: str, key: str) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, e2e_db, key)) as running:
        yield running
