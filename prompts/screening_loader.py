"""Reads and validates the screening rule files (``prompts/screening/*.yaml``).

Every problem is reported as ``file:line: reason`` so a clinician editing a rule can
find it: unknown keys, tiers or categories, invalid regular expressions, undefined
macros, references to frames that do not exist, and rule ids used twice.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml

from bot.domain.screening import (
    CATEGORIES,
    COMMON,
    Frame,
    Idiom,
    Language,
    Position,
    Rule,
    RuleSet,
    Scope,
    Screener,
    ScreeningRuleError,
    Tier,
    compile_pattern,
    whole_words,
)
from bot.domain.screening.facts import FACTS, USED, remembered
from bot.domain.screening.learned import LearnedModel
from prompts.yaml_reader import FAST_LOADER, YamlReader

RULES_DIR = Path(__file__).resolve().parent / "screening"
YAML_LOADER: Any = FAST_LOADER

_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_ESCAPES = re.compile(r"\\.|\(\?P<[^>]*>|\(\?P=\w+\)")
_RULE_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_POSITIONS = ("before", "after", "any")
_SCOPES = ("clause", "segment", "sentence", "text")

_FILE_KEYS = {
    "language",
    "fallback_languages",
    "macros",
    "self_words",
    "clause_breaks",
    "segment_breaks",
    "vocabulary",
    "typo_targets",
    "typo_exclude",
    "homoglyphs",
    "frames",
    "idioms",
    "rules",
}
_FRAME_KEYS = {
    "cues",
    "position",
    "scope",
    "window",
    "cap",
    "unless",
    "ignore",
    "opt_in",
    "unless_between",
    "unless_through",
    "categories",
    "within",
    "note",
}
_RULE_KEYS = {
    "id",
    "tier",
    "categories",
    "patterns",
    "caps",
    "ignore_frames",
    "frames",
    "escalate",
    "requires_self_reference",
    "self_window",
    "examples",
    "counterexamples",
    "note",
}
_IDIOM_KEYS = {"id", "patterns", "examples", "note"}

T = TypeVar("T")


class _File:
    """One rule file being read: knows its display name for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.name = str(path.resolve().relative_to(Path.cwd()))
        except ValueError:
            self.name = str(path)

    def error(self, node: yaml.Node | None, reason: str) -> ScreeningRuleError:
        line = node.start_mark.line + 1 if node is not None else 1
        return ScreeningRuleError(f"{self.name}:{line}: {reason}")

    # -- typed access to YAML nodes ------------------------------------------------------

    def mapping(
        self, node: yaml.Node, what: str, keys: set[str] | None = None
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.string(key_node, "key")
            if key in out:
                raise self.error(key_node, f"duplicate key {key!r} in {what}")
            if keys is not None and key not in keys:
                raise self.error(key_node, f"unknown key {key!r} in {what}")
            out[key] = (key_node, value_node)
        return out

    def string(self, node: yaml.Node, what: str) -> str:
        if isinstance(node, yaml.MappingNode):
            raise self.error(
                node,
                f"{what} must be a text value; a ': ' inside it makes YAML "
                "read a mapping: quote the text or write '(?:\\s' for '(?: '",
            )
        if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            raise self.error(node, f"{what} must be a text value")
        return str(node.value)

    def strings(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, str]]:
        if isinstance(node, yaml.ScalarNode):
            return [(node, self.string(node, what))]
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"{what} must be a list of text values")
        return [(item, self.string(item, what)) for item in node.value]

    def boolean(self, node: yaml.Node, what: str) -> bool:
        value = self.string(node, what).lower()
        if value in ("true", "yes", "on"):
            return True
        if value in ("false", "no", "off"):
            return False
        raise self.error(node, f"{what} must be true or false, not {value!r}")

    def integer(self, node: yaml.Node, what: str) -> int:
        value = self.string(node, what)
        try:
            number = int(value)
        except ValueError:
            raise self.error(node, f"{what} must be a whole number, not {value!r}") from None
        if number < 0:
            raise self.error(node, f"{what} must not be negative")
        return number

    def tier(self, node: yaml.Node, what: str) -> Tier:
        try:
            return Tier.from_label(self.string(node, what))
        except ValueError as exc:
            raise self.error(node, f"{what}: {exc}") from None

    def choice(self, node: yaml.Node, what: str, options: tuple[str, ...]) -> str:
        value = self.string(node, what)
        if value not in options:
            raise self.error(node, f"{what} must be one of {', '.join(options)}, not {value!r}")
        return value


