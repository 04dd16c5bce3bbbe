"""Export benchmark: every export format at two sizes, each in a child process of its own.

    python bench/export_bench.py                      # 30k (built here) and 100k (/tmp/bb100/evidence.db)
    python bench/export_bench.py --db 30000=/path/a.db --db 100000=/path/b.db
    python bench/export_bench.py --code /tmp/head     # the same with another checkout's evidence package

Each export runs as `evidence export … -o FILE` in a child process; its seconds (wall and CPU) and peak
RSS (os.wait4's ru_maxrss) are its own. The CSV reference is the `sqlite3` command line writing the same
rows (`sqlite3 -csv -header DB "select * from findings order by id"`), timed the same way in the same
run; without the sqlite3 program, Python's sqlite3 module with the csv module is the reference (said so).

Goals (issue 17, goal 5): the peak RSS of every export stays under 500 MB at the largest size and does
not grow with the number of rows (at most 20% more at the larger size than at the smaller one); (issue
30, item 5) CSV takes at most 1.5x the time of `sqlite3 -csv` end to end, as a user runs it: the CSV
export and the reference run --repeats times interleaved (default 3), and the ratio's min/median/max is
printed, CPU and wall, with the share of the export's CPU that is starting Python and importing what
`evidence export` imports (`evidence export --help`'s modules, timed the same way), and the Python floor:
the same rows through Python's sqlite3 module and csv.writer and nothing else (``--python-csv``), its
ratio to the reference and the export's ratio to it (no Python writer is faster than that floor). Prints a table,
then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BB100 = Path("/tmp/bb100/evidence.db")
LIMIT_MB = 500
GROWTH = 0.20  # the peak at the larger size may exceed the smaller one's by at most this fraction
CSV_RATIO = 1.5

CASES = {  # name -> arguments of `evidence export`
    "findings.csv": ["findings", "--format", "csv"],
    "findings.excel.csv": ["findings", "--excel"],
    "findings.json": ["findings", "--format", "json"],
    "findings.xlsx": ["findings", "--format", "xlsx"],
    "findings.parquet": ["findings", "--format", "parquet"],
    "sources.csv": ["sources", "--format", "csv"],
    "bib": ["bib"],
    "ris": ["ris"],
    "fhir.json": ["fhir"],
    "sof.md": ["sof", "--format", "md"],
    "sof.html": ["sof", "--format", "html"],
    "sof.docx": ["sof", "--format", "docx"],
    "guideline.md": ["guideline", "--format", "md"],
    "guideline.html": ["guideline", "--format", "html"],
    "guideline.docx": ["guideline", "--format", "docx"],
}


def measure(command: list[str], env: dict, stdout=subprocess.DEVNULL, timeout: float = 1800) -> dict:
    """Run ``command`` in a child process; its wall and CPU seconds and its own peak RSS in MB."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE)
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            child.kill()
            _, status, usage = os.wait4(child.pid, 0)
            return {"error": f"timed out after {timeout:.0f} s"}
        time.sleep(0.02)
    wall = time.perf_counter() - started
    stderr = child.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        return {"error": stderr.strip().splitlines()[-1] if stderr.strip() else f"status {status}"}
    return {"seconds": round(wall, 3), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def python_csv_reference(db: str, out: str) -> None:
    """The reference when the sqlite3 program is missing: sqlite3 module rows through csv.writer."""
    import csv
    import sqlite3

    with sqlite3.connect(db) as conn, open(out, "w", newline="", encoding="utf-8") as f:
        cursor = conn.execute("select * from findings order by id")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([d[0] for d in cursor.description])
        while rows := cursor.fetchmany(10_000):
            writer.writerows(rows)


def spread(values: list[float]) -> list[float]:
    """min, median and max of repeats."""
    import statistics

    return [round(min(values), 2), round(statistics.median(values), 2), round(max(values), 2)]


def csv_ratio(db: Path, out_dir: Path, env: dict, sqlite: str | None, repeats: int, timeout: float) -> dict:
    """The CSV export against the reference, ``repeats`` interleaved pairs: ratios min/median/max."""
    ours_out, reference = out_dir / "ours.csv", out_dir / "reference.csv"
    pairs, imports, floors = [], [], []
    for _ in range(repeats):
        ours = measure([sys.executable, "-m", "evidence.cli", "export", "findings", "--format", "csv", "--db", str(db),
                        "-o", str(ours_out)], env, timeout=timeout)
        if sqlite:
            with reference.open("wb") as f:
                ref = measure([sqlite, "-csv", "-header", str(db), "select * from findings order by id"], env, stdout=f)
            ref["reference"] = "sqlite3 -csv"
        else:
            ref = measure([sys.executable, __file__, "--python-csv", str(db), str(reference)], env)
            ref["reference"] = "python sqlite3 + csv module (no sqlite3 program)"
        imports.append(measure([sys.executable, "-m", "evidence.cli", "export", "--help"], env, timeout=timeout))
        # the Python floor: the rows through Python's sqlite3 module and csv.writer, nothing else
        floors.append(measure([sys.executable, __file__, "--python-csv", str(db), str(out_dir / "floor.csv")], env))
        if "error" in ours or "error" in ref:
            return {"csv_reference": ref, "csv_error": ours.get("error") or ref.get("error")}
        pairs.append((ours, ref))
    ref = pairs[-1][1]
    result = {"csv_reference": ref,
              "csv_ratio_cpu": spread([o["cpu_seconds"] / r["cpu_seconds"] for o, r in pairs]),
              "csv_ratio_wall": spread([o["seconds"] / r["seconds"] for o, r in pairs]),
              "csv_seconds": spread([o["seconds"] for o, _ in pairs]),
              "reference_seconds": spread([r["seconds"] for _, r in pairs]),
              "startup_share_cpu": spread([i["cpu_seconds"] / o["cpu_seconds"] for (o, _), i in zip(pairs, imports)]),
              "python_floor_ratio_cpu": spread([f["cpu_seconds"] / r["cpu_seconds"] for (_, r), f in zip(pairs, floors)]),
              "csv_over_python_floor_cpu": spread([o["cpu_seconds"] / f["cpu_seconds"] for (o, _), f in zip(pairs, floors)])}
    print(f"{ref['reference']:22} {ref.get('seconds', 0):9.2f} {ref.get('cpu_seconds', 0):9.2f} "
          f"{ref.get('peak_rss_mb', 0):9.1f}   CSV ratio min/median/max (CPU) {result['csv_ratio_cpu']}, "
          f"(wall) {result['csv_ratio_wall']}; start-up and imports {result['startup_share_cpu']} of the CPU; "
          f"the Python floor (sqlite3 module rows through csv.writer) is {result['python_floor_ratio_cpu']} of the "
          f"reference, the export {result['csv_over_python_floor_cpu']} of that floor (CPU)", file=sys.stderr)
    return result


def build_30k(folder: Path) -> Path:
    """A 30k-finding database from build_bench's generator (kept in ``folder`` for the next run)."""
    db = folder / "evidence.db"
    if db.exists():
        return db
    sys.path.insert(0, str(ROOT / "bench"))
    from build_bench import generate

    folder.mkdir(parents=True, exist_ok=True)
    generate(30_000, folder)
    subprocess.run([sys.executable, "-m", "evidence.cli", "build", "--data", str(folder / "studies.yaml"),
                    "--db", str(db)], check=True, cwd=ROOT)
    return db


def rows(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("select count(*) from findings").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", default=[], metavar="SIZE=PATH",
                        help="A database to export (repeat; default: 30k built in /tmp/export-bench-30k, "
                             "and /tmp/bb100/evidence.db).")
    parser.add_argument("--code", type=Path, help="Put this folder's evidence package first on the path.")
    parser.add_argument("--only", action="append", default=[], help="Only these cases (repeat).")
    parser.add_argument("--timeout", type=float, default=1800, help="Seconds before a child is stopped.")
    parser.add_argument("--repeats", type=int, default=3, help="Interleaved CSV/reference pairs (default 3).")
    args = parser.parse_args()

    dbs = [(int(s), Path(p)) for s, p in (d.split("=", 1) for d in args.db)]
    if not dbs:
        dbs = [(30_000, build_30k(Path("/tmp/export-bench-30k"))), (100_000, BB100)]
    dbs.sort()
    env = dict(os.environ)
    if args.code:
        env["PYTHONPATH"] = f"{args.code}{os.pathsep}{env.get('PYTHONPATH', '')}"
    cases = {k: v for k, v in CASES.items() if not args.only or k in args.only}
    sqlite = shutil.which("sqlite3")
    out_dir = Path(tempfile.mkdtemp(prefix="export-bench-"))
    results: dict = {}
    try:
        for size, db in dbs:
            n = rows(db)
            print(f"\n{n:,} findings ({db})", file=sys.stderr)
            print(f"{'export':22} {'seconds':>9} {'cpu s':>9} {'peak MB':>9}", file=sys.stderr)
            this = results[str(size)] = {"findings": n}
            for name, export in cases.items():
                out = out_dir / name
                result = measure([sys.executable, "-m", "evidence.cli", "export", *export, "--db", str(db),
                                  "-o", str(out)], env, timeout=args.timeout)
                if out.exists():
                    result["bytes"] = out.stat().st_size
                    out.unlink()
                this[name] = result
                line = result.get("error") or (f"{result['seconds']:9.2f} {result['cpu_seconds']:9.2f} "
                                               f"{result['peak_rss_mb']:9.1f}")
                print(f"{name:22} {line}", file=sys.stderr, flush=True)
            if "findings.csv" in cases:
                this.update(csv_ratio(db, out_dir, env, sqlite, args.repeats, args.timeout))
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    small, large = str(dbs[0][0]), str(dbs[-1][0])
    goals: dict = {}
    print(f"\nGoals at {large} (peak < {LIMIT_MB} MB; growth from {small} at most {GROWTH:.0%}):", file=sys.stderr)
    for name in cases:
        big, little = results[large].get(name, {}), results[small].get(name, {})
        if "error" in big or "error" in little:
            goals[name] = {"met": False, "why": big.get("error") or little.get("error")}
        else:
            growth = (big["peak_rss_mb"] - little["peak_rss_mb"]) / little["peak_rss_mb"]
            met = big["peak_rss_mb"] < LIMIT_MB and (len(dbs) == 1 or growth <= GROWTH)
            goals[name] = {"met": met, "peak_rss_mb": big["peak_rss_mb"], "growth": round(growth, 3)}
        g = goals[name]
        detail = g.get("why") or f"peak {g['peak_rss_mb']} MB, growth {g['growth']:+.0%}"
        print(f"  {name:22} {'met' if g['met'] else 'MISSED':7} {detail}", file=sys.stderr)
    ratio, wall = results[large].get("csv_ratio_cpu"), results[large].get("csv_ratio_wall")
    if "findings.csv" in cases:
        met = ratio is not None and wall is not None and ratio[1] <= CSV_RATIO and wall[1] <= CSV_RATIO
        goals["csv_within_1.5x"] = {"met": met, "ratio_cpu": ratio, "ratio_wall": wall}
        print(f"  CSV / sqlite3 -csv, min/median/max: CPU {ratio}, wall {wall} (goal: median <= {CSV_RATIO}): "
              f"{'met' if met else 'MISSED'}", file=sys.stderr)
    print(json.dumps({"sizes": results, "goals": goals, "all_met": all(g["met"] for g in goals.values()),
                      "code": str(args.code or ROOT)}))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--python-csv":
        python_csv_reference(sys.argv[2], sys.argv[3])
    else:
        main()
