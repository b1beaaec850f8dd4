"""Webhook mode: an aiohttp endpoint that stores each update before answering Telegram 200.

Several instances may run behind a load balancer on one PostgreSQL database: the update id
deduplicates, outbox claims use SKIP LOCKED, so nothing is handled or sent twice.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol
from urllib.parse import urlparse

from aiohttp import web

from bot.config import Settings
from bot.intake import ALLOWED_UPDATES, Intake

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


def webhook_app(ember: WebhookHost, path: str, secret: str | None) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        if secret is not None:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given, secret):
                return web.Response(status=403)
        try:
            raw = json.loads(await request.read())
            int(raw["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400)
        await ember.intake.accept([raw])  # committed before Telegram hears "200"
        return web.Response(status=200)

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=1 << 20)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app


@contextlib.asynccontextmanager
async def serve_webhook(ember: WebhookHost, *, register: bool = True) -> AsyncIterator[int]:
    """Listen on EMBER_LISTEN and (by default) tell Telegram the webhook URL; yields the port."""
    settings = ember.settings
    assert settings.webhook_url is not None
    path = urlparse(settings.webhook_url).path or "/"
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    # a short grace: Telegram keeps connections open, and stopping must not hang on them
    runner = web.AppRunner(webhook_app(ember, path, secret), access_log=None, shutdown_timeout=3.0)
    await runner.setup()
    site = web.TCPSite(runner, settings.listen_host, settings.listen_port)
    await site.start()
    port = runner.addresses[0][1] if runner.addresses else settings.listen_port
    try:
        if register:
            await ember.application.bot.set_webhook(
                settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
        log.info("webhook listening on %s:%s", settings.listen_host, port)
        yield int(port)
    finally:
        await runner.cleanup()
