#!/usr/bin/env python3
"""End-to-end benchmark of `hubcensus windows` through the real store, against DuckDB SQL over
the same Parquet files, in one run (issue 5).

Question: does `hubcensus --data-dir DIR windows --format json` compute every figure of every
window (flags, totals, top k, N50/N80/N90, both Ginis, HHI by author, long tail, Lorenz, working
set and churn, family working set) in <= 1.5 s wall with the store warm, at least 5x faster than
DuckDB computing the same figures with window functions over `DIR/models/*/*.parquet`,
in <= 2 GB peak RSS? And do the two engines agree?

    python3 bench/windows.py [--store DIR | --models 2000000 --weeks 13] [--repeat 3]
                             [--binary PATH] [--k 200] [--check-targets]

Without `--store` it generates a demo store with the release binary (`hubcensus --data-dir DIR
demo --models N --weeks W`) in `--work` (reused when it already holds that demo). The binary is
built with `cargo build --release -p hubcensus` only when it is missing.

hubcensus: one untimed run warms the page cache, then `--repeat` timed runs; the best wall time
(process start to exit, JSON written to a file) and the largest peak RSS of the child (from
os.wait4) are reported. DuckDB: a fresh Python child per run (`--repeat` runs, after hubcensus
warmed the same files); its time runs from `duckdb.connect()` to the last figure fetched, Parquet
scan and key-dictionary reads included, Python start-up and `import duckdb` excluded; its peak
RSS is the child's (interpreter included). The ratio divides DuckDB's best by hubcensus's best.

Agreement: window by window, every figure of docs/windows-json.md except `population.words`:
counts and flags exactly, ids and id lists exactly, shares, Ginis, HHI and Lorenz points within a
relative 1e-9. Every mismatch is printed; exit 1 when any. `--check-targets` also exits 1 when a
target is missed. Exit 2 on an error (a store this script cannot read, a failed run).

What the SQL reproduces, from METHODS.md §2-§5 and crates/hubcensus-analytics: windows between
consecutive snapshots joined on `model_index` (`downloads_all_time` differences; a model only at
t1 is `new` when `created_at > t0`, else `unmatched`, the createdAt sentinel being stored as
null; negatives clamped to 0 in every aggregate). Concentration comes from the values grouped by
value with running sums (window functions over about 30,000 distinct values per window instead
of 2 million rows: exact, and several times faster in DuckDB than a running sum over every
model). Rankings: downloads descending, then the model's current id (the key dictionary's
latest-first-seen id) ascending, then the dense index. HHI over the `author` at t1 (legacy null
authors in no group). Families from the latest snapshot's lineage: parent ids resolved through
the key dictionary (an id held by several indices goes to the one that saw it latest),
self-references dropped, a quantized or adapter model with exactly one parent folded into that
parent's family, recursively (a recursive CTE). The Rust side breaks lineage cycles in
depth-first order; the SQL does not emulate that order: it counts the quantized/adapter models
whose parent edges lie on a cycle and warns when there are any (their family figures may then
differ). Stores with 30-day-only snapshots (no `downloads_all_time`) are refused: this benchmark
covers difference windows only.

bench/windows_fixture.py builds a small store of edge cases (renames, reused ids, ties,
unmatched and unmeasured models, lineage chains) to check the SQL against: run this script on
it with a small `--k`.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_SECONDS = 1.5
TARGET_RATIO = 5.0
TARGET_RSS_MB = 2048.0
TOLERANCE = 1e-9
FOLDING = ("quantized", "adapter")
CADENCE_DAYS = 7.0


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# The store, as docs/store.md lays it out


def read_store(data_dir):
    """The committed snapshots (as_of text, as_of ms, models.parquet path, manifest), sorted by
    time, the dictionary length and the dictionary generation file, as `Store::open` sees them."""
    manifests_dir = os.path.join(data_dir, "manifests")
    if not os.path.isdir(manifests_dir):
        raise BenchError(f"{data_dir} is not a hubcensus store of format 3 (no manifests/ directory; "
                         "a format 1 or 2 store is migrated by any hubcensus command that writes, e.g. import)")
    snapshots = []
    stems = sorted({name.split(".json")[0] for name in os.listdir(manifests_dir) if ".json" in name})
    for stem in stems:
        # A commit that did not reach its commit point leaves the old manifest in force.
        if os.path.exists(os.path.join(data_dir, "pending", stem + ".parquet")):
            candidates = [stem + ".json"]
        else:
            candidates = [stem + ".json.next", stem + ".json"]
        manifest = None
        for candidate in candidates:
            path = os.path.join(manifests_dir, candidate)
            if os.path.exists(path):
                with open(path) as file:
                    manifest = json.load(file)
                break
        if manifest is None:
            continue
        directory = manifests_dir
        models = os.path.join(data_dir, manifest.get("files", {}).get("models", {}).get("path", ""))
        if not os.path.isfile(models):
            continue
        recorded = manifest.get("files", {}).get("models", {}).get("bytes")
        if recorded is not None and recorded != os.path.getsize(models):
            continue
        if manifest.get("schema_version") != 3:
            raise BenchError(f"{directory}: store format {manifest.get('schema_version')}, expected 3")
        snapshots.append({
            "as_of": manifest["as_of"],
            "ms": parse_ms(manifest["as_of"]),
            "path": models,
            "manifest_path": path,
            "all_time": "downloads_all_time" in manifest.get("columns", []),
            "partial": bool(manifest.get("partial")),
            "synthetic": bool(manifest.get("synthetic")),
            "generation": manifest.get("dictionary_generation"),
            "len": manifest.get("dictionary_len", 0),
        })
    snapshots.sort(key=lambda s: s["ms"])
    if len(snapshots) < 2:
        raise BenchError(f"{data_dir} holds {len(snapshots)} snapshot(s); the benchmark needs 2 or more")
    if not all(s["all_time"] for s in snapshots):
        raise BenchError("a snapshot has no downloads_all_time (30-day era): not covered by this benchmark")
    length = max(s["len"] for s in snapshots)
    generation = max(s["generation"] for s in snapshots)
    dictionary_dir = os.path.join(data_dir, "dictionary")
    path = os.path.join(dictionary_dir, f"{generation:08}.parquet")
    if not os.path.exists(path):
        # A writer removes old generations; a newer one is a superset, cut back to `length`.
        newer = sorted(
            int(name.split(".")[0]) for name in os.listdir(dictionary_dir)
            if name.endswith(".parquet") and name.split(".")[0].isdigit()
            and int(name.split(".")[0]) > generation)
        if not newer:
            raise BenchError(f"the key dictionary generation {generation} is missing from {dictionary_dir}")
        path = os.path.join(dictionary_dir, f"{newer[0]:08}.parquet")
    return {"snapshots": snapshots, "len": length, "dictionary": path}


def parse_ms(text):
    """Milliseconds since the epoch of an RFC 3339 UTC time as the store writes it."""
    from datetime import datetime, timezone
    value = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    return round(value.timestamp() * 1000)


# --------------------------------------------------------------------------------------------
# DuckDB: the same figures in SQL (runs in a child process: `--duckdb-worker PLAN`)


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def figures_sql(store, k):
    snapshots = store["snapshots"]
    last = len(snapshots) - 1
    values = ", ".join(
        f"({w}, {sql_string(s['path'])}, {s['ms']}::BIGINT)" for w, s in enumerate(snapshots))
    files = ", ".join(sql_string(s["path"]) for s in snapshots)
    latest = sql_string(snapshots[-1]["path"])
    dictionary = sql_string(store["dictionary"])
    length = store["len"]
    folding = ", ".join(sql_string(r) for r in FOLDING)
    # Statuses: 1 matched, 2 new, 3 unmatched, 4 unmeasured (windows of snapshot w - 1 to w).
    return f"""
