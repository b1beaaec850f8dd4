"""The screener's fast paths give exactly what the plain ones give.

Each fast path does the same work with less Python around it: the learned layer's slots
gathered with ``map`` and one set union, its sums taken by numpy (in the set's order, or
in any order where no addition can round); the gate's rules and
marks and a language's live idioms looked up with ``map`` and an index; function words
counted in C; a construct term tried only where its later words occur. These tests hold each
to its promise on the rules' own examples and on every development case: the same slots
in the same order, the same sums and probabilities to the last bit, the same verdicts.
"""

from __future__ import annotations

from array import array

import pytest

from bot.domain.screening import Screener, Tier
from bot.domain.screening import language as language_module
from bot.domain.screening.language import function_word_counts
from bot.domain.screening.learned import HEADS, TOKEN, Head, LearnedModel, _Hasher
from bot.domain.screening.screener import _live_idiom_parts
from bot.domain.screening.signals import _match_rest

from .texts import rule_and_development_texts


@pytest.fixture(scope="module")
def folded(screener: Screener) -> list[str]:
    return [screener.normalise(text).text for text in rule_and_development_texts()]


@pytest.fixture(scope="module")
def model(screener: Screener) -> LearnedModel:
    assert screener.learned is not None
    return screener.learned


def _plain_slots(hasher: _Hasher, folded: str) -> set[int]:
    """The slots as one ``update`` per word and per pair, in the text's order."""
    found: set[int] = set()
    previous: str | None = None
    for word in TOKEN.findall(folded):
        found.update(hasher.word_slots(word))
        if previous is not None:
            found.update(hasher.pair_slots(previous, word))
        previous = word
    return found


def test_the_slots_are_the_same_set_in_the_same_order(
    model: LearnedModel, folded: list[str]
) -> None:
    fresh = _Hasher(model.buckets)  # one that remembers nothing yet, and one that does
    for text in folded:
        for hasher in (fresh, model._hasher):
            assert list(hasher.slots(text)) == list(_plain_slots(hasher, text)), text


def test_the_tier_and_probability_are_the_same_as_the_plain_path(
    model: LearnedModel, folded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [
        (text, above, alone)
        for text in folded
        for above in (Tier.NONE, Tier.LOW, Tier.MODERATE)
        for alone in (False, True)
    ]
    fast = [model.tier(t, above, alone=alone, reading=("t:low",)) for t, above, alone in cases]
    monkeypatch.setattr(LearnedModel, "_exact_sums", lambda *_args: None)  # the plain path
    plain = [model.tier(t, above, alone=alone, reading=("t:low",)) for t, above, alone in cases]
    assert [(tier, p.hex()) for tier, p in fast] == [(tier, p.hex()) for tier, p in plain]
    assert any(tier > Tier.NONE for tier, _ in fast)  # the heads were exercised


def test_the_gate_finds_the_same_rules_and_marks_and_idioms_as_word_by_word(
    screener: Screener, folded: list[str]
) -> None:
    """The gate's rules and marks, and a language's live idioms, looked up with ``map``
    and an index by literal, are those a look-up word by word (idiom by idiom) gives."""
    gate = screener._gate(screener.languages_for(None)).gate
    live_runs = 0
    for text in folded:
        hits, _typos, found = gate.scan(text)
        keys, marks = gate._keys, gate._marks
        assert list(hits) == list(set().union(*(keys[w] for w in found if w in keys)))
        assert list(gate.marks(found)) == list(
            set().union(*(marks[w] for w in found if w in marks))
        )
        words = frozenset(found)
        for lang in screener._languages.values():
            if lang.idioms is None:
                continue
            plain = [
                a
                for a in lang.idiom_parts
                if a.mark.literals is None or not a.mark.literals.isdisjoint(words)
            ]
            assert _live_idiom_parts(lang, words) == plain, text
            live_runs += bool(plain)
    assert live_runs > 1000


def _plain_function_word_counts(text: str) -> dict[str, int]:
    """The function words of each language counted one word at a time."""
    counts: dict[str, int] = {}
    for token in language_module._TOKEN.findall(text):
        if token[-1] == "'" and len(token) > 2 and token != "qu'":
            token = token[:-1]  # an apostrophe is kept only after an elided word: j', qu'
        code = language_module._WORD_LANGUAGE.get(token)
        if code is not None:
            counts[code] = counts.get(code, 0) + 1
    return counts


def test_function_words_are_counted_as_one_word_at_a_time_counts_them(
    folded: list[str],
) -> None:
    every = [w + end for w in (*language_module._WORD_LANGUAGE, "don", "qu", "j") for end in "'"]
    for text in [*folded, " ".join(every), " ".join(w.rstrip("'") for w in every)]:
        assert dict(function_word_counts(text)) == _plain_function_word_counts(text), text


def test_terms_found_are_those_every_starting_term_tried_finds(
    screener: Screener, folded: list[str]
) -> None:
    """Only the terms whose later words occur are tried (remembered per word, and passed
    over at once when none of them occurs): the same matches as trying them all."""
    found = 0
    for reader in screener._readers.values():
        indexes = [reader._terms, *reader._cues.values()]
        for text in folded:
            toks = reader._tokens(text)
            for index in indexes:
                plain = [
                    (term, i, *rest)
                    for i in range(len(toks.tokens))
                    for term in index.starting(toks.tokens[i], toks.stems[i])
                    if (
                        rest := _match_rest(
                            term.elements, 1, i, toks, len(toks.tokens), index.stoppers, False
                        )
                    )
                    is not None
                ]
                got = index.find_all(toks)
                assert got == plain, text
                found += len(got)
    assert found > 1000


def test_sums_taken_in_any_order_are_the_ordered_sums_when_the_bound_holds(
    model: LearnedModel, folded: list[str]
) -> None:
    """Where the bound holds (see ``LearnedModel._exact_sums``), numpy's sums of the
    distinct slots, in sorted order, are bit for bit the sums in the set's order."""
    exact = 0
    for text in folded:
        reading = ("t:none", "k:ideation")
        fast = model._exact_sums(text, reading)
        if fast is None:
            continue
        features = model._slots(text, reading)
        arrays = [model.idf_squared, *(head.weights for head in model.heads)]
        plain = [float(sum(map(values.__getitem__, features))) for values in arrays]
        assert [x.hex() for x in fast] == [x.hex() for x in plain], text
        exact += 1
    assert exact > 0.99 * len(folded)  # the bound holds for nearly every text


def test_where_the_bound_fails_the_sums_are_taken_in_order() -> None:
    """A column holding a weight so small that its gap is below the others' sum: the
    order-free sums are refused, and the tier is the plain path's."""
    buckets = 1 << 10
    weights = array("f", [0.75]) * buckets
    weights[7] = 1e-30
    heads = tuple(Head(t, weights, -1.0, 0.5) for t in HEADS)
    model = LearnedModel(buckets, heads, array("f", [1.0]) * buckets)
    text = "i have been thinking about the pills in the drawer all day long"
    assert model._exact_sums(text, ()) is None
    plain = model._read(text)
    expected = [h.probability(*plain) for h in reversed(model.heads)]
    tier, p = model.tier(text)
    assert tier == Tier.HIGH and p == expected[0]
