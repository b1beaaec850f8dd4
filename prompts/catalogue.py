"""The message catalogue: every text Ember shows, per language, from ``prompts/messages``.

English is the reference; a key missing in another language falls back to English, so a
new language is a translation file, not a code change. Also loads the crisis resources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import CatalogueError
from prompts.yaml_reader import YamlReader, read_text

HERE = Path(__file__).parent
MESSAGES = HERE / "messages"
REFERENCE = "en"


_STR = "tag:yaml.org,2002:str"
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _flatten(
    reader: YamlReader, prefix: str, node: Node, out: dict[str, str], *, lists: bool = False
) -> None:
    """Every text under ``node`` by its dotted key (a list's entries by their index, where
    ``lists`` allows them); every bad key or value is reported."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key_node.tag != _STR or not isinstance(key, str):
                # YAML 1.1 reads yes/no/on/off as booleans: quote such keys
                reader.problem(key_node, f"{prefix}: key {key!r} is not text; quote it")
                continue
            _flatten(reader, f"{prefix}.{key}" if prefix else key, value_node, out, lists=lists)
    elif isinstance(node, SequenceNode) and lists:
        for n, item in enumerate(node.value):
            _flatten(reader, f"{prefix}.{n}", item, out, lists=lists)
    elif isinstance(node, ScalarNode) and (node.tag == _STR or node.tag in _NUMBERS):
        out[prefix] = str(node.value)
    else:
        reader.problem(node, f"{prefix}: expected text, got {node.tag.rsplit(':', 1)[-1]}")


def _document(path: Path) -> tuple[YamlReader, Node | None]:
    reader = YamlReader(str(path))
    text = read_text(path, str(path), reader.problems, "cannot read the file")
    return reader, None if text is None else reader.compose(text)


def _load_file(path: Path) -> dict[str, str]:
    reader, root = _document(path)
    out: dict[str, str] = {}
    if root is not None:
        _flatten(reader, "", root, out)
    reader.raise_problems(CatalogueError)
    return out


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalogue:
    """Texts by dotted key and language, with ``{placeholder}`` filling."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        if REFERENCE not in texts:
            raise CatalogueError.at(MESSAGES, None, "the English catalogue (en.yaml) is missing")
        self._texts = texts

    @property
    def languages(self) -> list[str]:
        return sorted(self._texts)

    def supports(self, lang: str | None) -> bool:
        return bool(lang) and _base(lang) in self._texts

    def language_for(self, lang: str | None) -> str:
        return _base(lang) if self.supports(lang) else REFERENCE

    def text(self, key: str, lang: str | None = None, /, **values: Any) -> str:
        table = self._texts.get(_base(lang), {}) if lang else {}
        template = table.get(key) or self._texts[REFERENCE].get(key)
        if template is None:
            raise KeyError(f"message {key!r} is not in the catalogue")
        return template.format_map(_Default(values)) if values else template

    def crisis(self, lang: str | None, region: str | None, tz: str | None) -> str:
        """The crisis lines for a region (or the one a time zone implies), in ``lang``."""
        return crisis_text(self, lang, region, tz)

    def keys(self, lang: str = REFERENCE) -> set[str]:
        return set(self._texts.get(lang, {}))


def _base(lang: str | None) -> str:
    return (lang or REFERENCE).split("-")[0].split("_")[0].lower()


def load_catalogue(directory: Path = MESSAGES) -> Catalogue:
    return Catalogue({p.stem: _load_file(p) for p in sorted(directory.glob("*.yaml"))})


@cache
def default_catalogue() -> Catalogue:
    return load_catalogue()


@dataclass(frozen=True)
class CrisisLine:
    name: str
    contact: str


@dataclass(frozen=True)
class CrisisResources:
    regions: Mapping[str, tuple[CrisisLine, ...]]
    zones: Mapping[str, str]
    default: str

    def region_for(self, region: str | None, timezone: str | None) -> str:
        if region and region.upper() in self.regions:
            return region.upper()
        if timezone:
            best = ""
            for prefix in self.zones:
                if timezone.startswith(prefix) and len(prefix) > len(best):
                    best = prefix
            if best:
                return self.zones[best]
        return self.default

    def lines(self, region: str | None, timezone: str | None = None) -> tuple[CrisisLine, ...]:
        return self.regions[self.region_for(region, timezone)]


@cache
def crisis_resources(path: Path = HERE / "crisis_resources.yaml") -> CrisisResources:
    """The crisis lines per region and the zones that imply a region; every problem is
    reported at once (CatalogueError)."""
    reader, root = _document(path)
    texts: dict[str, str] = {}
    if root is not None:
        _flatten(reader, "", root, texts, lists=True)
    regions: dict[str, list[CrisisLine]] = {}
    names = {k.rsplit(".", 1)[0]: v for k, v in texts.items() if k.endswith(".name")}
    for key, value in texts.items():
        if key.startswith("regions.") and key.endswith(".contact"):
            code = key.split(".")[1]
            regions.setdefault(code, []).append(
                CrisisLine(names.get(key.rsplit(".", 1)[0], ""), value)
            )
    if root is not None and not regions:
        reader.problem(root, "'regions' must list the crisis lines of at least one region")
    default = texts.get("default", "INTL")
    if regions and default not in regions:
        reader.problem(None, f"default region {default!r} has no resources")
    zones = {k.split(".", 1)[1]: v for k, v in texts.items() if k.startswith("zones.")}
    for prefix, region in zones.items():
        if region not in regions:
            reader.problem(None, f"zone {prefix!r} points to unknown region {region!r}")
    reader.raise_problems(CatalogueError)
    return CrisisResources(
        regions={code: tuple(lines) for code, lines in regions.items()},
        zones=zones,
        default=default,
    )


def crisis_text(
    catalogue: Catalogue,
    lang: str | None,
    region: str | None,
    tz: str | None,
    *,
    header: bool = True,
) -> str:
    """The crisis lines of a region, one a line; ``header=False`` leaves out the lead-in,
    for messages that already have one (the safety messages)."""
    lines = crisis_resources().lines(region, tz)
    body = "\n".join(
        catalogue.text("crisis.line", lang, name=ln.name, contact=ln.contact) for ln in lines
    )
    return f"{catalogue.text('crisis.header', lang)}\n{body}" if header else body