SET preserve_insertion_order = false;
CREATE TEMP TABLE snaps AS SELECT * FROM (VALUES {values}) t(w, file, t_ms);
CREATE TEMP TABLE s AS
SELECT sn.w, r.model_index AS m, r.downloads_all_time AS a, epoch_ms(r.created_at) AS created_ms,
       r.author
FROM read_parquet([{files}], filename = true, hive_partitioning = false) r
JOIN snaps sn ON sn.file = r.filename;
CREATE TEMP TABLE sizes AS SELECT w, count(*) AS present FROM s GROUP BY w;
CREATE TEMP TABLE win AS
SELECT c.w, c.m, c.a, c.author, p.m IS NOT NULL AS was,
       CASE WHEN p.m IS NOT NULL THEN (CASE WHEN c.a IS NULL OR p.a IS NULL THEN 4 ELSE 1 END)
            WHEN c.created_ms > sp.t_ms THEN (CASE WHEN c.a IS NULL THEN 4 ELSE 2 END)
            ELSE 3 END AS status,
       CASE WHEN p.m IS NOT NULL THEN c.a - p.a
            WHEN c.created_ms > sp.t_ms THEN c.a END AS d
FROM s c JOIN snaps sp ON sp.w = c.w - 1
LEFT JOIN s p ON p.m = c.m AND p.w = c.w - 1;
-- Disappeared: present at w - 1 and not at w.
CREATE TEMP TABLE counts AS
SELECT sn.w,
       count(d) AS models,
       count(*) FILTER (WHERE status = 1) AS matched,
       count(*) FILTER (WHERE status = 2) AS new,
       count(*) FILTER (WHERE status = 3) AS unmatched,
       count(*) FILTER (WHERE status = 4) AS unmeasured,
       coalesce(any_value(sizes.present), 0) - count(*) FILTER (WHERE was) AS disappeared,
       count(*) FILTER (WHERE d < 0) AS negative,
       coalesce(sum(-d) FILTER (WHERE d < 0), 0) AS clamped,
       coalesce(sum(greatest(d, 0)), 0) AS total,
       count(*) FILTER (WHERE d IS NOT NULL AND a < 200) AS tail,
       count(*) FILTER (WHERE d > 0) AS nonzero
