"""The clinical cases: every labelled reply gets the tier and categories it should."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.domain.screening import CATEGORIES, Screener

from .cases import CASES, TIERS, Case, case_id


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_case_gets_the_clinically_expected_verdict(screener: Screener, case: Case) -> None:
    verdict = screener.screen(case.text, case.lang)
    wanted = case.tier if case.upto is None else f"{case.tier}..{case.upto}"
    assert case.accepts(verdict.tier.label), (
        f"{case.text!r}: expected {wanted} ({case.why}), got {verdict.tier.label} "
        f"with {[e.rule for e in verdict.evidence]}"
    )
    missing = set(case.categories) - set(verdict.categories)
    assert not missing, f"{case.text!r}: categories {sorted(missing)} missing ({case.why})"


def test_the_case_list_is_a_broad_specification() -> None:
    assert len(CASES) >= 320
    per_lang = Counter(c.lang for c in CASES)
    assert all(per_lang[lang] >= 30 for lang in ("es", "fr", "de"))
    assert {c.tier for c in CASES} == set(TIERS)
    covered = {cat for c in CASES for cat in c.categories}
    assert covered == CATEGORIES
    assert all(c.why for c in CASES), "every case carries its rationale"
    assert len({(c.text, c.lang) for c in CASES}) == len(CASES), "no duplicate cases"


def test_every_case_is_also_caught_when_the_language_is_unknown(screener: Screener) -> None:
    """Without a language the screener tries all; it must not miss a crisis or high case."""
    missed = [
        c.text
        for c in CASES
        if c.lowest >= TIERS.index("high")
        and screener.screen(c.text).tier.label not in ("high", "crisis")
    ]
    assert not missed
