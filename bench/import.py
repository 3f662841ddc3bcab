#!/usr/bin/env python3
"""Import benchmark: `hubcensus import` of a 2,000,000-row hub-stats-schema Parquet file against
DuckDB's `CREATE TABLE t AS SELECT <the same columns> FROM read_parquet(...)` into a DuckDB file.

Prints wall time and peak RSS of each, and the comparison, in one run. Not a test; run it by hand:

    python3 bench/import.py [--rows 2000000] [--work /tmp/hubcensus-bench] [--keep]

It builds the release binary and the fixture generator (crates/hubcensus-ingest/examples/
hub_stats_fixture.rs, the hub-stats writer plus a deterministic generator), generates the file
once (reused when present with the same row count), then runs each contender `--repeat` times
(default 3) on a cold data directory / database file and reports the best wall time and the
largest peak RSS. Peak RSS comes from /usr/bin/time -v when present, else from
resource.getrusage(RUSAGE_CHILDREN) in a fresh driver process per run.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The columns the importer maps (safetensors: only its total), selected the same way in DuckDB.
COLUMNS = (
    '"_id", id, createdAt, lastModified, downloads, downloadsAllTime, likes, trendingScore, tags, '
    'pipeline_tag, library_name, gated, cardData, safetensors.total AS safetensors_total, gguf, '
    '"baseModels"'
)

DUCKDB_SCRIPT = """
import sys, time, duckdb
path, db = sys.argv[1], sys.argv[2]
started = time.perf_counter()
con = duckdb.connect(db)
con.execute("CREATE TABLE t AS SELECT {columns} FROM read_parquet(?)", [path])
con.close()
print("inner_seconds", time.perf_counter() - started)
"""

MEASURE_SCRIPT = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[1:])
wall = time.perf_counter() - started
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"MEASURE {code} {wall} {peak_kib}", file=sys.stderr)
"""


def run_measured(command, env=None):
    """Runs `command`; returns (wall seconds, peak RSS in MiB, stdout)."""
    if os.path.exists("/usr/bin/time"):
        started = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"failed: {' '.join(command)}\n{done.stderr}")
        peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    else:
        done = subprocess.run([sys.executable, "-c", MEASURE_SCRIPT] + command, capture_output=True, text=True, env=env)
        match = re.search(r"MEASURE (\d+) ([\d.]+) (\d+)", done.stderr)
        if done.returncode != 0 or not match or match.group(1) != "0":
            sys.exit(f"failed: {' '.join(command)}\n{done.stderr}")
        wall, peak_kib = float(match.group(2)), int(match.group(3))
    return wall, peak_kib / 1024, done.stdout


def cargo(*args):
    env = dict(os.environ)
    subprocess.run(["cargo", *args], cwd=ROOT, check=True, env=env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--work", default="/tmp/hubcensus-bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--no-build", action="store_true", help="use the binaries already built")
    args = parser.parse_args()

    if not args.no_build:
        cargo("build", "--release", "--locked", "-p", "hubcensus", "--bin", "hubcensus")
        cargo("build", "--release", "--locked", "-p", "hubcensus-ingest", "--example", "hub_stats_fixture")
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binary = os.path.join(target, "release", "hubcensus")
    generator = os.path.join(target, "release", "examples", "hub_stats_fixture")

    os.makedirs(args.work, exist_ok=True)
    parquet = os.path.join(args.work, f"models-{args.rows}.parquet")
    if not os.path.exists(parquet):
        started = time.perf_counter()
        subprocess.run([generator, parquet, str(args.rows)], check=True)
        print(f"generated {parquet} in {time.perf_counter() - started:.1f} s")
    size_mib = os.path.getsize(parquet) / 2**20

    import duckdb  # noqa: F401  (fail early when missing)

    script = DUCKDB_SCRIPT.format(columns=COLUMNS.replace('"', '\\"'))
    results = {"hubcensus import": [], "duckdb CREATE TABLE AS": []}
    for attempt in range(args.repeat):
        data_dir = os.path.join(args.work, "store")
        shutil.rmtree(data_dir, ignore_errors=True)
        wall, peak, stdout = run_measured(
            [binary, "--quiet", "--data-dir", data_dir, "import", parquet, "--as-of", "2026-01-01"]
        )
        if attempt == 0:
            print(stdout.strip())
        results["hubcensus import"].append((wall, peak))

        database = os.path.join(args.work, "bench.duckdb")
        for suffix in ("", ".wal"):
            if os.path.exists(database + suffix):
                os.remove(database + suffix)
        wall, peak, _ = run_measured([sys.executable, "-c", script, parquet, database])
        results["duckdb CREATE TABLE AS"].append((wall, peak))

    print()
    print(f"input: {args.rows:,} rows, {size_mib:.0f} MiB hub-stats-schema Parquet; {os.cpu_count()} cores; best of {args.repeat}")
    print(f"{'contender':<26}{'wall (best)':>12}{'wall (all runs)':>28}{'peak RSS':>12}")
    best = {}
    for name, runs in results.items():
        walls = [wall for wall, _ in runs]
        peak = max(peak for _, peak in runs)
        best[name] = (min(walls), peak)
        print(f"{name:<26}{min(walls):>10.2f} s{', '.join(f'{w:.2f}' for w in walls):>28}{peak:>8.0f} MiB")
    ours, theirs = best["hubcensus import"], best["duckdb CREATE TABLE AS"]
    ratio = ours[0] / theirs[0]
    print()
    print(f"hubcensus / duckdb wall time: {ratio:.2f}x ({'meets' if ratio <= 1.0 else 'misses'} the target: no slower than DuckDB)")
    print(f"hubcensus peak RSS: {ours[1]:.0f} MiB ({'meets' if ours[1] <= 1536 else 'misses'} the target: <= 1.5 GB)")
    if not args.keep:
        shutil.rmtree(os.path.join(args.work, "store"), ignore_errors=True)


if __name__ == "__main__":
    main()
