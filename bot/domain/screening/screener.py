"""The screener: normalise, gate, match rules, weigh each match in its context.

A match survives unless it sits inside an idiom ("dead tired") or lacks a required
first-person word nearby. Its tier is then bent by the frames around it: a cue of a
capping frame (negation, past, a reported question…) lowers it to that frame's cap; if
nothing capped it, a marker a rule escalates on (a timeframe, "right now") raises it.
The verdict's tier is the highest surviving tier; its evidence is every surviving match
not already covered by a wider one of at least the same tier, plus the cues that
changed a tier, all with offsets into the original text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from .facts import LazyPattern, remembered
from .language import KNOWN, best_languages, function_word_counts
from .learned import LearnedModel, long_enough, reading, speaks_alone
from .model import (
    COMMON,
    Evidence,
    Frame,
    Language,
    Rule,
    RuleSet,
    ScreeningRuleError,
    Tier,
    Verdict,
)
from .normalise import NormalisedText, Normaliser, fold_pattern, typo_variants
from .prefilter import Gate, anchors, literals, starts_with_letter
from .signals import (
    REPEATED,
    Combination,
    Found,
    Lexicon,
    SignalReader,
    combine,
    construct_categories,
    repeated,
    rule_constructs,
)

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_SENTENCE_SEP = re.compile(r"[.!?;\n]+")
_CLAUSE_PUNCT = r"[,:()\"]|\s-+\s"
_MAX_MATCHES_PER_RULE = 64  # bounds the work on huge texts; the first ones decide
_CHARS_PER_WORD = 24  # generous bound used to keep window searches local
_ANY_REACH = 600  # how far an "any"-position frame looks around a match, in characters
_MIN_TYPO_TARGET = 6
_MIN_TYPO_VARIANT = 5


def whole_words(pattern: str, letter: bool | None = None) -> str:
    """Wrap a pattern so it matches whole words only ("kill" not inside "skill").

    A match that starts (or ends) with punctuation or an emoji needs no boundary there.
    When every match starts with a letter or digit, the left boundary is a plain
    look-behind: the same meaning, and about twice as fast for the regex engine.
    """
    end = r"(?:(?![^\W_])|(?<![^\W_]))"
    if letter is None:
        letter = starts_with_letter(pattern)
    if letter:
        return rf"(?<![^\W_])(?:{pattern}){end}"
    return rf"(?:(?<![^\W_])|(?![^\W_]))(?:{pattern}){end}"


def compile_pattern(pattern: str, language: str) -> re.Pattern[str]:
    """Fold and compile one rule pattern; raises ``re.error`` when it is invalid."""
    return re.compile(fold_pattern(pattern, expand_umlauts=language == "de"))


def folded_pattern(pattern: str, language: str) -> str:
    """A rule pattern folded as texts are (remembered: folding is slow, patterns repeat)."""
    if language == "de":
        return remembered("fold-de", pattern, lambda q: fold_pattern(q, expand_umlauts=True))
    return remembered("fold", pattern, fold_pattern)


def _alternation(patterns: Iterable[str], language: str, words: bool = True) -> str | None:
    folded = [folded_pattern(p, language) for p in patterns]
    if not folded:
        return None
    body = "|".join(f"(?:{p})" for p in folded)
    return whole_words(body) if words else f"(?:{body})"


@dataclass(frozen=True)
class _Mark:
    """A context pattern the gate looks out for: one frame's cues, or a language's idioms.

    ``literals`` (one of which every match of the pattern contains) go into the gate's
    scan; when none occurs, the pattern cannot match and is not run. ``None``: no
    literal is certain, so the pattern is always run. ``index`` numbers it among all
    marks; equal literal sets share one mark.
    """

    index: int
    literals: frozenset[str] | None


@dataclass(frozen=True)
class _CompiledFrame:
    frame: Frame
    cues: LazyPattern
    ignore: LazyPattern | None
    mark: _Mark
    label: str  # the evidence id of its cues, "en.frame.past"
    parts: tuple[_Alternative, ...] = ()  # each cue pattern on its own


@dataclass
class _CompiledLanguage:
    language: Language
    frames: dict[str, _CompiledFrame]
    idioms: LazyPattern | None
    idiom_mark: _Mark
    idiom_parts: tuple[_Alternative, ...]  # each idiom pattern on its own
    clause: re.Pattern[str]
    segment: re.Pattern[str]
    self_words: re.Pattern[str] | None
    function_words: re.Pattern[str] | None
    idiom_literals: dict[str, tuple[int, ...]] = field(init=False)
    """For each literal of an idiom's anchors, the idioms (by place in ``idiom_parts``)
    that it lets through."""
    idiom_always: tuple[int, ...] = field(init=False)  # idioms without an anchor

    def __post_init__(self) -> None:
        by_literal: dict[str, list[int]] = {}
        always: list[int] = []
        for i, part in enumerate(self.idiom_parts):
            if part.mark.literals is None:
                always.append(i)
                continue
            for literal in part.mark.literals:
                by_literal.setdefault(literal, []).append(i)
        self.idiom_literals = {k: tuple(v) for k, v in by_literal.items()}
        self.idiom_always = tuple(always)


@dataclass(frozen=True)
class _Scope:
    """How one rule is weighed in one language, resolved once when the rules are built.

    ``caps`` are the capping frames that can matter to the rule, in the language's frame
    order, each with the cap that applies to this rule: frames without a cap, frames the
    rule ignores, opt-in frames it did not opt into, and (for a rule that never
    escalates) caps that could not lower its tier are already left out. ``escalate``
    holds the rule's marker frames that this language defines.
    """

    lang: _CompiledLanguage
    caps: tuple[tuple[_CompiledFrame, Tier], ...]
    escalate: dict[str, _CompiledFrame]


@dataclass(frozen=True)
class _Alternative:
    """One pattern of an alternation (a rule's group, a language's idioms), run on its
    own when the others cannot match.

    ``mark`` is the mark of the pattern's own anchors (see :class:`_Mark`): when none of
    them occurs in a text, the pattern cannot match there.
    """

    regex: LazyPattern
    mark: _Mark
    body: str = ""  # the folded pattern, as it stands in its group's alternation
    wrapper: tuple[str, str] | None = None
    """What the group's alternation has around its patterns (its word boundaries), when a
    few of its patterns may be run as an alternation of their own (see
    :func:`_narrowest`)."""


@dataclass(frozen=True)
class _CompiledRule:
    index: int
    rule: Rule
    regexes: tuple[LazyPattern, ...]  # one alternation per group of patterns
    anchors: frozenset[str] | None  # None: no literal is certain, the rule always runs
    scopes: dict[str, _Scope]  # by language code: its own, or every language for common
    alternatives: tuple[tuple[_Alternative, ...], ...] = ()  # each group's patterns

    @property
    def anchored(self) -> bool:
        return self.anchors is not None

    def runnable(self, marks: set[int]) -> list[LazyPattern]:
        """The regexes worth running on a text whose marks are ``marks``.

        A pattern none of whose anchors occurs cannot match anywhere in the text, so
        leaving it out of its group's alternation changes no match: at every position
        the regex engine would have tried it and failed. A group with no pattern left
        is skipped; a group with one left runs that pattern alone (much cheaper than the
        whole alternation); otherwise the alternation of the patterns left runs, in
        their order, with the group's word boundaries (:func:`_narrowest`).
        """
        if not self.alternatives:
            return list(self.regexes)
        out: list[LazyPattern] = []
        for regex, alternatives in zip(self.regexes, self.alternatives, strict=True):
            narrowest = _narrowest(regex, [a for a in alternatives if a.mark.index in marks])
            if narrowest is not None:
                out.append(narrowest)
        return out


def _narrowest(whole: LazyPattern, live: Sequence[_Alternative]) -> LazyPattern | None:
    """What to run of an alternation whose patterns that can match are ``live``: nothing,
    the one pattern alone, or the alternation of the live patterns alone.

    The live patterns keep their order and the group's word boundaries, so at every
    position the engine tries what it tried before, less the patterns that cannot match
    anywhere in the text: the same matches (:func:`_alternation_of`). Compiling such an
    alternation costs about as much as running the whole one a dozen or more times, so a
    combination runs whole until it has come back ``_COMPILE_AFTER`` times, and is then
    compiled and remembered (a journal's texts bring the same few combinations back).
    Either way the same matches. A group whose boundaries are not known (``wrapper``)
    runs whole.
    """
    if len(live) == 1:
        return live[0].regex
    if not live:
        return None
    if live[0].wrapper is None:
        return whole
    key = (whole.pattern, tuple(a.body for a in live))
    found = _SUBSETS.get(key, 0)
    if isinstance(found, LazyPattern):
        return found
    if found + 1 < _COMPILE_AFTER:
        if len(_SUBSETS) >= _MAX_SUBSETS:
            _SUBSETS.clear()
        _SUBSETS[key] = found + 1
        return whole
    _SUBSETS[key] = compiled = _alternation_of(whole, live)
    return compiled


def _alternation_of(whole: LazyPattern, live: Sequence[_Alternative]) -> LazyPattern:
    """The alternation of the ``live`` patterns of ``whole``'s group, in their order and
    with the group's word boundaries (``whole`` itself when they are all its patterns)."""
    wrapper = live[0].wrapper
    if wrapper is None:
        return whole
    pattern = wrapper[0] + "|".join(f"(?:{a.body})" for a in live) + wrapper[1]
    return whole if pattern == whole.pattern else LazyPattern(pattern)


_SUBSETS: dict[tuple[str, tuple[str, ...]], LazyPattern | int] = {}
"""Alternations of a few of a group's patterns, by the group and the patterns; or how
often such a combination has come up, until it is compiled."""
_MAX_SUBSETS = 4096
_COMPILE_AFTER = 16
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def _wrapper(wrapped: str, patterns: Sequence[str]) -> tuple[str, str] | None:
    """What an alternation of ``patterns`` has around them in ``wrapped`` (``None`` when
    that cannot be told, or a pattern refers back to a numbered or named group, which an
    alternation of fewer patterns could number otherwise)."""
    if any(_BACKREFERENCE.search(p) for p in patterns):
        return None
    body = "|".join(f"(?:{p})" for p in patterns)
    at = wrapped.find(body)
    if at < 0:
        return None
    return wrapped[:at], wrapped[at + len(body) :]


def _live_idioms(lang: _CompiledLanguage, words: frozenset[str]) -> LazyPattern | None:
    """What to run of a language's idioms in a text whose gate found ``words``."""
    if lang.idioms is None:
        return None
    return _narrowest(lang.idioms, _live_idiom_parts(lang, words))


def _live_idiom_parts(lang: _CompiledLanguage, words: frozenset[str]) -> list[_Alternative]:
    """The idioms one of whose literals is among ``words`` (looked up per word found, not
    per idiom), or that have none, in their order."""
    found: set[int] = set().union(*filter(None, map(lang.idiom_literals.get, words)))
    found.update(lang.idiom_always)
    parts = lang.idiom_parts
    return [parts[i] for i in sorted(found)]


@dataclass
class _Match:
    rule: Rule
    start: int
    end: int
    tier: Tier
    modifiers: list[tuple[str, int, int]] = field(default_factory=list)


class Screener:
    """Screens journal text for risk. Deterministic, pure, safe on any input."""

    def __init__(
        self,
        rules: RuleSet,
        lexicons: Iterable[Lexicon] = (),
        combinations: Sequence[Combination] = (),
        learned: LearnedModel | None = None,
    ) -> None:
        self._ruleset = rules
        self._learned = learned
        self._readers = {lex.language: SignalReader(lex) for lex in lexicons}
        self._table = tuple(combinations)
        self._unconditional = any(not row.when for row in self._table)  # a row needing nothing
        self._marks: list[_Mark] = []
        self._marks_by_literals: dict[frozenset[str], _Mark] = {}
        self._languages: dict[str, _CompiledLanguage] = {}
        for code, language in rules.languages.items():
            self._languages[code] = self._compile_language(language)
        self._rules: list[_CompiledRule] = []
        for language in rules.languages.values():
            for rule in language.rules:
                self._rules.append(self._compile_rule(len(self._rules), rule))
        vocabulary: set[str] = set()
        homoglyphs: dict[str, str] = {}
        for language in rules.languages.values():
            vocabulary.update(language.vocabulary)
            vocabulary.update(language.typo_targets)
            homoglyphs.update(language.homoglyphs)
        self._normaliser = Normaliser(homoglyphs, vocabulary)
        self._gates: dict[tuple[str, ...], _GateFor] = {}
        self._codes: dict[str | None, tuple[str, ...]] = {}
        self._guessable = tuple(code for code in self._languages if code != COMMON)
        self._last_guess: tuple[str | None, tuple[str, ...]] = (None, ())
        self._ceilings = [
            max([c.rule.tier, *c.rule.escalate.values()]) for c in self._rules
        ]  # the highest tier each rule can give

    def __getstate__(self) -> dict[str, object]:
        """What pickling keeps (the start-up cache, ``prompts/screening_cache.py``): what the
        rule files made, gates included; nothing a screened text left behind. Every memo of
        words, characters or texts seen is left out here and in the parts (``_Index``,
        ``SignalReader``, ``_Hasher``, ``_FoldTable``); patterns are kept as text and
        compiled again when first used."""
        return {**self.__dict__, "_codes": {}, "_last_guess": (None, ())}

    # -- construction -------------------------------------------------------------------

    def _mark(self, found: frozenset[str] | None) -> _Mark:
        """The mark of a literal set (shared by equal sets; ``None``: a mark of its own)."""
        if found is not None and found in self._marks_by_literals:
            return self._marks_by_literals[found]
        mark = _Mark(len(self._marks), found)
        self._marks.append(mark)
        if found is not None:
            self._marks_by_literals[found] = mark
        return mark

    def _compile_language(self, language: Language) -> _CompiledLanguage:
        code = language.code
        frames: dict[str, _CompiledFrame] = {}
        for frame in language.frames:
            cues = _alternation(frame.cues, code)
            if cues is None:
                raise ScreeningRuleError(f"{code}: frame {frame.name!r} has no cues")
            ignore = _alternation(frame.ignore, code)
            folded_cues = [folded_pattern(c, code) for c in frame.cues]
            wrapper = _wrapper(cues, folded_cues)
            frames[frame.name] = _CompiledFrame(
                frame,
                LazyPattern(cues),
                LazyPattern(ignore) if ignore else None,
                self._mark(literals(cues)),
                f"{code}.frame.{frame.name}",
                tuple(self._alternative(c, code, whole=cues, wrapper=wrapper) for c in folded_cues),
            )
        idiom_patterns = [p for i in language.idioms for p in i.patterns]
        idiom_alt = _alternation(idiom_patterns, code)
        folded_idioms = [folded_pattern(p, code) for p in idiom_patterns]
        idiom_wrapper = _wrapper(idiom_alt, folded_idioms) if idiom_alt else None
        seg_words = _alternation(language.segment_breaks, code)
        clause_words = _alternation(language.clause_breaks, code)
        segment = _SENTENCE_SEP.pattern + (f"|{seg_words}" if seg_words else "")
        clause = segment + f"|{_CLAUSE_PUNCT}" + (f"|{clause_words}" if clause_words else "")
        self_alt = _alternation(language.self_words, code)
        function_alt = _alternation(
            [*language.self_words, *language.clause_breaks, *language.segment_breaks], code
        )
        return _CompiledLanguage(
            language=language,
            frames=frames,
            idioms=LazyPattern(idiom_alt) if idiom_alt else None,
            idiom_mark=self._mark(literals(idiom_alt) if idiom_alt else None),
            idiom_parts=tuple(
                self._alternative(p, code, whole=idiom_alt, wrapper=idiom_wrapper)
                for p in folded_idioms
            ),
            clause=re.compile(clause),
            segment=re.compile(segment),
            self_words=re.compile(self_alt) if self_alt else None,
            function_words=re.compile(function_alt) if function_alt else None,
        )

    def _compile_rule(self, index: int, rule: Rule) -> _CompiledRule:
        folded = [folded_pattern(p, rule.language) for p in rule.patterns]
        if rule.language == COMMON:
            groups = [folded]
        else:
            # Patterns that always start with a letter get the fast left boundary; the
            # few that may start with punctuation ("'ll", an emoji) run on their own.
            letter = [p for p in folded if starts_with_letter(p)]
            other = [p for p in folded if not starts_with_letter(p)]
            groups = [g for g in (letter, other) if g]
        regexes: list[LazyPattern] = []
        alternatives: list[tuple[_Alternative, ...]] = []
        found: set[str] = set()
        certain = True
        for group in groups:
            body = "|".join(f"(?:{p})" for p in group)
            wrapped = whole_words(body) if rule.language != COMMON else body
            regexes.append(LazyPattern(wrapped))
            wrapper = _wrapper(wrapped, group)
            alternatives.append(
                tuple(self._alternative(p, rule.language, wrapper=wrapper) for p in group)
            )
            literal = anchors(wrapped)
            if literal is None:
                certain = False
            else:
                found |= literal
        if rule.language == COMMON:
            scoped = [lang for code, lang in self._languages.items() if code != COMMON]
        else:
            scoped = [self._languages[rule.language]]
        scopes = {lang.language.code: _scope(rule, lang) for lang in scoped}
        return _CompiledRule(
            index,
            rule,
            tuple(regexes),
            frozenset(found) if certain else None,
            scopes,
            tuple(alternatives),
        )

    def _alternative(
        self,
        folded: str,
        language: str,
        whole: str | None = None,
        wrapper: tuple[str, str] | None = None,
    ) -> _Alternative:
        """One folded pattern wrapped as its group wraps it, with the mark of its anchors
        (a pattern without a selective anchor gets a mark of its own, always looked for).

        ``whole``: the group's wrapped alternation, when its left boundary is to be kept
        as it is (the idioms of a language are one group, whatever their first letters).
        ``wrapper``: what the group's alternation has around its patterns (``_wrapper``).
        """
        if language == COMMON and whole is None:
            wrapped = f"(?:{folded})"
        elif whole is not None and not whole.startswith("(?<![^\\W_])"):
            wrapped = whole_words(f"(?:{folded})", letter=False)
        else:
            wrapped = whole_words(f"(?:{folded})")
        return _Alternative(LazyPattern(wrapped), self._mark(anchors(wrapped)), folded, wrapper)

    def _gate(self, codes: tuple[str, ...]) -> _GateFor:
        cached = self._gates.get(codes)
        if cached is not None:
            return cached
        keys: dict[str, set[int]] = {}
        always: list[_CompiledRule] = []
        for compiled in self._rules:
            if compiled.rule.language not in codes:
                continue
            if not compiled.anchored:
                always.append(compiled)
                continue
            for anchor in compiled.anchors or ():
                keys.setdefault(anchor, set()).add(compiled.index)
        mark_keys: dict[str, set[int]] = {}
        always_marks: set[int] = set()
        marks: list[_Mark] = []
        for code in codes:
            lang = self._languages[code]
            marks += [lang.idiom_mark, *(f.mark for f in lang.frames.values())]
            marks += [a.mark for a in lang.idiom_parts]
            marks += [a.mark for f in lang.frames.values() for a in f.parts]
        for compiled in self._rules:
            if compiled.rule.language in codes:
                marks += [a.mark for group in compiled.alternatives for a in group]
        for mark in marks:
            if mark.literals is None:
                always_marks.add(mark.index)
                continue
            for literal in mark.literals:
                mark_keys.setdefault(literal, set()).add(mark.index)
        typos, dropped = self._typo_map(codes)
        gate = Gate(
            {k: frozenset(v) for k, v in keys.items()},
            typos,
            {k: frozenset(v) for k, v in mark_keys.items()},
        )
        cached = _GateFor(gate, tuple(always), frozenset(always_marks), dropped)
        self._gates[codes] = cached
        return cached

    def _typo_map(self, codes: tuple[str, ...]) -> tuple[dict[str, str], frozenset[str]]:
        """Misspellings of the languages' key words, and those left out as ambiguous."""
        languages = [self._ruleset.languages[c] for c in codes]
        targets = {t for lang in self._ruleset.languages.values() for t in lang.typo_targets}
        protected = targets | {
            w
            for lang in self._ruleset.languages.values()
            for w in (*lang.typo_exclude, *lang.vocabulary)
        }
        fixes: dict[str, str] = {}
        clashes: set[str] = set()
        for lang in languages:
            for target in lang.typo_targets:
                if len(target) < _MIN_TYPO_TARGET:
                    continue
                for variant in typo_variants(target):
                    if len(variant) < _MIN_TYPO_VARIANT or variant in protected:
                        continue
                    if variant in fixes and fixes[variant] != target:
                        clashes.add(variant)
                    fixes[variant] = target
        for variant in clashes:
            del fixes[variant]
        return fixes, frozenset(clashes)

    def precompile(self) -> None:
        """Work out every pattern's compiled form, to be kept with the screener when it is
        pickled (the start-up cache): about a second, once per version of the rules."""
        for lang in self._languages.values():
            for frame in lang.frames.values():
                frame.cues.precompile()
                for part in frame.parts:
                    part.regex.precompile()
                if frame.ignore is not None:
                    frame.ignore.precompile()
            if lang.idioms is not None:
                lang.idioms.precompile()
            for part in lang.idiom_parts:
                part.regex.precompile()
        for compiled in self._rules:
            for regex in compiled.regexes:
                regex.precompile()
            for group in compiled.alternatives:
                for part in group:
                    part.regex.precompile()

    def warm(self) -> None:
        """Build the gate of every language up front (or read back those a pickled screener
        kept), so no reply pays for it later."""
        for code in self._ruleset.languages:
            if code != COMMON:
                self._gate(self.languages_for(code)).gate.ready()
        self._gate(self.languages_for(None)).gate.ready()

    # -- screening ----------------------------------------------------------------------

    def languages_for(self, lang: str | None) -> tuple[str, ...]:
        """The rule languages screened for a requested language (``None``: all)."""
        cached = self._codes.get(lang)
        if cached is not None:
            return cached
        codes = self._languages_for(lang)
        if len(self._codes) < _MAX_CACHED_CODES:  # any string may come in: stay bounded
            self._codes[lang] = codes
        return codes

    def _languages_for(self, lang: str | None) -> tuple[str, ...]:
        known = self._ruleset.languages
        if lang:
            code = lang.strip().lower().replace("_", "-").split("-")[0]
            if code in known and code != COMMON:
                picked = [code, COMMON, *self._ruleset.fallback]
                return tuple(dict.fromkeys(c for c in picked if c in known))
        return tuple(known)

    def screen(self, text: str, lang: str | None = None, *, learned: bool = True) -> Verdict:
        """Screen one text: the phrase rules, then the constructs and their combinations,
        then (unless ``learned`` is false) the learned layer.

        The construct layer can only raise a verdict, never lower it: its table sees what
        the phrase rules found too (``suicidality>=high``), so a phrase and a construct
        combine ("I want to end it" + "the pills are ready" is a crisis).
        """
        normalised = self._normaliser.normalise(text)
        verdict, found = self._screen_rules_found(normalised, lang)
        if self._readers:
            codes = self._signal_languages(normalised.text, lang)  # once for both readings
            verdict = self._with_constructs(normalised, codes, verdict, found)
            verdict = self._as_support(normalised, lang, codes, verdict)
        if learned and self._learned is not None:
            verdict = self._with_learned(normalised, lang, verdict, self._learned, found)
        return verdict

    def _as_support(
        self,
        normalised: NormalisedText,
        lang: str | None,
        codes: tuple[str, ...],
        verdict: Verdict,
    ) -> Verdict:
        """A text written to help someone else in distress keeps its risk words at low.

        Replies to another person's post ("read your post… you're not alone… if you're
        thinking of ending it, call…") use every risk word there is, about the reader.
        The words stay in the evidence, the tier is held at low (moderate when means at
        hand were named), and the learned layer stays quiet. The hold reaches only the
        parts the support cues govern: what the writer says of themself elsewhere ("this
        is my last post… if anyone reads this, call 988 for yourselves") is screened as
        written, and keeps its tier.
        """
        folded = normalised.text
        for code in codes:
            reader = self._readers[code]
            span = reader.support(folded)
            if span is None:
                continue
            cap = Tier.MODERATE if "means" in verdict.constructs else Tier.LOW
            if verdict.tier <= cap:
                return replace(verdict, discounted=True)
            own = self._outside(normalised, lang, codes, reader.support_parts(folded))
            if own >= verdict.tier:
                return verdict  # the writer's own words carry the tier
            s, e = normalised.span(*span)
            cue = Evidence(f"{code}.context.support", (s, e), normalised.original[s:e])
            evidence = tuple(sorted({*verdict.evidence, cue}, key=lambda ev: (ev.span, ev.rule)))
            tier = max(cap, own)
            return replace(verdict, tier=tier, evidence=evidence, discounted=True)
        return verdict

    def _outside(
        self,
        normalised: NormalisedText,
        lang: str | None,
        codes: tuple[str, ...],
        parts: Sequence[tuple[int, int]],
    ) -> Tier:
        """The tier of the text with ``parts`` set aside (blanked, offsets kept)."""
        if not parts:
            return Tier.NONE
        chars = list(normalised.text)
        for a, b in parts:
            chars[a:b] = " " * (b - a)
        rest = replace(normalised, text="".join(chars))
        verdict, found = self._screen_rules_found(rest, lang)
        return self._with_constructs(rest, codes, verdict, found).tier

    def _has_idiom(
        self, folded: str, lang: str | None, words: frozenset[str] | None = None
    ) -> bool:
        """Whether a figure of speech of the text's language(s) occurs ("killing me").

        ``words``: the literals the gate of ``lang``'s languages found in the text, when
        known: only the idioms one of whose literals occurs are looked for.
        """
        codes = self.languages_for(lang)
        if codes == self.languages_for(None):
            codes = (*self.guess_languages(folded), COMMON)
        for code in codes:
            compiled = self._languages.get(code)
            if compiled is None:
                continue
            idioms = compiled.idioms if words is None else _live_idioms(compiled, words)
            if idioms is not None and idioms.search(folded):
                return True
        return False

    @property
    def learned(self) -> LearnedModel | None:
        """The learned layer, when one was given."""
        return self._learned

    def _with_learned(
        self,
        normalised: NormalisedText,
        lang: str | None,
        verdict: Verdict,
        model: LearnedModel,
        words: frozenset[str] | None = None,
    ) -> Verdict:
        """Raise the verdict to the learned layer's tier when that is higher.

        It stays quiet where the rules already decided high or crisis, where they read a
        risk expression and set it aside for a cue about it (negation, the past, someone
        else, a quote), and where a figure of speech occurs: it cannot read those cues.
        The evidence names the head (``model.high``) on each of the words that pushed it
        up most; the categories stay those the rules and constructs found, or the
        constructs' own when nothing else named one. It leaves texts of fewer than six
        words to the rules. Where the rules and constructs found nothing but perhaps the
        name of a method (:func:`speaks_alone`), the layer speaks alone and is held to its
        stricter threshold.
        """
        if verdict.tier >= Tier.HIGH or verdict.discounted or not long_enough(normalised.text):
            return verdict
        alone = speaks_alone(verdict)
        tier, probability = model.tier(
            normalised.text, above=verdict.tier, alone=alone, reading=reading(verdict)
        )
        if tier <= verdict.tier or self._has_idiom(normalised.text, lang, words):
            return verdict
        evidence = list(verdict.evidence)
        for c in model.explain(normalised.text, tier):
            s, e = normalised.span(c.start, c.end)
            evidence.append(Evidence(f"model.{tier.label}", (s, e), normalised.original[s:e]))
        categories = verdict.categories or construct_categories(verdict.constructs)
        ordered = tuple(sorted(evidence, key=lambda ev: (ev.span, ev.rule)))
        return replace(
            verdict,
            tier=tier,
            categories=categories,
            evidence=ordered,
            learned=round(probability, 3),
        )

    def _signal_languages(self, folded: str, lang: str | None) -> tuple[str, ...]:
        codes = self.languages_for(lang)
        if codes != self.languages_for(None):
            return tuple(c for c in codes[:1] if c in self._readers)
        return tuple(c for c in self.guess_languages(folded) if c in self._readers)

    def normalise(self, text: str) -> NormalisedText:
        """The text as the rules see it, with a map back to the original."""
        return self._normaliser.normalise(text)

    def _in_idiom(
        self, folded: str, code: str, found: Found, words: frozenset[str] | None = None
    ) -> bool:
        """Whether a construct lies inside one of its language's idioms ("dead tired").

        ``words``: the literals the gate found in the text (of a gate covering ``code``),
        when known; a language none of whose idioms' literals occurs has no idiom here.
        """
        for lang_code in (code, COMMON):
            compiled = self._languages.get(lang_code)
            if compiled is None or compiled.idioms is None:
                continue
            needed = compiled.idiom_mark.literals
            if words is not None and needed is not None and needed.isdisjoint(words):
                continue
            idioms = compiled.idioms if words is None else _live_idioms(compiled, words)
            if idioms is None:
                continue
            lo, hi = max(0, found.start - 80), min(len(folded), found.end + 80)
            for m in idioms.finditer(folded, lo, hi):
                if m.start() < found.end and found.start < m.end():
                    return True
        return False

    def read_constructs(self, text: str, lang: str | None = None) -> list[Found]:
        """Every construct found in ``text``, counted or not, for explanations."""
        folded = self._normaliser.normalise(text).text
        return self._read(folded, self._signal_languages(folded, lang))

    def _read(
        self, folded: str, codes: tuple[str, ...], words: frozenset[str] | None = None
    ) -> list[Found]:
        """The constructs of normalised text in ``codes``; idioms block them too.

        ``words``: the literals the gate found in the text, when known (``_in_idiom``).
        """
        found: list[Found] = []
        for code in codes:
            for f in self._readers[code].read(folded):
                if f.blocked_by is None and self._in_idiom(folded, code, f, words):
                    f = replace(f, blocked_by="idiom")
                found.append(f)
        return found

    def _with_constructs(
        self,
        normalised: NormalisedText,
        codes: tuple[str, ...],
        verdict: Verdict,
        words: frozenset[str] | None = None,
    ) -> Verdict:
        folded = normalised.text
        every = self._read(folded, codes, words)
        if not every and not verdict.findings and not self._unconditional:
            return verdict  # nothing for the table: no row can be met
        found = [f for f in every if f.blocked_by is None]
        blocked = [f for f in every if f.blocked_by is not None and not _also_counted(f, found)]
        discounted = verdict.discounted or bool(blocked)
        set_aside = tuple(sorted({f"{f.construct}:{f.blocked_by}" for f in blocked}))
        present = frozenset(f.construct for f in found) | repeated(found)
        row = combine(present | rule_constructs(verdict.findings), self._table)
        constructs = tuple(sorted(present))
        if row is None or row.tier <= verdict.tier:
            if not constructs and not set_aside and discounted == verdict.discounted:
                return verdict
            return replace(
                verdict, constructs=constructs, discounted=discounted, set_aside=set_aside
            )
        used = {name.removesuffix(REPEATED) for group in row.when for name in group}
        evidence = {(e.rule, e.span): e for e in verdict.evidence}
        spans: list[tuple[int, int]] = []
        for f in found:
            if f.construct not in used:
                continue
            s, e = normalised.span(f.start, f.end)
            spans.append((s, e))
            key = (f"{f.language}.construct.{f.construct}", (s, e))
            evidence.setdefault(key, Evidence(key[0], (s, e), normalised.original[s:e]))
        if spans:
            s, e = min(a for a, _ in spans), max(b for _, b in spans)
        else:
            s, e = verdict.evidence[0].span if verdict.evidence else (0, 0)
        key = (f"combine.{row.id}", (s, e))
        evidence[key] = Evidence(key[0], (s, e), normalised.original[s:e])
        categories = tuple(dict.fromkeys((*row.categories, *verdict.categories)))
        ordered = tuple(sorted(evidence.values(), key=lambda ev: (ev.span, ev.rule)))
        return Verdict(
            row.tier,
            categories,
            ordered,
            verdict.findings,
            constructs,
            row.id,
            discounted=discounted,
            set_aside=set_aside,
        )

    def _screen_rules(self, normalised: NormalisedText, lang: str | None) -> Verdict:
        """Screen one text with the phrase rules (see :meth:`_screen_rules_found`)."""
        return self._screen_rules_found(normalised, lang)[0]

    def _screen_rules_found(
        self, normalised: NormalisedText, lang: str | None
    ) -> tuple[Verdict, frozenset[str]]:
        """Screen one text with the phrase rules; ``lang`` is the participant's or ``None``.

        With the language unknown (``None``, or a code no rule file covers), the text's
        language is guessed from its function words and the text screened as if that
        language had been given. A verdict below crisis is then checked against every
        language, and a high or crisis found that way counts: a crisis written in any
        language is never lost, while lower-tier noise from other languages stays out.

        Also gives the literals the gate found in the text (its gate covers the
        languages the constructs are read in).
        """
        codes = self.languages_for(lang)
        if codes != self.languages_for(None):
            gate = self._gates.get(codes) or self._gate(codes)
            own = gate.gate.scan(normalised.text)
            return self._screen(normalised, codes, codes[0], own), frozenset(own[2])
        folded = normalised.text
        everywhere = self._gates.get(codes) or self._gate(codes)
        scan = everywhere.gate.scan(folded)
        words = frozenset(scan[2])
        dropped = any(variant in folded for variant in everywhere.dropped_typos)
        if not scan[0] and not scan[1] and not everywhere.always and not dropped:
            return _NOTHING, words  # the fast path: no rule of any language can match
        guessed = self.guess_languages(folded)
        if len(guessed) == 1:
            picked, primary = self.languages_for(guessed[0]), guessed[0]
        else:
            picked, primary = self._with_fallback(guessed), None
        spans: _Spans = {}  # each rule's matches, found once for the screenings below
        verdict = self._screen(
            normalised, picked, primary, self._narrowed(scan, picked, folded, dropped), spans=spans
        )
        floor = Tier(max(Tier.HIGH, verdict.tier + 1)) if verdict.tier < Tier.CRISIS else None
        # Only the rules that can reach the floor decide whether it is reached (each match
        # is weighed on its own); the full verdict is built only when it is.
        if (
            floor is not None
            and self._may_reach(everywhere, scan, floor)
            and self._screen(normalised, codes, None, scan, floor, spans).tier >= floor
        ):
            verdict = self._screen(normalised, codes, None, scan, spans=spans)
        return verdict, words

    def _narrowed(self, scan: _Scan, codes: tuple[str, ...], folded: str, dropped: bool) -> _Scan:
        """The scan of ``codes``' gate, from the scan of every language's gate.

        Every literal of the narrower gate is one of the wider gate's, so its anchors and
        marks are among the words found. Its misspellings may not be (one that is a
        misspelling of two words in all languages is left out there, not here): when one
        may occur, or one of the wider gate's does, the text is scanned again.
        """
        gate = self._gates.get(codes) or self._gate(codes)
        hits, _typos, found = scan
        if dropped or not gate.gate.typo_words.isdisjoint(found):
            return gate.gate.scan(folded)
        rules = self._rules
        return {i for i in hits if rules[i].rule.language in codes}, [], found

    def _may_reach(self, gate: _GateFor, scan: _Scan, tier: int) -> bool:
        """Whether screening with ``gate`` could give ``tier`` or above, from its scan.

        A match's tier only moves from its rule's tier down (a capping frame) or up to
        one of the rule's escalations, so rules that reach lower cannot give it.
        """
        hits, typos, _ = scan
        if typos:
            return True  # the corrected text has candidates of its own
        ceilings = self._ceilings
        return any(ceilings[i] >= tier for i in hits) or any(
            ceilings[c.index] >= tier for c in gate.always
        )

    def guess_languages(self, text: str) -> tuple[str, ...]:
        """The language(s) a normalised text is most likely written in, by function words.

        English wins a tie only when its evidence is at least as strong as any other
        language's (so also when there is none); a tie between other languages gives
        all of them.
        """
        last_text, last_guess = self._last_guess
        if last_text is text:
            return last_guess  # the text just screened: it is guessed once, read thrice
        counts = function_word_counts(text)
        for code in self._guessable:
            if code not in KNOWN:
                words = self._languages[code].function_words
                counts[code] = len(words.findall(text)) if words is not None else 0
        guess = best_languages(counts, self._guessable)
        self._last_guess = (text, guess)
        return guess

    def _with_fallback(self, codes: tuple[str, ...]) -> tuple[str, ...]:
        known = self._ruleset.languages
        picked = [*codes, COMMON, *self._ruleset.fallback]
        return tuple(dict.fromkeys(c for c in picked if c in known))

    def _screen(
        self,
        normalised: NormalisedText,
        codes: tuple[str, ...],
        primary: str | None,
        scan: _Scan | None = None,
        floor: Tier = Tier.NONE,
        spans: _Spans | None = None,
    ) -> Verdict:
        """Screen normalised text in ``codes``; ``primary``'s opinion outranks a fallback's.

        ``scan`` is the gate's scan of the text for ``codes``, when already done. Only
        rules that can reach ``floor`` are run. ``spans`` remembers each rule's matches
        in a text, for a text screened more than once.
        """
        gate = self._gates.get(codes) or self._gate(codes)
        hits, typos, words = scan or gate.gate.scan(normalised.text)
        verdict = self._verdict(normalised, codes, primary, hits, words, gate, floor, spans)
        if typos:
            # A misspelling fix can also turn a word of another language into a risk
            # word; screening both spellings and keeping the graver verdict is safe.
            corrected = normalised.rewrite(typos)
            fixed_hits, _, fixed_words = gate.gate.scan(corrected.text)
            alternative = self._verdict(
                corrected, codes, primary, fixed_hits, fixed_words, gate, floor, spans
            )
            if alternative.tier > verdict.tier:
                verdict = alternative
        return verdict

    def _verdict(
        self,
        normalised: NormalisedText,
        codes: tuple[str, ...],
        primary: str | None,
        hits: set[int],
        words: list[str],
        gate: _GateFor,
        floor: Tier = Tier.NONE,
        spans: _Spans | None = None,
    ) -> Verdict:
        if not hits and not gate.always:
            return _NOTHING  # the fast path: no rule can match
        candidates = [self._rules[i] for i in sorted(hits)]
        candidates.extend(gate.always)
        if floor > Tier.NONE:
            ceilings = self._ceilings
            candidates = [c for c in candidates if ceilings[c.index] >= floor]
            if not candidates:
                return _NOTHING
        marks = gate.gate.marks(words)
        if gate.always_marks:
            marks |= gate.always_marks
        context = _Context(normalised, codes, primary, self._languages, marks, spans)
        matches: list[_Match] = []
        for compiled in candidates:
            matches.extend(context.matches(compiled))
        if not matches:
            return _DISCOUNTED if context.discounted else _NOTHING
        return context.verdict(matches)

    def screen_many(self, texts: Sequence[str], lang: str | None = None) -> list[Verdict]:
        return [self.screen(t, lang) for t in texts]


_NOTHING = Verdict(Tier.NONE, (), ())
_DISCOUNTED = Verdict(Tier.NONE, (), (), discounted=True)


def _also_counted(blocked: Found, counted: Sequence[Found]) -> bool:
    """Whether the same construct counts on overlapping words, read by another term.

    "je ne serai plus là" is read both by a term that includes its negator and by a
    shorter one that the negator blocks; only the first speaks for the writer, and the
    second is not a risk word set aside.
    """
    return any(
        c.construct == blocked.construct and c.start < blocked.end and blocked.start < c.end
        for c in counted
    )


_Scan = tuple[set[int], list[tuple[int, int, str]], list[str]]
_Spans = dict[tuple[str, int], list[tuple[int, int]]]  # (text, rule index) -> its matches
_MAX_CACHED_CODES = 256
_NO_SPANS: list[tuple[int, int]] = []  # shared, never modified


@dataclass(frozen=True)
class _GateFor:
    """The gate of one combination of languages, and what it cannot rule out."""

    gate: Gate
    always: tuple[_CompiledRule, ...]  # rules without an anchor: run on every text
    always_marks: frozenset[int]  # marks without a literal: always looked for
    dropped_typos: frozenset[str]  # misspellings of two words: not corrected here


def _scope(rule: Rule, lang: _CompiledLanguage) -> _Scope:
    """Resolve, once, which of a language's frames can bend a rule, and how."""
    caps: list[tuple[_CompiledFrame, Tier]] = []
    for name, compiled in lang.frames.items():
        frame = compiled.frame
        if frame.cap is None or name in rule.ignore_frames:
            continue
        if frame.opt_in and name not in rule.frames:
            continue
        if frame.categories and not set(frame.categories) & set(rule.categories):
            continue
        cap = rule.caps.get(name, frame.cap)
        # A match's tier only ever goes down from the rule's while caps are weighed, so a
        # cap at or above the rule's tier can change nothing, unless the rule escalates:
        # then any capping cue matters, because it blocks the escalation.
        if cap >= rule.tier and not rule.escalate:
            continue
        caps.append((compiled, cap))
    escalate = {name: lang.frames[name] for name in rule.escalate if name in lang.frames}
    return _Scope(lang, tuple(caps), escalate)


def _overlaps(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    """Whether ``span`` shares a character with one of ``spans``."""
    start, end = span
    return any(a < end and start < b for a, b in spans)


class _Context:
    """Per-text working state: regions and idiom spans, computed only when needed."""

    def __init__(
        self,
        normalised: NormalisedText,
        codes: tuple[str, ...],
        primary: str | None,
        languages: dict[str, _CompiledLanguage],
        marks: set[int],
        spans: _Spans | None = None,
    ) -> None:
        self.nt = normalised
        self.spans = spans  # each rule's matches in texts already screened, when remembered
        self.text = normalised.text
        self.codes = codes
        self.primary = primary  # whose opinion outranks the others' (None: all stand)
        self.languages = languages
        self.marks = marks  # the marks whose literals occur: the others cannot match
        self._regions: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
        self._idioms: dict[str, list[tuple[int, int]]] = {}
        self._cues: dict[int, list[tuple[int, int]]] = {}
        self.discounted = False  # a match was removed by an idiom or lowered by a frame

    def _scopes(self, compiled: _CompiledRule) -> list[_Scope]:
        """The languages a rule's match is weighed in: its own, or every one screened."""
        scopes = compiled.scopes
        if compiled.rule.language != COMMON:
            return list(scopes.values())
        return [scopes[c] for c in self.codes if c != COMMON]

    # regions ------------------------------------------------------------------------

    def region(self, lang: _CompiledLanguage, scope: str, start: int, end: int) -> tuple[int, int]:
        if scope == "text":
            return 0, len(self.text)
        key = (lang.language.code, scope)
        seps = self._regions.get(key)
        if seps is None:
            regex = {"clause": lang.clause, "segment": lang.segment}.get(scope, _SENTENCE_SEP)
            found = [(m.start(), m.end()) for m in regex.finditer(self.text)]
            seps = ([a for a, _ in found], [b for _, b in found])
            self._regions[key] = seps
        starts, ends = seps
        i = bisect.bisect_right(starts, start) - 1
        while i >= 0 and ends[i] > start:
            i -= 1  # a separator inside the match itself does not bound it
        left = ends[i] if i >= 0 else 0
        j = bisect.bisect_left(starts, end)
        right = starts[j] if j < len(starts) else len(self.text)
        return left, right

    def idiom_spans(self, lang: _CompiledLanguage) -> list[tuple[int, int]]:
        if lang.idiom_mark.index not in self.marks:
            return _NO_SPANS
        code = lang.language.code
        spans = self._idioms.get(code)
        if spans is None:
            marks = self.marks
            live = [a for a in lang.idiom_parts if a.mark.index in marks]
            idioms = _narrowest(lang.idioms, live) if lang.idioms else None
            spans = [m.span() for m in idioms.finditer(self.text)] if idioms else []
            self._idioms[code] = spans
        return spans

    # matching -----------------------------------------------------------------------

    def matches(self, compiled: _CompiledRule) -> list[_Match]:
        memo = self.spans
        if memo is None:
            return self._matches(compiled)
        key = (self.text, compiled.index)
        spans = memo.get(key)
        if spans is None:
            spans = memo[key] = _rule_spans(compiled, self.text, self.marks)
        found: list[_Match] = []
        for start, end in spans:
            match = self._weigh(compiled, start, end)
            if match is not None:
                found.append(match)
        return found

    def _matches(self, compiled: _CompiledRule) -> list[_Match]:
        found: list[_Match] = []
        seen: set[tuple[int, int]] = set()
        for regex in compiled.runnable(self.marks):
            for m in regex.finditer(self.text):
                span = m.span()
                if span in seen or span[0] == span[1]:
                    continue
                seen.add(span)
                match = self._weigh(compiled, span[0], span[1])
                if match is not None:
                    found.append(match)
                if len(seen) >= _MAX_MATCHES_PER_RULE:
                    return found
        return found

    def _weigh(self, compiled_rule: _CompiledRule, start: int, end: int) -> _Match | None:
        rule = compiled_rule.rule
        scopes = self._scopes(compiled_rule)
        for scope in scopes:
            if _overlaps((start, end), self.idiom_spans(scope.lang)):
                self.discounted = True
                return None
        if self._in_primary_idiom(rule, start, end):
            self.discounted = True
            return None
        if rule.self_reference and not any(
            self._self_nearby(scope.lang, rule, start, end) for scope in scopes
        ):
            return None
        match = _Match(rule, start, end, rule.tier)
        capped = False
        marks = self.marks
        for scope in scopes:
            for compiled, cap in scope.caps:
                if compiled.mark.index not in marks:
                    continue  # none of the frame's cues occurs in the text
                if cap >= match.tier and not rule.escalate:
                    continue  # could change nothing
                cue = self._frame_cue(scope.lang, compiled, start, end)
                if cue is None:
                    continue
                if cap < match.tier:
                    match.tier = cap
                    self.discounted = True
                match.modifiers.append((compiled.label, *cue))
                capped = True
        if not capped:
            for name, tier in rule.escalate.items():
                if tier <= match.tier:
                    continue
                for scope in scopes:
                    compiled_frame = scope.escalate.get(name)
                    if compiled_frame is None or compiled_frame.mark.index not in marks:
                        continue
                    cue = self._frame_cue(scope.lang, compiled_frame, start, end)
                    if cue is not None:
                        match.tier = tier
                        match.modifiers.append((compiled_frame.label, *cue))
                        break
        return match

    def _in_primary_idiom(self, rule: Rule, start: int, end: int) -> bool:
        """Whether a fallback language's match lies in an idiom of the participant's own
        language ("suicidio financiero" is not the English "suicide")."""
        primary = self.primary
        if primary is None or rule.language in (primary, COMMON):
            return False
        own = self.languages.get(primary)
        if own is None:
            return False
        return _overlaps((start, end), self.idiom_spans(own))

    def _self_nearby(self, lang: _CompiledLanguage, rule: Rule, start: int, end: int) -> bool:
        if lang.self_words is None:
            return False
        a, b = self.region(lang, "clause", start, end)
        reach = rule.self_window * _CHARS_PER_WORD
        lo, hi = max(a, start - reach), min(b, end + reach)
        for m in lang.self_words.finditer(self.text, lo, hi):
            if m.end() <= start:
                gap = self._words(m.end(), start)
            elif m.start() >= end:
                gap = self._words(end, m.start())
            else:
                return True
            if gap <= rule.self_window:
                return True
        return False

    def _words(self, a: int, b: int) -> int:
        return len(_WORD.findall(self.text, a, b)) if b > a else 0

    def _cue_spans(self, compiled: _CompiledFrame) -> list[tuple[int, int]]:
        if compiled.mark.index not in self.marks:
            return _NO_SPANS
        key = id(compiled)  # not the mark: frames with the same literals may share one
        spans = self._cues.get(key)
        if spans is None:
            cues = self._live_cues(compiled)
            spans = [m.span() for m in cues.finditer(self.text)] if cues else []
            self._cues[key] = spans
        return spans

    def _live_cues(self, compiled: _CompiledFrame) -> LazyPattern | None:
        """What to run of a frame's cues here: only the cue patterns whose own anchors
        occur can match (see :meth:`_CompiledRule.runnable`)."""
        if not compiled.parts:
            return compiled.cues
        marks = self.marks
        return _narrowest(compiled.cues, [a for a in compiled.parts if a.mark.index in marks])

    def _ignored(self, compiled: _CompiledFrame, lo: int, hi: int) -> list[tuple[int, int]]:
        if compiled.ignore is None:
            return []
        return [m.span() for m in compiled.ignore.finditer(self.text, lo, hi)]

    def _frame_cue(
        self, lang: _CompiledLanguage, compiled: _CompiledFrame, start: int, end: int
    ) -> tuple[int, int] | None:
        """The cue that puts the match ``[start, end)`` in this frame, if there is one."""
        frame = compiled.frame
        every = self._cue_spans(compiled)
        if not every:
            return None
        a, b = self.region(lang, frame.scope, start, end)
        window = frame.window
        if frame.position == "before":
            lo = a if window is None else max(a, start - (window + 1) * _CHARS_PER_WORD)
            lo, hi = lo, start
        elif frame.position == "after":
            hi = b if window is None else min(b, end + (window + 1) * _CHARS_PER_WORD)
            lo = end
        else:
            lo, hi = max(a, start - _ANY_REACH), min(b, end + _ANY_REACH)
        if hi <= lo:
            return None
        cues = [(cs, ce) for cs, ce in every if lo <= cs and ce <= hi]
        if frame.within:
            cues = [(cs, ce) for cs, ce in cues if cs <= start and end <= ce]
        if not cues:
            return None
        ignored = self._ignored(compiled, max(a, lo - 40), min(b, hi + 40))
        if frame.position == "before":
            cues.reverse()  # nearest first
        for cs, ce in cues:
            if _overlaps((cs, ce), ignored):
                continue
            if window is not None:
                gap = self._words(ce, start) if ce <= start else self._words(end, cs)
                if gap > window:
                    if frame.position in ("before", "after"):
                        break
                    continue
            if frame.unless and self._cancelled(lang, frame, a, b, (cs, ce), start, end):
                continue
            return cs, ce
        return None

    def _cancelled(
        self,
        lang: _CompiledLanguage,
        frame: Frame,
        a: int,
        b: int,
        cue: tuple[int, int],
        start: int,
        end: int,
    ) -> bool:
        if frame.position == "before":
            between = (cue[1], end if frame.unless_through else start)
        elif frame.position == "after":
            between = (end, cue[0])
        else:
            between = (a, b)
        for name in frame.unless:
            other = lang.frames.get(name)
            if other is None:
                continue
            if frame.unless_between:
                lo, hi = between
            else:
                lo, hi = self.region(lang, other.frame.scope, start, end)
            if other.mark.index not in self.marks:
                continue
            cues = self._live_cues(other)
            if cues is None:
                continue
            # a cancelling cue inside one of its frame's ``ignore`` phrases does not count
            # ("used to want to die every day": the habit's "every day" is not recent)
            ignored = self._ignored(other, max(0, lo - _ANY_REACH), hi + _ANY_REACH)
            if any(not _overlaps(m.span(), ignored) for m in cues.finditer(self.text, lo, hi)):
                return True
        return False

    # verdict ------------------------------------------------------------------------

    def verdict(self, matches: list[_Match]) -> Verdict:
        # The fallback filter below only drops a match that overlaps one of another
        # language; without such a pair it keeps everything, so it is skipped.
        primary = self.primary if _languages_overlap(matches) else None
        if primary is not None:
            # A fallback language's rule only speaks where the participant's own
            # language had nothing to say about those words.
            own = [m for m in matches if m.rule.language == primary]
            matches = [
                m
                for m in matches
                if m.rule.language in (primary, COMMON)
                or not any(o.start < m.end and m.start < o.end for o in own)
            ]
        live = [m for m in matches if m.tier > Tier.NONE]
        if not live:
            return _DISCOUNTED if self.discounted else _NOTHING
        tier = max(m.tier for m in live)
        categories: list[str] = []
        for m in sorted(live, key=lambda m: (-m.tier, m.start)):
            for cat in m.rule.categories:
                if cat not in categories:
                    categories.append(cat)
        kept: list[_Match] = []
        for m in live:
            covered = any(
                o is not m
                and o.tier >= m.tier
                and o.start <= m.start
                and m.end <= o.end
                and ((o.start, o.end) != (m.start, m.end) or live.index(o) < live.index(m))
                for o in live
            )
            if not covered:
                kept.append(m)
        evidence: dict[tuple[str, int, int], Evidence] = {}
        for m in kept:
            self._add(evidence, m.rule.id, m.start, m.end)
            for rule_id, cs, ce in m.modifiers:
                self._add(evidence, rule_id, cs, ce)
        ordered = sorted(evidence.values(), key=lambda e: (e.span, e.rule))
        findings = tuple(dict.fromkeys((c, m.tier) for m in live for c in m.rule.categories))
        return Verdict(
            tier, tuple(categories), tuple(ordered), findings, discounted=self.discounted
        )

    def _add(
        self, evidence: dict[tuple[str, int, int], Evidence], rule: str, a: int, b: int
    ) -> None:
        s, e = self.nt.span(a, b)
        key = (rule, s, e)
        if key not in evidence:
            evidence[key] = Evidence(rule, (s, e), self.nt.original[s:e])


def _rule_spans(compiled: _CompiledRule, text: str, marks: set[int]) -> list[tuple[int, int]]:
    """A rule's matches in a text, as :meth:`_Context._matches` meets them: distinct,
    not empty, the first ``_MAX_MATCHES_PER_RULE``."""
    spans: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for regex in compiled.runnable(marks):
        for m in regex.finditer(text):
            span = m.span()
            if span in seen or span[0] == span[1]:
                continue
            seen.add(span)
            spans.append(span)
            if len(seen) >= _MAX_MATCHES_PER_RULE:
                return spans
    return spans


def _languages_overlap(matches: list[_Match]) -> bool:
    """Whether two matches of different (not common) languages overlap."""
    for i, m in enumerate(matches):
        language = m.rule.language
        if language == COMMON:
            continue
        for o in matches[i + 1 :]:
            if o.rule.language not in (COMMON, language) and o.start < m.end and m.start < o.end:
                return True
    return False
