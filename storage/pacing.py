"""The send budget shared by every instance: Telegram's bot-wide and per-chat limits.

One row per lane in ``send_lanes`` holds the next free send slot (wall-clock epoch
seconds); an instance takes a slot with one atomic ``UPDATE … RETURNING``, so slots are
handed out evenly spaced across all instances, and the bot-wide rate holds however many
run. ``chat_pacing`` holds when each chat may next receive a message. A reservation takes
the bot-wide slot and the chat in one transaction: if the chat is not free by the slot's
time, the caller rolls back and nothing is spent.

The slots ordinary messages take are written to ``send_slots`` until their sender locks
them in, moments before the slot: an alert or a safety message takes over the earliest of
them (the prompt takes a new, later slot), so it leaves in the current second without a
single slot more being handed out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy import insert as insert_rows
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatPace, Lease, SendLane, SendSlot
from storage.sql import dialect_insert, insert_ignore

LANE = "telegram"
OWN_SLACK = 1e-4  # seconds: a chat's release time read back as its holder wrote it (rounding)


@dataclass(frozen=True)
class Reservation:
    """A slot at ``at`` (epoch seconds), or none yet: try again in ``retry_in`` seconds."""

    at: float | None
    retry_in: float = 0.0
    chat_busy: bool = False
    taken_over: bool = False  # the slot was a prompt's, taken over by an urgent message


class SendBudget:
    """Slots on the deployment-wide send schedule, and per-chat release times."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    def _greatest(self, *args: Any) -> ColumnElement[float]:
        return func.greatest(*args) if self._postgres else func.max(*args)

    async def reserve(
        self,
        *,
        chat_id: int,
        now: float,
        gap: float,
        chat_interval: float,
        horizon: float | None,
        ahead: float = 0.01,
        _again: bool = True,
    ) -> Reservation:
        """Take the next bot-wide slot and the chat for it.

        ``horizon`` bounds how far ahead of ``now`` a slot may be taken (None: any slot,
        for messages that must not wait behind bulk work). When the chat is busy at the
        slot's time the caller must roll back: the slot was only tentatively taken.

        An urgent reservation (``horizon`` None) first takes over the earliest slot a prompt
        reserved and has not locked in, at least ``ahead`` seconds from now, if the
        schedule's next free slot lies further ahead than that.
        """
        if horizon is None:
            took = await self._take_over(chat_id, now, gap, chat_interval, ahead)
            if took is not None:
                return took
        start = self._greatest(SendLane.next_at, SendLane.paused_until, now)
        stmt = update(SendLane).where(SendLane.lane == LANE)
        if horizon is not None:
            stmt = stmt.where(start <= now + horizon)
        returned = await self._session.scalar(
            stmt.values(next_at=start + gap)
            .returning(SendLane.next_at)
            .execution_options(synchronize_session=False)
        )
        if returned is None:
            row = (
                await self._session.execute(
                    select(SendLane.next_at, SendLane.paused_until).where(SendLane.lane == LANE)
                )
            ).first()
            if row is None and _again:  # the migration adds the row; this is a fallback
                await insert_ignore(
                    self._session,
                    SendLane,
                    {"lane": LANE, "next_at": 0.0, "paused_until": 0.0},
                    ["lane"],
                )
                return await self.reserve(
                    chat_id=chat_id,
                    now=now,
                    gap=gap,
                    chat_interval=chat_interval,
                    horizon=horizon,
                    ahead=ahead,
                    _again=False,
                )
            if row is None:
                return Reservation(None, 0.05)
            free = max(row.next_at, row.paused_until)
            return Reservation(None, max(0.001, free - (horizon or 0.0) - now))
        at = float(returned) - gap
        taken = await self._take_chat(chat_id, at, chat_interval)
        if taken is None:
            free_at = await self._session.scalar(
                select(ChatPace.free_at).where(ChatPace.chat_id == chat_id)
            )
            return Reservation(None, max(0.001, (free_at or at) - now), chat_busy=True)
        return Reservation(at)

    async def _take_over(
        self, chat_id: int, now: float, gap: float, chat_interval: float, ahead: float
    ) -> Reservation | None:
        """The earliest prompt's slot not yet locked in, for an urgent message to
        ``chat_id``; None when there is none worth taking (the schedule is free sooner)."""
        lane = (
            await self._session.execute(
                select(SendLane.next_at, SendLane.paused_until).where(SendLane.lane == LANE)
            )
        ).first()
        if lane is None:
            return None
        chat_free = await self._session.scalar(
            select(ChatPace.free_at).where(ChatPace.chat_id == chat_id)
        )
        earliest = max(now + ahead, lane.paused_until, chat_free or 0.0)
        if max(lane.next_at, now) <= earliest:
            return None  # the next free slot comes as soon: nobody is displaced
        candidate = (
            select(SendSlot.token).where(SendSlot.at >= earliest).order_by(SendSlot.at).limit(1)
        )
        if self._postgres:
            candidate = candidate.with_for_update(skip_locked=True)
        taken = (
            await self._session.execute(
                delete(SendSlot)
                .where(SendSlot.token == candidate.scalar_subquery())
                .returning(SendSlot.at)
                .execution_options(synchronize_session=False)
            )
        ).first()
        if taken is None:
            return None
        at = float(taken.at)
        if await self._take_chat(chat_id, at, chat_interval) is None:
            # another instance took the chat meanwhile: the caller rolls the takeover back
            return Reservation(None, 0.01, chat_busy=True)
        return Reservation(at, taken_over=True)

    async def lock_in(self, token: str) -> bool:
        """The prompt holding ``token`` is about to send: its slot can no longer be taken
        over. False if it was taken over already (the prompt needs a new slot)."""
        result = await self._session.execute(delete(SendSlot).where(SendSlot.token == token))
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def reserve_many(
        self,
        *,
        chat_ids: list[int],
        now: float,
        gap: float,
        chat_interval: float,
        horizon: float,
        tokens: list[str] | None = None,
    ) -> tuple[dict[int, float], set[int], float]:
        """Slots for several messages to different chats in one go: as many consecutive
        slots as lie within ``horizon`` of ``now`` (at most one per chat), each chat taken
        for its slot. Returns the chats that got a slot, with its time; the chats found
        busy; and (when no slot was free) how long to wait before trying again.

        A chat found busy leaves its slot unused: the others keep theirs, so one statement
        serves a whole batch and the transaction on the shared row stays short."""
        row = (
            await self._session.execute(
                select(SendLane.next_at, SendLane.paused_until)
                .where(SendLane.lane == LANE)
                .with_for_update()
            )
        ).first()
        if row is None:
            return {}, set(), 0.05
        start = max(row.next_at, row.paused_until, now)
        fits = int((now + horizon - start) / gap + 1e-9) + 1 if start <= now + horizon else 0
        count = min(fits, len(chat_ids))
        if count == 0:
            return {}, set(), max(0.001, start - horizon - now)
        await self._session.execute(
            update(SendLane)
            .where(SendLane.lane == LANE)
            .values(next_at=start + count * gap)
            .execution_options(synchronize_session=False)
        )
        slots = {chat: start + i * gap for i, chat in enumerate(chat_ids[:count])}
        insert: Any = dialect_insert(self._postgres)(ChatPace).values(
            [{"chat_id": chat, "free_at": at + chat_interval} for chat, at in slots.items()]
        )
        stmt = insert.on_conflict_do_update(
            index_elements=[ChatPace.chat_id],
            set_={"free_at": insert.excluded.free_at},
            where=ChatPace.free_at <= insert.excluded.free_at - chat_interval,
        ).returning(ChatPace.chat_id)
        taken = set((await self._session.scalars(stmt)).all())
        served = {chat: at for chat, at in slots.items() if chat in taken}
        if tokens is not None and served:
            token_of = dict(zip(chat_ids, tokens, strict=True))
            await self._session.execute(
                insert_rows(SendSlot),
                [{"token": token_of[c], "at": at, "chat_id": c} for c, at in served.items()],
            )
        return served, set(slots) - taken, 0.0

    async def retake(
        self,
        *,
        chat_id: int,
        now: float,
        gap: float,
        chat_interval: float,
        own_until: float | None = None,
    ) -> Reservation:
        """A new slot for a message whose slot went by before it could leave (the process
        was busy, or an alert took it): the next free one, whatever is reserved; its chat
        is then held until ``chat_interval`` after the new slot.

        The chat was taken already, by this message's reservation; ``own_until`` is how
        long the caller's own reservations of it hold it (its instance's, which keeps their
        order itself). If the chat is held longer, by another message's reservation made
        since by another instance, or by a 429's pause, the new slot must not come before
        that hold ends: when the next free slot does, nothing is taken (the caller rolls
        back) and the answer says how long the chat is held."""
        start = self._greatest(SendLane.next_at, SendLane.paused_until, now)
        returned = await self._session.scalar(
            update(SendLane)
            .where(SendLane.lane == LANE)
            .values(next_at=start + gap)
            .returning(SendLane.next_at)
            .execution_options(synchronize_session=False)
        )
        at = now if returned is None else float(returned) - gap
        mine = -1.0 if own_until is None else own_until + OWN_SLACK
        values = {"chat_id": chat_id, "free_at": at + chat_interval}
        insert: Any = dialect_insert(self._postgres)(ChatPace).values(values)
        stmt = insert.on_conflict_do_update(
            index_elements=[ChatPace.chat_id],
            set_={"free_at": self._greatest(ChatPace.free_at, at + chat_interval)},
            where=(ChatPace.free_at <= at) | (ChatPace.free_at <= mine),
        ).returning(ChatPace.free_at)
        if await self._session.scalar(stmt) is None:
            free_at = await self._session.scalar(
                select(ChatPace.free_at).where(ChatPace.chat_id == chat_id)
            )
            return Reservation(None, max(0.001, (free_at or at) - now), chat_busy=True)
        return Reservation(at)

    async def take_chat(self, *, chat_id: int, at: float, chat_interval: float) -> bool:
        """The chat alone, for a message leaving at ``at`` in a slot its instance holds
        already (a prompt's, locked in and handed over to an alert): False if the chat is
        busy then. No slot is taken from the schedule."""
        return await self._take_chat(chat_id, at, chat_interval) is not None

    async def _take_chat(self, chat_id: int, at: float, interval: float) -> float | None:
        values = {"chat_id": chat_id, "free_at": at + interval}
        insert: Any = dialect_insert(self._postgres)(ChatPace).values(values)
        stmt = insert.on_conflict_do_update(
            index_elements=[ChatPace.chat_id],
            set_={"free_at": at + interval},
            where=ChatPace.free_at <= at,
        ).returning(ChatPace.free_at)
        result: float | None = await self._session.scalar(stmt)
        return result

    async def hold_chat(self, chat_id: int, until: float) -> None:
        """Telegram asked this chat to wait: nothing is sent to it before ``until``."""
        values = {"chat_id": chat_id, "free_at": until}
        insert: Any = dialect_insert(self._postgres)(ChatPace).values(values)
        await self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[ChatPace.chat_id],
                set_={"free_at": self._greatest(ChatPace.free_at, until)},
            )
        )

    async def pause(self, until: float) -> None:
        """Telegram answered 429: no instance sends before ``until``."""
        await self._session.execute(
            update(SendLane)
            .where(SendLane.lane == LANE)
            .values(paused_until=self._greatest(SendLane.paused_until, until))
        )

    async def forget_chats(self, before: float) -> int:
        """Drop per-chat release times long past (they no longer hold anything back)."""
        result = await self._session.execute(delete(ChatPace).where(ChatPace.free_at < before))
        # and the slots of prompts whose process stopped before locking them in
        await self._session.execute(delete(SendSlot).where(SendSlot.at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]


class Leases:
    """Named leases: at most one holder at a time, taken over once the holder stops renewing."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def acquire(self, name: str, *, holder: str, now: float, ttl: float) -> bool:
        """Take or renew ``name`` for ``holder`` until ``now + ttl``; False if another holds it."""
        await insert_ignore(
            self._session, Lease, {"name": name, "holder": holder, "expires_at": 0.0}, ["name"]
        )
        result = await self._session.execute(
            update(Lease)
            .where(Lease.name == name, (Lease.holder == holder) | (Lease.expires_at < now))
            .values(holder=holder, expires_at=now + ttl)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, name: str, *, holder: str) -> None:
        await self._session.execute(
            update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=0.0)
        )

    async def holder(self, name: str, *, now: float) -> str | None:
        row = (
            await self._session.execute(
                select(Lease.holder, Lease.expires_at).where(Lease.name == name)
            )
        ).first()
        return row.holder if row is not None and row.expires_at >= now else None
