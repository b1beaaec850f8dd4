"""Alert latency during a fan-out: from a participant's crisis message reaching Telegram to
the therapist's alert leaving Telegram, through the real Ember and the fake Bot API server
with its strict limiter (never more than 30 messages in any second, nor two to a chat
within a second), while 1,000 prompts go out at Telegram's full speed.

    python bench/alert_latency.py                  # 1,000 prompts, SQLite
    python bench/alert_latency.py --postgres postgresql+asyncpg://postgres@127.0.0.1/test
    python bench/alert_latency.py --idle -t 60     # no fan-out: the path alone
    python bench/alert_latency.py --redis redis://127.0.0.1:6379/0   # the budget in Redis

Crisis messages come from different participants every ``--every`` seconds, their
therapists in turn (each therapist's chat still takes one message a second). Prints
p50/p95/p99/max beside the target: p99 < 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from bench.harness import freeze_setup  # noqa: E402
from bench.scratch_db import drop_postgres, fresh_postgres, fresh_redis  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.simulator import FakeTelegram  # noqa: E402
from storage.crypto import Cipher, generate_key  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import ScheduledPrompt  # noqa: E402
from storage.uow import Storage  # noqa: E402
from tests.support.population import populate  # noqa: E402

TARGET_P99_MS = 250.0
PROMPT = "fan-out check-in"
MESSAGES = [
    "I've decided. I'm going to end my life tonight, I have the pills ready.",
    "I can't do this anymore, I'm going to kill myself this weekend.",
    "This is goodbye. I wrote the letters and I'm going to jump tonight.",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def run(
    db_url: str,
    *,
    prompts: int,
    trials: int,
    every: float,
    therapists: int,
    idle: bool,
    redis: str | None = None,
) -> tuple[list[float], dict[str, float]]:
    key = generate_key()
    if redis:
        await fresh_redis(redis)
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    storage = Storage(session_factory(engine), Cipher([key.encode()]))
    population = await populate(
        storage,
        participants=max(prompts, trials),
        now=SystemClock().now(),
        due_in=timedelta(hours=1),
        therapists=therapists,
    )
    latencies: list[float] = []
    facts: dict[str, float] = {}
    async with FakeTelegram(enforce_limits=True, strict_limits=True) as tg:
        for participant in population.participant_ids:
            tg.user(participant)
        for therapist in set(population.therapist_of.values()):
            tg.user(therapist)
        ember = await start_ember(tg, db_url, key, redis)
        try:
            await tg.wait_until(
                lambda: any(c.method.lower() == "getupdates" for c in tg.calls),
                timeout=120,
                message="Ember did not start",
            )
            await asyncio.sleep(3.0)  # its scheduler and dispatcher are running
            freeze_setup()  # the fake Telegram here never pauses for what the set-up built
            if not idle:
                async with engine.begin() as conn:  # every prompt falls due in a second
                    await conn.execute(
                        update(ScheduledPrompt).values(
                            due_at=datetime.now(UTC) + timedelta(seconds=1)
                        )
                    )
                await tg.wait_until(
                    lambda: any(PROMPT in (m.text or "") for m in tg.sent), timeout=30
                )
            senders = iter(population.participant_ids[::-1])
            pending: list[asyncio.Task[None]] = []
            started = time.monotonic()
            for n in range(trials):
                if not idle and prompts_delivered(tg) >= prompts:
                    break
                participant = next(senders)
                therapist = population.therapist_of[participant]
                pending.append(
                    asyncio.create_task(
                        measure(tg, participant, therapist, MESSAGES[n % len(MESSAGES)], latencies)
                    )
                )
                await asyncio.sleep(max(0.0, started + (n + 1) * every - time.monotonic()))
            await asyncio.gather(*pending)
            if not idle:
                await tg.wait_until(lambda: prompts_delivered(tg) >= prompts, timeout=120)
                times = sorted(m.sent_at for m in tg.sent if PROMPT in (m.text or ""))
                facts["fanout_seconds"] = times[-1] - times[0]
            facts["429s"] = tg.rate_limited_429s
            facts["max_in_any_second"] = max_in_any_second([m.sent_at for m in tg.sent])
        finally:
            ember.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(ember.wait(), 15)
            except TimeoutError:
                ember.kill()
                await ember.wait()
    await engine.dispose()
    return latencies, facts


async def start_ember(
    tg: FakeTelegram, db_url: str, key: str, redis: str | None = None
) -> asyncio.subprocess.Process:
    """``ember run`` in a process of its own, as in a clinic (polling the fake server)."""
    env = {
        **os.environ,
        "EMBER_TELEGRAM_TOKEN": tg.token,
        "EMBER_TELEGRAM_API_URL": f"{tg.url}/bot",
        "EMBER_DATABASE_URL": db_url,
        "EMBER_ENCRYPTION_KEY": key,
        "EMBER_REDIS_URL": redis or "",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def prompts_delivered(tg: FakeTelegram) -> int:
    return sum(1 for m in tg.sent if PROMPT in (m.text or ""))


async def measure(
    tg: FakeTelegram, participant: int, therapist: int, text: str, latencies: list[float]
) -> None:
    already = len(tg.user(therapist).messages)
    update = tg.user(participant).send_text(text)
    created = tg.update_created_at(update["update_id"])
    try:
        await tg.wait_until(lambda: len(tg.user(therapist).messages) > already, timeout=15)
    except TimeoutError:
        latencies.append(float("inf"))
        return
    alert = tg.user(therapist).messages[already]
    assert created is not None and "CRISIS" in (alert.text or "")
    latencies.append(alert.sent_at - created)


def max_in_any_second(times: list[float]) -> int:
    ordered = sorted(times)
    best = j = 0
    for i, t in enumerate(ordered):
        while ordered[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--prompts", type=int, default=1000, help="fan-out size")
    parser.add_argument("-t", "--trials", type=int, default=200, help="crisis messages at most")
    parser.add_argument("--every", type=float, default=0.4, help="seconds between crises")
    parser.add_argument("--therapists", type=int, default=4)
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL at URL")
    parser.add_argument("--idle", action="store_true", help="no fan-out meanwhile")
    parser.add_argument("--redis", metavar="URL", help="the send budget in Redis at URL")
    args = parser.parse_args()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    backend += ", send budget in Redis" if args.redis else ", send budget in the database"
    during = "idle" if args.idle else f"during a fan-out of {args.prompts} prompts"
    print(f"crisis message → therapist alert, {during}, on {backend}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/latency.db"
        if args.postgres:
            url = asyncio.run(fresh_postgres(args.postgres, "ember_bench_alerts"))
        try:
            latencies, facts = asyncio.run(
                run(
                    url,
                    prompts=args.prompts,
                    trials=args.trials,
                    every=args.every,
                    therapists=args.therapists,
                    idle=args.idle,
                    redis=args.redis,
                )
            )
        finally:
            if args.postgres:
                asyncio.run(drop_postgres(url))
    ms = [v * 1000 for v in latencies]
    print(f"\n  {len(ms)} crisis alerts ({time.perf_counter() - started:.0f} s in all)")
    if "fanout_seconds" in facts:
        rate = args.prompts / facts["fanout_seconds"]
        print(
            f"  fan-out          {args.prompts} prompts in {facts['fanout_seconds']:.1f} s "
            f"({rate:.1f}/s)"
        )
    print(
        f"  429s received    {facts['429s']:.0f}; most in any 1 s "
        f"{facts['max_in_any_second']:.0f} (limit 30)"
    )
    p99 = percentile(ms, 99)
    print(
        f"  p50 {percentile(ms, 50):.0f} ms   p95 {percentile(ms, 95):.0f} ms   "
        f"p99 {p99:.0f} ms (target < {TARGET_P99_MS:.0f} ms)   max {max(ms):.0f} ms   "
        f"mean {statistics.fmean(ms):.0f} ms"
    )
    ok = p99 < TARGET_P99_MS
    print(f"  target p99 < {TARGET_P99_MS:.0f} ms: {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
