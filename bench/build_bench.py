"""Build benchmark: N synthetic findings through the full validate + build, against a floor.

    python bench/build_bench.py --findings 100000 [--out DIR] [--reuse]
    python bench/build_bench.py --findings 100000 --pooled 1000   # + the cost of pooling at build

With --pooled K, K of the findings (spread evenly) carry 20 studies each instead of a recorded
effect, and the same corpus without them is built in the same run: the synthesis target is that
pooling adds at most 10% to the build (the ratio `pooling_overhead`). With --reuse, the corpus
already in --out (studies.yaml, references.bib, vocabulary/) is built as it is, not generated again.

The floor is what any build must do, with the build's own parser and GC setting: parse the same
YAML as the build parses it (evidence.yaml_fast.load_items: yaml_rs a chunk at a time) and insert the same
finding rows with one sqlite3 executemany, with Python's cyclic GC paused as the build pauses it
(issue 30, goal 1: the build at most 2x this floor at 100k). Floor and build run interleaved
(--repeats pairs, default 3), each in a child process of its own, so its peak RSS and CPU time are its
own; the ratio build/floor is printed as min/median/max of the pairs, in CPU time (user + system,
steadier than wall time on a shared machine) and in wall time. The build's phases are timed inside its child
process: yaml_parse (evidence.inputs.parse_yaml, all files: the pre-checks, and the parse of the files
read whole), yaml_chunks (evidence.yaml_fast._load_chunk: the parse itself, which for data files happens
while validation reads them), load (its "Read" log line: reading, pre-checks and BibTeX), validate
("Parsed and validated": parsing the data files and validating), insert (pipeline.write.insert_rows), indexes_fts_finish (the rest of
pipeline.write._write_tables: indexes, FTS, views, counts, checks), diff (pipeline.write._changes),
input_blocks (pipeline.rows.block_rows) and write_rest (the rest of "Wrote": staging, sync, rename). Prints them, the
ratios, whether the goal is met, then one JSON line. Targets on the 2-core machine: at 100k findings
ratio_cpu <= 2 (issue 30); peak RSS <= 1 GB at 300k (issue 17).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FINDINGS_PER_SOURCE = 10
CONDITIONS = ["cancer", "chronic_pain", "coronary_heart_disease", "depression", "traumatic_brain_injury",
              "rheumatoid_arthritis", "spinal_cord_injury", "hand_eczema"]
TYPES = ["vocational", "physical", "psycho_educational", "multidisciplinary", "integrated_care", "e_health"]
OUTCOMES = ["return_to_work", "sickness_absence", "work_participation", "time_to_return_to_work"]
STATEMENTS = {  # wording that fits each certainty (Santesso et al. 2020), and the direction it reads as
    "high": ("{i} increases {o} in people with {c}.", "benefit"),
    "moderate": ("{i} probably increases {o} in people with {c}.", "benefit"),
    "low": ("{i} may result in little to no difference in {o} in people with {c}.", "little_or_no_difference"),
    "very_low": ("The evidence is very uncertain about the effect of {i} on {o} in people with {c}.", "uncertain"),
    None: ("{i} improved {o} in people with {c} in this study.", "benefit"),
}


STUDIES_PER_POOLED = 20


def studies_yaml(n: int) -> list[str]:
    """20 binary studies with deterministic counts around a risk ratio of 1.2."""
    lines = ["      studies:"]
    for k in range(STUDIES_PER_POOLED):
        size = 40 + (n * 7 + k * 13) % 160
        control = max(1, size * (20 + (n + k) % 30) // 100)
        treated = min(size, control + (n + 3 * k) % 9)
        lines += [f"        - label: Study {n}-{k}", f"          events_int: {treated}", f"          n_int: {size}",
                  f"          events_ctl: {control}", f"          n_ctl: {size}"]
    return lines


def finding_yaml(n: int, pooled: bool = False) -> str:
    c, t, o = CONDITIONS[n % len(CONDITIONS)], TYPES[n % len(TYPES)], OUTCOMES[n % len(OUTCOMES)]
    certainty = list(STATEMENTS)[n % len(STATEMENTS)]
    statement, direction = STATEMENTS[certainty]
    text = statement.format(i=t.replace("_", " "), o=o.replace("_", " "), c=c.replace("_", " "))
    effect = 1 + (n % 50) / 100
    lines = [
        f"    - id: f{n % FINDINGS_PER_SOURCE + 1}",
        f"      condition: {c}",
        f"      population: adults with {c.replace('_', ' ')}, synthetic population {n}",
        f"      intervention_type: {t}",
        f"      intervention: {t.replace('_', ' ')} programme number {n}",
        "      comparator: usual care",
        f"      outcome: {o}",
        f"      timepoint: {6 + n % 18} months",
        f"      follow_up_months_min: {6 + n % 18}",
        f"      follow_up_months_max: {6 + n % 18}",
        *([f"      certainty: {certainty}"] if certainty else []),
        f"      direction: {direction}",
        f"      statement: {text}",
        "      effect_measure: RR",
        *(studies_yaml(n) if pooled else [
            f"      effect: {effect:.2f}",
            f"      ci_lower: {effect - 0.2:.2f}",
            f"      ci_upper: {effect + 0.3:.2f}",
            f"      studies_n: {1 + n % 9}",
            f"      participants_n: {50 + n % 900}",
            "      effect_source_document: published-facts.md",
            f"      effect_quote: RR {effect:.2f} ({effect - 0.2:.2f} to {effect + 0.3:.2f})"]),
        "      source_document: published-facts.md",
        f"      source_locator: synthetic table {n}",
        f"      quote: {text}",
    ]
    return "\n".join(lines)


def generate(findings: int, out: Path, pooled: int = 0) -> None:
    """studies.yaml and references.bib with ``findings`` findings, 10 per source (``pooled`` of them with
    study-level data), and the project's curated vocabularies beside them."""
    import shutil

    shutil.rmtree(out / "vocabulary", ignore_errors=True)
    shutil.copytree(ROOT / "data" / "vocabulary", out / "vocabulary")
    every = findings // pooled if pooled else 0
    sources = (findings + FINDINGS_PER_SOURCE - 1) // FINDINGS_PER_SOURCE
    with (out / "studies.yaml").open("w", encoding="utf-8") as yml, (out / "references.bib").open("w") as bib:
        for s in range(sources):
            yml.write(f"- id: synthetic-{s}\n  citation_key: synthetic{s}\n  design: cochrane_review\n"
                      f"  status: included\n  findings:\n")
            count = min(FINDINGS_PER_SOURCE, findings - s * FINDINGS_PER_SOURCE)
            numbers = [s * FINDINGS_PER_SOURCE + k for k in range(count)]
            yml.write("\n".join(finding_yaml(n, bool(every) and n % every == 0) for n in numbers) + "\n")
            bib.write(f"@article{{synthetic{s},\n  author = {{Author{s}, A. and Other, B.}},\n"
                      f"  title = {{Synthetic review {s}}},\n  journal = {{Journal of Benchmarks}},\n"
                      f"  year = {{{2000 + s % 25}}},\n}}\n\n")


