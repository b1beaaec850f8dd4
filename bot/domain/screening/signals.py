"""Clinical constructs found in a text, and the table that combines them into a tier.

The phrase rules (``screener.py``) recognise whole phrasings. This layer recognises the
*pieces* a clinician listens for — a wish to be dead, a method, means at hand, a time
that is set, a farewell act, finality, hopelessness — each written per language as
short word sequences over word stems, so that one entry covers every inflection
("goodbye", "goodbyes"; "despedirme", "despedida"). Each piece is weighed in its own
clause: negated, someone else's, in the past, hypothetical or quoted, it does not count.
The pieces present are then combined by a reviewable table
(``prompts/screening/combinations.yaml``): *means at hand + finality → crisis*, so a
combination that no phrase rule lists is still caught.

Pure and deterministic: stems come from the Snowball stemmers (PyStemmer), and nothing
here does I/O.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .model import Tier

GAP = ".."
"""In a term, a gap of up to ``_LONG_GAP`` words ("wrote .. letter")."""

REPEATED = "*2"
"""Suffix of a construct found twice, in words that do not overlap ("farewell*2")."""

CONTEXTS = ("negation", "others", "past", "hypothetical", "report", "address")
"""The clause-level contexts that keep a construct from counting for the writer now."""
REGISTERS = ("support", "solidarity")
"""Cues read over the whole text, not per construct: words addressed to someone else in
distress ("your post", "you're not alone"), and words of sharing the same state ("me
too"), which keep a text in the writer's own voice."""
SUPPORT_CUES_NEEDED = 2  # distinct support cues before a text reads as helping someone
_WRITER_TURNS_TO = frozenset({"means", "method"})
"""Constructs a report cue stops covering once the writer starts a clause of their own
after it: means or a method named by the writer are never part of the song or the line."""

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_START = re.Match.start  # unbound: ``map`` calls it in C, without a look-up per match
_END = re.Match.end
_SENTENCE = re.compile(r"[.!?;\n]+|\s[-–—]+\s|:\s")
_CLAUSE = re.compile(r",|\(|\)|\"")
_SHORT_GAP = 1  # filler words allowed between two elements of a term
_LONG_GAP = 5  # words a ".." gap may span
_NEGATION_WINDOW = 3  # words before a construct a negator reaches
_OTHERS_WINDOW = 6  # words before a construct a third-person subject reaches
_ADDRESS_WINDOW = 12  # words before a construct an address to a reader reaches
_MAX_TOKENS = 4000  # bound the work on huge texts; the first words decide
_REMEMBERED_WORDS = 100_000  # words whose starting terms an index remembers
_REMEMBERED_VIABLE = 20_000  # (word, needed words found) answers an index remembers
_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})
_DE_DIGRAPHS = re.compile(r"(?<=[a-z])(ae|oe|ue)")
_DE_CLITIC = re.compile(r"^[dsz]'(?=[^\W_]{2})")
"""An article or "zu" written onto the next word in Swiss, Austrian and Bavarian German
("d'Tablette", "z'Nacht", "s'Seil"): the word is read without it."""


@dataclass(frozen=True)
class Element:
    """One word position of a term: any of ``words`` (stems) or of ``prefixes``."""

    words: frozenset[str]
    prefixes: tuple[str, ...] = ()
    gap: int = _SHORT_GAP  # filler words allowed before this element
    exact: frozenset[str] = frozenset()  # words matched as written ("=attempt"), not stemmed

    def accepts(self, token: str, stem: str) -> bool:
        return (
            stem in self.words
            or token in self.words
            or token in self.exact
            or (bool(self.prefixes) and token.startswith(self.prefixes))
        )


@dataclass(frozen=True)
class Term:
    """A short word sequence that signals a construct: ``("pill|tablet", "saved")``."""

    construct: str
    source: str  # the term as written in the file, for explanations
    elements: tuple[Element, ...]


