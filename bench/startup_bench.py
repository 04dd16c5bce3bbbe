"""Start-up: `evidence --version` against a bare `python -c pass`, as a user runs them (issue 30, item 2).

    python bench/startup_bench.py [--repeats 20]

Both commands run as processes from the same virtual environment, interleaved (bare, evidence, bare,
…) so that the machine's load falls on both alike. For each pair the ratio of CPU time (user + system,
of the child) and of wall time is taken; min/median/max of the ratios are printed, then one JSON line.
Goal: evidence --version <= 3x bare Python (CPU). Reported, never asserted: this machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL = 3.0
EVIDENCE = Path(sys.executable).with_name("evidence")  # the console script beside this interpreter


def run(command: list[str]) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def spread(values: list[float]) -> str:
    return f"min {min(values):.2f}  median {statistics.median(values):.2f}  max {max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    bare, evidence = [sys.executable, "-c", "pass"], [str(EVIDENCE), "--version"]
    run(bare), run(evidence)  # warm the file cache
    pairs = [(run(bare), run(evidence)) for _ in range(args.repeats)]
    cpu = [e[0] / max(b[0], 1e-3) for b, e in pairs]
    wall = [e[1] / b[1] for b, e in pairs]
    print(f"bare python -c pass:  CPU median {statistics.median(b[0] for b, _ in pairs) * 1000:.0f} ms, "
          f"wall median {statistics.median(b[1] for b, _ in pairs) * 1000:.0f} ms")
    print(f"evidence --version:   CPU median {statistics.median(e[0] for _, e in pairs) * 1000:.0f} ms, "
          f"wall median {statistics.median(e[1] for _, e in pairs) * 1000:.0f} ms")
    print(f"ratio CPU:  {spread(cpu)}   (goal <= {GOAL:g}x: {'met' if statistics.median(cpu) <= GOAL else 'missed'})")
    print(f"ratio wall: {spread(wall)}")
    print(json.dumps({"repeats": args.repeats, "cpu_ratio": [min(cpu), statistics.median(cpu), max(cpu)],
                      "wall_ratio": [min(wall), statistics.median(wall), max(wall)], "cpu_count": os.cpu_count()}))


if __name__ == "__main__":
    main()
