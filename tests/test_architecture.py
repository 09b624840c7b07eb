"""The code's shape: no import cycles, no hidden late imports, one owner for the SQL, each
subpackage importable alone, and the platform list taken from the spiders themselves."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from spiders.registry import platform_spiders
from tests.conftest import ROOT

FIRST_PARTY = ("pipeline", "spiders", "scheduler")


def _modules() -> dict[str, Path]:
    """Dotted name → file, for every first-party module (pipeline/, spiders/, scheduler.py)."""
    found = {"scheduler": ROOT / "scheduler.py"}
    for package in ("pipeline", "spiders"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name == "__main__.py":  # importing it runs the program
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


@cache
def parsed(name: str) -> tuple[ast.Module, list[str]]:
    """A first-party module's syntax tree and source lines (parsed once per test run)."""
    source = MODULES[name].read_text(encoding="utf-8")
    return ast.parse(source), source.splitlines()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


# The nodes that hold statements (expressions never hold an import).
STATEMENT_NODES = (ast.stmt, ast.excepthandler, ast.match_case)


def _imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import run when the module is used, with whether it sits inside a function.

    Imports under ``if TYPE_CHECKING:`` never run, so they are left out.
    """

    def walk(
        node: ast.AST, in_function: bool
    ) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, STATEMENT_NODES):  # imports are statements, in statements
                continue
            if isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.orelse:
                    yield from walk(stmt, in_function)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            yield from walk(child, inner)

    yield from walk(tree, False)


def _targets(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The first-party modules an import statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative: resolve against this module's package
            package = module.split(".")
            if not MODULES[module].name == "__init__.py":
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    return [n for n in names if n.split(".")[0] in FIRST_PARTY and n in MODULES]


@cache
def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        graph[name] = {t for node, _ in _imports(parsed(name)[0]) for t in _targets(node, name)}
        graph[name].discard(name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_import_graph_is_read() -> None:
    graph = _graph()
    assert len(graph) > 60
    assert "pipeline.store.ledger" in graph["pipeline.ilga.bills"]
    assert "pipeline.models" in graph["spiders.base"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_among_first_party_modules() -> None:
    assert _cycles(_graph()) == []


# A first-party import inside a function must say why on the line above: "# Deferred: …".
DEFERRED_REASON = re.compile(r"#\s*Deferred:", re.IGNORECASE)


def test_deferred_first_party_imports_say_why() -> None:
    unexplained = []
    for name, path in MODULES.items():
        tree, lines = parsed(name)
        for node, in_function in _imports(tree):
            if not in_function or not _targets(node, name):
                continue
            above = lines[node.lineno - 2 : node.lineno - 1]
            block = [ln for ln in lines[max(0, node.lineno - 4) : node.lineno - 1]]
            if not any(DEFERRED_REASON.search(ln) for ln in [*above, *block]):
                unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert unexplained == []


# The ledger's SQL: the package pipeline/store/ledger/ (its PostgreSQL dialect: postgres.py).
LEDGER_MODULES = tuple(n for n in MODULES if n.split(".")[:3] == ["pipeline", "store", "ledger"])


def test_only_the_ledger_speaks_sql() -> None:
    """No module but the ledger's imports a database driver (sqlite3, psycopg) or reaches into
    a ledger's connection."""
    assert {"pipeline.store.ledger", "pipeline.store.ledger.postgres"} <= set(LEDGER_MODULES)
    offenders = []
    for name, path in MODULES.items():
        if name in LEDGER_MODULES:
            continue
        for node in ast.walk(parsed(name)[0]):
            if isinstance(node, ast.Attribute) and node.attr == "conn":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .conn")
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                names = [module] if module else [a.name for a in node.names]
                for driver in ("sqlite3", "psycopg"):
                    if any(n == driver or n.startswith(f"{driver}.") for n in names if n):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {driver}")
    assert offenders == []


SUBPACKAGES = ("ingest", "text", "classify", "store", "deliver", "views", "ilga", "cli")
# Run in a child interpreter: before each import, every first-party module is forgotten, so the
# import starts from nothing of ours, as `python -c "import pipeline.store"` would (third-party
# modules stay loaded, which keeps this to one interpreter start-up instead of dozens).
IMPORT_ALONE = """
import importlib, json, sys
def alone(names):
    for loaded in [m for m in sys.modules if m.split(".")[0] in FIRST_PARTY]:
        del sys.modules[loaded]
    try:
        for name in names:
            importlib.import_module(name)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""
print(json.dumps({key: alone(names) for key, names in GROUPS.items()}))
"""


@pytest.fixture(scope="module")
def imported_alone() -> dict[str, str]:
    """Group → error ("" when fine): each subpackage with all its modules, then each module
    outside the subpackages (top-level pipeline modules, each spider module, the scheduler)."""
    groups = {
        f"package pipeline.{p}": sorted(n for n in MODULES if n.startswith(f"pipeline.{p}."))
        for p in SUBPACKAGES
    }
    assert all(groups.values())
    inside = {n for names in groups.values() for n in names}
    groups |= {name: [name] for name in sorted(MODULES) if name not in inside}
    script = f"FIRST_PARTY = {FIRST_PARTY!r}\nGROUPS = {groups!r}\n{IMPORT_ALONE}"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_each_subpackage_imports_alone(imported_alone: dict[str, str]) -> None:
    """``import pipeline.<sub>.<every module>`` with nothing of ours imported before."""
    packages = {k: v for k, v in imported_alone.items() if k.startswith("package ")}
    assert list(packages) == [f"package pipeline.{p}" for p in SUBPACKAGES]
    assert {k: v for k, v in packages.items() if v} == {}


def test_each_other_module_imports_alone(imported_alone: dict[str, str]) -> None:
    """Every module outside the subpackages imports first, on its own."""
    assert {k: v for k, v in imported_alone.items() if v} == {}
    assert {"pipeline.models", "spiders.registry", "scheduler"} <= set(imported_alone)


def _backticked(text: str) -> set[str]:
    return set(re.findall(r"`([a-z0-9_]+)`", text))


def test_the_documented_platforms_are_the_spiders() -> None:
    """README and the onboarding guide list exactly the platforms that have a spider."""
    platforms = set(platform_spiders()) - {"ilga"}  # the General Assembly is described apart
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("Supported platforms") :].split("\n- ")[0]
    assert _backticked(paragraph) == platforms
    guide = (ROOT / "docs" / "adding-a-municipality.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z0-9_]+)` \|", guide, re.MULTILINE))
    assert rows == platforms
