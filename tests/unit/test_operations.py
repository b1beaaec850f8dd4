"""The health verdict: each limit passed is one problem, and /healthz's body says why."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.domain.operations import (
    HealthLimits,
    InboxBacklog,
    OutboxBacklog,
    assess,
    unreachable,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
QUIET_OUTBOX = OutboxBacklog(due=0, oldest_due=None, oldest_urgent_due=None, sending=0, failed=0)
QUIET_INBOX = InboxBacklog(unprocessed=0, oldest_unprocessed=None, failed=0)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def test_nothing_waiting_is_healthy_and_says_so() -> None:
    health = assess(NOW, QUIET_OUTBOX, QUIET_INBOX)
    assert health.healthy and health.status_code == 200
    body = health.to_json()
    assert body["status"] == "ok" and body["problems"] == []
    assert body["database"] == {"reachable": True}
    assert body["outbox"]["lag_seconds"] is None  # nothing due: no lag, not zero
    assert body["inbox"]["oldest_unprocessed_seconds"] is None
    assert body["leader"] is None  # assess() judges backlogs; the endpoint adds the leader
    json.dumps(body)  # serialisable as it stands


def test_a_fan_out_lagging_a_few_minutes_is_still_healthy() -> None:
    outbox = OutboxBacklog(
        due=5000, oldest_due=ago(170), oldest_urgent_due=None, sending=24, failed=3
    )
    health = assess(NOW, outbox, QUIET_INBOX)
    assert health.healthy
    assert health.to_json()["outbox"] == {
        "lag_seconds": 170.0,
        "urgent_lag_seconds": None,
        "due": 5000,
        "sending": 24,
        "failed": 3,
    }


def test_an_alert_waiting_over_a_minute_is_unhealthy() -> None:
    outbox = OutboxBacklog(
        due=1, oldest_due=ago(61), oldest_urgent_due=ago(61), sending=0, failed=0
    )
    health = assess(NOW, outbox, QUIET_INBOX)
    assert health.status_code == 503
    assert health.problems == ("safety messages or alerts waiting 61 s to be sent",)
    assert health.to_json()["status"] == "unhealthy"


def test_each_limit_passed_is_one_problem() -> None:
    outbox = OutboxBacklog(
        due=9, oldest_due=ago(901), oldest_urgent_due=ago(5), sending=0, failed=0
    )
    inbox = InboxBacklog(unprocessed=2, oldest_unprocessed=ago(121), failed=1, retrying=1)
    health = assess(NOW, outbox, inbox)
    assert health.problems == (
        "outbox lagging 901 s behind",
        "an incoming update has waited 121 s to be handled",
    )
    assert health.to_json()["inbox"] == {
        "oldest_unprocessed_seconds": 121.0,
        "unprocessed": 2,
        "retrying": 1,
        "failed": 1,
    }


def test_limits_can_be_tightened() -> None:
    inbox = InboxBacklog(unprocessed=1, oldest_unprocessed=ago(10), failed=0)
    assert assess(NOW, QUIET_OUTBOX, inbox).healthy
    tight = HealthLimits(max_inbox_age=timedelta(seconds=5))
    assert not assess(NOW, QUIET_OUTBOX, inbox, tight).healthy


def test_failed_rows_are_counted_not_judged() -> None:
    outbox = OutboxBacklog(due=0, oldest_due=None, oldest_urgent_due=None, sending=0, failed=40)
    inbox = InboxBacklog(unprocessed=0, oldest_unprocessed=None, failed=7)
    assert assess(NOW, outbox, inbox).healthy


def test_a_database_that_does_not_answer_is_unhealthy() -> None:
    health = unreachable(NOW, "ConnectionRefusedError")
    assert health.status_code == 503
    body = health.to_json()
    assert body["database"] == {"reachable": False}
    assert body["outbox"] is None and body["inbox"] is None
    assert body["problems"] == ["database unreachable (ConnectionRefusedError)"]
