#!/usr/bin/env python3
"""The Spark path beside the embedded engine (issue 16), in one run: `hubcensus windows` with
the embedded engine, then with `--engine spark` (PySpark in local mode unless told otherwise),
on the same store; every figure the Spark path computes is compared, field by field, with the
embedded view's (the JSON of each must be byte for byte the same), and each run's wall time and
peak memory (the resident memory of the whole process tree, JVM included, sampled every 0.2 s)
are printed.

    python3 bench/spark_windows.py --store DIR [--binary target/release/hubcensus]
                                   [--master 'local[2]'] [--k 200]

The store must be of format 3 (any hubcensus writer migrates an older one: see docs/store.md,
or `cargo run --release -p hubcensus-store --example migrate -- DIR`). Exit 1 when a figure
differs.
"""

import argparse
import json
import os
import subprocess
import sys
import time

FIELDS = [
    "from", "to", "total_downloads", "models", "matched", "new", "unmatched", "disappeared",
    "unmeasured", "negative", "clamped_downloads", "k", "top_k_share", "n50", "n80", "n90", "gini",
    "gini_nonzero", "lorenz", "long_tail_share", "working_set", "working_set_share", "entries",
    "exits", "churn",
]


def tree_rss(root):
    """Resident bytes of `root` and its descendants, from /proc."""
    children = {}
    rss = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(pid))
        rss[int(pid)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run(command):
    """(stdout, wall seconds, peak tree RSS bytes) of `command`."""
    started = time.perf_counter()
    with open(os.devnull, "w") as null:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=null)
        peak = 0
        chunks = []
        os.set_blocking(process.stdout.fileno(), False)
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            try:
                chunk = process.stdout.read()
                if chunk:
                    chunks.append(chunk)
            except BlockingIOError:
                pass
            time.sleep(0.2)
        rest = process.stdout.read()
        if rest:
            chunks.append(rest)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return b"".join(chunks), elapsed, peak


def flatten(window):
    """The Spark view's window in the embedded view's field names."""
    flat = {"from": window["from"], "to": window["to"]}
    flat.update(window["counts"])
    concentration = window["concentration"]
    for name in ["k", "top_k_share", "n50", "n80", "n90", "gini", "gini_nonzero", "lorenz"]:
        flat[name] = concentration[name]
    for name in ["long_tail_share", "working_set", "working_set_share", "entries", "exits", "churn"]:
        flat[name] = window[name]
    return flat


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--binary", default="target/release/hubcensus")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--remote")
    parser.add_argument("--k", type=int, default=200)
    args = parser.parse_args()
    base = [args.binary, "--data-dir", args.store, "windows", "--k", str(args.k), "--format", "json"]
    spark_flags = ["--spark-remote", args.remote] if args.remote else ["--spark-master", args.master]

    embedded_out, embedded_time, embedded_peak = run(base)
    spark_out, spark_time, spark_peak = run(base + ["--engine", "spark"] + spark_flags)
    embedded = json.loads(embedded_out)
    spark = json.loads(spark_out)

    differences = []
    if len(embedded["windows"]) != len(spark["windows"]):
        differences.append(f"{len(embedded['windows'])} windows embedded, {len(spark['windows'])} on Spark")
    for mine, theirs in zip(embedded["windows"], spark["windows"]):
        theirs = flatten(theirs)
        for field in FIELDS:
            if json.dumps(mine[field]) != json.dumps(theirs[field]):
                differences.append(f"window ending {mine['to']}: {field} differs")
    windows = len(embedded["windows"])
    models = max((w["models"] for w in embedded["windows"]), default=0)
    print(f"store: {args.store}: {len(embedded['snapshots'])} snapshots, {windows} windows, "
          f"up to {models:,} counted models per window; k = {args.k}")
    print(f"{'engine':<34} {'wall time':>10} {'peak memory (process tree)':>28}")
    print(f"{'embedded (hubcensus windows)':<34} {embedded_time:>9.1f}s {embedded_peak / 2**20:>24,.0f} MiB")
    where = args.remote or args.master
    print(f"{'spark, ' + where:<34} {spark_time:>9.1f}s {spark_peak / 2**20:>24,.0f} MiB")
    print(f"figures compared: {len(FIELDS)} fields x {windows} windows; "
          + ("all equal, byte for byte" if not differences else f"{len(differences)} differ"))
    for difference in differences[:20]:
        print(f"  {difference}")
    print(f"not computed on Spark: {', '.join(spark['not_computed'])}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
