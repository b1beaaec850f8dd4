"""How long walking the whole default protocol takes in `ember demo`.

    python bench/demo_walk.py              # 31 days, "Tomorrow" pressed once a day
    python bench/demo_walk.py --days 8

Starts the demo as `ember demo` does (the simulator, Ember, the enrolled clinic), then
presses "Tomorrow" through the page's API until the clock has moved ``--days`` days,
pressing again whenever a walk paused; nobody answers anything, so every prompt is
reminded and missed, as the schedule says. Prints the real time taken, the walks and
what each pane received.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.demo import running_demo


async def main(days: int) -> None:
    started = time.perf_counter()
    async with running_demo() as demo:
        up = time.perf_counter() - started
        clock = demo.world.clock
        end = clock.now() + timedelta(days=days)
        walks = 0
        walking = time.perf_counter()
        async with httpx.AsyncClient(base_url=demo.url, timeout=120) as client:
            while clock.now() < end:
                await client.post("/api/time", json={"to": "tomorrow"})
                walks += 1
            walked = time.perf_counter() - walking
            state = (await client.get("/api/state")).json()
    print(f"demo up in {up:.1f} s; {days} days walked in {walked:.1f} s ({walks} presses)")
    for pane in state["panes"]:
        texts = [m["text"] for m in pane["messages"] if m["from_bot"]]
        reminders = sum("reminder" in t for t in texts)
        digests = sum(t.startswith("Digest for") for t in texts)
        print(
            f"  {pane['key']:<12} {len(texts):>3} messages from the bot"
            f" ({reminders} reminders, {digests} digests)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=31)
    asyncio.run(main(parser.parse_args().days))
