"""The outbox dispatcher: claims due messages, paces them under Telegram's limits, sends, records.

It is the only component that sends messages, and edits them (an edit is an outbox row that
names the row whose message it changes). It runs as one long-lived task per process,
woken at once when something urgent is queued (``wake()``) and otherwise polling the outbox
every ``idle_poll`` seconds; periodic housekeeping (heartbeat, stale sweeps) is driven by the
scheduler in ``bot/jobs.py``. Several processes may run dispatchers on one PostgreSQL
database: claims use ``FOR UPDATE SKIP LOCKED``, so no message is claimed twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock, SystemClock
from bot.delivery.pacing import LATE_RETRIES, LATE_SLOT, LOCK_LEAD, Pacer, slot_token
from bot.delivery.retry import DeliveryError, DeliveryErrorKind, decide
from bot.delivery.telegram_sender import MessageSender
from bot.domain.records import ClaimedMessage
from bot.transient import is_transient
from bot.workers import STALE_CLAIM, gone_from_this_host, make_worker_id, this_host
from storage.pacing import Reservation
from storage.uow import Storage, UnitOfWork
from storage.write_turns import bulk_work

log = logging.getLogger(__name__)

FailureHook = Callable[[ClaimedMessage, DeliveryError], Awaitable[None]]
# Rows deleted once sent, or once given up on: nothing is kept about strangers, nor the chat
# of a participant whose data were erased (their last message, "erased").
EPHEMERAL_KINDS = frozenset({"stranger", "erased"})
URGENT = 9  # outbox priority from which a message never waits behind bulk work (alerts, safety)
URGENT_CLAIM = 10  # how many urgent messages the risk lane claims at once
RESERVE_BATCH = 8  # ordinary messages given slots in one transaction, at most (the horizon
# bounds it further: at 28.8/s, 0.1 s holds 3 slots)
RECORD_ATTEMPTS = 5  # tries to write a send's outcome through a database outage
RECORD_RETRY = 0.5  # seconds, growing with each try
UNSLOTTED_RETRY = timedelta(seconds=1)  # a message whose slot could not be confirmed waits
RETAKE_PATIENCE = 2.5  # seconds a message waits in hand, at most, for its chat held by another
# instance's message, to take a new slot after it; held longer (a 429), it is queued again
RETAKE_TRIES = 4  # new slots tried at most that way
HANDOVER_AHEAD = 0.015  # seconds: a prompt's locked-in slot at least this far ahead is handed
# to an urgent message (time to take its chat in the shared budget first)


class ChatHeld(Exception):
    """A message's chat is held for ``seconds`` more by another message (another instance's
    reservation, or a 429's pause): no new slot for it before then."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"chat held for {seconds:.1f} s")
        self.seconds = seconds


@dataclass
class _LockedSlot:
    """A slot a prompt of this instance has locked in and waits for (epoch seconds)."""

    at: float
    handed_over: bool = False  # an urgent message goes in it instead


