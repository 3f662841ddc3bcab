#!/usr/bin/env python3
"""Benchmark: `hubcensus report` on a demo store, against the issue's budget (<= 3 s at 2M x 13).

Usage: python3 crates/hubcensus-report/bench/report.py [--models 2000000] [--weeks 13] [--store DIR]

Builds nothing: run `cargo build --release` first. Generates the demo world into DIR (default
/tmp/hubcensus-bench-<models>x<weeks>) when DIR holds no store yet, then times the report in each
format (best of three) and prints the figures and the comparison with the budget.
"""

import argparse
import pathlib
import resource
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[3]
BINARY = ROOT / "target" / "release" / "hubcensus"
BUDGET_SECONDS = 3.0


def run(arguments):
    started = time.perf_counter()
    completed = subprocess.run(arguments, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"{' '.join(map(str, arguments))} failed:\n{completed.stderr}")
    return elapsed, completed.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=2_000_000)
    parser.add_argument("--weeks", type=int, default=13)
    parser.add_argument("--store", type=pathlib.Path)
    options = parser.parse_args()
    if not BINARY.exists():
        sys.exit(f"{BINARY} not found: run `cargo build --release` first")
    store = options.store or pathlib.Path(f"/tmp/hubcensus-bench-{options.models}x{options.weeks}")
    if not (store / "snapshots").exists() and not any(store.glob("**/manifest*")):
        print(f"generating the demo world ({options.models:,} models x {options.weeks} weeks) into {store}")
        elapsed, _ = run([BINARY, "--data-dir", store, "demo", "--models", str(options.models),
                          "--weeks", str(options.weeks)])
        print(f"  generated in {elapsed:.1f} s")
    print(f"hubcensus report on {options.models:,} models x {options.weeks} weeks (best of 3):")
    worst = 0.0
    for output_format in ["html", "md", "json"]:
        target = store / f"bench-report.{output_format}"
        times = [run([BINARY, "--data-dir", store, "report", "-o", target])[0] for _ in range(3)]
        best = min(times)
        worst = max(worst, best)
        size = target.stat().st_size
        print(f"  {output_format:5} {best:6.2f} s  ({size / 1024:,.0f} KiB)")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdict = "within" if worst <= BUDGET_SECONDS else "OVER"
    print(f"  peak memory of a run: {peak:,.0f} MiB")
    print(f"budget {BUDGET_SECONDS:.1f} s: {verdict} ({worst:.2f} s for the slowest format)")


if __name__ == "__main__":
    main()
