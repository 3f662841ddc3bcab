#!/usr/bin/env python3
"""A small store of edge cases for checking bench/windows.py's SQL against `hubcensus windows`.

    python3 bench/windows_fixture.py DIR [--binary PATH] [--cycle]
    python3 bench/windows.py --store DIR --k 3 --repeat 1

Imports five JSON Lines snapshots (2026-01-04, -11, -18, -25 and 2026-02-08: a missed week) with
`hubcensus import`. They hold every rule the benchmark's SQL has to get right: a new model, an
unmatched one (created before the window) and one with the createdAt sentinel, a disappeared
one, a falling all-time count (negative, clamped), a missing downloadsAllTime (unmeasured), a
legacy unnamespaced id (no author group), ties broken by id where the ids sort against the
index order, a rename (the working set shows the new id), an id reused by another model (a
parent naming it resolves to the model that saw it latest), quantized and adapter chains folded
recursively, a parent named by its old id, a parent that is never a model, a self-reference, a
merge that does not fold. `--cycle` adds two quantized models that name each other (the SQL
warns: Rust breaks the cycle in depth-first order).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMES = ["2026-01-04", "2026-01-11", "2026-01-18", "2026-01-25", "2026-02-08"]
OLD = "2025-06-01T00:00:00.000Z"
SENTINEL = "2022-03-02T23:29:04.000Z"


def model(object_id, model_id, all_time, created=OLD, relation=None, parents=None):
    record = {"_id": object_id, "id": model_id, "createdAt": created, "downloads": 1,
              "downloadsAllTime": all_time, "tags": []}
    if all_time is None:
        del record["downloadsAllTime"]
    if parents:
        record["baseModels"] = {"relation": relation,
                                "models": [{"id": parent} for parent in parents]}
    return record


def snapshots(cycle):
    """One list of model objects per time in TIMES."""
    weeks = []
    for week in range(len(TIMES)):
        grow = week * 100
        rows = [
            # Inserted first so their dense indices sort against their ids: ties by id.
            model("o01", "z/tie", 1000 + grow),
            model("o02", "a/tie", 1000 + grow),
            model("o03", "m/tie", 1000 + grow),
            model("o04", "a/base", 5000 + week * 300),
            model("o05", "q/base-gguf", 2000 + week * 120, relation="quantized", parents=["a/base"]),
            model("o06", "q/base-gguf-lora", 100 + week * 40, relation="adapter",
                  parents=["q/base-gguf"]),
            model("o07", "f/base-tuned", 700 + week * 90, relation="finetune", parents=["a/base"]),
            model("o08", "gpt2", 9000 + week * 50),
            model("o09", "c/neg", 4000 - week * 30),
            model("o10", "s/self", 300 + week * 10, relation="quantized", parents=["s/self"]),
            model("o11", "m/merge", 800 + week * 60, relation="merge", parents=["a/base", "z/tie"]),
            model("o12", "u/orphan-q", 600 + week * 70, relation="quantized",
                  parents=["never/a-model"]),
            model("o13", "zero/flat", 50),
            # Renamed in week 1: the working set shows the new id; a parent names the old one.
            model("o14", "r/old-name" if week == 0 else "r/new-name", 3000 + week * 200),
            model("o15", "r/by-old-name-gguf", 900 + week * 110, relation="quantized",
                  parents=["r/old-name"]),
            # Missing downloadsAllTime in week 2: unmeasured in windows 2 and 3.
            model("o16", "n/nulls", None if week == 2 else 400 + week * 25),
        ]
        # An id reused: o17 holds "e/reused" in weeks 0-1, then is renamed; o18 takes the id
        # from week 2 on, so a parent naming "e/reused" resolves to o18.
        if week < 2:
            rows.append(model("o17", "e/reused", 1500 + week * 80))
        else:
            rows.append(model("o17", "e/renamed-away", 1500 + week * 80))
            rows.append(model("o18", "e/reused", 100 + (week - 2) * 500,
                              created=f"{TIMES[week - 1]}T12:00:00.000Z"))
        rows.append(model("o19", "e/reused-gguf", 300 + week * 30, relation="quantized",
                          parents=["e/reused"]))
        if week <= 1:
            rows.append(model("o20", "g/gone", 700 + week * 500))  # disappears in window 2
        if week >= 1:
            # New in window 1 (created inside it); in window 1 only at t1.
            rows.append(model("o21", "n/new", 250 * week, created="2026-01-08T00:00:00.000Z"))
            # Unmatched: first seen at t1 but created long before.
            rows.append(model("o22", "o/late-listed", 800 + week))
            rows.append(model("o23", "o/sentinel", 900 + week, created=SENTINEL))
        if week >= 3:
            rows.append(model("o24", "n/new-late", 1200, created="2026-01-30T00:00:00.000Z"))
        if cycle:
            rows.append(model("o25", "y/cycle-a", 500 + week * 10, relation="quantized",
                              parents=["y/cycle-b"]))
            rows.append(model("o26", "y/cycle-b", 500 + week * 20, relation="quantized",
                              parents=["y/cycle-a"]))
        weeks.append(rows)
    return weeks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir")
    target_dir = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    parser.add_argument("--binary", default=os.path.join(target_dir, "release", "hubcensus"))
    parser.add_argument("--cycle", action="store_true", help="add a lineage cycle of two models")
    args = parser.parse_args()
    if os.path.exists(args.data_dir) and os.listdir(args.data_dir):
        sys.exit(f"error: {args.data_dir} is not empty")
    with tempfile.TemporaryDirectory() as scratch:
        for time_text, rows in zip(TIMES, snapshots(args.cycle)):
            path = os.path.join(scratch, f"{time_text}.jsonl")
            with open(path, "w") as file:
                for row in rows:
                    file.write(json.dumps(row) + "\n")
            subprocess.run([args.binary, "--data-dir", args.data_dir, "import", "--complete",
                            "--as-of", time_text, path], check=True, stdout=subprocess.DEVNULL)
    print(f"{args.data_dir}: {len(TIMES)} snapshots of edge cases")


if __name__ == "__main__":
    main()
