"""Questionnaires given item by item (placeholder until the instruments land)."""

from __future__ import annotations

from bot.domain.outgoing import Outgoing
from prompts.catalogue import Catalogue
from storage.models import Person, ScheduledPrompt


def first_item_message(
    catalogue: Catalogue,
    participant: Person,
    prompt: ScheduledPrompt,
    intro: str,
    instrument_id: str,
) -> Outgoing:
    return Outgoing(intro)
