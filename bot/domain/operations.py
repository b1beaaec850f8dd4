"""How a running Ember is doing, as values: the outbox's and the inbox's backlog, and the
health verdict drawn from them (served at ``/healthz``, reported by ``ember doctor``).

Pure: the repositories fill the backlogs; :func:`assess` decides, against
:class:`HealthLimits`, whether Ember is keeping up. Nothing here carries content, names or
Telegram ids: counts and ages only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class OutboxBacklog:
    """What the outbox holds that is not sent yet, and what it gave up on."""

    due: int  # due now and not yet attempted (pending, or claimed and waiting for a slot)
    oldest_due: datetime | None  # the not_before of the longest-waiting of those
    oldest_urgent_due: datetime | None  # the same among safety messages and alerts
    sending: int  # a request is out right now
    failed: int  # given up on (blocked, chat gone, retries exhausted); last_error says why


@dataclass(frozen=True)
class InboxBacklog:
    """Updates Telegram delivered that are not handled yet, and those that failed."""

    unprocessed: int  # stored, waiting or being handled
    oldest_unprocessed: datetime | None  # when the longest-waiting of them arrived
    # set aside (parked): failed the same way again and again, or cannot be opened; kept
    # sealed with the reason (`ember status` lists them, `ember requeue` hands them back)
    failed: int
    retrying: int = 0  # of the unprocessed, those whose handling failed and is tried again


@dataclass(frozen=True)
class HealthLimits:
    """Beyond these Ember is not keeping up, and /healthz answers 503.

    Safety messages and alerts jump the outbox's queue, so their lag has its own, tight
    limit; the whole outbox may lag during a large fan-out (30 messages a second).
    """

    max_lag: timedelta = timedelta(minutes=15)
    max_urgent_lag: timedelta = timedelta(seconds=60)
    max_inbox_age: timedelta = timedelta(minutes=2)


def age(since: datetime | None, now: datetime) -> float | None:
    """Seconds from ``since`` to ``now`` (never negative), or None when there is nothing."""
    if since is None:
        return None
    return round(max((now - since).total_seconds(), 0.0), 1)


@dataclass(frozen=True)
class Health:
    """One look at Ember's health; ``problems`` empty means healthy."""

    now: datetime
    database: bool
    outbox: OutboxBacklog | None = None
    inbox: InboxBacklog | None = None
    problems: tuple[str, ...] = ()
    leader: str | None = None  # the instance that runs the periodic work (its worker id)

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def status_code(self) -> int:
        return 200 if self.healthy else 503

    def to_json(self) -> dict[str, Any]:
        """The /healthz body: counts and ages in seconds; null where there is nothing."""
        outbox = self.outbox
        inbox = self.inbox
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "problems": list(self.problems),
            "database": {"reachable": self.database},
            "outbox": None
            if outbox is None
            else {
                "lag_seconds": age(outbox.oldest_due, self.now),
                "urgent_lag_seconds": age(outbox.oldest_urgent_due, self.now),
                "due": outbox.due,
                "sending": outbox.sending,
                "failed": outbox.failed,
            },
            "inbox": None
            if inbox is None
            else {
                "oldest_unprocessed_seconds": age(inbox.oldest_unprocessed, self.now),
                "unprocessed": inbox.unprocessed,
                "retrying": inbox.retrying,
                "failed": inbox.failed,
            },
            "leader": self.leader,
            "checked_at": self.now.isoformat(timespec="seconds"),
        }


def assess(
    now: datetime,
    outbox: OutboxBacklog,
    inbox: InboxBacklog,
    limits: HealthLimits | None = None,
) -> Health:
    """The verdict on a reachable database's backlogs: each limit passed is one problem.

    Failed rows are history, not a present fault: they are counted, not judged here
    (``ember doctor`` warns about them).
    """
    limits = limits or HealthLimits()
    problems: list[str] = []
    urgent = age(outbox.oldest_urgent_due, now)
    if urgent is not None and urgent > limits.max_urgent_lag.total_seconds():
        problems.append(f"safety messages or alerts waiting {urgent:.0f} s to be sent")
    lag = age(outbox.oldest_due, now)
    if lag is not None and lag > limits.max_lag.total_seconds():
        problems.append(f"outbox lagging {lag:.0f} s behind")
    waiting = age(inbox.oldest_unprocessed, now)
    if waiting is not None and waiting > limits.max_inbox_age.total_seconds():
        problems.append(f"an incoming update has waited {waiting:.0f} s to be handled")
    return Health(now=now, database=True, outbox=outbox, inbox=inbox, problems=tuple(problems))


def unreachable(now: datetime, error: str) -> Health:
    """The verdict when the database did not answer (``error``: the exception's class)."""
    return Health(now=now, database=False, problems=(f"database unreachable ({error})",))
