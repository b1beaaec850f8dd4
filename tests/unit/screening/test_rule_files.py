"""The shipped rule files: each rule's own examples match it and its counterexamples do not."""

from __future__ import annotations

import pytest

from bot.domain.screening import Rule, Screener, Tier
from prompts.screening_loader import load_rules

RULES = load_rules().rules


def _matches(screener: Screener, rule: Rule, text: str) -> bool:
    compiled = next(c for c in screener._rules if c.rule.id == rule.id)
    normalised = screener._normaliser.normalise(text).text
    return any(r.search(normalised) for r in compiled.regexes)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples_match_and_counterexamples_do_not(screener: Screener, rule: Rule) -> None:
    for example in rule.examples:
        assert _matches(screener, rule, example), f"{rule.id} misses its example {example!r}"
    for counter in rule.counterexamples:
        assert not _matches(screener, rule, counter), f"{rule.id} matches {counter!r}"


def test_every_rule_has_an_anchor_for_the_fast_gate(screener: Screener) -> None:
    slow = [c.rule.id for c in screener._rules if not c.anchored]
    assert not slow, f"rules that would run on every text: {slow}"


def test_rule_ids_are_unique_and_prefixed_by_language() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(r.id.startswith(r.language + ".") for r in RULES)


def test_every_language_has_rules_at_every_tier_it_needs() -> None:
    for code in ("en", "es", "fr", "de"):
        tiers = {r.tier for r in RULES if r.language == code}
        assert {Tier.LOW, Tier.MODERATE, Tier.HIGH, Tier.CRISIS} <= tiers, code