FROM snaps sn LEFT JOIN win USING (w) LEFT JOIN sizes ON sizes.w = sn.w - 1
WHERE sn.w >= 1 GROUP BY sn.w;
CREATE TEMP TABLE x AS SELECT w, m, author, greatest(d, 0) AS x FROM win WHERE d IS NOT NULL;
-- The population's values grouped by value, from the top: `upto` models and `cum` downloads
-- down to and including this value (download counts repeat a lot, so this is far smaller than
-- one row per model, and exact). Descending ranks upto - c + 1 .. upto hold value x.
CREATE TEMP TABLE vals AS
SELECT w, x, c,
       sum(c) OVER (PARTITION BY w ORDER BY x DESC ROWS UNBOUNDED PRECEDING) AS upto,
       sum(x * c) OVER (PARTITION BY w ORDER BY x DESC ROWS UNBOUNDED PRECEDING) AS cum
FROM (SELECT w, x, count(*) AS c FROM x GROUP BY w, x);
-- N_p: in the value group where the cumulative sum first reaches p * S, the smallest rank that
-- does: (cum_before + r * x) * 10 >= p10 * S. Gini: the ascending positions of ranks
-- a..b (n + 1 - rank) sum to (2n + 2 - a - b) * c / 2.
CREATE TEMP TABLE conc AS
SELECT v.w,
       sum(v.x * greatest(0, least(v.c, {k} - (v.upto - v.c)))) AS top_k,
       any_value(v.upto - v.c + (5 * c.total - 10 * (v.cum - v.x * v.c) + 10 * v.x - 1) // nullif(10 * v.x, 0))
         FILTER (WHERE v.cum * 10 >= 5 * c.total AND (v.cum - v.x * v.c) * 10 < 5 * c.total) AS n50,
       any_value(v.upto - v.c + (8 * c.total - 10 * (v.cum - v.x * v.c) + 10 * v.x - 1) // nullif(10 * v.x, 0))
         FILTER (WHERE v.cum * 10 >= 8 * c.total AND (v.cum - v.x * v.c) * 10 < 8 * c.total) AS n80,
       any_value(v.upto - v.c + (9 * c.total - 10 * (v.cum - v.x * v.c) + 10 * v.x - 1) // nullif(10 * v.x, 0))
         FILTER (WHERE v.cum * 10 >= 9 * c.total AND (v.cum - v.x * v.c) * 10 < 9 * c.total) AS n90,
       sum(v.x::HUGEINT * ((2 * c.models + 1 - 2 * v.upto + v.c) * v.c // 2)) AS weighted,
       coalesce(any_value(v.x) FILTER (WHERE v.upto - v.c < {k} AND {k} <= v.upto AND v.x > 0), 1) AS threshold
FROM vals v JOIN counts c USING (w) WHERE c.total > 0 GROUP BY v.w;
-- Lorenz point p: S minus the top n - floor(n p / 100) models' downloads, over S.
CREATE TEMP TABLE lorenz AS
SELECT w, list(downloads ORDER BY p) AS points FROM (
  SELECT c.w, p.p,
         (c.total - coalesce(v.cum - v.x * v.c + v.x * (c.models - (c.models * p.p) // 100 - (v.upto - v.c)), 0))::DOUBLE
           / c.total AS downloads
  FROM counts c CROSS JOIN range(101) p(p)
  LEFT JOIN vals v ON v.w = c.w AND v.upto - v.c < c.models - (c.models * p.p) // 100
                  AND c.models - (c.models * p.p) // 100 <= v.upto
  WHERE c.total > 0
) GROUP BY w;
CREATE TEMP TABLE hhi AS
SELECT w, sum(power(100.0 * sx / total, 2)) FILTER (WHERE author IS NOT NULL) AS hhi_author,
       coalesce(sum(sx) FILTER (WHERE author IS NULL), 0)::DOUBLE / any_value(total) AS unknown_share
FROM (SELECT w, author, sum(x) AS sx FROM x WHERE x > 0 GROUP BY w, author)
JOIN counts USING (w) WHERE total > 0 GROUP BY w;
CREATE TEMP TABLE dict AS
SELECT model_index AS m, id, first_seen FROM read_parquet({dictionary})
WHERE model_index < {length};
-- The working set: the candidates reach the k-th largest positive value (every tie at the
-- boundary included); their current ids break the ties.
CREATE TEMP TABLE ws AS
SELECT w, list(cid ORDER BY pos) AS ids, sum(x) AS held FROM (
  SELECT c.w, c.x, c.cid,
         row_number() OVER (PARTITION BY c.w ORDER BY c.x DESC, c.cid, c.m) AS pos
  FROM (SELECT x.w, x.m, x.x, arg_max(d.id, (d.first_seen, d.id)) AS cid
        FROM x JOIN conc USING (w) JOIN dict d ON d.m = x.m
        WHERE x.x >= conc.threshold AND x.x > 0 GROUP BY ALL) c
) WHERE pos <= {k} GROUP BY w;
CREATE TEMP TABLE churn AS
SELECT w, ids, CASE WHEN prev IS NOT NULL THEN list_filter(ids, lambda i: NOT list_contains(prev, i)) END AS entries,
       CASE WHEN prev IS NOT NULL THEN list_filter(prev, lambda i: NOT list_contains(ids, i)) END AS exits
FROM (SELECT s.w, coalesce(ws.ids, []) AS ids,
             lag(coalesce(ws.ids, [])) OVER (ORDER BY s.w) AS prev
      FROM snaps s LEFT JOIN ws USING (w) WHERE s.w >= 1);
-- Lineage of the latest snapshot: parent ids resolved through the key dictionary (an id held by
-- several indices goes to the one that first saw it latest, then the higher index).
CREATE TEMP TABLE lin AS
SELECT model_index AS m, relation, unnest(parents) AS pid FROM read_parquet({latest})
WHERE len(parents) > 0;
CREATE TEMP TABLE resolved AS
SELECT id, arg_max(m, (first_seen, m)) AS p FROM dict
WHERE id IN (SELECT pid FROM lin) GROUP BY id;
CREATE TEMP TABLE edges AS
SELECT lin.m, lin.relation, resolved.p FROM lin JOIN resolved ON resolved.id = lin.pid
WHERE resolved.p <> lin.m;
CREATE TEMP TABLE fold AS
SELECT m, min(p) AS p FROM edges WHERE relation IN ({folding})
GROUP BY m HAVING count(*) = 1;
CREATE TEMP TABLE family AS
WITH RECURSIVE walk(m, f, depth) AS (
  SELECT m, p, 1 FROM fold
  UNION ALL
  SELECT walk.m, fold.p, walk.depth + 1 FROM walk JOIN fold ON fold.m = walk.f
  WHERE walk.depth < 256
)
SELECT m, arg_max(f, depth) AS f FROM walk GROUP BY m;
-- Cycles through a folding model's parent edges (Rust breaks them in depth-first order).
CREATE TEMP TABLE cycles AS
WITH RECURSIVE up(start, node) AS (
  SELECT e.m, e.p FROM edges e WHERE e.relation IN ({folding})
  UNION
  SELECT up.start, e.p FROM up JOIN edges e ON e.m = up.node
)
SELECT count(DISTINCT start) AS folding_models_on_cycles FROM up WHERE node = start;
-- Family sums: a family base's own downloads plus its folded members'; a model that is not
-- folded is a family of its own.
CREATE TEMP TABLE folded AS
SELECT x.w, family.f, sum(x.x) AS fs FROM x JOIN family USING (m) WHERE x.x > 0 GROUP BY ALL;
CREATE TEMP TABLE fams AS
SELECT x.w, x.m AS f, x.x + coalesce(folded.fs, 0) AS fx
FROM x LEFT JOIN folded ON folded.w = x.w AND folded.f = x.m
WHERE x.x > 0 AND x.m NOT IN (SELECT m FROM family)
UNION ALL
SELECT folded.w, folded.f, folded.fs FROM folded
ANTI JOIN (SELECT w, m FROM x WHERE x > 0) base ON base.w = folded.w AND base.m = folded.f;
CREATE TEMP TABLE fthreshold AS
SELECT w, x AS threshold FROM (
  SELECT w, x, c, sum(c) OVER (PARTITION BY w ORDER BY x DESC ROWS UNBOUNDED PRECEDING) AS upto
  FROM (SELECT w, fx AS x, count(*) AS c FROM fams GROUP BY w, fx)
) WHERE upto - c < {k} AND {k} <= upto;
CREATE TEMP TABLE fws AS
SELECT w, list(cid ORDER BY pos) AS ids, sum(fx) AS held FROM (
  SELECT c.w, c.fx, c.cid,
         row_number() OVER (PARTITION BY c.w ORDER BY c.fx DESC, c.cid, c.f) AS pos
  FROM (SELECT r.w, r.f, r.fx, arg_max(d.id, (d.first_seen, d.id)) AS cid
        FROM fams r LEFT JOIN fthreshold t USING (w) JOIN dict d ON d.m = r.f
        WHERE r.fx >= coalesce(t.threshold, 1) GROUP BY ALL) c
) WHERE pos <= {k} GROUP BY w;
"""


RESULT_SQL = """
SELECT c.w, c.total, c.models, c.matched, c.new, c.unmatched, c.disappeared, c.unmeasured,
       c.negative, c.clamped, c.tail, c.nonzero,
       conc.top_k, conc.n50, conc.n80, conc.n90, conc.weighted::VARCHAR,
       hhi.hhi_author, hhi.unknown_share, lorenz.points,
       churn.ids, ws.held, churn.entries, churn.exits, fws.ids, fws.held
FROM counts c LEFT JOIN conc USING (w) LEFT JOIN hhi USING (w) LEFT JOIN lorenz USING (w)
LEFT JOIN churn USING (w) LEFT JOIN ws USING (w) LEFT JOIN fws USING (w)
ORDER BY c.w
"""


def duckdb_worker(plan_path):
    """Computes the figures with DuckDB; prints one JSON object (seconds, windows, cycles)."""
    import duckdb

    with open(plan_path) as file:
        plan = json.load(file)
    store, k = plan["store"], plan["k"]
    script = figures_sql(store, k)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(script)
    rows = con.execute(RESULT_SQL).fetchall()
    cycles = con.execute("SELECT folding_models_on_cycles FROM cycles").fetchone()[0]
    seconds = time.perf_counter() - started
    con.close()
    snapshots = store["snapshots"]
    windows = []
    for row in rows:
        (w, total, models, matched, new, unmatched, disappeared, unmeasured, negative, clamped,
         tail, nonzero, top_k, n50, n80, n90, weighted, hhi_author, unknown_share, lorenz,
         ids, held, entries, exits, family_ids, family_held) = row
        before, after = snapshots[w - 1], snapshots[w]
        defined = total > 0
        share = (lambda part: part / total) if defined else (lambda part: None)
        gini = gini_nonzero = None
        if defined:
            weighted = int(weighted)
            zeros = models - nonzero
            # The formula of METHODS.md §3, in the order crates/.../concentration.rs evaluates it.
            gini = 2.0 * float(weighted) / (models * float(total)) - (models + 1.0) / models
            gini_nonzero = (2.0 * float(weighted - zeros * total) / (nonzero * float(total))
                            - (nonzero + 1.0) / nonzero)
        days = (after["ms"] - before["ms"]) / 86_400_000.0
        windows.append({
            "from": before["as_of"], "to": after["as_of"], "measure": "all_time_difference",
            "days": days, "longer_than_cadence": days > CADENCE_DAYS * 1.5,
            "total_downloads": total, "models": models, "matched": matched, "new": new,
            "unmatched": unmatched, "disappeared": disappeared, "unmeasured": unmeasured,
            "negative": negative, "clamped_downloads": clamped, "k": k,
            "top_k_share": share(top_k or 0), "n50": n50, "n80": n80, "n90": n90,
            "gini": gini, "gini_nonzero": gini_nonzero,
            "hhi_author": (hhi_author or 0.0) if defined else None,
            "hhi_author_unknown_share": unknown_share if defined else None,
            "long_tail_share": tail / models if models else None,
            "lorenz": [{"models": p / 100, "downloads": v} for p, v in enumerate(lorenz)] if defined else [],
            "working_set": list(ids or []), "working_set_share": share(held or 0),
            "entries": None if entries is None else list(entries),
            "exits": None if exits is None else list(exits),
            "churn": None if entries is None else len(entries) / k,
            "family_working_set": list(family_ids or []),
            "family_working_set_share": share(family_held or 0),
            "population": {
                "measure": "all_time_difference", "from": before["as_of"], "to": after["as_of"],
                "models": models, "total_downloads": total,
                "partial": before["partial"] or after["partial"],
                "synthetic": before["synthetic"] or after["synthetic"],
            },
        })
    json.dump({"seconds": seconds, "windows": windows, "folding_models_on_cycles": cycles},
              sys.stdout)


# --------------------------------------------------------------------------------------------
# Running and measuring children


def run_measured(command, stdout_path):
    """Runs `command` with stdout to a file; returns (wall seconds, peak RSS MiB of the child)."""
    with open(stdout_path, "w") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        stderr = child.stderr.read().decode(errors="replace")
        child.stderr.close()
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise BenchError(f"{' '.join(command)} exited {child.returncode}:\n{stderr[-4000:]}")
    return wall, usage.ru_maxrss / 1024.0


def ensure_binary(binary):
    if os.path.exists(binary):
        return
    print(f"building {binary} (cargo build --release -p hubcensus)", file=sys.stderr)
    done = subprocess.run(["cargo", "build", "--release", "-p", "hubcensus"], cwd=ROOT)
    if done.returncode != 0 or not os.path.exists(binary):
        raise BenchError(f"cannot build {binary}")


def ensure_demo_store(binary, work, models, weeks):
    """A demo store of `models` x `weeks` in `work`, generated unless it is already there."""
    data_dir = os.path.join(work, f"demo-{models}x{weeks}")
    marker = f"demo --models {models} --weeks {weeks} "
    try:
        store = read_store(data_dir)
        with open(store["snapshots"][0]["manifest_path"]) as file:
            source = json.load(file).get("source_location", "")
        if marker in source + " " and len(store["snapshots"]) == weeks:
            print(f"reusing the demo store in {data_dir}", file=sys.stderr)
            return data_dir
    except (BenchError, OSError, ValueError, KeyError):
        pass
    shutil.rmtree(data_dir, ignore_errors=True)
    os.makedirs(work, exist_ok=True)
    print(f"generating a demo store of {models:,} models x {weeks} weeks in {data_dir}", file=sys.stderr)
    started = time.perf_counter()
    done = subprocess.run([binary, "--data-dir", data_dir, "demo", "--models", str(models),
                           "--weeks", str(weeks)], stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        raise BenchError(f"`hubcensus demo` exited {done.returncode}")
    print(f"generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return data_dir


# --------------------------------------------------------------------------------------------
# Agreement


EXACT = ["from", "to", "measure", "longer_than_cadence", "total_downloads", "models", "matched",
         "new", "unmatched", "disappeared", "unmeasured", "negative", "clamped_downloads", "k",
         "n50", "n80", "n90", "working_set", "entries", "exits", "family_working_set"]
CLOSE = ["days", "top_k_share", "gini", "gini_nonzero", "hhi_author", "hhi_author_unknown_share",
         "long_tail_share", "working_set_share", "churn", "family_working_set_share"]
POPULATION = ["measure", "from", "to", "models", "total_downloads", "partial", "synthetic"]


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def describe(value):
    if isinstance(value, list) and len(value) > 6:
        return f"[{len(value)} items: {', '.join(map(str, value[:3]))}, ...]"
    return repr(value)


def list_difference(ours, theirs):
    """Where two id lists first differ, in words."""
    for position, (a, b) in enumerate(zip(ours, theirs)):
        if a != b:
            return f"first difference at rank {position + 1}: hubcensus {a!r}, DuckDB {b!r}"
    return f"lengths {len(ours)} vs {len(theirs)}"


def compare(ours, theirs):
    """Every disagreement between hubcensus's JSON and DuckDB's figures, as lines of text."""
    mismatches = []
    if len(ours["windows"]) != len(theirs["windows"]):
        mismatches.append(f"windows: hubcensus {len(ours['windows'])}, DuckDB {len(theirs['windows'])}")
    for number, (mine, duck) in enumerate(zip(ours["windows"], theirs["windows"]), start=1):
        where = f"window {number} ({duck['from']} .. {duck['to']})"
        for key in EXACT:
            a, b = mine.get(key, "<missing>"), duck[key]
            if key in ("from", "to"):
                a, b = parse_ms(a), parse_ms(b)
            if a != b:
                detail = (list_difference(a, b) if isinstance(a, list) and isinstance(b, list)
                          else f"hubcensus {describe(a)}, DuckDB {describe(b)}")
                mismatches.append(f"{where} {key}: {detail}")
        for key in CLOSE:
            a, b = mine.get(key, "<missing>"), duck[key]
            if a == "<missing>" or not close(a, b):
                mismatches.append(f"{where} {key}: hubcensus {a!r}, DuckDB {b!r}")
        lorenz_a, lorenz_b = mine.get("lorenz", []), duck["lorenz"]
        if len(lorenz_a) != len(lorenz_b):
            mismatches.append(f"{where} lorenz: {len(lorenz_a)} points vs {len(lorenz_b)}")
        else:
            for a, b in zip(lorenz_a, lorenz_b):
                if not (close(a["models"], b["models"]) and close(a["downloads"], b["downloads"])):
                    mismatches.append(f"{where} lorenz point {a}: DuckDB {b}")
                    break
        population = mine.get("population", {})
        for key in POPULATION:
            a, b = population.get(key, "<missing>"), duck["population"][key]
            if key in ("from", "to"):
                a, b = parse_ms(a), parse_ms(b)
            if a != b:
                mismatches.append(f"{where} population.{key}: hubcensus {a!r}, DuckDB {b!r}")
    return mismatches


# --------------------------------------------------------------------------------------------


def verdict(met):
    return "met" if met else "MISSED"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", help="an existing store to use (else a demo store is generated)")
    parser.add_argument("--models", type=int, default=2_000_000, help="demo models (default 2,000,000)")
    parser.add_argument("--weeks", type=int, default=13, help="demo weeks (default 13)")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "hubcensus-bench-windows"),
                        help="where a generated demo store lives (reused when present)")
    target_dir = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    parser.add_argument("--binary", default=os.path.join(target_dir, "release", "hubcensus"),
                        help="the hubcensus binary (built when missing)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each engine (best wins)")
    parser.add_argument("--k", type=int, default=200, help="working-set size and top-k share k")
    parser.add_argument("--check-targets", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--duckdb-worker", metavar="PLAN", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.duckdb_worker:
        duckdb_worker(args.duckdb_worker)
        return 0
    try:
        import duckdb  # noqa: F401  (fail early, before the long runs)
    except ImportError:
        raise BenchError("needs the duckdb Python package (pip install -r .ci/requirements.txt)")

    ensure_binary(args.binary)
    data_dir = args.store or ensure_demo_store(args.binary, args.work, args.models, args.weeks)
    store = read_store(data_dir)
    print(f"store: {data_dir}: {len(store['snapshots'])} snapshots, {store['len']:,} model keys, "
          f"{len(store['snapshots']) - 1} windows, k = {args.k}")

    with tempfile.TemporaryDirectory(prefix="hubcensus-bench-windows-") as scratch:
        ours_path = os.path.join(scratch, "hubcensus.json")
        command = [args.binary, "--data-dir", data_dir, "windows", "--format", "json", "--k", str(args.k)]
        print(f"hubcensus: warming the page cache ({' '.join(command[1:])})", file=sys.stderr)
        run_measured(command, ours_path)
        ours_times, ours_rss = [], 0.0
        for run in range(args.repeat):
            wall, rss = run_measured(command, ours_path)
            ours_times.append(wall)
            ours_rss = max(ours_rss, rss)
            print(f"hubcensus run {run + 1}: {wall:.3f} s, {rss:.0f} MB", file=sys.stderr)
        with open(ours_path) as file:
            ours = json.load(file)

        plan_path = os.path.join(scratch, "plan.json")
        with open(plan_path, "w") as file:
            json.dump({"store": store, "k": args.k}, file)
        duck_path = os.path.join(scratch, "duckdb.json")
        worker = [sys.executable, os.path.abspath(__file__), "--duckdb-worker", plan_path]
        duck_times, duck_walls, duck_rss = [], [], 0.0
        for run in range(args.repeat):
            wall, rss = run_measured(worker, duck_path)
            with open(duck_path) as file:
                theirs = json.load(file)
            duck_times.append(theirs["seconds"])
            duck_walls.append(wall)
            duck_rss = max(duck_rss, rss)
            print(f"DuckDB run {run + 1}: {theirs['seconds']:.3f} s in SQL ({wall:.3f} s process), "
                  f"{rss:.0f} MB", file=sys.stderr)

    mismatches = compare(ours, theirs)
    best, duck_best = min(ours_times), min(duck_times)
    ratio = duck_best / best
    first = theirs["windows"][0] if theirs["windows"] else None
    print(f"hubcensus windows: best {best:.3f} s wall of {args.repeat} (process start to exit, JSON "
          f"included; runs {', '.join(f'{t:.3f}' for t in ours_times)}), peak RSS {ours_rss:.0f} MB")
    print(f"DuckDB SQL:        best {duck_best:.3f} s of {args.repeat} (connect to last fetch, Parquet "
          f"scan included; process {min(duck_walls):.3f} s), peak RSS {duck_rss:.0f} MB")
    print(f"ratio: DuckDB / hubcensus = {ratio:.2f}x")
    print(f"targets: <= {TARGET_SECONDS} s: {verdict(best <= TARGET_SECONDS)} ({best:.3f} s); "
          f">= {TARGET_RATIO:.0f}x: {verdict(ratio >= TARGET_RATIO)} ({ratio:.2f}x); "
          f"<= 2 GB: {verdict(ours_rss <= TARGET_RSS_MB)} ({ours_rss:.0f} MB)")
    if first:
        print(f"sample (window 1, to {first['to']}): S = {first['total_downloads']:,}, "
              f"{first['models']:,} models ({first['new']:,} new), top-{args.k} share "
              f"{fmt(first['top_k_share'])}, N50/N80/N90 {first['n50']}/{first['n80']}/{first['n90']}, "
              f"Gini {fmt(first['gini'])} ({fmt(first['gini_nonzero'])} nonzero), "
              f"HHI {fmt(first['hhi_author'], 1)}")
    if theirs["folding_models_on_cycles"]:
        print(f"warning: {theirs['folding_models_on_cycles']} quantized/adapter models have a parent "
              f"edge on a lineage cycle; Rust breaks cycles in depth-first order and the SQL does "
              f"not, so their families may differ")
    if mismatches:
        print(f"DISAGREE: {len(mismatches)} figures differ between hubcensus and DuckDB:")
        for line in mismatches:
            print(f"  {line}")
        return 1
    print(f"agree: all {len(theirs['windows'])} windows, every figure (flags, counts, totals, top-k "
          f"share, N50/N80/N90, both Ginis, HHI by author, long tail, Lorenz, working set, entries, "
          f"exits, churn, family working set and shares)")
    missed = best > TARGET_SECONDS or ratio < TARGET_RATIO or ours_rss > TARGET_RSS_MB
    return 1 if args.check_targets and missed else 0


def fmt(value, places=4):
    return "undefined" if value is None else f"{value:.{places}f}"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
