"""The fast gate: which rules could possibly match a text, found in one regex scan.

For every rule pattern we derive, from its parsed form, a small set of literal strings
at least one of which occurs in any text the pattern matches (its *anchors*; "kill" for
``(?:i )?want to kill(?:ing)? myself``). All anchors of all rules go into one trie-shaped
regular expression; one pass over the text tells which anchors occur, hence which rules
are worth running. Most journal replies contain no anchor and are done after that pass.

The same pass also tells which context *marks* (a frame's cues, a language's idioms)
could occur: their literals share the trie, so a frame whose literals are absent is
known to have no cue without running its (large) regular expression.

The derivation is conservative: when it cannot prove a literal is necessary it gives up
and the rule simply runs on every text, so the gate can cost speed but never a match.
"""

from __future__ import annotations

import importlib
import operator
import pickle
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ahocorasick

from .facts import remembered

_parser: Any = importlib.import_module("re._parser")
_LITERAL = _parser.LITERAL
_IN = _parser.IN
_RANGE = _parser.RANGE
_AT = _parser.AT
_SUBPATTERN = _parser.SUBPATTERN
_BRANCH = _parser.BRANCH
_REPEATS = (_parser.MAX_REPEAT, _parser.MIN_REPEAT, getattr(_parser, "POSSESSIVE_REPEAT", None))
_ZERO_WIDTH = (_parser.ASSERT, _parser.ASSERT_NOT)
_ATOMIC = getattr(_parser, "ATOMIC_GROUP", None)

_SECOND = operator.itemgetter(1)  # the word of an (end, word) the automaton reports
_MAX_SET = 48  # literal alternatives tracked per run before giving up on exactness
_MAX_LEN = 40


# Words so common that an anchor made only of them would let almost every text through.
_COMMON_WORDS = frozenset(
    [
        "i",
        "im",
        "i'm",
        "am",
        "me",
        "my",
        "the",
        "a",
        "an",
        "to",
        "and",
        "or",
        "will",
        "'ll",
        "ll",
        "not",
        "no",
        "was",
        "got",
        "get",
        "had",
        "did",
        "feel",
        "felt",
        "want",
        "wish",
        "like",
        "need",
        "have",
        "has",
        "is",
        "are",
        "be",
        "been",
        "just",
        "so",
        "he",
        "she",
        "they",
        "it",
        "on",
        "of",
        "in",
        "at",
        "for",
        "with",
        "you",
        "we",
        "this",
        "that",
        "do",
        "don't",
        "can",
        "can't",
        "would",
        "could",
        "should",
    ]
)


# An inline case-insensitive flag ("(?i)", "(?ai:...)"): literals read from the parsed
# pattern would then be spelt in one case only, so no literal is trusted.
_IGNORECASE_FLAG = re.compile(r"\(\?[a-zA-Z]*i")


def _literals(pattern: str) -> frozenset[str] | None:
    """Literal strings one of which every match of ``pattern`` contains, or ``None``.

    Unlike :func:`anchors` this does not ask the literals to be selective: it serves
    checks that only need to know that a pattern *cannot* match.
    """
    if _IGNORECASE_FLAG.search(pattern):
        return None
    parsed = _parser.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _necessary(list(parsed))
    if not found or "" in found:
        return None
    return found


def _anchors(pattern: str) -> frozenset[str] | None:
    """Literal strings one of which every match of ``pattern`` contains, or ``None``.

    ``None`` too when the literals would not be selective enough to be worth a gate.
    """
    found = literals(pattern)
    if not found or min(_weight(s) for s in found) < 2:
        return None
    return found


def _weight(s: str) -> float:
    """How selective an anchor is: its letters, less for common words, more if rare."""
    core = s.strip()
    if core in _COMMON_WORDS:
        return 0.5
    return len(core) + (3 if not core.isascii() else 0)


def _minimise(strings: Iterable[str]) -> frozenset[str]:
    """Drop strings that contain another one: containing the shorter is implied."""
    ordered = sorted(set(strings), key=len)
    kept: list[str] = []
    for s in ordered:
        if not any(k in s for k in kept):
            kept.append(s)
    return frozenset(kept)


def _score(candidate: frozenset[str]) -> tuple[float, int]:
    return (min(_weight(s) for s in candidate), -len(candidate))


def _exact(items: Sequence[tuple[Any, Any]]) -> set[str] | None:
    """Every string the sequence can match, if that is a small finite set."""
    results: set[str] = {""}
    for op, av in items:
        item = _exact_item(op, av)
        if item is None:
            return None
        results = {a + b for a in results for b in item}
        if len(results) > _MAX_SET or any(len(s) > _MAX_LEN for s in results):
            return None
    return results


