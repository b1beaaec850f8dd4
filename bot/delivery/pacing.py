"""Pacing under Telegram's limits, shared by every instance on the database.

Telegram allows a bot about 30 messages a second in all and one a second per chat. Every
send takes a slot from the send budget in the database (``storage/pacing.py``): slots are
evenly spaced at ``rate`` per second on one schedule for the whole deployment, so two or
ten instances together still send at most ``rate`` a second, and never more than that in
any one-second window. A chat is reserved with its slot (at most one message a chat every
``chat_interval`` seconds, across instances too). After a 429 the pause is written to the
database, and every instance honours it.

Ordinary messages take slots at most ``horizon`` seconds ahead; messages that must not
wait (alerts, safety messages) take the next slot whatever is reserved, so they are never
behind more than ``horizon`` seconds of bulk work; and they take over the earliest slot a
prompt reserved and has not yet used (the prompt's sender locks its slot in ``LOCK_LEAD``
seconds before it, finds it taken, and takes a new one), so an alert leaves in the current
second without a slot more being handed out. Nearer still, a slot one of this instance's
prompts has already locked in is this instance's alone: the dispatcher hands it to an
urgent message (which takes only its chat here, :meth:`Pacer.take_chat`) and the prompt
takes a new slot, so an alert waits for the next of its own instance's slots rather than
``LOCK_LEAD`` at least. Pacing uses wall-clock time (physical, shared
between hosts), not the injectable clinical clock.

The budget lives in the database (:class:`DatabaseBudget`) or, with ``EMBER_REDIS_URL``,
in Redis (:class:`bot.delivery.redis_budget.RedisBudget`), the same scheme either way.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from storage.pacing import Reservation
from storage.uow import Storage, UnitOfWork

GLOBAL_RATE = 28.8  # messages per second for the whole deployment (Telegram: 30/s per bot;
# the rest is room for the jitter between a slot and the moment its request arrives)
PER_CHAT_INTERVAL = 1.2  # seconds between two messages to one chat (Telegram: 1/s), with
# room for the jitter between a slot and the moment its request reaches Telegram
HORIZON = 0.1  # how far ahead ordinary messages may reserve slots, in seconds: what an alert
# waits at most behind prompts, and the stall a busy process can ride out without losing slots
LATE_SLOT = 0.02  # seconds after its slot a message is still sent; later, it takes a new one
LATE_RETRIES = 3  # new slots a message takes at most before it leaves late anyway
MAX_PAUSE = 60.0  # a longer retry_after is still honoured per chat, not for everyone
BOT_WIDE_SPAN = 2.0  # 429s for this many different chats within this many seconds …
BOT_WIDE_CHATS = 2  # … mean the bot-wide limit, not one chat's: then everyone pauses
LOCK_LEAD = 0.06  # seconds before its slot a prompt locks the slot in (no takeover after)
TAKEOVER_AHEAD = 0.01  # an urgent message takes over slots at least this far ahead

Also = Callable[[UnitOfWork], Awaitable[None]]
AlsoMany = Callable[[UnitOfWork, list[int]], Awaitable[None]]


def slot_token(message_id: int) -> str:
    """A name for one reservation of a message's slot (a message may be reserved again)."""
    return f"{message_id}-{secrets.token_hex(6)}"


class SendBudget(Protocol):
    """Where the deployment's send slots are handed out (the database, or Redis)."""

    async def reserve(
        self,
        *,
        chat_id: int,
        now: float,
        gap: float,
        chat_interval: float,
        horizon: float | None,
        also: Also | None,
    ) -> Reservation: ...

    async def reserve_many(
        self,
        *,
        chat_ids: list[int],
        tokens: list[str] | None,
        now: float,
        gap: float,
        chat_interval: float,
        horizon: float,
        also: AlsoMany | None,
    ) -> tuple[dict[int, float], set[int], float]: ...

    async def lock_in(self, token: str) -> bool: ...

    async def take_chat(
        self, *, chat_id: int, at: float, chat_interval: float, also: Also | None
    ) -> bool: ...

    async def retake(
        self,
        *,
        chat_id: int,
        now: float,
        gap: float,
        chat_interval: float,
        own_until: float | None,
    ) -> Reservation: ...

    async def hold_chat(self, chat_id: int, until: float) -> None: ...

    async def pause(self, until: float) -> None: ...

    async def forget(self, before: float) -> int: ...

    async def close(self) -> None: ...


