"""Intake: every update is stored (sealed) before Telegram is told we have it, then processed once.

Long polling confirms an update to Telegram only by asking for the next ones with a higher
``offset``; Intake asks for that only after the batch is committed to the database. Webhook
mode answers 200 only after the same commit. Processing reads pending updates back from the
database in order, so a crash or ``kill -9`` between receiving and handling loses nothing;
the ``update_id`` primary key makes a repeated delivery a no-op.

Risk first: when more than one update is waiting (a backlog after Ember was down, or a
burst), the participants' messages among them are pre-screened (``triage``), and those that
screen high or crisis are handled first, oldest first; the rest follow in update_id order.
At start-up, what Telegram kept while Ember was down is fetched and its risky part handled
before ``start()`` returns; ``drained()`` tells when the rest is handled too, so the
composition root starts the prompt fan-out only after both.

Failures: an update whose handling fails stays stored and is tried again after a pause
(:mod:`bot.domain.handling`), the later updates of its chat waiting behind it; a failure
time mends (the database lost or busy, a timeout, a network error: :mod:`bot.transient`)
is tried again however often it happens, one that fails the same way again and again is
parked for an operator. Neither loop (fetching, processing) stops on a database error.

Several instances: each claims the update it handles with its worker id, and the heartbeat
job keeps the claim fresh. A claim nobody refreshes belonged to an instance that is gone;
the leader's sweep, and an instance starting, put only those back, never an update a live
instance is handling.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.clock import Clock, SystemClock
from bot.domain.handling import HandlingFailure, Park, after_failure
from bot.polling import Polling
from bot.services.inbound import WaitingMessage
from bot.transient import is_transient
from bot.updates import chat_of, is_original_of, waiting_message
from bot.workers import STALE_CLAIM, gone_from_this_host, make_worker_id, this_host
from storage.inbox import PendingUpdate
from storage.uow import Storage, UnitOfWork

log = logging.getLogger(__name__)

TRIAGE_WINDOW = 1000  # waiting updates looked at in one pass
CHUNK = 50  # ordinary updates handled before looking again for risky newcomers
IDLE = 5.0  # seconds between looks at the stored updates when nothing wakes processing
BUSY_CHAT = 0.5  # seconds before looking again at a chat another instance is busy with

# Which of these waiting messages screen high or crisis (their update ids).
Triage = Callable[[Sequence[WaitingMessage]], Awaitable[set[int]]]


class Intake:
    """Receives, stores and processes updates for one Application."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        storage: Storage,
        clock: Clock,
        *,
        poll_timeout: int = 10,
        triage: Triage | None = None,
        worker_id: str | None = None,
        wall: Clock | None = None,
    ) -> None:
        self.application = application
        self.storage = storage
        self.clock = clock
        self._polling = Polling(application.bot, self.accept, poll_timeout=poll_timeout)
        self.triage = triage
        self.worker_id = worker_id or make_worker_id()
        self._wall = wall or SystemClock()  # claims and retries age in physical time
        self._ordinary: set[int] = set()  # waiting updates triage found not risky
        self.failures: dict[int, BaseException] = {}  # what the error handler was told
        self._next_look: float = IDLE  # seconds until something waiting may be due
        self._ready = asyncio.Event()
        self._processor: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._current: int | None = None  # the update being handled now
        self._drained = asyncio.Event()  # nothing stored was left to handle, at least once
        self._stopping = False
        self.processed = 0
        self.duplicates = 0
        self.urgent = 0  # updates handled ahead of their turn because they screened risky
        self.retried = 0  # failed handlings that will be tried again
        self.parked = 0  # updates set aside after failing the same way again and again

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
                    chat_id=chat_of(raw),
                ):
                    new += 1
                else:
                    self.duplicates += 1
            await uow.commit()
        self._ready.set()
        return new

    # -- processing ----------------------------------------------------------------

    async def process_pending(self, *, urgent_only: bool = False) -> int:
        """Handle every stored update that is due: the risky ones first (oldest first), the
        rest in update_id order, each chat's in turn; returns how many were handled.
        ``urgent_only``: the risky ones only.

        An update waiting for its next attempt holds back the later updates of its chat;
        so does one another instance is handling (its claim says so)."""
        done = 0
        while not self._stopping:
            async with self.storage.uow() as uow:
                batch = await uow.inbox.pending(limit=TRIAGE_WINDOW)
                await uow.commit()  # keeps any update that could not be opened parked
            self._ordinary &= {item.update_id for item in batch}  # forget what is gone
            now = self._wall.now()
            ready = [item for item in batch if item.due(now)]
            # a chat whose earlier update waits for its next attempt: the rest wait too
            held = {i.chat_id for i in batch if not i.due(now) and i.chat_id is not None}
            waits = [(i.due_at - now).total_seconds() for i in batch if i.due_at and not i.due(now)]
            self._next_look = min([IDLE, *waits])
            first = await self._risky_first(ready, even_one=urgent_only)
            ahead = {item.update_id for item in first}
            rest = (
                []
                if urgent_only
                else [i for i in ready if i.update_id not in ahead and i.chat_id not in held][
                    :CHUNK
                ]
            )
            handled = 0
            for item in [*first, *rest]:
                if self._stopping:  # a shutdown: leave the rest for the next start
                    return done
                in_turn = item.update_id not in ahead
                if in_turn and item.chat_id is not None and item.chat_id in held:
                    continue  # an earlier update of its chat failed just now
                async with self.storage.uow() as uow:
                    claimed = await uow.inbox.claim_pending(
                        item.update_id,
                        worker=self.worker_id,
                        now=self._wall.now(),
                        in_turn=in_turn,
                    )
                    await uow.commit()
                if not claimed:  # another instance has it, or an earlier one of its chat
                    if item.chat_id is not None:
                        held.add(item.chat_id)
                    self._next_look = min(self._next_look, BUSY_CHAT)
                    continue
                if not await self._process_one(item) and item.chat_id is not None:
                    held.add(item.chat_id)
                handled += 1
                done += 1
                self.urgent += item.update_id in ahead
            if not handled:
                return done
        return done

    async def _risky_first(
        self, batch: list[PendingUpdate], *, even_one: bool = False
    ) -> list[PendingUpdate]:
        """The waiting updates to handle before the others: participants' messages that
        screen high or crisis, oldest first, each preceded by the waiting original of an
        edited message (so the first version is kept too). Empty when nothing is risky, or
        when only one update waits (it is next anyway) unless ``even_one``."""
        if self.triage is None or not batch or (len(batch) < 2 and not even_one):
            return []
        waiting: dict[int, WaitingMessage] = {}
        for item in batch:
            if item.update_id in self._ordinary:
                continue
            try:
                found = waiting_message(item.update_id, json.loads(item.payload))
            except (ValueError, TypeError):
                found = None  # malformed: handled (and failed) in its turn
            if found is not None:
                waiting[item.update_id] = found
        risky = await self.triage(list(waiting.values())) if waiting else set()
        self._ordinary.update(uid for uid in waiting if uid not in risky)
        if not risky:
            return []
        first: list[PendingUpdate] = []
        for item in batch:  # in update_id order
            if item.update_id not in risky:
                continue
            message = waiting[item.update_id]
            if message.edited:
                first += [
                    earlier
                    for earlier in batch
                    if earlier.update_id < item.update_id
                    and earlier not in first
                    and is_original_of(earlier.payload, message)
                ]
            first.append(item)
        return first

    async def _process_one(self, item: PendingUpdate) -> bool:
        """Handle one claimed update and record the outcome; True if it was handled, False
        if it failed (it is then tried again later, or parked)."""
        update_id = item.update_id
        self._current = update_id
        failure: BaseException | None = None
        try:
            update = Update.de_json(json.loads(item.payload), self.application.bot)
            await self.application.process_update(update)
        except Exception as exc:  # a malformed update must not stop the others
            log.exception("update %d could not be processed", update_id)
            failure = exc
        noted = self.failures.pop(update_id, None)  # a handler raised: the error handler says
        failure = failure or noted
        if failure is None:
            now = self.clock.now()
            settled = await self._settle(
                update_id,
                lambda uow: uow.inbox.mark_done(update_id, now=now, worker=self.worker_id),
            )
            self._finished(settled)
            self.processed += 1
            return True
        name = type(failure).__name__
        decision = after_failure(
            HandlingFailure(name, is_transient(failure)),
            attempts=item.attempts,
            last_error=item.error,
        )
        if isinstance(decision, Park):
            settled = await self._settle(
                update_id,
                lambda uow: uow.inbox.park_failing(
                    update_id,
                    worker=self.worker_id,
                    attempts=decision.attempts,
                    reason=decision.reason,
                ),
            )
            self.parked += 1
            log.error(
                "update %d set aside after failing %d times in a row (%s); `ember status` "
                "lists it, `ember requeue` hands it back once the cause is mended",
                update_id,
                decision.attempts,
                name,
            )
        else:
            not_before = self._wall.now() + decision.delay
            settled = await self._settle(
                update_id,
                lambda uow: uow.inbox.retry_later(
                    update_id,
                    worker=self.worker_id,
                    attempts=decision.attempts,
                    error=name,
                    not_before=not_before,
                ),
            )
            self.retried += 1
            self._next_look = min(self._next_look, decision.delay.total_seconds())
            log.warning(
                "update %d failed (%s, %d in a row); tried again in %.0f s",
                update_id,
                name,
                decision.attempts,
                decision.delay.total_seconds(),
            )
        self._finished(settled)
        return False

    def _finished(self, settled: bool) -> None:
        # an outcome not written (a shutdown during a database outage) leaves the update
        # in hand, for stop() to give back
        if settled:
            self._current = None

    async def _settle(self, update_id: int, write: Callable[[UnitOfWork], Awaitable[None]]) -> bool:
        """Write an update's outcome, trying again through a database outage until it is
        written or Ember stops; True once written."""
        delay = 0.2
        while True:
            try:
                async with self.storage.uow() as uow:
                    await write(uow)
                    await uow.commit()
                return True
            except Exception as exc:
                if self._stopping:
                    log.warning(
                        "update %d: outcome not recorded (%s)", update_id, type(exc).__name__
                    )
                    return False
                log.warning(
                    "update %d: recording its outcome failed (%s); retrying",
                    update_id,
                    type(exc).__name__,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _process_forever(self) -> None:
        # the flag as well as cancellation: a library that swallows a CancelledError must
        # not keep this loop (and so shutdown) going forever
        while not self._stopping:
            self._ready.clear()
            try:
                # someone is waiting for these: bulk work here pauses meanwhile
                with self.storage.foreground():
                    await self.process_pending()
                self._drained.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database away: look again in a moment
                log.warning("processing stored updates failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(1.0)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.05, self._next_look)):
                    await self._ready.wait()
            self._next_look = IDLE

    # -- lifecycle -----------------------------------------------------------------

    async def recover(self) -> int:
        """At start-up: updates claimed by instances that are gone go back to pending (an
        earlier process on this host that no longer runs at once, any other once its claim
        is stale); an update a live instance is handling stays its."""
        async with self.storage.uow() as uow:
            n = 0
            for worker in await uow.inbox.claimed_by_prefix(this_host()):
                if gone_from_this_host(worker, self.worker_id):
                    n += await uow.inbox.release_worker(worker)
            n += await uow.inbox.sweep_stale(now=self._wall.now(), older_than=STALE_CLAIM)
            await uow.commit()
        if n:
            log.warning("%d updates a stopped instance was handling are handled again", n)
        return n

    async def heartbeat(self) -> None:
        """Keep the claim on the update in hand fresh (the heartbeat job)."""
        current = self._current
        if current is None:
            return
        async with self.storage.uow() as uow:
            await uow.inbox.heartbeat(worker=self.worker_id, now=self._wall.now(), ids=[current])
            await uow.commit()

    async def sweep(self, older_than: timedelta = STALE_CLAIM) -> int:
        """Claims nobody refreshed for ``older_than`` (their instance died or lost the
        database) go back to pending, to be handled here or elsewhere (the leader's job)."""
        async with self.storage.uow() as uow:
            n = await uow.inbox.sweep_stale(now=self._wall.now(), older_than=older_than)
            await uow.commit()
        if n:
            log.warning("swept %d stale update claims back to pending", n)
            self._ready.set()
        return n

    async def catch_up(self) -> int:
        """At start-up: store what Telegram kept while Ember was down (long polling)."""
        return await self._polling.catch_up()

    async def start(self, *, poll: bool) -> int:
        """Recover, fetch what waits, handle its risky part, then process and poll in the
        background. Returns how many risky updates were handled before returning."""
        self._stopping = False
        self._drained.clear()
        await self.recover()
        if poll:
            await self.catch_up()
        before = self.urgent
        try:
            await self.process_pending(urgent_only=True)
        except Exception:  # never a reason not to start: the loop below tries again
            log.exception("handling the risky waiting updates first failed")
        self._processor = asyncio.create_task(self._process_forever(), name="ember-intake")
        if poll:
            self._polling.stopping = False
            self._poller = asyncio.create_task(self._polling.forever(), name="ember-polling")
        return self.urgent - before

    async def stop(self, grace: float = 5.0) -> None:
        """Stop fetching at once (an update fetched but not stored is not confirmed, so
        Telegram sends it again); let the update in hand finish, for up to ``grace``
        seconds. One cut short goes back to pending, to be handled at the next start."""
        self._stopping = True
        self._polling.stopping = True
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
            try:
                async with self.storage.uow() as uow:
                    await uow.inbox.release(cut_short, worker=self.worker_id)
                    await uow.commit()
            except Exception as exc:  # its claim goes stale and is swept back instead
                log.warning("could not give back update %d (%s)", cut_short, type(exc).__name__)
                return
            log.warning(
                "update %d was cut short by the shutdown; it is handled next start", cut_short
            )

    async def drained(self, grace: float) -> bool:
        """Wait until everything stored at start-up has been handled, for at most ``grace``
        seconds; True if it was."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self._drained.wait()
                return True
        return False

    def note_failure(self, update_id: int, error: BaseException) -> bool:
        """The error handler's word that handling ``update_id`` failed; True when the
        failure is one time mends (the update is tried again: no apology is due)."""
        self.failures[update_id] = error
        return is_transient(error)

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
