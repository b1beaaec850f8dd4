"""The health endpoint: ``GET /healthz`` (JSON, 200 or 503) and ``GET /livez`` (200 while
the process serves).

Served by the webhook server in webhook mode, and on ``EMBER_HEALTH_LISTEN`` when that is
set (in polling mode the only way to reach it). The verdict itself is pure
(:func:`bot.domain.operations.assess`); here it is read from the database and served.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace

from aiohttp import web

from bot.clock import Clock
from bot.domain.operations import Health, HealthLimits, assess, unreachable
from bot.errors import ConfigError
from bot.leadership import LEASE
from bot.services.flags import SAFETY_PRIORITY
from storage.uow import Storage

log = logging.getLogger(__name__)


async def check_health(
    storage: Storage, clock: Clock, limits: HealthLimits | None = None
) -> Health:
    """Read the backlogs and judge them; a database that does not answer is unhealthy."""
    now = clock.now()
    try:
        async with storage.uow() as uow:
            outbox = await uow.outbox.backlog(now=now, urgent_priority=SAFETY_PRIORITY)
            inbox = await uow.inbox.backlog()
            leader = await uow.leases.holder(LEASE, now=time.time())
    except Exception as exc:  # whatever the driver raises, the answer is "not reachable"
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        return unreachable(now, type(exc).__name__)
    return replace(assess(now, outbox, inbox, limits), leader=leader)


def add_health_routes(
    app: web.Application, storage: Storage, clock: Clock, limits: HealthLimits | None = None
) -> None:
    """``/healthz`` and ``/livez`` on ``app``."""

    async def healthz(_: web.Request) -> web.Response:
        health = await check_health(storage, clock, limits)
        return web.json_response(health.to_json(), status=health.status_code)

    async def livez(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/livez", livez)


async def start_site(runner: web.AppRunner, host: str, port: int, variable: str) -> None:
    """Listen on host:port; a port in use or a foreign address is one line naming the
    setting, not a traceback."""
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        raise ConfigError(
            f"{variable}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "is another process using the port?"
        ) from None


@contextlib.asynccontextmanager
async def serve_health(storage: Storage, clock: Clock, host: str, port: int) -> AsyncIterator[int]:
    """A health-only server on ``host:port`` (EMBER_HEALTH_LISTEN); yields the bound port."""
    app = web.Application()
    add_health_routes(app, storage, clock)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await start_site(runner, host, port, "EMBER_HEALTH_LISTEN")
        bound = runner.addresses[0][1] if runner.addresses else port
        log.info("health endpoint listening on %s:%s", host, bound)
        yield int(bound)
    finally:
        await runner.cleanup()