def _exact_item(op: Any, av: Any) -> set[str] | None:
    if op is _LITERAL:
        return {chr(av)}
    if op is _AT or op in _ZERO_WIDTH:
        return {""}
    if op is _IN:
        chars: set[str] = set()
        for sub_op, sub_av in av:
            if sub_op is _LITERAL:
                chars.add(chr(sub_av))
            elif sub_op is _RANGE and sub_av[1] - sub_av[0] < 12:
                chars.update(chr(c) for c in range(sub_av[0], sub_av[1] + 1))
            else:
                return None
        return chars if len(chars) <= 12 else None
    if op is _SUBPATTERN:
        return _exact(list(av[-1]))
    if _ATOMIC is not None and op is _ATOMIC:
        return _exact(list(av))
    if op is _BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            sub = _exact(list(alt))
            if sub is None:
                return None
            out |= sub
        return out if len(out) <= _MAX_SET else None
    if op in _REPEATS:
        low, high, body = av
        if high > 3:
            return None
        body_set = _exact(list(body))
        if body_set is None:
            return None
        out = set()
        for k in range(low, high + 1):
            combos = {""}
            for _ in range(k):
                combos = {a + b for a in combos for b in body_set}
                if len(combos) > _MAX_SET:
                    return None
            out |= combos
        return out if len(out) <= _MAX_SET else None
    return None


def _necessary(items: Sequence[tuple[Any, Any]]) -> frozenset[str] | None:
    """The best necessary literal set of a sequence, or ``None`` when none is provable."""
    candidates: list[frozenset[str]] = []
    run: set[str] = {""}

    def close_run() -> None:
        if run and "" not in run:
            candidates.append(_minimise(run))

    previous: set[str] | None = None
    for op, av in items:
        item = _exact_item(op, av)
        if item is not None:
            combined = {a + b for a in run for b in item}
            if len(combined) > _MAX_SET or any(len(s) > _MAX_LEN for s in combined):
                close_run()
                run = set(item)
            else:
                run = combined
            previous = run
            continue
        close_run()
        run = {""}
        if op in _REPEATS and av[0] >= 1:
            # "l+" is at least one "l": the text before it runs into one copy of the
            # body, and the last copy runs into whatever follows.
            body = _exact(list(av[2]))
            if body is not None and "" not in body:
                combined = {a + b for a in (previous or {""}) for b in body}
                if len(combined) <= _MAX_SET:
                    candidates.append(_minimise(combined))
                run = set(body)
                previous = None
                continue
        sub = _necessary_item(op, av)
        if sub:
            candidates.append(sub)
        previous = None
    close_run()
    if not candidates:
        return None
    return max(candidates, key=_score)


def _necessary_item(op: Any, av: Any) -> frozenset[str] | None:
    if op is _SUBPATTERN:
        return _necessary(list(av[-1]))
    if _ATOMIC is not None and op is _ATOMIC:
        return _necessary(list(av))
    if op is _BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            sub = _necessary(list(alt))
            if not sub:
                return None
            out |= sub
        return _minimise(out)
    if op in _REPEATS:
        low, _high, body = av
        if low >= 1:
            return _necessary(list(body))
    return None


