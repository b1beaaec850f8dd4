"""The stored protocols, read back: a loaded protocol's YAML parsed once and cached.

Loading and assigning a protocol replan schedules, so they live with the planning in
``bot/services/planning.py``; this module only reads, so rendering can use it too.
"""

from __future__ import annotations

import functools

from bot.domain.protocol import Protocol
from bot.domain.records import StoredProtocol
from bot.errors import NotFound
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.protocols import protocol_from_yaml


@functools.lru_cache(maxsize=64)
def _parse(source: str, source_name: str) -> Protocol:
    return protocol_from_yaml(source, source_name)


def protocol_of(stored: StoredProtocol) -> Protocol:
    """The protocol a stored source describes (validated when it was loaded)."""
    return _parse(stored.source, stored.source_name)


async def stored_by_id(uow: UnitOfWorkProtocol, protocol_id: str) -> StoredProtocol:
    """The stored protocol ``protocol_id``; NotFound when none is loaded by that id."""
    stored = await uow.schedules.stored_protocol(protocol_id)
    if stored is None:
        raise NotFound(
            f"no protocol {protocol_id!r} is loaded (ember protocol load FILE)",
            key="problem.no_protocol",
            id=protocol_id,
        )
    return stored


async def protocol_by_id(uow: UnitOfWorkProtocol, protocol_id: str) -> Protocol:
    """The loaded protocol ``protocol_id``; NotFound when none is loaded by that id."""
    return protocol_of(await stored_by_id(uow, protocol_id))
