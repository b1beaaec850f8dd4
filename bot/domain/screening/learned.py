"""The learned layer: a small linear model over word and letter n-grams.

Phrase rules and constructs recognise what someone wrote down as a rule; people in
distress write in more ways than any list holds. This layer reads the same normalised
text as a bag of hashed features (words, word pairs, and three- to five-letter pieces of
words and across neighbouring words, so "pastillas", "pastis" and "pills" share evidence
with their inflections and typos), weighed by TF-IDF, and three logistic heads estimate
the probability that a clinician would rate the text at least *low*, at least *moderate*
and at least *high*. A head whose probability passes its threshold may raise the verdict
to its tier; it never lowers one (the screener takes the higher of the two).

It is deterministic (fixed weights, a fixed hash: CRC-32), pure (no I/O while scoring)
and explainable: :meth:`LearnedModel.explain` names the words that pushed a head up most,
with their spans, so an alert quotes the participant's own words.

The weights are data, trained by ``scripts/train_screening_model.py`` on the project's
development cases only (``tests/screening_data/dev.jsonl``) and read by
``prompts/screening_loader.py``; see docs/screening.md.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
import zlib
from array import array
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import Tier, Verdict

if TYPE_CHECKING:
    import numpy

TOKEN = re.compile(r"[^\W_]+|[^\w\s!-/:-@\[-`{-~]")
"""Words (letters and digits) and single symbols outside ASCII punctuation (emoji)."""

HEADS: tuple[Tier, ...] = (Tier.LOW, Tier.MODERATE, Tier.HIGH)
# A text of fewer words than this gives a bag of words too little to go on ("I couldn't
# sleep last night" shares most of its words with entries rated far higher): the layer
# leaves short texts to the rules, which read them whole.
MIN_WORDS = 6


def long_enough(folded: str) -> bool:
    """Whether the layer reads this text at all (at least ``MIN_WORDS`` words)."""
    return len(folded.split(None, MIN_WORDS - 1)) >= MIN_WORDS


"""The tiers the heads answer for, in order: P(tier >= LOW), >= MODERATE, >= HIGH.

