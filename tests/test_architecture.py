"""The package's shape: no import cycles (a module imported from one it imports is a climb back that
inline imports only hide); each table titled in one place."""

from __future__ import annotations

import ast
from pathlib import Path

from evidence import diff
from evidence.site import front_page
from evidence.titles import TABLE_TITLES

PACKAGE = Path(__file__).resolve().parents[1] / "evidence"

# The package's layers, lowest first (declared here once; bench/walk.py reads them). A module imports
# modules of its own layer or of lower ones, never one above it: a name ending in "." is a package
# with every module below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    # what every layer names: problems, the schema, the search indexes' declaration
    ("evidence.version", "evidence.columns", "evidence.problems", "evidence.latex", "evidence.choices", "evidence.titles",
     "evidence.schema", "evidence.storage", "evidence.search_indexes", "evidence.provenance", "evidence.fast_records",
     "evidence.languages"),
    # files: finding them, text, YAML, BibTeX, writing atomically
    ("evidence.discover", "evidence.text", "evidence.files", "evidence.yaml_safe", "evidence.yaml_fast",
     "evidence.bibtex", "evidence.inputs"),
    # what records mean, and the database read back: vocabularies, certainty, the guideline, synthesis,
    # read, diff, release history
    ("evidence.vocabulary", "evidence.grade", "evidence.guideline", "evidence.synthesis.", "evidence.read",
     "evidence.diff", "evidence.releases"),
    # the build's stages, in order
    ("evidence.pipeline.read", "evidence.pipeline.plan", "evidence.pipeline.parse", "evidence.validate",
     "evidence.pipeline.rows", "evidence.pipeline.counts", "evidence.pipeline.write"),
    # the build: the stages one after the other
    ("evidence.build", "evidence.pipeline"),
    # what is served and exported from the database
    ("evidence.presenter", "evidence.metadata", "evidence.exports.", "evidence.site.", "evidence.serve"),
    # the commands and the public API (evidence.load)
    ("evidence.cli", "evidence.scaffold", "evidence"),
)


def layer_of(name: str, layers=LAYERS) -> int:
    """The index of the layer that declares module ``name`` (KeyError when none does)."""
    for i, layer in enumerate(layers):
        if any(name == entry or (entry.endswith(".") and (name + ".").startswith(entry)) for entry in layer):
            return i
    raise KeyError(name)


def upward(graph: dict[str, set[str]], layers=LAYERS) -> list[tuple[str, str]]:
    """(importer, imported) for every import of a module in a higher layer than the importer's."""
    return sorted((a, b) for a, targets in graph.items() for b in targets if layer_of(b, layers) > layer_of(a, layers))


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
            for alias in node.names:  # each name: a submodule, or a name of the module ``base``
                candidate = f"{base}.{alias.name}"
                if candidate in known or base in known:
                    found.add(candidate if candidate in known else base)
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


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, set(known)) for name, path in known.items()}


def test_no_module_imports_one_above_it():
    """Every module is in a layer, and imports nothing from a layer above its own."""
    shape = graph()
    unlayered = []
    for name in sorted(shape):
        try:
            layer_of(name)
        except KeyError:
            unlayered.append(name)
    assert unlayered == []
    assert upward(shape) == []


def test_the_layer_check_sees_an_upward_import():
    assert upward({"evidence.schema": {"evidence.build"}, "evidence.build": {"evidence.schema"}}) == [
        ("evidence.schema", "evidence.build")]


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
