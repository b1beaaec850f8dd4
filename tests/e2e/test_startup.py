"""`ember run` is quick to its first message: started as a real process against the fake Bot
API, with a crisis message waiting, it sends the therapist's alert and the participant's
safety message within seconds. The first start fills the screener's start-up cache; the
next one reads it. Both figures are printed. The garbage collector that `ember run` pauses
for start-up runs again once the urgent work is done, or soon when Telegram keeps it
waiting."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import ember_app
from bot.errors import StartupInterrupted
from bot.simulator import FakeTelegram
from prompts.catalogue import crisis_text, default_catalogue
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

ROOT = Path(__file__).resolve().parents[2]
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
BOUND = 6.0  # seconds from process start to the alert, with the cache (generous: CI load)


async def start(
    tg: FakeTelegram, db_url: str, key: str, cwd: Path, cache: Path
) -> tuple[asyncio.subprocess.Process, float, Path]:
    """`ember run` in a process of its own; when it started; where its log goes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env.update(
        PYTHONPATH=str(ROOT),
        EMBER_TELEGRAM_TOKEN=tg.token,
        EMBER_TELEGRAM_API_URL=f"{tg.url}/bot",
        EMBER_DATABASE_URL=db_url,
        EMBER_ENCRYPTION_KEY=key,
        EMBER_CACHE_DIR=str(cache),
    )
    log = cwd / f"ember-{len(list(cwd.glob('ember-*.log')))}.log"
    with log.open("w") as err:
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=cwd,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=err,
        )
    return process, started, log


async def stop(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), timeout=60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("`ember run` did not stop within 60 s of SIGTERM") from None


@pytest.mark.serial  # seconds from start to the alert: measured alone
async def test_ember_run_alerts_a_waiting_crisis_within_seconds_of_starting(
    tg: FakeTelegram, e2e_db: str, key: str, tmp_path: Path
) -> None:
    cat = default_catalogue()
    async with ember_app(settings_for(tg, e2e_db, key)) as ember:
        await enroll_pair(ember, tg)
    lines = crisis_text(cat, "en", None, "Europe/Berlin", header=False)
    # the full safety message, or (a second crisis within the half hour) the short one
    answers = {
        cat.text("safety.crisis", "en", crisis=lines),
        cat.text("safety.followup", "en", crisis=lines),
    }
    cache = tmp_path / "cache"  # empty: the first start builds the screener and keeps it
    figures: list[float] = []
    for start_number in (1, 2):
        before = len(tg.sent)
        tg.user(PARTICIPANT_ID).send_text(CRISIS)  # written while Ember is down
        process, started, log = await start(tg, e2e_db, key, tmp_path, cache)

        def sent(chat: int, check: Callable[[str], bool], since: int = before) -> list[float]:
            return [m.sent_at for m in tg.sent[since:] if m.chat_id == chat and check(m.text or "")]

        try:
            await tg.wait_until(
                lambda: (
                    sent(THERAPIST_ID, lambda t: "CRISIS" in t)
                    and sent(PARTICIPANT_ID, lambda t: t in answers)
                ),
                timeout=60,
            )
            polled = min(
                c.arrived_at
                for c in tg.calls
                if c.method == "getUpdates" and c.arrived_at > started
            )
        finally:
            assert await stop(process) == 0
        alert = sent(THERAPIST_ID, lambda t: "CRISIS" in t)[0] - started
        answer = sent(PARTICIPANT_ID, lambda t: t in answers)[0] - started
        figures.append(max(alert, answer))
        print(
            f"\nstart {start_number}: `ember run` started → first getUpdates "
            f"{polled - started:.2f} s, therapist alert {alert:.2f} s, safety message "
            f"{answer:.2f} s"
        )
        if start_number == 1:
            assert "screener built from its files" in log.read_text()
            assert list(cache.glob("screener-*.pickle"))  # kept for the next start
        else:
            assert "screener read from the start-up cache" in log.read_text()
    assert figures[1] < BOUND


async def test_the_collector_paused_for_start_up_runs_again_once_the_urgent_work_is_done(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    gc.disable()  # as `ember run` does before it imports Ember
    try:
        async with ember_app(settings_for(tg, e2e_db, key)):
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_a_start_up_waiting_for_telegram_does_not_keep_the_collector_paused(
    e2e_db: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import app

    monkeypatch.setattr(app, "COLLECTOR_REST", 0.3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    tg = FakeTelegram(port=port)  # not started: nothing answers
    stop = asyncio.Event()

    async def run() -> None:
        async with ember_app(settings_for(tg, e2e_db, key), stop=stop, retry_delay=0.2):
            raise AssertionError("started without Telegram")

    gc.disable()
    task = asyncio.create_task(run())
    try:
        for _ in range(100):
            if gc.isenabled():
                break
            await asyncio.sleep(0.05)
        assert gc.isenabled() and not task.done()  # still waiting, collecting again
        stop.set()
        with pytest.raises(StartupInterrupted):
            await asyncio.wait_for(task, timeout=15)
    finally:
        task.cancel()
        gc.enable()
