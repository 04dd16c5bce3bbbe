"""The package's shape, measured (issue 23): import cycles, upward imports, the largest module, and the
walk of a build's input through the modules.

    python bench/walk.py [--root DIR] [--walk] [--layer MODULE=N ...]

Imports: the graph, the cycle finder and the layers are those of tests/test_architecture.py (LAYERS,
declared there once, lowest first); an upward import is an import of a module in a higher layer than
the importer's. ``--root`` measures another checkout (an older tree) with this script's rules; a module
the layers do not name is given a layer with ``--layer evidence.inputs=1``.

The walk (``--walk``): builds a copy of the curated data three times under ``sys.setprofile``: a first
build (no database: the full path), an edit of one finding (the incremental path) and a build with
nothing changed. A stop is the entry of a function of the package that is given the ``data`` argument of
``build.build`` (the same path); a climb is a stop whose module is in a higher layer than the module of
the package function that called it; a module is entered each time a stop's module differs from its
caller's. Beside the walk of ``data``, every call from one module of the package to another during
the build is counted, once per (caller's module, module) pair, and those into a higher layer listed
(callbacks, such as files.Staged.write calling the function that writes the database, are such calls).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def architecture():
    spec = importlib.util.spec_from_file_location("test_architecture", HERE / "tests" / "test_architecture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shape(root: Path, layers) -> dict:
    arch = architecture()
    package = root / "evidence"
    known = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        known[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {name: arch.imports(name, path, set(known)) for name, path in known.items()}
    lines = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in known.items()}
    largest = max(lines, key=lines.get)
    return {"modules": len(known), "cycles": arch.cycles(graph), "upward": arch.upward(graph, layers),
            "largest": (largest, lines[largest])}


def walk(root: Path, overrides: list[str]) -> dict:
    """Stops, climbs and module entries of three builds (see the module's docstring). Run in a process
    of its own, before anything imports the package: the checkout measured, not the one installed."""
    sys.path.insert(0, str(root))
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "").lower()]
    from evidence import build as builder

    assert Path(builder.__file__).resolve().is_relative_to(root), builder.__file__
    arch, layers = architecture(), layers_of(overrides)

    package = str(root / "evidence") + "/"

    def module_of(code) -> str | None:
        name = code.co_filename
        if not name.startswith(package):
            return None
        parts = Path(name).relative_to(root).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data, db = Path(tmp) / "data", Path(tmp) / "evidence.db"
        shutil.copytree(root / "data", data)
        for label in ("full (first build)", "incremental (one finding edited)", "no-op"):
            if label.startswith("incremental"):
                path = data / "studies.yaml"  # as tests/test_incremental.py edits a finding
                path.write_text(path.read_text().replace("Cited in the guideline module's Conclusies",
                                                         "Cited (edited) in the guideline module's Conclusies", 1))
            stops: list[tuple[str, str, str | None]] = []  # (module, function, caller's module)
            edges: set[tuple[str, str]] = set()  # (caller's module, module) of every call between modules
            seen: list = []  # frames entered: a generator resumed is not entered again

            def profile(frame, event, arg):
                if event != "call":
                    return
                module = module_of(frame.f_code)
                if module is None or any(frame is f for f in seen):
                    return
                caller = frame.f_back
                while caller is not None and module_of(caller.f_code) is None:
                    caller = caller.f_back
                if caller is not None and module_of(caller.f_code) != module:
                    edges.add((module_of(caller.f_code), module))
                code = frame.f_code
                names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
                if not any(isinstance(frame.f_locals.get(n), Path) and frame.f_locals.get(n) == data for n in names):
                    return
                seen.append(frame)
                stops.append((module, code.co_name, module_of(caller.f_code) if caller else None))

            sys.setprofile(profile)
            try:
                builder.build(data, db, log=lambda _: None)
            except Exception as e:
                raise SystemExit(f"{label}: {getattr(e, 'report', e)}") from None
            finally:
                sys.setprofile(None)
            entered = Counter(m for m, _, c in stops if m != c)
            climbs = [(c, m, f) for m, f, c in stops if c and arch.layer_of(m, layers) > arch.layer_of(c, layers)]
            up = sorted((a, b) for a, b in edges if arch.layer_of(b, layers) > arch.layer_of(a, layers))
            results[label] = {"edges": len(edges), "edges_up": up, "modules_called": len({m for e in edges for m in e}),
                              "stops": len(stops), "modules": len({m for m, _, _ in stops}), "entered": dict(entered),
                              "climbs": len(climbs), "climbed": sorted(set(climbs)),
                              "path": [f"{m.removeprefix('evidence.')}.{f}" for m, f, _ in stops]}
    return results


def layers_of(overrides: list[str]) -> list[list[str]]:
    layers = [list(layer) for layer in architecture().LAYERS]
    for item in overrides:
        name, _, index = item.partition("=")
        layers[int(index)].append(name)
    return layers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="The checkout to measure (default: this one).")
    parser.add_argument("--walk", action="store_true", help="Also trace three builds of the curated data.")
    parser.add_argument("--layer", action="append", default=[], help="MODULE=N: a layer for a module LAYERS does not name.")
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)  # the walk's own process
    args = parser.parse_args()
    root = args.root.resolve()
    if args.trace:
        print(json.dumps(walk(root, args.layer)))
        return
    found = shape(root, layers_of(args.layer))
    print(f"modules: {found['modules']}")
    print(f"import cycles: {len(found['cycles'])} {found['cycles']}")
    print(f"upward imports: {len(found['upward'])}")
    for a, b in found["upward"]:
        print(f"  {a} -> {b}")
    print(f"largest module: {found['largest'][0]} ({found['largest'][1]} lines)")
    if args.walk:
        child = subprocess.run([sys.executable, __file__, "--trace", "--root", str(root),
                                *(f"--layer={item}" for item in args.layer)], capture_output=True, text=True, check=True)
        for label, result in json.loads(child.stdout).items():
            print(f"walk of build.build's data, {label}: {result['stops']} stops in {result['modules']} modules, "
                  f"{result['climbs']} climbs; entered: {result['entered']}")
            print("  " + " → ".join(result["path"]))
            for caller, callee, function in result["climbed"]:
                print(f"  climb: {caller} → {callee}.{function}")
            print(f"  calls between modules: {result['edges']} (caller, callee) pairs over {result['modules_called']} "
                  f"modules, {len(result['edges_up'])} into a higher layer: "
                  + ", ".join(f"{a.removeprefix('evidence.')} → {b.removeprefix('evidence.')}" for a, b in result["edges_up"]))


if __name__ == "__main__":
    main()
