"""Long polling: fetch updates, have them stored, and only then confirm them.

Telegram confirms an update to a poller only when it asks for the next ones with a higher
``offset``; the offset moves on only after the batch is stored, so an update fetched but
not stored (Ember stopped) is handed over again. Neither Telegram nor the database failing
stops the loop: a batch that cannot be stored (the database busy with a long write, or
away) is stored again and again before the next one is asked for; a Telegram that fails
is asked again after a pause, longer each time up to 30 s, with one line each time naming
the Bot API URL (never the token) and what to check. A token Telegram refuses while Ember
runs (revoked in @BotFather) is one line a minute: no restart can mend it but a new token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, RetryAfter

from bot.logs import Redact

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
CATCH_UP_BATCHES = 20  # at start-up, at most this many batches of 100 fetched at once
MAX_BACKOFF = 30.0
REFUSED_AGAIN = 60.0  # seconds between asking again with a token Telegram refused
STORE_FIRST = 0.25  # seconds before storing a fetched batch again, doubling …
STORE_MAX = 5.0  # … up to this

Accept = Callable[[Iterable[dict[str, Any]]], Awaitable[int]]  # stores, returns how many new


class Polling:
    """Fetches updates with getUpdates and hands them to ``accept`` (which stores them)."""

    def __init__(self, bot: Bot, accept: Accept, *, poll_timeout: int = 10) -> None:
        self.bot = bot
        self.accept = accept
        self.poll_timeout = poll_timeout
        self.offset: int | None = None
        self.stopping = False

    async def catch_up(self) -> int:
        """At start-up: store what Telegram kept while Ember was down; how many were new.
        A failure ends it early: the polling loop fetches the rest in a moment."""
        stored = 0
        for _ in range(CATCH_UP_BATCHES):
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset,
                    timeout=0,
                    allowed_updates=ALLOWED_UPDATES,
                    read_timeout=self.poll_timeout,
                )
                if not updates:
                    break
                stored += await self.accept(u.to_dict() for u in updates)
            except InvalidToken:
                raise
            except Exception as exc:  # Telegram or the database away
                log.warning("fetching the waiting updates failed (%s)", type(exc).__name__)
                break
            self.offset = max(u.update_id for u in updates) + 1
        return stored

    async def forever(self) -> None:
        """Fetch, store, confirm; until ``stopping`` (or cancelled)."""
        backoff = 1.0
        while not self.stopping:
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset,
                    timeout=self.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    read_timeout=self.poll_timeout + 10,
                )
                backoff = 1.0
                if updates:
                    # stored first; only the next getUpdates (with the higher offset)
                    # confirms them
                    if not await self._store_patiently([u.to_dict() for u in updates]):
                        return  # stopping: not confirmed, so Telegram hands them over again
                    self.offset = max(u.update_id for u in updates) + 1
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                retry = exc.retry_after
                await asyncio.sleep(
                    retry if isinstance(retry, int | float) else retry.total_seconds()
                )
            except InvalidToken:
                log.error(
                    "Telegram refused the bot token (getUpdates at %s answered 401/404); "
                    "asking again in %.0f s. Put the token @BotFather gives you in "
                    "EMBER_TELEGRAM_TOKEN and restart Ember",
                    self.url_shown,
                    REFUSED_AGAIN,
                )
                await asyncio.sleep(REFUSED_AGAIN)
            except Conflict:
                log.warning(
                    "Telegram says another process is polling with this bot token (409 "
                    "Conflict at %s); retrying in %.0f s. Stop the other one (or use "
                    "webhook mode for several instances)",
                    self.url_shown,
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
            except Exception as exc:  # Telegram away (timeouts, 5xx, refused connections)
                log.warning(
                    "cannot reach Telegram at %s (getUpdates: %s); retrying in %.0f s. Check "
                    "the network (firewall, proxy, DNS) and EMBER_TELEGRAM_API_URL",
                    self.url_shown,
                    self._describe(exc),
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    @property
    def url_shown(self) -> str:
        """The Bot API URL as it may be printed: the token left out."""
        return self.bot.base_url.replace(self.bot.token, "<token>")

    def _describe(self, exc: BaseException) -> str:
        """An exception as one short line with no token in it."""
        text = " ".join(str(getattr(exc, "message", None) or exc).split())
        line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        return Redact([self.bot.token]).scrub(line)

    async def _store_patiently(self, raw_updates: list[dict[str, Any]]) -> bool:
        """Store a fetched batch, trying again until it works: nothing is asked of Telegram
        meanwhile, so nothing unstored is ever confirmed. False if Ember stops first."""
        delay = STORE_FIRST
        while True:
            try:
                await self.accept(raw_updates)
                return True
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.stopping:
                    return False
                log.warning(
                    "could not store %d fetched update(s) (%s); trying again in %.1fs",
                    len(raw_updates),
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, STORE_MAX)
