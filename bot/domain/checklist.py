"""The pre-session safety check: a checklist and how an answer is weighed against it.

Pure: no I/O. The checklist itself — its questions per language and what counts as a
contraindication (medicines by brand and generic name, health changes, substance use) —
is data in ``prompts/checklists/*.yaml``, read by ``prompts/checklist_loader.py``
(``docs/checklists.md``). An answer naming a contraindication is not a verdict: it goes
to the therapist, who goes over it with the participant before the session.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "NEGATION_REACH",
    "Checklist",
    "ChecklistItem",
    "Contraindication",
    "Finding",
    "evaluate",
    "normalise",
]

#: How many words before a term a negation cue ("no", "kein", "ningún", "pas de") reaches.
NEGATION_REACH = 4
_CLAUSE_END = re.compile(r"[.;!?\n]|,\s|\bbut\b|\baber\b|\bpero\b|\bmais\b")


def normalise(text: str) -> str:
    """Lower case and accents removed, so terms and answers compare; each character stays
    where it was (a precomposed letter loses its accent, nothing else), so a span found in
    the normalised answer points at the same words in the original."""
    out = []
    for char in text.lower():
        base = unicodedata.normalize("NFD", char)
        plain = "".join(c for c in base if not unicodedata.combining(c))
        out.append(plain if len(plain) == 1 else char)
    return "".join(out).replace("’", "'")


def _localised(texts: Mapping[str, str], language: str) -> str:
    for lang in (language, language.split("-")[0], "en"):
        if lang in texts:
            return texts[lang]
    return next(iter(texts.values()), "")


@dataclass(frozen=True)
class ChecklistItem:
    """One question of the checklist, in each language."""

    id: str
    question: Mapping[str, str] = field(hash=False)

    def question_for(self, language: str) -> str:
        return _localised(self.question, language)


@dataclass(frozen=True)
class Contraindication:
    """What an answer must not name without the therapist seeing it first.

    ``terms`` are written as people write them (any language; accents and case do not
    matter); a term ending in ``*`` matches any ending. A ``negatable`` contraindication
    does not count when a negation cue stands just before it in the same clause ("no
    alcohol"); a named medicine is never negatable, since one stopped recently matters too.
    """

    id: str
    category: str  # medication, health, substances
    reason: str  # for the therapist: what was named, in plain words
    terms: tuple[str, ...]
    negatable: bool = False

    def pattern(self) -> re.Pattern[str]:
        parts = []
        for term in self.terms:
            word = normalise(term)
            stem = word.endswith("*")
            body = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+")
            parts.append(body + (r"\w*" if stem else r"\b"))
        return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")")


@dataclass(frozen=True)
class Finding:
    """One contraindication found in an answer: which, the words, and where."""

    contraindication: str
    category: str
    reason: str
    span: tuple[int, int]
    text: str


@dataclass(frozen=True)
class Checklist:
    """A pre-session safety check: questions per language and contraindications."""

    id: str
    name: str
    languages: tuple[str, ...]
    intro: Mapping[str, str] = field(hash=False)
    reply_hint: Mapping[str, str] = field(hash=False)
    items: tuple[ChecklistItem, ...]
    contraindications: tuple[Contraindication, ...]
    negations: tuple[str, ...] = ()  # cues from every language, normalised

    def questions_for(self, language: str) -> str:
        """The intro, the numbered questions and how to answer, in ``language``."""
        lines = [_localised(self.intro, language), ""]
        lines += [f"{n}. {item.question_for(language)}" for n, item in enumerate(self.items, 1)]
        lines += ["", _localised(self.reply_hint, language)]
        return "\n".join(lines)


def _negated(normalised: str, start: int, cues: tuple[str, ...]) -> bool:
    before = normalised[:start]
    clause = _CLAUSE_END.split(before)[-1]
    words = re.findall(r"[\w']+", clause)[-NEGATION_REACH:]
    window = " ".join(words)
    return any(re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", window) for cue in cues)


def evaluate(checklist: Checklist, answer: str) -> tuple[Finding, ...]:
    """Every contraindication ``answer`` names (each once, first mention), in order."""
    text = normalise(answer)
    found: list[Finding] = []
    for rule in checklist.contraindications:
        for match in rule.pattern().finditer(text):
            if rule.negatable and _negated(text, match.start(), checklist.negations):
                continue
            found.append(Finding(rule.id, rule.category, rule.reason, match.span(), match.group(0)))
            break
    return tuple(sorted(found, key=lambda f: f.span))