There is no crisis head: an alert at high reaches the therapist at once as a crisis
does, and telling a crisis from a high is left to the rules and constructs, which can
say why.
"""

CHAR_SIZES = (3, 4, 5)


@dataclass(frozen=True)
class Feature:
    """One feature of a text: its name (``w:pills``), where it lies, and its hash slot."""

    name: str
    start: int
    end: int
    slot: int


def feature_names(folded: str) -> Iterator[tuple[str, int, int]]:
    """Every feature of normalised text, with the span (in ``folded``) it comes from.

    Words (``w:``); the 3-, 4- and 5-letter pieces of each word padded with a space at
    either end (``c:``; a word shorter than a piece gives itself whole); and, for each
    pair of neighbouring words, the pair itself (``b:``) and the 3- to 5-letter pieces
    that cross the space between them (``x:``: "ills sa" of "pills saved").
    """
    tokens = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(folded)]
    previous: tuple[str, int, int] | None = None
    for word, start, end in tokens:
        yield "w:" + word, start, end
        yield from (("c:" + piece, start, end) for piece in _pieces(word))
        if previous is not None:
            yield "b:" + previous[0] + " " + word, previous[1], end
            for piece in _crossing(previous[0], word):
                yield "x:" + piece, previous[1], end
        previous = (word, start, end)


def _pieces(word: str) -> list[str]:
    padded = " " + word + " "
    size = len(padded)
    out: list[str] = []
    for n in CHAR_SIZES:
        if size < n:
            if n == CHAR_SIZES[0]:
                out.append(padded)
            break
        out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


def _crossing(left: str, right: str) -> list[str]:
    """The pieces of "left right" that hold the space and a letter of each word."""
    joined = " " + left + " " + right + " "
    gap = len(left) + 1  # where the space between the words is
    out: list[str] = []
    for n in CHAR_SIZES:
        for i in range(max(0, gap - n + 2), gap):
            if i + n <= len(joined):
                out.append(joined[i : i + n])
    return out


def slot(name: str, buckets: int) -> int:
    """The hash slot of a feature name: CRC-32 of its UTF-8, modulo ``buckets``."""
    return zlib.crc32(name.encode("utf-8")) % buckets


def slots(folded: str, buckets: int) -> list[int]:
    """The distinct hash slots of a text's features, sorted (the model's input)."""
    return sorted(_Hasher(buckets).slots(folded))


class _Hasher:
    """Feature slots of texts, with each word's own features remembered.

    A word's own features do not depend on its neighbours, so they are hashed once per
    distinct word (journals repeat their words), and a pair's once per distinct pair.
    The result is the same set :func:`feature_names` describes.
    """

    _LIMIT = 200_000  # words (and pairs) remembered before the memory starts again

    def __init__(self, buckets: int) -> None:
        self.buckets = buckets
        self._words: dict[str, tuple[int, ...]] = {}
        self._pairs: dict[str, tuple[int, ...]] = {}
        self._packed_words: dict[str, bytes] = {}  # the same slots as C ints, for numpy
        self._packed_pairs: dict[str, bytes] = {}

    def __reduce__(self) -> tuple[type[_Hasher], tuple[int]]:
        # pickled empty: the words it remembers come from the texts screened
        return (_Hasher, (self.buckets,))

    def word_slots(self, word: str) -> tuple[int, ...]:
        """The slots of a word's own features: the word and its letter pieces."""
        known = self._words.get(word)
        if known is not None:
            return known
        crc, buckets = zlib.crc32, self.buckets
        names = ["w:" + word, *("c:" + piece for piece in _pieces(word))]
        out = tuple({crc(name.encode("utf-8")) % buckets for name in names})
        if len(self._words) >= self._LIMIT:
            self._words.clear()
        self._words[word] = out
        return out

    def pair_slots(self, left: str, right: str) -> tuple[int, ...]:
        """The slots of a pair of neighbours: the pair and the pieces across the space."""
        key = left + " " + right
        known = self._pairs.get(key)
        if known is not None:
            return known
        crc, buckets = zlib.crc32, self.buckets
        names = ["b:" + key, *("x:" + piece for piece in _crossing(left, right))]
        out = tuple({crc(name.encode("utf-8")) % buckets for name in names})
        if len(self._pairs) >= self._LIMIT:
            self._pairs.clear()
        self._pairs[key] = out
        return out

    def packed(self, folded: str) -> bytes:
        """The slots of every word and every pair of neighbours of a text, as C ints (a
        slot as often as it occurs, in no particular order): what numpy reads."""
        words = TOKEN.findall(folded)
        if not words:
            return b""
        keys = list(map(" ".join, itertools.pairwise(words)))
        owns: list[bytes | None] = list(map(self._packed_words.get, words))
        pairs: list[bytes | None] = list(map(self._packed_pairs.get, keys))
        if None in owns:
            for i, own in enumerate(owns):
                if own is None:
                    owns[i] = _remember(
                        self._packed_words, words[i], self.word_slots(words[i]), self._LIMIT
                    )
        if None in pairs:
            for i, pair in enumerate(pairs):
                if pair is None:
                    pairs[i] = _remember(
                        self._packed_pairs,
                        keys[i],
                        self.pair_slots(words[i], words[i + 1]),
                        self._LIMIT,
                    )
        return b"".join(owns + pairs)  # type: ignore[arg-type]

    def slots(self, folded: str) -> set[int]:
        # The text's words and pairs are looked up in C (``map``) and their remembered
        # slots added in the text's order (each word, then the pair it closes): the set
        # is built by the same insertions as one ``update`` per word and pair would make,
        # so its order, and the heads' sums, stay the same.
        words = TOKEN.findall(folded)
        if not words:
            return set()
        owns: list[tuple[int, ...] | None] = list(map(self._words.get, words))
        keys = list(map(" ".join, itertools.pairwise(words)))
        pairs: list[tuple[int, ...] | None] = list(map(self._pairs.get, keys))
        if None in owns:
            for i, own in enumerate(owns):
                if own is None:
                    owns[i] = self.word_slots(words[i])
        if None in pairs:
            for i, pair in enumerate(pairs):
                if pair is None:
                    pairs[i] = self.pair_slots(words[i], words[i + 1])
        ordered: list[tuple[int, ...] | None] = [None] * (2 * len(words) - 1)
        ordered[0] = owns[0]
        ordered[1::2] = owns[1:]
        ordered[2::2] = pairs
        return set().union(*ordered)  # type: ignore[arg-type]


