#!/usr/bin/env python3
"""Train the screener's learned layer on the development cases, and say how well it does.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python scripts/train_screening_model.py            # cross-validate, train, write
    .venv/bin/python scripts/train_screening_model.py --cv-only  # figures only, nothing written

Only ``tests/screening_data/dev.jsonl`` is read: the frozen test set is never shown to the
model. Thresholds are chosen by cross-validation that holds out one *source* of cases at a
time (each writer's cases, each older set), so they are set on text the heads were not
trained on. The weights go to ``prompts/screening/model/``: ``heads.json`` (thresholds,
biases, the training data's hash) and ``weights.bin`` (the non-zero weights, packed).

Training is deterministic: the same cases give the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.screening.learned import (  # noqa: E402
    HEADS,
    long_enough,
    reading,
    slot,
    slots,
    speaks_alone,
)
from bot.domain.screening.model import Tier  # noqa: E402
from prompts.screening_loader import build_screener  # noqa: E402
from prompts.screening_model import MODEL_DIR, write_model  # noqa: E402

DEV = ROOT / "tests" / "screening_data" / "dev.jsonl"
BUCKETS = 1 << 18
C = 3.0
# Share of benign development cases a head may itself raise to its tier (held out): those
# the layer would speak on (not set aside by the rules, not already at the tier by them).
# Counting only those, rather than every benign case whose score passes (most of which the
# rules already set aside for a cue), is what the layer adds to the false alarms.
FALSE_ALARM_BUDGET = {Tier.LOW: 0.10, Tier.MODERATE: 0.02, Tier.HIGH: 0.025}
# Where the rules and constructs found nothing at all, the layer speaks alone: the share of
# such benign cases (held out) its high head may raise to high. An alert raised on a word
# model's say alone ("still thinking about the session") must be rare.
ALONE_BUDGET = {Tier.HIGH: 0.005}


def source(case: dict[str, str]) -> str:
    """Which writer or older set a case comes from: the unit held out together."""
    kind = case.get("kind", "")
    if kind in ("spec", "heldout"):
        return kind
    return case.get("source") or case["id"].split("-")[0]


def presence(rows: list[list[int]]) -> csr_matrix:
    """Which slots each text has (binary)."""
    indices, indptr = [], [0]
    for features in rows:
        indices.extend(features)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    return csr_matrix((data, np.array(indices), np.array(indptr)), shape=(len(rows), BUCKETS))


def inverse_frequency(x: csr_matrix) -> tuple[np.ndarray, float]:
    """Smoothed idf per slot, ln((1 + n) / (1 + df)) + 1, and the idf of an unseen slot."""
    n = x.shape[0]
    df = np.bincount(x.indices, minlength=BUCKETS)
    return np.log((1 + n) / (1 + df)) + 1, float(np.log(1 + n) + 1)


def weighed(x: csr_matrix, idf: np.ndarray) -> csr_matrix:
    """TF-IDF with binary counts, each text scaled to unit length (what the bot computes)."""
    out = x.multiply(idf[np.newaxis, :]).tocsr()
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return csr_matrix(out.multiply(1.0 / norms[:, np.newaxis]))


def fit(x: csr_matrix, y: np.ndarray, c: float = C) -> LogisticRegression:
    model = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=200)
    model.fit(x, y)
    return model


def threshold_for(
    scores: np.ndarray,
    labels: np.ndarray,
    speaks: np.ndarray,
    head: Tier,
    budget: float | None = None,
) -> float:
    """The lowest threshold that keeps the held-out benign cases the head would raise
    (``speaks``: where the layer is heard and the rules gave less than the head's tier)
    inside its budget, a share of all benign cases."""
    benign = labels == Tier.NONE
    raised = np.sort(scores[benign & speaks])[::-1]
    allowed = math.floor((FALSE_ALARM_BUDGET[head] if budget is None else budget) * benign.sum())
    if allowed >= len(raised):
        return 0.5
    return float(max(0.5, raised[allowed] + 1e-6))


def report(title: str, labels: np.ndarray, tiers: np.ndarray, langs: list[str]) -> None:
    def line(mask: np.ndarray) -> str:
        out = []
        for name, want, floor in (
            ("crisis>=high", Tier.CRISIS, Tier.HIGH),
            ("high>=high", Tier.HIGH, Tier.HIGH),
            ("mod>=mod", Tier.MODERATE, Tier.MODERATE),
            ("low>=low", Tier.LOW, Tier.LOW),
        ):
            m = mask & (labels == want)
            out.append(f"{name} {100 * np.mean(tiers[m] >= floor):5.1f}% ({m.sum()})")
        m = mask & (labels == Tier.NONE)
        out.append(f"benign>=mod {100 * np.mean(tiers[m] >= Tier.MODERATE):4.1f}% ({m.sum()})")
        return "  ".join(out)

    everyone = np.ones(len(labels), dtype=bool)
    print(f"{title}\n  all  {line(everyone)}")
    for lang in sorted(set(langs)):
        print(f"  {lang}   {line(np.array([x == lang for x in langs]))}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cv-only", action="store_true", help="report, write nothing")
    parser.add_argument("--c", type=float, default=C, help="inverse regularisation strength")
    parser.add_argument(
        "--with",
        dest="extra",
        action="append",
        default=[],
        metavar="CASES.jsonl",
        help="with --cv-only: try more cases beside the development set",
    )
    args = parser.parse_args()
    if args.extra and not args.cv_only:
        parser.error("--with is for trying cases out (--cv-only); add them to dev.jsonl to train")

    text = DEV.read_text("utf-8") + "".join(Path(p).read_text("utf-8") for p in args.extra)
    cases = [json.loads(line) for line in text.splitlines() if line.strip()]
    screener = build_screener(learned=False)  # rules and constructs alone
    print(f"{len(cases)} development cases from {len({source(c) for c in cases})} sources")
    folded = [screener.normalise(c["text"]).text for c in cases]
    labels = np.array([Tier.from_label(c["label"]) for c in cases])
    langs = [c.get("lang", "?") for c in cases]
    groups = [source(c) for c in cases]
    verdicts = [screener.screen(c["text"], c.get("lang")) for c in cases]
    # the words, and what the rules made of them (the same in every language)
    features = [
        sorted(set(slots(f, BUCKETS)) | {slot(name, BUCKETS) for name in reading(v)})
        for f, v in zip(folded, verdicts, strict=True)
    ]
    x = presence(features)
    rules = np.array([v.tier for v in verdicts], dtype=int)
    # Where the rules understood and set aside a risk expression, the layer stays quiet.
    muted = np.array([v.discounted for v in verdicts])
    # Texts too short for the layer to read are left to the rules.
    muted |= np.array([not long_enough(f) for f in folded])
    # Where they found nothing, or only a method's name, the layer is alone.
    alone = np.array([speaks_alone(v) for v in verdicts])

    # Held-out scores: each source scored by heads trained on all the others.
    held = np.zeros((len(cases), len(HEADS)))
    for group in sorted(set(groups)):
        test = np.array([g == group for g in groups])
        idf, _ = inverse_frequency(x[~test])
        train_x, test_x = weighed(x[~test], idf), weighed(x[test], idf)
        for k, head in enumerate(HEADS):
            y = (labels >= head).astype(int)
            model = fit(train_x, y[~test], args.c)
            held[test, k] = model.predict_proba(test_x)[:, 1]
    # where each head would itself raise a text: the layer is heard, the rules gave less
    speaks = [~muted & (rules < head) for head in HEADS]
    thresholds = [
        threshold_for(held[:, k], labels, speaks[k], head) for k, head in enumerate(HEADS)
    ]
    alone_thresholds: list[float | None] = [
        max(
            thresholds[k],
            threshold_for(
                held[alone, k], labels[alone], speaks[k][alone], head, ALONE_BUDGET[head]
            ),
        )
        if head in ALONE_BUDGET
        else None
        for k, head in enumerate(HEADS)
    ]
    learned = np.zeros(len(cases), dtype=int)
    for k, head in enumerate(HEADS):
        bar = np.full(len(cases), thresholds[k])
        alone_k = alone_thresholds[k]
        if alone_k is not None:
            bar = np.where(alone, alone_k, bar)
        learned = np.where(held[:, k] >= bar, int(head), learned)
    print("thresholds", [round(t, 3) for t in thresholds])
    print("thresholds where the layer is alone", [t and round(t, 3) for t in alone_thresholds])
    report("rules and constructs (tuned on these cases: optimistic)", labels, rules, langs)
    report("learned layer alone, each source held out", labels, learned, langs)
    both = np.where(muted, rules, np.maximum(rules, learned))
    report("both (the higher tier; quiet where the rules set words aside)", labels, both, langs)
    by_source: dict[str, Counter[str]] = defaultdict(Counter)
    for g, lab, t in zip(groups, labels, learned, strict=True):
        if lab >= Tier.HIGH:
            by_source[g]["risk"] += 1
            by_source[g]["caught"] += int(t >= Tier.HIGH)
    for g, c in sorted(by_source.items()):
        print(
            f"  held-out source {g:8s} high/crisis raised to >= high by the model: "
            f"{c['caught']}/{c['risk']}"
        )
    if args.cv_only:
        return 0

    idf, unseen = inverse_frequency(x)
    train_x = weighed(x, idf)
    heads = []
    for k, head in enumerate(HEADS):
        y = (labels >= head).astype(int)
        model = fit(train_x, y, args.c)
        folded = model.coef_[0] * idf
        weights = {int(i): float(folded[i]) for i in np.flatnonzero(np.abs(folded) >= 1e-5)}
        bias = float(model.intercept_[0])
        heads.append((head, weights, bias, thresholds[k], alone_thresholds[k]))
    seen = {int(i): float(idf[i]) for i in np.flatnonzero(x.getnnz(axis=0))}
    digest = hashlib.sha256(DEV.read_bytes()).hexdigest()
    write_model(MODEL_DIR, BUCKETS, seen, unseen, heads, digest)
    print(f"wrote {MODEL_DIR.relative_to(ROOT)} (training data sha256 {digest[:12]}…)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
