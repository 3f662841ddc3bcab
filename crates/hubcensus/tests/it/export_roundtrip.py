#!/usr/bin/env python3
"""Round trip of every `hubcensus export` table through DuckDB, Polars and pandas.

For each table and each format (Parquet, CSV, JSON Lines), each reader loads the file with its
plain call (the lines docs/exports.md gives); the rows must equal the Parquet file as pyarrow
reads it, value for value (floats exactly), and the values must equal the same figures in the
JSON views (`windows`, `top`, `churn`, `shares`, `lineage`, `derivatives`, `who`, `evals show`,
`snapshots`). Parquet must also arrive with its declared types in every reader.

Run by `cargo test -p hubcensus --test it export` (crates/hubcensus/tests/it/export.rs) on a
small demo store; by hand:

    python3 crates/hubcensus/tests/it/export_roundtrip.py \
        --hubcensus target/debug/hubcensus --data-dir STORE --out DIR
"""

import argparse
import datetime as dt
import json
import math
import os
import pathlib
import subprocess
import sys

try:
    import duckdb
    import pandas as pd
    import polars as pl
    import pyarrow.parquet as pq
except ImportError as error:  # the test fails, never skips
    sys.exit(
        f"the Python module {error.name} is missing: bash scripts/test installs "
        ".ci/requirements.txt, then runs the tests"
    )

TABLES = [
    "windows",
    "working-set",
    "families",
    "churn",
    "shares",
    "lineage-edges",
    "derivatives",
    "registry",
    "evals",
    "snapshots",
]
FORMATS = {"parquet": "parquet", "csv": "csv", "json": "jsonl"}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


class Hub:
    def __init__(self, binary, data_dir):
        self.binary = binary
        self.env = dict(os.environ, HUBCENSUS_HOME=str(data_dir), NO_COLOR="1")

    def run(self, *args):
        result = subprocess.run(
            [self.binary, *args], env=self.env, capture_output=True, check=False
        )
        if result.returncode != 0:
            sys.exit(
                f"hubcensus {' '.join(args)} exited {result.returncode}: "
                f"{result.stderr.decode(errors='replace')}"
            )
        return result.stdout

    def view(self, *args):
        return json.loads(self.run(*args, "--format", "json"))


# --- reading -------------------------------------------------------------------------------


def read_duckdb(path, fmt):
    relation = {
        "parquet": duckdb.read_parquet,
        "csv": duckdb.read_csv,
        "json": duckdb.read_json,
    }[fmt](str(path))
    return relation.columns, [list(row) for row in relation.fetchall()], relation.types


def read_polars(path, fmt):
    frame = {
        "parquet": pl.read_parquet,
        "csv": lambda p: pl.read_csv(p, try_parse_dates=True),
        "json": pl.read_ndjson,
    }[fmt](path)
    return frame.columns, [list(row) for row in frame.rows()], frame.dtypes


def read_pandas(path, fmt):
    frame = {
        "parquet": pd.read_parquet,
        # pandas' default float parsers round the last digit; these two options make them exact.
        "csv": lambda p: pd.read_csv(p, float_precision="round_trip"),
        "json": lambda p: pd.read_json(p, lines=True, precise_float=True),
    }[fmt](path)
    rows = [list(row) for row in frame.itertuples(index=False, name=None)]
    return list(frame.columns), rows, list(frame.dtypes)


READERS = {"duckdb": read_duckdb, "polars": read_polars, "pandas": read_pandas}


def kind_of(arrow_type):
    text = str(arrow_type)
    if text == "int64":
        return "int"
    if text == "double":
        return "float"
    if text in ("string", "large_string"):
        return "text"
    if text == "bool":
        return "bool"
    if text == "timestamp[ms, tz=UTC]":
        return "time"
    raise AssertionError(f"unexpected Arrow type {text}")


def is_null(value):
    if value is None:
        return True
    try:
        if value is pd.NA or value is pd.NaT:
            return True
    except TypeError:
        pass
    return isinstance(value, float) and math.isnan(value)


