"""The screener's vocabulary: tiers, categories, verdicts and the rule set it runs.

Plain frozen dataclasses only; the matching machinery lives in ``screener.py`` and the
YAML reading in ``prompts/screening_loader.py``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.errors import ContentFileError, EmberError, Problem

CATEGORIES: frozenset[str] = frozenset(
    {
        "suicidality",
        "self_harm",
        "harm_to_others",
        "psychosis_mania",
        "substance",
        "medical",
        "abuse_safety",
        "distress",
        "dissociation",
    }
)

COMMON = "common"
"""The pseudo-language of rules that hold in every language (emoji, obfuscation)."""


_WHERE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): (?P<reason>.*)$")


class ScreeningRuleError(ContentFileError):
    """A rule set is malformed: raised at load time, never while screening.

    Every problem found is listed, each as ``file:line: reason`` where the file is known;
    the loaders collect them all before raising, so a reviewer fixes a file in one pass.
    """

    def __init__(self, problems: str | Sequence[Problem]) -> None:
        if not isinstance(problems, str):
            super().__init__(problems)
            return
        parsed = []
        for line in problems.splitlines() or [problems]:
            m = _WHERE.match(line)
            if m:
                parsed.append(Problem(m["file"], int(m["line"]), m["reason"]))
            else:
                parsed.append(Problem("screening rules", None, line))
        EmberError.__init__(self, problems)  # the message exactly as written
        self.problems = parsed


class Tier(enum.IntEnum):
    """How urgently a reply needs a clinician. Ordered: max() is the worst."""

    NONE = 0  # nothing to act on
    LOW = 1  # ordinary hard feelings: digest only
    MODERATE = 2  # passive ideation, heavy distress, relapse, dissociation
    HIGH = 3  # active ideation, recent self-harm, psychosis, dangerous symptoms, abuse
    CRISIS = 4  # intent, plan, means or timeframe; an emergency now

    @property
    def label(self) -> str:
        """The lower-case name used in JSON and rule files."""
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Tier:
        """Parse ``"none"`` … ``"crisis"``; raise ``ValueError`` for anything else."""
        try:
            return cls[label.strip().upper()]
        except KeyError:
            names = ", ".join(t.label for t in cls)
            raise ValueError(f"unknown tier {label!r} (expected one of: {names})") from None


@dataclass(frozen=True)
class Evidence:
    """One reason for a verdict: the rule that fired and where, in the original text."""

    rule: str
    span: tuple[int, int]
    text: str


@dataclass(frozen=True)
class Verdict:
    """The screener's answer for one text."""

    tier: Tier
    categories: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    findings: tuple[tuple[str, Tier], ...] = field(default=(), compare=False)
    """Each phrase-rule match that counted, as (category, tier): input to the table."""
    constructs: tuple[str, ...] = field(default=(), compare=False)
    """The clinical constructs found for the writer now (``ideation``, ``means``…)."""
    combination: str | None = field(default=None, compare=False)
    """The row of the combination table that set the tier, when one did."""
    learned: float | None = field(default=None, compare=False)
    """When the learned layer raised the tier: its head's probability (``learned.py``)."""
    discounted: bool = field(default=False, compare=False)
    """Whether a risk expression was found and set aside by a cue about it (negation, the
    past, someone else, a quote, an idiom): the rules understood the words, so the
    learned layer, which cannot read such cues, does not overrule them."""
    set_aside: tuple[str, ...] = field(default=(), compare=False)
    """The constructs found and not counted, as ``construct:context`` (``ideation:past``),
    sorted: part of what the learned layer reads (:func:`learned.reading`)."""

    def as_json(self, id: str | None = None) -> dict[str, object]:
        """The verdict as the JSON object ``ember screen`` prints (docs/screening.md)."""
        return {
            "id": id,
            "tier": self.tier.label,
            "categories": list(self.categories),
            "evidence": [
                {"rule": e.rule, "span": [e.span[0], e.span[1]], "text": e.text}
                for e in self.evidence
            ],
        }


