"""Jobs at shutdown: a run still going when the grace period ends is stopped quietly, and a
cancellation from anywhere else still propagates."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.jobs import RunningJobs


async def test_a_run_outlasting_the_grace_period_is_stopped_without_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = RunningJobs()
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(60)

    task = asyncio.ensure_future(running.wrap(slow, "alerts:escalate")())
    await started.wait()
    with caplog.at_level(logging.INFO):
        await running.drain(grace=0.05)
    assert task.done() and not task.cancelled()  # ended as a run that was asked to stop
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("stopped at shutdown" in r.getMessage() for r in caplog.records)


async def test_a_cancellation_outside_shutdown_is_not_swallowed() -> None:
    running = RunningJobs()
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(60)

    task = asyncio.ensure_future(running.wrap(slow, "prompts:tick")())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
