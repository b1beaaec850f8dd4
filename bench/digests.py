"""Daily digests with charts for a whole clinic, on SQLite: how long, how many statements
per therapist, the longest write transaction, and how long a writer arriving meanwhile
(as a crisis reply would) waits for SQLite's one write lock.

    python bench/digests.py                          # 200 therapists x 5 participants
    python bench/digests.py --therapists 50 -n 10    # a smaller clinic, more each
    python bench/digests.py --thread                 # charts drawn in a thread instead

Each participant has two journal entries, two mood answers and two PHQ-9 results, so every
digest carries scores against baseline and a chart. While the digests are built, a writer
commits a small transaction every 50 ms and records how long each took. Charts are drawn
in a child process as the bot draws them, or with ``--thread`` in a thread of this process,
to compare. Not run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import Watch, database  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.domain import PersonStatus, Role  # noqa: E402
from bot.domain.people import Person  # noqa: E402
from bot.domain.records import ScheduledPrompt  # noqa: E402
from bot.domain.schedule import PromptStatus  # noqa: E402
from bot.services.api import Services  # noqa: E402
from bot.services.context import ServiceContext  # noqa: E402
from bot.services.drawing import ChartDrawer  # noqa: E402
from prompts.catalogue import default_catalogue  # noqa: E402
from storage.crypto import Cipher, generate_key  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.uow import Storage  # noqa: E402

START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


async def clinic(storage: Storage, therapists: int, each: int) -> None:
    now = START
    async with storage.uow() as uow:
        for t in range(therapists):
            staff = await uow.people.add(Person(
                id=0, role=Role.THERAPIST, code=f"T-{t:04d}", telegram_user_id=10_000 + t,
                chat_id=10_000 + t, timezone="Europe/Berlin", status=PersonStatus.ACTIVE,
                created_at=now, digest_at="07:00"))
            for n in range(each):
                pid = 100_000 + t * each + n
                person = await uow.people.add(Person(
                    id=0, role=Role.PARTICIPANT, code=f"P-{pid}", telegram_user_id=pid,
                    chat_id=pid, timezone="Europe/Berlin", status=PersonStatus.ACTIVE,
                    therapist_id=staff.id, consent_version="1", consented_at=now,
                    created_at=now))
                for m, (kind, text) in enumerate((("text", "A quiet day by the river."),
                                                  ("scale", "4"), ("scale", "7"),
                                                  ("text", "Slept well for once."))):
                    await uow.journal.add_message(
                        participant_id=person.id, prompt_id=None, telegram_message_id=None,
                        update_id=None, kind=kind, text=text, media_ref=None, screened=True,
                        now=now - timedelta(hours=8 - 2 * m))
                for m, total in enumerate((17, 9)):
                    at = now - (timedelta(days=9) if m == 0 else timedelta(hours=3))
                    await uow.schedules.add_prompt(ScheduledPrompt(
                        id=0, participant_id=person.id, key=f"q:{m}", kind="questionnaire",
                        due_at=at, expires_at=at + timedelta(days=1), created_at=at,
                        status=PromptStatus.ANSWERED, sent_at=at, answered_at=at,
                        state=json.dumps({"instrument": "phq9", "answers": {}, "score": {
                            "total": total, "percentage": None, "band": "b"}})))
        await uow.commit()


async def writer(storage: Storage, waits: list[float], stop: asyncio.Event) -> None:
    """A small write every 50 ms, as replies and alerts make while digests are built."""
    n = 0
    while not stop.is_set():
        started = time.perf_counter()
        async with storage.uow() as uow:
            await uow.clinic.set_setting(f"bench:{n % 10}", str(n), START)
            await uow.commit()
        waits.append(time.perf_counter() - started)
        n += 1
        await asyncio.sleep(0.05)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapists", type=int, default=200)
    parser.add_argument("-n", type=int, default=5, help="participants per therapist")
    parser.add_argument("--thread", action="store_true", help="draw charts in a thread")
    args = parser.parse_args()
    async with database(None) as url:
        engine = create_engine(url)
        storage = Storage(session_factory(engine), Cipher([generate_key().encode()]))
        started = time.perf_counter()
        await clinic(storage, args.therapists, args.n)
        print(f"clinic of {args.therapists} therapists x {args.n} participants built in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        clock = FakeClock(START + timedelta(hours=2, minutes=30))  # 08:30 in Berlin
        drawer = ChartDrawer(processes=not args.thread)
        services = Services(ServiceContext(
            storage=storage, clock=clock, catalogue=default_catalogue(), drawer=drawer))
        # the writer has its own engine (as another instance would), so the watch sees the
        # digests' statements and transactions only
        other = create_engine(url)
        elsewhere = Storage(session_factory(other), Cipher([generate_key().encode()]))
        watch, stop = Watch(storage), asyncio.Event()
        waits: list[float] = []
        task = asyncio.create_task(writer(elsewhere, waits, stop))
        started = time.perf_counter()
        with watch.on():
            sent = await services.digests.send_due()
        seconds = time.perf_counter() - started
        stop.set()
        await task
        drawer.close()
        await engine.dispose()
        await other.dispose()
    assert sent == args.therapists, (sent, args.therapists)
    where = "a thread" if args.thread else "a child process"
    print(f"digests with charts drawn in {where}: {sent} in {seconds:.1f} s "
          f"({seconds / sent * 1000:.0f} ms per therapist)")
    print(f"statements per therapist: {watch.statements / sent:.1f}")
    print(f"longest write transaction: {max(watch.writes) * 1000:.0f} ms")
    print(f"a writer meanwhile ({len(waits)} commits): median "
          f"{statistics.median(waits) * 1000:.0f} ms, longest {max(waits) * 1000:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
