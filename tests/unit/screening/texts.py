"""Texts that equivalence tests screen both ways: every rule's examples and
counterexamples, then every development case."""

from __future__ import annotations

import json
from pathlib import Path

from prompts.screening_loader import load_rules

DEV = Path(__file__).resolve().parents[2] / "screening_data" / "dev.jsonl"


def rule_and_development_texts() -> list[str]:
    rules = load_rules().rules
    examples = [t for r in rules for t in (*r.examples, *r.counterexamples)]
    with DEV.open(encoding="utf-8") as handle:
        cases = [json.loads(line)["text"] for line in handle if line.strip()]
    return examples + cases
