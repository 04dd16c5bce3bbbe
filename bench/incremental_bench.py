"""Incremental build benchmark: one review added, one record edited, nothing changed, against a full build.

    python bench/incremental_bench.py --findings 100000 [--out DIR] [--no-verify] [--repeats 3]

Generates the synthetic corpus of bench/build_bench.py (10 findings per source), builds it in full,
then, each timed in a child process of its own (the build call only, as build_bench times it):
1. add one review: a new source block of 10 findings at the end of studies.yaml and its entry in
   references.bib, and build;
2. add one review in a new file (data/new-review.yaml) and its entry, and build;
3. edit one record: one finding's statement in the middle of studies.yaml, and build;
4. build again with nothing changed (the one-hash-pass path).
Each is reported as seconds and as a share of the full build; the goal (issue 17) is at most 5% for
1–3 and 3% for 4. With verification (the default), the final database is compared with a full build
of the same inputs from the same previous database: the same rows in the same stored order in every
table and full-text index (build_info's content hash and the changes table included), each index
passing FTS5's integrity-check.

Then, end to end (issue 30, item 2: as a user runs them), ``--repeats`` times from the same full
build: ``evidence build --force`` as a subprocess (start-up included), then each of the four steps
above as ``evidence build``; each step's share of that repeat's full build is printed as
min/median/max over the repeats (goals as above: 5% for the three edits, 3% for the no-op), in wall
time and in CPU time (the process's and its children's: steadier on a shared machine).
Every child runs with Python's bytecode cache on (``installed``), as an installed package does.
``--against OTHER/.venv/bin/python`` runs another checkout's ``evidence`` in each repeat too, taking
turns with this one's, each from a database its own code built: a before/after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

GOALS = {"add_review": 0.05, "add_review_file": 0.05, "edit_record": 0.05, "no_op": 0.03}


def phase_build(out: Path, db: Path, force: bool) -> dict:
    from evidence import build as builder

    lines: list[str] = []
    started = time.perf_counter()
    result = builder.build(out / "data", db, force=force, log=lines.append)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "incremental": any("incrementally" in line for line in lines),
            "changes": None if result.changes is None else len(result.changes), "log": lines[-3:]}


def installed(out: Path) -> dict:
    """The environment of a child build: Python's bytecode cache on (in OUT/pycache), as an installed
    package has it, also where PYTHONDONTWRITEBYTECODE is set (this machine sets it): otherwise every
    process compiles the package's modules from source again, a cost no installed package pays."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(out / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(out: Path, force: bool = False, db: str = "evidence.db") -> dict:
    args = [sys.executable, __file__, "--phase", "full" if force else "build", "--out", str(out), "--db", str(out / db)]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, env=installed(out))
    _, status, usage = os.wait4(child.pid, 0)
    output = child.stdout.read().decode()
    if status != 0:
        raise SystemExit(f"build failed (status {status})")
    return {**json.loads(output.strip().splitlines()[-1]), "peak_rss_mb": round(usage.ru_maxrss / 1024)}


def end_to_end(out: Path, steps: dict, repeats: int, against: Optional[Path] = None) -> dict:
    """Each step's share of a full build, both run as ``evidence build`` in a process of its own,
    interleaved: every repeat starts from the same data and database (the full build's). ``against``:
    another checkout's Python, whose ``evidence`` takes its turn in each repeat, from a database it built
    (a database built by other code would make every build a full one)."""
    sides = {"this": Path(sys.executable).parent / "evidence"}
    work = out / "end-to-end"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(out / "data", work / "start")
    shutil.copy(out / "evidence.db", work / "start-this.db")

    def run(evidence: Path, *flags: str) -> tuple[float, float]:
        """Wall and CPU seconds (the process and its children) of one `evidence build`."""
        started = time.perf_counter()
        child = subprocess.Popen([str(evidence), "build", "--data", str(work / "data"), "--db", str(work / "evidence.db"),
                                  *flags], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=installed(out))
        _, status, usage = os.wait4(child.pid, 0)
        if status:
            raise SystemExit(f"{evidence} build {' '.join(flags)} failed (status {status})")
        return time.perf_counter() - started, usage.ru_utime + usage.ru_stime

    def reset(side: str) -> None:
        shutil.rmtree(work / "data", ignore_errors=True)
        shutil.copytree(work / "start", work / "data")
        shutil.copy(work / f"start-{side}.db", work / "evidence.db")

    if against:
        sides["against"] = against.parent / "evidence"
        reset("this")
        run(sides["against"], "--force")
        shutil.copy(work / "evidence.db", work / "start-against.db")
    shares = {side: {name: ([], []) for name in steps} for side in sides}
    fulls: dict[str, list[float]] = {side: [] for side in sides}
    for repeat in range(repeats):
        for side, evidence in sides.items():
            reset(side)
            full, full_cpu = run(evidence, "--force")
            fulls[side].append(full)
            for name, change in steps.items():
                change(work)
                wall, cpu = run(evidence)
                shares[side][name][0].append(wall / full)
                shares[side][name][1].append(cpu / full_cpu)
            print(f"[{repeat + 1}/{repeats}] {side}: end to end: full {full:.2f} s; "
                  + ", ".join(f"{name} {v[0][-1]:.2%} (CPU {v[1][-1]:.2%})" for name, v in shares[side].items()),
                  file=sys.stderr)

    def spread(values: list[float], digits: int = 4) -> list[float]:
        return [round(min(values), digits), round(statistics.median(values), digits), round(max(values), digits)]

    results = {side: {"full_seconds": spread(fulls[side], 2),
                      **{name: {"share_of_full": spread(wall), "cpu_share_of_full": spread(cpu), "goal": GOALS[name],
                                "met": statistics.median(wall) <= GOALS[name]} for name, (wall, cpu) in v.items()}}
               for side, v in shares.items()}
    return results["this"] if not against else {**results["this"], "against": results["against"]}


