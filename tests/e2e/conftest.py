"""End-to-end fixtures: the real Ember Application against the fake Bot API over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import Ember, ember_app
from bot.clock import SystemClock
from bot.config import Settings
from bot.services.enrollment import invite
from storage.migrate import upgrade
from storage.models import Role
from tests.fakes.telegram_server import FakeTelegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


def settings_for(tg: FakeTelegram, database_url: str, key: str, **extra: object) -> Settings:
    return Settings(
        telegram_token=tg.token,  # type: ignore[arg-type]
        telegram_api_url=f"{tg.url}/bot",
        database_url=database_url,
        encryption_key=key,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def e2e_db(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def ember(tg: FakeTelegram, e2e_db: str, key: str) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, e2e_db, key)) as running:
        yield running


async def make_invitation(
    ember: Ember,
    role: Role,
    code: str,
    *,
    therapist: str | None = None,
    tz: str = "Europe/Berlin",
    lang: str = "en",
    ttl: timedelta = timedelta(days=7),
) -> str:
    """What `ember invite` does; returns the raw code of the deep link."""
    async with ember.storage.uow() as uow:
        created = await invite(
            uow,
            now=SystemClock().now(),
            role=role,
            code=code,
            timezone=tz,
            language=lang,
            name=f"Dr. {code}" if role is Role.THERAPIST else None,
            therapist_code=therapist,
            ttl=ttl,
        )
        await uow.commit()
    return created.raw_code
