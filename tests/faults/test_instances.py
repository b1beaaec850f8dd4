"""Two Ember instances (real `ember run --webhook` processes with the secret) behind a load
balancer, on one PostgreSQL database; the leader is killed with SIGKILL in the middle of a
fan-out while participants write. The other instance takes over the periodic work, the
dead one's claims on the outbox and on stored updates go back once stale, and everything
is delivered: every message stored once and answered, every prompt and alert sent, a
message twice only where its send was recorded as ambiguous."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select, update

from bot.leadership import LEASE
from bot.simulator import FakeTelegram
from bot.webhook import SECRET_HEADER
from storage.models import Lease, ScheduledPrompt
from storage.uow import Storage
from tests.faults.workload import (
    PROMPT,
    Figures,
    Stopwatch,
    clinic,
    reckon,
    storage_at,
    wait_for_everything,
    write,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
PARTICIPANTS = 80
SECRET = "fault-suite-secret"
KILL_AT = 15  # prompts delivered when the leader is killed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Balancer:
    """A load balancer in front of the instances: each update to the next one in turn, and
    to another when one does not answer (as a health-checking balancer would)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.turn = 0
        self.forwarded: dict[int, int] = {port: 0 for port in ports}
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {
            "Content-Type": "application/json",
            SECRET_HEADER: request.headers.get(SECRET_HEADER, ""),
        }
        timeout = aiohttp.ClientTimeout(total=10)
        for i in range(len(self.ports)):
            port = self.ports[(self.turn + i) % len(self.ports)]
            try:
                async with (
                    aiohttp.ClientSession(timeout=timeout) as session,
                    session.post(
                        f"http://127.0.0.1:{port}{request.path}", data=body, headers=headers
                    ) as answer,
                ):
                    self.turn += 1
                    self.forwarded[port] += 1
                    return web.Response(status=answer.status)
            except (aiohttp.ClientError, TimeoutError):
                self.refused += 1
        return web.Response(status=502)

    @classmethod
    async def serving(cls, ports: list[int]) -> tuple[Balancer, web.AppRunner, int]:
        balancer = cls(ports)
        app = web.Application()
        app.router.add_post("/telegram", balancer.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return balancer, runner, port


async def start_instance(
    tg: FakeTelegram, db_url: str, key: str, public: int, port: int, log: Path
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env.update(
        PYTHONPATH=str(ROOT),
        EMBER_TELEGRAM_TOKEN=tg.token,
        EMBER_TELEGRAM_API_URL=f"{tg.url}/bot",
        EMBER_DATABASE_URL=db_url,
        EMBER_ENCRYPTION_KEY=key,
        EMBER_WEBHOOK_URL=f"http://127.0.0.1:{public}/telegram",
        EMBER_WEBHOOK_SECRET=SECRET,
        EMBER_LISTEN=f"127.0.0.1:{port}",
    )
    out = log.open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--webhook",
        cwd=log.parent,
        env=env,
        stdout=out,
        stderr=out,
    )


async def leader_pid(storage: Storage) -> int | None:
    async with storage.sessions() as session:
        row = (
            await session.execute(select(Lease.holder, Lease.expires_at).where(Lease.name == LEASE))
        ).first()
    if row is None or row.expires_at < time.time():
        return None
    return int(row.holder.split(":")[1])


def prompts_delivered(tg: FakeTelegram) -> int:
    return len({m.chat_id for m in tg.sent if PROMPT in (m.text or "")})


@pytest.fixture
async def instances() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    started: list[asyncio.subprocess.Process] = []
    yield started
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_the_leader_killed_mid_fan_out_loses_nothing(
    pg_url: str,
    key: str,
    tmp_path: Path,
    instances: list[asyncio.subprocess.Process],
    request: pytest.FixtureRequest,
) -> None:
    watch = Stopwatch()
    ports = [free_port(), free_port()]
    balancer, front, public = await Balancer.serving(ports)
    try:
        async with (
            asyncio.timeout(100),
            FakeTelegram() as tg,
            storage_at(pg_url, key) as storage,
        ):
            population = await clinic(storage, tg, PARTICIPANTS, due_in=timedelta(hours=1))
            logs = [tmp_path / f"instance-{n}.log" for n in range(2)]
            for port, log in zip(ports, logs, strict=True):
                instances.append(await start_instance(tg, pg_url, key, public, port, log))
            await tg.wait_until(
                lambda: len(tg.calls_to("setWebhook")) >= 2 and tg.webhook_url != "",
                timeout=40,
                message="the instances did not start (see their logs)",
            )
            await asyncio.sleep(1.0)  # both dispatchers and schedulers are running
            async with storage.sessions() as session:  # the prompts fall due now
                due = datetime.now(UTC) + timedelta(seconds=1)
                await session.execute(update(ScheduledPrompt).values(due_at=due))
                await session.commit()

            writing = asyncio.create_task(write(tg, population, seconds=8.0))
            await tg.wait_until(lambda: prompts_delivered(tg) >= KILL_AT, timeout=30)
            pid = await leader_pid(storage)
            [leader] = [p for p in instances if p.pid == pid]
            leader.send_signal(signal.SIGKILL)
            await leader.wait()
            killed_at, kill_time = prompts_delivered(tg), time.monotonic()
            written_at_kill = len(population.written)
            assert killed_at < PARTICIPANTS, "the fan-out was over before the kill"

            await writing
            await wait_for_everything(tg, population, timeout=60)
            recovered = time.monotonic() - kill_time
            await asyncio.sleep(2.0)  # a duplicate or a late answer would show itself now
            [survivor] = [p for p in instances if p is not leader]
            assert await leader_pid(storage) == survivor.pid  # the periodic work moved over
            survivor.send_signal(signal.SIGTERM)
            await asyncio.wait_for(survivor.wait(), 20)
            assert survivor.returncode == 0, logs[instances.index(survivor)].read_text()[-3000:]
            figures = Figures("two instances, the leader killed mid fan-out")
            await reckon(storage, tg, population, figures)
    finally:
        await front.cleanup()
    figures.seconds = watch()
    figures.extra = {
        "prompts out at the kill": killed_at,
        "messages written by then": written_at_kill,
        "all delivered after the kill": f"{recovered:.1f} s",
        "updates via each instance": "/".join(str(balancer.forwarded[p]) for p in ports),
        "webhook posts failed over": balancer.refused,
    }
    figures.show(request)
