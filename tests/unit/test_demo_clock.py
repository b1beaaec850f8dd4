"""The demo's virtual clock: real speed from a chosen start, jumps forward, never back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.demo.clinic import demo_start
from bot.demo.clock import VirtualClock
from bot.errors import InvalidValue

START = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_it_runs_at_real_speed_from_its_start() -> None:
    ticks = Ticks()
    clock = VirtualClock(START, monotonic=ticks)
    ticks.now += 90
    assert clock.now() == START + timedelta(seconds=90)
    assert clock.timestamp() == (START + timedelta(seconds=90)).timestamp()


def test_a_jump_moves_ahead_and_time_runs_on_from_there() -> None:
    ticks = Ticks()
    clock = VirtualClock(START, monotonic=ticks)
    landed = clock.jump_to(START + timedelta(days=1))
    ticks.now += 5
    assert landed == START + timedelta(days=1)
    assert clock.now() == START + timedelta(days=1, seconds=5)


def test_a_jump_into_the_past_changes_nothing() -> None:
    ticks = Ticks()
    clock = VirtualClock(START, monotonic=ticks)
    ticks.now += 60
    assert clock.jump_to(START) == START + timedelta(seconds=60)


def test_naive_times_are_refused() -> None:
    with pytest.raises(InvalidValue):
        VirtualClock(datetime(2026, 12, 3, 17, 30))
    with pytest.raises(InvalidValue):
        VirtualClock(START).jump_to(datetime(2026, 12, 4, 9, 0))


def test_the_demo_starts_the_evening_of_the_dosing_day_in_the_clinics_zone() -> None:
    late_utc = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # already July 2nd in Tokyo
    start = demo_start(late_utc, "Asia/Tokyo")
    assert (start.year, start.month, start.day, start.hour, start.minute) == (2026, 7, 2, 17, 30)
    assert start.utcoffset() == timedelta(hours=9)