def millis(value):
    """A time as milliseconds since the epoch (UTC), from what any reader returns."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return round(value.timestamp() * 1000)
    raise AssertionError(f"not a time: {value!r}")


def canonical(value, kind):
    """One value as plain Python, so that every reader's answer compares with ==."""
    if is_null(value):
        return None
    if kind == "int":
        if isinstance(value, float):
            assert value.is_integer(), value
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        if isinstance(value, str):
            return {"true": True, "false": False}[value.lower()]
        return bool(value)
    if kind == "time":
        return millis(value)
    # Text: a CSV or JSON reader may have guessed a number or a date from text that looks
    # like one (a period "2026", a week "2026-08-23"); the text is the same.
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        # pandas reads a column named `date` holding 2026-01-02 as a midnight time.
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def declared_types_ok(reader, types, kinds):
    """Parquet arrives with its declared types in every reader."""
    expected = {
        "duckdb": {
            "int": "BIGINT",
            "float": "DOUBLE",
            "text": "VARCHAR",
            "bool": "BOOLEAN",
            "time": "TIMESTAMP WITH TIME ZONE",
        },
        "polars": {
            "int": "Int64",
            "float": "Float64",
            "text": "String",
            "bool": "Boolean",
            "time": "Datetime(time_unit='ms', time_zone='UTC')",
        },
    }
    for column, (got, kind) in enumerate(zip(types, kinds)):
        if reader == "pandas":
            text = str(got)
            ok = {
                "int": text in ("int64", "float64"),  # float64 where a column has nulls
                "float": text == "float64",
                "text": text in ("object", "str", "string"),
                "bool": text in ("bool", "object"),
                "time": text.startswith("datetime64[") and "UTC" in text,
            }[kind]
        else:
            ok = str(got) == expected[reader][kind]
        if not ok:
            return f"column {column} is {got}, expected {kind}"
    return None


def roundtrip(hub, out):
    """Exports every table in every format; returns {table: (columns, kinds, rows)} from
    Parquet as pyarrow reads it."""
    truth = {}
    for table in TABLES:
        paths = {}
        for fmt, extension in FORMATS.items():
            path = out / f"{table}.{extension}"
            hub.run("export", table, "--format", fmt, "-o", str(path))
            paths[fmt] = path
        arrow = pq.read_table(paths["parquet"])
        columns = arrow.column_names
        kinds = [kind_of(field.type) for field in arrow.schema]
        rows = [
            [canonical(value, kind) for value, kind in zip(row, kinds)]
            for row in zip(*(arrow.column(i).to_pylist() for i in range(len(columns))))
        ]
        truth[table] = (columns, kinds, rows)
        check(
            hub.run("export", table, "--format", "csv") == paths["csv"].read_bytes(),
            f"{table}: CSV on stdout differs from the CSV file",
        )
        for fmt, path in paths.items():
            for name, read in READERS.items():
                got_columns, got_rows, types = read(path, fmt)
                where = f"{table}.{FORMATS[fmt]} read by {name}"
                if fmt == "json" and sorted(got_columns) == sorted(columns):
                    # JSON objects are unordered: the file keeps column order, but a reader
                    # may not (Polars does not).
                    order = [list(got_columns).index(c) for c in columns]
                    got_rows = [[row[i] for i in order] for row in got_rows]
                    types = [types[i] for i in order]
                    got_columns = columns
                if not check(
                    list(got_columns) == columns, f"{where}: columns {got_columns}"
                ):
                    continue
                if fmt == "parquet":
                    problem = declared_types_ok(name, types, kinds)
                    check(problem is None, f"{where}: {problem}")
                got = [
                    [canonical(value, kind) for value, kind in zip(row, kinds)]
                    for row in got_rows
                ]
                if len(got) != len(rows):
                    check(False, f"{where}: {len(got)} rows, expected {len(rows)}")
                    continue
                for index, (mine, theirs) in enumerate(zip(got, rows)):
                    if mine != theirs:
                        diff = [
                            (c, a, b)
                            for c, a, b in zip(columns, mine, theirs)
                            if a != b
                        ]
                        check(False, f"{where}: row {index} differs: {diff[:3]}")
                        break
    return truth


