"""Webhook mode: an aiohttp endpoint that stores each update before answering Telegram 200.

Only Telegram may post updates: every request must carry the secret Ember gave Telegram
in ``setWebhook`` (header ``X-Telegram-Bot-Api-Secret-Token``); anything else is answered
403 before its body is read, and nothing of it is stored. Webhook mode does not start
without a secret (:meth:`bot.config.Settings.require_webhook`).

Several instances may run behind a load balancer on one PostgreSQL database: the update id
deduplicates, outbox claims use SKIP LOCKED, so nothing is handled or sent twice. The same
server answers ``/healthz`` and ``/livez`` (bot/health.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web

from bot.clock import Clock
from bot.config import Settings
from bot.errors import ConfigError
from bot.health import add_health_routes, start_site
from bot.intake import Intake
from bot.polling import ALLOWED_UPDATES
from bot.startup import patiently
from storage.uow import Storage

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookHost(Protocol):
    """What the webhook needs of a running Ember (``bot.app.Ember`` is one)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def intake(self) -> Intake: ...
    @property
    def application(self) -> Any: ...
    @property
    def storage(self) -> Storage: ...
    @property
    def clock(self) -> Clock: ...


def webhook_app(ember: WebhookHost, path: str, secret: str) -> web.Application:
    """The endpoint at ``path`` (only requests carrying ``secret``), plus the health routes."""
    if not secret:
        raise ConfigError("EMBER_WEBHOOK_SECRET is not set: webhook mode needs a secret")
    expected = secret.encode()
    refused: list[datetime] = []  # when refusals were last logged (one line a minute)

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            now = ember.clock.now()
            if not refused or now - refused[-1] >= timedelta(minutes=1):
                refused[:] = [now]
                log.warning("refused a webhook request without the right secret (403)")
            return web.Response(status=403)
        try:
            raw = json.loads(await request.read())
            int(raw["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400)
        try:
            await ember.intake.accept([raw])  # committed before Telegram hears "200"
        except Exception as exc:  # the database away: Telegram sends it again later
            log.warning("could not store an update (%s); answered 503", type(exc).__name__)
            return web.Response(status=503)
        return web.Response(status=200)

    app = web.Application(client_max_size=1 << 20)
    app.router.add_post(path, receive)
    add_health_routes(app, ember.storage, ember.clock)
    return app


@contextlib.asynccontextmanager
async def serve_webhook(
    ember: WebhookHost, *, register: bool = True, stop: asyncio.Event | None = None
) -> AsyncIterator[int]:
    """Listen on EMBER_LISTEN and (by default) tell Telegram the webhook URL and its secret;
    yields the port. Refuses to start without EMBER_WEBHOOK_SECRET."""
    settings = ember.settings
    url, secret = settings.require_webhook()
    path = urlsplit(url).path or "/"
    # a short grace: Telegram keeps connections open, and stopping must not hang on them
    runner = web.AppRunner(webhook_app(ember, path, secret), access_log=None, shutdown_timeout=3.0)
    await runner.setup()
    try:
        await start_site(runner, settings.listen_host, settings.listen_port, "EMBER_LISTEN")
        port = runner.addresses[0][1] if runner.addresses else settings.listen_port
        if register:
            bot = ember.application.bot
            await patiently(
                lambda: bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES),
                "setWebhook",
                settings,
                stop=stop,
            )
        log.info("webhook listening on %s:%s", settings.listen_host, port)
        yield int(port)
    finally:
        await runner.cleanup()
