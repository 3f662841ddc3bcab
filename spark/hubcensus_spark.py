#!/usr/bin/env python3
"""hubcensus on Apache Spark: the exact integer intermediates of the weekly windows
(METHODS.md §2-§4) over a hubcensus store, for hubcensus to finish with its own analytics code
(docs/spark.md).

    spark-submit spark/hubcensus_spark.py --plan plan.json --out out.json
    python3 spark/hubcensus_spark.py --master 'local[2]' --plan plan.json --out out.json
    python3 spark/hubcensus_spark.py --remote sc://host:15002 --plan plan.json --out out.json

The plan (written by hubcensus) names the folder to read (`<store>/models`), k and the windows
as pairs of as-of times in epoch milliseconds. The job reads the folder with a declared schema
(older snapshots' columns stay null rather than being merged; the partition column is declared a
date) and returns, per window, only integers: the counts and flags of §2, the histogram of the
clamped window downloads (value, models), which is what the top-k share, N50/N80/N90, both Ginis
and the Lorenz curve need exactly, the models with A_t1 < 200, and the candidates for the top k:
every model whose clamped downloads reach the k-th largest (hubcensus breaks their ties by id,
METHODS.md §3). When the plan names a registry table (`shares`), also per window the uploader
shares' integers (METHODS.md §6-§7): per attribution key, the counted models and their clamped
downloads, the table joined on the author (see share_intermediates). No floating-point
aggregate, no global window function (the k-th largest is an ORDER BY ... LIMIT k), ANSI mode on (an integer overflow fails instead of wrapping).

Untrusted text (ids, authors) never reaches this job's SQL as code: the SQL is fixed, values
come in as typed literals through the DataFrame API.
"""

import argparse
import json
import os
import sys
import tempfile

STATUSES = ("matched", "new", "unmatched", "disappeared", "unmeasured")

SCHEMA_DDL = (
    "model_index INT, author STRING, downloads_all_time BIGINT, created_at TIMESTAMP, "
    "pipeline_tag STRING, library_name STRING, license STRING, parameters BIGINT, "
    "as_of TIMESTAMP, as_of_date DATE"
)

# The columns a population filter reads, as the plan's filter names them.
FILTER_COLUMNS = (("task", "pipeline_tag"), ("library", "library_name"), ("license", "license"))


def accepts(plan_filter, prefix, t1):
    """Whether a row is in the population (METHODS.md §1 filters, as hubcensus's FilterMatcher):
    task, library and licence exactly; a parameter count within the bounds (none: out); created
    within the given days before the window's end `t1` (unknown: out). `prefix` names the
    snapshot whose attributes are judged (the end's, the start's for a disappeared model)."""
    from pyspark.sql import functions as F

    condition = F.lit(True)
    if not plan_filter:
        return condition
    for name, column in FILTER_COLUMNS:
        if plan_filter.get(name) is not None:
            condition = condition & F.coalesce(F.col(prefix + column) == F.lit(plan_filter[name]), F.lit(False))
    parameters = F.col(prefix + "parameters")
    for name, test in (("min_params", parameters >= F.lit(plan_filter.get("min_params"))),
                       ("max_params", parameters <= F.lit(plan_filter.get("max_params")))):
        if plan_filter.get(name) is not None:
            condition = condition & F.coalesce(test, F.lit(False))
    if plan_filter.get("new_models_days") is not None:
        after = t1 - int(plan_filter["new_models_days"]) * 86_400_000
        created = F.col(prefix + "created")
        condition = condition & F.coalesce(
            (created > F.timestamp_millis(F.lit(after))) & (created <= F.timestamp_millis(F.lit(t1))), F.lit(False)
        )
    return condition


def session(master, remote):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("hubcensus")
    if remote:
        builder = builder.remote(remote)
    elif master:
        builder = builder.master(master).config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        if master.startswith("local"):
            # One machine: a few shuffle partitions, not the cluster default of 200, and the
            # loopback address (no dependence on the host name resolving).
            builder = (
                builder.config("spark.sql.shuffle.partitions", "8")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
            )
    spark = builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    if not remote:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


def registry_tables(spark, path):
    """The registry table hubcensus wrote for the shares (docs/spark.md): per window end, the
    attribution key of each namespace the registry names (lowercase, as the registry matches)
    under each account kind; the account kinds enrich recorded; the keys of unnamed namespaces
    per account kind. Small: broadcast to the join."""
    from pyspark.sql import functions as F

    with open(path) as file:
        table = json.load(file)
    named = spark.createDataFrame(table["named"], "to LONG, ns STRING, kind STRING, key LONG")
    accounts = spark.createDataFrame(table["accounts"] or [], "name STRING, account STRING")
    return F.broadcast(named), F.broadcast(accounts), table["unnamed"]