def review(n: int) -> tuple[str, str]:
    """A new source block of 10 findings and its bibliography entry."""
    from build_bench import FINDINGS_PER_SOURCE, finding_yaml

    block = (f"- id: added-{n}\n  citation_key: added{n}\n  design: cochrane_review\n  status: included\n  findings:\n"
             + "\n".join(finding_yaml(n * FINDINGS_PER_SOURCE + k) for k in range(FINDINGS_PER_SOURCE)) + "\n")
    entry = (f"@article{{added{n},\n  author = {{Added{n}, A.}},\n  title = {{An added review {n}}},\n"
             f"  journal = {{Journal of Benchmarks}},\n  year = {{2026}},\n}}\n\n")
    return block, entry


def add(out: Path, path: Path, n: int) -> None:
    block, entry = review(n)
    with path.open("a", encoding="utf-8") as f:
        f.write(block)
    with (out / "data" / "references.bib").open("a", encoding="utf-8") as f:
        f.write(entry)


def edit(out: Path) -> None:
    path = out / "data" / "studies.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index("      statement: ", len(text) // 2)
    path.write_text(text[:at] + "      statement: Edited. " + text[at + len("      statement: "):], encoding="utf-8")


SHADOW = ("_data", "_idx", "_docsize", "_config", "_content")  # FTS5's own tables: their layout may differ


def table_rows(db: Path) -> dict[str, list[str]]:
    """Every row of every table and full-text index, in the order stored (rowid), not sorted: a build that
    stores the same rows in another order differs. Each FTS5 index must pass its own integrity-check
    (an index that misses or keeps stale rows raises "database disk image is malformed")."""
    conn = sqlite3.connect(db)
    result = {}
    for table, create in conn.execute("select name, sql from sqlite_master where type = 'table' "
                                      "and name not like 'sqlite_%' order by name").fetchall():
        if "_fts_" in table and table.endswith(SHADOW):
            continue
        if "using fts5" in (create or "").lower():
            conn.execute(f"insert into {table} ({table}) values ('integrity-check')")
        try:
            cursor = conn.execute(f"select rowid, * from {table} order by rowid")
        except sqlite3.OperationalError:  # a WITHOUT ROWID table: its primary key is its order
            cursor = conn.execute(f"select * from {table}")
        names = [d[0] for d in cursor.description]
        result[table] = [repr(tuple(v for k, v in zip(names, row) if k != "built_at")) for row in cursor]
    conn.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000, help="How many synthetic findings (default 10000).")
    parser.add_argument("--out", type=Path, help="Work here (kept).")
    parser.add_argument("--no-verify", action="store_true", help="Skip the comparison with a full build at the end.")
    parser.add_argument("--repeats", type=int, default=3, help="End-to-end repeats (default 3; 0: none).")
    parser.add_argument("--against", type=Path, help="Another checkout's Python (its .venv/bin/python): its "
                        "`evidence build` takes turns with this one's in each end-to-end repeat.")
    parser.add_argument("--phase", choices=("build", "full"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase_build(args.out, args.db, args.phase == "full")))
        return
    from build_bench import generate

    out = args.out or Path(tempfile.mkdtemp(prefix="incremental-bench-"))
    shutil.rmtree(out / "data", ignore_errors=True)
    (out / "data").mkdir(parents=True)
    (out / "evidence.db").unlink(missing_ok=True)
    print(f"Generating {args.findings:,} findings in {out} …", file=sys.stderr)
    generate(args.findings, out / "data")
    print("Full build …", file=sys.stderr)
    full = run_child(out, force=True)
    results = {}
    steps = {  # each change, made in a working folder (its data/ and evidence.db)
        "add_review": lambda work: add(work, work / "data" / "studies.yaml", 1),
        "add_review_file": lambda work: add(work, work / "data" / "new-review.yaml", 2),
        "edit_record": lambda work: edit(work),
        "no_op": lambda work: None,
    }
    if args.repeats:
        ends = end_to_end(out, steps, args.repeats, args.against)
    for name, change in steps.items():
        change(out)
        if name != "no_op":  # the database the last change was applied to, for the verification
            shutil.copy(out / "evidence.db", out / "previous.db")
        print(f"{name} …", file=sys.stderr)
        results[name] = run_child(out)
    summary = {"findings": args.findings, "full_seconds": round(full["seconds"], 2), "full_peak_rss_mb": full["peak_rss_mb"]}
    for name, result in results.items():
        share = result["seconds"] / full["seconds"]
        summary[name] = {"seconds": round(result["seconds"], 3), "share_of_full": round(share, 4),
                         "incremental": result["incremental"], "changes": result["changes"],
                         "peak_rss_mb": result["peak_rss_mb"], "goal": GOALS[name],
                         "met": share <= GOALS[name] and (name == "no_op" or result["incremental"])}
    if args.repeats:
        summary["end_to_end"] = ends  # min/median/max share of `evidence build --force`, start-up included
    if not args.no_verify:
        print("Verifying: a full build from the database the last change was applied to …", file=sys.stderr)
        run_child(out, force=True, db="previous.db")
        summary["identical_to_full_build"] = table_rows(out / "evidence.db") == table_rows(out / "previous.db")
    for key, value in summary.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