def _opt(
    entries: dict[str, tuple[yaml.Node, yaml.Node]],
    key: str,
    read: Callable[[yaml.Node], T],
    default: T,
) -> T:
    return read(entries[key][1]) if key in entries else default


class _Reader:
    """Turns one file's node tree into a :class:`Language`, validating as it goes."""

    def __init__(self, file: _File, seen_ids: dict[str, str]) -> None:
        self.f = file
        self.seen_ids = seen_ids
        self.macros: dict[str, str] = {}
        self.language = ""
        self.refs: list[tuple[yaml.Node, str, str]] = []  # (node, rule id, frame name)
        self.problems: list[ScreeningRuleError] = []  # every item that could not be read

    def expand(self, node: yaml.Node, pattern: str) -> str:
        for _ in range(8):
            missing = [m for m in _MACRO.findall(pattern) if m not in self.macros]
            if missing:
                raise self.f.error(
                    node, f"pattern {pattern!r} uses undefined macro {{{missing[0]}}}"
                )
            expanded = _MACRO.sub(lambda m: f"(?:{self.macros[m.group(1)]})", pattern)
            if expanded == pattern:
                return expanded
            pattern = expanded
        raise self.f.error(node, f"pattern {pattern!r}: macros nest too deeply")

    def pattern(self, node: yaml.Node, raw: str, words: bool = True) -> str:
        expanded = self.expand(node, raw)
        if re.search(r"[A-Z]", _ESCAPES.sub("", expanded)):
            raise self.f.error(node, f"pattern {raw!r} must be written in lower case")
        language = self.language

        def check(pattern: str) -> str | None:
            try:
                compiled = compile_pattern(pattern, language)
                if words:
                    re.compile(whole_words(compiled.pattern))
            except re.error as exc:
                return f"is not a valid regular expression ({exc})"
            return "matches empty text" if compiled.match("") else None

        problem = remembered("valid", f"{language}|{int(words)}|{expanded}", check)
        if problem is not None:
            raise self.f.error(node, f"pattern {raw!r} {problem}")
        return expanded

    def patterns(self, node: yaml.Node, what: str, words: bool = True) -> tuple[str, ...]:
        items = self.f.strings(node, what)
        if not items:
            raise self.f.error(node, f"{what} must not be empty")
        return tuple(self.pattern(n, s, words) for n, s in items)

    def words(self, entries: dict[str, tuple[yaml.Node, yaml.Node]], key: str) -> tuple[str, ...]:
        if key not in entries:
            return ()
        return tuple(s for _, s in self.f.strings(entries[key][1], key))

    def read(self, root: yaml.Node) -> tuple[Language, tuple[str, ...] | None]:
        f = self.f
        top = f.mapping(root, "the file", _FILE_KEYS)
        if "language" not in top:
            raise f.error(root, "missing key 'language'")
        self.language = f.string(top["language"][1], "language").lower()
        if "macros" in top:
            for key, (key_node, value_node) in f.mapping(top["macros"][1], "macros").items():
                if not _MACRO.fullmatch("{" + key + "}"):
                    raise f.error(key_node, f"macro name {key!r} must be lower case letters")
                self.macros[key] = f.string(value_node, f"macro {key}")
        fallback = None
        if "fallback_languages" in top:
            fallback = tuple(s for _, s in f.strings(top["fallback_languages"][1], "fallback"))
        homoglyphs: dict[str, str] = {}
        if "homoglyphs" in top:
            glyphs = f.mapping(top["homoglyphs"][1], "homoglyphs")
            for key, (key_node, value_node) in glyphs.items():
                if len(key) != 1:
                    raise f.error(key_node, f"homoglyph {key!r} must be a single character")
                homoglyphs[key] = f.string(value_node, "homoglyph").lower()
        frames = self.read_frames(top["frames"][1]) if "frames" in top else ()
        idioms = self.read_idioms(top["idioms"][1]) if "idioms" in top else ()
        rules = self.read_rules(top["rules"][1]) if "rules" in top else ()
        for name in ("self_words", "clause_breaks", "segment_breaks"):
            if name in top:
                self.patterns(top[name][1], name)
        language = Language(
            code=self.language,
            rules=rules,
            frames=frames,
            idioms=idioms,
            clause_breaks=self.expanded(top, "clause_breaks"),
            segment_breaks=self.expanded(top, "segment_breaks"),
            self_words=self.expanded(top, "self_words"),
            vocabulary=tuple(w.lower() for w in self.words(top, "vocabulary")),
            typo_targets=tuple(w.lower() for w in self.words(top, "typo_targets")),
            typo_exclude=tuple(w.lower() for w in self.words(top, "typo_exclude")),
            homoglyphs=homoglyphs,
        )
        return language, fallback

    def expanded(self, top: dict[str, tuple[yaml.Node, yaml.Node]], key: str) -> tuple[str, ...]:
        if key not in top:
            return ()
        return tuple(self.expand(n, s) for n, s in self.f.strings(top[key][1], key))

    def read_frames(self, node: yaml.Node) -> tuple[Frame, ...]:
        f = self.f
        frames: list[Frame] = []
        for name, (key_node, value_node) in f.mapping(node, "frames").items():
            try:
                frames.append(self.read_frame(name, key_node, value_node))
            except ScreeningRuleError as exc:
                self.problems.append(exc)
        return tuple(frames)

    def read_frame(self, name: str, key_node: yaml.Node, value_node: yaml.Node) -> Frame:
        f = self.f
        e = f.mapping(value_node, f"frame {name!r}", _FRAME_KEYS)
        if "cues" not in e:
            raise f.error(key_node, f"frame {name!r} has no cues")
        frame = Frame(
            name=name,
            cues=self.patterns(e["cues"][1], f"cues of frame {name!r}"),
            position=cast(
                Position,
                _opt(e, "position", lambda n: f.choice(n, "position", _POSITIONS), "any"),
            ),
            scope=cast(Scope, _opt(e, "scope", lambda n: f.choice(n, "scope", _SCOPES), "clause")),
            window=_opt(e, "window", lambda n: f.integer(n, "window"), None),
            cap=_opt(e, "cap", lambda n: f.tier(n, "cap"), None),
            unless=tuple(s for _, s in f.strings(e["unless"][1], "unless"))
            if "unless" in e
            else (),
            ignore=self.patterns(e["ignore"][1], "ignore") if "ignore" in e else (),
            opt_in=_opt(e, "opt_in", lambda n: f.boolean(n, "opt_in"), False),
            unless_between=_opt(
                e, "unless_between", lambda n: f.boolean(n, "unless_between"), False
            ),
            unless_through=_opt(
                e, "unless_through", lambda n: f.boolean(n, "unless_through"), False
            ),
            categories=tuple(s for _, s in f.strings(e["categories"][1], "categories"))
            if "categories" in e
            else (),
            within=_opt(e, "within", lambda n: f.boolean(n, "within"), False),
        )
        for n, other in f.strings(e["unless"][1], "unless") if "unless" in e else []:
            self.refs.append((n, f"frame {name}", other))
        return frame

    def check_id(self, node: yaml.Node, ident: str) -> None:
        if not _RULE_ID.match(ident):
            raise self.f.error(node, f"id {ident!r} must be dotted lower-case words")
        if not ident.startswith(self.language + "."):
            raise self.f.error(node, f"id {ident!r} must start with '{self.language}.'")
        if ident in self.seen_ids:
            first = self.seen_ids[ident]
            raise self.f.error(node, f"duplicate rule id {ident!r} (first at {first})")
        self.seen_ids[ident] = f"{self.f.name}:{node.start_mark.line + 1}"

    def read_idioms(self, node: yaml.Node) -> tuple[Idiom, ...]:
        f = self.f
        if not isinstance(node, yaml.SequenceNode):
            raise f.error(node, "idioms must be a list")
        idioms: list[Idiom] = []
        for item in node.value:
            try:
                idioms.append(self.read_idiom(item))
            except ScreeningRuleError as exc:
                self.problems.append(exc)
        return tuple(idioms)

    def read_idiom(self, item: yaml.Node) -> Idiom:
        f = self.f
        e = f.mapping(item, "an idiom", _IDIOM_KEYS)
        for key in ("id", "patterns"):
            if key not in e:
                raise f.error(item, f"idiom is missing {key!r}")
        ident = f.string(e["id"][1], "id")
        self.check_id(e["id"][1], ident)
        return Idiom(
            id=ident,
            language=self.language,
            patterns=self.patterns(e["patterns"][1], "patterns"),
            examples=self.words(e, "examples"),
        )

    def read_rules(self, node: yaml.Node) -> tuple[Rule, ...]:
        f = self.f
        if not isinstance(node, yaml.SequenceNode):
            raise f.error(node, "rules must be a list")
        rules: list[Rule] = []
        for item in node.value:
            try:
                rules.append(self.read_rule(item))
            except ScreeningRuleError as exc:
                self.problems.append(exc)
        return tuple(rules)

    def read_rule(self, item: yaml.Node) -> Rule:
        f = self.f
        e = f.mapping(item, "a rule", _RULE_KEYS)
        for key in ("id", "tier", "categories", "patterns"):
            if key not in e:
                raise f.error(item, f"rule is missing {key!r}")
        ident = f.string(e["id"][1], "id")
        self.check_id(e["id"][1], ident)
        categories: list[str] = []
        for n, cat in f.strings(e["categories"][1], "categories"):
            if cat not in CATEGORIES:
                raise f.error(
                    n,
                    f"unknown category {cat!r} (expected one of: {', '.join(sorted(CATEGORIES))})",
                )
            categories.append(cat)
        caps: dict[str, Tier] = {}
        if "caps" in e:
            for name, (kn, vn) in f.mapping(e["caps"][1], "caps").items():
                caps[name] = f.tier(vn, f"cap for {name}")
                self.refs.append((kn, ident, name))
        escalate: dict[str, Tier] = {}
        if "escalate" in e:
            for name, (kn, vn) in f.mapping(e["escalate"][1], "escalate").items():
                escalate[name] = f.tier(vn, f"escalation for {name}")
                self.refs.append((kn, ident, name))
        names: dict[str, frozenset[str]] = {}
        for key in ("ignore_frames", "frames"):
            items = f.strings(e[key][1], key) if key in e else []
            for n, s in items:
                self.refs.append((n, ident, s))
            names[key] = frozenset(s for _, s in items)
        return Rule(
            id=ident,
            language=self.language,
            tier=f.tier(e["tier"][1], "tier"),
            categories=tuple(categories),
            patterns=self.patterns(e["patterns"][1], "patterns", words=self.language != COMMON),
            caps=caps,
            ignore_frames=names["ignore_frames"],
            frames=names["frames"],
            escalate=escalate,
            self_reference=_opt(
                e,
                "requires_self_reference",
                lambda n: f.boolean(n, "requires_self_reference"),
                False,
            ),
            self_window=_opt(e, "self_window", lambda n: f.integer(n, "self_window"), 6),
            examples=self.words(e, "examples"),
            counterexamples=self.words(e, "counterexamples"),
        )


