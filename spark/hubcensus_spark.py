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
    "as_of TIMESTAMP, as_of_date DATE"
)


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


def share_intermediates(counted, t1, registry):
    """The uploader shares' integers of one window (METHODS.md §6-§7): per attribution key, the
    counted models and the sum of their clamped window downloads; the counted models with no
    author in the window's snapshot (legacy ids), as (model index, downloads), which hubcensus
    attributes by the registry's legacy moves."""
    from pyspark.sql import functions as F

    named, accounts, unnamed = registry
    with_author = (
        counted.where(F.col("author").isNotNull())
        .join(accounts, F.col("author") == F.col("name"), "left")
        .select("x", F.lower(F.col("author")).alias("ns"), F.coalesce(F.col("account"), F.lit("")).alias("kind"))
        .join(named.where(F.col("to") == F.lit(t1)).drop("to"), ["ns", "kind"], "left")
    )
    fallback = (
        F.when(F.col("kind") == "user", F.lit(unnamed["user"]))
        .when(F.col("kind") == "organization", F.lit(unnamed["organization"]))
        .otherwise(F.lit(unnamed[""]))
    )
    groups = [
        [r["key"], r["n"], r["s"]]
        for r in with_author.select(F.coalesce(F.col("key"), fallback).alias("key"), "x")
        .groupBy("key")
        .agg(F.count("*").alias("n"), F.sum("x").alias("s"))
        .orderBy("key")
        .collect()
    ]
    authorless = [
        [r["i"], r["x"]] for r in counted.where(F.col("author").isNull()).select("i", "x").orderBy("i").collect()
    ]
    return {"groups": groups, "authorless": authorless}


def window_intermediates(spark, models, t0, t1, k, registry=None):
    from pyspark.sql import functions as F

    def at(ms):
        return models.where(F.col("as_of") == F.timestamp_millis(F.lit(ms)))

    before = at(t0).select(
        F.col("model_index").alias("i"), F.col("downloads_all_time").alias("a0"), F.lit(True).alias("was")
    )
    after = at(t1).select(
        F.col("model_index").alias("i"),
        F.col("downloads_all_time").alias("a1"),
        F.col("created_at").alias("created"),
        F.col("author").alias("author"),
        F.lit(True).alias("is_"),
    )
    joined = before.join(after, "i", "full_outer")
    was = F.coalesce(F.col("was"), F.lit(False))
    is_ = F.coalesce(F.col("is_"), F.lit(False))
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
    shares = share_intermediates(counted, t1, registry) if registry is not None else None
    rows.unpersist()
    return {
        "shares": shares,
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
    registry = registry_tables(spark, plan["shares"]["registry"]) if plan.get("shares") else None
    windows = [
        window_intermediates(spark, models, w["from"], w["to"], int(plan["k"]), registry) for w in plan["windows"]
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
