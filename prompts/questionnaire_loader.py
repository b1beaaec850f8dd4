"""Read and validate the instrument files (``prompts/questionnaires/*.yaml``).

Validation walks PyYAML's composed node tree, so a problem is reported as
``file:line: reason`` — unknown or missing keys, wrong types, duplicate ids, bands that
leave gaps, alert conditions naming items that do not exist. Scoring lives in
``bot/domain/questionnaires.py``; the file format is described in ``docs/questionnaires.md``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.domain.questionnaires import (
    SUBJECT_PERCENTAGE,
    SUBJECT_TOTAL,
    TIERS,
    AlertRule,
    Band,
    Instrument,
    Item,
    MinimalImportantChange,
    Option,
    parse_condition,
)
from bot.domain.screening.model import Tier
from bot.errors import QuestionnaireFileError
from prompts.yaml_reader import Stop, YamlReader

__all__ = [
    "QUESTIONNAIRES_DIR",
    "QuestionnaireFileError",
    "instrument_from_yaml",
    "instruments",
    "load_instrument",
]

#: Where the shipped instruments live, one file per instrument named after its id.
QUESTIONNAIRES_DIR = Path(__file__).resolve().parent / "questionnaires"

_TOP_REQUIRED = ("id", "name", "citation", "timeframe", "instructions", "options", "items",
                 "scoring", "bands")
_TOP_OPTIONAL = ("short_name", "notes", "languages", "alerts",
                 "minimal_clinically_important_change")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_CATEGORY = re.compile(r"^[a-z][a-z_]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"

_Entries = dict[str, tuple[Node, Node]]


class _Reader(YamlReader):
    """Turns one file's node tree into an :class:`Instrument`, validating as it goes.

    A problem ends the part it is in (an item, an alert rule, a section); the other parts
    are still read, so the file's problems are reported together.
    """

    syntax_error = "not valid YAML ({problem})"
    empty_line = 1

    def error(self, node: Node | None, reason: str) -> Stop:
        return self.stop(node, reason, line=None if node is not None else 1)

    # -- typed access to nodes ---------------------------------------------------------

    def mapping(self, node: Node, what: str, required: tuple[str, ...],
                optional: tuple[str, ...] = ()) -> _Entries:
        """The entries of a mapping; every bad, repeated or missing key is reported."""
        if not isinstance(node, MappingNode):
            raise self.error(node, f"{what} must be a mapping")
        out: _Entries = {}
        before = len(self.problems)
        for key_node, value_node in node.value:
            key = self.attempt(self.text, key_node, "a key")
            if key is None:
                continue
            if key in out:
                self.error(key_node, f"duplicate key {key!r} in {what}")
            elif key not in required and key not in optional:
                allowed = ", ".join(sorted(required + optional))
                self.error(key_node, f"unknown key {key!r} in {what} (allowed: {allowed})")
            else:
                out[key] = (key_node, value_node)
        for key in required:
            if key not in out:
                self.error(node, f"{what} is missing {key!r}")
        if len(self.problems) > before:
            raise Stop()
        return out

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode) or not node.value:
            raise self.error(node, f"{what} must be a non-empty list")
        return list(node.value)

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag == _NULL or not str(node.value).strip():
            raise self.error(node, f"{what} must be a non-empty text")
        return str(node.value).strip()

    def identifier(self, node: Node, what: str, pattern: re.Pattern[str] = _ID) -> str:
        value = self.text(node, what)
        if not pattern.match(value):
            raise self.error(node, f"{what} {value!r} must be lower-case letters, digits and _")
        return value

    def integer(self, node: Node, what: str) -> int:
        if not isinstance(node, ScalarNode) or node.tag != _INT:
            raise self.error(node, f"{what} must be a whole number")
        try:
            return int(str(node.value))
        except ValueError:
            raise self.error(node, f"{what} must be a whole number") from None

    def boolean(self, node: Node, what: str) -> bool:
        if not isinstance(node, ScalarNode) or node.tag != _BOOL:
            raise self.error(node, f"{what} must be true or false")
        return str(node.value).lower() in ("true", "yes", "on")

    def choice(self, node: Node, what: str, options: tuple[str, ...]) -> str:
        value = self.text(node, what)
        if value not in options:
            raise self.error(node, f"{what} must be one of {', '.join(options)}, not {value!r}")
        return value

    # -- the sections ------------------------------------------------------------------

    def instrument(self, root: Node, expected_id: str | None) -> Instrument:
        top = self.mapping(root, "the file", _TOP_REQUIRED, _TOP_OPTIONAL)
        id_node = top["id"][1]
        instrument_id = self.attempt(self.identifier, id_node, "id")
        if expected_id is not None and instrument_id not in (None, expected_id):
            self.error(id_node, f"id {instrument_id!r} must match the file name "
                                f"({expected_id!r})")
        options = self.attempt(self.options, top["options"][1])
        items = self.attempt(self.items, top["items"][1], instrument_id or "")
        scoring = self.attempt(self.scoring, top["scoring"][1])
        bands = None
        if items is not None and options is not None:
            bands = self.attempt(self.bands, top["bands"][1], items, options)
        factor = scoring[1] if scoring is not None else None
        mic = None
        if "minimal_clinically_important_change" in top and scoring is not None:
            mic = self.attempt(
                self.minimal_change, top["minimal_clinically_important_change"][1], factor)
        alerts: tuple[AlertRule, ...] | None = ()
        if "alerts" in top and None not in (instrument_id, items, options, scoring):
            assert instrument_id is not None and items is not None and options is not None
            alerts = self.attempt(
                self.alerts, top["alerts"][1], instrument_id, items, options, factor)
        languages = self.attempt(self.languages, top)
        name = self.attempt(self.text, top["name"][1], "name")
        if self.problems:
            raise Stop()
        assert instrument_id and options and items and scoring and bands is not None
        assert alerts is not None and languages is not None and name is not None
        higher_is_better = scoring[0]
        try:
            return Instrument(
                id=instrument_id,
                name=name,
                short_name=self.text(top["short_name"][1], "short_name")
                if "short_name" in top else name,
                citation=self.text(top["citation"][1], "citation"),
                timeframe=self.text(top["timeframe"][1], "timeframe"),
                instructions=self.text(top["instructions"][1], "instructions"),
                items=items,
                options=options,
                bands=bands,
                alerts=alerts,
                higher_is_better=higher_is_better,
                percentage_factor=factor,
                minimal_important_change=mic,
                languages=languages,
                notes=self.text(top["notes"][1], "notes") if "notes" in top else "",
            )
        except ValueError as exc:  # a safety net: the checks above should catch it first
            raise self.error(root, str(exc)) from None

    def languages(self, top: _Entries) -> tuple[str, ...]:
        if "languages" not in top:
            return ("en",)
        nodes = self.sequence(top["languages"][1], "languages")
        languages = tuple(self.identifier(n, "a language", _LANGUAGE) for n in nodes)
        if "en" not in languages:
            raise self.error(top["languages"][1], "languages must include 'en'")
        return languages

    def options(self, node: Node) -> tuple[Option, ...]:
        out: list[Option] = []
        for option_node in self.sequence(node, "options"):
            entries = self.mapping(option_node, "an option", ("value", "label"))
            value = self.integer(entries["value"][1], "an option's value")
            if value < 0:
                raise self.error(entries["value"][1], "an option's value must not be negative")
            if any(option.value == value for option in out):
                raise self.error(entries["value"][1], f"option value {value} is used twice")
            if out and value != out[-1].value + 1:
                raise self.error(entries["value"][1], "option values must count up by one "
                                                      f"(expected {out[-1].value + 1})")
            out.append(Option(value, self.text(entries["label"][1], "an option's label")))
        return tuple(out)

    def items(self, node: Node, instrument_id: str) -> tuple[Item, ...]:
        out: list[Item | None] = []
        for number, item_node in enumerate(self.sequence(node, "items"), start=1):
            out.append(self.attempt(self.item, item_node, number, instrument_id))
        if None in out:
            raise Stop()  # each bad item is reported; the good ones are not enough
        return tuple(item for item in out if item is not None)

    def item(self, node: Node, number: int, instrument_id: str) -> Item:
        entries = self.mapping(node, "an item", ("id", "text"))
        id_node = entries["id"][1]
        item_id = self.identifier(id_node, "an item id")
        expected = f"{instrument_id}_{number}"
        if item_id != expected:
            raise self.error(id_node, f"item {number} must have the id {expected!r}, "
                                      f"not {item_id!r}")
        return Item(item_id, number, self.text(entries["text"][1], "an item's text"))

    def scoring(self, node: Node) -> tuple[bool, int | None]:
        entries = self.mapping(node, "scoring", ("method", "higher_is_better"),
                               ("percentage_factor",))
        self.choice(entries["method"][1], "scoring method", ("sum",))
        higher = self.boolean(entries["higher_is_better"][1], "higher_is_better")
        factor = None
        if "percentage_factor" in entries:
            factor = self.integer(entries["percentage_factor"][1], "percentage_factor")
            if factor <= 0:
                raise self.error(entries["percentage_factor"][1],
                                 "percentage_factor must be positive")
        return higher, factor

    def bands(self, node: Node, items: tuple[Item, ...],
              options: tuple[Option, ...]) -> tuple[Band, ...]:
        lowest = len(items) * options[0].value
        highest = len(items) * options[-1].value
        out: list[Band] = []
        expected = lowest
        for band_node in self.sequence(node, "bands"):
            entries = self.mapping(band_node, "a band", ("id", "label", "min", "max"),
                                   ("description",))
            band_id = self.identifier(entries["id"][1], "a band id")
            if any(band.id == band_id for band in out):
                raise self.error(entries["id"][1], f"band id {band_id!r} is used twice")
            low = self.integer(entries["min"][1], "a band's min")
            high = self.integer(entries["max"][1], "a band's max")
            if low != expected:
                raise self.error(entries["min"][1], f"band {band_id!r} must start at {expected} "
                                 f"(bands run in order over {lowest}–{highest} with no gaps "
                                 "or overlaps)")
            if high < low:
                raise self.error(entries["max"][1], f"band {band_id!r} ends before it starts")
            if high > highest:
                raise self.error(entries["max"][1], f"band {band_id!r} ends at {high}, past the "
                                                    f"highest possible total {highest}")
            description = ""
            if "description" in entries:
                description = self.text(entries["description"][1], "a band's description")
            out.append(Band(band_id, self.text(entries["label"][1], "a band's label"),
                            low, high, description))
            expected = high + 1
        if expected != highest + 1:
            raise self.error(node, f"bands stop at {expected - 1}; they must reach the highest "
                                   f"possible total {highest}")
        return tuple(out)

    def minimal_change(self, node: Node, factor: int | None) -> MinimalImportantChange:
        entries = self.mapping(node, "minimal_clinically_important_change",
                               ("points", "scale", "source"))
        points = self.integer(entries["points"][1], "points")
        if points <= 0:
            raise self.error(entries["points"][1], "points must be positive")
        scale_node = entries["scale"][1]
        scale = self.choice(scale_node, "scale", ("total", "percentage"))
        if scale == "percentage" and factor is None:
            raise self.error(scale_node, "scale 'percentage' needs scoring.percentage_factor")
        return MinimalImportantChange(
            points=points,
            scale="percentage" if scale == "percentage" else "total",
            source=self.text(entries["source"][1], "source"),
        )

    def alerts(self, node: Node, instrument_id: str, items: tuple[Item, ...],
               options: tuple[Option, ...], factor: int | None) -> tuple[AlertRule, ...]:
        out: list[AlertRule] = []
        failed = False
        for rule_node in self.sequence(node, "alerts"):
            rule = self.attempt(self.alert, rule_node, instrument_id, items, options, factor, out)
            failed = failed or rule is None
            if rule is not None:
                out.append(rule)
        if failed:
            raise Stop()
        return tuple(out)

    def alert(self, rule_node: Node, instrument_id: str, items: tuple[Item, ...],
              options: tuple[Option, ...], factor: int | None,
              out: list[AlertRule]) -> AlertRule:
        item_ids = {item.id for item in items}
        entries = self.mapping(rule_node, "an alert",
                               ("id", "when", "tier", "category", "reason"))
        id_node = entries["id"][1]
        rule_id = self.identifier(id_node, "an alert id", _RULE_ID)
        if not rule_id.startswith(f"{instrument_id}."):
            raise self.error(id_node, f"alert id {rule_id!r} must start with "
                                      f"'{instrument_id}.'")
        if any(rule.id == rule_id for rule in out):
            raise self.error(id_node, f"alert id {rule_id!r} is used twice")
        when_node = entries["when"][1]
        try:
            subject, comparison, threshold = parse_condition(
                self.text(when_node, "an alert's condition"))
        except ValueError as exc:
            raise self.error(when_node, str(exc)) from None
        if subject == SUBJECT_PERCENTAGE and factor is None:
            raise self.error(when_node, "this instrument has no percentage score")
        if subject not in (SUBJECT_TOTAL, SUBJECT_PERCENTAGE) and subject not in item_ids:
            raise self.error(when_node, f"{subject!r} is not 'total', 'percentage' or an "
                                        f"item id of {instrument_id}")
        if subject in item_ids and not options[0].value <= threshold <= options[-1].value:
            raise self.error(when_node, f"{threshold} is outside the answer values "
                             f"{options[0].value}–{options[-1].value}")
        return AlertRule(
            id=rule_id,
            subject=subject,
            comparison=comparison,
            threshold=threshold,
            tier=Tier.from_label(self.choice(entries["tier"][1], "tier", TIERS)),
            category=self.identifier(entries["category"][1], "a category", _CATEGORY),
            reason=self.text(entries["reason"][1], "an alert's reason"),
        )


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def instrument_from_yaml(text: str, name: str = "<text>",
                         expected_id: str | None = None) -> Instrument:
    """Parse one instrument from YAML text; ``name`` labels the problems reported."""
    reader = _Reader(name)
    root = reader.compose(text)
    instrument = None if root is None else reader.attempt(reader.instrument, root, expected_id)
    reader.raise_problems(QuestionnaireFileError)
    assert instrument is not None
    return instrument


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate one instrument file; its ``id`` must equal the file's stem."""
    file = Path(path)
    name = _display_name(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionnaireFileError.at(name, 1, f"cannot be read ({exc})") from None
    return instrument_from_yaml(text, name, expected_id=file.stem)


@functools.cache
def _shipped() -> Mapping[str, Instrument]:
    found = {}
    for file in sorted(QUESTIONNAIRES_DIR.glob("*.yaml")):
        instrument = load_instrument(file)
        found[instrument.id] = instrument
    return found


def instruments() -> dict[str, Instrument]:
    """The shipped instruments by id, read once per process (a fresh dict on each call)."""
    return dict(_shipped())
