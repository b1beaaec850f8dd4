"""What every service needs: storage, the clock, the catalogue, and a way to wake delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock
from prompts.catalogue import Catalogue
from storage.uow import Storage, UnitOfWork


@dataclass
class ServiceContext:
    """Injected into every use case by the composition root (``bot/app.py``)."""

    storage: Storage
    clock: Clock
    catalogue: Catalogue
    default_timezone: str = "UTC"
    invitation_ttl: timedelta = timedelta(days=7)
    bot_username: str = "ember_bot"
    wake_delivery: Callable[[], None] = field(default=lambda: None)

    def uow(self) -> UnitOfWork:
        return self.storage.uow()