@dataclass(frozen=True)
class Lexicon:
    """One language's constructs and the context cues that scope them."""

    language: str
    stemmer: str  # a Snowball algorithm name: english, spanish, french, german
    terms: tuple[Term, ...]
    cues: Mapping[str, tuple[Term, ...]]  # context name -> cue terms
    self_words: frozenset[str] = frozenset()
    clause_breaks: frozenset[str] = frozenset()  # words that start a new clause ("and")
    contexts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Per construct, the contexts that do *not* apply to it (``timeframe``: negation)."""
    reader_words: frozenset[str] = frozenset()
    """Words that address a reader ("you", "your"): a clause with one is not the writer's
    account of themself."""
    told_words: frozenset[str] = frozenset()
    """Past-tense forms ("was", "thought", "wollte"): in a reply written to help, the
    writer's own sentence with one is their story told, unless a ``now_words`` word is
    there too ("tonight", "again")."""
    now_words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Combination:
    """One row of the combination table: these constructs together give this tier."""

    id: str
    when: tuple[frozenset[str], ...]  # every group must be present; a group is alternatives
    tier: Tier
    categories: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Found:
    """A construct found at words ``[start, end)`` of the normalised text (char offsets)."""

    construct: str
    language: str
    start: int
    end: int
    term: str
    blocked_by: str | None = None  # the context that keeps it from counting, if any


@dataclass(frozen=True)
class Reading:
    """What the construct layer made of one text."""

    found: tuple[Found, ...]
    combination: Combination | None

    @property
    def constructs(self) -> frozenset[str]:
        return frozenset(f.construct for f in self.found if f.blocked_by is None)

    @property
    def tier(self) -> Tier:
        return self.combination.tier if self.combination else Tier.NONE


def fold_token(token: str, language: str) -> str:
    """The spelling both terms and text are compared in (German umlauts as plain vowels,
    without a clitic article: "d'Tablette" is "tablette")."""
    if language == "de":
        token = _DE_DIGRAPHS.sub(lambda m: m.group(1)[0], token.translate(_UMLAUTS))
        token = _DE_CLITIC.sub("", token)
    return token


@functools.lru_cache(maxsize=8)
def stemmer(algorithm: str) -> Callable[[str], str]:
    """The Snowball stemmer of ``algorithm`` (one per process); ``KeyError`` if unknown."""
    import Stemmer  # PyStemmer: C Snowball stemmers

    stem = Stemmer.Stemmer(algorithm)
    stem.maxCacheSize = 20000
    return stem.stemWord  # type: ignore[no-any-return]


def parse_term(construct: str, source: str, language: str, stem: Callable[[str], str]) -> Term:
    """Parse ``"wrote .. letter|letters"``; raises ``ValueError`` with a reason."""
    elements: list[Element] = []
    gap = _SHORT_GAP
    before: list[str] = []  # the alternatives of the word before
    for part in source.lower().split():
        if part == GAP:
            if not elements:
                raise ValueError(f"term {source!r} cannot start with a gap")
            gap = _LONG_GAP
            continue
        alternatives = part.split("|")
        _check_alternatives(source, before, alternatives)
        before = alternatives
        words: set[str] = set()
        exact: set[str] = set()
        prefixes: list[str] = []
        for alt in alternatives:
            if not alt:
                raise ValueError(f"term {source!r} has an empty alternative")
            if alt.startswith("="):
                exact.add(fold_token(alt[1:], language))
            elif alt.endswith("*"):
                body = fold_token(alt[:-1], language)
                if len(body) < 3:
                    raise ValueError(f"prefix {alt!r} in {source!r} is shorter than 3 letters")
                prefixes.append(body)
            else:
                folded = fold_token(alt, language)
                words.add(stem(folded) if "'" not in folded else folded)
        elements.append(Element(frozenset(words), tuple(prefixes), gap, frozenset(exact)))
        gap = _SHORT_GAP
    if not elements:
        raise ValueError("empty term")
    if gap != _SHORT_GAP:
        raise ValueError(f"term {source!r} cannot end with a gap")
    return Term(construct, source, tuple(elements))


def _check_alternatives(source: str, before: Sequence[str], alternatives: Sequence[str]) -> None:
    """Refuse the signs of alternatives written as if they were phrases.

    ``a|b`` gives alternatives for one word, so "kein ausweg|kein licht" reads as the
    three words "kein", "ausweg or kein", "licht" and never matches "kein Ausweg". Such
    terms show as a word written twice among one word's alternatives, or as the same word
    in two places in a row where one of them has alternatives (numbers aside: "23 00").
    """
    hint = "a|b alternatives are single words: write one term per phrase"
    twice = sorted({a for a in alternatives if a and alternatives.count(a) > 1})
    if twice:
        raise ValueError(f"term {source!r} gives {twice[0]!r} twice in one place ({hint})")
    if len(before) > 1 or len(alternatives) > 1:
        shared = sorted(
            a for a in set(before) & set(alternatives) if not a.removeprefix("=").isdigit()
        )
        if shared:
            raise ValueError(
                f"term {source!r} has {shared[0]!r} in two places in a row ({hint})"
            )


@dataclass
class _Tokens:
    text: str
    tokens: list[str]
    stems: list[str]
    starts: list[int]
    ends: list[int]
    sentence: list[int]  # sentence number of each token
    clause: list[int]  # clause number of each token
    _words: frozenset[str] | None = None
    _heads: frozenset[str] | None = None
    _positions: dict[str, list[int]] | None = None

    def words(self) -> frozenset[str]:
        """Every token and stem of the text (to rule out terms that cannot match)."""
        if self._words is None:
            self._words = frozenset(self.tokens) | frozenset(self.stems)
        return self._words

    def heads(self) -> frozenset[str]:
        """The first three letters of every token (what a prefix is indexed by)."""
        if self._heads is None:
            self._heads = frozenset(t[:3] for t in self.tokens)
        return self._heads

    def positions(self) -> dict[str, list[int]]:
        """Where each token, stem and three-letter head (``"3:" + head``) occurs."""
        found = self._positions
        if found is None:
            found = {}
            for i, (token, stem) in enumerate(zip(self.tokens, self.stems, strict=True)):
                found.setdefault(token, []).append(i)
                if stem != token:
                    found.setdefault(stem, []).append(i)
                found.setdefault("3:" + token[:3], []).append(i)
            self._positions = found
        return found


def _tokenise(
    text: str,
    language: str,
    stem: Callable[[str], str],
    breaks: frozenset[str] = frozenset(),
    memo: dict[str, tuple[str, str]] | None = None,
) -> _Tokens:
    """The text's words, folded and stemmed; ``memo`` remembers each written word's
    (folded word, stem), which depend on the word alone (journals repeat their words)."""
    known = memo if memo is not None else {}
    # offsets and marks with ``map`` over the unbound methods: no Python step per word
    found = list(itertools.islice(_TOKEN.finditer(text), _MAX_TOKENS))
    raws: list[str] = [m.group() for m in found]
    starts: list[int] = list(map(_START, found))
    ends: list[int] = list(map(_END, found))
    pairs = list(map(known.get, raws))
    if None in pairs:
        for i, pair in enumerate(pairs):
            if pair is None:
                raw = raws[i]
                token = fold_token(raw, language)
                pair = pairs[i] = (token, stem(token) if "'" not in token else token)
                if len(known) >= _REMEMBERED_WORDS:
                    known.clear()
                known[raw] = pair
    tokens = [pair[0] for pair in pairs]  # type: ignore[index]
    stems = [pair[1] for pair in pairs]  # type: ignore[index]
    sentence_marks: list[int] = list(map(_START, _SENTENCE.finditer(text)))
    clause_marks = sorted(
        sentence_marks
        + list(map(_START, _CLAUSE.finditer(text)))
        + list(itertools.compress(starts, map(breaks.__contains__, tokens)))
    )
    return _Tokens(
        text,
        tokens,
        stems,
        starts,
        ends,
        _numbering(starts, sentence_marks),
        _numbering(starts, clause_marks),
    )


def _numbering(starts: Sequence[int], marks: Sequence[int]) -> list[int]:
    """For each start, how many (sorted) marks lie before it: its sentence or clause
    number. A binary search per word, run in C."""
    if not marks:
        return [0] * len(starts)
    return list(map(functools.partial(bisect.bisect_left, marks), starts))


class _Index:
    """Terms by the stems and prefixes their first element accepts."""

    def __init__(self, terms: Iterable[Term], stoppers: frozenset[str] = frozenset()) -> None:
        self.stoppers = stoppers  # words a filler may never be (negators)
        self._starting: dict[tuple[str, str], list[Term]] = {}
        self.by_word: dict[str, list[Term]] = {}
        # Prefixes are at least 3 letters long: indexed by their first three.
        self.by_prefix: dict[str, list[tuple[str, Term]]] = {}
        for term in terms:
            first = term.elements[0]
            for word in first.words | first.exact:
                self.by_word.setdefault(word, []).append(term)
            for prefix in first.prefixes:
                self.by_prefix.setdefault(prefix[:3], []).append((prefix, term))
        self._derive()

    def _derive(self) -> None:
        """What lets a text that no term can match be passed over at once: the words a
        first element accepts, the three-letter heads of its prefixes; and, per term, the
        words each later element (one without prefixes) needs, found when first asked."""
        self._firsts = frozenset(self.by_word)
        self._heads = frozenset(self.by_prefix)
        self._needs: dict[int, tuple[frozenset[str], ...]] = {}  # by id(term)
        self._starting_needs: dict[tuple[str, str], _Starting] = {}
        # (word, stem) -> the terms it starts, each with what it needs
        self._viable: dict[tuple[tuple[str, str], frozenset[str]], list[Term]] = {}
        # (word, stem), the words of the text its terms need -> the terms that can match

    def __getstate__(self) -> dict[str, object]:
        # pickled without the words it remembers: they come from the texts screened
        state = {**self.__dict__, "_starting": {}}
        for derived in ("_firsts", "_heads", "_needs", "_starting_needs", "_viable"):
            state.pop(derived, None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._derive()

    def _needed(self, term: Term) -> tuple[frozenset[str], ...]:
        needs = self._needs.get(id(term))
        if needs is None:
            needs = tuple(e.words | e.exact for e in term.elements[1:] if not e.prefixes)
            self._needs[id(term)] = needs
        return needs

    def _starting_with_needs(self, key: tuple[str, str]) -> _Starting:
        pairs = [(term, self._needed(term)) for term in self.starting(*key)]
        relevant = frozenset(w for _term, needs in pairs for words in needs for w in words)
        starting = _Starting(pairs, relevant, [term for term, needs in pairs if not needs])
        if len(self._starting_needs) >= _REMEMBERED_WORDS:
            self._starting_needs.clear()
        self._starting_needs[key] = starting
        return starting

    def _viable_starting(self, key: tuple[str, str], present: frozenset[str]) -> list[Term]:
        """The terms this word starts whose every later word (of an element without
        prefixes) occurs in the text: the others cannot match, and are not tried.

        Which those are depends only on which of the words they need occur, so the
        answer is remembered under those words: texts that share them share it.
        """
        starting = self._starting_needs.get(key)
        if starting is None:
            starting = self._starting_with_needs(key)
        if not starting.pairs:
            return []
        if present.isdisjoint(starting.relevant):
            return starting.free  # no later word of any term occurs: only those needing none
        seen = present & starting.relevant
        viable = self._viable.get((key, seen))
        if viable is None:
            viable = []
            for term, needs in starting.pairs:
                for words in needs:
                    if seen.isdisjoint(words):
                        break
                else:
                    viable.append(term)
            if len(self._viable) >= _REMEMBERED_VIABLE:
                self._viable.clear()
            self._viable[(key, seen)] = viable
        return viable

    def may_match(self, toks: _Tokens) -> bool:
        """False when no term's first element can accept any word of the text."""
        return not self._firsts.isdisjoint(toks.words()) or (
            bool(self._heads) and not self._heads.isdisjoint(toks.heads())
        )

    def _candidates(self, toks: _Tokens) -> list[int]:
        """The positions, in order, of the words some term's first element may accept:
        a word or stem a first element lists, or a word a prefix's head begins."""
        positions = toks.positions()
        found: set[int] = set()
        for word in self._firsts & toks.words():
            found.update(positions[word])
        if self._heads:
            for head in self._heads & toks.heads():
                found.update(positions["3:" + head])
        return sorted(found)

    def starting(self, token: str, stem: str) -> list[Term]:
        """The terms whose first element accepts this word (remembered per word)."""
        key = (token, stem)
        known = self._starting.get(key)
        if known is not None:
            return known
        found = list(self.by_word.get(stem, ()))
        if token != stem:
            found.extend(t for t in self.by_word.get(token, ()) if t not in found)
        for prefix, term in self.by_prefix.get(token[:3], ()):
            if token.startswith(prefix):
                found.append(term)
        found = [t for t in found if t.elements[0].accepts(token, stem)]
        if len(self._starting) >= _REMEMBERED_WORDS:
            self._starting.clear()
        self._starting[key] = found
        return found

    def find(self, toks: _Tokens) -> list[tuple[Term, int, int]]:
        """Every match as (term, first token, last token), leftmost and shortest."""
        return [(term, i, last) for term, i, last, negated in self.find_all(toks) if not negated]

    def find_all(self, toks: _Tokens) -> list[tuple[Term, int, int, bool]]:
        """Like :meth:`find`, with the matches a negator interrupts marked as negated."""
        out: list[tuple[Term, int, int, bool]] = []
        if not self.may_match(toks):
            return out
        n = len(toks.tokens)
        present = toks.words()
        by_word: dict[tuple[str, str], list[Term]] = {}  # each distinct word's viable terms
        tokens, stems = toks.tokens, toks.stems
        for i in self._candidates(toks):
            key = (tokens[i], stems[i])
            terms = by_word.get(key)
            if terms is None:
                terms = by_word[key] = self._viable_starting(key, present)
            for term in terms:
                found = _match_rest(term.elements, 1, i, toks, n, self.stoppers, False)
                if found is not None:
                    out.append((term, i, *found))
        return out


