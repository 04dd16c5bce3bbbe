"""Build benchmark: N synthetic findings through the full validate + build, against the floor.

    python bench/build_bench.py --findings 100000 [--out DIR]
    python bench/build_bench.py --findings 100000 --pooled 1000   # + the cost of pooling at build

With --pooled K, K of the findings (spread evenly) carry 20 studies each instead of a recorded
effect, and the same corpus without them is built in the same run: the synthesis target is that
pooling adds at most 10% to the build (the ratio `pooling_overhead`).

The floor is what any build must do: parse the same YAML with yaml.CSafeLoader and insert the same
rows with one sqlite3 executemany. Each phase runs in a child process of its own, so its peak RSS is
its own. Prints seconds, rows/s, peak RSS and the build/floor ratio, then one JSON line.
Targets on the 2-core machine at 100k findings: ratio <= 1.5, peak RSS <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
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


def phase_build(out: Path) -> dict:
    from evidence import build as builder

    started = time.perf_counter()
    result = builder.build(out / "studies.yaml", out / "evidence.db", force=True,
                           log=lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    return {"seconds": time.perf_counter() - started, "errors": len(result.report.errors)}


def phase_floor(out: Path) -> dict:
    """Parse with libyaml, then one executemany of the same finding rows into the same table."""
    import yaml

    from evidence.build import _insert_sql
    from evidence.schema import Finding

    started = time.perf_counter()
    text = (out / "studies.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    parsed = time.perf_counter()
    statement, names = _insert_sql(Finding.__table__)
    rows = [tuple({**f, "id": f"{s['id']}-{f['id']}", "source_id": s["id"], "source_design": s["design"]}.get(n)
                  for n in names) for s in data for f in s["findings"]]
    db = out / "floor.db"
    db.unlink(missing_ok=True)
    with sqlite3.connect(db) as conn:
        columns = ", ".join(names)
        conn.execute(f"create table findings ({columns})")  # the floor: no keys, no indexes, no checks
        conn.executemany(statement, rows)
    return {"seconds": time.perf_counter() - started, "parse_seconds": parsed - started, "rows": len(rows)}


PHASES = {"build": phase_build, "floor": phase_floor}


def run_child(phase: str, out: Path) -> dict:
    """Run a phase in a child process; returns its JSON result plus its own peak RSS in MB."""
    child = subprocess.Popen([sys.executable, __file__, "--phase", phase, "--out", str(out)], stdout=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    output = child.stdout.read().decode()
    if status != 0:
        raise SystemExit(f"{phase} phase failed (status {status})")
    return {**json.loads(output.strip().splitlines()[-1]), "peak_rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000, help="How many synthetic findings (default 10000).")
    parser.add_argument("--out", type=Path, help="Keep the generated studies.yaml and references.bib here.")
    parser.add_argument("--pooled", type=int, default=0,
                        help="Also build a corpus where this many findings carry 20 studies each (pooling cost).")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.out)))
        return
    out = args.out or Path(tempfile.mkdtemp(prefix="build-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"Generating {args.findings:,} findings in {out} …", file=sys.stderr)
    generate(args.findings, out)
    print("Floor: libyaml parse + one executemany …", file=sys.stderr)
    floor = run_child("floor", out)
    print("Build: evidence validate + build …", file=sys.stderr)
    build = run_child("build", out)
    ratio = build["seconds"] / floor["seconds"]
    summary = {
        "findings": args.findings,
        "build_seconds": round(build["seconds"], 2),
        "build_rows_per_second": round(args.findings / build["seconds"]),
        "build_peak_rss_mb": round(build["peak_rss_mb"]),
        "floor_seconds": round(floor["seconds"], 2),
        "floor_parse_seconds": round(floor["parse_seconds"], 2),
        "floor_peak_rss_mb": round(floor["peak_rss_mb"]),
        "ratio": round(ratio, 3),
        "yaml_mb": round((out / "studies.yaml").stat().st_size / 2**20, 1),
        "validation_errors": build["errors"],
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
