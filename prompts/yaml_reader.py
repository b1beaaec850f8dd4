"""The one way Ember reads its YAML content files: node by node, every problem collected.

Protocols, questionnaires, the message catalogue and the crisis resources are read with
:class:`YamlReader`. It composes the document (keeping line numbers), reports syntax
errors and empty files, and collects each problem as a :class:`bot.errors.Problem`; the
caller raises its :class:`bot.errors.ContentFileError` subclass once, with all of them,
so a reviewer fixes a file in one pass. A part that cannot be read is skipped (``stop``
records the problem and ends that part; ``attempt`` carries on with the next one).

Documents are composed with libyaml's loader where PyYAML has it (about 15 times faster:
the message catalogue alone took a sixth of a second at every start-up); a document it
cannot read is read again with PyYAML's own loader, so a problem is reported in the same
words whichever is installed. The screening rule files and lexicons are composed here too,
with libyaml's loader only (``YamlReader(source, loader=FAST_LOADER)``); their own node
readers collect every problem into one :class:`bot.domain.screening.ScreeningRuleError`, a
``ContentFileError``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import yaml
from yaml.nodes import Node

from bot.errors import ContentFileError, Problem

FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (about 15 times faster)."""


def compose(text: str, loader: Any = None) -> Node | None:
    """``yaml.compose`` with ``loader``; by default with libyaml's, and a document it cannot
    read is read again with PyYAML's own, whose error (if it has one) is the one raised."""
    if loader is None and FAST_LOADER is not yaml.SafeLoader:
        try:
            return yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            pass  # read again below, to say what is wrong in PyYAML's words
    return yaml.compose(text, Loader=loader or yaml.SafeLoader)


T = TypeVar("T")
P = ParamSpec("P")
E = TypeVar("E", bound=ContentFileError)


class Stop(Exception):
    """Ends the reading of one part of a file; its problem is already recorded."""


class YamlReader:
    """Reads one YAML document, collecting problems with their lines."""

    #: how a syntax error is worded; ``{problem}`` is YAML's own description
    syntax_error = "YAML syntax error: {problem}"
    #: the line an empty file is reported on (None: the file as a whole)
    empty_line: int | None = None

    def __init__(self, source: str, *, show_lines: bool = True, loader: Any = None) -> None:
        self.source = source
        self.show_lines = show_lines
        self.loader = loader  # None: libyaml's, and PyYAML's own to report a problem
        self.problems: list[Problem] = []

    # -- problems ------------------------------------------------------------------------

    def line_of(self, node: Node | None) -> int | None:
        if node is None or not self.show_lines:
            return None
        return int(node.start_mark.line) + 1

    def problem(self, node: Node | None, reason: str, *, line: int | None = None) -> None:
        """Record a problem at ``node`` (or at ``line``) and carry on."""
        self.problems.append(Problem(self.source, line or self.line_of(node), reason))

    def stop(self, node: Node | None, reason: str, *, line: int | None = None) -> Stop:
        """Record a problem and return the :class:`Stop` that ends this part (raise it)."""
        self.problem(node, reason, line=line)
        return Stop()

    def attempt(self, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """``read(...)``, or None when it stopped (its problem recorded)."""
        try:
            return read(*args, **kwargs)
        except Stop:
            return None

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: p.line or 0)

    def raise_problems(self, error: type[E]) -> None:
        """Raise ``error`` with every problem, in line order, if there are any."""
        if self.problems:
            raise error(self.sorted_problems())

    # -- the document ----------------------------------------------------------------------

    def compose(self, text: str) -> Node | None:
        """The document's root node; None (with the problem recorded) if there is none."""
        try:
            root = compose(text, self.loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            if exc.context_mark and exc.problem and "end of stream" in exc.problem:
                mark = exc.context_mark  # an unclosed quote or bracket: point at its start
            line = mark.line + 1 if mark is not None and self.show_lines else None
            problem = exc.problem or exc.context or "the file cannot be read"
            if exc.problem and exc.context and exc.context_mark:
                on_line = f" on line {exc.context_mark.line + 1}" if self.show_lines else ""
                problem += f" ({exc.context}{'' if mark is exc.context_mark else on_line})"
            self.problem(None, self.syntax_error.format(problem=problem), line=line)
            return None
        except yaml.YAMLError as exc:
            self.problem(None, self.syntax_error.format(problem=exc))
            return None
        if root is None:
            self.problem(None, "the file is empty", line=self.empty_line)
        return root


def read_text(path: Path, source: str, problems: list[Problem], what: str) -> str | None:
    """The text of ``path``; None, with a problem recorded, when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problems.append(Problem(source, None, f"{what}: {reason}"))
        return None
