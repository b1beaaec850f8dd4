"""Risk screening of participants' journal text: pure, deterministic, explained.

The rules are data (``prompts/screening/*.yaml``, read by ``prompts.screening_loader``);
this package only knows how to normalise text, run rules and weigh their context.

    verdict = Screener(rule_set).screen("I want to end it tonight", lang="en")
    verdict.tier is Tier.CRISIS; verdict.as_json("entry-1")
"""

from .model import (
    CATEGORIES,
    COMMON,
    Evidence,
    Frame,
    Idiom,
    Language,
    Position,
    Rule,
    RuleSet,
    Scope,
    ScreeningRuleError,
    Tier,
    Verdict,
)
from .normalise import NormalisedText, Normaliser, fold_pattern
from .prefilter import anchors
from .screener import Screener, compile_pattern, whole_words

__all__ = [
    "CATEGORIES",
    "COMMON",
    "Evidence",
    "Frame",
    "Idiom",
    "Language",
    "NormalisedText",
    "Normaliser",
    "Position",
    "Rule",
    "RuleSet",
    "Scope",
    "Screener",
    "ScreeningRuleError",
    "Tier",
    "Verdict",
    "anchors",
    "compile_pattern",
    "fold_pattern",
    "whole_words",
]
