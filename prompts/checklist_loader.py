"""Reading and validating the pre-session safety checklists in ``prompts/checklists/``.

A file is refused whole with every problem listed (file, line, reason), as the other
content files are; the shipped checklists are read once per process. The shape of the
data is ``bot/domain/checklist.py``; the file format is ``docs/checklists.md``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.domain.checklist import Checklist, ChecklistItem, Contraindication, normalise
from bot.errors import ChecklistFileError, Problem
from prompts.yaml_reader import YamlReader, read_text

__all__ = [
    "CATEGORIES",
    "CHECKLISTS_DIR",
    "checklist_by_id",
    "checklists",
    "load_checklist",
    "validate_checklist_file",
]

CHECKLISTS_DIR = Path(__file__).resolve().parent / "checklists"
#: What a contraindication is about (the therapist's alert names it).
CATEGORIES = ("medication", "health", "substances")
_TOP = ("id", "name", "languages", "intro", "reply_hint", "items", "negations")
_TOP_REQUIRED = ("id", "name", "languages", "intro", "reply_hint", "items", "contraindications")
_RULE = ("id", "category", "reason", "terms", "negatable")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


class _Reader(YamlReader):
    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.languages: tuple[str, ...] = ()

    def fields(
        self, node: Node, allowed: tuple[str, ...], required: tuple[str, ...], what: str
    ) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return None
        found: dict[str, Node] = {}
        for key, value in node.value:
            name = str(key.value)
            if name not in allowed:
                self.problem(
                    key, f"unknown key {name!r} in {what} (expected: {', '.join(allowed)})"
                )
            elif name in found:
                self.problem(key, f"{name!r} is given twice in {what}")
            else:
                found[name] = value
        for name in required:
            if name not in found:
                self.problem(node, f"{what} needs {name!r}")
        return found

    def text(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or not str(node.value).strip():
            self.problem(node, f"{what} must be some text")
            return None
        return str(node.value).strip()

    def slug(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not _SLUG.fullmatch(value):
            self.problem(node, f"{what} {value!r} must be lower-case letters, digits, - or _")
            return None
        return value

    def texts(self, node: Node, what: str) -> dict[str, str] | None:
        found = self.fields(node, ("en", "de", "es", "fr"), (), what)
        if found is None:
            return None
        texts = {lang: self.text(value, f"{what} ({lang})") for lang, value in found.items()}
        missing = [lang for lang in self.languages if lang not in texts]
        if missing:
            self.problem(node, f"{what} has no {', '.join(missing)} version")
        return {lang: text for lang, text in texts.items() if text is not None}

    def words(self, node: Node, what: str) -> tuple[str, ...] | None:
        if not isinstance(node, SequenceNode) or not node.value:
            self.problem(node, f"{what} must be a list of words or phrases")
            return None
        words = [self.text(item, f"a word of {what}") for item in node.value]
        return tuple(w for w in words if w is not None)

    def checklist(self, root: Node) -> Checklist | None:
        found = self.fields(root, (*_TOP, "contraindications"), _TOP_REQUIRED, "a checklist")
        if found is None:
            return None
        languages = self.words(found["languages"], "'languages'") if "languages" in found else ()
        for lang in languages or ():
            if lang not in ("en", "de", "es", "fr"):
                self.problem(found["languages"], f"unknown language {lang!r} (en, de, es, fr)")
        if languages and "en" not in languages:
            self.problem(found["languages"], "'languages' must include en")
        self.languages = tuple(languages or ())
        checklist_id = self.slug(found["id"], "the id") if "id" in found else None
        name = self.text(found["name"], "the name") if "name" in found else None
        intro = self.texts(found["intro"], "'intro'") if "intro" in found else None
        hint = self.texts(found["reply_hint"], "'reply_hint'") if "reply_hint" in found else None
        items = self.items(found["items"]) if "items" in found else None
        rules = self.rules(found["contraindications"]) if "contraindications" in found else None
        negations: list[str] = []
        if "negations" in found:
            by_language = self.fields(
                found["negations"], ("en", "de", "es", "fr"), (), "'negations'"
            )
            for lang, node in (by_language or {}).items():
                negations += [normalise(w) for w in self.words(node, f"negations ({lang})") or ()]
        if self.problems or not (checklist_id and name and intro and hint and items and rules):
            return None
        return Checklist(
            id=checklist_id,
            name=name,
            languages=self.languages,
            intro=intro,
            reply_hint=hint,
            items=items,
            contraindications=rules,
            negations=tuple(negations),
        )

    def items(self, node: Node) -> tuple[ChecklistItem, ...] | None:
        if not isinstance(node, SequenceNode) or not node.value:
            self.problem(node, "'items' must be a list of questions")
            return None
        items: list[ChecklistItem] = []
        seen: set[str] = set()
        for entry in node.value:
            found = self.fields(entry, ("id", "question"), ("id", "question"), "a question")
            if not found or "id" not in found or "question" not in found:
                continue
            item_id = self.slug(found["id"], "a question's id")
            if item_id in seen:
                self.problem(found["id"], f"question id {item_id!r} is used twice")
            question = self.texts(found["question"], f"question {item_id!r}")
            if item_id and question:
                seen.add(item_id)
                items.append(ChecklistItem(item_id, question))
        return tuple(items)

    def rules(self, node: Node) -> tuple[Contraindication, ...] | None:
        if not isinstance(node, SequenceNode) or not node.value:
            self.problem(node, "'contraindications' must be a list")
            return None
        rules: list[Contraindication] = []
        seen: set[str] = set()
        for entry in node.value:
            found = self.fields(
                entry, _RULE, ("id", "category", "reason", "terms"), "a contraindication"
            )
            if not found or any(k not in found for k in ("id", "category", "reason", "terms")):
                continue
            rule_id = self.slug(found["id"], "a contraindication's id")
            if rule_id in seen:
                self.problem(found["id"], f"contraindication id {rule_id!r} is used twice")
            category = self.text(found["category"], "'category'")
            if category is not None and category not in CATEGORIES:
                self.problem(
                    found["category"],
                    f"'category' must be one of {', '.join(CATEGORIES)} (got {category!r})",
                )
                category = None
            reason = self.text(found["reason"], "'reason'")
            terms = self.words(found["terms"], f"the terms of {rule_id!r}")
            negatable = False
            if "negatable" in found:
                value = SafeConstructor().construct_object(found["negatable"])
                if not isinstance(value, bool):
                    self.problem(found["negatable"], "'negatable' is true or false")
                negatable = bool(value)
            if rule_id and category and reason and terms:
                seen.add(rule_id)
                rule = Contraindication(rule_id, category, reason, terms, negatable)
                try:
                    rule.pattern()
                except re.error as exc:
                    self.problem(
                        found["terms"], f"the terms of {rule_id!r} cannot be matched: {exc}"
                    )
                    continue
                rules.append(rule)
        return tuple(rules)


def _read(text: str, source: str) -> tuple[Checklist | None, list[Problem]]:
    reader = _Reader(source)
    root = reader.compose(text)
    checklist = reader.checklist(root) if root is not None else None
    return checklist, reader.sorted_problems()


def validate_checklist_file(path: Path | str) -> list[Problem]:
    """Every problem of a checklist file (an empty list: it is valid)."""
    path = Path(path)
    problems: list[Problem] = []
    text = read_text(path, str(path), problems, "the checklist cannot be read")
    if text is None:
        return problems
    return _read(text, str(path))[1]


def load_checklist(path: Path | str) -> Checklist:
    """A checklist file, validated; ChecklistFileError lists every problem."""
    path = Path(path)
    problems: list[Problem] = []
    text = read_text(path, str(path), problems, "the checklist cannot be read")
    if text is None:
        raise ChecklistFileError(problems)
    checklist, problems = _read(text, str(path))
    if checklist is None or problems:
        raise ChecklistFileError(problems)
    return checklist


@functools.cache
def _shipped() -> Mapping[str, Checklist]:
    found = (load_checklist(p) for p in sorted(CHECKLISTS_DIR.glob("*.yaml")))
    return {c.id: c for c in found}


def checklists() -> dict[str, Checklist]:
    """The shipped checklists by id, read once per process (a fresh dict on each call)."""
    return dict(_shipped())


def checklist_by_id(checklist_id: str) -> Checklist:
    """A shipped checklist (KeyError if there is none by that id)."""
    return _shipped()[checklist_id]
