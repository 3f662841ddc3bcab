#!/usr/bin/env python3
"""The views that read windows (`windows`, `top`, `shares`, `report`), timed through the real
store with the frame cache on and off, and against a baseline binary, in one run (issue 18).

    python3 bench/views.py --store DIR [--binary PATH] [--baseline PATH] [--repeat 5]
                           [--views windows,top,shares,report] [--check-targets]

Each contender runs every view in turn, interleaved (A, B, C, A, B, C, ...), so a change in the
shared machine's load hits them alike. One untimed run of each first warms the page cache and
fills the frame cache (`<store>/cache/frames/`, which the `cache off` runs neither read nor
write: `HUBCENSUS_CACHE=off`). Reported per view and contender: the best and median wall time,
the best CPU time (user + system, from os.wait4: what the machine's load disturbs least), the
largest peak RSS, and the load average beside them. Every contender's output must be byte for
byte the same (exit 1 when not). The store is only read, except for its `cache/` directory: run
it on a copy of a store others use.

Targets (issue 18; `--check-targets` exits 1 when one is missed): `windows` at most 0.5 s wall
warm with the cache and 1 GB peak RSS.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_SECONDS = 0.5
TARGET_RSS_MB = 1024.0

VIEWS = {
    "windows": ["windows", "--format", "json", "--k", "200"],
    "top": ["top", "--format", "json", "--k", "200"],
    "top --family": ["top", "--format", "json", "--family", "--k", "200"],
    "churn": ["churn", "--format", "json"],
    "shares": ["shares", "--format", "json", "--origin", "both"],
    "shares --by org": ["shares", "--format", "json", "--by", "org"],
    "report": ["report", "--format", "json", "-o", "-"],
}


def run(command, env, out_path):
    """Runs `command` with stdout to `out_path`; returns (wall s, cpu s, peak RSS MiB)."""
    with open(out_path, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        stderr = process.stderr.read().decode(errors="replace")
        process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(command)}\n{stderr}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "hubcensus"))
    parser.add_argument("--baseline", help="another binary to compare (e.g. main's), cache off and on")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--views", default=",".join(VIEWS))
    parser.add_argument("--check-targets", action="store_true")
    args = parser.parse_args()

    views = [v.strip() for v in args.views.split(",") if v.strip()]
    for view in views:
        if view not in VIEWS:
            sys.exit(f"unknown view {view!r}; known: {', '.join(VIEWS)}")
    on = dict(os.environ)
    on.pop("HUBCENSUS_CACHE", None)
    off = dict(on, HUBCENSUS_CACHE="off")
    contenders = [("cache", args.binary, on), ("no cache", args.binary, off)]
    if args.baseline:
        # The baseline binary as it is used: with its own frame cache (entries it shares with
        # this binary where their formats agree), and without.
        contenders.append(("baseline", args.baseline, off))
        contenders.append(("base+cache", args.baseline, on))

    work = tempfile.mkdtemp(prefix="hubcensus-views-")
    results = {}  # (view, contender) -> [(wall, cpu, rss, load)]
    mismatches = []
    for view in views:
        outputs = {}
        for name, binary, env in contenders:
            path = os.path.join(work, f"{view}-{name}.out".replace(" ", "_"))
            run([binary, "--quiet", "--data-dir", args.store] + VIEWS[view], env, path)
            outputs[name] = path
        reference = open(outputs["cache"], "rb").read()
        for name, path in outputs.items():
            if open(path, "rb").read() != reference:
                mismatches.append(f"{view}: {name} differs from the cached run")
        for _ in range(args.repeat):
            for name, binary, env in contenders:
                load = os.getloadavg()[0]
                path = os.path.join(work, "timed.out")
                wall, cpu, rss = run([binary, "--quiet", "--data-dir", args.store] + VIEWS[view], env, path)
                if open(path, "rb").read() != reference:
                    mismatches.append(f"{view}: a timed {name} run differs")
                results.setdefault((view, name), []).append((wall, cpu, rss, load))

    print(f"store {args.store}; {os.cpu_count()} cores; {args.repeat} interleaved runs each, after a warm-up")
    print(f"{'view':<14}{'contender':<10}{'wall best':>10}{'median':>9}{'cpu best':>10}{'peak RSS':>10}{'load avg':>14}")
    missed = []
    for view in views:
        for name, _, _ in contenders:
            runs = results[(view, name)]
            walls = [r[0] for r in runs]
            cpus = [r[1] for r in runs]
            rss = max(r[2] for r in runs)
            loads = [r[3] for r in runs]
            print(f"{view:<14}{name:<10}{min(walls):>9.2f}s{statistics.median(walls):>8.2f}s"
                  f"{min(cpus):>9.2f}s{rss:>7.0f} MB{min(loads):>7.2f}-{max(loads):.2f}")
        best = {name: min(r[0] for r in results[(view, name)]) for name, _, _ in contenders}
        cpu = {name: min(r[1] for r in results[(view, name)]) for name, _, _ in contenders}
        for other in [n for n, _, _ in contenders if n != "cache"]:
            print(f"{'':<14}cache vs {other}: wall {best[other] / best['cache']:.1f}x, cpu {cpu[other] / cpu['cache']:.1f}x faster")
        if view == "windows":
            rss = max(r[2] for r in results[(view, "cache")])
            print(f"{'':<14}target: <= {TARGET_SECONDS} s wall warm ({'met' if best['cache'] <= TARGET_SECONDS else 'missed'}), "
                  f"<= {TARGET_RSS_MB:.0f} MB peak ({'met' if rss <= TARGET_RSS_MB else 'missed'})")
            if best["cache"] > TARGET_SECONDS or rss > TARGET_RSS_MB:
                missed.append(view)
    if mismatches:
        print("\nOUTPUTS DIFFER:")
        for line in sorted(set(mismatches)):
            print(f"  {line}")
        sys.exit(1)
    print("\nevery contender's output is byte-identical")
    if args.check_targets and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
