"""The typed callback context: handlers reach Ember's services as ``context.services``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services.api import Services
from prompts.catalogue import Catalogue

RUNTIME_KEY = "ember"  # the one bot_data key; only bot/app.py writes it


@dataclass
class HandlerDeps:
    """What the composition root hands to every handler."""

    services: Services
    catalogue: Catalogue
    note_failure: Any  # Callable[[int, BaseException], bool]: True when it is retried


class EmberContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with typed access to Ember's services and message catalogue."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def deps(self) -> HandlerDeps:
        deps = self.application.bot_data[RUNTIME_KEY]
        assert isinstance(deps, HandlerDeps)
        return deps

    @property
    def services(self) -> Services:
        return self.deps.services

    @property
    def catalogue(self) -> Catalogue:
        return self.deps.catalogue
