"""A plan for one's own suicide, said as such, is the C-SSRS "plan" item: a crisis in every
language, with or without a day named, however short the message. Planning an event
*about* suicide (a prevention talk, a workshop) is not a plan to die, nor is planning
one's holiday, a course's end or a move."""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

PLANS = [
    ("en", "I'm planning my suicide for next Tuesday."),
    ("de", "Ich plane meinen Suizid für nächsten Dienstag."),
    ("de", "Ich habe meinen Selbstmord geplant."),
    ("de", "Mein Suizid ist geplant, Samstag."),
    ("de", "ich plane mein ende"),
    ("es", "Estoy planeando mi suicidio para el martes."),
    ("es", "llevo semanas preparando mi muerte"),
    ("fr", "Je planifie mon suicide pour mardi prochain."),
    ("fr", "je prépare mon suicide depuis des semaines"),
]


@pytest.mark.parametrize(("lang", "text"), PLANS)
def test_a_plan_for_ones_own_suicide_is_a_crisis(screener: Screener, lang: str, text: str) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


NOT_PLANS = [
    ("en", "We planned a suicide prevention workshop for next Tuesday."),
    ("de", "Ich plane meinen Urlaub für nächsten Dienstag."),
    ("es", "Estoy preparando mi final de curso, mucho estrés"),
    ("es", "estamos organizando una charla sobre prevención del suicidio"),
    ("fr", "J'organise mon départ en vacances pour mardi."),
]


@pytest.mark.parametrize(("lang", "text"), NOT_PLANS)
def test_planning_an_event_about_suicide_or_an_everyday_thing_is_not_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier < Tier.HIGH
