"""Reads the construct lexicons (``prompts/screening/signals/*.yaml``) and the
combination table (``prompts/screening/combinations.yaml``).

Every problem in a file is reported at once, one ``file:line: reason`` per line, so a
clinician editing a lexicon sees all of them in one go.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.domain.screening import CATEGORIES, ScreeningRuleError, Tier
from bot.domain.screening.signals import (
    CONTEXTS,
    REGISTERS,
    REPEATED,
    Combination,
    Lexicon,
    Term,
    parse_term,
    stemmer,
)
from prompts.screening_loader import YAML_LOADER
from prompts.yaml_reader import YamlReader

SCREENING_DIR = Path(__file__).resolve().parent / "screening"
SIGNALS_DIR = SCREENING_DIR / "signals"
COMBINATIONS = SCREENING_DIR / "combinations.yaml"

_LEXICON_KEYS = {
    "language",
    "stemmer",
    "self_words",
    "reader_words",
    "told_words",
    "now_words",
    "clause_breaks",
    "contexts",
    "exempt",
    "constructs",
}
_ROW_KEYS = {"id", "when", "tier", "categories", "note"}
_RULE_GROUP_SEP = ">="


class _Problems:
    def __init__(self, path: Path) -> None:
        try:
            self.name = str(path.resolve().relative_to(Path.cwd()))
        except ValueError:
            self.name = str(path)
        self.lines: list[str] = []

    def add(self, node: yaml.Node | None, reason: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.lines.append(f"{self.name}:{line}: {reason}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise ScreeningRuleError("\n".join(self.lines))


def _compose(path: Path, problems: _Problems) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(None, f"cannot read the file ({exc})")
        return None
    composer = YamlReader(problems.name, loader=YAML_LOADER)
    composer.empty_line = 1
    root = composer.compose(text)
    problems.lines.extend(str(p) for p in composer.sorted_problems())
    if root is None:
        return None
    if not isinstance(root, yaml.MappingNode):
        problems.add(root, "the file must be a mapping")
        return None
    return root


def _pairs(node: yaml.Node, problems: _Problems, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, f"{what} must be a mapping")
        return []
    return list(node.value)


def _texts(node: yaml.Node, problems: _Problems, what: str) -> list[tuple[yaml.Node, str]]:
    if isinstance(node, yaml.ScalarNode):
        return [(node, str(node.value))]
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, f"{what} must be a list of text values")
        return []
    out: list[tuple[yaml.Node, str]] = []
    for item in node.value:
        if isinstance(item, yaml.ScalarNode):
            out.append((item, str(item.value)))
        else:
            problems.add(item, f"{what} must be text; quote it if it contains ': '")
    return out


def load_lexicon(path: Path) -> Lexicon:
    """Read one language's lexicon; raises :class:`ScreeningRuleError` listing every problem."""
    problems = _Problems(path)
    root = _compose(path, problems)
    if root is None:
        problems.raise_if_any()
        raise AssertionError("unreachable")
    top: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in _pairs(root, problems, "the file"):
        name = str(key.value)
        if name not in _LEXICON_KEYS:
            problems.add(key, f"unknown key {name!r} (expected one of: {sorted(_LEXICON_KEYS)})")
        top[name] = (key, value)
    missing = [k for k in ("language", "stemmer", "constructs") if k not in top]
    for required in missing:
        problems.add(root, f"missing key {required!r}")
    if missing:
        problems.raise_if_any()
    language = str(top["language"][1].value)
    algorithm_node = top["stemmer"][1]
    try:
        stem = stemmer(str(algorithm_node.value))
    except KeyError:
        problems.add(algorithm_node, f"unknown stemmer {algorithm_node.value!r}")
        problems.raise_if_any()
        problems.raise_if_any()
        raise AssertionError("unreachable") from None

    def terms(node: yaml.Node, construct: str, what: str) -> list[Term]:
        out: list[Term] = []
        for item, source in _texts(node, problems, what):
            try:
                out.append(parse_term(construct, source, language, stem))
            except ValueError as exc:
                problems.add(item, str(exc))
        return out

    all_terms: list[Term] = []
    for key, value in _pairs(top["constructs"][1], problems, "constructs"):
        all_terms += terms(value, str(key.value), f"construct {key.value!r}")
    cues: dict[str, tuple[Term, ...]] = {}
    if "contexts" in top:
        for key, value in _pairs(top["contexts"][1], problems, "contexts"):
            name = str(key.value)
            if name not in CONTEXTS + REGISTERS:
                known = CONTEXTS + REGISTERS
                problems.add(key, f"unknown context {name!r} (expected one of: {known})")
                continue
            cues[name] = tuple(terms(value, name, f"context {name!r}"))
    names = {t.construct for t in all_terms}
    exempt: dict[str, frozenset[str]] = {}
    if "exempt" in top:
        for key, value in _pairs(top["exempt"][1], problems, "exempt"):
            construct = str(key.value)
            if construct not in names:
                problems.add(key, f"exempt names unknown construct {construct!r}")
            chosen = set()
            for item, context in _texts(value, problems, "exempt contexts"):
                if context not in CONTEXTS:
                    problems.add(item, f"unknown context {context!r} (expected one of: {CONTEXTS})")
                chosen.add(context)
            exempt[construct] = frozenset(chosen)
    self_words: frozenset[str] = frozenset()
    if "self_words" in top:
        self_words = frozenset(
            w.lower() for _, w in _texts(top["self_words"][1], problems, "self_words")
        )
    reader_words, told_words, now_words = (
        frozenset(w.lower() for _, w in _texts(top[key][1], problems, key))
        if key in top
        else frozenset()
        for key in ("reader_words", "told_words", "now_words")
    )
    breaks: frozenset[str] = frozenset()
    if "clause_breaks" in top:
        breaks = frozenset(
            w.lower() for _, w in _texts(top["clause_breaks"][1], problems, "clause_breaks")
        )
    problems.raise_if_any()
    return Lexicon(
        language,
        str(algorithm_node.value),
        tuple(all_terms),
        cues,
        self_words,
        breaks,
        exempt,
        reader_words,
        told_words,
        now_words,
    )


