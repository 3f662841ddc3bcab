#!/usr/bin/env python3
"""Benchmark: every figure of `hubcensus windows` for 12 weekly windows, hubcensus-analytics vs
DuckDB SQL, on the same synthetic world (N models x 13 weekly snapshots), in one run.

The world is defined by integer formulas (crates/hubcensus-analytics/benches/windows.rs has the
same in Rust). DuckDB materializes it as Parquet, then computes the figures with window functions
over that Parquet (timed, Parquet scan included); the Rust bench computes them over aligned
in-memory frames (timed, world generation excluded). The script checks that both agree on
totals, flags, top-k share, N50/N80/N90, both Ginis, HHI by author, the working set ids, churn
and the family working set, and prints both times, the ratio and peak RSS.

Usage: python3 bench/analytics.py [N]   (default 2000000; needs `pip install duckdb`)
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import duckdb

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
T0 = 1_780_000_000_000
WEEK = 7 * 86_400_000
DAY = 86_400_000
K = 200
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rust():
    env = dict(os.environ)
    build = subprocess.run(
        ["cargo", "bench", "-p", "hubcensus-analytics", "--bench", "windows", "--no-run"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit(build.stderr)
    out = subprocess.run(
        ["cargo", "bench", "-q", "-p", "hubcensus-analytics", "--bench", "windows", "--", str(N)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


WORLD = f"""
CREATE TABLE models AS
SELECT m,
       (m * 48271 + 11) % 2147483647 AS r1,
       (m * 69621 + 7) % 2147483647 AS r2