Position = Literal["before", "after", "any"]
Scope = Literal["clause", "segment", "sentence", "text"]


@dataclass(frozen=True)
class Frame:
    """A context that changes what a match means: negation, past, a reported question...

    ``cues`` are regular expressions over normalised text. A frame applies to a match
    when a cue (not covered by an ``ignore`` pattern) lies in the same ``scope`` at the
    given ``position``, within ``window`` words, and no cue of a frame named in
    ``unless`` lies in that scope. A frame with a ``cap`` lowers a match to at most that
    tier; a frame without one is a marker that rules use to ``escalate`` or that other
    frames name in ``unless``. ``opt_in`` frames apply only to rules that list them.
    With ``unless_between`` the cancelling cue must lie between the cue and the match
    ("my friend says *I'm* suicidal"); with ``unless_through`` too, it may also lie in the
    match's own words ("if you read this, *I* want to die" is the writer's). A frame with
    ``categories`` bends only the rules of those categories (advice to a reader about
    suicide is not a report of an emergency).
    """

    name: str
    cues: tuple[str, ...]
    position: Position = "any"
    scope: Scope = "clause"
    window: int | None = None
    cap: Tier | None = None
    unless: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    opt_in: bool = False
    unless_between: bool = False  # look for ``unless`` cues only between cue and match
    unless_through: bool = False  # with ``unless_between``: up to the match's end
    categories: tuple[str, ...] = ()  # when given: the only rule categories it bends
    within: bool = False  # the cue must contain the match (a quoted line holds the words)


@dataclass(frozen=True)
class Rule:
    """One clinical pattern: what it means (tier, categories) and how context bends it.

    ``patterns`` are regular expressions over normalised text (lower case, accents
    removed), already expanded from the file's macros. ``caps`` overrides the frames'
    default caps for this rule; ``ignore_frames`` switches frames off; ``frames`` opts
    into opt-in frames; ``escalate`` raises the tier when a marker frame is present
    (e.g. ``{"timeframe": CRISIS}``). ``self_reference`` requires a first-person word
    within ``self_window`` words in the same clause.
    """

    id: str
    language: str
    tier: Tier
    categories: tuple[str, ...]
    patterns: tuple[str, ...]
    caps: Mapping[str, Tier] = field(default_factory=dict)
    ignore_frames: frozenset[str] = frozenset()
    frames: frozenset[str] = frozenset()
    escalate: Mapping[str, Tier] = field(default_factory=dict)
    self_reference: bool = False
    self_window: int = 6
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Idiom:
    """A figure of speech whose words must not count as risk ("dead tired")."""

    id: str
    language: str
    patterns: tuple[str, ...]
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Language:
    """Everything the screener knows about one language (or ``common``)."""

    code: str
    rules: tuple[Rule, ...] = ()
    frames: tuple[Frame, ...] = ()
    idioms: tuple[Idiom, ...] = ()
    clause_breaks: tuple[str, ...] = ()  # words that end a clause ("and", "because")
    segment_breaks: tuple[str, ...] = ()  # contrast words that end a sentence part ("but")
    self_words: tuple[str, ...] = ()  # first-person words, regex alternatives
    vocabulary: tuple[str, ...] = ()  # words obfuscated spellings are restored to
    typo_targets: tuple[str, ...] = ()  # words whose one-edit misspellings are corrected
    typo_exclude: tuple[str, ...] = ()  # real words that look like such misspellings
    homoglyphs: Mapping[str, str] = field(default_factory=dict)  # look-alike -> letter


@dataclass(frozen=True)
class RuleSet:
    """All languages' rules. ``fallback`` languages are screened alongside a given one."""

    languages: Mapping[str, Language]
    fallback: tuple[str, ...] = ("en",)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for lang in self.languages.values() for r in lang.rules)
