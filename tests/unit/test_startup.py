"""Start-up builds the screener with each language's gate left until a text needs it (the
rest are warmed afterwards): the verdicts are those of a screener warmed up front."""

from __future__ import annotations

import json
from pathlib import Path

from prompts.screening_loader import build_screener, default_screener

CASES = Path(__file__).resolve().parents[1] / "screening_data" / "dev.jsonl"


def test_a_screener_whose_gates_are_built_late_gives_the_same_verdicts() -> None:
    warm, late = default_screener(), build_screener(warm=False)
    lines = CASES.read_text(encoding="utf-8").splitlines()[::50]  # a spread of ~160 cases
    compared = 0
    for line in lines:
        case = json.loads(line)
        for lang in (case.get("lang"), None):
            a, b = warm.screen(case["text"], lang), late.screen(case["text"], lang)
            assert (b.tier, b.categories) == (a.tier, a.categories), case["id"]
            assert [(e.rule, e.span) for e in b.evidence] == [
                (e.rule, e.span) for e in a.evidence], case["id"]
            compared += 1
    assert compared >= 300