class DatabaseBudget:
    """The send budget in the database every instance shares (``storage/pacing.py``)."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def reserve(
        self,
        *,
        chat_id: int,
        now: float,
        gap: float,
        chat_interval: float,
        horizon: float | None,
        also: Also | None,
    ) -> Reservation:
        async with self._storage.uow() as uow:
            reservation = await uow.budget.reserve(
                chat_id=chat_id,
                now=now,
                gap=gap,
                chat_interval=chat_interval,
                horizon=horizon,
                ahead=TAKEOVER_AHEAD,
            )
            if reservation.at is not None:
                if also is not None:
                    await also(uow)
                await uow.commit()
        return reservation

    async def reserve_many(
        self,
        *,
        chat_ids: list[int],
        tokens: list[str] | None,
        now: float,
        gap: float,
        chat_interval: float,
        horizon: float,
        also: AlsoMany | None,
    ) -> tuple[dict[int, float], set[int], float]:
        async with self._storage.uow() as uow:
            slots, busy, retry_in = await uow.budget.reserve_many(
                chat_ids=chat_ids,
                tokens=tokens,
                now=now,
                gap=gap,
                chat_interval=chat_interval,
                horizon=horizon,
            )
            if slots:
                if also is not None:
                    await also(uow, list(slots))
                await uow.commit()
        return slots, busy, retry_in

    async def lock_in(self, token: str) -> bool:
        async with self._storage.uow() as uow:
            kept = await uow.budget.lock_in(token)
            await uow.commit()
        return kept

    async def take_chat(
        self, *, chat_id: int, at: float, chat_interval: float, also: Also | None
    ) -> bool:
        async with self._storage.uow() as uow:
            taken = await uow.budget.take_chat(chat_id=chat_id, at=at, chat_interval=chat_interval)
            if taken:
                if also is not None:
                    await also(uow)
                await uow.commit()
        return taken

    async def retake(
        self,
        *,
        chat_id: int,
        now: float,
        gap: float,
        chat_interval: float,
        own_until: float | None,
    ) -> Reservation:
        async with self._storage.uow() as uow:
            slot = await uow.budget.retake(
                chat_id=chat_id,
                now=now,
                gap=gap,
                chat_interval=chat_interval,
                own_until=own_until,
            )
            if slot.at is not None:  # otherwise the slot taken is given back
                await uow.commit()
        return slot

    async def hold_chat(self, chat_id: int, until: float) -> None:
        async with self._storage.uow() as uow:
            await uow.budget.hold_chat(chat_id, until)
            await uow.commit()

    async def pause(self, until: float) -> None:
        async with self._storage.uow() as uow:
            await uow.budget.pause(until)
            await uow.commit()

    async def forget(self, before: float) -> int:
        async with self._storage.uow() as uow:
            n = await uow.budget.forget_chats(before)
            await uow.commit()
        return n

    async def close(self) -> None:
        return None


class Pacer:
    """Hands out send slots from the deployment-wide budget."""

    def __init__(
        self,
        storage: Storage,
        *,
        rate: float = GLOBAL_RATE,
        chat_interval: float = PER_CHAT_INTERVAL,
        horizon: float = HORIZON,
        wall: Callable[[], float] = time.time,
        budget: SendBudget | None = None,
    ) -> None:
        self.budget: SendBudget = budget or DatabaseBudget(storage)
        self.gap = 1.0 / rate
        self._chat_interval = chat_interval
        self._horizon = horizon
        self._wall = wall
        self._chat_free_at: dict[int, float] = {}  # what this instance last learned
        self._ours: dict[int, float] = {}  # until when this instance's own reservations hold
        self._recent_429s: list[tuple[float, int]] = []
        self.taken_over = 0  # prompts' slots this instance's urgent messages took

    def chat_ready_in(self, chat_id: int) -> float:
        """This instance's best knowledge of how long a chat must still wait."""
        return max(0.0, self._chat_free_at.get(chat_id, 0.0) - self._wall())

    async def reserve(
        self,
        chat_id: int,
        *,
        urgent: bool,
        also: Also | None = None,
    ) -> Reservation:
        """A slot for one message to ``chat_id``; kept only when both slot and chat are free.

        An urgent one takes over a prompt's slot not yet locked in when the schedule's next
        free slot is further ahead. ``also`` runs in the same transaction when a slot is
        taken (the dispatcher marks the message as being sent there, so nothing else stands
        between the slot and the send).
        """
        now = self._wall()
        reservation = await self.budget.reserve(
            chat_id=chat_id,
            now=now,
            gap=self.gap,
            chat_interval=self._chat_interval,
            horizon=None if urgent else self._horizon,
            also=also,
        )
        if reservation.at is not None:
            self._note_chat(chat_id, reservation.at + self._chat_interval, ours=True)
            self.taken_over += reservation.taken_over
        elif reservation.chat_busy:
            self._note_chat(chat_id, now + reservation.retry_in)
        return reservation

    async def reserve_many(
        self,
        chat_ids: list[int],
        *,
        tokens: list[str] | None = None,
        also: AlsoMany | None = None,
    ) -> tuple[dict[int, float], float]:
        """Slots for ordinary messages to several chats in one transaction (as many as the
        horizon holds); returns the chats served with their slot times, and, when none
        was, seconds to wait before trying again. ``also`` runs in the same transaction
        with the chats served. With ``tokens`` (one per chat) the slots may be taken over
        by urgent messages until locked in (:meth:`lock_in`)."""
        now = self._wall()
        slots, busy, retry_in = await self.budget.reserve_many(
            chat_ids=chat_ids,
            tokens=tokens,
            now=now,
            gap=self.gap,
            chat_interval=self._chat_interval,
            horizon=self._horizon,
            also=also,
        )
        for chat_id, at in slots.items():
            self._note_chat(chat_id, at + self._chat_interval, ours=True)
        for chat_id in busy:  # another instance sent there just now: look again later
            self._note_chat(chat_id, now + self._chat_interval / 2)
        return slots, retry_in

    async def lock_in(self, token: str) -> bool:
        """Keep the slot ``token`` names for its message, which leaves in a moment; False
        if an urgent message took it over (then :meth:`retake` a new one)."""
        return await self.budget.lock_in(token)

    async def take_chat(self, chat_id: int, at: float, *, also: Also | None = None) -> bool:
        """The chat alone, for an urgent message leaving at ``at`` in a slot this instance
        holds already (a prompt's, locked in and handed over): no slot more is spent. False
        when the chat is busy then. ``also`` runs in the same transaction when it is taken."""
        taken = await self.budget.take_chat(
            chat_id=chat_id, at=at, chat_interval=self._chat_interval, also=also
        )
        if taken:
            self._note_chat(chat_id, at + self._chat_interval, ours=True)
            self.taken_over += 1
        return taken

    def now(self) -> float:
        """Wall-clock time as pacing counts it (epoch seconds)."""
        return self._wall()

    def late(self, at: float) -> float:
        """How long ago the slot at ``at`` went by (negative: still ahead)."""
        return self._wall() - at

    async def retake(self, chat_id: int) -> Reservation:
        """A new slot for a message whose slot went by while this process was busy elsewhere,
        or was taken over by an alert.

        Sent late, it would crowd the messages a second after its slot: Telegram counts
        when requests arrive, not when they were planned. Its chat was taken already, by
        this instance; if another instance has reserved the chat since (or a 429 holds it
        longer), no slot is taken, and the answer says how long the chat is held."""
        now = self._wall()
        slot = await self.budget.retake(
            chat_id=chat_id,
            now=now,
            gap=self.gap,
            chat_interval=self._chat_interval,
            own_until=self._ours.get(chat_id),
        )
        if slot.at is not None:
            self._note_chat(chat_id, slot.at + self._chat_interval, ours=True)
        else:
            self._note_chat(chat_id, now + slot.retry_in)
        return slot

    async def wait_until(self, at: float) -> None:
        delay = at - self._wall()
        if delay > 0:
            await asyncio.sleep(delay)

    async def hold_chat(self, chat_id: int, seconds: float) -> None:
        """Telegram asked for a pause in this chat (a 429): every instance keeps it."""
        until = self._wall() + seconds
        self._note_chat(chat_id, until)
        await self.budget.hold_chat(chat_id, until)

    def bot_wide_429(self, chat_id: int) -> bool:
        """Whether a 429 for ``chat_id`` looks bot-wide rather than this chat's own.

        Telegram does not say which limit a 429 is about. The schedule keeps the bot-wide
        rate, so a lone 429 is most likely one chat's (it is held back alone); 429s for
        several chats in a moment mean the bot-wide limit, and then every instance pauses.
        """
        now = self._wall()
        self._recent_429s = [(t, c) for t, c in self._recent_429s if now - t < BOT_WIDE_SPAN]
        self._recent_429s.append((now, chat_id))
        return len({c for _, c in self._recent_429s}) >= BOT_WIDE_CHATS

    async def pause_all(self, seconds: float) -> None:
        """After a 429 whose scope we can't tell, no instance sends for ``seconds``."""
        await self.budget.pause(self._wall() + min(seconds, MAX_PAUSE))

    async def forget_old_chats(self) -> int:
        """Drop the shared per-chat release times long past (the leader's sweep)."""
        return await self.budget.forget(self._wall() - 60.0)

    def _note_chat(self, chat_id: int, free_at: float, *, ours: bool = False) -> None:
        # pruned here, on every instance: the sweep that forgets the shared times runs on
        # the leader only
        self._chat_free_at[chat_id] = max(self._chat_free_at.get(chat_id, 0.0), free_at)
        if ours:  # the chat held by a reservation of this instance's own
            self._ours[chat_id] = max(self._ours.get(chat_id, 0.0), free_at)
        if len(self._chat_free_at) > 50_000:
            now = self._wall()
            self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}
            self._ours = {c: t for c, t in self._ours.items() if t > now}