def load_lexicons(directory: Path | None = None) -> tuple[Lexicon, ...]:
    """Every lexicon in ``directory`` (default: the shipped ones), problems all at once."""
    folder = directory if directory is not None else SIGNALS_DIR
    lexicons: list[Lexicon] = []
    errors: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            lexicons.append(load_lexicon(path))
        except ScreeningRuleError as exc:
            errors.append(str(exc))
    if errors:
        raise ScreeningRuleError("\n".join(errors))
    return tuple(lexicons)


def load_combinations(
    path: Path | None = None, constructs: frozenset[str] | None = None
) -> tuple[Combination, ...]:
    """Read the combination table; every group must name a known construct or category."""
    file = path if path is not None else COMBINATIONS
    problems = _Problems(file)
    root = _compose(file, problems)
    if root is None:
        problems.raise_if_any()
        raise AssertionError("unreachable")
    rows_node = None
    for key, value in _pairs(root, problems, "the file"):
        if key.value == "combinations":
            rows_node = value
        else:
            problems.add(key, f"unknown key {key.value!r} (expected 'combinations')")
    if not isinstance(rows_node, yaml.SequenceNode):
        problems.add(rows_node or root, "'combinations' must be a list of rows")
        problems.raise_if_any()
        raise AssertionError("unreachable")
    rows: list[Combination] = []
    seen: dict[str, int] = {}
    for row_node in rows_node.value:
        entries = {str(k.value): (k, v) for k, v in _pairs(row_node, problems, "a row")}
        for name, (k, _) in entries.items():
            if name not in _ROW_KEYS:
                problems.add(
                    k, f"unknown key {name!r} in a row (expected one of: {sorted(_ROW_KEYS)})"
                )
        if not all(k in entries for k in ("id", "when", "tier")):
            problems.add(row_node, "a row needs 'id', 'when' and 'tier'")
            continue
        ident = str(entries["id"][1].value)
        line = row_node.start_mark.line + 1
        if ident in seen:
            problems.add(row_node, f"duplicate row id {ident!r} (first at line {seen[ident]})")
        seen[ident] = line
        try:
            tier = Tier.from_label(str(entries["tier"][1].value))
        except ValueError as exc:
            problems.add(entries["tier"][1], str(exc))
            continue
        groups: list[frozenset[str]] = []
        for item, text in _texts(entries["when"][1], problems, "when"):
            group = frozenset(part.strip() for part in text.split("|") if part.strip())
            for name in group:
                problems_with = _unknown(name, constructs)
                if problems_with:
                    problems.add(item, problems_with)
            groups.append(group)
        categories: tuple[str, ...] = ("suicidality",)
        if "categories" in entries:
            categories = tuple(
                c for _, c in _texts(entries["categories"][1], problems, "categories")
            )
            for c in categories:
                if c not in CATEGORIES:
                    problems.add(entries["categories"][1], f"unknown category {c!r}")
        note = str(entries["note"][1].value) if "note" in entries else ""
        rows.append(Combination(ident, tuple(groups), tier, categories, note))
    problems.raise_if_any()
    return tuple(rows)


def _unknown(name: str, constructs: frozenset[str] | None) -> str | None:
    if _RULE_GROUP_SEP in name:
        category, _, tier = name.partition(_RULE_GROUP_SEP)
        if category not in CATEGORIES:
            return f"unknown category {category!r} in {name!r}"
        try:
            Tier.from_label(tier)
        except ValueError as exc:
            return f"{name!r}: {exc}"
        return None
    if constructs is not None and name.removesuffix(REPEATED) not in constructs:
        return f"unknown construct {name!r} (no lexicon defines it)"
    return None