def load_file(
    path: Path, seen_ids: dict[str, str] | None = None
) -> tuple[Language, tuple[str, ...] | None, list[tuple[str, str, str]]]:
    """Read one rule file: its language, fallback languages and frame references."""
    file = _File(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScreeningRuleError(f"{file.name}:1: cannot read the file ({exc})") from None
    composer = YamlReader(file.name, loader=YAML_LOADER)
    composer.empty_line = 1
    root = composer.compose(text)
    if root is None:
        raise ScreeningRuleError(composer.sorted_problems())
    reader = _Reader(file, seen_ids if seen_ids is not None else {})
    language, fallback = reader.read(root)
    _raise_all(reader.problems)
    refs = [(f"{file.name}:{n.start_mark.line + 1}", owner, name) for n, owner, name in reader.refs]
    return language, fallback, refs


def _raise_all(problems: list[ScreeningRuleError]) -> None:
    """Raise one error listing every problem found (the first as it is, when alone)."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ScreeningRuleError([p for error in problems for p in error.problems])


def load_rules(directory: Path | None = None) -> RuleSet:
    """Load and validate every ``*.yaml`` rule file in ``directory`` (default: shipped)."""
    folder = directory if directory is not None else RULES_DIR
    paths = sorted(p for p in folder.glob("*.yaml") if p.name != "combinations.yaml")
    if not paths:
        raise ScreeningRuleError(f"{folder}: no screening rule files (*.yaml) found")
    languages: dict[str, Language] = {}
    sources: dict[str, str] = {}
    fallback: tuple[str, ...] = ("en",)
    refs: list[tuple[str, str, str]] = []
    seen_ids: dict[str, str] = {}
    problems: list[ScreeningRuleError] = []
    for path in paths:
        try:
            language, file_fallback, file_refs = load_file(path, seen_ids)
        except ScreeningRuleError as exc:
            problems.append(exc)  # read the other files too: report everything at once
            continue
        if language.code in languages:
            problems.append(
                ScreeningRuleError(
                    f"{_File(path).name}:1: language {language.code!r} already defined in "
                    f"{sources[language.code]}"
                )
            )
            continue
        languages[language.code] = language
        sources[language.code] = _File(path).name
        if file_fallback is not None:
            fallback = file_fallback
        refs.extend(file_refs)
    all_frames = {fr.name for lang in languages.values() for fr in lang.frames}
    for where, owner, name in refs:
        if name not in all_frames:
            problems.append(
                ScreeningRuleError(f"{where}: {owner} refers to unknown frame {name!r}")
            )
    for code in fallback:
        if code not in languages and not problems:
            problems.append(ScreeningRuleError(f"fallback language {code!r} has no rule file"))
    _raise_all(problems)
    return RuleSet(languages=languages, fallback=fallback)


def cache_file(cache: Path | None = None) -> Path | None:
    """Where analysed pattern facts are kept between runs: in ``cache`` when given, else in
    the default cache directory (:func:`prompts.screening_cache.cache_dir`); ``None`` when
    no home is known."""
    from prompts.screening_cache import cache_dir

    base = cache if cache is not None else cache_dir()
    return None if base is None else base / "screening-facts.json"


def _load_facts(path: Path | None) -> int:
    if path is None:
        return 0
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    if isinstance(stored, dict) and stored.get("version") == _FACTS_VERSION:
        facts = stored.get("facts")
        if isinstance(facts, dict):
            FACTS.update(facts)
    return len(FACTS)


def _save_facts(path: Path | None) -> None:
    """Best effort: a read-only home only means the next start-up analyses again."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps(
                {"version": _FACTS_VERSION, "facts": {k: FACTS[k] for k in USED if k in FACTS}}
            ),
            "utf-8",
        )
        os.replace(tmp, path)
    except OSError:
        pass


