"""What an operator sees of updates whose handling failed: `ember status` counts those
being tried again and lists those parked after failing again and again (ids and reasons,
never content), `ember doctor` warns about both, and `ember requeue` hands them back."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.config import Settings
from bot.doctor import Level, diagnose
from storage.crypto import Cipher
from storage.db import create_engine, session_factory
from storage.uow import Storage

ROOT = Path(__file__).resolve().parents[2]
WORDS = "what nobody else may read"


def ember(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def one_parked_one_retrying(url: str, key: str, clock: FakeClock) -> None:
    engine = create_engine(url)
    storage = Storage(session_factory(engine), Cipher([key.encode()]))
    now = clock.now()
    try:
        async with storage.uow() as uow:
            for update_id in (41, 42, 43):
                await uow.inbox.store(
                    update_id=update_id, payload=f'{{"text": "{WORDS}"}}', now=now, chat_id=7
                )
            for update_id in (41, 42):
                await uow.inbox.claim_pending(update_id, worker="w", now=now, in_turn=False)
            await uow.inbox.park_failing(
                41, worker="w", attempts=5, reason="parked: failed 5 times in a row (KeyError)"
            )
            await uow.inbox.retry_later(
                42, worker="w", attempts=2, error="DBAPIError", not_before=now + timedelta(hours=1)
            )
            await uow.commit()
    finally:
        await engine.dispose()


async def test_status_lists_them_and_requeue_hands_the_parked_one_back(
    tmp_path: Path, sqlite_url: str, key: str, clock: FakeClock
) -> None:
    url = sqlite_url
    await one_parked_one_retrying(url, key, clock)
    env = {"EMBER_DATABASE_URL": url, "EMBER_ENCRYPTION_KEY": key}

    status = ember("status", cwd=tmp_path, **env)
    assert status.returncode == 3
    assert "Stored updates: parked 1, pending 2" in status.stdout
    assert "Tried again after a failure: 1 stored updates" in status.stdout
    assert "stored update 41, since" in status.stdout
    assert "parked: failed 5 times in a row (KeyError)" in status.stdout
    assert "`ember requeue` hands them back" in status.stdout
    assert "no configured key opens it" not in status.stdout  # not a key matter
    assert WORDS not in status.stdout + status.stderr

    requeue = ember("requeue", cwd=tmp_path, **env)
    assert requeue.returncode == 0, requeue.stderr
    assert "0 messages and 1 stored updates are back" in requeue.stdout
    after = ember("status", cwd=tmp_path, **env)
    assert after.returncode == 0
    assert "Stored updates: pending 3" in after.stdout


async def test_doctor_warns_about_updates_tried_again_and_parked(
    sqlite_url: str, key: str, clock: FakeClock
) -> None:
    url = sqlite_url
    await one_parked_one_retrying(url, key, clock)
    settings = Settings(database_url=url, encryption_key=key)  # type: ignore[arg-type]
    report = await diagnose(settings, offline=True, clock=clock)
    warnings = [
        f.text for f in report.findings if f.level is Level.WARNING and f.topic == "backlog"
    ]
    assert any(
        w.startswith("1 incoming update(s) failed and wait to be tried again") for w in warnings
    )
    assert any(w.startswith("1 incoming update(s) are parked") for w in warnings)
    assert any("`ember requeue`" in w for w in warnings)
