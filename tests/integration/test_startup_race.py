"""Several instances starting at once on a new database, on SQLite and PostgreSQL: each
loads the shipped protocols it does not find, and the one that loses the race to write one
carries on instead of failing its start-up."""

from __future__ import annotations

import asyncio

from bot.clock import FakeClock
from bot.services.api import Services
from bot.services.context import ServiceContext
from prompts.catalogue import default_catalogue
from storage.uow import Storage


async def test_instances_loading_the_shipped_protocols_at_once_all_start(
    storage: Storage, clock: FakeClock
) -> None:
    instances = [
        Services(ServiceContext(storage=storage, clock=clock, catalogue=default_catalogue()))
        for _ in range(3)
    ]
    loaded = await asyncio.gather(*(s.planning.load_shipped() for s in instances))
    shipped = {protocol for found in loaded for protocol in found}
    assert shipped  # someone loaded them; nobody failed
    async with storage.reader() as uow:
        stored = {p.id for p in await uow.schedules.stored_protocols()}
    assert shipped <= stored
