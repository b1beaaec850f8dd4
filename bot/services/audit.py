"""Reading the audit log (`ember audit`): staff reads of journals, exports, erasures and
changes, with people by code (staff with their name), never by Telegram id."""

from __future__ import annotations

from datetime import datetime

from bot.domain.audit import KINDS, AuditLine, actions_of
from bot.domain.people import Person, Role
from bot.services.access import current_staff
from bot.services.context import Bound


class AuditTrail(Bound):
    """The audit log, as a coordinator reads it."""

    async def lines(
        self,
        coordinator: Person | None = None,
        *,
        since: datetime | None = None,
        who: str | None = None,
        whom: str | None = None,
        kinds: list[str] | None = None,
        limit: int = 1000,
    ) -> list[AuditLine]:
        """Events oldest first; ``kinds`` (read, export, erasure, change) defaults to all
        four, ``["all"]`` is every event; ``coordinator`` None is the command line."""
        chosen = list(KINDS) if kinds is None else kinds
        actions = None if "all" in chosen else actions_of(chosen)
        async with self.ctx.reader() as uow:
            if coordinator is not None:
                await current_staff(uow, coordinator, Role.COORDINATOR)
            return await uow.audit.lines(
                since=since,
                who=who.upper() if who and "-" in who else who,
                whom=whom.upper() if whom else None,
                actions=actions,
                limit=limit,
            )