def attribute(frame, column, t1, registry):
    """`frame` with `key`: the attribution key of the namespace in `column` at the window's end
    `t1` (null where the namespace is null): the account kind recorded for the exact name, then
    the registry's row for the lowercased name and that kind, else the unnamed key of the kind."""
    from pyspark.sql import functions as F

    named, accounts, unnamed = registry
    joined = (
        frame.join(accounts, F.col(column) == F.col("name"), "left")
        .drop("name")
        .withColumn("ns", F.lower(F.col(column)))
        .withColumn("kind", F.coalesce(F.col("account"), F.lit("")))
        .drop("account")
        .join(named.where(F.col("to") == F.lit(t1)).drop("to"), ["ns", "kind"], "left")
    )
    fallback = (
        F.when(F.col("kind") == "user", F.lit(unnamed["user"]))
        .when(F.col("kind") == "organization", F.lit(unnamed["organization"]))
        .otherwise(F.lit(unnamed[""]))
    )
    key = F.when(F.col(column).isNull(), F.lit(None)).otherwise(F.coalesce(F.col("key"), fallback))
    return joined.withColumn("key", key).drop("ns", "kind")


def lineage_tables(spark, path):
    """The lineage graph's roots as hubcensus computed them (analytics' LineageGraph, read from
    the store's latest lineage): `(model index, root index)` for each model whose root is
    another model, the merges of different roots ("mixed"), and the namespace each root is
    attributed as when it has no author in the window's snapshot (its latest id's, or where a
    legacy id moved). Broadcast to the joins."""
    from pyspark.sql import functions as F

    with open(path) as file:
        table = json.load(file)
    roots = table_frame(spark, table["roots"], ["i", "r"], "i INT, r INT")
    mixed = table_frame(spark, [[i] for i in table["mixed"]], ["i"], "i INT")
    namespaces = table_frame(spark, table["namespaces"], ["r", "fns"], "r INT, fns STRING")
    return F.broadcast(roots), F.broadcast(mixed), F.broadcast(namespaces)


def families_table(spark, path):
    """The family of each quantized or adapter derivative (METHODS.md §4), folded recursively
    by hubcensus: `(model index, family base index)`, only where the two differ."""
    from pyspark.sql import functions as F

    with open(path) as file:
        table = json.load(file)
    return F.broadcast(table_frame(spark, table["families"], ["i", "f"], "i INT, f INT"))


def table_frame(spark, rows, columns, ddl):
    """A small DataFrame from rows of plain values (through pandas and Arrow: fast for the
    hundreds of thousands of rows a lineage table may have)."""
    import pandas

    if not rows:
        return spark.createDataFrame([], ddl)
    frame = pandas.DataFrame(rows, columns=columns)
    for column, kind in zip(columns, [part.split()[1] for part in ddl.split(", ")]):
        if kind == "INT":
            frame[column] = frame[column].astype("int32")
    return spark.createDataFrame(frame, ddl)


def share_intermediates(counted, after, t1, registry, lineage):
    """The uploader shares' integers of one window (METHODS.md §6-§7): per attribution key, the
    counted models and the sum of their clamped window downloads; the counted models with no
    author in the window's snapshot (legacy ids), as (model index, downloads), which hubcensus
    attributes by the registry's legacy moves. With the lineage tables, also what the lineage
    origin moves: per (uploader key, root key) the models whose root's author is another
    namespace, per uploader key the merges of different roots, and for each authorless model its
    root's key and whether it is a merge."""
    from pyspark.sql import functions as F

    keyed = attribute(counted.select("i", "x", "author"), "author", t1, registry).cache()
    groups = [
        [r["key"], r["n"], r["s"]]
        for r in keyed.where(F.col("key").isNotNull())
        .groupBy("key")
        .agg(F.count("*").alias("n"), F.sum("x").alias("s"))
        .orderBy("key")
        .collect()
    ]
    result = {"groups": groups}
    if lineage is None:
        result["authorless"] = [
            [r["i"], r["x"], None, 0]
            for r in keyed.where(F.col("author").isNull()).select("i", "x").orderBy("i").collect()
        ]
        keyed.unpersist()
        return result
    roots, mixed, namespaces = lineage
    # Each rooted model's root: its author in the window's snapshot when it is there, else the
    # namespace hubcensus gave it; then that namespace's key, as a model's own.
    root_authors = after.select(F.col("i").alias("r"), F.col("author").alias("root_author"))
    rooted = (
        keyed.withColumnRenamed("key", "own")
        .drop("author")
        .join(roots, "i")
        .join(root_authors, "r", "left")
        .join(namespaces, "r", "left")
        .withColumn("root_ns", F.coalesce(F.col("root_author"), F.col("fns")))
        .drop("root_author", "fns")
    )
    rooted = attribute(rooted, "root_ns", t1, registry).withColumnRenamed("key", "root").cache()
    result["rooted"] = [
        [r["own"], r["root"], r["n"], r["s"]]
        for r in rooted.where(F.col("own").isNotNull() & F.col("root").isNotNull() & (F.col("own") != F.col("root")))
        .groupBy("own", "root")
        .agg(F.count("*").alias("n"), F.sum("x").alias("s"))
        .orderBy("own", "root")
        .collect()
    ]
    merged = keyed.join(mixed, "i")
    result["mixed"] = [
        [r["key"], r["n"], r["s"]]
        for r in merged.where(F.col("key").isNotNull())
        .groupBy("key")
        .agg(F.count("*").alias("n"), F.sum("x").alias("s"))
        .orderBy("key")
        .collect()
    ]
    # Authorless models: hubcensus gives them their own key; here their root's key (or null)
    # and whether they are a merge.
    authorless = (
        keyed.where(F.col("author").isNull())
        .select("i", "x")
        .join(rooted.select("i", "root"), "i", "left")
        .join(mixed.withColumn("merge", F.lit(1)), "i", "left")
    )
    result["authorless"] = [
        [r["i"], r["x"], r["root"], 1 if r["merge"] else 0] for r in authorless.orderBy("i").collect()
    ]
    rooted.unpersist()
    keyed.unpersist()
    return result


