"""Intake: every update is stored (sealed) before Telegram is told we have it, then processed once.

Long polling confirms an update to Telegram only by asking for the next ones with a higher
``offset``; Intake asks for that only after the batch is committed to the database. Webhook
mode answers 200 only after the same commit. Processing reads pending updates back from the
database in order, so a crash or ``kill -9`` between receiving and handling loses nothing;
the ``update_id`` primary key makes a repeated delivery a no-op.

Neither loop gives up on database trouble. An update fetched but not yet stored is stored
again and again (the database busy with a long write, or away) before the next one is
asked for; an update whose handling met such trouble (``storage.db.is_transient``) is
handled again, after a pause, rather than marked failed, so a crisis message is never
dropped because a bulk job held the lock. Handling an update twice is safe: what it keeps
is keyed by the Telegram message, what it sends by an idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.clock import Clock
from storage.db import is_transient
from storage.uow import Storage

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
RETRY_FIRST = 0.25  # seconds before trying again after database trouble, doubling …
RETRY_MAX = 5.0  # … up to this


class Intake:
    """Receives, stores and processes updates for one Application."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        storage: Storage,
        clock: Clock,
        *,
        poll_timeout: int = 10,
    ) -> None:
        self.application = application
        self.storage = storage
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.failures: dict[int, BaseException] = {}
        self._ready = asyncio.Event()
        self._processor: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._current: int | None = None  # the update being handled now
        self._offset: int | None = None
        self._stopping = False
        self.processed = 0
        self.duplicates = 0

    # -- receiving -----------------------------------------------------------------

    async def accept(self, raw_updates: Iterable[dict[str, Any]]) -> int:
        """Store updates in one transaction; returns how many were new. Then wake processing."""
        new = 0
        async with self.storage.uow() as uow:
            for raw in raw_updates:
                update_id = int(raw["update_id"])
                if await uow.inbox.store(
                    update_id=update_id,
                    payload=json.dumps(raw, ensure_ascii=False),
                    now=self.clock.now(),
                ):
                    new += 1
                else:
                    self.duplicates += 1
            await uow.commit()
        self._ready.set()
        return new

    async def _poll_forever(self) -> None:
        bot = self.application.bot
        backoff = 1.0
        while not self._stopping:
            try:
                updates = await bot.get_updates(
                    offset=self._offset,
                    timeout=self.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    read_timeout=self.poll_timeout + 10,
                )
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                retry = exc.retry_after
                await asyncio.sleep(
                    retry if isinstance(retry, int | float) else retry.total_seconds()
                )
                continue
            except InvalidToken:
                log.error("Telegram refused the bot token; check EMBER_TELEGRAM_TOKEN")
                raise
            except (TimedOut, NetworkError, Conflict) as exc:
                log.warning(
                    "getUpdates failed (%s); retrying in %.0fs", type(exc).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if not updates:
                continue
            # Stored first; only the next getUpdates (with the higher offset) confirms them.
            await self._store_patiently([u.to_dict() for u in updates])
            self._offset = max(u.update_id for u in updates) + 1

    async def _store_patiently(self, raw_updates: list[dict[str, Any]]) -> None:
        """Store fetched updates, trying again until it works: nothing is asked of Telegram
        meanwhile, so nothing unstored is ever confirmed, and polling never dies of it."""
        delay = RETRY_FIRST
        while True:
            try:
                await self.accept(raw_updates)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "could not store %d fetched update(s) (%s); trying again in %.1fs",
                    len(raw_updates),
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)

    # -- processing ----------------------------------------------------------------

    async def process_pending(self) -> int:
        """Handle every stored, unprocessed update in update_id order; returns how many."""
        done = 0
        while not self._stopping:
            async with self.storage.uow() as uow:
                batch = await uow.inbox.pending(limit=50)
                await uow.commit()  # keeps any update that could not be opened parked
            if not batch:
                return done
            for item in batch:
                if self._stopping:  # a shutdown: leave the rest for the next start
                    return done
                async with self.storage.uow() as uow:
                    if not await uow.inbox.claim_pending(item.update_id):
                        continue
                    await uow.commit()
                await self._process_one(item.update_id, item.payload)
                done += 1
        return done

    async def _process_one(self, update_id: int, payload: str) -> None:
        self._current = update_id
        delay = RETRY_FIRST
        while True:
            failure: BaseException | None = None
            try:
                update = Update.de_json(json.loads(payload), self.application.bot)
                await self.application.process_update(update)
                failure = self.failures.pop(update_id, None)
            except Exception as exc:  # a malformed update must not stop the others
                log.exception("update %d could not be processed", update_id)
                failure = exc
            if failure is None or not is_transient(failure):
                break
            if self._stopping:
                return  # the shutdown puts it back to pending, for the next start
            log.warning(
                "update %d met database trouble (%s); handling it again in %.1fs",
                update_id,
                type(failure).__name__,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)
        await self._settle(update_id, type(failure).__name__ if failure else None)
        self._current = None
        self.processed += 1

    async def _settle(self, update_id: int, error: str | None) -> None:
        """Mark an update handled (or failed), trying again through database trouble."""
        delay = RETRY_FIRST
        while True:
            try:
                async with self.storage.uow() as uow:
                    await uow.inbox.mark_done(update_id, now=self.clock.now(), error=error)
                    await uow.commit()
                return
            except Exception as exc:
                if not is_transient(exc) or self._stopping:
                    raise  # left "processing": the next start handles it again
                log.warning(
                    "could not mark update %d handled (%s); trying again in %.1fs",
                    update_id,
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)

    async def _process_forever(self) -> None:
        # the flag as well as cancellation: a library that swallows a CancelledError must
        # not keep this loop (and so shutdown) going forever
        while not self._stopping:
            self._ready.clear()
            try:
                await self.process_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc):
                    log.warning("processing stored updates met %s; retrying", type(exc).__name__)
                else:
                    log.exception("processing stored updates failed; retrying")
                await asyncio.sleep(1.0)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5.0):
                    await self._ready.wait()

    # -- lifecycle -----------------------------------------------------------------

    async def recover(self) -> int:
        """At start-up: updates a crashed run was handling are handled again."""
        async with self.storage.uow() as uow:
            n = await uow.inbox.requeue_interrupted()
            await uow.commit()
        return n

    async def start(self, *, poll: bool) -> None:
        self._stopping = False
        await self.recover()
        self._processor = asyncio.create_task(self._process_forever(), name="ember-intake")
        if poll:
            self._poller = asyncio.create_task(self._poll_forever(), name="ember-polling")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop fetching at once (an update fetched but not stored is not confirmed, so
        Telegram sends it again); let the update in hand finish, for up to ``grace``
        seconds. One cut short goes back to pending, to be handled at the next start."""
        self._stopping = True
        self._ready.set()
        if self._poller is not None:
            self._poller.cancel()
            # a poller that ended on a refused token has logged it already
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poller
            self._poller = None
        if self._processor is not None:
            done, _ = await asyncio.wait({self._processor}, timeout=grace)
            if not done:
                self._processor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._processor
            self._processor = None
        if self._current is not None:
            cut_short, self._current = self._current, None
            async with self.storage.uow() as uow:
                await uow.inbox.release(cut_short)
                await uow.commit()
            log.warning(
                "update %d was cut short by the shutdown; it is handled next start", cut_short
            )

    def note_failure(self, update_id: int, error: BaseException) -> bool:
        """A handler failed on this update. True when the update will be handled again
        (database trouble that may pass), so nobody need be told that something went wrong."""
        self.failures[update_id] = error
        return is_transient(error) and not self._stopping

    async def forget_old(self, keep: timedelta = timedelta(days=14)) -> int:
        """Forget processed updates older than ``keep``, a thousand per transaction."""
        before = self.clock.now() - keep
        forgotten = 0
        while True:
            async with self.storage.uow() as uow:
                n = await uow.inbox.forget_before(before)
                await uow.commit()
            if not n:
                return forgotten
            forgotten += n
            await self.storage.breathe()
