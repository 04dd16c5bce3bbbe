"""Serving benchmark against a large database, on 127.0.0.1 only, bounded in count and time.

    python bench/serve_bench.py --findings 100000                  # builds or reuses /tmp/serve-bench-100000
    python bench/serve_bench.py --findings 1000000 --out /tmp/bb1m  # a directory of build_bench.generate()
    python bench/serve_bench.py --db /tmp/bb100/evidence.db         # any built database, served as it is

With --findings the database in --out (default /tmp/serve-bench-N) is reused when it exists and is
newer than its studies.yaml (generated when missing); its precomputed serving tables are then brought
up to date by re-running the site's SQL scripts (evidence.site.serving_counts) on it, exactly as
the build runs them. --rebuild builds it again.

1. Every page type, sequentially on one connection, --requests times each (default 30): the front
   page, the findings table with its facets, facet-filtered findings pages, a full-text search of the
   findings table with a common word (and the site's own /search), the gap map, finding pages and
   condition pages. p50/p95/max and errors (any status but 200) per type; facet time-outs counted
   where Datasette reports them: a configured facet missing from the JSON's facet_results (0.65 never
   fills ``facets_timed_out`` there) and the HTML's time-out notice.
2. --clients concurrent clients (default 20) for --seconds (default 30) over the same page mix with the
   site's downloads in it (DOWNLOADS: a filtered CSV of 2,500 rows through /download and through the
   table's own ``.csv?_stream=1`` address, and that filter's bibliography; --xlsx adds its Excel file),
   --repeats times (default 3), while one more client downloads the whole findings table as CSV (62 MB
   at 100k) again and again (--no-whole-table leaves it out). p50/p95/p99 of the mix, of its pages and of its
   downloads, min/median/max over the repeats. With --against PYTHON (another checkout's
   interpreter, e.g. /work/main/.venv/bin/python, whose installed package serves), a second server
   runs that code on the same database and each concurrent run alternates between the two: the ratio
   of the medians is what counts on a shared machine. Each server is `evidence serve` as a reader starts
   it, in its default number of worker processes (--workers N sets this checkout's).
3. Downloads alone, one at a time (--requests // 10 each, at least 3): the filtered CSV, the same
   filter's stream, a bigger filter and the whole table, through /download and Datasette's
   ``?_stream=1`` (which the site answers with the same writer when the filter is one the command line
   has), as seconds per 1,000 rows: a download that grows faster than its rows shows as a ratio > 1.
4. Oversized requests (a 90 KB query string, 500 parameters, 50 facets, a 10 KB search) in a loop
   while one client requests the findings page: one slow request must not stall the others.

Goals (issue 17): single client p95 <= 150 ms per page type at 100k findings and <= 500 ms at 1M, no
errors; (issue 30, item 4) 20 concurrent clients at 100k over the mix with downloads: p95 <= 1 s and
p99 <= 2 s; the oversized requests do not slow the other client (its p50 meanwhile at most 1.5x alone);
(item 3) a download's seconds per 1,000 rows at most 1.5x from the smallest filter to the whole table. Each is printed as met or missed by how much, then
one JSON line. Numbers are reported, never asserted in tests: this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # the only address this benchmark sends traffic to
FACETS = ("condition", "certainty", "intervention_type", "outcome", "source_design")  # metadata.yml's, checked below
FILTERED = ["condition=cancer", "certainty=moderate", "intervention_type=vocational&outcome=return_to_work",
            "condition=traumatic_brain_injury&certainty=very_low"]
SEARCHES = ["vocational", "work", "programme"]  # in a sixth, three quarters and all of the synthetic findings
TIMEOUT_NOTICE = re.compile(r'class="facets-timed-out[^"]*"[^>]*data-facets="([^"]*)"')  # templates/table.html
GOAL_MS = {100_000: 150, 1_000_000: 500}  # single client p95 per page type, by corpus size
CONCURRENT_GOAL_MS = 1000  # 20 clients at 100k: p95
CONCURRENT_P99_MS = 2000  # and p99
OVERSIZED_SLOWDOWN = 1.5  # the other client's p50 while oversized requests come, over its p50 alone
SCALING_GOAL = 1.5  # seconds per 1,000 rows of the whole table over those of the smallest filter
# the site's downloads in the concurrent mix: small filtered files, as a reader takes them
DOWNLOAD_FILTER = "condition=cancer&certainty=moderate"
DOWNLOADS = [f"/download/findings.csv?{DOWNLOAD_FILTER}", "/{db}/findings.csv?_stream=1&" + DOWNLOAD_FILTER,
             f"/download/findings.bib?{DOWNLOAD_FILTER}"]
# that filter's Excel file took 0.85-1.0 s alone at 100k (openpyxl, a cell at a time): --xlsx adds it to the mix
XLSX = f"/download/findings.xlsx?{DOWNLOAD_FILTER}"
FULL_DOWNLOAD = "/download/findings.csv"
# (filter, label) for the scaling run: each through /download and through the table's ?_stream=1
SCALING = [(DOWNLOAD_FILTER, "2 filters"), ("condition=cancer", "1 filter"), ("", "whole table")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(db: Path, port: int, python: str = sys.executable, workers: int | None = None) -> subprocess.Popen:
    """`evidence serve` as a reader starts it (its own pin of ``db``; ``workers`` when given, else its
    default), run by ``python``. --data names no folder: the served database is never rebuilt."""
    args = ["serve", "--db", str(db), "--data", str(db.parent / ".no-data"), "--metadata", str(ROOT / "metadata.yml"),
            "--host", HOST, "--port", str(port), *(["--workers", str(workers)] if workers else [])]
    # -P: the current directory is not put first on the path, so each interpreter serves its own installed
    # package (run from a checkout, `python -m` imported that checkout's evidence: --against compared the
    # code with itself)
    server = subprocess.Popen([python, "-P", "-m", "evidence.cli", *args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            fetch(port, "/-/versions.json")
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def fetch(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes, float]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=60)
    started = time.perf_counter()
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started
    finally:
        if own:
            conn.close()


def percentiles(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds) or [0.0]

    def at(p: float) -> float:
        return round(ms[max(0, math.ceil(p * len(ms)) - 1)], 1)

    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": round(ms[-1], 1)}


def spread(values: list[float]) -> str:
    """min/median/max of repeats, as the README quotes them."""
    return "/".join(f"{v:g}" for v in (min(values), statistics.median(values), max(values)))


def page_types(db: Path) -> dict[str, list[str]]:
    """Each page type's addresses: finding pages and condition pages drawn from the database itself."""
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    total = conn.execute("select count(*) from findings").fetchone()[0] or 1  # ten spread over the ids
    ids = list(dict.fromkeys(r[0] for k in range(10) for r in conn.execute(
        "select id from findings order by id limit 1 offset ?", [(total - 1) * k // 9])))
    conditions = [r[0] for r in conn.execute("select id from conditions c where exists "
                                              "(select 1 from findings f where f.condition = c.id) order by id")]
    conn.close()
    table = f"/{db.stem}/findings"  # Datasette names the database for its file
    return {
        "front_page": ["/"],
        "findings": [table],
        "findings_filtered": [f"{table}?{q}" for q in FILTERED],
        "findings_search": [f"{table}?_search={w}" for w in SEARCHES],
        "site_search": [f"/search?q={w}" for w in SEARCHES],
        "gap_map": ["/gap-map"],
        "finding": [f"{table}/{i}" for i in ids],
        "condition": [f"/condition/{c}" for c in conditions],
    }


def facet_timeouts_html(body: bytes) -> int:
    found = TIMEOUT_NOTICE.search(body.decode("utf-8", "replace"))
    return len([f for f in found.group(1).split(",") if f]) if found else 0


def facet_timeouts_json(body: bytes) -> int:
    """Configured facets missing from facet_results, and any that Datasette names as timed out."""
    data = json.loads(body)
    return len(set(FACETS) - set(data.get("facet_results") or {})) + len(data.get("facets_timed_out") or [])


def sequential(port: int, paths: list[str], count: int) -> dict:
    latencies, errors, timeouts = [], 0, 0
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    for i in range(count):
        path = paths[i % len(paths)]
        try:
            status, body, seconds = fetch(port, path, conn)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            status, body, seconds = 0, b"", 60.0
        latencies.append(seconds)
        if status != 200:
            errors += 1
        elif "/findings" in path and "/findings/" not in path:
            timeouts += (facet_timeouts_json if ".json" in path else facet_timeouts_html)(body)
    conn.close()
    return {"requests": count, "errors": errors, "facet_timeouts": timeouts, **percentiles(latencies)}


def as_json(paths: list[str]) -> list[str]:
    return [p.replace("/findings", "/findings.json", 1) for p in paths]


def concurrent(port: int, paths: list[str], clients: int = 20, seconds: float = 30, limit: int = 20_000,
               full: str = "") -> dict:
    """``clients`` clients over ``paths`` for ``seconds``; with ``full``, one more client downloads it again
    and again meanwhile (reported apart). Latencies of the mix, and of its pages and downloads apart."""
    latencies: list[tuple[str, float]] = []
    whole: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        i = n * 7
        while time.monotonic() < stop and len(latencies) < limit:
            path = paths[i % len(paths)]
            try:
                status, _, took = fetch(port, path, conn)
            except (OSError, http.client.HTTPException):
                status, took = 0, 60.0
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
            with lock:
                latencies.append((path, took))
                errors[0] += status != 200
            i += 1
        conn.close()

    def downloader() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        while time.monotonic() < stop:
            status, _, took = fetch(port, full, conn)
            whole.append(took)
            errors[0] += status != 200

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    if full:
        threads.append(threading.Thread(target=downloader))
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    downloads = [t for p, t in latencies if is_download(p)]
    result = {"clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies), "errors": errors[0],
              "requests_per_second": round(len(latencies) / elapsed, 1), **percentiles([t for _, t in latencies]),
              "pages": percentiles([t for p, t in latencies if not is_download(p)])}
    if downloads:
        result["downloads"] = {"requests": len(downloads), **percentiles(downloads)}
    if full:
        result["whole_table_download"] = {"requests": len(whole), **percentiles(whole)}
    return result


def is_download(path: str) -> bool:
    return path.startswith("/download/") or "_stream=1" in path


def download_paths(db: Path) -> list[str]:
    return [p.replace("{db}", db.stem) for p in DOWNLOADS]


def scaling(port: int, db: Path, count: int) -> dict:
    """Each SCALING filter's download, through /download and the table's ?_stream=1, ``count`` times one
    after the other: rows, seconds and seconds per 1,000 rows (min/median/max), and the ratio of the
    whole table's seconds per 1,000 rows to the smallest filter's."""
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    result: dict = {}
    for route, template in (("/download", "/download/findings.csv?{q}"),
                            ("_stream", f"/{db.stem}/findings.csv?_stream=1&{{q}}")):
        per_row = {}
        for query, label in SCALING:
            where = " and ".join(f"{k} = ?" for k, _ in (p.split("=") for p in query.split("&") if p)) or "1"
            rows = conn.execute(f"select count(*) from findings where {where}",
                                [v for _, v in (p.split("=") for p in query.split("&") if p)]).fetchone()[0]
            seconds = []
            for _ in range(count):
                status, body, took = fetch(port, template.format(q=query).rstrip("&?"))
                seconds.append(took if status == 200 else float("nan"))
            per_row[label] = {"rows": rows, "seconds": spread([round(s, 3) for s in seconds]),
                              "s_per_1k_rows": round(statistics.median(seconds) / rows * 1000, 4)}
        first, last = per_row[SCALING[0][1]], per_row[SCALING[-1][1]]
        result[route] = {**per_row, "growth": round(last["s_per_1k_rows"] / first["s_per_1k_rows"], 2)}
    conn.close()
    return result


OVERSIZED = {
    "query_string_90kb": "?condition=" + "x" * 90_000,
    "500_parameters": "?" + "&".join(f"p{i}=1" for i in range(500)),
    "50_facets": "?" + "&".join(f"_facet=c{i}" for i in range(50)),
    "search_10kb": "?_search=" + "work+" * 2000,
}


def oversized(port: int, table: str, seconds: float = 10) -> dict:
    """Oversized requests in a loop on one connection while another client is served."""
    alone = sequential(port, [table], 20)
    stop = time.monotonic() + seconds
    answers: dict[str, list] = {name: [] for name in OVERSIZED}

    def hostile() -> None:
        while time.monotonic() < stop:
            for name, query in OVERSIZED.items():
                path = table + query
                try:
                    status, _, took = fetch(port, path)
                except (OSError, http.client.HTTPException):
                    status, took = 0, 0.0
                answers[name].append((status, took))

    thread = threading.Thread(target=hostile)
    thread.start()
    latencies, errors = [], 0
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    while time.monotonic() < stop and len(latencies) < 2000:
        status, _, took = fetch(port, table, conn)
        latencies.append(took)
        errors += status != 200
    conn.close()
    thread.join()
    refused = {name: {"statuses": sorted({s for s, _ in got}), "requests": len(got),
                      **percentiles([t for _, t in got] or [0.0])} for name, got in answers.items()}
    meanwhile = {"requests": len(latencies), "errors": errors, **percentiles(latencies)}
    return {"oversized": refused, "other_client_alone": alone, "other_client_meanwhile": meanwhile,
            "slowdown_p50": round(meanwhile["p50_ms"] / max(alone["p50_ms"], 0.1), 2)}


# --- the database ---------------------------------------------------------------------------------


def prepare(findings: int, out: Path, rebuild: bool) -> Path:
    """A database of ``findings`` synthetic findings in ``out``: built when missing, older than its
    studies.yaml or --rebuild; otherwise reused, with its precomputed serving tables re-derived."""
    from bench.build_bench import generate
    from evidence import build as builder
    from evidence.site.serving_counts import refresh

    out.mkdir(parents=True, exist_ok=True)
    studies, db = out / "studies.yaml", out / "evidence.db"
    if not studies.exists():
        print(f"Generating {findings:,} findings in {out} …", file=sys.stderr)
        generate(findings, out)
    if rebuild or not db.exists() or db.stat().st_mtime < studies.stat().st_mtime:
        print(f"Building {db} (a 1M-finding build: about 3 minutes, 164 s CPU measured) …", file=sys.stderr)
        builder.build(studies, db, force=True, log=lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    else:
        started = time.perf_counter()
        refresh(db)
        print(f"Reusing {db}; serving tables re-derived in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return db


# --- goals ----------------------------------------------------------------------------------------


def goal_ms(findings: int) -> int:
    """The single-client p95 goal for a corpus of this size: 150 ms up to ~100k, 500 ms up to 1M."""
    return GOAL_MS[100_000] if findings <= 150_000 else GOAL_MS[1_000_000]


def verdict(label: str, value: float, limit: float, unit: str = "ms") -> str:
    if value <= limit:
        return f"MET     {label}: {value:g} {unit} <= {limit:g} {unit}"
    return f"MISSED  {label}: {value:g} {unit} > {limit:g} {unit} (by {value - limit:g} {unit}, {value / limit:.2f}x)"


def goals(result: dict) -> list[str]:
    limit = goal_ms(result["findings"])
    lines = []
    for name, numbers in result["pages"].items():
        lines.append(verdict(f"{name} p95", numbers["p95_ms"], limit))
        if numbers["errors"]:
            lines.append(f"MISSED  {name}: {numbers['errors']} of {numbers['requests']} requests failed")
        if numbers["facet_timeouts"]:
            lines.append(f"NOTE    {name}: {numbers['facet_timeouts']} facet time-outs")
    runs = result.get("concurrent") or []
    if runs:
        at = "at 100k" if result["findings"] <= 150_000 else "(goal set at 100k; reported only)"
        for key, limit in (("p95_ms", CONCURRENT_GOAL_MS), ("p99_ms", CONCURRENT_P99_MS)):
            values = [c[key] for c in runs]
            lines.append(verdict(f"{runs[0]['clients']} clients, pages and downloads, {key[:3]} {at} "
                                 f"(min/median/max {spread(values)})", statistics.median(values), limit))
        for part in ("pages", "downloads", "whole_table_download"):
            if part in runs[0]:
                lines.append(f"NOTE    {part} meanwhile: p50 {spread([c[part]['p50_ms'] for c in runs])} ms, "
                             f"p95 {spread([c[part]['p95_ms'] for c in runs])} ms, "
                             f"p99 {spread([c[part]['p99_ms'] for c in runs])} ms")
        failed = sum(c["errors"] for c in runs)
        if failed:
            lines.append(f"MISSED  concurrent: {failed} of {sum(c['requests'] for c in runs)} requests failed")
    if result.get("against"):
        theirs = result["against"]["concurrent"]
        for part, key in (("mix", "p50_ms"), ("mix", "p95_ms"), ("mix", "p99_ms"), ("pages", "p95_ms"),
                          ("downloads", "p50_ms"), ("downloads", "p95_ms")):
            def of(run: dict) -> float:
                return run[key] if part == "mix" else run.get(part, {}).get(key, float("nan"))
            mine, base = statistics.median(map(of, runs)), statistics.median(map(of, theirs))
            lines.append(f"NOTE    {part} {key[:3]}: this code {spread([of(r) for r in runs])} ms, --against "
                         f"{spread([of(r) for r in theirs])} ms: {mine / base:.2f}x of it (medians)")
    if "scaling" in result:
        for route, numbers in result["scaling"].items():
            lines.append(verdict(f"{route} download, seconds per 1,000 rows, whole table over smallest filter",
                                 numbers["growth"], SCALING_GOAL, "x"))
    if "oversized" in result:
        lines.append(verdict("other client's p50 while oversized requests come, over alone",
                             result["oversized"]["slowdown_p50"], OVERSIZED_SLOWDOWN, "x"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="Serve this database as it is (e.g. from build_bench.py --out).")
    parser.add_argument("--findings", type=int, default=100_000, help="Without --db: build or reuse one this size.")
    parser.add_argument("--out", type=Path, help="Directory of the --findings database (default /tmp/serve-bench-N).")
    parser.add_argument("--rebuild", action="store_true", help="Build the --findings database even if present.")
    parser.add_argument("--requests", type=int, default=30, help="Sequential requests per page type (default 30).")
    parser.add_argument("--seconds", type=float, default=30, help="Length of the concurrent run (default 30; 0 skips).")
    parser.add_argument("--clients", type=int, default=20, help="Concurrent clients (default 20).")
    parser.add_argument("--repeats", type=int, default=3, help="Concurrent runs (default 3): min/median/max.")
    parser.add_argument("--no-downloads", action="store_true", help="Leave the downloads out of the mix.")
    parser.add_argument("--no-whole-table", action="store_true", help="No client downloading the whole table meanwhile.")
    parser.add_argument("--xlsx", action="store_true", help="A filtered Excel download in the mix too.")
    parser.add_argument("--against", help="A Python whose installed evidence package serves a second server, "
                                          "measured in turn with this one (concurrent runs only).")
    parser.add_argument("--workers", type=int, help="`evidence serve --workers` for this checkout's server "
                                                    "(default: its own default; the --against server: its default)")
    parser.add_argument("--no-oversized", action="store_true", help="Skip the oversized-requests run.")
    parser.add_argument("--pages", help="Only these page types, comma-separated (e.g. findings,condition).")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the finally below: never leave the server behind
    from evidence.metadata import read

    configured = read(ROOT / "metadata.yml")["databases"]["evidence"]["tables"]["findings"]["facets"]
    assert tuple(configured) == FACETS, f"metadata.yml's findings facets changed: {configured}"
    db = args.db or prepare(args.findings, args.out or Path(f"/tmp/serve-bench-{args.findings}"), args.rebuild)
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    findings = conn.execute("select count(*) from findings").fetchone()[0]
    conn.close()
    types = page_types(db)
    if args.pages:
        types = {name: paths for name, paths in types.items() if name in args.pages.split(",")}
    port = free_port()
    server = start(db, port, workers=args.workers)
    other = other_port = None
    if args.against:
        for python in (sys.executable, args.against):  # which code each server runs, as `start` runs it
            where = subprocess.run([python, "-P", "-c", "import evidence; print(evidence.__path__[0])"],
                                   capture_output=True, text=True).stdout.strip()
            print(f"{python} serves {where}", file=sys.stderr)
        other_port = free_port()
        other = start(db, other_port, args.against)
    result: dict = {"findings": findings, "db": str(db)}
    try:
        print(f"Serving {findings:,} findings on {HOST}:{port}", file=sys.stderr)
        for paths in types.values():  # one warm-up request each: the first read of a page from disk
            for path in paths:
                fetch(port, path)
        result["pages"] = {name: sequential(port, paths, args.requests) for name, paths in types.items()}
        result["pages_json"] = {name: sequential(port, as_json(types[name]), args.requests)
                                for name in ("findings", "findings_filtered", "findings_search") if name in types}
        if not args.no_downloads:
            result["scaling"] = scaling(port, db, max(3, args.requests // 10))
        if args.seconds > 0:
            mix = [p for paths in types.values() for p in paths] + ([] if args.no_downloads else download_paths(db))
            mix += [XLSX] if args.xlsx and not args.no_downloads else []
            full = "" if args.no_whole_table or args.no_downloads else FULL_DOWNLOAD
            result["concurrent"], theirs = [], []
            for _ in range(args.repeats):  # interleaved with the other server's runs
                if other_port:
                    theirs.append(concurrent(other_port, mix, clients=args.clients, seconds=args.seconds, full=full))
                result["concurrent"].append(concurrent(port, mix, clients=args.clients, seconds=args.seconds, full=full))
            if other_port:
                result["against"] = {"python": args.against, "concurrent": theirs}
        if not args.no_oversized:
            result["oversized"] = oversized(port, types["findings"][0], seconds=min(10.0, args.seconds or 10.0))
    finally:
        for running in (server, other):
            if running is None:
                continue
            running.terminate()
            try:
                running.wait(timeout=10)
            except subprocess.TimeoutExpired:
                running.kill()
                running.wait()
    print(f"{findings:,} findings, single client, {args.requests} requests per page type:")
    for section in ("pages", "pages_json"):
        for name, numbers in result[section].items():
            print(f"  {name + (' (JSON)' if section == 'pages_json' else ''):>26}: {numbers}")
    for section in ("scaling", "concurrent", "oversized"):
        for numbers in (result[section] if isinstance(result.get(section), list) else [result.get(section)]):
            if numbers:
                print(f"  {section:>26}: {numbers}")
    for numbers in result.get("against", {}).get("concurrent", []):
        print(f"  {'concurrent (--against)':>26}: {numbers}")
    result["goals"] = goals(result)
    print("Goals:")
    for line in result["goals"]:
        print(f"  {line}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
