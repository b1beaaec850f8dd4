"""Shared fixtures: one screener built from the shipped rule files."""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener
from prompts.screening_loader import default_screener


@pytest.fixture(scope="session")
def screener() -> Screener:
    return default_screener()
