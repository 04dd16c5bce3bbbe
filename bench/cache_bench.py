"""Caching benchmark: Debian's nginx (proxy_cache) in front of `evidence serve`, on 127.0.0.1 only.

    python bench/cache_bench.py --db /tmp/bench/evidence.db               # a plain build (max-age=60)
    python bench/cache_bench.py --db /tmp/bench/evidence.db --release     # a copy stamped as a release
    python bench/cache_bench.py --findings 10000                         # builds /tmp/serve-bench-10000

Needs nginx (`apt-get install nginx-light`, or `nginx`); the benchmark is not part of CI. The site
sends a content-addressed ETag and Cache-Control (evidence/site/cache_headers.py); nginx keeps what
that allows (proxy_cache, one request per missing page upstream: proxy_cache_lock, and expired
pages revalidated with If-None-Match: proxy_cache_revalidate) and says in X-Cache-Status whether it
answered from its cache.

--clients concurrent clients (default 200), each on its own keep-alive connection, send --requests
requests each (default 20, bounded: no open-ended loop) over serve_bench's page mix (front page,
findings table, filtered and searched findings, /search, gap map, finding and condition pages),
starting together from a cold cache (every page a miss at first), then the same again with the cache
filled (warm). Then, for comparison, the same clients send --direct requests
each (default 2) straight to Datasette. Prints p50/p95/p99, requests/s, the proxy's hit ratio (HIT,
and REVALIDATED: a 304 from the site) and errors (any status but 200), then one JSON line. Goal
(issue 30): at 200 clients behind the cache, p95 <= 1 s with no errors (printed cold and warm). The client is Python threads
on the same shared 2-core machine, so latencies include its own scheduling: ratios count, not seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serve_bench import HOST, free_port, page_types, prepare, start  # noqa: E402

GOAL_P95_MS = 1000

NGINX_CONF = """\
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_temp;
    proxy_temp_path {tmp}/proxy_temp;
    fastcgi_temp_path {tmp}/fastcgi_temp;
    uwsgi_temp_path {tmp}/uwsgi_temp;
    scgi_temp_path {tmp}/scgi_temp;
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=evidence:16m max_size=1g inactive=10m use_temp_path=off;
    upstream datasette {{ server {host}:{upstream}; keepalive 32; }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://datasette;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_read_timeout 120s;
            proxy_cache evidence;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 60s;
            proxy_cache_use_stale updating;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if not found:
        raise SystemExit("nginx is not installed: apt-get install nginx-light (the benchmark is not CI)")
    return found


def start_nginx(tmp: Path, port: int, upstream: int) -> subprocess.Popen:
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, host=HOST, port=port, upstream=upstream,
                                      user="user root;" if os.geteuid() == 0 else ""))
    proxy = subprocess.Popen([nginx_binary(), "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log"),
                              "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proxy.poll() is not None:
            raise SystemExit(f"nginx failed: {proxy.stderr.read().decode()}")
        try:
            http.client.HTTPConnection(HOST, port, timeout=1).connect()
            return proxy
        except OSError:
            time.sleep(0.1)
    proxy.kill()
    raise SystemExit("nginx did not start")


def stamped_release(db: Path, tmp: Path) -> Path:
    """A copy of the database stamped as a release (build_info.release), served immutable."""
    (tmp / "release").mkdir()
    copy = tmp / "release" / db.name
    shutil.copy(db, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("update build_info set release = 'bench', released_at = '2026-01-01'")
    conn.close()
    return copy


def load(port: int, paths: list[str], clients: int, requests: int) -> dict:
    """``clients`` threads, each on one keep-alive connection, ``requests`` requests each, started together."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    cache: Counter = Counter()
    lock = threading.Lock()
    gate = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        mine, seen, got = [], Counter(), Counter()
        gate.wait()
        for j in range(requests):
            path = paths[(k * 7 + j * 13) % len(paths)]
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                got[response.status] += 1
                seen[response.getheader("X-Cache-Status") or "none"] += 1
            except (OSError, http.client.HTTPException) as e:
                got[type(e).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=120)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(got)
            cache.update(seen)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ms = sorted(s * 1000 for s in latencies) or [0.0]
    rank = lambda q: ms[max(0, math.ceil(q * len(ms)) - 1)]  # noqa: E731
    total = sum(statuses.values())
    hits = cache.get("HIT", 0) + cache.get("REVALIDATED", 0)
    return {"requests": total, "seconds": round(elapsed, 1), "requests_per_second": round(total / elapsed, 1),
            "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(rank(0.95), 1), "p99_ms": round(rank(0.99), 1),
            "max_ms": round(ms[-1], 1), "errors": total - statuses.get(200, 0),
            "hit_ratio": round(hits / total, 3) if total else 0.0, "cache_status": dict(cache),
            "statuses": {str(k): v for k, v in statuses.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="A built database, served as it is.")
    parser.add_argument("--findings", type=int, default=10_000, help="Without --db: build this many (default 10000).")
    parser.add_argument("--out", type=Path, help="Without --db: where the corpus and database are kept.")
    parser.add_argument("--release", action="store_true", help="Serve a copy stamped as a release (immutable).")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20, help="Requests per client through the cache (default 20).")
    parser.add_argument("--direct", type=int, default=2, help="Requests per client straight to Datasette (default 2; 0: skip).")
    args = parser.parse_args()
    db = args.db or prepare(args.findings, args.out or Path(f"/tmp/serve-bench-{args.findings}"), False)
    tmp = Path(tempfile.mkdtemp(prefix="cache-bench-"))
    server = proxy = None
    try:
        served = stamped_release(db, tmp) if args.release else db
        upstream, port = free_port(), free_port()
        server = start(served, upstream)
        proxy = start_nginx(tmp, port, upstream)
        paths = [p for group in page_types(served).values() for p in group]
        summary = {"database": str(db), "release": args.release, "clients": args.clients, "addresses": len(paths)}
        for state in ("cold", "warm"):
            print(f"{args.clients} clients x {args.requests} requests through nginx ({state} cache), "
                  f"{len(paths)} addresses …", file=sys.stderr)
            summary.update({f"{state}_{k}": v for k, v in load(port, paths, args.clients, args.requests).items()})
        if args.direct:
            print(f"{args.clients} clients x {args.direct} requests straight to Datasette …", file=sys.stderr)
            direct = load(upstream, paths, args.clients, args.direct)
            summary.update({f"direct_{k}": v for k, v in direct.items() if k not in ("hit_ratio", "cache_status")})
    finally:
        for process in (proxy, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    for state in ("cold", "warm"):
        p95, errors = summary[f"{state}_p95_ms"], summary[f"{state}_errors"]
        summary[f"{state}_goal"] = (
            f"met: p95 {p95} ms <= {GOAL_P95_MS} ms at {args.clients} clients behind the cache, no errors"
            if p95 <= GOAL_P95_MS and not errors else
            f"missed: p95 {p95} ms (goal <= {GOAL_P95_MS} ms), {errors} errors at {args.clients} clients")
    for key, value in summary.items():
        print(f"{key:>28}: {value}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
