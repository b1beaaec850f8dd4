"""What every service needs: storage, the clock, the catalogue, and a way to wake delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock
from bot.domain.brief import BriefTiming
from bot.domain.erasure import RetentionPolicy
from bot.domain.safety import EscalationPolicy
from bot.domain.screening import Screener, Tier, Verdict
from bot.services.drawing import ChartDrawer
from bot.services.unit_of_work import StorageProtocol, UnitOfWorkProtocol
from prompts.catalogue import Catalogue


@dataclass
class ServiceContext:
    """Injected into every use case by the composition root (``bot/app.py``)."""

    storage: StorageProtocol  # storage.uow.Storage, or the tests' in-memory fake
    clock: Clock
    catalogue: Catalogue
    default_timezone: str = "UTC"
    invitation_ttl: timedelta = timedelta(days=7)
    bot_username: str = "ember_bot"
    wake_delivery: Callable[[], None] = field(default=lambda: None)
    screener: Screener | None = None  # None: the shipped rules (prompts/screening)
    policy: EscalationPolicy = field(default_factory=EscalationPolicy)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)  # what /delete leads to
    briefs: BriefTiming = field(default_factory=BriefTiming)  # the pre-integration brief
    # charts for digests, briefs and /journal; the composition root draws in a child process
    drawer: ChartDrawer = field(default_factory=lambda: ChartDrawer(processes=False))

    def screen(self, text: str, lang: str | None) -> Verdict:
        """The screener's verdict on ``text``.

        Screened in the participant's language first (fewest false alarms). People switch
        language, and a participant enrolled as English may write in German in a crisis,
        so a text that is not already high or crisis is screened in every language too,
        and a high or crisis found that way counts; lower tiers from other languages are
        left out, since those are where cross-language false alarms come from.
        """
        if self.screener is None:
            from prompts.screening_loader import default_screener

            self.screener = default_screener()
        verdict = self.screener.screen(text, lang)
        if lang is not None and verdict.tier < Tier.HIGH:
            anywhere = self.screener.screen(text, None)
            if anywhere.tier >= Tier.HIGH:
                verdict = anywhere
        return verdict

    def uow(self) -> UnitOfWorkProtocol:
        return self.storage.uow()

    def reader(self) -> UnitOfWorkProtocol:
        """A unit of work that only reads (it holds up no writer; never committed)."""
        return self.storage.reader()


class Bound:
    """A capability's use cases bound to the context (the ``Services`` groups): each method
    opens one unit of work, calls the capability's functions, and commits."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
