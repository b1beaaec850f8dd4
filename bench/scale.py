"""Scale: 10,000 participants x 10 steps (100,000 scheduled prompts) on one database.

    python bench/scale.py                                    # SQLite file in a temporary folder
    python bench/scale.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python bench/scale.py -n 2000 --therapists 40            # a smaller clinic

Builds the clinic through Ember's own storage, then measures:

* one prompt tick (due prompts, reminders, expiry) and one outbox claim (the dispatcher's
  tick), with 1,000 and with 100,000 prompts scheduled, each idle and with 100 due (two
  batches, and on SQLite the pause between them), and the longest write transaction of
  those ticks: the cost must grow with what is due, not with what is scheduled;
* building the daily digests of all therapists (200 by default), with a journal message
  from every participant: seconds, statements per therapist, longest write transaction;
* the running bot (a real `ember run` process, polling the test suite's fake Bot API):
  its resident memory (RSS) once started and after the reload below;
* `ember protocol load` of a new version of the protocol all of them follow, as a
  coordinator runs it next to the running bot: seconds, and meanwhile crisis messages
  from participants, each of which must reach its therapist as an alert within 1 s.

For PostgreSQL a fresh database is created on the given server and dropped afterwards.
Not run by the tests (it takes minutes); the figures go in the README's benchmark table.
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
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.harness import freeze_setup  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.domain import Role  # noqa: E402
from bot.services.api import Services  # noqa: E402
from bot.services.context import ServiceContext  # noqa: E402
from bot.simulator import FakeTelegram  # noqa: E402
from prompts.catalogue import default_catalogue  # noqa: E402
from storage.crypto import Cipher, generate_key  # noqa: E402
from storage.db import READ_ONLY, create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.uow import Storage  # noqa: E402
from tests.support.population import (  # noqa: E402
    THERAPIST_CHAT,
    populate_on_protocol,
    steps_protocol,
)

STEPS = 10
DUE = 100  # prompts made due for the "with due prompts" ticks
CRISES = [
    "I've decided. I'm going to end my life tonight, I have the pills ready.",
    "I can't do this anymore, I'm going to kill myself this weekend.",
    "This is goodbye. I wrote the letters and I'm going to jump tonight.",
]


class Watch:
    """Statements run on an engine, and how long each writing transaction lasted."""

    def __init__(self, storage: Storage) -> None:
        self.engine = storage.sessions.kw["bind"].sync_engine
        self.statements = 0
        self.writes: list[float] = []
        self._began: dict[int, float] = {}

    def _statement(self, _conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if sql.lstrip()[:6].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            self.statements += 1

    def _begin(self, conn: Any) -> None:
        if not conn.get_execution_options().get(READ_ONLY):
            self._began[id(conn)] = time.perf_counter()

    def _end(self, conn: Any) -> None:
        began = self._began.pop(id(conn), None)
        if began is not None:
            self.writes.append(time.perf_counter() - began)

    @contextmanager
    def on(self) -> Iterator[Watch]:
        hooks = [
            ("before_cursor_execute", self._statement),
            ("begin", self._begin),
            ("commit", self._end),
            ("rollback", self._end),
        ]
        for name, fn in hooks:
            event.listen(self.engine, name, fn)
        try:
            yield self
        finally:
            for name, fn in hooks:
                event.remove(self.engine, name, fn)


@asynccontextmanager
async def database(postgres: str | None) -> AsyncIterator[str]:
    """A fresh, migrated database: a SQLite file, or a new PostgreSQL database."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/scale.db"
            await asyncio.to_thread(upgrade, url)
            yield url
        return
    import asyncpg

    server = make_url(postgres)
    name = f"ember_scale_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(
            host=server.host,
            port=server.port or 5432,
            user=server.username,
            password=server.password,
            database=server.database,
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await admin(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def services_on(storage: Storage, clock: FakeClock) -> Services:
    return Services(ServiceContext(storage=storage, clock=clock, catalogue=default_catalogue()))


async def make_due(storage: Storage, now: datetime, n: int) -> None:
    """``n`` pending prompts become due at ``now`` (a day's worth of a small clinic)."""
    async with storage.uow() as uow:
        found = [p for p in await uow.schedules.due_prompts(now + timedelta(days=400), n)]
        await uow.schedules.save_prompts_if_unchanged(
            [
                (
                    p,
                    replace(
                        p, due_at=now - timedelta(minutes=1), expires_at=now + timedelta(hours=12)
                    ),
                )
                for p in found
            ]
        )
        await uow.commit()


async def tick_costs(storage: Storage, clock: FakeClock) -> dict[str, float]:
    """Milliseconds of one prompt tick and one outbox claim, idle and with ``DUE`` due."""
    services = services_on(storage, clock)
    costs: dict[str, float] = {}

    async def timed(label: str, make: Any, repeat: int = 5) -> None:
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            await make()
            runs.append(time.perf_counter() - started)
        costs[label] = statistics.median(runs) * 1000

    async def claim() -> None:
        async with storage.uow() as uow:  # claimed and let go: the rows stay due
            await uow.outbox.claim(worker="bench", now=clock.now(), limit=60)

    await timed("tick, idle", services.prompting.tick)
    await timed("claim, idle", claim)
    runs = []
    watch = Watch(storage)
    for _ in range(3):
        await make_due(storage, clock.now(), DUE)
        started = time.perf_counter()
        with watch.on():
            result = await services.prompting.tick()
        runs.append(time.perf_counter() - started)
        assert result.sent == DUE, result
    costs[f"tick, {DUE} due"] = statistics.median(runs) * 1000
    costs["longest write"] = max(watch.writes) * 1000  # of those ticks: the lock held
    await settle(storage, clock, keep=DUE)
    await timed(f"claim, {DUE} due", claim)
    await settle(storage, clock)
    return costs


async def settle(storage: Storage, clock: FakeClock, keep: int = 0) -> None:
    """What a dispatcher would do: queued messages are sent, all but the newest ``keep``."""
    async with storage.uow() as uow:
        claimed = []
        while batch := await uow.outbox.claim(worker="bench", now=clock.now(), limit=500):
            claimed += batch
        for message in sorted(claimed, key=lambda m: m.id)[: max(len(claimed) - keep, 0)]:
            await uow.outbox.mark_sent(message.id, now=clock.now(), telegram_message_id=1)
        await uow.outbox.release_claims("bench")
        await uow.commit()


async def populate(
    storage: Storage,
    participants: int,
    therapists: int,
    clock: FakeClock,
    first_id: int,
    protocol_id: str,
) -> list[int]:
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 10 or done == total:
            last[0] = time.perf_counter()
            print(f"    {done}/{total} participants", flush=True)

    ids = await populate_on_protocol(
        storage,
        participants=participants,
        therapists=therapists,
        source=steps_protocol(STEPS, protocol_id=protocol_id),
        now=clock.now(),
        dosing_at=clock.now() + timedelta(days=1),
        first_id=first_id,
        digest_at="00:00",
        progress=progress,
    )
    print(
        f"  populated {participants} x {STEPS} in {time.perf_counter() - started:.0f} s", flush=True
    )
    return ids


async def digests(storage: Storage, clock: FakeClock, therapists: int) -> dict[str, float]:
    """Every therapist's daily digest, with a journal message from every participant."""
    now = clock.now()
    async with storage.reader() as uow:
        participants = await uow.people.with_role(Role.PARTICIPANT)
    for start in range(0, len(participants), 1000):
        async with storage.uow() as uow:
            for n, participant in enumerate(participants[start : start + 1000], start):
                await uow.journal.add_message(  # no Telegram message id: none is replayed
                    participant_id=participant.id,
                    prompt_id=None,
                    telegram_message_id=None,
                    update_id=None,
                    kind="text",
                    text=f"A quiet day, walked by the river ({n}).",
                    media_ref=None,
                    screened=True,
                    now=now,
                )
            await uow.commit()
    clock.advance(timedelta(hours=1))  # their digest time (00:00) has come, today
    services = services_on(storage, clock)
    watch = Watch(storage)
    started = time.perf_counter()
    with watch.on():
        sent = await services.digests.send_due()
    seconds = time.perf_counter() - started
    assert sent == therapists, (sent, therapists)
    return {
        "seconds": seconds,
        "statements per therapist": watch.statements / therapists,
        "longest write ms": max(watch.writes) * 1000,
    }


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process, in MB (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def environment(url: str, key: str, tg: FakeTelegram | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env.update(PYTHONPATH=str(ROOT), EMBER_DATABASE_URL=url, EMBER_ENCRYPTION_KEY=key)
    if tg is not None:
        env.update(EMBER_TELEGRAM_TOKEN=tg.token, EMBER_TELEGRAM_API_URL=f"{tg.url}/bot")
    return env


async def reload_while_running(
    url: str, key: str, ids: list[int], therapists: int, tmp: Path
) -> dict[str, Any]:
    """Run the bot, reload the protocol with the command line, send crises meanwhile."""
    async with FakeTelegram(enforce_limits=True) as tg:
        for chat in [*ids, *(THERAPIST_CHAT + t for t in range(therapists))]:
            tg.user(chat)  # every participant and therapist has a chat with the bot
        freeze_setup()  # the fake Telegram here never pauses for what the set-up built
        log = (tmp / "bot.log").open("wb")
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=ROOT,
            env=environment(url, key, tg),
            stdout=log,
            stderr=log,
        )
        try:
            await tg.wait_until(
                lambda: len(tg.calls_to("getUpdates")) >= 2,
                timeout=120,
                message="the bot did not start (see bot.log)",
            )
            await asyncio.sleep(2.0)  # its first ticks and digest run are done
            started_rss = rss_mb(bot.pid)
            v2 = tmp / "v2.yaml"
            v2.write_text(steps_protocol(STEPS, version=2, at="11:00"), encoding="utf-8")
            began = time.perf_counter()
            cli = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "protocol",
                "load",
                str(v2),
                cwd=ROOT,
                env=environment(url, key),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            assert cli.stderr is not None
            first = (await cli.stderr.readline()).decode().strip()
            print(f"    {first}", flush=True)
            latencies: list[tuple[float, float]] = []
            n = 0
            while cli.returncode is None:
                try:
                    line = await asyncio.wait_for(cli.stderr.readline(), timeout=1.0)
                    if line:
                        print(f"    {line.decode().strip()}", flush=True)
                except TimeoutError:
                    pass
                if cli.returncode is not None or cli.stderr.at_eof():
                    break
                participant = ids[(n * 7919) % len(ids)]
                therapist = THERAPIST_CHAT + ((participant - ids[0]) % therapists)
                already = len(tg.user(therapist).messages)
                update = tg.user(participant).send_text(CRISES[n % len(CRISES)])
                n += 1
                try:
                    await tg.wait_until(
                        lambda t=therapist, a=already: len(tg.user(t).messages) > a, timeout=30
                    )
                except TimeoutError:
                    fetched = tg.update_fetched_at(update["update_id"])
                    print(
                        f"  no alert for a crisis (fetched: {fetched is not None}; "
                        f"therapist chat {therapist} got {len(tg.user(therapist).messages)})",
                        file=sys.stderr,
                    )
                    raise
                alert = tg.user(therapist).messages[already]
                created = tg.update_created_at(update["update_id"])
                fetched = tg.update_fetched_at(update["update_id"])
                assert created is not None and fetched is not None
                assert "CRISIS" in (alert.text or ""), alert.text
                latencies.append((alert.sent_at - created, alert.sent_at - fetched))
            out, err = await cli.communicate()
            seconds = time.perf_counter() - began
            assert cli.returncode == 0, err.decode()
            after_rss = rss_mb(bot.pid)
        except BaseException:
            log.flush()
            tail = (tmp / "bot.log").read_text(errors="replace").splitlines()[-60:]
            print("\n".join(["  the bot's last log lines:", *tail]), file=sys.stderr)
            raise
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(bot.wait(), 30)
                except TimeoutError:
                    bot.kill()
                    await bot.wait()
            log.close()
        return {
            "reload seconds": seconds,
            "reload output": out.decode().strip(),
            "alerts": latencies,
            "rss start": started_rss,
            "rss after": after_rss,
        }


async def run(participants: int, therapists: int, small: int, postgres: str | None) -> None:
    key = generate_key()
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    async with database(postgres) as url:
        print(
            f"{'PostgreSQL' if postgres else 'SQLite'}: {participants} participants x {STEPS} "
            f"steps, {therapists} therapists",
            flush=True,
        )
        engine = create_engine(url)
        storage = Storage(session_factory(engine), Cipher([key.encode()]))
        try:
            print(f"  clinic of {small} participants ({small * STEPS} scheduled)…", flush=True)
            await populate(storage, small, 1, clock, 500_000, "small")
            few = await tick_costs(storage, clock)
            print(
                f"  clinic of {participants} participants ({participants * STEPS} scheduled)…",
                flush=True,
            )
            ids = await populate(storage, participants, therapists, clock, 100_000, "scale")
            many = await tick_costs(storage, clock)
            print("  ticks (ms, median of 5):", flush=True)
            for label in few:
                print(
                    f"    {label:<14} {small * STEPS:>7} scheduled: {few[label]:7.1f}   "
                    f"{(small + participants) * STEPS:>7} scheduled: {many[label]:7.1f}",
                    flush=True,
                )
            print(f"  digests of {therapists + 1} therapists…", flush=True)
            digest = await digests(storage, clock, therapists + 1)
            print(
                f"    {digest['seconds']:.1f} s, {digest['statements per therapist']:.1f} "
                f"statements per therapist, longest write {digest['longest write ms']:.0f} ms",
                flush=True,
            )
        finally:
            await engine.dispose()
        print("  the bot running, `ember protocol load` of version 2 meanwhile…", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            found = await reload_while_running(url, key, ids, therapists, Path(tmp))
        alerts = found["alerts"]
        worst_created = max(a for a, _ in alerts) * 1000
        worst_fetched = max(b for _, b in alerts) * 1000
        print(f"    {found['reload output']}")
        print(
            f"    reload: {found['reload seconds']:.1f} s; {len(alerts)} crises meanwhile, "
            f"alerted in at most {worst_created:.0f} ms from being sent "
            f"({worst_fetched:.0f} ms from reaching Ember); median "
            f"{statistics.median(a for a, _ in alerts) * 1000:.0f} ms: "
            f"{'PASS' if worst_created < 1000 else 'FAIL'} (target < 1 s)"
        )
        rss, _ = found["rss start"]
        rss_after, peak_after = found["rss after"]
        print(
            f"    bot RSS: {rss:.0f} MB started, {rss_after:.0f} MB after the reload "
            f"(peak {peak_after:.0f} MB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--participants", type=int, default=10_000)
    parser.add_argument("--therapists", type=int, default=200)
    parser.add_argument(
        "--small", type=int, default=100, help="participants of the small clinic (x10 scheduled)"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=None,
        help="a PostgreSQL server (postgresql+asyncpg://…) to use instead",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(run(args.participants, args.therapists, args.small, args.postgres))
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
