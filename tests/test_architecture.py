"""The package's shape: no import cycles (a module imported from one it imports is a climb back that
inline imports only hide); each table titled in one place."""

from __future__ import annotations

import ast
from pathlib import Path

from evidence import diff
from evidence.site import front_page
from evidence.titles import TABLE_TITLES

PACKAGE = Path(__file__).resolve().parents[1] / "evidence"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules ``name`` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([node.module] if node.module else [])])
            for candidate in [*(f"{base}.{alias.name}" for alias in node.names), base]:
                if candidate in known:
                    found.add(candidate)
                    break
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
    return found - {name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    known = modules()
    assert cycles({name: imports(name, path, set(known)) for name, path in known.items()}) == []


def test_the_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_tables_are_titled_once():
    """`evidence diff`, the changes pages and the site's table pages call a table by the same title."""
    assert diff.TITLES == {table: TABLE_TITLES[table] for table in diff.TABLES}
    assert front_page.TABLE_TITLES is TABLE_TITLES
    assert diff.TITLES["questions"] == front_page.table_title("questions")


def test_the_pooling_methods_offered_are_the_ones_computed():
    """A method is a term of evidence/scales.yaml (what a finding may name), a name in synthesis/names.py
    and, when it has a between-study variance, an estimator in synthesis/tau2.py."""
    from evidence.synthesis import names, tau2
    from evidence.vocabulary import scales

    assert set(scales().terms("pooling_method")) == set(names.METHODS)
    assert set(tau2.ESTIMATORS) == set(names.RANDOM) <= set(names.METHODS)


def test_every_module_is_in_a_mutation_group():
    """`make mutate` (bench/mutation.py) plants faults in every module of the package: a new module
    joins a group (and its tests) or it is never mutated."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation", PACKAGE.parent / "bench" / "mutation.py")
    mutation = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutation)
    grouped = [module for modules, _ in mutation.GROUPS.values() for module in modules]
    assert len(grouped) == len(set(grouped))
    assert sorted(grouped) == sorted(p.relative_to(PACKAGE.parent).as_posix() for p in modules().values())
