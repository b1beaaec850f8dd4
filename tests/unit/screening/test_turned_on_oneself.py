"""A weapon at hand and the thought of turning it on oneself is ideation with a method: a
crisis in every language. "He'll use that against me" (in court, at work) is about
someone else's act and is not. And "I want to be dead", said now, is an active wish
(high) in French as in English and German; "I would like to be dead, sometimes" stays a
passive one (moderate)."""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier

TURNED = [
    ("en", "I have a gun at home and I've been thinking about using it on myself."),
    ("de", "Ich habe eine Waffe zu Hause und denke daran, sie gegen mich zu richten."),
    ("de", "Die Pistole liegt im Schrank. Ich will sie gegen mich richten."),
    ("es", "Tengo un arma en casa y pienso en usarla contra mí."),
    ("es", "la escopeta está en el garaje, quiero usarla contra mí"),
    ("fr", "J'ai une arme à la maison et je pense à la retourner contre moi."),
    ("fr", "le fusil est dans le placard, je vais le retourner contre moi"),
]


@pytest.mark.parametrize(("lang", "text"), TURNED)
def test_a_weapon_at_hand_turned_on_oneself_is_a_crisis(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.CRISIS


AGAINST_ME = [
    ("fr", "il va retourner ça contre moi au tribunal"),
    ("es", "mi ex va a usarlo contra mí en el juicio"),
]


@pytest.mark.parametrize(("lang", "text"), AGAINST_ME)
def test_something_used_against_me_by_someone_else_is_not_an_alert(
    screener: Screener, lang: str, text: str
) -> None:
    assert screener.screen(text, lang).tier == Tier.NONE


def test_wanting_to_be_dead_now_is_high_wishing_sometimes_is_moderate(
    screener: Screener,
) -> None:
    assert screener.screen("Je veux être morte.", "fr").tier == Tier.HIGH
    assert screener.screen("Je voudrais être morte parfois.", "fr").tier == Tier.MODERATE