_FACTS_VERSION = 1


@functools.lru_cache(maxsize=1)
def default_screener() -> Screener:
    """The screener of the shipped rule files, warmed, once per process: from the start-up
    cache when it holds this version's (``prompts/screening_cache.py``), else built from
    the files and stored there for the next process."""
    from prompts.screening_cache import cache_dir, shipped_screener

    return shipped_screener(cache_dir()).screener


def build_screener(
    learned: bool = True,
    model: LearnedModel | None = None,
    warm: bool = True,
    *,
    directory: Path | None = None,
    cache: Path | None = None,
) -> Screener:
    """A screener built from the files in ``directory`` (default: the shipped ones,
    ``prompts/screening``); ``learned=False`` leaves the learned layer out.

    ``model`` replaces the learned layer of the files (tests, training). ``warm=False``
    leaves each language's gate to be built when a text first needs it (a one-off command
    screens a few texts; the bot warms everything before its first reply). ``cache`` is
    where the analysed pattern facts are kept (default: the default cache directory).
    Always built from the files: :mod:`prompts.screening_cache` keeps the built form.
    """
    from prompts.screening_model import load_model
    from prompts.signals_loader import load_combinations, load_lexicons

    folder = directory if directory is not None else RULES_DIR
    facts = cache_file(cache)
    known = _load_facts(facts)
    lexicons = load_lexicons(folder / "signals")
    constructs = frozenset(t.construct for lex in lexicons for t in lex.terms)
    screener = Screener(
        load_rules(folder),
        lexicons,
        load_combinations(folder / "combinations.yaml", constructs=constructs),
        model if model is not None else load_model(folder / "model") if learned else None,
    )
    if warm:
        screener.warm()
    if len(FACTS) != known or len(USED) != known:
        _save_facts(facts)  # new patterns were analysed, or old ones are gone
    return screener
