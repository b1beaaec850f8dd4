"""Ember's vocabulary and pure logic: no I/O, no Telegram, no SQLAlchemy.

The words every layer shares are re-exported here, so adapters import them from one place.
"""

from bot.domain.people import Person, PersonStatus, Role
from bot.domain.safety import AlertStatus, FlagStatus
from bot.domain.schedule import PromptStatus
from bot.domain.screening.model import Tier

__all__ = ["AlertStatus", "FlagStatus", "Person", "PersonStatus", "PromptStatus", "Role", "Tier"]