class Dispatcher:
    """Sends what the outbox holds, at Telegram's pace, and records every outcome."""

    def __init__(
        self,
        storage: Storage,
        sender: MessageSender,
        clock: Clock,
        *,
        pacer: Pacer | None = None,
        worker_id: str | None = None,
        on_failure: FailureHook | None = None,
        batch: int = 60,
        concurrency: int = 24,
        idle_poll: float = 1.0,
    ) -> None:
        self.storage = storage
        self.sender = sender
        self.clock = clock
        self._wall = SystemClock()  # claims age in physical time, whatever the clinical clock
        self.pacer = pacer or Pacer(storage)
        self.worker_id = worker_id or make_worker_id()
        self.on_failure = on_failure
        self.batch = batch
        self.idle_poll = idle_poll
        self.concurrency = concurrency  # ordinary sends under way at once, at most
        self._busy = 0  # ordinary sends under way (urgent ones are never held back)
        self._room = asyncio.Event()  # "an ordinary send finished"
        self._wake = asyncio.Event()  # "look at the outbox now"
        self._urgent_wake = asyncio.Event()  # the same, for the risk lane
        self._urgent: list[ClaimedMessage] = []  # claimed by the risk lane, not yet sent
        self._queued = asyncio.Event()  # "the in-memory queue has something new"
        self._queue: list[ClaimedMessage] = []
        self._held: set[int] = set()  # claimed rows whose outcome is not yet written
        self._locked: list[_LockedSlot] = []  # prompts' slots locked in, not yet used
        self._inflight: set[asyncio.Task[None]] = set()
        # messages under way here, per chat, in the order they set out: one to a chat never
        # overtakes one set out before it with at least its priority (``_turn``)
        self._chats: dict[int, list[ClaimedMessage]] = {}
        self._turns = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.sent = 0
        self.failed = 0
        self.displaced = 0  # prompts whose slot an urgent message took (sent later)
        self.late = 0  # messages whose slot went by before they could leave
        self.handed_over = 0  # urgent messages sent in a slot a prompt here had locked in

    # -- lifecycle -----------------------------------------------------------------

    def wake(self) -> None:
        """Something was queued: look at the outbox now rather than at the next poll.

        The risk lane is woken first, so that its claim goes ahead of the ordinary one when
        both look at once (an alert was queued)."""
        self._urgent_wake.set()
        self._wake.set()

    async def start(self) -> None:
        await self.recover_dead_workers()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="ember-dispatcher")

    async def stop(self, grace: float = 5.0) -> None:
        if self.sent:
            log.info(
                "dispatcher: %d sent, %d failed; %d slots went by (process busy), %d prompts' "
                "slots taken by urgent messages (%d taken by this instance's, %d of them "
                "handed over here)",
                self.sent,
                self.failed,
                self.late,
                self.displaced,
                self.pacer.taken_over,
                self.handed_over,
            )
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._inflight:
            _, late = await asyncio.wait(set(self._inflight), timeout=grace)
            for task in late:  # storage closes next: nothing may outlive this
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        # every claim of ours not attempted goes back, also one taken by a claim the
        # cancellation interrupted before it reached the in-memory queue
        self._queue.clear()
        self._urgent.clear()
        self._held.clear()
        try:
            async with self.storage.uow() as uow:
                await uow.outbox.release_claims(self.worker_id)
                await uow.commit()
        except Exception as exc:  # the database is away: the sweep returns them instead
            log.warning("could not give back unsent claims (%s); swept later", type(exc).__name__)

    async def recover_dead_workers(self) -> int:
        """Claims left by an earlier process on this host that is gone (crash, kill -9)."""
        recovered = 0
        async with self.storage.uow() as uow:
            for worker in await uow.outbox.claimed_by_prefix(this_host()):
                if gone_from_this_host(worker, self.worker_id):
                    recovered += await uow.outbox.release_worker(
                        worker=worker, now=self.clock.now()
                    )
            await uow.commit()
        if recovered:
            log.warning("returned %d messages claimed by a stopped process to the queue", recovered)
        return recovered

    async def urgent_sent(self, *, min_priority: int, grace: float = 5.0) -> bool:
        """Wait until no message of at least ``min_priority`` (alerts, safety messages) is
        due and unsent, for at most ``grace`` seconds; True if none is left.

        Start-up waits here before the jobs start: sends share the database with a prompt
        fan-out, so "queued first" alone would not make "sent first".
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while True:
            async with self.storage.uow() as uow:
                left = await uow.outbox.unsent_urgent(
                    min_priority=min_priority, now=self.clock.now()
                )
            if not left:
                return True
            if loop.time() >= deadline:
                log.warning("%d urgent messages still unsent; starting the jobs anyway", left)
                return False
            self.wake()
            await asyncio.sleep(0.05)

    async def heartbeat(self) -> None:
        async with self.storage.uow() as uow:
            await uow.outbox.heartbeat(
                worker=self.worker_id, now=self._wall.now(), ids=sorted(self._held)
            )
            await uow.commit()

    async def sweep(self, older_than: timedelta = STALE_CLAIM) -> int:
        """Claims nobody has refreshed for ``older_than`` (their instance died or lost the
        database) go back to the queue, marked ambiguous if their request may have left."""
        async with self.storage.uow() as uow:
            n = await uow.outbox.sweep_stale(now=self._wall.now(), older_than=older_than)
            await uow.commit()
        await self.pacer.forget_old_chats()
        if n:
            log.warning("swept %d stale claims back to the queue", n)
            self.wake()
        return n

    # -- the loops -----------------------------------------------------------------
    # Three tasks: one keeps a small in-memory queue filled from the outbox (database work),
    # another hands out send slots from it, so pacing never waits on the database; the
    # risk lane claims and sends alerts and safety messages the moment they are queued,
    # whatever the other two are busy with (a claim of 60 prompts, a full schedule).

    async def _run(self) -> None:
        risk = asyncio.create_task(self._urgent_forever(), name="ember-dispatcher-risk")
        # the ordinary work's writes (claims, slots, records of sends) let every other
        # writer go first: an inbound message and the risk lane never queue behind them
        # (``storage/write_turns.py``); the tasks started here inherit it
        with bulk_work():
            refill = asyncio.create_task(self._refill_forever(), name="ember-dispatcher-claims")
        try:
            with bulk_work():
                while not self._stopping:
                    try:
                        await self._step()
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:
                        _failed_for_now(exc, "dispatcher step failed; retrying shortly")
                        await asyncio.sleep(1.0)
        finally:
            for task in (refill, risk):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _urgent_forever(self) -> None:
        while not self._stopping:
            self._urgent_wake.clear()  # before claiming: a wake() meanwhile is not lost
            wait = self.idle_poll
            try:
                with self.storage.foreground():  # bulk work here pauses meanwhile
                    await self._claim(urgent_only=True)
                    wait = await self._send_urgent()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _failed_for_now(exc, "sending urgent messages failed; retrying shortly")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._urgent_wake.wait()

    async def _send_urgent(self) -> float:
        """Start every urgent message whose chat is free; seconds until the next one may be."""
        soonest = self.idle_poll
        for item in list(self._urgent):
            wait = self.pacer.chat_ready_in(item.chat_id)
            if wait <= 0:
                self._urgent.remove(item)
                if await self._hand_over(item):
                    continue
                slot = await self._start(item, into=self._urgent)
                if slot.at is None:
                    wait = slot.retry_in
            if wait > 0:
                soonest = min(soonest, wait)
        return max(soonest, 0.001)

    async def _refill_forever(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before claiming: a wake() during the claim is not lost
            try:
                await self.storage.yield_to_foreground()  # a message or alert first
                claimed = await self._claim()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _failed_for_now(exc, "claiming from the outbox failed; retrying shortly")
                claimed = 0
            if claimed:
                self._queued.set()
            if claimed and len(self._queue) < self.batch // 2:
                continue  # more may be due right now
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.idle_poll):
                    await self._wake.wait()

    async def _step(self) -> None:
        item, wait = self._next_ready()
        if item is None:
            self._queued.clear()
            if len(self._queue) < self.batch // 2:
                self._wake.set()
            timeout = self.idle_poll if wait is None else min(wait, self.idle_poll)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._queued.wait()
            return

        urgent = item.priority >= URGENT
        if not urgent and self._busy >= self.concurrency:
            # no slot is taken that could not be used at once; an urgent message queued
            # meanwhile is looked at as soon as it is claimed
            self._requeue(item)
            self._room.clear()
            self._queued.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.idle_poll):
                    await _first(self._room.wait(), self._queued.wait())
            return

        if urgent:
            slot = await self._start(item, into=self._queue)
            started, retry_in = slot.at is not None, 0.0 if slot.chat_busy else slot.retry_in
        else:  # slots for several at once: one short transaction on the shared row
            room = min(RESERVE_BATCH, self.concurrency - self._busy)
            started, retry_in = await self._start_many([item, *self._more_ready(item, room - 1)])
        if not started and retry_in > 0:  # the shared schedule is full just now
            await asyncio.sleep(min(retry_in, 0.2))
        elif started and len(self._queue) < self.batch // 2:
            self._wake.set()  # top up before we run dry

    def _more_ready(self, first: ClaimedMessage, count: int) -> list[ClaimedMessage]:
        """Up to ``count`` more ordinary messages ready to go, each to a chat of its own."""
        chats = {first.chat_id}
        more: list[ClaimedMessage] = []
        for item in list(self._queue):
            if len(more) >= count:
                break
            if item.priority >= URGENT or item.chat_id in chats:
                continue
            if self.pacer.chat_ready_in(item.chat_id) <= 0:
                self._queue.remove(item)
                chats.add(item.chat_id)
                more.append(item)
        return more

    async def _start_many(self, items: list[ClaimedMessage]) -> tuple[bool, float]:
        """Take slots for ordinary messages (to different chats) and start sending each at
        its own; those without a slot go back to the queue. Returns whether any started,
        and how long to wait when the schedule was full."""

        async def sending(uow: UnitOfWork, chats: list[int]) -> None:
            # from here on a crash makes the outcome ambiguous (the slots are moments away)
            served = [m.id for m in items if m.chat_id in chats]
            await uow.outbox.mark_sending_many(served, now=self._wall.now())

        tokens = [slot_token(m.id) for m in items]
        try:
            slots, retry_in = await self.pacer.reserve_many(
                [m.chat_id for m in items], tokens=tokens, also=sending
            )
        except BaseException:
            for item in items:
                self._requeue(item)  # never orphaned in memory: tried again
            raise
        for item, token in zip(items, tokens, strict=True):
            at = slots.get(item.chat_id)
            if at is None:
                self._requeue(item)
                continue
            self._busy += 1
            task = asyncio.create_task(self._send(item, at, token))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return bool(slots), retry_in

    async def _start(self, item: ClaimedMessage, *, into: list[ClaimedMessage]) -> Reservation:
        """Take a slot for ``item`` and start sending it there; without a slot it goes back
        ``into`` its queue."""
        urgent = item.priority >= URGENT

        async def sending(uow: UnitOfWork) -> None:
            # from here on a crash makes the outcome ambiguous (the slot is moments away)
            await uow.outbox.mark_sending(item.id, now=self._wall.now())

        try:
            slot = await self.pacer.reserve(item.chat_id, urgent=urgent, also=sending)
        except BaseException:
            _requeue(into, item)  # never orphaned in memory: it is tried again
            raise
        if slot.at is None:
            _requeue(into, item)
            return slot
        if not urgent:
            self._busy += 1
        task = asyncio.create_task(self._send(item, slot.at))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return slot

    def _requeue(self, item: ClaimedMessage) -> None:
        _requeue(self._queue, item)

    async def _hand_over(self, item: ClaimedMessage) -> bool:
        """Send an urgent message in the soonest slot one of this instance's prompts has
        locked in and not yet used, if one lies far enough ahead to take its chat first;
        the prompt takes a new slot. True once it is under way.

        A slot taken over in the shared budget lies at least ``LOCK_LEAD`` ahead (nearer
        ones are locked in by their prompts); a locked-in slot is this instance's alone, so
        it can be handed over here without another instance ever sending in it too."""
        soonest = self.pacer.now() + HANDOVER_AHEAD
        free = [s for s in self._locked if not s.handed_over and s.at >= soonest]
        if not free:
            return False
        slot = min(free, key=lambda s: s.at)
        slot.handed_over = True  # from here the prompt will not send in it

        async def sending(uow: UnitOfWork) -> None:
            await uow.outbox.mark_sending(item.id, now=self._wall.now())

        try:
            taken = await self.pacer.take_chat(item.chat_id, slot.at, also=sending)
        except BaseException:
            slot.handed_over = False  # still the prompt's, if its moment has not come
            _requeue(self._urgent, item)
            raise
        if not taken:  # the chat is busy then: the usual way, which says until when
            slot.handed_over = False
            return False
        self.handed_over += 1
        task = asyncio.create_task(self._send(item, slot.at))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return True

    async def _unless_handed_over(self, item: ClaimedMessage, at: float) -> float:
        """Wait for the slot at ``at`` that this prompt locked in; if an urgent message was
        handed it meanwhile, a new slot, later (the chat was taken already)."""
        slot = _LockedSlot(at)
        self._locked.append(slot)
        try:
            await self.pacer.wait_until(at)
        finally:
            self._locked.remove(slot)
        if not slot.handed_over:
            return at
        self.displaced += 1
        return await self._retake(item)

    async def _retake(self, item: ClaimedMessage) -> float:
        """A new slot for ``item``, whose own went by or was handed to an alert. When another
        instance has reserved its chat since (or a 429 holds it), the new slot comes after
        that: the message waits for it here, briefly; raises :class:`ChatHeld` when the
        chat is held longer, or taken again and again."""
        for _ in range(RETAKE_TRIES):
            slot = await self.pacer.retake(item.chat_id)
            if slot.at is not None:
                return slot.at
            if slot.retry_in > RETAKE_PATIENCE:
                raise ChatHeld(slot.retry_in)
            await asyncio.sleep(slot.retry_in)
        raise ChatHeld(self.pacer.chat_ready_in(item.chat_id))

    async def _claim(self, *, urgent_only: bool = False) -> int:
        """Claim what is due: ``urgent_only`` (the risk lane) alerts and safety messages
        into the risk lane's queue, otherwise ordinary messages into the in-memory queue.

        Each lane claims only its own: an alert claimed by the ordinary claims would wait
        behind their pacing (a full queue, a schedule full for the next 0.2 s) instead of
        leaving at once, however quickly the risk lane was woken."""
        if urgent_only:
            room, min_priority, below = URGENT_CLAIM, URGENT, None
        else:
            room, min_priority, below = self.batch - len(self._queue), None, URGENT
            if room <= 0:
                return 0
        async with self.storage.uow() as uow:
            claimed = await uow.outbox.claim(
                worker=self.worker_id,
                now=self.clock.now(),
                limit=room,
                min_priority=min_priority,
                below_priority=below,
                stamp=self._wall.now(),
            )
            # an edit of a message that was never sent (it failed, or was withdrawn) has
            # nothing to change: it is done here, without a request
            moot = [m.id for m in claimed if m.is_edit and m.edit_message_id is None]
            await uow.outbox.cancel(moot, reason="nothing to edit: the original was not sent")
            await uow.commit()
        sendable = [m for m in claimed if m.id not in moot]
        if sendable:
            self._held.update(m.id for m in sendable)
            queue = self._urgent if urgent_only else self._queue
            queue.extend(sendable)
            queue.sort(key=lambda m: (-m.priority, m.id))
        return len(claimed)

    def _next_ready(self) -> tuple[ClaimedMessage | None, float | None]:
        soonest: float | None = None
        for i, item in enumerate(self._queue):
            wait = self.pacer.chat_ready_in(item.chat_id)
            if wait <= 0:
                return self._queue.pop(i), None
            soonest = wait if soonest is None else min(soonest, wait)
        return None, soonest

    async def _send(self, item: ClaimedMessage, at: float, token: str | None = None) -> None:
        under_way = self._chats.setdefault(item.chat_id, [])
        under_way.append(item)
        try:
            if token is not None:  # a prompt's slot, which an alert may take over until now
                await self.pacer.wait_until(at - LOCK_LEAD)
                try:
                    kept = await self.pacer.lock_in(token)
                    if not kept:  # an urgent message goes in this slot: a new one, later
                        self.displaced += 1
                        at = await self._retake(item)
                    else:  # ours alone now, but still this instance's to hand over
                        at = await self._unless_handed_over(item, at)
                except Exception as exc:  # the budget out of reach, the chat held: nothing is sent
                    await self._unslotted(item, exc)
                    return
            await self.pacer.wait_until(at)
            # an earlier message to this chat that had to take a later slot goes first; this
            # one then finds its slot gone by and takes the next (the chat's pace kept)
            await self._turn(item)
            for _ in range(LATE_RETRIES):
                if self.pacer.late(at) <= LATE_SLOT:
                    break
                self.late += 1
                try:
                    at = await self._retake(item)
                except Exception as exc:  # the budget out of reach, the chat held: nothing is sent
                    await self._unslotted(item, exc)
                    return
                await self.pacer.wait_until(at)
            try:
                if item.edit_message_id is not None:
                    await self.sender.edit(item.chat_id, item.edit_message_id, item.message)
                    message_id: int | None = item.edit_message_id
                else:
                    message_id = await self.sender.send(item.chat_id, item.message)
            except DeliveryError as error:
                await self._failed(item, error)
                return
            except Exception as exc:  # a bug or an unexpected transport error: retry safely
                log.exception("unexpected error sending outbox message %d", item.id)
                await self._failed(
                    item, DeliveryError(DeliveryErrorKind.TIMEOUT, type(exc).__name__)
                )
                return

            async def record(uow: UnitOfWork) -> None:
                if item.kind in EPHEMERAL_KINDS:
                    await uow.outbox.delete(item.id)
                else:
                    await uow.outbox.mark_sent(
                        item.id, now=self.clock.now(), telegram_message_id=message_id
                    )

            await self._record(item, record)
            self.sent += 1
        except Exception as exc:  # never left held (and kept fresh) without an outcome
            log.warning(
                "outbox message %d: outcome unknown (%s); left to the sweep",
                item.id,
                type(exc).__name__,
            )
            self._held.discard(item.id)
        finally:
            if item.priority < URGENT:
                self._busy -= 1
                self._room.set()
            under_way.remove(item)
            if not under_way:
                self._chats.pop(item.chat_id, None)
            async with self._turns:
                self._turns.notify_all()

    def _ahead(self, item: ClaimedMessage) -> bool:
        """Whether a message to the same chat, set out before ``item`` with at least its
        priority, is still under way (an urgent message never waits for a prompt)."""
        for other in self._chats.get(item.chat_id, ()):
            if other is item:
                return False
            if other.priority >= item.priority:
                return True
        return False

    async def _turn(self, item: ClaimedMessage) -> None:
        """Wait until no message set out before ``item`` to its chat is under way: the
        participant reads "It's in your journal" before the question asked again after it,
        even when the first had to take a later slot (late, or handed to an alert)."""
        if not self._ahead(item):
            return
        async with self._turns:
            await self._turns.wait_for(lambda: not self._ahead(item))
        # the one before has just left: this chat's pace counts from its slot (the new slot
        # this one takes next is the schedule's, which knows nothing of the chat)
        ready_in = self.pacer.chat_ready_in(item.chat_id)
        if ready_in > 0:
            await asyncio.sleep(ready_in)

    async def _unslotted(self, item: ClaimedMessage, error: Exception) -> None:
        """The slot could not be confirmed (the send budget is out of reach, or its chat is
        held for a while by another instance's message): the message was not sent and goes
        back to the queue, a moment later (once the chat is free), as it was."""
        if isinstance(error, ChatHeld):
            log.info(
                "outbox message %d: its chat is held for %.1f s; queued again",
                item.id,
                error.seconds,
            )
            retry_at = self.clock.now() + timedelta(seconds=max(error.seconds, 0.0))
            reason = "its chat held by another message"
        else:
            _failed_for_now(error, f"outbox message {item.id}: its slot could not be confirmed")
            retry_at = self.clock.now() + UNSLOTTED_RETRY
            reason = "send budget out of reach"

        async def record(uow: UnitOfWork) -> None:
            await uow.outbox.mark_retry(
                item.id,
                not_before=retry_at,
                error=reason,
                ambiguous=False,
                count_attempt=False,
            )

        await self._record(item, record)
        self.wake()

    async def _record(
        self, item: ClaimedMessage, write: Callable[[UnitOfWork], Awaitable[None]]
    ) -> None:
        """Write an outcome, retrying through a database outage; if it cannot be written,
        the claim is let go (no longer kept fresh), so a sweep returns the row to the queue
        marked ambiguous rather than leaving it orphaned."""
        for attempt in range(RECORD_ATTEMPTS):
            try:
                async with self.storage.uow() as uow:
                    await write(uow)
                    await uow.commit()
            except Exception:
                if attempt == RECORD_ATTEMPTS - 1:
                    log.error("outbox message %d: outcome not recorded; left to the sweep", item.id)
                else:
                    await asyncio.sleep(RECORD_RETRY * (attempt + 1))
                continue
            break
        self._held.discard(item.id)

    async def _failed(self, item: ClaimedMessage, error: DeliveryError) -> None:
        decision = decide(error, item.attempts)
        failed_at = self.clock.now()  # the retry counts from the failure, not from its record
        if error.kind is DeliveryErrorKind.RATE_LIMITED:
            seconds = error.retry_after or 1.0
            try:
                await self.pacer.hold_chat(item.chat_id, seconds)
                if self.pacer.bot_wide_429(item.chat_id):
                    await self.pacer.pause_all(min(seconds, 5.0))
            except Exception as exc:  # the retry below must be recorded all the same
                log.warning("could not share Telegram's pause (%s)", type(exc).__name__)
            log.warning("Telegram asked us to slow down (retry after %.0fs)", seconds)

        async def record(uow: UnitOfWork) -> None:
            if decision is None and item.kind in EPHEMERAL_KINDS:
                await uow.outbox.delete(item.id)  # the log line below is the record
            elif decision is None:
                await uow.outbox.mark_failed(item.id, error=str(error))
            else:
                await uow.outbox.mark_retry(
                    item.id,
                    not_before=failed_at + decision.delay,
                    error=str(error),
                    ambiguous=decision.ambiguous,
                    count_attempt=decision.counts_as_attempt,
                )

        await self._record(item, record)
        if decision is None:
            self.failed += 1
            log.warning(
                "gave up on outbox message %d (%s): %s", item.id, item.kind, error.kind.value
            )
            if self.on_failure is not None:
                try:
                    await self.on_failure(item, error)
                except Exception:
                    log.exception("failure hook raised for outbox message %d", item.id)
        else:
            self.wake()


def _failed_for_now(error: Exception, what: str) -> None:
    """One line for a failure time mends (the database away); a traceback for the rest."""
    if is_transient(error):
        log.warning("%s (%s)", what, type(error).__name__)
    else:
        log.exception(what)


def _requeue(queue: list[ClaimedMessage], item: ClaimedMessage) -> None:
    queue.append(item)
    queue.sort(key=lambda m: (-m.priority, m.id))


async def _first(*waits: Awaitable[object]) -> None:
    """Return as soon as any of ``waits`` is done; the others are cancelled."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
