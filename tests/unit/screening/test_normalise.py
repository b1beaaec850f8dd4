"""Normalisation: folding, obfuscation undone, and the map back to the original."""

from __future__ import annotations

import pytest

from bot.domain.screening import Normaliser, Screener, fold_pattern
from bot.domain.screening.normalise import typo_variants


@pytest.fixture(scope="module")
def normaliser() -> Normaliser:
    return Normaliser({"і": "i"}, ["kill", "myself", "suicide", "i", "want", "to"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SUICÍDIO", "suicidio"),
        ("Straße", "strasse"),
        ("ｋｉｌｌ", "kill"),
        ("k\u200bi\u200cl\u200dl", "kill"),
        ("I\u2019m", "i'm"),
        ("kіll", "kill"),
        ("su1c1de", "suicide"),
        ("$uicide", "suicide"),
        ("k!ll mys3lf", "kill myself"),
        ("s u i c i d e", "suicide"),
        ("k.i.l.l m.y.s.e.l.f", "kill myself"),
        ("k i l l m y s e l f", "kill myself"),
        ("kiiiilll", "kil"),
        ("I  want\tto", "i want to"),
        ("I took 100mg at 3am", "i took 100mg at 3am"),
        ("mp3 b12 covid19", "mp3 b12 covid19"),
    ],
)
def test_normalised_text(normaliser: Normaliser, text: str, expected: str) -> None:
    assert normaliser.normalise(text).text == expected


@pytest.mark.parametrize(
    "text", ["Straße is fine", "ｋｉｌｌ me", "a\u200bb\u200bc d", "s u i c i d e now", "ﬁne"]
)
def test_every_normalised_character_maps_into_the_original(
    normaliser: Normaliser, text: str
) -> None:
    nt = normaliser.normalise(text)
    for i in range(len(nt.text)):
        start, end = nt.span(i, i + 1)
        assert 0 <= start < end <= len(text)


def test_patterns_are_folded_like_text() -> None:
    assert fold_pattern("suicídio") == "suicidio"
    assert fold_pattern(r"\wé[é]") == r"\we[e]"
    assert fold_pattern("möchte", expand_umlauts=True) == "m(?:oe?)chte"


def test_typo_variants_are_one_edit_away() -> None:
    variants = typo_variants("suicide")
    assert {"sucide", "suicdie", "suiciide", "suixide"} <= variants
    assert "suicide" not in variants


def test_misspellings_are_corrected_by_the_screener(screener: Screener) -> None:
    for text in ("I feel so sucidal", "thinking about suicde", "i want to kill mysefl"):
        assert screener.screen(text, "en").tier.label in ("high", "crisis"), text
