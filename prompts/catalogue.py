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

import yaml

from bot.errors import CatalogueError

HERE = Path(__file__).parent
MESSAGES = HERE / "messages"
REFERENCE = "en"


def _flatten(prefix: str, node: Any, out: dict[str, str], source: Path) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if not isinstance(key, str):
                # YAML 1.1 reads yes/no/on/off as booleans: quote such keys
                raise CatalogueError.at(
                    source, None, f"{prefix}: key {key!r} is not text; quote it"
                )
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out, source)
    elif isinstance(node, str | int | float):
        out[prefix] = str(node)
    else:
        raise CatalogueError.at(source, None, f"{prefix}: expected text, got {type(node).__name__}")


def _load_file(path: Path) -> dict[str, str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise CatalogueError.at(path, line, str(getattr(exc, "problem", exc))) from None
    out: dict[str, str] = {}
    _flatten("", data or {}, out, path)
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
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    regions = {
        str(code): tuple(CrisisLine(str(i["name"]), str(i["contact"])) for i in items)
        for code, items in data["regions"].items()
    }
    default = str(data.get("default", "INTL"))
    if default not in regions:
        raise CatalogueError.at(path, None, f"default region {default!r} has no resources")
    zones = {str(k): str(v) for k, v in (data.get("zones") or {}).items()}
    for prefix, region in zones.items():
        if region not in regions:
            raise CatalogueError.at(
                path, None, f"zone {prefix!r} points to unknown region {region!r}"
            )
    return CrisisResources(regions=regions, zones=zones, default=default)


def crisis_text(catalogue: Catalogue, lang: str | None, region: str | None, tz: str | None) -> str:
    lines = crisis_resources().lines(region, tz)
    body = "\n".join(
        catalogue.text("crisis.line", lang, name=ln.name, contact=ln.contact) for ln in lines
    )
    return f"{catalogue.text('crisis.header', lang)}\n{body}"