@dataclass(frozen=True)
class _Starting:
    """The terms a word starts, each with the words its later elements need, and every
    word any of them needs (what decides which of them can match in a text)."""

    pairs: list[tuple[Term, tuple[frozenset[str], ...]]]
    relevant: frozenset[str]
    free: list[Term]  # the terms that need no later word (of an element without prefixes)


def _match_rest(
    elements: tuple[Element, ...],
    k: int,
    at: int,
    toks: _Tokens,
    n: int,
    stoppers: frozenset[str],
    negated: bool,
) -> tuple[int, bool] | None:
    """The last token of the rest of a term from element ``k`` on, and whether a negator
    stood between its words ("ich will nicht sterben": never a filler, so never a match
    that counts, but a match that was read and set aside)."""
    if k == len(elements):
        return at, negated
    element = elements[k]
    sentence = toks.sentence[at]
    for j in range(at + 1, min(n, at + 2 + element.gap)):
        if toks.sentence[j] != sentence:
            return None
        if element.accepts(toks.tokens[j], toks.stems[j]):
            found = _match_rest(elements, k + 1, j, toks, n, stoppers, negated)
            if found is not None:
                return found
        if toks.tokens[j] in stoppers:
            negated = True  # "i'm not suicidal": a negator is never a filler
    return None


