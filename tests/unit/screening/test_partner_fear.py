"""Fear of one's partner is screened as abuse and safety in every language, so that such an
entry is flagged and can never be shared with the partner; ordinary closeness is not."""

from __future__ import annotations

import pytest

from bot.domain.screening import Screener, Tier


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I'm afraid of my partner", "en"),
        ("Honestly I am scared of my husband when he drinks", "en"),
        ("I'm terrified of what my wife will do when she finds out", "en"),
        ("I feel unsafe at home with him", "en"),
        ("Ich habe Angst vor meinem Mann", "de"),
        ("Ich fürchte mich vor meiner Partnerin, wenn sie trinkt", "de"),
        ("Tengo miedo de mi pareja", "es"),
        ("Le tengo miedo a mi marido cuando bebe", "es"),
        ("J'ai peur de mon mari", "fr"),
        ("J'ai peur de ma compagne quand elle boit", "fr"),
    ],
)
def test_fear_of_the_partner_is_abuse_and_safety(screener: Screener, text: str, lang: str) -> None:
    verdict = screener.screen(text, lang)
    assert "abuse_safety" in verdict.categories
    assert verdict.tier >= Tier.MODERATE


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I'm not afraid of my partner anymore, we talked a lot", "en"),
        ("I felt so close to my partner today, it was beautiful", "en"),
        ("Ich habe mich meinem Mann heute sehr nah gefühlt", "de"),
        ("Hoy me sentí muy cerca de mi pareja", "es"),
        ("Je me suis sentie très proche de mon mari aujourd'hui", "fr"),
    ],
)
def test_closeness_and_fear_overcome_are_not(screener: Screener, text: str, lang: str) -> None:
    assert "abuse_safety" not in screener.screen(text, lang).categories
