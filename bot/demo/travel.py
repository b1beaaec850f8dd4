"""Time travel for the demo: jump Ember's clock ahead without skipping what lies between.

A jump walks: it stops at every moment the periodic work would act on before the target
(a prompt falling due, a reminder, a response window closing, an escalation round, a daily
digest, a pre-integration brief, a queued message's time), runs that work there (the same
service calls the jobs make) and waits until what it queued has been sent, then goes on.
So jumping a whole day ahead still sends the therapist's briefs the evening before an
integration session, the evening prompt, its reminder the next morning and the digest at
08:00, in that order, and marks what went unanswered as missed, as a day of real time would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import Ember
from bot.demo.clock import VirtualClock
from bot.domain.brief import INTEGRATION
from bot.domain.people import Role
from storage.agenda import next_moment, next_session, unsent_due

STEP_PAST = timedelta(seconds=1)  # land just after a moment, so it counts as due
MAX_STOPS = 500  # a walk never loops for ever, whatever the schedule holds
# Real seconds a walk may take before it pauses at its next stop. Ember sends at most one
# message a second to a chat, as Telegram allows, so a day in which an unacknowledged crisis
# alert escalates every 15 minutes takes minutes to send; the visitor gets the page back
# sooner, sees where the clock stopped, and presses again to go on (or acknowledges).
WALK_BUDGET = 8.0
# How far ahead a walk looks for integration sessions whose brief is still to come.
BRIEF_HORIZON = timedelta(days=400)


@dataclass
class Walk:
    """What one jump did."""

    arrived: datetime
    stops: int = 0
    sent: int = 0  # messages the bot sent on the way
    note: str = ""
    moments: list[datetime] = field(default_factory=list)


class TimeTravel:
    """Moves the demo's clock and runs the work that falls due on the way."""

    def __init__(
        self,
        ember: Ember,
        clock: VirtualClock,
        count_sent: Callable[[], int],
        *,
        settle: float = 20.0,
        budget: float = WALK_BUDGET,
    ) -> None:
        self.ember = ember
        self.clock = clock
        self.budget = budget
        self._count_sent = count_sent  # messages the bot has sent so far
        self.settle = settle  # seconds to wait for a stop's messages to be sent
        self._lock = asyncio.Lock()

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    async def next_due(self) -> Walk:
        """To the next moment something is sent (a prompt, a reminder, an escalation, a
        digest, a brief), through the quiet ones on the way (a response window closing
        unanswered)."""
        async with self._lock:
            moment = await self._next_moment(self.clock.now())
            if moment is None:
                return Walk(self.clock.now(), note="nothing more is planned")
            return await self._walk(moment + STEP_PAST, until_sent=True)

    async def tomorrow(self) -> Walk:
        """The same time tomorrow, through everything due on the way."""
        async with self._lock:
            return await self._walk(self.clock.now() + timedelta(days=1))

    async def to_session(self, kind: str = "integration") -> Walk:
        """To the start of the next session of ``kind``, through everything due on the way."""
        async with self._lock:
            starts = await next_session(self.ember.storage.sessions, kind, self.clock.now())
            if starts is None:
                return Walk(self.clock.now(), note=f"no {kind} session lies ahead")
            return await self._walk(starts)

    async def _walk(self, target: datetime, *, until_sent: bool = False) -> Walk:
        """Stop at every moment up to ``target`` and land there; with ``until_sent``, go on
        past ``target`` from moment to moment until something has been sent."""
        walk = Walk(self.clock.now())
        before = self._count_sent()
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.budget
        arrived = False
        for _ in range(MAX_STOPS):
            moment = await self._next_moment(self.clock.now())
            if moment is None or moment + STEP_PAST > target:
                if not until_sent or moment is None or self._count_sent() > before:
                    arrived = True
                    break
                target = moment + STEP_PAST
            self.clock.jump_to(moment + STEP_PAST)
            walk.moments.append(moment)
            walk.stops += 1
            await self.run_due_work()
            if loop.time() > give_up:
                break
        if arrived:
            self.clock.jump_to(target)
            await self.run_due_work()
        else:
            walk.note = "paused on the way so you can catch up: press again to go on"
        walk.arrived = self.clock.now()
        walk.sent = self._count_sent() - before
        return walk

    async def run_due_work(self) -> None:
        """What the periodic jobs do, now, then wait until its messages are sent."""
        services = self.ember.services
        await services.prompting.tick()
        await services.escalation.escalate()
        await services.digests.send_due()
        await services.briefs.send_due()
        self.ember.dispatcher.wake()
        await self.settled()

    async def settled(self) -> None:
        """Wait (``settle`` seconds at most) until every message due now has been sent."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settle
        while loop.time() < deadline:
            if await unsent_due(self.ember.storage.sessions, self.clock.now()) == 0:
                return
            self.ember.dispatcher.wake()
            await asyncio.sleep(0.05)

    async def _next_moment(self, after: datetime) -> datetime | None:
        agenda = await next_moment(self.ember.storage.sessions, after)
        moments = (agenda.earliest, await self._next_digest(after), await self._next_brief(after))
        found = [t for t in moments if t is not None]
        return min(found) if found else None

    async def _next_digest(self, after: datetime) -> datetime | None:
        """The next daily digest time of any therapist, after ``after``."""
        async with self.ember.storage.reader() as uow:
            therapists = await uow.people.with_role(Role.THERAPIST, reachable=True)
        times: list[datetime] = []
        for therapist in therapists:
            if not therapist.digest_at:
                continue
            zone = ZoneInfo(therapist.timezone)
            hour, minute = (int(part) for part in therapist.digest_at.split(":"))
            local = after.astimezone(zone)
            at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if at <= local:
                at = (local + timedelta(days=1)).replace(hour=hour, minute=minute)
                at = at.replace(second=0, microsecond=0)
            times.append(at.astimezone(after.tzinfo))
        return min(times) if times else None


    async def _next_brief(self, after: datetime) -> datetime | None:
        """When the next pre-integration brief falls due after ``after``: the evening before
        each integration session ahead, in its participant's therapist's time zone."""
        timing = self.ember.services.briefs.ctx.briefs
        async with self.ember.storage.reader() as uow:
            ahead = await uow.schedules.sessions_starting_between(
                INTEGRATION, after, after + BRIEF_HORIZON
            )
            times: list[datetime] = []
            for session in ahead:
                participant = await uow.people.by_id(session.participant_id)
                if participant is None or participant.therapist_id is None:
                    continue
                therapist = await uow.people.by_id(participant.therapist_id)
                if therapist is None or therapist.chat_id is None:
                    continue
                due = timing.due_at(session.starts_at, therapist.timezone)
                if due > after:
                    times.append(due)
        return min(times) if times else None
