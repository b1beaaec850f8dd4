"""The backlog /healthz reports, read from real SQLite and PostgreSQL databases."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.domain.outgoing import Outgoing
from bot.health import check_health
from bot.services.flags import ALERT_PRIORITY
from storage.crypto import Cipher, generate_key
from storage.db import create_engine, session_factory
from storage.uow import Storage


async def enqueue(
    storage: Storage,
    clock: FakeClock,
    key: str,
    *,
    priority: int = 0,
    due_in: timedelta = timedelta(0),
) -> None:
    async with storage.uow() as uow:
        await uow.outbox.enqueue(
            key=key,
            chat_id=1,
            message=Outgoing(key),
            kind="prompt",
            now=clock.now(),
            not_before=clock.now() + due_in,
            priority=priority,
        )
        await uow.commit()


async def test_an_empty_database_is_healthy(storage: Storage, clock: FakeClock) -> None:
    health = await check_health(storage, clock)
    assert health.healthy
    assert health.to_json()["outbox"] == {
        "lag_seconds": None,
        "urgent_lag_seconds": None,
        "due": 0,
        "sending": 0,
        "failed": 0,
    }


async def test_lag_is_the_age_of_the_oldest_due_unsent_message(
    storage: Storage, clock: FakeClock
) -> None:
    await enqueue(storage, clock, "old")
    clock.advance(30)
    await enqueue(storage, clock, "new")
    await enqueue(storage, clock, "later", due_in=timedelta(hours=1))  # not due: no lag
    async with storage.uow() as uow:  # a claimed message waiting for its slot still lags
        claimed = await uow.outbox.claim(worker="w", now=clock.now(), limit=1)
        await uow.commit()
    assert [m.key for m in claimed] == ["old"]
    clock.advance(10)
    body = (await check_health(storage, clock)).to_json()
    assert body["outbox"]["lag_seconds"] == 40.0
    assert body["outbox"]["due"] == 2
    assert body["outbox"]["urgent_lag_seconds"] is None


async def test_an_alert_stuck_for_two_minutes_makes_health_503(
    storage: Storage, clock: FakeClock
) -> None:
    await enqueue(storage, clock, "alert:1:0:1", priority=ALERT_PRIORITY)
    clock.advance(120)
    health = await check_health(storage, clock)
    assert health.status_code == 503
    assert health.to_json()["outbox"]["urgent_lag_seconds"] == 120.0


async def test_sent_and_failed_messages_do_not_lag_and_failures_are_counted(
    storage: Storage, clock: FakeClock
) -> None:
    await enqueue(storage, clock, "a")
    await enqueue(storage, clock, "b")
    async with storage.uow() as uow:
        first, second = await uow.outbox.claim(worker="w", now=clock.now(), limit=2)
        await uow.outbox.mark_sending(first.id, now=clock.now())
        await uow.outbox.mark_sent(first.id, now=clock.now(), telegram_message_id=5)
        await uow.outbox.mark_failed(second.id, error="blocked")
        await uow.commit()
    clock.advance(3600)
    health = await check_health(storage, clock)
    assert health.healthy
    assert health.to_json()["outbox"] == {
        "lag_seconds": None,
        "urgent_lag_seconds": None,
        "due": 0,
        "sending": 0,
        "failed": 1,
    }


async def test_unprocessed_updates_age_and_failed_ones_are_counted(
    storage: Storage, clock: FakeClock
) -> None:
    now = clock.now()
    async with storage.uow() as uow:
        for update_id in (1, 2, 3, 4):
            await uow.inbox.store(update_id=update_id, payload="{}", now=now)
        await uow.inbox.claim_pending(1, worker="w", now=now)
        await uow.inbox.park_failing(1, worker="w", attempts=5, reason="parked: failed")
        await uow.inbox.claim_pending(2, worker="w", now=now)  # being handled: unprocessed
        await uow.inbox.claim_pending(4, worker="w", now=now)  # failed once: tried again
        await uow.inbox.retry_later(4, worker="w", attempts=1, error="DBAPIError",
                                    not_before=now)
        await uow.commit()
    clock.advance(150)
    health = await check_health(storage, clock)
    assert health.to_json()["inbox"] == {
        "oldest_unprocessed_seconds": 150.0,
        "unprocessed": 3,
        "retrying": 1,
        "failed": 1,
    }
    assert health.problems == ("an incoming update has waited 150 s to be handled",)


async def test_an_update_cut_short_goes_back_to_pending(storage: Storage, clock: FakeClock) -> None:
    async with storage.uow() as uow:
        await uow.inbox.store(update_id=9, payload="{}", now=clock.now())
        assert await uow.inbox.claim_pending(9, worker="w", now=clock.now())
        await uow.commit()
    async with storage.uow() as uow:
        await uow.inbox.release(9, worker="w")
        await uow.commit()
    async with storage.uow() as uow:
        assert [p.update_id for p in await uow.inbox.pending()] == [9]


async def test_a_database_that_is_gone_is_reported_not_raised(
    tmp_path: object, clock: FakeClock
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db")
    try:
        broken = Storage(session_factory(engine), Cipher([generate_key().encode()]))
        health = await check_health(broken, clock)
    finally:
        await engine.dispose()
    assert health.status_code == 503
    assert health.to_json()["database"] == {"reachable": False}
