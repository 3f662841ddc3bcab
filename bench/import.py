#!/usr/bin/env python3
"""Import benchmark: `hubcensus import` against DuckDB writing the same columns into a table.

Two cases, each printed with both contenders' wall time, CPU time (user + system), the cores
that amounts to (CPU / wall), peak RSS, the load average, and the ratios, in one run:

- file: a 2,000,000-row hub-stats-schema Parquet file (generated) against DuckDB's
  `CREATE TABLE t AS SELECT <the same columns> FROM read_parquet(...)` into a DuckDB file;
- archive (with `--archive DIR`): a weekly archive (`DIR/models/<YYYY-MM-DD>/models.parquet`,
  e.g. `hubcensus demo --models 2000000 --weeks 13 --write-parquet DIR`) imported in one
  `hubcensus import DIR`, against DuckDB creating the table from the first week and inserting
  each later week (`INSERT INTO t SELECT <the same columns>, <the week> AS as_of ...`).

Not a test; run it by hand:

    python3 bench/import.py [--rows 2000000] [--archive DIR] [--work /tmp/hubcensus-bench]
        [--repeat 3] [--binary PATH] [--no-build] [--skip-file] [--duckdb-threads N]

The machine may be loaded: CPU time (from os.wait4, the whole process with every thread) is
what the load disturbs least; wall times come with the 1-minute load average at the start of
each run. DuckDB uses every core it sees (`--duckdb-threads` sets its `threads`); hubcensus
runs a reader, an encoder and a dictionary thread beside the main one. Each run starts from an
empty data directory / database file; the best wall and CPU time and the largest peak are kept.
"""

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The columns the importer maps (safetensors: only its total), selected the same way in DuckDB.
COLUMNS = (
    '"_id", id, createdAt, lastModified, downloads, downloadsAllTime, likes, trendingScore, tags, '
    'pipeline_tag, library_name, gated, cardData, safetensors.total AS safetensors_total, gguf, '
    '"baseModels"'
)

DUCKDB_FILE = """
import sys, duckdb
path, db, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect(db)
if threads:
    con.execute(f"SET threads = {{threads}}")
con.execute("CREATE TABLE t AS SELECT {columns} FROM read_parquet(?)", [path])
con.close()
"""

DUCKDB_ARCHIVE = """
import sys, duckdb
db, threads, weeks = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
con = duckdb.connect(db)
if threads:
    con.execute(f"SET threads = {{threads}}")
for position, path in enumerate(weeks):
    week = path.split("/")[-2]
    select = "SELECT {columns}, CAST(? AS TIMESTAMP) AS as_of FROM read_parquet(?)"
    if position == 0:
        con.execute("CREATE TABLE t AS " + select, [week, path])
    else:
        con.execute("INSERT INTO t " + select, [week, path])
con.close()
"""


