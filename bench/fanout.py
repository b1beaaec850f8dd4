"""Fan-out benchmark: N participants with a prompt due at the same instant, sent by one or
several Ember instances sharing one database.

Each instance is a real `ember run --webhook` process (python-telegram-bot Application,
outbox dispatcher, scheduler) on one SQLite file or PostgreSQL database, against the test
suite's fake Bot API server with Telegram's limits enforced (30 messages/s per bot, 1/s per
chat). Two limiters: the lenient one (token buckets, the model aiolimiter and PTB use) and a
strict one (never more than 30 in ANY one-second window, nor two messages to a chat within
a second). While the prompts go out, participants send crisis messages; the time from each
reaching Ember to the therapist's alert reaching Telegram is the risk lane's latency.

    python bench/fanout.py                                  # 1,000 prompts, 1 instance, SQLite
    python bench/fanout.py -n 300 --instances 3 --postgres postgresql+asyncpg://postgres@127.0.0.1/test
    python bench/fanout.py --limiter strict                 # only the strict limiter
    python bench/fanout.py --redis redis://127.0.0.1:6379/0 # the send budget in Redis

Prints, per limiter: prompts/s and all messages/s (prompts, alerts and safety messages share
one budget) as a fraction of Telegram's 30/s, 429s, duplicates, misses, and the alert latency
(p50/p99/max). Target: all messages >= 95 % of 30/s, 0 x 429, 0 duplicates, 0 misses;
alerts p99 < 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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

TELEGRAM_LIMIT = 30.0
PROMPT = "fan-out check-in"
CRISIS = "I've decided. I'm going to end my life tonight, I have the pills ready."
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def start_instances(
    count: int, tg: FakeTelegram, db_url: str, key: str, log_dir: Path, redis: str | None
) -> list[asyncio.subprocess.Process]:
    processes = []
    for i in range(count):
        port = free_port()
        env = {
            **os.environ,
            "EMBER_TELEGRAM_TOKEN": tg.token,
            "EMBER_TELEGRAM_API_URL": f"{tg.url}/bot",
            "EMBER_DATABASE_URL": db_url,
            "EMBER_ENCRYPTION_KEY": key,
            "EMBER_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "EMBER_WEBHOOK_SECRET": SECRET,
            "EMBER_LISTEN": f"127.0.0.1:{port}",
            "EMBER_REDIS_URL": redis or "",
        }
        log = (log_dir / f"instance-{i}.log").open("wb")
        processes.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                "--webhook",
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        )
    return processes


async def stop_instances(processes: list[asyncio.subprocess.Process]) -> None:
    for p in processes:
        if p.returncode is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            await asyncio.wait_for(p.wait(), 15)
        except TimeoutError:
            p.kill()
            await p.wait()


async def run(
    n: int, db_url: str, instances: int, strict: bool, log_dir: Path, redis: str | None
) -> dict[str, Any]:
    key = generate_key()
    if redis:
        await fresh_redis(redis)
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    storage = Storage(session_factory(engine), Cipher([key.encode()]))
    print(f"  populating {n} participants…", flush=True)
    population = await populate(
        storage, participants=n, now=SystemClock().now(), due_in=timedelta(hours=1)
    )
    async with FakeTelegram(enforce_limits=True, strict_limits=strict) as tg:
        for chat in population.participant_ids:
            tg.user(chat)
        therapist = tg.user(population.therapist_chat)
        processes = await start_instances(instances, tg, db_url, key, log_dir, redis)
        try:
            print(f"  starting {instances} instance(s)…", flush=True)
            try:
                await tg.wait_until(
                    lambda: (
                        sum(1 for c in tg.calls if c.method.lower() == "setwebhook") >= instances
                    ),
                    timeout=120,
                )
            except TimeoutError:
                for log in sorted(log_dir.glob("instance-*.log")):
                    print(f"  {log.name}:\n" + log.read_text(errors="replace")[-3000:])
                raise SystemExit("instances did not start") from None
            await asyncio.sleep(3.0)  # the last one's scheduler and dispatcher are running
            freeze_setup()  # the fake Telegram here never pauses for what the set-up built
            async with engine.begin() as conn:
                await conn.execute(
                    update(ScheduledPrompt).values(due_at=datetime.now(UTC) + timedelta(seconds=1))
                )
            latencies: list[float] = []
            senders = iter(population.participant_ids[::-1])
            last_report = last_crisis = time.monotonic()
            deadline = time.monotonic() + 30 + n / 15
            while time.monotonic() < deadline:
                delivered = len({m.chat_id for m in tg.sent if PROMPT in (m.text or "")})
                if delivered >= n:
                    break
                now = time.monotonic()
                if delivered > n // 10 and now - last_crisis > 1.5:  # the therapist: 1 msg/s
                    last_crisis = now
                    asyncio.get_running_loop().create_task(
                        measure_alert(tg, therapist.id, next(senders), latencies)
                    )
                if now - last_report > 5:
                    print(f"    {delivered}/{n} delivered", flush=True)
                    last_report = now
                await asyncio.sleep(0.05)
            await asyncio.sleep(2.0)  # let any duplicate or late alert show itself
        finally:
            await stop_instances(processes)
            await engine.dispose()
            for log in sorted(log_dir.glob("instance-*.log")):
                for line in log.read_text(errors="replace").splitlines():
                    if "dispatcher: " in line:
                        print(f"    {log.stem}: {line.split('dispatcher: ', 1)[1]}")
        prompts = [m for m in tg.sent if PROMPT in (m.text or "")]
        per_chat = Counter(m.chat_id for m in prompts)
        times = sorted(m.sent_at for m in prompts)
        span = times[-1] - times[0] if len(times) > 1 else float("nan")
        rate = (len(times) - 1) / span if len(times) > 1 and span > 0 else float("nan")
        # every message Ember sent while the prompts went out (alerts and safety messages
        # share the one budget): how much of Telegram's 30/s the deployment used
        during = [m for m in tg.sent if times and times[0] <= m.sent_at <= times[-1]]
        budget = (len(during) - 1) / span if len(during) > 1 and span > 0 else float("nan")
        window = max_in_any_second([m.sent_at for m in tg.sent])
        refused = [c for c in tg.calls if c.status == 429]
        by_chat: dict[int, list[float]] = {}
        for c in tg.calls:
            if c.status == 200 and str(c.method).lower().startswith("send"):
                by_chat.setdefault(int(c.params.get("chat_id", 0)), []).append(c.arrived_at)
        per_chat_429 = sum(
            1
            for c in refused
            if any(
                0 <= c.arrived_at - t < 1.0
                for t in by_chat.get(int(c.params.get("chat_id", 0)), [])
            )
        )
        return {
            "participants": n,
            "delivered": len(per_chat),
            "duplicates": sum(c - 1 for c in per_chat.values()),
            "misses": n - len(per_chat),
            "seconds": span,
            "rate": rate,
            "limit_fraction": rate / TELEGRAM_LIMIT,
            "budget_rate": budget,
            "budget_fraction": budget / TELEGRAM_LIMIT,
            "429s": tg.rate_limited_429s,
            "max_in_any_second": window,
            "429s_per_chat": per_chat_429,
            "alerts_ms": [v * 1000 for v in latencies],
        }


async def measure_alert(
    tg: FakeTelegram, therapist: int, participant: int, latencies: list[float]
) -> None:
    already = len(tg.user(therapist).messages)
    update = tg.user(participant).send_text(CRISIS)
    try:
        await tg.wait_until(lambda: len(tg.user(therapist).messages) > already, timeout=15)
    except TimeoutError:
        latencies.append(float("inf"))
        return
    fetched = tg.update_fetched_at(update["update_id"])
    alert = tg.user(therapist).messages[already]
    if fetched is not None:
        latencies.append(alert.sent_at - fetched)


def max_in_any_second(times: list[float]) -> int:
    ordered = sorted(times)
    best = j = 0
    for i, t in enumerate(ordered):
        while ordered[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


def report(r: dict[str, Any], label: str) -> bool:
    print(f"\n  {label}")
    print(f"    delivered        {r['delivered']}/{r['participants']} participants")
    print(
        f"    rate             {r['rate']:.2f} messages/s over {r['seconds']:.1f} s "
        f"= {r['limit_fraction']:.1%} of Telegram's 30/s"
    )
    print(
        f"    all messages     {r['budget_rate']:.2f} messages/s while the prompts went out "
        f"= {r['budget_fraction']:.1%} of 30/s (prompts, alerts and safety messages)"
    )
    print(f"    most in any 1 s  {r['max_in_any_second']} (all messages, limit 30)")
    print(
        f"    429s received    {r['429s']} ({r['429s_per_chat']} for a chat sent to less than"
        " a second before)"
    )
    print(f"    duplicates       {r['duplicates']}")
    print(f"    misses           {r['misses']}")
    ms = r["alerts_ms"]
    if ms:
        print(
            f"    crisis alerts    {len(ms)} during the fan-out: p50 {percentile(ms, 50):.0f} ms"
            f"  p99 {percentile(ms, 99):.0f} ms  max {max(ms):.0f} ms"
            f"  mean {statistics.fmean(ms):.0f} ms"
        )
    ok = (
        r["budget_fraction"] >= 0.95
        and r["429s"] == 0
        and r["duplicates"] == 0
        and r["misses"] == 0
        and (not ms or percentile(ms, 99) < 250)
    )
    print(
        "    target (all messages >= 95% of 30/s, 0 x 429, 0 duplicates, 0 misses, alerts p99"
        " < 250 ms): " + ("PASS" if ok else "FAIL")
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--participants", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=1, help="Ember processes (default 1)")
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL at URL")
    parser.add_argument("--redis", metavar="URL", help="the send budget in Redis at URL")
    parser.add_argument(
        "--limiter",
        choices=["strict", "lenient", "both"],
        default="both",
        help="the fake server's flood control (default: both, one run each)",
    )
    args = parser.parse_args()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    backend += ", send budget in Redis" if args.redis else ", send budget in the database"
    limiters = ["lenient", "strict"] if args.limiter == "both" else [args.limiter]
    print(
        f"fan-out of {args.participants} prompts, {args.instances} instance(s) on {backend}",
        flush=True,
    )
    results = []
    for limiter in limiters:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.postgres or f"sqlite+aiosqlite:///{tmp}/fanout.db"
            if args.postgres:
                url = asyncio.run(fresh_postgres(args.postgres, "ember_bench_fanout"))
            print(f"\n{limiter} limiter:", flush=True)
            try:
                r = asyncio.run(
                    run(
                        args.participants,
                        url,
                        args.instances,
                        limiter == "strict",
                        Path(tmp),
                        args.redis,
                    )
                )
            finally:
                if args.postgres:
                    asyncio.run(drop_postgres(url))
            results.append(report(r, f"{limiter} limiter"))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