FROM range({N}) t(m);
CREATE TABLE mixed AS SELECT m, r1, r2, (r1 * r1 + r2) % 2147483647 AS r3 FROM models;
CREATE TABLE params AS
SELECT m, r1, r2,
       CASE WHEN r1 % 20 = 0 THEN 1 + r3 % 12 ELSE 0 END AS first_week,
       CASE WHEN r1 % 50 = 1 THEN 1 + (r3 // 7) % 12 ELSE 99 END AS gone_week,
       CASE WHEN r3 % 97 = 0 THEN NULL
            WHEN r1 % 20 = 0 THEN {T0} + (r3 % 12) * {WEEK} + 3 * {DAY}
            ELSE {T0} - (r2 % 1000) * {DAY} END AS created_ms,
       r2 % 10000 AS base,
       CASE WHEN r1 % 1000 = 999 THEN NULL ELSE r2 % 50000 END AS author
FROM mixed;
CREATE TABLE grid AS
SELECT params.*, w,
       CASE WHEN w = 0 OR r1 % 7 = 0 THEN 0
            ELSE (1000000000 // (1 + r1 % 2000000)) * (2 + (r2 + w) % 3) // 3 END AS weekly,
       CASE WHEN r2 % 1000 = 3 AND w >= 6 THEN
            (CASE WHEN r1 % 7 = 0 THEN 0
                  ELSE (1000000000 // (1 + r1 % 2000000)) * (2 + (r2 + 6) % 3) // 3 END) + 10
            ELSE 0 END AS correction
FROM params, range(13) t(w);
CREATE TABLE world AS
SELECT m, w, created_ms, author, first_week, gone_week,
       base + sum(weekly) OVER (PARTITION BY m ORDER BY w ROWS UNBOUNDED PRECEDING) - correction AS a
FROM grid;
COPY (SELECT m, w, a, created_ms, author FROM world
      WHERE w >= first_week AND w < gone_week
      ORDER BY w, m)
TO '{{path}}' (FORMAT parquet);
"""

FIGURES = f"""
CREATE TEMP TABLE s AS SELECT * FROM read_parquet('{{path}}');
CREATE TEMP TABLE win AS
SELECT c.w, c.m, c.author,
       CASE WHEN p.m IS NOT NULL THEN c.a - p.a
            WHEN c.created_ms > {T0} + (c.w - 1) * {WEEK} THEN c.a END AS d,
       p.m IS NULL AS appeared
FROM s c LEFT JOIN s p ON p.m = c.m AND p.w = c.w - 1
WHERE c.w >= 1;
CREATE TEMP TABLE counts AS
SELECT w, count(d) AS models, count(d) FILTER (WHERE appeared) AS new,
       count(*) FILTER (WHERE d IS NULL) AS unmatched,
       count(*) FILTER (WHERE d < 0) AS negative,
       coalesce(sum(-d) FILTER (WHERE d < 0), 0) AS clamped,
       coalesce(sum(greatest(d, 0)), 0) AS total
FROM win GROUP BY w;
CREATE TEMP TABLE gone AS
SELECT p.w + 1 AS w, count(*) AS disappeared
FROM s p LEFT JOIN s c ON c.m = p.m AND c.w = p.w + 1
WHERE c.m IS NULL AND p.w < 12 GROUP BY 1;
CREATE TEMP TABLE x AS SELECT w, m, author, greatest(d, 0) AS x FROM win WHERE d IS NOT NULL;
CREATE TEMP TABLE ranked AS
SELECT w, m, x,
       row_number() OVER (PARTITION BY w ORDER BY x DESC, m ASC) AS rk,
       sum(x) OVER (PARTITION BY w ORDER BY x DESC, m ASC ROWS UNBOUNDED PRECEDING) AS cum,
       row_number() OVER (PARTITION BY w ORDER BY x ASC) AS ia
FROM x;
CREATE TEMP TABLE conc AS
SELECT r.w,
       sum(x) FILTER (WHERE rk <= {K}) / nullif(any_value(c.total), 0) AS top_k_share,
       min(rk) FILTER (WHERE cum * 10 >= 5 * c.total AND c.total > 0) AS n50,
       min(rk) FILTER (WHERE cum * 10 >= 8 * c.total AND c.total > 0) AS n80,
       min(rk) FILTER (WHERE cum * 10 >= 9 * c.total AND c.total > 0) AS n90,
       2.0 * sum(ia::HUGEINT * x)::DOUBLE / (count(*) * any_value(c.total)) - (count(*) + 1.0) / count(*) AS gini,
       list(m ORDER BY rk) FILTER (WHERE rk <= {K} AND x > 0) AS working_set
FROM ranked r JOIN counts c USING (w) GROUP BY r.w;
CREATE TEMP TABLE gnz AS
SELECT w, 2.0 * sum(i::HUGEINT * x)::DOUBLE / (count(*) * sum(x)) - (count(*) + 1.0) / count(*) AS gini_nonzero
FROM (SELECT w, x, row_number() OVER (PARTITION BY w ORDER BY x) AS i FROM x WHERE x > 0) GROUP BY w;
CREATE TEMP TABLE hhi AS
SELECT g.w, sum(power(100.0 * sx / c.total, 2)) AS hhi_author
FROM (SELECT w, author, sum(x) AS sx FROM x WHERE author IS NOT NULL GROUP BY w, author) g
JOIN counts c USING (w) WHERE sx > 0 GROUP BY g.w;
CREATE TEMP TABLE fam AS
SELECT w, list(f ORDER BY rk) AS family_working_set FROM (
  SELECT w, f, row_number() OVER (PARTITION BY w ORDER BY fx DESC, f ASC) AS rk FROM (
    SELECT w, CASE WHEN m % 10 = 3 THEN m - 3 ELSE m END AS f, sum(x) AS fx FROM x GROUP BY ALL
  ) WHERE fx > 0
) WHERE rk <= {K} GROUP BY w;
SELECT c.w, c.total, c.models, c.new, c.unmatched, coalesce(gone.disappeared, 0), c.negative, c.clamped,
       conc.top_k_share, conc.n50, conc.n80, conc.n90, conc.gini, gnz.gini_nonzero, hhi.hhi_author,
       conc.working_set, fam.family_working_set
FROM counts c JOIN conc USING (w) LEFT JOIN gone USING (w) LEFT JOIN gnz USING (w)
LEFT JOIN hhi USING (w) LEFT JOIN fam USING (w) ORDER BY c.w;
"""


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def main():
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "world.parquet")
        started = time.perf_counter()
        con = duckdb.connect()
        con.execute(WORLD.replace("{path}", path))
        con.close()
        generated = time.perf_counter() - started
        started = time.perf_counter()
        con = duckdb.connect()
        rows = con.execute(FIGURES.replace("{path}", path)).fetchall()
        duck_seconds = time.perf_counter() - started
        con.close()
    duck_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours = rust()
    mismatches = []
    previous = None
    for row, mine in zip(rows, ours["windows"]):
        (w, total, models, new, unmatched, disappeared, negative, clamped, share, n50, n80, n90,
         gini, gini_nz, hhi, ws, fam) = row
        entries = None if previous is None else len(set(ws) - set(previous))
        previous = ws
        expected = {
            "total_downloads": total, "models": models, "new": new, "unmatched": unmatched,
            "disappeared": disappeared, "negative": negative, "clamped_downloads": clamped,
            "n50": n50, "n80": n80, "n90": n90, "working_set": list(ws),
            "family_working_set": list(fam), "entries": entries,
        }
        for key, value in expected.items():
            if mine[key] != value:
                mismatches.append((w, key, mine[key] if key not in ("working_set", "family_working_set") else "...", value if not isinstance(value, list) else "..."))
        for key, value in [("top_k_share", share), ("gini", gini), ("gini_nonzero", gini_nz), ("hhi_author", hhi)]:
            if not close(mine[key], value):
                mismatches.append((w, key, mine[key], value))
    if len(rows) != len(ours["windows"]):
        mismatches.append(("windows", len(rows), len(ours["windows"])))
    ratio = duck_seconds / ours["compute_seconds"]
    print(f"world: {N:,} models x 13 weekly snapshots, 12 windows (DuckDB generated it in {generated:.1f} s)")
    print(f"hubcensus-analytics: {ours['compute_seconds']:.3f} s compute (in-memory aligned frames), peak RSS {ours['peak_rss_mb']:.0f} MB (whole bench process, world included)")
    print(f"DuckDB SQL:          {duck_seconds:.3f} s (Parquet scan + window functions), peak RSS of this Python process {duck_rss:.0f} MB")
    print(f"ratio: hubcensus is {ratio:.1f}x faster (target >= 5x, <= 1.5 s)")
    print(f"sample: window 1 total {rows[0][1]:,}, top-200 share {rows[0][8]:.4f}, N50 {rows[0][9]}, Gini {rows[0][12]:.4f}, HHI {rows[0][14]:.1f}")
    if mismatches:
        print(f"DISAGREE on {len(mismatches)} figures: {mismatches[:10]}")
        sys.exit(1)
    print("agree: totals, flags, top-k share, N50/N80/N90, both Ginis, HHI by author, working sets, churn, family working sets (all 12 windows)")


if __name__ == "__main__":
    main()
