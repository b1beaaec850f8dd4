"""The composition root: builds Ember from settings and owns start-up and shutdown.

``ember_app(settings)`` is one async context manager used by ``ember run`` and by the
tests alike. It opens storage (refusing a database that is behind), builds the
python-telegram-bot ``Application`` without PTB's Updater (Intake stores every update
before confirming it), registers the handlers, and starts delivery, intake and the jobs.

Start-up order is a safety matter, and start-up is kept short. The screener is read from the
start-up cache (``prompts/screening_cache.py``) in a thread while storage and the Bot API
connection come up; without a cache for these rules it is built from its files, each
language's gate left until a text needs it (the rest are warmed, and the cache filled for
the next start, once the urgent work is done). Delivery starts first, so an alert can leave
at once; then intake fetches what Telegram kept while Ember was down and handles the risky
part of it (high and crisis messages, oldest first) and waits, a few seconds at most, until
their alerts and safety messages are sent, then for the rest of what was written meanwhile
(ten seconds at most); only then do the jobs start. So a crisis written during the downtime
reaches the therapist before the prompts that fell due meanwhile fan out, and a message
written before a prompt went out is not taken for its answer.

``ember run`` pauses the cyclic garbage collector while it imports and starts: start-up makes
a great many objects that live as long as the process, which the collector would only scan
again and again. It runs again once the urgent work is done, or after
:data:`COLLECTOR_REST` seconds at most. In ``ember run`` what start-up built (the screener
above all, some 290,000 objects) is then frozen out of the collector's sight
(``gc.freeze``), and again once the screener is warm: a full collection scanned it all,
about 100 ms in which the process answered nothing and sent nothing, so an alert waited
and the sends held back left bunched up after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

import handlers
from bot import jobs, logs
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import RUNTIME_KEY, EmberContext, HandlerDeps
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.pacing import Pacer
from bot.delivery.telegram_sender import TelegramSender
from bot.domain.safety import EscalationPolicy
from bot.domain.screening import Screener
from bot.intake import Intake
from bot.leadership import Leadership
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.services.drawing import ChartDrawer
from bot.services.flags import SAFETY_PRIORITY
from bot.startup import FIRST_DELAY, patiently
from bot.workers import make_worker_id
from prompts.catalogue import Catalogue, default_catalogue
from prompts.screening_cache import Ready, cache_dir, keep_for_next_start, shipped_screener
from storage.crypto import Cipher
from storage.db import create_engine, session_factory
from storage.migrate import require_up_to_date
from storage.uow import Storage

if TYPE_CHECKING:  # imported only when EMBER_REDIS_URL is set
    from bot.delivery.redis_budget import RedisBudget

log = logging.getLogger(__name__)

BACKLOG_GRACE = 10.0  # seconds the jobs wait at start-up for what was written meanwhile
COLLECTOR_REST = 30.0  # seconds at most the garbage collector rests at start-up


@dataclass
class Ember:
    """A running Ember: everything the CLI, the webhook server and tests may reach."""

    settings: Settings
    clock: Clock
    storage: Storage
    application: Application[Any, Any, Any, Any, Any, Any]
    services: Services
    dispatcher: Dispatcher
    intake: Intake
    scheduler: AsyncIOScheduler
    catalogue: Catalogue
    leadership: Leadership


@functools.cache
def _shipped_screener(cache: Path | None) -> Ready:
    """The screener of the shipped rules, once per process, ready to screen: from the
    start-up cache, warm, or else built with each language's gate left until a text needs
    it, so that a risky message waits only for the gates it needs (about half the build);
    :func:`_warm` builds the others next."""
    return shipped_screener(cache, warm=False, keep=False)


@functools.cache
def _keep_for_next_start(cache: Path | None) -> bool:
    """Fill the start-up cache (once per process) after a start that found none."""
    return keep_for_next_start(cache)


def _warm(screener: Screener, fill: Path | None) -> None:
    """Every language's gate and the lazily compiled patterns, built before ordinary replies
    need them (the same verdicts: these are only caches); then, after a start that found no
    start-up cache, a screener built afresh is kept there for the next start."""
    screener.warm()
    screener.screen("warming up the screener", None)
    if fill is not None:
        _keep_for_next_start(fill)


def file_url(api_url: str) -> str:
    return api_url[: -len("/bot")] + "/file/bot" if api_url.endswith("/bot") else api_url + "/file"


def tls_context(api_url: str) -> ssl.SSLContext:
    """The TLS context of both of PTB's connection pools: one, where each pool would load
    the bundle of trusted certificates again (a few hundredths of a second each at start-up).
    A plain http:// Bot API server (one on this machine) never takes a TLS connection, so
    nothing is loaded for it; a context that trusts nothing would refuse one."""
    if api_url.startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates, trusts none
    return httpx.create_ssl_context()  # the certificates httpx itself would trust


def build_application(
    settings: Settings, *, read_timeout: float = 10.0
) -> Application[Any, Any, Any, Any, Any, Any]:
    context_types = ContextTypes(context=EmberContext)
    tls = {"verify": tls_context(settings.telegram_api_url)}
    return (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .updater(None)
        .context_types(context_types)
        .request(
            HTTPXRequest(
                connection_pool_size=64,
                pool_timeout=10,
                read_timeout=read_timeout,
                write_timeout=10,
                connect_timeout=5,
                httpx_kwargs=tls,
            )
        )
        .get_updates_request(HTTPXRequest(connection_pool_size=1, httpx_kwargs=tls))
        .build()
    )


@contextlib.asynccontextmanager
async def ember_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    poll: bool = True,
    pacing: Callable[[Storage], Pacer] | None = None,
    catalogue: Catalogue | None = None,
    tick_seconds: float = 2.0,
    read_timeout: float = 10.0,
    policy: EscalationPolicy | None = None,
    stop: asyncio.Event | None = None,
    retry_delay: float = FIRST_DELAY,
    freeze: bool = False,
) -> AsyncIterator[Ember]:
    """Start Ember; on exit, stop it in reverse order (nothing queued is lost).

    Start-up waits for Telegram (one log line per failed try, back-off from
    ``retry_delay`` up to 60 s); setting ``stop`` ends the wait (StartupInterrupted).
    ``freeze``: keep what start-up built out of the garbage collector's sight for the
    rest of the process (``ember run``, which holds one Ember; never in a process that
    starts many, whose earlier ones would then never be collected).
    """
    logs.protect()
    clock = clock or SystemClock()
    catalogue = catalogue or default_catalogue()
    cipher = Cipher(settings.require_keys())
    token = settings.require_token()
    del token
    engine = create_engine(settings.database_url)
    # the slowest part of start-up, read (or built) alongside the rest (it only reads files)
    cache = cache_dir(settings.cache_dir)
    screener_built = asyncio.ensure_future(asyncio.to_thread(_shipped_screener, cache))
    warming: asyncio.Future[None] | None = None
    # `ember run` paused the collector for start-up; it runs again after the urgent work
    collector = asyncio.get_running_loop().call_later(COLLECTOR_REST, gc.enable)
    drawer = ChartDrawer()  # charts in a child process, started on first use
    redis_budget: RedisBudget | None = None
    try:
        await require_up_to_date(engine)
        storage = Storage(session_factory(engine), cipher)
        if settings.redis_url and pacing is None:  # the send budget in Redis
            from bot.delivery.redis_budget import RedisBudget

            redis_budget = RedisBudget(settings.redis_url, storage)
            await redis_budget.check()  # unreachable: one line naming EMBER_REDIS_URL

            def pacing(storage: Storage) -> Pacer:
                return Pacer(storage, budget=redis_budget)

        application = build_application(settings, read_timeout=read_timeout)
        ctx = ServiceContext(
            storage=storage,
            clock=clock,
            catalogue=catalogue,
            default_timezone=settings.timezone,
            policy=policy or EscalationPolicy(),
            retention=settings.retention,
            briefs=settings.brief_timing,
            drawer=drawer,
        )
        services = Services(ctx)
        worker_id = make_worker_id()  # what this instance's claims and lease bid carry
        intake = Intake(
            application, storage, clock, triage=services.triage.risky, worker_id=worker_id
        )
        application.bot_data[RUNTIME_KEY] = HandlerDeps(
            services=services, catalogue=catalogue, note_failure=intake.note_failure
        )
        handlers.register(application)
        try:
            # getMe: checks the token, learns the username; waits for Telegram if need be
            await patiently(
                application.bot.initialize, "getMe", settings, stop=stop, first_delay=retry_delay
            )
        except BaseException:
            await application.bot.shutdown()
            raise
        await application.initialize()
        ctx.bot_username = application.bot.username
        dispatcher = Dispatcher(
            storage,
            TelegramSender(application.bot),
            clock,
            pacer=pacing(storage) if pacing else None,
            worker_id=worker_id,
            on_failure=services.participation.delivery_failed,
        )
        ctx.wake_delivery = dispatcher.wake
        scheduler = AsyncIOScheduler(timezone="UTC")
        ember = Ember(
            settings,
            clock,
            storage,
            application,
            services,
            dispatcher,
            intake,
            scheduler,
            catalogue,
            Leadership(storage, worker_id),
        )
        await services.planning.load_shipped()
        running_jobs = jobs.register(
            scheduler, jobs.periodic_jobs(ember, tick_seconds=tick_seconds), ember.leadership
        )
        await application.start()
        await dispatcher.start()
        # the screener is ready before any message is handled
        ready = await screener_built
        ctx.screener = ready.screener
        source = "read from the start-up cache" if ready.cached else "built from its files"
        log.info("screener %s", source)
        urgent = await intake.start(poll=poll)  # the risky waiting messages first
        await dispatcher.urgent_sent(min_priority=SAFETY_PRIORITY)  # their alerts out first
        collector.cancel()
        if freeze:  # what start-up built lives as long as the process: never scanned again
            gc.freeze()
        gc.enable()
        fill = None if ready.cached else cache
        warming = asyncio.ensure_future(asyncio.to_thread(_warm, ctx.screener, fill))
        if freeze:  # and the warm screener's caches
            warming.add_done_callback(lambda _: gc.freeze())
        # what else was written while Ember was down, before prompts that fell due meanwhile
        # (a message written before a prompt went out is not its answer)
        await intake.drained(grace=BACKLOG_GRACE)
        await ember.leadership.renew()  # lead at once when nobody else does
        scheduler.start()  # then prompts, reminders, escalation and digests
        if urgent:
            log.warning("%d risky messages that arrived while Ember was down handled first", urgent)
        log.info("Ember is running as %s (the bot's own handle)", application.bot.name)
        try:
            yield ember
        finally:
            await intake.stop()
            scheduler.shutdown(wait=False)
            await running_jobs.drain()
            await ember.leadership.release()
            await dispatcher.stop()
            await application.stop()
            await application.shutdown()
    finally:
        collector.cancel()
        gc.enable()
        if not screener_built.done():  # start-up failed early: nobody will wait for it
            screener_built.cancel()
        for started in (screener_built, warming):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                if started is not None:
                    await started
        drawer.close()
        if redis_budget is not None:
            await redis_budget.close()
        await engine.dispose()


async def run_until_stopped(settings: Settings) -> None:
    """``ember run``: poll Telegram (or serve the webhook) until SIGINT/SIGTERM.

    On the signal: the webhook and health servers stop accepting requests, intake stops
    fetching and finishes the update in hand, the jobs drain, the dispatcher waits for the
    sends in flight and gives its unsent claims back to the outbox; then the process exits 0.
    A signal during start-up's wait for Telegram ends it at once, also with 0.
    """
    import signal

    from bot.errors import StartupInterrupted

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    webhook = settings.webhook_url is not None
    try:
        async with (
            ember_app(settings, poll=not webhook, stop=stop, freeze=True) as ember,
            contextlib.AsyncExitStack() as servers,
        ):
            if webhook:
                from bot.webhook import serve_webhook

                await servers.enter_async_context(serve_webhook(ember, stop=stop))
            # in webhook mode the webhook server answers /healthz too; a health port of
            # its own keeps probes off the public one
            if settings.health_listen is not None and not (
                webhook and settings.health_listen == settings.listen
            ):
                from bot.health import serve_health

                host, _, port = settings.health_listen.rpartition(":")
                await servers.enter_async_context(
                    serve_health(ember.storage, ember.clock, host, int(port))
                )
            await stop.wait()
            log.info("stopping: a stop signal arrived")
    except StartupInterrupted:
        log.info("stopped during start-up")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
