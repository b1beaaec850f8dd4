"""Read and validate protocol YAML files into :class:`bot.domain.protocol.Protocol` values.

Validation walks PyYAML's composed node tree, so every problem is reported at once with
its file and line (``prompts/bad.yaml:12: step 'day2': …``). The file format is described
in ``docs/protocols.md``; scheduling lives in ``bot/domain/schedule.py``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import time, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.domain.protocol import (
    MAX_REMINDERS,
    QUESTIONNAIRE_IDS,
    Anchor,
    Audience,
    Choice,
    Occurrence,
    Protocol,
    ProtocolStep,
    QuietHours,
    ScaleLabels,
    SessionKind,
    StepKind,
    format_duration,
    localized,
    parse_duration,
    parse_quiet_hours,
    parse_time_of_day,
)
from bot.errors import Problem, ProtocolFileError
from prompts.checklist_loader import checklists
from prompts.yaml_reader import YamlReader, compose, read_text

__all__ = [
    "PROMPTS_DIR",
    "ProtocolError",
    "ProtocolFileError",
    "list_shipped_protocols",
    "load_protocol",
    "protocol_from_mapping",
    "protocol_from_yaml",
    "validate_protocol_file",
    "validate_protocol_text",
]

#: The directory shipped protocols live in (``prompts/*.yaml``).
PROMPTS_DIR = Path(__file__).resolve().parent

_PROTOCOL_KEYS: tuple[str, ...] = ("id", "name", "version", "description", "default_language")
_PROTOCOL_KEYS += ("quiet_hours", "response_window", "reminders", "steps")
_STEP_KEYS: tuple[str, ...] = ("id", "anchor", "after", "before", "at", "kind", "text")
_STEP_KEYS += ("choices", "scale", "questionnaire", "reminders", "window", "audience", "checklist")
_KIND_KEYS = {
    "choices": StepKind.CHOICE,
    "scale": StepKind.SCALE,
    "questionnaire": StepKind.QUESTIONNAIRE,
    "checklist": StepKind.CHECKLIST,
}
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")
_DURATION_SHAPE = re.compile(r"(?:[0-9]+[dhms])+")
_WHOLE = re.compile(r"[0-9]+")
_NULL_TAG = "tag:yaml.org,2002:null"
_MAX_ID = 64
_MAX_TEXT = 4000  # Telegram refuses messages over 4096 characters
_MAX_LABEL = 64  # longer button labels are cut off on phones
_MIN_CHOICES, _MAX_CHOICES = 2, 8

T = TypeVar("T")
Fields = dict[str, tuple[Node, Node]]  # key → (key node, value node)


ProtocolError = Problem  # one problem in a protocol file: source, line, message


def list_shipped_protocols() -> list[Path]:
    """The protocol files shipped directly in ``prompts/`` (not its sub-directories).

    Other clinical content shares the directory (crisis resources, say), so a ``*.yaml``
    file counts as a protocol when its top level has a ``steps`` key. A file that is not
    valid YAML counts too, so that validating the shipped protocols reports it.
    """
    return sorted(path for path in PROMPTS_DIR.glob("*.yaml") if _looks_like_protocol(path))


def _looks_like_protocol(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        root = compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return True
    return isinstance(root, MappingNode) and any(key.value == "steps" for key, _ in root.value)


def validate_protocol_file(path: Path | str) -> list[ProtocolError]:
    """Every problem in the protocol file at ``path`` (an empty list if it is valid)."""
    return _read_file(Path(path))[1]


def load_protocol(path: Path | str) -> Protocol:
    """The protocol in the file at ``path``; ProtocolFileError lists all its problems."""
    return _unwrap(*_read_file(Path(path)))


def validate_protocol_text(text: str, source: str = "<text>") -> list[ProtocolError]:
    """Every problem in protocol YAML ``text``, reported against ``source``."""
    return _Reader(source, show_lines=True).parse(text)[1]


def protocol_from_yaml(text: str, source: str = "<text>") -> Protocol:
    """The protocol in YAML ``text`` (e.g. the copy stored when it was loaded)."""
    return _unwrap(*_Reader(source, show_lines=True).parse(text))


def protocol_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> Protocol:
    """Build a protocol from plain data shaped like the YAML file, with the same checks.

    Durations and times may be text (``"2s"``, ``"19:00"``) or ``timedelta``/``time``.
    Errors carry no line numbers.
    """
    text = yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True)
    return _unwrap(*_Reader(source, show_lines=False).parse(text))


def _read_file(path: Path) -> tuple[Protocol | None, list[ProtocolError]]:
    problems: list[ProtocolError] = []
    text = read_text(path, str(path), problems, "cannot read the file")
    if text is None:
        return None, problems
    return _Reader(str(path), show_lines=True).parse(text)


def _unwrap(protocol: Protocol | None, errors: list[ProtocolError]) -> Protocol:
    if errors or protocol is None:
        raise ProtocolFileError(errors)
    return protocol


def _plain(value: Any) -> Any:
    """Python values → what ``yaml.safe_dump`` writes in the file format's own notation."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, Enum):
        return value.value
    return value


