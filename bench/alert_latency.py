"""Alert latency: from a participant's crisis message reaching Telegram to the therapist's
alert leaving Telegram, through the real Ember and the fake Bot API server (limits on).

    python bench/alert_latency.py            # 120 trials
    python bench/alert_latency.py -n 300

Each trial is a different participant; therapists' chats rotate so Telegram's limit of one
message per second per chat is respected, as it would be in a clinic. Target: p99 < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import ember_app  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from storage.crypto import Cipher, generate_key  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.uow import Storage  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402
from tests.support.population import populate_caseloads  # noqa: E402

MESSAGES = [
    "I've decided. I'm going to end my life tonight, I have the pills ready.",
    "I can't do this anymore, I'm going to kill myself this weekend.",
    "This is goodbye. I wrote the letters and I'm going to jump tonight.",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def run(trials: int, db_url: str) -> list[float]:
    key = generate_key()
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    storage = Storage(session_factory(engine), Cipher([key.encode()]))
    therapists = 12
    pairs = await populate_caseloads(storage, therapists=therapists, participants=trials,
                                     now=SystemClock().now())
    await engine.dispose()
    latencies: list[float] = []
    async with FakeTelegram(enforce_limits=True) as tg:
        for participant, therapist in pairs.items():
            tg.user(participant)
            tg.user(therapist)
        settings = Settings(
            telegram_token=tg.token,  # type: ignore[arg-type]
            telegram_api_url=f"{tg.url}/bot",
            database_url=db_url,
            encryption_key=key,  # type: ignore[arg-type]
        )
        async with ember_app(settings):
            for n, (participant, therapist) in enumerate(pairs.items()):
                already = len(tg.user(therapist).messages)
                update = tg.user(participant).send_text(MESSAGES[n % len(MESSAGES)])
                created = tg.update_created_at(update["update_id"])
                await tg.wait_until(lambda t=therapist, a=already: len(tg.user(t).messages) > a,
                                    timeout=10)
                alert = tg.user(therapist).messages[already]
                assert created is not None and "CRISIS" in (alert.text or "")
                latencies.append(alert.sent_at - created)
                if (n + 1) % 25 == 0:
                    print(f"  {n + 1}/{trials} trials", flush=True)
                # the next trial's therapist last heard from us `therapists` trials ago
                await asyncio.sleep(1.1 / therapists)
            print(f"  429s received: {tg.rate_limited_429s}")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--trials", type=int, default=120)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        latencies = asyncio.run(run(args.trials, f"sqlite+aiosqlite:///{tmp}/latency.db"))
    ms = [v * 1000 for v in latencies]
    print()
    print(f"crisis message → therapist alert, {len(ms)} trials on SQLite "
          f"({time.perf_counter() - started:.0f} s)")
    print(f"  p50 {percentile(ms, 50):.0f} ms   p95 {percentile(ms, 95):.0f} ms   "
          f"p99 {percentile(ms, 99):.0f} ms   max {max(ms):.0f} ms   "
          f"mean {statistics.fmean(ms):.0f} ms")
    p99 = percentile(ms, 99)
    print(f"  target p99 < 1000 ms: {'PASS' if p99 < 1000 else 'FAIL'}")


if __name__ == "__main__":
    main()
