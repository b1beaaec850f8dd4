"""Service tests on the in-memory unit of work: no database, milliseconds per test."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.services.api import Services
from bot.services.context import ServiceContext
from prompts.catalogue import default_catalogue
from tests.support.fake_uow import FakeStorage


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def services(storage: FakeStorage, clock: FakeClock) -> Services:
    return Services(
        ServiceContext(storage=storage, clock=clock, catalogue=default_catalogue())
    )
