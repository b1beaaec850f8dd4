"""Facts about rule patterns worked out once and remembered, and patterns compiled late.

Analysing a regular expression (its literal anchors, whether it starts with a letter,
whether it is valid) and compiling it cost far more than screening a text, and the
answers depend on the pattern's text alone. ``FACTS`` remembers them by pattern; the
loader fills it from, and saves it to, a cache file, so a start-up after the first one
analyses nothing. ``LazyPattern`` compiles a rule's expression the first time a text
reaches it: most rules never run for most texts, and ``ember screen "hello"`` compiles
none of them.

Both are pure memos: a missing or stale entry is simply worked out again.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

FACTS: dict[str, Any] = {}
"""``"kind:pattern"`` -> a JSON-able answer (list for a literal set, bool, or None)."""

USED: set[str] = set()
"""The keys looked up in this process: what is worth saving."""

T = TypeVar("T")


def remembered(kind: str, pattern: str, work: Callable[[str], T]) -> T:
    """``work(pattern)``, looked up in :data:`FACTS` first and stored there after."""
    key = f"{kind}:{pattern}"
    USED.add(key)
    if key in FACTS:
        return FACTS[key]  # type: ignore[no-any-return]
    value = work(pattern)
    FACTS[key] = value
    return value


class LazyPattern:
    """A regular expression compiled the first time it is used."""

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def __reduce__(self) -> tuple[type[LazyPattern], tuple[str]]:
        # pickled as its text (the start-up cache): compiled again when first used
        return (LazyPattern, (self.pattern,))

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text, pos, endpos)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(text, pos, endpos)

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled.findall(text, pos, endpos)
