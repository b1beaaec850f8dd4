"""Running only the patterns that can match finds exactly what the whole alternation finds.

A rule's group of patterns, a language's idioms and a frame's cues are each one regular
expression (an alternation). When the gate's scan shows that none of a pattern's own
anchors occurs in a text, that pattern cannot match there, and the screener runs the
alternation without it: the one live pattern alone, or nothing. These tests hold that
narrowing to its promise on the rules' own examples and on every development case: the
same matches, at the same places, in the same order, as the whole alternation gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from bot.domain.screening import Screener
from bot.domain.screening import screener as screener_module
from bot.domain.screening.facts import LazyPattern
from bot.domain.screening.screener import _alternation_of, _narrowest

from .texts import rule_and_development_texts


def _scanned(screener: Screener) -> Iterator[tuple[str, set[int], set[int]]]:
    """Each normalised text, with the rules its anchors let through and its marks."""
    gate = screener._gate(screener.languages_for(None))
    for text in rule_and_development_texts():
        folded = screener.normalise(text).text
        hits, _typos, words = gate.gate.scan(folded)
        marks = gate.gate.marks(words) | gate.always_marks
        yield folded, hits | {c.index for c in gate.always}, marks


@pytest.fixture(scope="module")
def scanned(screener: Screener) -> list[tuple[str, set[int], set[int]]]:
    return list(_scanned(screener))


def _spans(regexes: Iterable[LazyPattern], text: str) -> list[tuple[int, int]]:
    return [m.span() for regex in regexes for m in regex.finditer(text)]


def test_a_rule_matches_the_same_words_when_only_its_live_patterns_run(
    screener: Screener, scanned: list[tuple[str, set[int], set[int]]]
) -> None:
    checked = 0
    for text, hits, marks in scanned:
        for index in hits:
            compiled = screener._rules[index]
            narrowed = compiled.runnable(marks)
            assert _spans(narrowed, text) == _spans(compiled.regexes, text), (
                compiled.rule.id,
                text,
            )
            checked += len(narrowed)
    assert checked > 1000  # the narrowing was exercised, not skipped


def test_idioms_and_frame_cues_are_found_alike_when_only_live_patterns_run(
    screener: Screener, scanned: list[tuple[str, set[int], set[int]]]
) -> None:
    narrowed_runs = 0
    for text, _hits, marks in scanned:
        for lang in screener._languages.values():
            alternations = [(lang.idioms, lang.idiom_parts, lang.idiom_mark)]
            alternations += [(f.cues, f.parts, f.mark) for f in lang.frames.values()]
            for whole, parts, mark in alternations:
                if whole is None or mark.index not in marks:
                    continue  # the gate already rules the whole alternation out
                live = _narrowest(whole, [p for p in parts if p.mark.index in marks])
                if live is not whole:
                    narrowed_runs += 1
                expected = [m.span() for m in whole.finditer(text)]
                got = [m.span() for m in live.finditer(text)] if live is not None else []
                assert got == expected, (lang.language.code, text)
    assert narrowed_runs > 1000


def test_an_alternation_of_the_live_patterns_finds_what_the_whole_finds(
    screener: Screener, scanned: list[tuple[str, set[int], set[int]]]
) -> None:
    """Two or more live patterns of a group run as an alternation of their own, in their
    order and with the group's word boundaries: the same matches as the whole group."""
    groups = [
        (whole, parts)
        for compiled in screener._rules
        for whole, parts in zip(compiled.regexes, compiled.alternatives, strict=True)
    ]
    for lang in screener._languages.values():
        if lang.idioms is not None:
            groups.append((lang.idioms, lang.idiom_parts))
        groups += [(f.cues, f.parts) for f in lang.frames.values()]
    assert all(part.wrapper is not None for _whole, parts in groups for part in parts)
    subsets = 0
    for text, _hits, marks in scanned:
        for whole, parts in groups:
            live = [p for p in parts if p.mark.index in marks]
            if len(live) < 2 or len(live) == len(parts):
                continue
            narrowed = _alternation_of(whole, live)
            assert narrowed is not whole
            subsets += 1
            assert _spans([narrowed], text) == _spans([whole], text), (whole.pattern[:60], text)
            # what the screener runs: the whole group until the combination has come back
            # often enough, then the same alternation of the live patterns
            run = [_narrowest(whole, live) for _ in range(screener_module._COMPILE_AFTER)]
            assert all(r is whole or (r and r.pattern) == narrowed.pattern for r in run)
            assert run[-1] is not None and run[-1].pattern == narrowed.pattern
    assert subsets > 1000
