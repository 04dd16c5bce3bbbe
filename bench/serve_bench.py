"""Serving benchmark against a large database, on 127.0.0.1 only, bounded in count and time.

    python bench/serve_bench.py --db /tmp/bench100k/evidence.db   # from build_bench.py --out
    python bench/serve_bench.py --findings 100000                  # or build one first

1. 200 sequential requests of the findings page with every configured facet (its JSON, which runs
   the same queries): p50/p95, and any facet time-out reported by Datasette.
2. 50 sequential requests of the HTML findings page: p50/p95; and 20 of a full-text search.
3. 20 concurrent clients for 30 s (at most 20,000 requests): requests, errors, p50/p95
   (--clients for another count, e.g. 100).
4. Oversized requests (a 90 KB query string, 500 parameters, 50 facets, a 10 KB search) sent in a
   loop for 10 s while one client requests the findings page: the status and time of each kind, and
   the other client's p50/p95 beside its latency alone: one slow request must not stall the others.
Prints the numbers and a final JSON line. Targets: p50 <= 150 ms, p95 <= 400 ms, no time-outs,
no errors. Numbers are reported, never asserted in tests: this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evidence.serve import serve_args  # noqa: E402

HOST = "127.0.0.1"  # the only address this benchmark sends traffic to
PATHS = [
    "/evidence/findings",
    "/evidence/findings?condition=cancer",
    "/evidence/findings?certainty=moderate",
    "/evidence/findings?intervention_type=vocational&outcome=return_to_work",
    "/evidence/findings?condition=traumatic_brain_injury&certainty=very_low",
]
SEARCH = "/evidence/findings?_search=vocational"  # facets over thousands of matches: reported on its own


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(db: Path, port: int) -> subprocess.Popen:
    args = serve_args(db, ROOT / "metadata.yml", HOST, port)
    server = subprocess.Popen([sys.executable, "-m", "datasette", *args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            fetch(port, "/-/versions.json")
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def fetch(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes, float]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=30)
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
    ms = sorted(s * 1000 for s in seconds)
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(ms[max(0, math.ceil(0.95 * len(ms)) - 1)], 1),
            "max_ms": round(ms[-1], 1)}


def sequential_json(port: int, count: int = 200) -> dict:
    latencies, timeouts, errors = [], 0, 0
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    for i in range(count):
        path = PATHS[i % len(PATHS)]
        status, body, seconds = fetch(port, path.replace("/findings", "/findings.json", 1), conn)
        latencies.append(seconds)
        if status != 200:
            errors += 1
            continue
        data = json.loads(body)
        timeouts += len(data.get("facets_timed_out") or [])
        assert set(data["facet_results"]) >= {"condition", "certainty", "intervention_type", "outcome"}, path
    conn.close()
    return {"requests": count, "errors": errors, "facet_timeouts": timeouts, **percentiles(latencies)}


def sequential_html(port: int, count: int = 50, paths: list[str] = PATHS) -> dict:
    latencies, errors = [], 0
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    for i in range(count):
        status, _, seconds = fetch(port, paths[i % len(paths)], conn)
        latencies.append(seconds)
        errors += status != 200
    conn.close()
    return {"requests": count, "errors": errors, **percentiles(latencies)}


def concurrent(port: int, clients: int = 20, seconds: float = 30, limit: int = 20_000) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        i = n
        while time.monotonic() < stop and len(latencies) < limit:
            try:
                status, _, took = fetch(port, PATHS[i % len(PATHS)], conn)
            except (OSError, http.client.HTTPException):
                status, took = 0, 0.0
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            with lock:
                latencies.append(took)
                errors[0] += status != 200
            i += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {"clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies), "errors": errors[0],
            "requests_per_second": round(len(latencies) / elapsed, 1), **percentiles(latencies)}


OVERSIZED = {
    "query_string_90kb": "/evidence/findings?condition=" + "x" * 90_000,
    "500_parameters": "/evidence/findings?" + "&".join(f"p{i}=1" for i in range(500)),
    "50_facets": "/evidence/findings?" + "&".join(f"_facet=c{i}" for i in range(50)),
    "search_10kb": "/evidence/findings?_search=" + "work+" * 2000,
}


def oversized(port: int, seconds: float = 10) -> dict:
    """Oversized requests in a loop on one connection while another client is served."""
    alone = sequential_html(port, 20, PATHS[:1])
    stop = time.monotonic() + seconds
    answers: dict[str, list] = {name: [] for name in OVERSIZED}

    def hostile() -> None:
        while time.monotonic() < stop:
            for name, path in OVERSIZED.items():
                try:
                    status, _, took = fetch(port, path)
                except (OSError, http.client.HTTPException):
                    status, took = 0, 0.0
                answers[name].append((status, took))

    thread = threading.Thread(target=hostile)
    thread.start()
    latencies, errors = [], 0
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    while time.monotonic() < stop and len(latencies) < 2000:
        status, _, took = fetch(port, PATHS[0], conn)
        latencies.append(took)
        errors += status != 200
    conn.close()
    thread.join()
    refused = {name: {"statuses": sorted({s for s, _ in got}), "requests": len(got),
                      **percentiles([t for _, t in got] or [0.0])} for name, got in answers.items()}
    return {"oversized": refused, "other_client_alone": alone,
            "other_client_meanwhile": {"requests": len(latencies), "errors": errors, **percentiles(latencies)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="The database to serve (e.g. from build_bench.py --out).")
    parser.add_argument("--findings", type=int, default=100_000, help="Without --db: build one with this many.")
    parser.add_argument("--seconds", type=float, default=30, help="Length of the concurrent run (default 30).")
    parser.add_argument("--clients", type=int, default=20, help="Concurrent clients (default 20).")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the finally below: never leave the server behind
    db = args.db
    if db is None:
        from bench.build_bench import generate
        from evidence import build as builder

        out = Path(tempfile.mkdtemp(prefix="serve-bench-"))
        print(f"Building a database of {args.findings:,} findings in {out} …", file=sys.stderr)
        generate(args.findings, out)
        db = out / "evidence.db"
        builder.build(out / "studies.yaml", db)
    findings = json.loads(subprocess.run(
        [sys.executable, "-c", f"import sqlite3; print(sqlite3.connect('{db}').execute('select count(*) from findings').fetchone()[0])"],
        capture_output=True, text=True, check=True).stdout)
    port = free_port()
    server = start(db, port)
    try:
        print(f"Serving {findings:,} findings on {HOST}:{port}", file=sys.stderr)
        result = {"findings": findings, "sequential_json": sequential_json(port), "sequential_html": sequential_html(port),
                  "search_html": sequential_html(port, 20, [SEARCH]),
                  "concurrent": concurrent(port, clients=args.clients, seconds=args.seconds),
                  "oversized": oversized(port, seconds=min(10.0, args.seconds))}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    for section, numbers in result.items():
        print(f"{section:>16}: {numbers}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
