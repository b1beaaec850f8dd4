"""The demo, started whole for each test: simulator, Ember, the enrolled clinic, the page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo import RunningDemo, running_demo


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[RunningDemo]:
    async with running_demo(workdir=tmp_path) as running:
        yield running
