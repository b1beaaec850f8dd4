"""Risk first at start-up: how long after `ember run` starts does the therapist get the alert
for a crisis written while Ember was down, behind a backlog?

Each trial: a therapist, the participant who writes and 29 more participants, each with a
prompt that fell due while Ember was down; the participant's fifty ordinary messages and
then a crisis message wait at the (fake) Telegram. Then `ember run` starts as a new process
(imports, settings, database check, screener, everything), against the fake Bot API with
Telegram's limits on. Printed per trial and as medians: process start → the Bot API's
first call (getMe), → the first getUpdates, → the therapist's alert (the first update
handled), → the participant's safety message, → the first due prompt; whether the alert
came before every prompt; and the processor time Ember had used by the alert (steadier than
the elapsed time on a machine that other work keeps busy). The screener is read from its
start-up cache (``EMBER_CACHE_DIR`` or ``~/.cache/ember``) when it holds this version's; the
first run after a change to the screening files fills it.

    python bench/restart_alert.py          # 5 trials on SQLite
    python bench/restart_alert.py -n 10
    python bench/restart_alert.py --compiled

``--compiled`` byte-compiles Ember's packages first, as ``pip install`` leaves an installed
Ember: a checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (as on this repository's machine)
otherwise compiles every module of Ember's again at each start. The summary says which it
measured (remove the packages' ``__pycache__`` directories to measure the latter again).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import importlib.util
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import freeze_setup  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.domain.people import Person, PersonStatus, Role  # noqa: E402
from bot.services import planning, sessions  # noqa: E402
from bot.simulator import FakeTelegram  # noqa: E402
from prompts.catalogue import default_catalogue  # noqa: E402
from storage.crypto import Cipher, generate_key  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.uow import Storage  # noqa: E402

THERAPIST, WRITER, FIRST_OTHER, OTHERS = 7001, 8001, 120_000, 29
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
ORDINARY = "Note {n}: tidied the kitchen and read a chapter of my book."
PROMPT = "How are you this evening? (restart check-in)"
PROTOCOL = f"""
id: restart
name: One evening prompt
version: 1
response_window: 2h
reminders: 0
steps:
  - id: evening
    anchor: dosing
    after: 30m
    kind: text
    text: {{en: "{PROMPT}"}}
