"""Fan-out benchmark: N participants with a prompt due at the same instant.

Runs the real Ember (python-telegram-bot Application, outbox dispatcher, scheduler) against
the test suite's fake Bot API server with Telegram's limits enforced (30 messages/s per
bot, 1/s per chat), and prints the delivery rate as a fraction of the 30/s limit, the 429s
received, duplicates and misses.

    python bench/fanout.py                 # 1,000 participants on SQLite
    python bench/fanout.py -n 300 --postgres postgresql+asyncpg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
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
from tests.support.population import populate  # noqa: E402

TELEGRAM_LIMIT = 30.0
PROMPT = "fan-out check-in"


async def run(n: int, db_url: str) -> dict[str, float]:
    key = generate_key()
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    storage = Storage(session_factory(engine), Cipher([key.encode()]))
    print(f"populating {n} participants…", flush=True)
    started = time.perf_counter()
    population = await populate(
        storage, participants=n, now=SystemClock().now(), due_in=timedelta(seconds=5)
    )
    await engine.dispose()
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    async with FakeTelegram(enforce_limits=True) as tg:
        for chat in population.participant_ids:
            tg.user(chat)
        settings = Settings(
            telegram_token=tg.token,  # type: ignore[arg-type]
            telegram_api_url=f"{tg.url}/bot",
            database_url=db_url,
            encryption_key=key,  # type: ignore[arg-type]
        )
        async with ember_app(settings, tick_seconds=0.5):
            last_report = 0.0
            deadline = time.monotonic() + 5 + n / 20 + 60
            while time.monotonic() < deadline:
                delivered = len({m.chat_id for m in tg.sent if PROMPT in (m.text or "")})
                if delivered >= n:
                    break
                if time.monotonic() - last_report > 5:
                    print(f"  {delivered}/{n} delivered", flush=True)
                    last_report = time.monotonic()
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)  # let any duplicate show itself
        prompts = [m for m in tg.sent if PROMPT in (m.text or "")]
        per_chat = Counter(m.chat_id for m in prompts)
        times = sorted(m.sent_at for m in prompts)
        span = times[-1] - times[0] if len(times) > 1 else float("nan")
        rate = (len(times) - 1) / span if len(times) > 1 and span > 0 else float("nan")
        return {
            "participants": n,
            "delivered": len(per_chat),
            "messages": len(prompts),
            "duplicates": sum(c - 1 for c in per_chat.values()),
            "misses": n - len(per_chat),
            "seconds": span,
            "rate": rate,
            "limit_fraction": rate / TELEGRAM_LIMIT,
            "429s": tg.rate_limited_429s,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--participants", type=int, default=1000)
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL at URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite+aiosqlite:///{tmp}/fanout.db"
        r = asyncio.run(run(args.participants, url))
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print()
    print(f"fan-out of {r['participants']:.0f} prompts on {backend}")
    print(f"  delivered      {r['delivered']:.0f}/{r['participants']:.0f} participants")
    print(
        f"  rate           {r['rate']:.2f} messages/s over {r['seconds']:.1f} s "
        f"= {r['limit_fraction']:.1%} of Telegram's 30/s limit"
    )
    print(f"  429s received  {r['429s']:.0f}")
    print(f"  duplicates     {r['duplicates']:.0f}")
    print(f"  misses         {r['misses']:.0f}")
    ok = (
        r["limit_fraction"] >= 0.95 and r["429s"] == 0 and r["duplicates"] == 0 and r["misses"] == 0
    )
    print(f"  target (>=95% of limit, 0 429s, 0 duplicates, 0 misses): {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