def pooling_compute(findings: int, pooled: int) -> float:
    """Seconds to pool the pooled findings' studies alone (as the build does, one finding at a time)."""
    import yaml

    from evidence.synthesis.findings import synthesise

    every = findings // pooled
    corpora = [yaml.load("\n".join(studies_yaml(n)[1:]).replace("        - ", "- ").replace("          ", "  "),
                         Loader=yaml.CSafeLoader) for n in range(0, findings, every)]
    finding = {"effect_measure": "RR", "pooling_method": None, "effect": None, "comparator_risk": None}
    started = time.perf_counter()
    for i, studies in enumerate(corpora):
        synthesise(f"f{i}", finding, studies)
    return time.perf_counter() - started


# --- phases, each run in a child process --------------------------------------------------------


LOGGED = {"load": re.compile(r"^Read .* in ([0-9.]+) s"), "validate": re.compile(r"^Parsed and validated .* in ([0-9.]+) s"),
          "wrote": re.compile(r"^Wrote \S+ in ([0-9.]+) s")}  # evidence/build.py's log lines


def timed(module: object, name: str, seconds: dict, key: str) -> None:
    """Wrap ``module.name`` so its calls add their seconds to ``seconds[key]`` (absent: not timed)."""
    original = getattr(module, name, None)
    if original is None:
        return
    seconds.setdefault(key, 0.0)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds[key] += time.perf_counter() - started

    setattr(module, name, wrapper)