"""


async def clinic(db_url: str, key: str) -> None:
    """The therapist and thirty participants, each with a prompt due ten minutes ago."""
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    storage = Storage(session_factory(engine), Cipher([key.encode()]))
    now = SystemClock().now()
    version = default_catalogue().text("consent.version")
    async with storage.uow() as uow:
        therapist = await uow.people.add(
            Person(
                id=0,
                role=Role.THERAPIST,
                code="T-01",
                display_name="Dr. Bench",
                telegram_user_id=THERAPIST,
                chat_id=THERAPIST,
                timezone="Europe/Berlin",
                status=PersonStatus.ACTIVE,
                created_at=now,
                enrolled_at=now,
            )
        )
        await planning.load_protocol(uow, now=now, source=PROTOCOL, source_name="bench")
        for n, chat in enumerate([WRITER] + [FIRST_OTHER + i for i in range(OTHERS)]):
            person = await uow.people.add(
                Person(
                    id=0,
                    role=Role.PARTICIPANT,
                    code=f"P-{n + 100:04d}",
                    telegram_user_id=chat,
                    chat_id=chat,
                    timezone="Europe/Berlin",
                    status=PersonStatus.ACTIVE,
                    therapist_id=therapist.id,
                    consent_version=version,
                    consented_at=now,
                    created_at=now,
                    enrolled_at=now,
                    protocol_id="restart",
                )
            )
            await sessions.add_session(
                uow,
                now=now,
                participant=person,
                kind="dosing",
                starts_at=now - timedelta(minutes=40),
            )
        await uow.commit()
    await engine.dispose()


async def trial(tmp: Path) -> dict[str, float]:
    db_url = f"sqlite+aiosqlite:///{tmp / 'ember.db'}"
    key = generate_key()
    await clinic(db_url, key)
    async with FakeTelegram(enforce_limits=True) as tg:
        for chat in [THERAPIST, WRITER] + [FIRST_OTHER + i for i in range(OTHERS)]:
            tg.user(chat)
        writer = tg.user(WRITER)
        for n in range(50):
            writer.send_text(ORDINARY.format(n=n))
        writer.send_text(CRISIS)
        freeze_setup()  # the fake Telegram here never pauses for what the set-up built
        env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
        env.update(
            PYTHONPATH=str(ROOT),
            EMBER_TELEGRAM_TOKEN=tg.token,
            EMBER_TELEGRAM_API_URL=f"{tg.url}/bot",
            EMBER_DATABASE_URL=db_url,
            EMBER_ENCRYPTION_KEY=key,
        )
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=tmp,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            alert = await tg.user(THERAPIST).wait_for_message(
                lambda m: "CRISIS" in (m.text or ""), timeout=60
            )
            cpu = cpu_seconds(process.pid)
            safety = await writer.wait_for_message(
                lambda m: "emergency" in (m.text or ""), timeout=30
            )
            await tg.wait_until(
                lambda: sum(PROMPT in (m.text or "") for m in tg.sent) >= OTHERS + 1, timeout=60
            )
        finally:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        first_call = min(c.arrived_at for c in tg.calls if c.method.lower() == "getme")
        polled = min(c.arrived_at for c in tg.calls if c.method.lower() == "getupdates")
        prompts = [m.sent_at for m in tg.sent if PROMPT in (m.text or "")]
        return {
            "getMe": first_call - started,
            "getUpdates": polled - started,
            "alert": alert.sent_at - started,
            "safety": safety.sent_at - started,
            "prompt": min(prompts) - started,
            "cpu": cpu,
        }


def cpu_seconds(pid: int) -> float:
    """The processor time a process has used so far (Linux), or NaN where it is not known."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def byte_compiled() -> bool:
    """Whether every module of Ember's has its bytecode, as fresh as its source."""
    for package in ("bot", "handlers", "prompts", "storage"):
        for source in (ROOT / package).rglob("*.py"):
            if "migrations" in source.parts:  # not imported by `ember run`
                continue
            cached = Path(importlib.util.cache_from_source(str(source)))
            if not cached.exists() or cached.stat().st_mtime < source.stat().st_mtime:
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--trials", type=int, default=5)
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="byte-compile Ember's packages first, as pip install does",
    )
    args = parser.parse_args()
    if args.compiled:
        for package in ("bot", "handlers", "prompts", "storage"):
            compileall.compile_dir(ROOT / package, quiet=1)
    results = []
    for n in range(args.trials):
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(trial(Path(tmp)))
        results.append(result)
        first = "yes" if result["alert"] < result["prompt"] else "NO"
        print(
            f"  trial {n + 1}: getMe {result['getMe']:.2f} s, getUpdates "
            f"{result['getUpdates']:.2f} s, alert {result['alert']:.2f} s, "
            f"safety message {result['safety']:.2f} s, first due prompt "
            f"{result['prompt']:.2f} s; alert first: {first}; processor time by the "
            f"alert {result['cpu']:.2f} s",
            flush=True,
        )
    print()
    compiled = "byte-compiled" if byte_compiled() else "compiled at each start"
    print(
        f"`ember run` start → …, median of {len(results)} trials (50 ordinary messages + 1 "
        f"crisis waiting, {OTHERS + 1} prompts due, SQLite; Ember's modules {compiled}):"
    )
    for what in ("getMe", "getUpdates", "alert", "safety", "prompt"):
        print(
            f"  {what:>10}: {statistics.median(r[what] for r in results):.2f} s "
            f"(max {max(r[what] for r in results):.2f} s)"
        )
    print(
        f"  processor time `ember run` had used by the alert: "
        f"{statistics.median(r['cpu'] for r in results):.2f} s"
    )
    print(
        f"  alert before every due prompt in {sum(r['alert'] < r['prompt'] for r in results)}"
        f" of {len(results)} trials"
    )


if __name__ == "__main__":
    main()
