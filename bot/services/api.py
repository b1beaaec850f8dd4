"""The services handlers call: each opens one unit of work, does one use case, commits.

Handlers reach this through ``context.services`` (see ``bot/context.py``); nothing here
imports ``telegram``. The use cases live in ``participant_api.py`` and ``staff_api.py``,
with what they share in ``base.py``.
"""

from __future__ import annotations

from bot.services.care import Care
from bot.services.context import ServiceContext
from bot.services.participant_api import ButtonAnswer, ParticipantServices
from bot.services.staff_api import SessionView, StaffServices

__all__ = ["ButtonAnswer", "Services", "SessionView"]


class Services(ParticipantServices, StaffServices):
    """Every use case the Telegram adapters and the CLI call."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.care = Care(ctx)