def phase_build(out: Path) -> dict:
    from evidence import build as builder
    from evidence import yaml_fast
    from evidence.pipeline import parse, write

    inner: dict[str, float] = {}
    for module, name, key in ((parse, "parse_yaml", "yaml_parse"), (yaml_fast, "_load_chunk", "yaml_chunks"),
                              (write, "insert_rows", "insert"),
                              (write, "_write_tables", "write_tables"), (write, "_changes", "diff"),
                              (builder, "block_rows", "input_blocks")):
        timed(module, name, inner, key)
    logged: dict[str, float] = {}

    def log(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)
        for key, pattern in LOGGED.items():
            match = pattern.match(message)
            if match:
                logged[key] = float(match.group(1))

    started = time.perf_counter()
    result = builder.build(out / "studies.yaml", out / "evidence.db", force=True, log=log)
    return {"seconds": time.perf_counter() - started, "errors": len(result.report.errors),
            "phases": phases(inner, logged)}


def phases(inner: dict[str, float], logged: dict[str, float]) -> dict[str, float]:
    """The build's phases in seconds, from the timed functions and the log lines (one decimal)."""
    result = {"yaml_parse": inner.get("yaml_parse"), "yaml_chunks": inner.get("yaml_chunks"),
              "load": logged.get("load"), "validate": logged.get("validate"),
              "insert": inner.get("insert")}
    if "write_tables" in inner and "insert" in inner:
        result["indexes_fts_finish"] = inner["write_tables"] - inner["insert"]
    result["diff"] = inner.get("diff")
    result["input_blocks"] = inner.get("input_blocks")
    if "wrote" in logged and "write_tables" in inner:
        timed_parts = sum(inner.get(key, 0.0) for key in ("write_tables", "diff", "input_blocks"))
        result["write_rest"] = max(0.0, logged["wrote"] - timed_parts)
    return {key: round(value, 2) for key, value in result.items() if value is not None}


def phase_floor(out: Path) -> dict:
    """What any build must do, with the build's own parser and GC setting: parse the data file as the
    build parses it (evidence.yaml_fast.load_items: yaml_rs, a chunk at a time), then one executemany of
    the same finding rows into a table with no keys, indexes or checks, all with the cyclic GC paused."""
    from evidence.build import gc_paused
    from evidence.yaml_fast import load_items
    from evidence.storage import insert_sql

    started = time.perf_counter()
    with gc_paused():
        text = (out / "studies.yaml").read_text(encoding="utf-8")
        data = load_items(text)
        parsed = time.perf_counter()
        statement, names = insert_sql("findings")
        rows = [tuple({**f, "id": f"{s['id']}-{f['id']}", "source_id": s["id"], "source_design": s["design"]}.get(n)
                      for n in names) for s in data for f in s["findings"]]
        db = out / "floor.db"
        db.unlink(missing_ok=True)
        with sqlite3.connect(db) as conn:
            conn.execute(f"create table findings ({', '.join(names)})")
            conn.executemany(statement, rows)
        conn.close()
    return {"seconds": time.perf_counter() - started, "parse_seconds": parsed - started, "rows": len(rows)}


PHASES = {"build": phase_build, "floor": phase_floor}
GOAL = 2.0  # issue 30, goal 1: the full build at most 2x the floor (CPU) at 100k findings


def run_child(phase: str, out: Path) -> dict:
    """Run a phase in a child process; returns its JSON result plus its own peak RSS in MB and CPU seconds."""
    child = subprocess.Popen([sys.executable, __file__, "--phase", phase, "--out", str(out)], stdout=subprocess.PIPE)
    output = child.stdout.read().decode()  # before waiting: a full pipe would block the child
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{phase} phase failed (status {status})")
    return {**json.loads(output.strip().splitlines()[-1]), "peak_rss_mb": usage.ru_maxrss / 1024,
            "cpu_seconds": usage.ru_utime + usage.ru_stime}


