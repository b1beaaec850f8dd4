"""What becomes of an update whose handling failed (a pure policy), and which failures time
mends (the database lost or busy, a timeout, a network error) and which it does not."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import exc
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.domain.handling import MAX_FAILURES, HandlingFailure, Park, Retry, after_failure, backoff
from bot.transient import is_transient
from bot.updates import chat_of

DB_GONE = "DBAPIError"
BUG = "KeyError"


@pytest.mark.parametrize(
    ("error", "transient", "attempts", "last_error", "expected"),
    [
        # the first failure of any kind: tried again after a second
        (DB_GONE, True, 0, None, Retry(timedelta(seconds=1), 1)),
        (BUG, False, 0, None, Retry(timedelta(seconds=1), 1)),
        # the same failure again: the pause doubles
        (DB_GONE, True, 1, DB_GONE, Retry(timedelta(seconds=2), 2)),
        (BUG, False, 3, BUG, Retry(timedelta(seconds=8), 4)),
        # time mends it: never parked, however long it lasts; the pause stops at a minute
        (DB_GONE, True, 4, DB_GONE, Retry(timedelta(seconds=16), 5)),
        (DB_GONE, True, 40, DB_GONE, Retry(timedelta(seconds=60), 41)),
        # a failure in the update or the code, the fifth time in a row: set aside
        (BUG, False, 4, BUG, Park("parked: failed 5 times in a row (KeyError)", 5)),
        # a different failure starts the count again
        (BUG, False, 4, DB_GONE, Retry(timedelta(seconds=1), 1)),
        (DB_GONE, True, 4, BUG, Retry(timedelta(seconds=1), 1)),
    ],
)
def test_a_failure_is_tried_again_and_only_a_repeated_failure_in_the_data_is_parked(
    error: str, transient: bool, attempts: int, last_error: str | None, expected: Retry | Park
) -> None:
    failure = HandlingFailure(error, transient)
    assert after_failure(failure, attempts=attempts, last_error=last_error) == expected


def test_the_pause_doubles_up_to_a_minute() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_parking_needs_as_many_failures_as_promised() -> None:
    failure = HandlingFailure(BUG, transient=False)
    attempts, last = 0, None
    outcomes = []
    for _ in range(MAX_FAILURES):
        outcome = after_failure(failure, attempts=attempts, last_error=last)
        outcomes.append(type(outcome).__name__)
        attempts, last = outcome.attempts, BUG
    assert outcomes == ["Retry"] * (MAX_FAILURES - 1) + ["Park"]


class _PgError(Exception):
    """What asyncpg's errors look like to SQLAlchemy: a message and a SQLSTATE."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def dbapi(cls: type[exc.DBAPIError], orig: Exception, invalidated: bool = False) -> Any:
    return cls("SELECT 1", {}, orig, connection_invalidated=invalidated)


def chained(outer: Exception, inner: Exception) -> Exception:
    try:
        try:
            raise inner
        except Exception as e:
            raise outer from e
    except Exception as caught:
        return caught


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        # the database: a connection terminated, lost, refused; busy; a pool timeout
        (dbapi(exc.DBAPIError, _PgError("terminating connection", "08003"), True), True),
        (dbapi(exc.OperationalError, _PgError("admin shutdown", "57P01")), True),
        (dbapi(exc.OperationalError, _PgError("too many connections", "53300")), True),
        (dbapi(exc.DBAPIError, _PgError("deadlock detected", "40P01")), True),
        (dbapi(exc.OperationalError, sqlite3.OperationalError("database is locked")), True),
        (dbapi(exc.InterfaceError, _PgError("connection is closed", "")), True),
        (exc.TimeoutError("QueuePool limit reached"), True),
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError(), True),
        # Telegram: timeouts, network errors and 5xx answers, "retry after"
        (TimedOut(), True),
        (NetworkError("Bad Gateway"), True),
        (RetryAfter(3), True),
        # an error raised from one of these
        (chained(RuntimeError("while saving"), TimedOut()), True),
        # what would fail the same way again: the data, the code, Telegram's refusal
        (dbapi(exc.IntegrityError, _PgError("duplicate key", "23505")), False),
        (dbapi(exc.OperationalError, sqlite3.OperationalError("no such table: people")), False),
        (dbapi(exc.ProgrammingError, _PgError("syntax error", "42601")), False),
        (BadRequest("Query is too old and response timeout expired"), False),
        (Forbidden("bot was blocked by the user"), False),
        (KeyError("message"), False),
        (ValueError("malformed"), False),
    ],
)
def test_only_failures_time_mends_count_as_transient(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


@pytest.mark.parametrize(
    ("raw", "chat"),
    [
        ({"update_id": 1, "message": {"chat": {"id": 5}, "from": {"id": 6}}}, 5),
        ({"update_id": 1, "edited_message": {"chat": {"id": 5}}}, 5),
        (
            {"update_id": 1, "callback_query": {"from": {"id": 6}, "message": {"chat": {"id": 5}}}},
            5,
        ),
        ({"update_id": 1, "callback_query": {"from": {"id": 6}}}, 6),  # an inline message
        ({"update_id": 1, "my_chat_member": {"chat": {"id": 5}, "from": {"id": 5}}}, 5),
        ({"update_id": 1, "poll": {"id": "x"}}, None),
    ],
)
def test_an_update_belongs_to_its_chat(raw: dict[str, Any], chat: int | None) -> None:
    assert chat_of(raw) == chat