def trie_regex(words: Iterable[str]) -> str:
    """A regex matching exactly ``words``, shaped as a trie so it fails fast."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: Mapping[str, Any]) -> str:
        alternatives = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class Gate:
    """Finds, in one scan, which anchors, marks and misspellings occur in a text.

    ``anchor_keys`` and ``mark_keys`` map a literal to the indices (of rules, of marks)
    it stands for; ``typos`` maps a misspelling to the word it is corrected to.
    """

    def __init__(
        self,
        anchor_keys: Mapping[str, frozenset[int]],
        typos: Mapping[str, str],
        mark_keys: Mapping[str, frozenset[int]] | None = None,
    ):
        self._keys = dict(anchor_keys)
        self._typos = dict(typos)
        self._marks = dict(mark_keys or {})
        words = set(self._keys) | set(self._typos) | set(self._marks)
        # One Aho-Corasick automaton over every literal: a single pass in C reports each
        # occurrence of each word (a word and all its shorter prefixes that are words).
        self._finder: Any = None
        self._packed: bytes | None = None  # the automaton, pickled, until first needed
        if words:
            automaton = ahocorasick.Automaton()
            for word in words:
                automaton.add_word(word, word)
            automaton.make_automaton()
            self._finder = automaton
        self._typo_words = frozenset(self._typos)

    @property
    def typo_words(self) -> frozenset[str]:
        """The misspellings this gate corrects."""
        return self._typo_words

    def __getstate__(self) -> dict[str, object]:
        # Pickled (the start-up cache) with the automaton as bytes of its own, read back when
        # the gate is first used: a start-up needs one or two of the screener's gates.
        state = dict(self.__dict__)
        finder = state["_finder"]
        if finder is not None:
            state["_packed"] = pickle.dumps(finder, protocol=pickle.HIGHEST_PROTOCOL)
        state["_finder"] = None
        return state

    def ready(self) -> Any:
        """The automaton, read back now if it was pickled (None: the gate has no words)."""
        finder = self._finder
        if finder is not None:
            return finder
        packed = self._packed
        if packed is None:  # no words, or another thread has just read it back
            return self._finder
        finder = pickle.loads(packed)
        self._finder = finder  # before the bytes go: a thread that misses both finds this
        self._packed = None
        return finder

    def scan(self, text: str) -> tuple[set[int], list[tuple[int, int, str]], list[str]]:
        """Rules whose anchors occur, misspelt words as ``(start, end, fix)``, the words.

        The words found are what :meth:`marks` needs; most texts never need it.
        """
        finder = self._finder
        if finder is None:
            finder = self.ready()
        if finder is None or not text:
            return set(), [], []
        # every step in C: the words found, in the order found, and their rules' sets
        # joined in that order (the same set, built as before)
        found: list[str] = list(map(_SECOND, finder.iter(text)))
        if not found:
            return set(), [], found
        hits: set[int] = set().union(*filter(None, map(self._keys.get, found)))
        if self._typo_words.isdisjoint(found):
            return hits, [], found
        return hits, self._typos_in(text), found

    def marks(self, found: list[str]) -> set[int]:
        """The marks whose literals occur, from the words :meth:`scan` found."""
        return set().union(*filter(None, map(self._marks.get, found)))

    def _typos_in(self, text: str) -> list[tuple[int, int, str]]:
        """Misspelt whole words, left to right, the longest first, none overlapping."""
        typos = self._typos
        size = len(text)
        candidates = sorted(
            (end + 1 - len(word), -len(word), typos[word])
            for end, word in self._finder.iter(text)
            if word in typos
        )
        found: list[tuple[int, int, str]] = []
        last_end = -1
        for pos, negative_length, fix in candidates:
            stop = pos - negative_length
            if (
                pos >= last_end
                and (pos == 0 or not text[pos - 1].isalpha())
                and (stop == size or not text[stop].isalpha())
            ):
                found.append((pos, stop, fix))
                last_end = stop
        return found


_NOT_LITERAL = _parser.NOT_LITERAL
_NEGATE = _parser.NEGATE
_CATEGORY = _parser.CATEGORY
_CATEGORY_NOT_WORD = _parser.CATEGORY_NOT_WORD
_CATEGORY_DIGIT = _parser.CATEGORY_DIGIT


def _starts_with_letter(pattern: str) -> bool:
    """True when every non-empty match of ``pattern`` begins with a letter or digit.

    Such a pattern needs only a look-behind for its left word boundary, which the regex
    engine checks much faster than the general "either side" boundary.
    """
    try:
        word_only, nullable = _first_word(list(_parser.parse(pattern)))
    except Exception:  # pragma: no cover - the pattern compiled, so this is defensive
        return False
    return word_only and not nullable


def _first_word(items: Sequence[tuple[Any, Any]]) -> tuple[bool, bool]:
    """(every possible first character is a letter or digit, the sequence can be empty)."""
    for op, av in items:
        word_only, nullable = _first_word_item(op, av)
        if not word_only:
            return False, False
        if not nullable:
            return True, False
    return True, True


def _first_word_item(op: Any, av: Any) -> tuple[bool, bool]:
    if op is _LITERAL:
        return chr(av).isalnum(), False
    if op is _AT or op in _ZERO_WIDTH:
        return True, True
    if op is _IN:
        members = list(av)
        if members and members[0][0] is _NEGATE:
            # [^\W_] and the like: "not a non-word character" is a word character.
            return any(
                m_op is _CATEGORY and m_av is _CATEGORY_NOT_WORD for m_op, m_av in members
            ), False
        for m_op, m_av in members:
            if m_op is _LITERAL:
                if not chr(m_av).isalnum():
                    return False, False
            elif m_op is _RANGE:
                lo, hi = chr(m_av[0]), chr(m_av[1])
                if not (lo.isalnum() and hi.isalnum() and lo.isascii() and hi.isascii()):
                    return False, False
                if not ((lo.isdigit() and hi.isdigit()) or (lo.isalpha() and hi.isalpha())):
                    return False, False
            elif not (m_op is _CATEGORY and m_av is _CATEGORY_DIGIT):
                return False, False
        return True, False
    if op is _SUBPATTERN:
        return _first_word(list(av[-1]))
    if _ATOMIC is not None and op is _ATOMIC:
        return _first_word(list(av))
    if op is _BRANCH:
        results = [_first_word(list(alt)) for alt in av[1]]
        return all(w for w, _ in results), any(n for _, n in results)
    if op in _REPEATS:
        low, _high, body = av
        word_only, nullable = _first_word(list(body))
        return word_only, nullable or low == 0
    return False, False


def literals(pattern: str) -> frozenset[str] | None:
    """Literal strings one of which every match of ``pattern`` contains (remembered)."""
    found = remembered("literals", pattern, lambda p: _as_list(_literals(p)))
    return None if found is None else frozenset(found)


def anchors(pattern: str) -> frozenset[str] | None:
    """The gate's anchors of a rule pattern (remembered); ``None``: none is certain."""
    found = remembered("anchors", pattern, lambda p: _as_list(_anchors(p)))
    return None if found is None else frozenset(found)


def starts_with_letter(pattern: str) -> bool:
    """Whether every non-empty match of ``pattern`` begins with a letter (remembered)."""
    return bool(remembered("letter", pattern, _starts_with_letter))


def _as_list(found: frozenset[str] | None) -> list[str] | None:
    return None if found is None else sorted(found)
