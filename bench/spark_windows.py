#!/usr/bin/env python3
"""The Spark path beside the embedded engine (issue 16), in one run: `hubcensus windows` with
the embedded engine, then with `--engine spark` (PySpark in local mode unless told otherwise),
on the same store; the two JSON outputs (every field of every window) must be byte for byte the
same, and each run's wall time, CPU time (user + sys of the process tree) and peak memory (the
resident memory of the whole process tree, and of its JVM alone, sampled every 0.2 s) are
printed with the load average.

    python3 bench/spark_windows.py --store DIR [--binary target/release/hubcensus]
                                   [--master 'local[2]'] [--k 200]

The store must be of format 3 (any hubcensus writer migrates an older one: see docs/store.md,
or `cargo run --release -p hubcensus-store --example migrate -- DIR`). Exit 1 when the outputs
differ.
"""

import argparse
import json
import os
import subprocess
import sys
import time

def tree_rss(root):
    """Resident bytes of `root` and its descendants, and of the Java processes among them, and
    each one's CPU ticks (user + sys), from /proc."""
    children = {}
    rss = {}
    java = set()
    ticks = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
            ticks[int(pid)] = int(fields[11]) + int(fields[12])
            with open(f"/proc/{pid}/comm") as file:
                if file.read().strip() == "java":
                    java.add(int(pid))
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(pid))
        rss[int(pid)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, jvm, stack, cpu = 0, 0, [root], {}
    while stack:
        pid = stack.pop()
        cpu[pid] = ticks.get(pid, 0)
        total += rss.get(pid, 0)
        if pid in java:
            jvm += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total, jvm, cpu


def run(command):
    """(stdout, wall seconds, CPU seconds of the tree, peak tree RSS bytes, peak JVM RSS bytes)
    of `command`."""
    started = time.perf_counter()
    # CPU ticks per process of the tree, the last seen (a process's own, not its children's).
    seen = {}
    with open(os.devnull, "w") as null:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=null)
        peak = jvm_peak = 0
        chunks = []
        os.set_blocking(process.stdout.fileno(), False)
        while process.poll() is None:
            tree, jvm, cpu = tree_rss(process.pid)
            peak, jvm_peak = max(peak, tree), max(jvm_peak, jvm)
            for pid, value in cpu.items():
                seen[pid] = max(seen.get(pid, 0), value)
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
    # Sampled every 0.2 s: the last 0.2 s of each process may be missed.
    cpu = sum(seen.values()) / os.sysconf("SC_CLK_TCK")
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return b"".join(chunks), elapsed, cpu, peak, jvm_peak


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

    load = os.getloadavg()
    embedded_out, embedded_time, embedded_cpu, embedded_peak, _ = run(base)
    spark_out, spark_time, spark_cpu, spark_peak, jvm_peak = run(base + ["--engine", "spark"] + spark_flags)
    load_after = os.getloadavg()
    embedded = json.loads(embedded_out)
    windows = len(embedded["windows"])
    models = max((w["models"] for w in embedded["windows"]), default=0)
    print(f"store: {args.store}: {len(embedded['snapshots'])} snapshots, {windows} windows, "
          f"up to {models:,} counted models per window; k = {args.k}")
    print(f"load average (1, 5, 15 min): {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} before, "
          f"{load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f} after")
    print(f"{'engine':<30} {'wall':>8} {'CPU (user+sys)':>15} {'peak memory, tree':>18} {'of it JVM':>10}")
    print(f"{'embedded (hubcensus windows)':<30} {embedded_time:>7.1f}s {embedded_cpu:>14.1f}s "
          f"{embedded_peak / 2**20:>14,.0f} MiB {'-':>10}")
    where = args.remote or args.master
    print(f"{'spark, ' + where:<30} {spark_time:>7.1f}s {spark_cpu:>14.1f}s "
          f"{spark_peak / 2**20:>14,.0f} MiB {jvm_peak / 2**20:>6,.0f} MiB")
    same = embedded_out == spark_out
    print(f"figures compared: the whole JSON ({len(embedded_out):,} bytes, every field of {windows} windows): "
          + ("equal, byte for byte" if same else "DIFFERENT"))
    if not same:
        spark = json.loads(spark_out)
        for mine, theirs in zip(embedded["windows"], spark["windows"]):
            for field in mine:
                if json.dumps(mine[field]) != json.dumps(theirs.get(field)):
                    print(f"  window ending {mine['to']}: {field} differs")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
