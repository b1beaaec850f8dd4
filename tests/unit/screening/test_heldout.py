"""The held-out validation set, scored in aggregate against the screening targets.

Unlike ``test_cases.py`` this does not require every case to get its tier: the held-out
set measures how well the rules generalise to phrasings nobody tuned them on. A failure
here means a whole family of phrasings is missing - fix it in the rule files, with a
pattern that covers the family, not one sentence.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.domain.screening import Screener

from .cases import TIERS, Case
from .cases_heldout import HELDOUT

HIGH = TIERS.index("high")
CRISIS = TIERS.index("crisis")
MODERATE = TIERS.index("moderate")
LOW = TIERS.index("low")


def _scores(screener: Screener, cases: list[Case], use_language: bool) -> dict[str, float]:
    crisis = [c for c in cases if c.lowest == CRISIS]
    high = [c for c in cases if c.lowest >= HIGH]
    moderate = [c for c in cases if c.lowest == MODERATE]
    benign = [c for c in cases if c.highest <= LOW]

    def tier(c: Case) -> int:
        return int(screener.screen(c.text, c.lang if use_language else None).tier)

    return {
        "crisis_recall": sum(tier(c) == CRISIS for c in crisis) / len(crisis),
        "high_recall": sum(tier(c) >= HIGH for c in high) / len(high),
        "moderate_flagged": sum(tier(c) >= MODERATE for c in moderate) / len(moderate),
        "benign_false_alarm": sum(tier(c) >= MODERATE for c in benign) / len(benign),
    }


def test_the_heldout_set_is_broad() -> None:
    assert len(HELDOUT) >= 350
    per_lang = Counter(c.lang for c in HELDOUT)
    assert all(per_lang[lang] >= 40 for lang in ("es", "fr", "de"))
    assert {c.tier for c in HELDOUT} == set(TIERS)
    assert all(c.why for c in HELDOUT)
    assert len({(c.text, c.lang) for c in HELDOUT}) == len(HELDOUT)


def test_heldout_meets_the_targets_with_the_language_known(screener: Screener) -> None:
    r = _scores(screener, HELDOUT, use_language=True)
    assert r["crisis_recall"] == 1.0, r
    assert r["high_recall"] >= 0.97, r
    assert r["moderate_flagged"] >= 0.90, r
    assert r["benign_false_alarm"] < 0.05, r


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de"])
def test_heldout_crisis_recall_per_language(screener: Screener, lang: str) -> None:
    missed = [
        c.text
        for c in HELDOUT
        if c.lang == lang and c.lowest == CRISIS and screener.screen(c.text, lang).tier != CRISIS
    ]
    assert not missed


def test_heldout_keeps_crisis_and_high_when_the_language_is_unknown(screener: Screener) -> None:
    r = _scores(screener, HELDOUT, use_language=False)
    assert r["crisis_recall"] == 1.0, r
    assert r["high_recall"] >= 0.97, r