class _LazyCues(dict[str, list[tuple[Term, int, int]]]):
    """A context's cues in a text, found the first time a construct asks for them."""

    def __init__(self, indexes: Mapping[str, _Index], toks: _Tokens) -> None:
        super().__init__()
        self._indexes, self._toks = indexes, toks

    def __missing__(self, name: str) -> list[tuple[Term, int, int]]:
        index = self._indexes.get(name)
        found = index.find(self._toks) if index is not None else []
        self[name] = found
        return found


class SignalReader:
    """Finds constructs in one language and weighs each in its clause."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._stem = stemmer(lexicon.stemmer)
        negators = frozenset(
            w
            for term in lexicon.cues.get("negation", ())
            if len(term.elements) == 1
            for w in term.elements[0].words | term.elements[0].exact
        )
        self._terms = _Index(lexicon.terms, negators)
        self._cues = {name: _Index(terms) for name, terms in lexicon.cues.items()}
        self._last: _Tokens | None = None
        self._words: dict[str, tuple[str, str]] = {}  # written word -> (folded, stem)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        del state["_stem"]  # a C stemmer, made again when loaded
        state["_last"] = None  # the last text's words: never pickled
        state["_words"] = {}  # nor the words it has seen
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._stem = stemmer(self.lexicon.stemmer)

    def _tokens(self, text: str) -> _Tokens:
        """The text's tokens (the last text's are kept: a text is read more than once)."""
        last = self._last
        if last is not None and last.text is text:
            return last
        toks = _tokenise(
            text, self.lexicon.language, self._stem, self.lexicon.clause_breaks, self._words
        )
        self._last = toks
        return toks

    def support(self, text: str) -> tuple[int, int] | None:
        """Where a text reads as written to help someone else, or ``None``.

        That takes at least two different support cues ("read your post", "you are not
        alone", "if you're thinking of…") and no cue of sharing the same state ("me
        too", "same here"): a peer who answers "me too" speaks for themself.
        """
        support = self._cues.get("support")
        if support is None:
            return None
        toks = self._tokens(text)
        found = support.find(toks)
        if len({term.source for term, _, _ in found}) < SUPPORT_CUES_NEEDED:
            return None
        solidarity = self._cues.get("solidarity")
        if solidarity is not None and solidarity.find(toks):
            return None
        _term, first, last = found[0]
        return toks.starts[first], toks.ends[last]

    def support_parts(self, text: str) -> list[tuple[int, int]]:
        """In a text read as written to help, the parts the support governs (char spans).

        That is every clause except the writer's own account of themself: a clause with a
        first-person word and no word addressed to the reader, outside every support
        cue ("this is my last post", "I'm sitting on the roof now"). Those are screened as
        written, so a crisis post that also says "please call 988" keeps its tier.
        """
        support = self._cues.get("support")
        if support is None:
            return []
        toks = self._tokens(text)
        cued = {toks.clause[first] for _term, first, _last in support.find(toks)}
        lex = self.lexicon
        told = {toks.sentence[i] for i, t in enumerate(toks.tokens) if t in lex.told_words}
        told -= {toks.sentence[i] for i, t in enumerate(toks.tokens) if t in lex.now_words}
        quoted = _quoted(text)
        others = self._cues.get("others")
        subject = {toks.clause[a] for _t, a, _b in (others.find(toks) if others else ())}
        own: dict[int, bool] = {}
        for i, token in enumerate(toks.tokens):
            clause = toks.clause[i]
            if (
                clause in cued
                or token in lex.reader_words
                or toks.sentence[i] in told
                or any(a <= toks.starts[i] < b for a, b in quoted)
            ):
                own[clause] = False
            elif token in lex.self_words:
                own.setdefault(clause, True)
                subject.add(clause)
        # A clause with no subject of its own ("... but I'm done. bought rope today")
        # goes on in the voice of the clause just before it, when that one is the writer's.
        previous = False
        for clause in sorted(set(toks.clause)):
            if clause not in own and clause not in subject:
                own[clause], previous = previous, False
            else:
                previous = own.get(clause, False)
        spans: list[tuple[int, int]] = []
        for i, clause in enumerate(toks.clause):
            if own.get(clause, False):
                continue
            if spans and i > 0 and toks.clause[i - 1] == clause:
                spans[-1] = (spans[-1][0], toks.ends[i])
            else:
                spans.append((toks.starts[i], toks.ends[i]))
        return spans

    def read(self, text: str) -> list[Found]:
        """The constructs in normalised ``text``, each with the context that blocks it."""
        lang = self.lexicon.language
        toks = self._tokens(text)
        matches = self._terms.find_all(toks)
        if not matches:
            return []
        cues = _LazyCues(self._cues, toks)
        found: list[Found] = []
        for term, first, last, negated in matches:
            blocked = "negation" if negated else self._blocked(term, first, last, toks, cues)
            found.append(
                Found(
                    term.construct, lang, toks.starts[first], toks.ends[last], term.source, blocked
                )
            )
        return found

    def _blocked(
        self,
        term: Term,
        first: int,
        last: int,
        toks: _Tokens,
        cues: Mapping[str, list[tuple[Term, int, int]]],
    ) -> str | None:
        exempt = self.lexicon.contexts.get(term.construct, frozenset())
        clause, sentence = toks.clause[first], toks.sentence[first]
        if "negation" not in exempt and self._answered_no(last, toks, cues["negation"]):
            return "negation"
        for name in CONTEXTS:
            if name in exempt:
                continue
            for _cue, a, b in cues[name]:
                if a <= last and first <= b:
                    continue  # a cue inside the construct's own words is part of it
                if name == "negation":
                    if b < first and toks.clause[a] == clause and first - b <= _NEGATION_WINDOW:
                        return name
                elif name == "others":
                    if (
                        b < first
                        and toks.clause[a] == clause
                        and first - b <= _OTHERS_WINDOW
                        and not self._self_between(b + 1, last + 1, toks)
                    ):
                        return name
                elif name == "address":
                    if (
                        b < first
                        and self._leads_to(b, first, toks)
                        and first - b <= _ADDRESS_WINDOW
                        and not self._self_between(b + 1, last + 1, toks)
                    ):
                        return name
                elif (
                    name == "report"
                    and term.construct in _WRITER_TURNS_TO
                    and b < first
                    and self._writer_turns(a, b, first, toks)
                ):
                    continue  # "I tell everyone to call 988 but I have the pills ready"
                elif toks.sentence[a] == sentence:
                    return name  # past, hypothetical, report: the whole sentence
        return None

    @staticmethod
    def _answered_no(last: int, toks: _Tokens, negators: Sequence[tuple[Term, int, int]]) -> bool:
        """A checklist answer: the next sentence part is only a negator ("thoughts: none"),
        up to the next item of the list ("thoughts: none, self-harm: no")."""
        nxt = last + 1
        if nxt >= len(toks.tokens) or toks.sentence[nxt] == toks.sentence[last]:
            return False
        part, clause = toks.sentence[nxt], toks.clause[nxt]
        for _cue, a, b in negators:
            if a == nxt and (
                b + 1 >= len(toks.tokens)
                or toks.sentence[b + 1] != part
                or toks.clause[b + 1] != clause
            ):
                return True
        return False

    @staticmethod
    def _leads_to(b: int, first: int, toks: _Tokens) -> bool:
        """Whether a cue ending at token ``b`` governs token ``first``: the same sentence,
        or a heading that a colon opens ("warning signs: talking about being a burden")."""
        gap = toks.sentence[first] - toks.sentence[b]
        if gap == 0:
            return True
        between = toks.text[toks.ends[b] : toks.starts[b + 1]] if b + 1 < len(toks.starts) else ""
        return gap == 1 and between.strip() == ":"

    def _writer_turns(self, a: int, b: int, first: int, toks: _Tokens) -> bool:
        """Whether, after a report cue (tokens ``a``..``b``), the writer starts a clause of
        their own before the construct (token ``first``): the song, the article or the
        crisis line is left behind, and what follows is said of the writer now."""
        words = self.lexicon.self_words
        cue_clause = toks.clause[a]
        quoted = _quoted(toks.text)  # a line of the song or the article is not the writer
        return any(
            toks.tokens[i] in words
            and toks.clause[i] != cue_clause
            and not any(q <= toks.starts[i] < e for q, e in quoted)
            for i in range(b + 1, first)
        )

    def _self_between(self, a: int, b: int, toks: _Tokens) -> bool:
        words = self.lexicon.self_words
        return any(toks.tokens[i] in words for i in range(a, b))


_QUOTED = re.compile(
    r"\"[^\"\n]{1,300}\"|(?<!\w)'[^'\n]{1,300}'(?!\w)|«[^»\n]{1,300}»|„[^“\n]{1,300}“"
)


def _quoted(text: str) -> list[tuple[int, int]]:
    """The spans of quoted words: someone's words, or a phrase the writer holds up."""
    return [m.span() for m in _QUOTED.finditer(text)]


def combine(present: frozenset[str], table: Sequence[Combination]) -> Combination | None:
    """The highest-tier row of ``table`` whose every group is present (first on a tie)."""
    best: Combination | None = None
    for row in table:
        if (best is None or row.tier > best.tier) and all(
            not group.isdisjoint(present) for group in row.when
        ):
            best = row
    return best


def rule_constructs(findings: Iterable[tuple[str, Tier]]) -> frozenset[str]:
    """What phrase-rule matches contribute to the table: ``suicidality>=high`` and below."""
    out: set[str] = set()
    for category, tier in findings:
        for t in Tier:
            if Tier.NONE < t <= tier:
                out.add(f"{category}>={t.label}")
    return frozenset(out)


def repeated(found: Iterable[Found]) -> frozenset[str]:
    """``construct*2`` for each construct found at two places that do not overlap."""
    spans: dict[str, list[tuple[int, int]]] = {}
    out: set[str] = set()
    for f in found:
        seen = spans.setdefault(f.construct, [])
        if any(a < f.end and f.start < b for a, b in seen):
            continue
        seen.append((f.start, f.end))
        if len(seen) == 2:
            out.add(f.construct + REPEATED)
    return frozenset(out)


_CONSTRUCT_CATEGORY = {"self_harm": "self_harm"}
"""The category of a construct other than suicidality (every other construct is)."""


def construct_categories(constructs: Iterable[str]) -> tuple[str, ...]:
    """The categories a set of constructs speaks to, in a stable order."""
    found = {_CONSTRUCT_CATEGORY.get(c.removesuffix(REPEATED), "suicidality") for c in constructs}
    return tuple(sorted(found))