def spread(values: list[float], digits: int = 3) -> str:
    """min/median/max of interleaved repeats."""
    return "/".join(str(round(v, digits)) for v in (min(values), statistics.median(values), max(values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000, help="How many synthetic findings (default 10000).")
    parser.add_argument("--out", type=Path, help="Keep the generated studies.yaml and references.bib here.")
    parser.add_argument("--pooled", type=int, default=0,
                        help="Also build a corpus where this many findings carry 20 studies each (pooling cost).")
    parser.add_argument("--reuse", action="store_true",
                        help="Build the corpus already in --out instead of generating it again.")
    parser.add_argument("--repeats", type=int, default=3, help="Interleaved floor/build pairs (default 3).")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.out)))
        return
    out = args.out or Path(tempfile.mkdtemp(prefix="build-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    if args.reuse and all((out / name).exists() for name in ("studies.yaml", "references.bib", "vocabulary")):
        print(f"Reusing the corpus in {out} (--findings is not checked against it) …", file=sys.stderr)
    else:
        print(f"Generating {args.findings:,} findings in {out} …", file=sys.stderr)
        generate(args.findings, out)
    floors, builds = [], []
    for repeat in range(args.repeats):  # interleaved, so a busy spell on the shared machine hits both
        print(f"[{repeat + 1}/{args.repeats}] floor: the build's parser (yaml_rs), GC paused, one executemany …",
              file=sys.stderr)
        floors.append(run_child("floor", out))
        print(f"[{repeat + 1}/{args.repeats}] build: evidence validate + build …", file=sys.stderr)
        builds.append(run_child("build", out))
    ratios_cpu = [b["cpu_seconds"] / f["cpu_seconds"] for f, b in zip(floors, builds)]
    ratios = [b["seconds"] / f["seconds"] for f, b in zip(floors, builds)]
    floor, build = floors[-1], builds[-1]
    median_ratio = statistics.median(ratios_cpu)
    summary = {
        "findings": floor["rows"],
        "repeats": args.repeats,
        "build_cpu_seconds": spread([b["cpu_seconds"] for b in builds], 2),
        "build_seconds": spread([b["seconds"] for b in builds], 2),
        "build_rows_per_second": round(floor["rows"] / statistics.median(b["seconds"] for b in builds)),
        "build_peak_rss_mb": round(max(b["peak_rss_mb"] for b in builds)),
        **{f"phase_{key}_seconds": value for key, value in build["phases"].items()},
        "floor_cpu_seconds": spread([f["cpu_seconds"] for f in floors], 2),
        "floor_seconds": spread([f["seconds"] for f in floors], 2),
        "floor_parse_seconds": spread([f["parse_seconds"] for f in floors], 2),
        "floor_peak_rss_mb": round(max(f["peak_rss_mb"] for f in floors)),
        "ratio_cpu": spread(ratios_cpu),  # build / floor, CPU time: min/median/max of the repeats
        "ratio": spread(ratios),  # the same in wall time
        "yaml_mb": round((out / "studies.yaml").stat().st_size / 2**20, 1),
        "validation_errors": build["errors"],
        "goal": (f"met: median {median_ratio:.3f} <= {GOAL} x the floor (CPU)" if median_ratio <= GOAL else
                 f"missed by {median_ratio / GOAL - 1:.0%}: median {median_ratio:.3f} > {GOAL} x the floor (CPU); "
                 "see the phases for where the time goes"),
    }
    if args.pooled:
        pooled_out = out / "pooled"
        pooled_out.mkdir(exist_ok=True)
        print(f"Build with {args.pooled:,} pooled findings × {STUDIES_PER_POOLED} studies …", file=sys.stderr)
        generate(args.findings, pooled_out, args.pooled)
        pooled = run_child("build", pooled_out)
        summary.update(pooled_findings=args.pooled, pooled_build_seconds=round(pooled["seconds"], 2),
                       pooling_overhead=round(pooled["seconds"] / build["seconds"] - 1, 3),
                       pooling_compute_seconds=round(pooling_compute(args.findings, args.pooled), 2),
                       pooled_validation_errors=pooled["errors"])
        # the overhead includes parsing the studies' YAML (more input); the compute share is the pooling
        summary["pooling_compute_share"] = round(summary["pooling_compute_seconds"] / build["seconds"], 3)
    for key, value in summary.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
