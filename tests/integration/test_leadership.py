"""One leader for periodic work, on real SQLite and PostgreSQL: exactly one instance leads,
another takes over within the lease once the leader stops renewing, and a clean stop hands
over at once."""

from __future__ import annotations

from bot.leadership import MARGIN, Leadership
from storage.uow import Storage


class Wall:
    def __init__(self) -> None:
        self.t = 2_000_000.0

    def __call__(self) -> float:
        return self.t


async def test_exactly_one_instance_leads(storage: Storage) -> None:
    wall = Wall()
    a, b, c = (Leadership(storage, f"host:{n}", ttl=10, wall=wall) for n in range(3))
    assert await a.renew()
    assert not await b.renew() and not await c.renew()
    assert (a.is_leader, b.is_leader, c.is_leader) == (True, False, False)
    assert await b.holder() == "host:0"
    wall.t += 5
    assert await a.renew()  # renewing keeps it
    assert not await b.renew()


async def test_a_dead_leader_is_replaced_once_its_lease_runs_out(storage: Storage) -> None:
    wall = Wall()
    a = Leadership(storage, "host:a", ttl=10, wall=wall)
    b = Leadership(storage, "host:b", ttl=10, wall=wall)
    assert await a.renew()
    wall.t += 10 - MARGIN  # a has stopped renewing (it died); it also stops trusting its lease
    assert not a.is_leader
    assert not await b.renew()  # not expired yet
    wall.t += MARGIN + 0.5
    assert await b.renew() and b.is_leader
    assert not await a.renew()  # the old leader, back, does not take it again


async def test_a_clean_stop_hands_over_at_once(storage: Storage) -> None:
    wall = Wall()
    a = Leadership(storage, "host:a", ttl=10, wall=wall)
    b = Leadership(storage, "host:b", ttl=10, wall=wall)
    assert await a.renew()
    await a.release()
    assert not a.is_leader
    assert await b.renew()


async def test_jobs_run_only_on_the_leader(storage: Storage) -> None:
    wall = Wall()
    a = Leadership(storage, "host:a", wall=wall)
    b = Leadership(storage, "host:b", wall=wall)
    runs: list[str] = []

    async def job() -> None:
        runs.append("ran")

    await a.renew()
    await b.renew()
    await a.only_when_leading(job)()
    await b.only_when_leading(job)()
    assert runs == ["ran"]