def _remember(memo: dict[str, bytes], key: str, slots: tuple[int, ...], limit: int) -> bytes:
    packed = array("i", slots).tobytes()
    if len(memo) >= limit:
        memo.clear()
    memo[key] = packed
    return packed


_ERRAND_LIKE = frozenset({"method", "means"})
"""Constructs an errand shares with a plan: alone, they leave the layer speaking alone."""


def reading(verdict: Verdict) -> tuple[str, ...]:
    """What the rules made of a text, as features the heads read beside its words.

    The constructs counted (``k:finality``) and each pair of them (``k:finality+timeframe``),
    those found and set aside with the cue that set them aside (``kb:ideation:past``),
    each phrase rule's category and tier (``r:suicidality:moderate``) and the tier the
    rules gave (``t:low``). They are the same in every language, so what the heads learn
    of them from one writer's cases holds for another's: a combination of constructs the
    table has no row for can still raise a text, once cases have shown it matters. A
    method's name and means at hand are not read alone (only beside another construct):
    the table rates them low on purpose, as an errand and a plan read alike ("my pills
    are ready for the week"), and cases full of plans would teach the heads otherwise.
    """
    counted = sorted(verdict.constructs)
    names = ["k:" + c for c in counted if c not in _ERRAND_LIKE]
    names += [
        "k:" + a + "+" + b
        for i, a in enumerate(counted)
        for b in counted[i + 1 :]
        if not {a, b} <= _ERRAND_LIKE
    ]
    names += ["kb:" + name for name in verdict.set_aside]
    names += sorted({f"r:{category}:{tier.label}" for category, tier in verdict.findings})
    names.append("t:" + verdict.tier.label)
    return tuple(names)


def speaks_alone(verdict: Verdict) -> bool:
    """Whether the learned layer would be the only voice on this verdict.

    True where the rules and constructs found nothing, or nothing but the name of a method
    ("pills", "rope", "my meds") or means at hand ("my pills are ready"): such words alone
    are everyday (a prescription, a climbing trip, the week's pills sorted), the table
    rates them low at most, and a word model reading them can take an errand for a plan.
    A time, a farewell, finality or any rule's finding is more than that, and there the
    layer's ordinary threshold holds.
    """
    if verdict.tier > Tier.LOW or verdict.findings:
        return False
    if not set(verdict.constructs) <= _ERRAND_LIKE:
        return False
    # with no rule's finding and no other construct, a row that fired read only these
    return all(
        e.rule.startswith("combine.")
        or e.rule.endswith((".construct.method", ".construct.means"))
        for e in verdict.evidence
    )


@dataclass(frozen=True)
class Head:
    """One logistic head: a weight per slot (dense), bias, and the raising thresholds.

    ``alone`` is the threshold for a text in which the rules and constructs found nothing
    but perhaps the name of a method (see :func:`speaks_alone`): there the layer is the
    only voice, and
    the high head is held to a stricter threshold, set on benign text by writers the
    layer was not trained on (see ``scripts/train_screening_model.py``). ``None``: the
    same threshold everywhere.

    The weights are already multiplied by each slot's inverse document frequency, so the
    score of a text is the bias plus the sum of its slots' weights divided by the text's
    norm (see :class:`LearnedModel`).
    """

    tier: Tier
    weights: array[float]
    bias: float
    threshold: float
    alone: float | None = None

    def threshold_for(self, alone: bool) -> float:
        """The threshold for a text; ``alone`` when nothing else found anything in it."""
        if alone and self.alone is not None:
            return max(self.threshold, self.alone)
        return self.threshold

    def logit(self, features: Collection[int], norm: float) -> float:
        """The head's score before the logistic, for a text's distinct slots."""
        if not features or norm <= 0:
            return self.bias
        return self.bias + sum(map(self.weights.__getitem__, features)) / norm

    def logit_of(self, pick: Callable[[array[float]], tuple[float, ...]], norm: float) -> float:
        """:meth:`logit` with the text's slots given as ``pick`` (an ``itemgetter`` of
        two or more slots, in the order the set of slots gives them: the same sum)."""
        if norm <= 0:
            return self.bias
        return self.bias + sum(pick(self.weights)) / norm

    def probability(self, features: Collection[int], norm: float) -> float:
        return _logistic(self.logit(features, norm))


