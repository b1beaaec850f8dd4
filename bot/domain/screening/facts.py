"""Facts about rule patterns worked out once and remembered, and patterns compiled late.

Analysing a regular expression (its literal anchors, whether it starts with a letter,
whether it is valid) and compiling it cost far more than screening a text, and the
answers depend on the pattern's text alone. ``FACTS`` remembers them by pattern; the
loader fills it from, and saves it to, a cache file, so a start-up after the first one
analyses nothing. ``LazyPattern`` compiles a rule's expression the first time a text
reaches it: most rules never run for most texts, and ``ember screen "hello"`` compiles
none of them.

A pattern can also carry its compiled form, worked out ahead (:meth:`LazyPattern.precompile`)
for the screener's start-up cache (``prompts/screening_cache.py``): the regular-expression
engine's own code, which CPython's ``re`` makes from the pattern and hands to ``_sre``.
It is kept only when the pattern it makes is identical to ``re.compile``'s (CPython
compares patterns by their code), so the first text that needs a large rule after a start
does not wait tens of milliseconds for it. Anywhere this cannot be done, the pattern is
compiled by ``re`` as before.

All are pure memos: a missing or stale entry is simply worked out again.
"""

from __future__ import annotations

import importlib
import re
import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

try:  # CPython's regular-expression engine, and the parts of ``re`` that feed it
    _sre: Any = importlib.import_module("_sre")
    _parser: Any = importlib.import_module("re._parser")
    _compiler: Any = importlib.import_module("re._compiler")
except ImportError:  # another Python: patterns are compiled by ``re``
    _sre = _parser = _compiler = None

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


Code = tuple[int, Sequence[int], int, dict[str, int]]
"""A pattern's compiled form: flags, the engine's code, the number of groups, their names."""


def compiled_code(pattern: str) -> Code | None:
    """``pattern``'s compiled form, as ``re.compile`` makes it, or None where it cannot be
    worked out here (another Python) or would not give a pattern identical to re's."""
    if _sre is None:
        return None
    try:
        parsed = _parser.parse(pattern, 0)
        code = [int(op) for op in _compiler._code(parsed, 0)]
        packed = array("I", code) if array("I").itemsize == _sre.CODESIZE else code
        names = dict(parsed.state.groupdict)
        found: Code = (parsed.state.flags, packed, parsed.state.groups, names)
        rebuilt, reference = from_code(pattern, found), re.compile(pattern)
        if rebuilt != reference:  # CPython compares flags, pattern and the code itself
            return None
        if (rebuilt.groups, rebuilt.groupindex) != (reference.groups, reference.groupindex):
            return None
    except Exception:  # whatever the internals do in another version: ``re`` compiles
        return None
    return found


def from_code(pattern: str, code: Code) -> re.Pattern[str]:
    """The pattern built from its compiled form (what ``re``'s compiler does last)."""
    flags, ops, groups, names = code
    by_index: list[str | None] = [None] * groups
    for name, index in names.items():
        by_index[index] = name
    compiled: re.Pattern[str] = _sre.compile(
        pattern, flags, list(ops), groups - 1, names, tuple(by_index)
    )
    return compiled


class LazyPattern:
    """A regular expression compiled the first time it is used (from its compiled form, if
    :meth:`precompile` worked it out before it was pickled)."""

    __slots__ = ("_code", "_compiled", "pattern")

    def __init__(self, pattern: str, code: Code | None = None) -> None:
        self.pattern = pattern
        self._code = code
        self._compiled: re.Pattern[str] | None = None

    def __reduce__(self) -> tuple[type[LazyPattern], tuple[str, Code | None]]:
        # pickled as its text and compiled form (the start-up cache), compiled when first used
        return (LazyPattern, (self.pattern, self._code))

    def precompile(self) -> None:
        """Work out the compiled form, to be pickled with the pattern."""
        if self._code is None:
            self._code = compiled_code(self.pattern)

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            compiled = None
            if self._code is not None:
                try:
                    compiled = from_code(self.pattern, self._code)
                except Exception:  # a form this Python cannot take: ``re`` compiles
                    compiled = None
            self._compiled = compiled if compiled is not None else re.compile(self.pattern)
        return self._compiled

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text, pos, endpos)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(text, pos, endpos)

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled.findall(text, pos, endpos)
