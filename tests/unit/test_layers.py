"""The layers keep to their side: handlers see only the domain and the services, and
nothing outside storage/ speaks SQLAlchemy or reaches the rows in storage.models."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "prompts", "storage")

# What a Telegram adapter may import besides the standard library and itself.
HANDLER_IMPORTS = ("telegram", "bot.domain", "bot.services", "bot.errors", "bot.context")


def modules(*packages: str) -> Iterator[Path]:
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """Every module ``path`` imports (absolute names), with its line number."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def where(path: Path, line: int, name: str) -> str:
    return f"{path.relative_to(ROOT)}:{line} imports {name}"


def test_handlers_import_only_the_domain_and_the_services() -> None:
    found = [
        where(path, line, name)
        for path in modules("handlers")
        for line, name in imports_of(path)
        if not (
            name.split(".")[0] in sys.stdlib_module_names
            or under(name, "handlers")
            or any(under(name, allowed) for allowed in HANDLER_IMPORTS)
        )
    ]
    assert found == []


@pytest.mark.parametrize("package", ["bot", "handlers", "prompts"])
def test_nothing_outside_storage_touches_sqlalchemy(package: str) -> None:
    found = [
        where(path, line, name)
        for path in modules(package)
        for line, name in imports_of(path)
        if under(name, "sqlalchemy") or under(name, "storage.models")
    ]
    assert found == []


def test_the_domain_depends_on_nothing_of_ours_outside_it() -> None:
    found = [
        where(path, line, name)
        for path in modules("bot/domain")
        for line, name in imports_of(path)
        if any(under(name, p) for p in PACKAGES)
        and not (under(name, "bot.domain") or name in ("bot.clock", "bot.errors"))
    ]
    assert found == []


def test_the_services_never_import_telegram() -> None:
    found = [
        where(path, line, name)
        for path in modules("bot/services")
        for line, name in imports_of(path)
        if under(name, "telegram")
    ]
    assert found == []


def test_the_services_never_import_storage() -> None:
    """Services are typed against the protocols of bot/services/unit_of_work.py, which
    storage's unit of work and the tests' in-memory fake both satisfy (mypy checks it)."""
    found = [
        where(path, line, name)
        for path in modules("bot/services")
        for line, name in imports_of(path)
        if under(name, "storage")
    ]
    assert found == []


def test_handlers_keep_no_state_in_the_process() -> None:
    """A module-level dict or list in a handler is per process, and wrong the day a second
    instance starts; shared state lives in the database (constants in UPPER_CASE are fine)."""
    found = []
    for path in modules("handlers"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            value = getattr(node, "value", None)
            mutable = isinstance(value, ast.Dict | ast.List | ast.Set) or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in ("dict", "list", "set", "defaultdict", "OrderedDict")
            )
            for target in targets:
                name = target.id if isinstance(target, ast.Name) else "__all__"
                if mutable and not name.isupper() and name != "__all__":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert found == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level_imports(path: Path, known: set[str]) -> set[str]:
    """The modules of ours that ``path`` imports at module level (TYPE_CHECKING included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    nodes: list[ast.stmt] = list(tree.body)
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.If):
            nodes += node.body + node.orelse
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in known}


def test_there_are_no_import_circles() -> None:
    """bot/app.py knows everything; nothing imports it back, and no two modules need each
    other (the screener's own package is left out: its modules form one unit)."""
    paths = {
        _module_name(p): p for p in modules(*PACKAGES) if "bot/domain/screening/" not in str(p)
    }
    known = set(paths)
    graph = {name: _module_level_imports(path, known) - {name} for name, path in paths.items()}
    # a package's __init__ importing its own modules is not a circle with them
    graph = {
        name: {dep for dep in deps if not name.startswith(dep + ".")}
        for name, deps in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(name: str) -> None:  # Tarjan's strongly connected components
        index[name] = low[name] = len(index)
        stack.append(name)
        for dep in graph[name]:
            if dep not in index:
                visit(dep)
                low[name] = min(low[name], low[dep])
            elif dep in stack:
                low[name] = min(low[name], index[dep])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert circles == []