def _logistic(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Contribution:
    """A feature that pushed a head up, for explanations: name, weight and span."""

    name: str
    weight: float
    start: int
    end: int


@dataclass(frozen=True)
class LearnedModel:
    """The heads and how texts are hashed and weighed for them.

    A text is the set of its features' slots, each weighed by the slot's inverse
    document frequency (``idf``, from the training cases; rarer is stronger) and the
    whole scaled to unit length: TF-IDF with binary counts. ``idf_squared`` holds each
    slot's idf squared, for the length.
    """

    buckets: int
    heads: tuple[Head, ...]
    idf_squared: array[float]
    version: str = ""
    _hasher: _Hasher = field(init=False, repr=False, compare=False)
    _stacked: _Stacked = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hasher", _Hasher(self.buckets))
        object.__setattr__(self, "_stacked", _Stacked())

    def _slots(self, folded: str, reading: Collection[str]) -> set[int]:
        features = self._hasher.slots(folded)
        if reading:
            features.update(slot(name, self.buckets) for name in reading)
        return features

    def _read(self, folded: str, reading: Collection[str] = ()) -> tuple[set[int], float]:
        features = self._slots(folded, reading)
        return features, math.sqrt(sum(map(self.idf_squared.__getitem__, features)))

    def _read_picked(
        self, folded: str, reading: Collection[str]
    ) -> tuple[set[int], Callable[[array[float]], tuple[float, ...]] | None, float]:
        """Like :meth:`_read`, with an ``itemgetter`` of the slots when there are two or more
        (one call in C per array instead of one per slot; the values in the same order)."""
        features = self._slots(folded, reading)
        if len(features) < 2:
            return features, None, math.sqrt(sum(map(self.idf_squared.__getitem__, features)))
        pick = operator.itemgetter(*features)
        return features, pick, math.sqrt(sum(pick(self.idf_squared)))

    def probabilities(self, folded: str, reading: Collection[str] = ()) -> tuple[float, ...]:
        """Each head's probability for normalised text: P(>= low), >= moderate, >= high.

        ``reading``: what the rules made of the text (:func:`reading`)."""
        features, norm = self._read(folded, reading)
        return tuple(h.probability(features, norm) for h in self.heads)

    def tier(
        self,
        folded: str,
        above: Tier = Tier.NONE,
        *,
        alone: bool = False,
        reading: Collection[str] = (),
    ) -> tuple[Tier, float]:
        """The highest tier whose head passes its threshold, with that head's probability.

        Heads are checked from the highest down, and only those above ``above`` (a tier
        already given); a text no head raises is ``NONE``. ``reading``: what the rules
        made of the text (:func:`reading`).
        """
        exact = self._exact_sums(folded, reading)
        if exact is not None:
            return self._tier_of(exact, above, alone)
        features, pick, norm = self._read_picked(folded, reading)
        for head in reversed(self.heads):
            if head.tier <= above:
                break
            if pick is None:
                p = head.probability(features, norm)
            else:
                p = _logistic(head.logit_of(pick, norm))
            if p >= head.threshold_for(alone):
                return head.tier, p
        return Tier.NONE, 0.0

    def _exact_sums(self, folded: str, reading: Collection[str]) -> list[float] | None:
        """The sum of each slot's idf squared, then of each head's weights, over the text's
        distinct slots, taken in any order, when every order gives the same:
        ``None`` when that cannot be shown for this text.

        Every weight of a column is a whole multiple of the smallest gap between 32-bit
        floats found among that column's weights, ``q`` (each weight's own gap is a power
        of two at least as large). When the text's weights add up, in absolute value, to
        less than 2**52 times ``q``, every partial sum in any order is a whole multiple of
        ``q`` below 2**53 of them: a 64-bit float holds each exactly, so no addition
        rounds, and any order gives the exact sum, bit for bit what adding in the set's
        order gives (and what Python's ``sum`` gives, compensated or not). So the distinct
        slots need no set in the text's order: numpy sorts them and drops repeats.
        """
        packed = self._hasher.packed(folded)
        if reading:
            packed += array("i", [slot(name, self.buckets) for name in reading]).tobytes()
        if not packed:
            return [0.0] * (1 + len(self.heads))
        import numpy as np

        flat = np.sort(np.frombuffer(packed, dtype=np.intc))
        distinct = np.empty(len(flat), dtype=bool)
        distinct[0] = True
        np.not_equal(flat[1:], flat[:-1], out=distinct[1:])
        stacked = self._stacked
        totals: list[float] = (
            stacked.with_magnitudes(self).take(flat[distinct], axis=0).sum(axis=0).tolist()
        )
        columns = 1 + len(self.heads)
        for column, limit in enumerate(stacked.limits):
            if not totals[columns + column] < limit:
                return None
        return totals[:columns]

    def _tier_of(self, sums: list[float], above: Tier, alone: bool) -> tuple[Tier, float]:
        """:meth:`tier` from the sums (:meth:`_exact_sums`): the same arithmetic, so the same
        probability to the last bit, as :meth:`Head.logit` and :meth:`Head.logit_of`
        give."""
        norm = math.sqrt(sums[0])
        for k in range(len(self.heads) - 1, -1, -1):
            head = self.heads[k]
            if head.tier <= above:
                break
            logit = head.bias if norm <= 0 else head.bias + sums[1 + k] / norm
            p = _logistic(logit)
            if p >= head.threshold_for(alone):
                return head.tier, p
        return Tier.NONE, 0.0

    def explain(self, folded: str, tier: Tier, top: int = 4) -> list[Contribution]:
        """The words whose features pushed ``tier``'s head up most, strongest first.

        Each word is credited with its own features (the word and its letter pieces, a
        slot counted once in the text, for the first word that has it) and half of the
        features of each pair it is in, so the evidence quotes whole words of the text.
        """
        head = next((h for h in self.heads if h.tier == tier), None)
        if head is None:
            return []
        weights, hasher = head.weights, self._hasher
        seen: set[int] = set()
        credit: list[float] = []
        spans: list[tuple[int, int]] = []
        previous: str | None = None
        for match in TOKEN.finditer(folded):
            word = match.group()
            own = 0.0
            for s in hasher.word_slots(word):
                if s not in seen:
                    seen.add(s)
                    own += weights[s]
            if previous is not None:
                for s in hasher.pair_slots(previous, word):
                    if s not in seen:
                        seen.add(s)
                        credit[-1] += weights[s] / 2
                        own += weights[s] / 2
            credit.append(own)
            spans.append(match.span())
            previous = word
        ranked = sorted(range(len(credit)), key=lambda i: (-credit[i], i))
        return [
            Contribution(folded[spans[i][0] : spans[i][1]], credit[i], *spans[i])
            for i in ranked[:top]
            if credit[i] > 0
        ]


class _Stacked:
    """A model's idf squared and head weights as one numpy array, a row per slot, made
    when first needed (numpy is imported only then) and never pickled."""

    def __init__(self) -> None:
        self._magnitudes: numpy.ndarray[Any, Any] | None = None
        self.limits: list[float] = []
        """Per column, 2**52 times the smallest gap between the column's floats (see
        :meth:`LearnedModel._exact_sums`)."""

    def __reduce__(self) -> tuple[type[_Stacked], tuple[()]]:
        return (_Stacked, ())

    def with_magnitudes(self, model: LearnedModel) -> numpy.ndarray[Any, Any]:
        """The idf squared and each head's weights, a row per slot (64-bit floats: the
        32-bit weights converted exactly), with each column's absolute values beside it;
        and ``limits``."""
        magnitudes = self._magnitudes
        if magnitudes is None:
            import numpy as np

            columns = [model.idf_squared, *(head.weights for head in model.heads)]
            limits = []
            for c in columns:
                values = np.abs(np.frombuffer(c, dtype=c.typecode))
                values = values[values != 0]
                gap = float(np.spacing(values).min()) if len(values) else math.inf
                limits.append(2.0**52 * gap)
            matrix = np.column_stack(
                [np.frombuffer(c, dtype=c.typecode).astype(np.float64) for c in columns]
            )
            self.limits = limits
            magnitudes = np.concatenate([matrix, np.abs(matrix)], axis=1)
            self._magnitudes = magnitudes
        return magnitudes
