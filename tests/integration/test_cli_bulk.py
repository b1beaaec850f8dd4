"""`ember protocol load` and `assign` on many participants, as a coordinator runs them:
progress as participants done / in all, and an interrupted load finished by running the
same command again, with no prompt planned twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot.clock import SystemClock
from storage.crypto import Cipher
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import ScheduledPrompt as PromptRow
from storage.uow import Storage
from tests.support.population import populate_on_protocol, steps_protocol

EMBER = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]


def environment(url: str, key: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "EMBER_DATABASE_URL": url,
        "EMBER_ENCRYPTION_KEY": key,
    }


async def clinic(url: str, key: str, participants: int) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        storage = Storage(session_factory(engine), Cipher([key.encode()]))
        now = SystemClock().now()
        await populate_on_protocol(
            storage, participants=participants, source=steps_protocol(3), now=now, dosing_at=now
        )
    finally:
        await engine.dispose()


async def due_hours(url: str) -> Counter[tuple[str, int]]:
    """Prompts per (participant, step) key, and per local hour of their due time."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = (await session.scalars(select(PromptRow))).all()
    finally:
        await engine.dispose()
    keys = Counter((row.participant_id, row.key) for row in rows)
    assert set(keys.values()) == {1}  # never two prompts for one participant and step
    return Counter((row.status, row.due_at.hour) for row in rows)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


async def test_a_load_shows_its_progress_and_an_interrupted_one_is_finished_by_running_it_again(
    tmp_path: Path, key: str
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ember.db'}"
    await clinic(url, key, 1600)
    v2 = write(tmp_path, "v2.yaml", steps_protocol(3, version=2, at="11:00"))
    env = environment(url, key)

    running = subprocess.Popen(
        [*EMBER, "protocol", "load", v2],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert running.stderr is not None
    first = running.stderr.readline()  # "replanned: 0/1600 participants", at the start
    assert first.strip() == "replanned: 0/1600 participants"
    running.send_signal(signal.SIGINT)  # Ctrl-C while it replans
    _, rest = running.communicate(timeout=60)
    assert running.returncode == 130, rest
    assert "interrupted after" in rest and "of 1600 participants" in rest
    assert f"run `ember protocol load {v2}` again" in rest
    halfway = await due_hours(url)
    assert halfway[("pending", 10)] < 4800  # not all moved to 11:00 (10:00 UTC) yet

    started = time.monotonic()
    finished = await asyncio.to_thread(
        subprocess.run,
        [*EMBER, "protocol", "load", v2],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stderr.splitlines()[-1] == "replanned: 1600/1600 participants"
    assert finished.stdout.strip() == ("replaced scale v2 (3 steps); 1600 participants replanned")
    assert await due_hours(url) == {("pending", 10): 4800}  # everyone, each prompt once
    print(f"\nreload of 1,600 participants by the command line: {time.monotonic() - started:.1f} s")


async def test_several_participants_are_assigned_at_once(tmp_path: Path, key: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ember.db'}"
    await clinic(url, key, 5)
    other = write(tmp_path, "other.yaml", steps_protocol(2, protocol_id="other"))
    env = environment(url, key)
    loaded = subprocess.run(
        [*EMBER, "protocol", "load", other],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loaded.returncode == 0, loaded.stderr
    one = subprocess.run(
        [*EMBER, "protocol", "assign", "p-00000", "other"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert one.stdout.strip() == "P-00000 follows other; 2 prompts pending"
    many = subprocess.run(
        [*EMBER, "protocol", "assign", "P-00001", "P-00002", "P-00003", "other"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert many.returncode == 0, many.stderr
    assert many.stdout.strip() == "3 participants follow other"
    assert many.stderr.splitlines()[-1] == "assigned: 3/3 participants"
    assert await due_hours(url) == {("pending", 9): 2 * 4 + 3, ("cancelled", 9): 3 * 4}