# --- the JSON views ------------------------------------------------------------------------


def records(truth, table):
    columns, _, rows = truth[table]
    return [dict(zip(columns, row)) for row in rows]


def t(text):
    return None if text is None else millis(text)


def compare_views(hub, truth):
    # windows: every figure the view has under the same name.
    view = hub.view("windows")
    rows = records(truth, "windows")
    check(len(rows) == len(view["windows"]), "windows: row count differs from the view")
    for row, window in zip(rows, view["windows"]):
        check(row["window_from"] == t(window["from"]), f"windows: from {row}")
        check(row["window_to"] == t(window["to"]), f"windows: to {row}")
        for name, value in window.items():
            if name in row and name not in ("measure",) and not isinstance(value, (list, dict)):
                check(row[name] == value, f"windows {window['to']}: {name} {row[name]} != {value}")
        check(row["measure"] == window["measure"], "windows: measure")
        check(row["working_set_size"] == len(window["working_set"]), "windows: working set size")
        entries = window["entries"]
        check(row["entries"] == (None if entries is None else len(entries)), "windows: entries")
        check(row["population"] == window["population"]["words"], "windows: population")

    # working set and families: `top` of each window.
    ranked = records(truth, "working-set")
    ends = sorted({row["window_to"] for row in ranked})
    check(len(ends) == len(view["windows"]), "working-set: not every window")
    for end in ends:
        stamp = dt.datetime.fromtimestamp(end / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        top = hub.view("top", "--as-of", stamp)
        mine = [row for row in ranked if row["window_to"] == end]
        theirs = [
            [m["rank"], m["id"], m["downloads"], m["share"], m["status"]] for m in top["models"]
        ]
        check(
            [[r["rank"], r["model_id"], r["downloads"], r["share"], r["status"]] for r in mine]
            == theirs,
            f"working-set {stamp}: differs from `top`",
        )
        check(
            all(r["window_downloads"] == top["population"]["total_downloads"] for r in mine),
            f"working-set {stamp}: window_downloads",
        )
    families = records(truth, "families")
    latest = max(ends)
    top = hub.view("top", "--family")
    check(
        [[r["rank"], r["family_id"], r["downloads"], r["share"]] for r in families if r["window_to"] == latest]
        == [[m["rank"], m["id"], m["downloads"], m["share"]] for m in top["models"]],
        "families: the latest window differs from `top --family`",
    )

    # churn: the latest window.
    churn = hub.view("churn")
    moves = [r for r in records(truth, "churn") if r["window_to"] == t(churn["population"]["to"])]
    expected = [
        [kind, m["id"], m["previous_rank"], m["rank"], m["change"]]
        for kind, key in (("entry", "entries"), ("exit", "exits"), ("stay", "stayers"))
        for m in churn[key]
    ]
    check(
        [[r["move"], r["model_id"], r["previous_rank"], r["rank"], r["change"]] for r in moves] == expected,
        "churn: the latest window differs from `churn`",
    )
    check(all(r["churn"] == churn["churn"] for r in moves), "churn: churn figure")

    # shares: one period of each dimension, both origins.
    shares = records(truth, "shares")
    for by, flag, period in (
        ("country", "country", "week"),
        ("region", "region", "quarter"),
        ("type", "type", "year"),
        ("organization", "org", "month"),
    ):
        view = hub.view("shares", "--by", flag, "--origin", "both", "--period", period)
        expected = [
            [result["origin"], result["period"], row["group"], row["models"], row["downloads"], row["share"], result["total"]]
            for result in view["results"]
            for row in result["rows"]
        ]
        mine = [
            [r["origin"], r["period"], r["group"], r["models"], r["downloads"], r["share"], r["total_downloads"]]
            for r in shares
            if r["dimension"] == by and r["period_kind"] == period
        ]
        check(mine == expected, f"shares by {by} per {period}: differs from `shares`")

    # lineage edges: three models' parents against `lineage`.
    edges = records(truth, "lineage-edges")
    check(len(edges) > 0, "lineage-edges: the demo world has lineage")
    for model in sorted({e["model_id"] for e in edges})[:3]:
        lineage = hub.view("lineage", model)
        mine = [e for e in edges if e["model_id"] == model]
        check(sorted(e["parent_id"] for e in mine) == sorted(lineage["parents"]), f"lineage-edges: {model}")
        check(all(e["relation"] == lineage["relation"] for e in mine), f"lineage-edges: {model} relation")

    # derivatives: every base.
    view = hub.view("derivatives", "--top", "1000000")
    check(
        [[r["rank"], r["base_id"], r["descendants"], r["finetune"], r["adapter"], r["quantized"], r["merge"], r["unknown"], r["tag_mentions"]] for r in records(truth, "derivatives")]
        == [[b["rank"], b["id"], b["descendants"], *(b["direct"][k] for k in ("finetune", "adapter", "quantized", "merge", "unknown")), b["tag_mentions"]] for b in view["bases"]],
        "derivatives: differs from `derivatives`",
    )

    # registry: three namespaces against `who`.
    registry = {r["namespace"]: r for r in records(truth, "registry") if r["valid_to"] is None}
    for namespace in ("Qwen", "meta-llama", "mistralai"):
        who = hub.view("who", namespace)["namespace"]
        row = registry.get(namespace)
        if not check(row is not None, f"registry: no row for {namespace}"):
            continue
        attribution = who["attribution"]
        check(row["country"] == attribution["country"], f"registry {namespace}: country")
        check(row["region"] == attribution["region"], f"registry {namespace}: region")
        check(row["contributor_type"] == attribution["contributor"], f"registry {namespace}: type")
        check(row["country_source"] == who["sources"]["country"], f"registry {namespace}: source")
        check(row["organization_id"] == who["registry_id"], f"registry {namespace}: id")

    # evals: the matched model's scores against `evals show`.
    evals = records(truth, "evals")
    matched = sorted({r["hub_id"] for r in evals if r["hub_id"] is not None})
    check(len(matched) > 0, "evals: the test imported a score of a model in the store")
    for model in matched:
        scores = hub.view("evals", "show", model)["scores"]
        mine = [r for r in evals if r["hub_id"] == model]
        keys = ("model", "hub_id", "benchmark", "metric", "value", "source", "date", "format", "higher_is_better")
        check(
            sorted([r[k] for k in keys] for r in mine) == sorted([s.get(k) for k in keys] for s in scores),
            f"evals {model}: differs from `evals show`",
        )

    # snapshots: against `snapshots --format json`.
    view = hub.view("snapshots")
    check(
        [[r["as_of"], r["models"], r["source"], r["downloads_30d"], r["downloads_all_time"], r["partial"], r["synthetic"], r["content_hash"]] for r in records(truth, "snapshots")]
        == [[t(s["as_of"]), s["models"], s["source"], s["totals"]["downloads_30d"], s["totals"]["downloads_all_time"], s["partial"], s["synthetic"], s["content_hash"]] for s in view["snapshots"]],
        "snapshots: differs from `snapshots`",
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hubcensus", required=True, help="the hubcensus binary")
    parser.add_argument("--data-dir", required=True, help="a store (a small demo world)")
    parser.add_argument("--out", required=True, help="a directory for the exports")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    hub = Hub(args.hubcensus, args.data_dir)
    truth = roundtrip(hub, out)
    compare_views(hub, truth)
    rows = sum(len(rows) for _, _, rows in truth.values())
    readers = f"duckdb {duckdb.__version__}, polars {pl.__version__}, pandas {pd.__version__}"
    if failures:
        for failure in failures[:40]:
            print(f"FAIL {failure}", file=sys.stderr)
        sys.exit(f"{len(failures)} export round-trip checks failed ({readers})")
    print(f"{len(TABLES)} tables, {rows} rows, 3 formats x 3 readers ({readers}): all equal")


if __name__ == "__main__":
    main()
