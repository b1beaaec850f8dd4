"""Behaviour of the screener beyond single cases: evidence, JSON, robustness, speed."""

from __future__ import annotations

import time

import pytest

from bot.domain.screening import Evidence, Screener, Tier, Verdict


class TestTier:
    def test_labels_round_trip(self) -> None:
        for tier in Tier:
            assert Tier.from_label(tier.label) is tier
        assert Tier.from_label(" Crisis ") is Tier.CRISIS

    def test_unknown_label_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown tier"):
            Tier.from_label("urgent")

    def test_tiers_are_ordered_by_urgency(self) -> None:
        assert Tier.NONE < Tier.LOW < Tier.MODERATE < Tier.HIGH < Tier.CRISIS


class TestVerdictJson:
    def test_shape_matches_the_spec(self, screener: Screener) -> None:
        data = screener.screen("I want to kill myself tonight", "en").as_json("entry-7")
        assert list(data) == ["id", "tier", "categories", "evidence"]
        assert data["id"] == "entry-7"
        assert data["tier"] == "crisis"
        assert data["categories"] == ["suicidality"]
        evidence = data["evidence"]
        assert isinstance(evidence, list) and evidence
        for item in evidence:
            assert set(item) == {"rule", "span", "text"}
            assert isinstance(item["span"], list) and len(item["span"]) == 2

    def test_nothing_found_is_an_empty_verdict(self, screener: Screener) -> None:
        data = screener.screen("I planted tomatoes today").as_json()
        assert data == {"id": None, "tier": "none", "categories": [], "evidence": []}

    def test_hand_built_verdict(self) -> None:
        verdict = Verdict(Tier.LOW, ("distress",), (Evidence("en.x", (0, 3), "sad"),))
        assert verdict.as_json("a")["evidence"] == [{"rule": "en.x", "span": [0, 3], "text": "sad"}]


SPAN_TEXTS = [
    ("I want to kill myself tonight", "en"),
    ("Ｉ ｗａｎｔ ｔｏ ｋｉｌｌ ｍｙｓｅｌｆ", "en"),
    ("I want to k\u200bill mys\u200belf, it's too much", "en"),
    ("ok so... s u i c i d e is all I think about", "en"),
    ("i want to k!ll mys3lf", "en"),
    ("I want to kiiiill myselfff", "en"),
    ("Straße. Ich will mich umbringen", "de"),
    ("Ich möchte sterben", "de"),
    ("pienso en el suicídio 😢", "es"),
    ("Je veux mourir.", "fr"),
    ("I feel so sucidal and I cut again last night", "en"),
    ("e\u0301e\u0301 I want to die 👨‍👩‍👧", "en"),
]


@pytest.mark.parametrize(("text", "lang"), SPAN_TEXTS)
def test_evidence_spans_point_into_the_original_text(
    screener: Screener, text: str, lang: str
) -> None:
    verdict = screener.screen(text, lang)
    assert verdict.tier >= Tier.HIGH
    for item in verdict.evidence:
        start, end = item.span
        assert 0 <= start < end <= len(text)
        assert text[start:end] == item.text


def test_evidence_names_the_rule_and_the_modifier(screener: Screener) -> None:
    verdict = screener.screen("I want to kill myself tonight", "en")
    rules = {e.rule for e in verdict.evidence}
    assert "en.suicidality.kill_self" in rules
    assert "en.frame.timeframe" in rules


def test_downgraded_matches_say_why(screener: Screener) -> None:
    verdict = screener.screen("Years ago I attempted suicide", "en")
    assert verdict.tier is Tier.LOW
    assert "en.frame.past" in {e.rule for e in verdict.evidence}


def test_screening_is_deterministic(screener: Screener) -> None:
    texts = [t for t, _ in SPAN_TEXTS] + ["I had a hard day", "my phone died"]
    first = [screener.screen(t) for t in texts]
    for _ in range(3):
        assert [screener.screen(t) for t in texts] == first


def test_a_fresh_screener_agrees_with_the_cached_one(screener: Screener) -> None:
    from prompts.screening_loader import load_rules

    fresh = Screener(load_rules())
    for text, lang in SPAN_TEXTS:
        assert fresh.screen(text, lang) == screener.screen(text, lang)


def test_language_codes_are_lenient(screener: Screener) -> None:
    assert screener.screen("Quiero morir", "es-MX").tier is Tier.HIGH
    assert screener.screen("Quiero morir", "ES").tier is Tier.HIGH
    assert screener.screen("Quiero morir", "xx").tier is Tier.HIGH  # unknown: try all


def test_language_unknown_screens_in_the_guessed_language(screener: Screener) -> None:
    # A topic mention in French stays below moderate, as with the language given.
    text = "un film sur le suicide"
    assert screener.guess_languages(text) == ("fr",)
    assert screener.screen(text).tier == screener.screen(text, "fr").tier < Tier.MODERATE
    # English decides a tie only when its evidence is at least as strong.
    assert screener.guess_languages("suicide") == ("en",)
    assert screener.guess_languages("sur le pont") == ("fr",)


def test_language_unknown_keeps_high_and_crisis_from_any_language(screener: Screener) -> None:
    # Guessed English, but the crisis is written in German: it is not lost.
    text = "today i talked to my sister and it was fine. ich will mich heute nacht umbringen"
    assert screener.guess_languages(text) == ("en",)
    assert screener.screen(text, "en").tier < Tier.CRISIS
    assert screener.screen(text).tier is Tier.CRISIS


def test_english_is_screened_alongside_another_language(screener: Screener) -> None:
    assert screener.screen("I want to kill myself", "de").tier is Tier.HIGH


ODD_TEXTS = [
    "",
    " ",
    "\n\n\t",
    "\u200b\u200c\u200d\u2060\ufeff",
    "\u202e\u202d\u2066\u2069\u200e\u200f",
    "e\u0301\u0301\u0301\u0301\u0301",
    "\u0301 combining mark first",
    "👨‍👩‍👧‍👦🏳️‍🌈👩🏽‍🚀" * 50,
    "\x00\x01\x02 control characters \x7f",
    "\ud7ff\ue000\uffff",
    "ﬁﬂ ǅ ß ẞ İ ı ŉ",
    "𝔦 𝔴𝔞𝔫𝔱 𝔱𝔬 𝔡𝔦𝔢",
    "a" * 5000,
    "!!!???...,,,---" * 300,
    "k i l l " * 500,
    "1 2 3 4 5 6 7 8 9 0 " * 200,
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_input_does_not_crash(screener: Screener, text: str) -> None:
    for lang in (None, "en", "de"):
        verdict = screener.screen(text, lang)
        for item in verdict.evidence:
            assert text[item.span[0] : item.span[1]] == item.text


def test_huge_input_is_screened_quickly(screener: Screener) -> None:
    text = ("Today was a hard day at work but I went for a walk. " * 2000) + (
        "I want to kill myself tonight."
    )
    assert len(text) > 100_000
    started = time.perf_counter()
    verdict = screener.screen(text)
    elapsed = time.perf_counter() - started
    assert verdict.tier is Tier.CRISIS
    assert elapsed < 5.0


def test_huge_odd_unicode_input_is_screened_quickly(screener: Screener) -> None:
    text = "\u200bI\u200f w\u0301ant to d\u200bie\u200e 👨‍👩‍👧, " * 4000
    started = time.perf_counter()
    verdict = screener.screen(text)
    assert time.perf_counter() - started < 5.0
    assert verdict.tier >= Tier.HIGH