def family_intermediates(counted, families, k):
    """The family working set's integers (METHODS.md §4): each counted model's clamped
    downloads summed into its family base; the k-th largest positive family sum, and every
    family at or above it (base index, sum), for hubcensus to rank with the METHODS tie-break."""
    from pyspark.sql import functions as F

    sums = (
        counted.where(F.col("x") > 0)
        .select("i", "x")
        .join(families, "i", "left")
        .select(F.coalesce(F.col("f"), F.col("i")).alias("b"), "x")
        .groupBy("b")
        .agg(F.sum("x").alias("s"))
        .cache()
    )
    top = sums.orderBy(F.col("s").desc()).limit(k).agg(F.min("s")).collect()[0][0]
    threshold = top if top is not None else 1
    candidates = [[r["b"], r["s"]] for r in sums.where(F.col("s") >= max(threshold, 1)).orderBy("b").collect()]
    sums.unpersist()
    return {"threshold": threshold, "candidates": candidates}


def window_intermediates(spark, models, t0, t1, k, registry=None, lineage=None, families=None, plan_filter=None):
    from pyspark.sql import functions as F

    def at(ms):
        return models.where(F.col("as_of") == F.timestamp_millis(F.lit(ms)))

    def attributes(prefix):
        if not plan_filter:
            return []
        return [F.col(c).alias(prefix + c) for _, c in FILTER_COLUMNS] + [
            F.col("parameters").alias(prefix + "parameters"),
            F.col("created_at").alias(prefix + "created"),
        ]

    before = at(t0).select(
        F.col("model_index").alias("i"),
        F.col("downloads_all_time").alias("a0"),
        F.lit(True).alias("was"),
        *attributes("b_"),
    )
    after = at(t1).select(
        F.col("model_index").alias("i"),
        F.col("downloads_all_time").alias("a1"),
        F.col("created_at").alias("created"),
        F.col("author").alias("author"),
        F.lit(True).alias("is_"),
        *attributes("a_"),
    )
    joined = before.join(after, "i", "full_outer")
    was = F.coalesce(F.col("was"), F.lit(False))
    is_ = F.coalesce(F.col("is_"), F.lit(False))
    if plan_filter:
        # The population: judged at the window's end, at its start for a disappeared model.
        joined = joined.where(F.when(is_, accepts(plan_filter, "a_", t1)).otherwise(accepts(plan_filter, "b_", t1)))
    created_after = F.col("created").isNotNull() & (F.col("created") > F.timestamp_millis(F.lit(t0)))
    # METHODS.md §2: the status of each model, and its D where counted.
    status = (
        F.when(was & ~is_, F.lit("disappeared"))
        .when(~was & is_ & ~created_after, F.lit("unmatched"))
        .when(is_ & (F.col("a1").isNull() | (was & F.col("a0").isNull())), F.lit("unmeasured"))
        .when(was & is_, F.lit("matched"))
        .otherwise(F.lit("new"))
    )
    start = F.when(was, F.col("a0")).otherwise(F.lit(0).cast("bigint"))
    rows = joined.select(
        "i",
        status.alias("status"),
        (F.col("a1") - start).alias("d"),
        F.col("a1").alias("a1"),
        "author",
    )
    rows = rows.select(
        "i",
        "status",
        "d",
        F.greatest(F.col("d"), F.lit(0).cast("bigint")).alias("x"),
        "a1",
        "author",
    ).cache()
    is_counted = F.col("status").isin("matched", "new")

    def count_of(condition):
        return F.count(F.when(condition, True))

    # One pass: the counts and integer sums of §2 (counted models only for the sums).
    sums = rows.agg(
        *[count_of(F.col("status") == name).alias(name) for name in STATUSES],
        F.sum(F.when(is_counted, F.col("x"))).alias("total"),
        F.sum(F.when(is_counted & (F.col("d") < 0), -F.col("d"))).alias("clamped"),
        count_of(is_counted & (F.col("d") < 0)).alias("negative"),
        count_of(is_counted & (F.col("a1") < 200)).alias("tail"),
    ).collect()[0]
    counted = rows.where(is_counted)
    histogram = [
        [r["x"], r["n"]]
        for r in counted.groupBy("x").agg(F.count("*").alias("n")).orderBy("x").collect()
    ]
    top = counted.where(F.col("x") > 0).orderBy(F.col("x").desc()).limit(k).agg(F.min("x")).collect()[0][0]
    threshold = top if top is not None else 1
    candidates = [
        [r["i"], r["x"]]
        for r in counted.where(F.col("x") >= max(threshold, 1)).select("i", "x").orderBy("i").collect()
    ]
    shares = None
    authors = None
    if registry is not None:
        shares = share_intermediates(counted, after.select("i", "author"), t1, registry, lineage)
        # The HHI by author (METHODS.md §3): the sums per author at the window's end, as a
        # histogram (sum, authors) of the positive ones; hubcensus sums their squares exactly.
        authors = [
            [r["s"], r["n"]]
            for r in counted.where(F.col("author").isNotNull())
            .groupBy("author")
            .agg(F.sum("x").alias("s"))
            .where(F.col("s") > 0)
            .groupBy("s")
            .agg(F.count("*").alias("n"))
            .orderBy("s")
            .collect()
        ]
    family = family_intermediates(counted, families, k) if families is not None else None
    rows.unpersist()
    return {
        "shares": shares,
        "authors": authors,
        "family": family,
        "from": t0,
        "to": t1,
        **{name: sums[name] for name in STATUSES},
        "negative": sums["negative"],
        "clamped_downloads": sums["clamped"] or 0,
        "total_downloads": sums["total"] or 0,
        "long_tail_models": sums["tail"],
        "histogram": histogram,
        "threshold": threshold,
        "candidates": candidates,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", required=True, help="the plan hubcensus wrote (JSON)")
    parser.add_argument("--out", required=True, help="where to write the intermediates (JSON)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--master", help="a Spark master, e.g. local[2] (default: spark-submit's)")
    where.add_argument("--remote", help="a Spark Connect server, e.g. sc://host:15002")
    args = parser.parse_args()
    with open(args.plan) as file:
        plan = json.load(file)
    if plan.get("schema") != "hubcensus.spark-plan/1":
        sys.exit(f"{args.plan}: not a hubcensus Spark plan (schema {plan.get('schema')!r})")
    spark = session(args.master, args.remote)
    from pyspark.sql import functions as F

    times = sorted({w["from"] for w in plan["windows"]} | {w["to"] for w in plan["windows"]})
    # The snapshots the windows read, once: only the columns the figures need.
    models = (
        spark.read.schema(SCHEMA_DDL)
        .parquet(plan["models"])
        .where(F.col("as_of").isin([F.timestamp_millis(F.lit(t)) for t in times]) if times else F.lit(False))
    )
    shares = plan.get("shares") or {}
    registry = registry_tables(spark, shares["registry"]) if shares else None
    lineage = lineage_tables(spark, shares["lineage"]) if shares.get("lineage") else None
    families = families_table(spark, plan["families"]) if plan.get("families") else None
    plan_filter = plan.get("filter")
    windows = [
        window_intermediates(
            spark, models, w["from"], w["to"], int(plan["k"]), registry, lineage, families, plan_filter
        )
        for w in plan["windows"]
    ]
    result = {"schema": "hubcensus.spark-intermediates/1", "k": plan["k"], "windows": windows}
    # Written whole or not at all: a temporary file, then a rename.
    directory = os.path.dirname(os.path.abspath(args.out))
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as file:
        json.dump(result, file)
        temporary = file.name
    os.replace(temporary, args.out)
    spark.stop()


if __name__ == "__main__":
    main()