def measure(command):
    """Runs `command`: wall s, CPU s and peak RSS MiB from os.wait4 (the whole process, every
    thread), the 1-minute load average at the start, and its stdout."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Drain the pipes on threads so a chatty child cannot block on a full pipe.
    captured = {}

    def drain(name, stream):
        captured[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=("out", process.stdout)),
        threading.Thread(target=drain, args=("err", process.stderr)),
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    for reader in readers:
        reader.join()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(command)}\n{captured['err'].decode(errors='replace')}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak": usage.ru_maxrss / 1024,
        "load": load,
        "stdout": captured["out"].decode(errors="replace"),
    }


def cargo(*args):
    subprocess.run(["cargo", *args], cwd=ROOT, check=True, stdin=subprocess.DEVNULL)


def fresh(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    for suffix in ("", ".wal"):
        if os.path.isfile(path + suffix):
            os.remove(path + suffix)


def contest(title, contenders, repeat):
    """Runs each contender `repeat` times, interleaved; prints the table and the ratios."""
    results = {name: [] for name, _, _ in contenders}
    for attempt in range(repeat):
        for name, prepare, command in contenders:
            prepare()
            measured = measure(command)
            if attempt == 0 and measured["stdout"].strip():
                print(measured["stdout"].strip())
            results[name].append(measured)
    print()
    print(title)
    print(f"{'contender':<30}{'wall (best)':>12}{'CPU (best)':>12}{'cores':>7}{'peak RSS':>11}   runs (wall s / CPU s @ load)")
    best = {}
    for name, runs in results.items():
        wall = min(r["wall"] for r in runs)
        cpu = min(r["cpu"] for r in runs)
        peak = max(r["peak"] for r in runs)
        cores = sum(r["cpu"] for r in runs) / sum(r["wall"] for r in runs)
        best[name] = (wall, cpu, peak)
        detail = ", ".join(f"{r['wall']:.1f}/{r['cpu']:.1f}@{r['load']:.1f}" for r in runs)
        print(f"{name:<30}{wall:>10.2f} s{cpu:>10.2f} s{cores:>7.2f}{peak:>7.0f} MiB   {detail}")
    (ours_name, ours), (theirs_name, theirs) = list(best.items())[:2]
    print(
        f"{ours_name} / {theirs_name}: wall {ours[0] / theirs[0]:.2f}x, CPU {ours[1] / theirs[1]:.2f}x "
        f"({'meets' if ours[0] <= theirs[0] else 'misses'} the target: no slower than DuckDB); "
        f"peak RSS {ours[2]:.0f} MiB ({'meets' if ours[2] < 1024 else 'misses'} the target: under 1 GB)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--archive", help="a weekly archive to import as well (DIR/models/<date>/models.parquet)")
    parser.add_argument("--work", default="/tmp/hubcensus-bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--binary", help="the hubcensus binary [default: target/release/hubcensus]")
    parser.add_argument("--duckdb-threads", type=int, default=0, help="DuckDB's threads (0: its default, every core)")
    parser.add_argument("--skip-file", action="store_true", help="only the archive case")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--no-build", action="store_true", help="use the binaries already built")
    args = parser.parse_args()

    if not args.no_build:
        cargo("build", "--release", "--locked", "-p", "hubcensus", "--bin", "hubcensus")
        cargo("build", "--release", "--locked", "-p", "hubcensus-ingest", "--example", "hub_stats_fixture")
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binary = args.binary or os.path.join(target, "release", "hubcensus")
    generator = os.path.join(target, "release", "examples", "hub_stats_fixture")

    import duckdb  # noqa: F401  (fail early when missing)

    os.makedirs(args.work, exist_ok=True)
    data_dir = os.path.join(args.work, "store")
    database = os.path.join(args.work, "bench.duckdb")
    columns = COLUMNS.replace('"', '\\"')
    print(f"{os.cpu_count()} cores; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start; "
          f"DuckDB threads: {args.duckdb_threads or 'default (every core)'}")

    if not args.skip_file:
        parquet = os.path.join(args.work, f"models-{args.rows}.parquet")
        if not os.path.exists(parquet):
            started = time.perf_counter()
            subprocess.run([generator, parquet, str(args.rows)], check=True)
            print(f"generated {parquet} in {time.perf_counter() - started:.1f} s")
        size_mib = os.path.getsize(parquet) / 2**20
        contest(
            f"one file: {args.rows:,} rows, {size_mib:.0f} MiB hub-stats-schema Parquet; best of {args.repeat}",
            [
                ("hubcensus import", lambda: fresh(data_dir),
                 [binary, "--quiet", "--data-dir", data_dir, "import", parquet, "--as-of", "2026-01-01"]),
                ("duckdb CREATE TABLE AS", lambda: fresh(database),
                 [sys.executable, "-c", DUCKDB_FILE.format(columns=columns), parquet, database, str(args.duckdb_threads)]),
            ],
            args.repeat,
        )

    if args.archive:
        models = os.path.join(args.archive, "models")
        weeks = sorted(
            os.path.join(models, name, "models.parquet")
            for name in os.listdir(models)
            if os.path.isfile(os.path.join(models, name, "models.parquet"))
        )
        size_mib = sum(os.path.getsize(week) for week in weeks) / 2**20
        contest(
            f"weekly archive: {len(weeks)} weeks, {size_mib:.0f} MiB of hub-stats Parquet; best of {args.repeat}",
            [
                ("hubcensus import (archive)", lambda: fresh(data_dir),
                 [binary, "--quiet", "--data-dir", data_dir, "import", args.archive]),
                ("duckdb CREATE + INSERTs", lambda: fresh(database),
                 [sys.executable, "-c", DUCKDB_ARCHIVE.format(columns=columns), database, str(args.duckdb_threads), *weeks]),
            ],
            args.repeat,
        )

    if not args.keep:
        fresh(data_dir)
        fresh(database)


if __name__ == "__main__":
    main()
