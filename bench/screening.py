"""Benchmark of the risk screener against the labelled clinical cases.

Run from the repository root::

    python bench/screening.py                 # the labelled cases (tests/unit/screening/cases.py)
    python bench/screening.py --set heldout   # the held-out validation set (cases_heldout.py)
    python bench/screening.py --set all       # both
    python bench/screening.py --misses        # also list the cases outside their range

Prints per-tier precision and recall, the recall of crisis and high replies, how many
moderate replies are flagged moderate or above, the false-alarm rate on benign replies
(expected none or low, flagged moderate or above) and throughput on one core (the best
of five timed rounds, so a busy neighbour does not decide it), each with
PASS or FAIL against its target. Always exits 0: it reports, it does not gate.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.domain.screening import Screener, Tier  # noqa: E402
from prompts.screening_loader import load_rules  # noqa: E402
from tests.unit.screening.cases import CASES, TIERS, Case  # noqa: E402
from tests.unit.screening.cases_heldout import HELDOUT  # noqa: E402

SETS: dict[str, list[Case]] = {"cases": CASES, "heldout": HELDOUT, "all": CASES + HELDOUT}

MIN_SECONDS = 2.5  # in total, split into ROUNDS timed rounds
ROUNDS = 5


def expected_tier(case: Case, got: int) -> int:
    """The case's tier for scoring: the one in its accepted range nearest to the verdict."""
    return min(max(got, case.lowest), case.highest)


def evaluate(screener: Screener, cases: list[Case], use_language: bool) -> dict[str, float]:
    confusion: Counter[tuple[int, int]] = Counter()
    crisis = high = moderate = benign = 0
    crisis_hit = high_hit = moderate_hit = benign_alarm = 0
    for case in cases:
        got = int(screener.screen(case.text, case.lang if use_language else None).tier)
        want = expected_tier(case, got)
        confusion[(want, got)] += 1
        if case.lowest == Tier.CRISIS:
            crisis += 1
            crisis_hit += got == Tier.CRISIS
        if case.lowest >= Tier.HIGH:
            high += 1
            high_hit += got >= Tier.HIGH
        if case.lowest == Tier.MODERATE:
            moderate += 1
            moderate_hit += got >= Tier.MODERATE
        if case.highest <= Tier.LOW:
            benign += 1
            benign_alarm += got >= Tier.MODERATE
    result: dict[str, float] = {
        "crisis_recall": crisis_hit / crisis,
        "high_recall": high_hit / high,
        "moderate_flagged": moderate_hit / moderate,
        "benign_false_alarm": benign_alarm / benign,
        "counts": float(len(cases)),
    }
    for tier in range(len(TIERS)):
        true_pos = confusion[(tier, tier)]
        predicted = sum(n for (w, g), n in confusion.items() if g == tier)
        actual = sum(n for (w, g), n in confusion.items() if w == tier)
        result[f"precision_{TIERS[tier]}"] = true_pos / predicted if predicted else 1.0
        result[f"recall_{TIERS[tier]}"] = true_pos / actual if actual else 1.0
    return result


def misses(screener: Screener, cases: list[Case], use_language: bool) -> list[str]:
    """One line per case whose verdict falls outside its accepted range."""
    lines = []
    for case in cases:
        v = screener.screen(case.text, case.lang if use_language else None)
        if not case.accepts(v.tier.label):
            wanted = case.tier if case.upto is None else f"{case.tier}..{case.upto}"
            lines.append(
                f"  [{case.lang}] want {wanted:<15} got {v.tier.label:<9} {case.text[:70]!r}"
                f" ({case.why}) {[e.rule for e in v.evidence][:3]}"
            )
    return lines


def throughput(screener: Screener, cases: list[Case], use_language: bool) -> float:
    """Texts per second on one core: the best of several timed rounds.

    The machine is shared; another process can steal the core for part of a round.
    As with ``timeit``, the fastest round is the one least disturbed, so it is the
    best estimate of what the screener itself costs.
    """
    items = [(c.text, c.lang if use_language else None) for c in cases]
    for text, lang in items:  # warm caches once
        screener.screen(text, lang)
    best = 0.0
    for _ in range(ROUNDS):
        done = 0
        started = time.perf_counter()
        while True:
            for text, lang in items:
                screener.screen(text, lang)
            done += len(items)
            elapsed = time.perf_counter() - started
            if elapsed >= MIN_SECONDS / ROUNDS:
                break
        best = max(best, done / elapsed)
    return best


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), default="cases", dest="which")
    parser.add_argument("--misses", action="store_true", help="list cases outside their range")
    args = parser.parse_args(argv)
    cases = SETS[args.which]
    started = time.perf_counter()
    screener = Screener(load_rules())
    build = time.perf_counter() - started
    print(
        f"screener built from rule files in {build:.2f} s; "
        f"set '{args.which}': {len(cases)} labelled cases\n"
    )

    for use_language, title in (
        (True, "participant's language given"),
        (False, "language unknown"),
    ):
        r = evaluate(screener, cases, use_language)
        print(f"== {title} ==")
        print(f"{'tier':<10}{'precision':>10}{'recall':>10}")
        for name in TIERS:
            print(f"{name:<10}{r['precision_' + name]:>10.1%}{r['recall_' + name]:>10.1%}")
        rate = throughput(screener, cases, use_language)
        checks = [
            ("crisis recall", r["crisis_recall"], "= 100%", r["crisis_recall"] >= 1.0),
            ("high recall (high or crisis)", r["high_recall"], ">= 97%", r["high_recall"] >= 0.97),
            (
                "moderate flagged moderate+",
                r["moderate_flagged"],
                ">= 90%",
                r["moderate_flagged"] >= 0.90,
            ),
            (
                "benign false alarm (moderate+)",
                r["benign_false_alarm"],
                "< 5%",
                r["benign_false_alarm"] < 0.05,
            ),
        ]
        print()
        for name, value, target, ok in checks:
            print(f"{name:<34}{value:>8.1%}   target {target:<8} {verdict(ok)}")
        print(
            f"{'throughput (texts/s, one core)':<34}{rate:>8.0f}   target >= 5000  "
            f"{verdict(rate >= 5000)}"
        )
        if args.misses:
            print("\nmisses:")
            print("\n".join(misses(screener, cases, use_language)) or "  none")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