def _hint(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Reader(YamlReader):
    """Walks one YAML document, collecting every error while building the protocol.

    ``where`` prefixes messages with the step being read (``step 'day2': ``).
    """

    def __init__(self, source: str, *, show_lines: bool) -> None:
        super().__init__(source, show_lines=show_lines)
        self.where = ""

    def parse(self, text: str) -> tuple[Protocol | None, list[ProtocolError]]:
        root = self.compose(text)
        if root is None:
            return None, self.problems
        protocol = self.protocol(root)
        problems = self.sorted_problems()
        return (None if problems else protocol), problems

    # -- reporting and value helpers ---------------------------------------------------

    def error(self, node: Node, message: str) -> None:
        self.problem(node, self.where + message)

    def first_on(self, node: Node) -> str:
        return f" (first on line {node.start_mark.line + 1})" if self.show_lines else ""

    def fields(
        self, node: Node, allowed: Sequence[str], required: Sequence[str], what: str
    ) -> Fields | None:
        """The keys of a mapping, reporting duplicate, unknown and missing ones."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping of 'key: value' lines")
            return None
        found: Fields = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                self.error(key_node, "keys must be plain words")
            elif key in found:
                self.error(key_node, f"{key!r} is given twice{self.first_on(found[key][0])}")
            elif key not in allowed:
                self.error(key_node, f"unknown key {key!r}{_hint(key, allowed)}")
            else:
                found[key] = (key_node, value_node)
        for key in required:
            if key not in found:
                self.error(node, f"{key!r} is missing")
        return found

    def read(self, found: Fields, key: str, reader: Callable[[Node, str], T | None]) -> T | None:
        """Apply ``reader`` to ``key``'s value if the key is present."""
        return reader(found[key][1], key) if key in found else None

    def scalar(self, node: Node, key: str) -> str | None:
        if not isinstance(node, ScalarNode):
            self.error(node, f"{key!r} must be a single value, not a list or mapping")
            return None
        if node.tag == _NULL_TAG:
            self.error(node, f"{key!r} has no value")
            return None
        # The raw text, so that an unquoted 19:00 or `no` is read as written.
        return str(node.value)

    def slug(self, node: Node, key: str) -> str | None:
        value = self.scalar(node, key)
        if value is not None and (not _SLUG.fullmatch(value) or len(value) > _MAX_ID):
            self.error(
                node,
                f"{key!r} must be a short slug of lowercase letters, digits, "
                f"'-' or '_' (got {value!r})",
            )
            return None
        return value

    def duration(self, node: Node, key: str) -> timedelta | None:
        value = self.scalar(node, key)
        if value is None:
            return None
        try:
            return parse_duration(value)
        except ValueError as exc:
            if _DURATION_SHAPE.fullmatch(value.strip().lower()):
                self.error(node, f"{key!r}: {exc}")
            else:
                self.error(node, f"{key!r} must be a duration like 90m, 1d or 12h (got {value!r})")
            return None

    def window(self, node: Node, key: str) -> timedelta | None:
        value = self.duration(node, key)
        if value is not None and value <= timedelta(0):
            self.error(node, f"{key!r} must be longer than zero (got {node.value!r})")
            return None
        return value

    def reminders(self, node: Node, key: str) -> int | None:
        value = self.scalar(node, key)
        if value is not None and not (_WHOLE.fullmatch(value) and int(value) <= MAX_REMINDERS):
            self.error(
                node, f"{key!r} must be a whole number from 0 to {MAX_REMINDERS} (got {value!r})"
            )
            return None
        return None if value is None else int(value)

    def one_of(self, node: Node, key: str, options: Sequence[str]) -> str | None:
        value = self.scalar(node, key)
        if value is not None and value not in options:
            self.error(
                node,
                f"{key!r} must be one of {', '.join(options)} "
                f"(got {value!r}){_hint(value, options)}",
            )
            return None
        return value

    def time_of_day(self, node: Node, key: str) -> time | None:
        value = self.scalar(node, key)
        try:
            return None if value is None else parse_time_of_day(value)
        except ValueError:
            self.error(
                node, f'{key!r} must be a local time of day HH:MM like "19:00" (got {value!r})'
            )
            return None

    def texts(self, node: Node, key: str, limit: int = _MAX_TEXT) -> dict[str, str] | None:
        """A text per language (a plain string is English); English is required."""
        if isinstance(node, ScalarNode) and node.tag != _NULL_TAG:
            pairs: list[tuple[Node | None, Node]] = [(None, node)]
        elif isinstance(node, MappingNode):
            pairs = list(node.value)
        else:
            self.error(node, f"{key!r} must be a text, or a mapping of language: text")
            return None
        result: dict[str, str] = {}
        english_given = False
        for lang_node, text_node in pairs:
            lang = "en" if lang_node is None else str(lang_node.value)
            if lang_node is not None and not _LANGUAGE.fullmatch(lang):
                self.error(
                    lang_node, f"{key!r}: {lang!r} is not a language code like en, de or pt-BR"
                )
                continue
            english_given = english_given or lang == "en"
            text = self.scalar(text_node, f"{key}.{lang}")
            if text is None:
                continue
            if lang in result:
                self.error(text_node, f"{key!r}: language {lang!r} is given twice")
            elif not text.strip():
                self.error(text_node, f"{key!r}: the {lang!r} text is empty")
            elif len(text.strip()) > limit:
                self.error(
                    text_node, f"{key!r}: the {lang!r} text is longer than {limit} characters"
                )
            else:
                result[lang] = text.strip()
        if not english_given:
            self.error(node, f"{key!r} needs an English text ('en')")
        return result if "en" in result else None

    # -- the document --------------------------------------------------------------------

    def protocol(self, root: Node) -> Protocol | None:
        required = ("id", "name", "version", "steps")
        found = self.fields(root, _PROTOCOL_KEYS, required, "a protocol file")
        if found is None:
            return None
        protocol_id = self.read(found, "id", self.slug)
        name = self.read(found, "name", self.scalar)
        version = self.read(found, "version", self.scalar)
        description = self.read(found, "description", self.scalar) or ""
        language = self.read(found, "default_language", self.language) or "en"
        quiet = self.read(found, "quiet_hours", self.quiet_hours)
        window = self.read(found, "response_window", self.window) or timedelta(hours=24)
        reminders = self.read(found, "reminders", self.reminders) or 0
        steps = self.read(found, "steps", lambda node, _: self.steps(node, language))
        if name is not None and not name.strip():
            self.error(found["name"][1], "'name' is empty")
        if self.problems or protocol_id is None or name is None or version is None or not steps:
            return None
        return self.build(
            root,
            lambda: Protocol(
                id=protocol_id,
                name=name.strip(),
                version=version.strip(),
                steps=steps,
                description=description.strip(),
                quiet_hours=quiet,
                response_window=window,
                reminders=reminders,
                default_language=language,
            ),
        )

    def build(self, node: Node, make: Callable[[], T]) -> T | None:
        """Construct a domain value; its own checks are a backstop to this walk's."""
        try:
            return make()
        except ValueError as exc:
            self.error(node, str(exc))
            return None

    def language(self, node: Node, key: str) -> str | None:
        value = self.scalar(node, key)
        if value is not None and not _LANGUAGE.fullmatch(value):
            self.error(node, f"{key!r} must be a language code like en or de (got {value!r})")
            return None
        return value

    def quiet_hours(self, node: Node, key: str) -> QuietHours | None:
        if isinstance(node, ScalarNode) and (
            node.tag == _NULL_TAG or node.value.strip().lower() in ("off", "none")
        ):
            return None
        value = self.scalar(node, key)
        try:
            return None if value is None else parse_quiet_hours(value)
        except ValueError as exc:
            self.error(node, f"{key!r}: {exc}")
            return None

    def steps(self, node: Node, language: str) -> tuple[ProtocolStep, ...] | None:
        if not isinstance(node, SequenceNode) or not node.value:
            self.error(node, "'steps' must be a list with at least one step ('- id: …')")
            return None
        seen: dict[str, Node] = {}
        steps = [
            self.step(item, index, language, seen) for index, item in enumerate(node.value, start=1)
        ]
        self.where = ""
        return tuple(step for step in steps if step is not None)

    def step(
        self, node: Node, index: int, language: str, seen: dict[str, Node]
    ) -> ProtocolStep | None:
        self.where = f"step {index}: "
        if isinstance(node, MappingNode):
            named = [v for k, v in node.value if k.value == "id" and isinstance(v, ScalarNode)]
            if named and named[0].tag != _NULL_TAG:
                self.where = f"step {named[0].value!r}: "
        errors_before = len(self.problems)
        found = self.fields(node, _STEP_KEYS, ("id", "anchor", "kind", "text"), "a step")
        if found is None:
            return None
        step_id = self.read(found, "id", self.slug)
        if step_id is not None and step_id in seen:
            self.error(
                found["id"][1], f"step id {step_id!r} is used twice{self.first_on(seen[step_id])}"
            )
        elif step_id is not None:
            seen[step_id] = found["id"][1]
        anchor = self.read(found, "anchor", self.anchor)
        after = self.read(found, "after", self.duration)
        before = self.read(found, "before", self.duration)
        if "after" in found and "before" in found:
            self.error(found["before"][0], "give either 'after' or 'before', not both")
        elif "after" not in found and "before" not in found:
            self.error(
                node,
                "'after' or 'before' is missing (when the step is due, counted "
                "from its anchor session)",
            )
        at = self.read(found, "at", self.time_of_day)
        kinds = [kind.value for kind in StepKind]
        kind_name = self.read(found, "kind", lambda n, k: self.one_of(n, k, kinds))
        kind = None if kind_name is None else StepKind(kind_name)
        text = self.read(found, "text", self.texts)
        if text is not None and language not in text:
            self.error(
                found["text"][1],
                f"'text' has no {language!r} version (the protocol's default language)",
            )
        self.kind_keys(kind, found)
        # Misplaced kind-specific keys were reported above; their contents are not read.
        choices = (
            (self.read(found, "choices", self.choices) or ()) if kind is StepKind.CHOICE else ()
        )
        scale = self.read(found, "scale", self.scale) if kind is StepKind.SCALE else None
        questionnaire = self.read(
            found, "questionnaire", lambda n, k: self.one_of(n, k, QUESTIONNAIRE_IDS)
        )
        reminders = self.read(found, "reminders", self.reminders)
        window = self.read(found, "window", self.window)
        checklist = self.read(
            found, "checklist", lambda n, k: self.one_of(n, k, sorted(checklists()))
        )
        audiences = [audience.value for audience in Audience]
        audience = self.read(found, "audience", lambda n, k: self.one_of(n, k, audiences))
        if len(self.problems) > errors_before or not (step_id and anchor and kind and text):
            return None
        return self.build(
            node,
            lambda: ProtocolStep(
                id=step_id,
                anchor=anchor,
                kind=kind,
                text=localized(text),
                after=after,
                before=before,
                at=at,
                choices=choices,
                scale=scale,
                questionnaire=questionnaire,
                reminders=reminders,
                window=window,
                audience=Audience(audience) if audience else Audience.EACH,
                checklist=checklist if kind is StepKind.CHECKLIST else None,
            ),
        )

    def kind_keys(self, kind: StepKind | None, found: Fields) -> None:
        """Keys that belong to one kind of step appear on that kind, and only there."""
        if kind is None:
            return
        for key, owner in _KIND_KEYS.items():
            if key in found and kind is not owner:
                self.error(
                    found[key][0],
                    f"{key!r} only belongs to {owner.value} steps (this step is {kind.value})",
                )
        if kind is StepKind.CHOICE and "choices" not in found:
            self.error(found["kind"][1], "a choice step needs 'choices'")
        if kind is StepKind.CHECKLIST and "checklist" not in found:
            self.error(
                found["kind"][1],
                "a checklist step needs 'checklist' (one of "
                f"{', '.join(sorted(checklists()))})",
            )
        if kind is StepKind.QUESTIONNAIRE and "questionnaire" not in found:
            self.error(
                found["kind"][1],
                "a questionnaire step needs 'questionnaire' (one of "
                f"{', '.join(QUESTIONNAIRE_IDS)})",
            )

    def anchor(self, node: Node, key: str) -> Anchor | None:
        sessions = [kind.value for kind in SessionKind]
        occurrence: str | None = Occurrence.EACH.value
        if isinstance(node, MappingNode):
            found = self.fields(node, ("session", "occurrence"), ("session",), "'anchor'")
            if not found or "session" not in found:
                return None
            session = self.one_of(found["session"][1], "anchor.session", sessions)
            if "occurrence" in found:
                occurrences = [o.value for o in Occurrence]
                occurrence = self.one_of(found["occurrence"][1], "anchor.occurrence", occurrences)
        else:
            session = self.one_of(node, key, sessions)
        if session is None or occurrence is None:
            return None
        return Anchor(SessionKind(session), Occurrence(occurrence))

    def choices(self, node: Node, key: str) -> tuple[Choice, ...] | None:
        if not isinstance(node, SequenceNode) or not (
            _MIN_CHOICES <= len(node.value) <= _MAX_CHOICES
        ):
            self.error(
                node,
                f"{key!r} must be a list of {_MIN_CHOICES} to {_MAX_CHOICES} "
                "options, each '- id: …' with a 'label'",
            )
            return None
        choices: list[Choice] = []
        seen: dict[str, Node] = {}
        for option in node.value:
            found = self.fields(option, ("id", "label"), ("id", "label"), "a choice")
            if not found:
                continue
            choice_id = self.read(found, "id", lambda n, _: self.slug(n, "choices.id"))
            label = self.read(
                found, "label", lambda n, _: self.texts(n, "choices.label", _MAX_LABEL)
            )
            if choice_id is not None and choice_id in seen:
                self.error(
                    found["id"][1],
                    f"choice id {choice_id!r} is used twice{self.first_on(seen[choice_id])}",
                )
            elif choice_id is not None and label is not None:
                seen[choice_id] = found["id"][1]
                choices.append(Choice(choice_id, localized(label)))
        return tuple(choices)

    def scale(self, node: Node, key: str) -> ScaleLabels | None:
        found = self.fields(node, ("min_label", "max_label"), (), repr(key))
        if found is None:
            return None
        labels = {
            name: localized(self.texts(value, f"scale.{name}", _MAX_LABEL) or {})
            for name, (_, value) in found.items()
        }
        return ScaleLabels(**labels)
