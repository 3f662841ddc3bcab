#!/usr/bin/env python3
"""How `hubcensus windows --format json --k 200` grows with the store (issue 18): models at a
fixed number of weeks, and weeks at a fixed number of models. Prints a Markdown table and
writes an SVG chart of it.

    python3 bench/growth.py --store 500000x13=DIR --store 1000000x13=DIR ... \
        [--derive-weeks 500000x52=DIR:13,26] [--binary PATH] [--repeat 3] [--svg PATH]

`--store MODELSxWEEKS=DIR` names a demo store (`hubcensus demo --models M --weeks W`).
`--derive-weeks MODELSxWEEKS=DIR:13,26` also measures the first 13 and 26 weeks of that store:
a store of hard links to its first snapshots and its key dictionary is made beside it
(`DIR.first13`, ...), which reads exactly as a store of those weeks imported alone (the
dictionary's later keys are cut back to the length the last manifest records).

Per store: one untimed run warms the page cache and fills the frame cache, then `--repeat`
runs; reported are the best wall time, the best CPU time (user + system), the peak RSS, and the
load average. Per row also: the time per key-window (CPU microseconds / (keys x windows)),
which is flat where the cost grows linearly.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = ["windows", "--format", "json", "--k", "200"]


def run(binary, store):
    started = time.perf_counter()
    process = subprocess.Popen([binary, "--quiet", "--data-dir", store] + COMMAND,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"windows failed on {store}:\n{stderr}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def derive(store, weeks):
    """A store of hard links to `store`'s first `weeks` snapshots (manifest and model file, store
    format 3: docs/store.md) and its dictionary."""
    target = f"{store}.first{weeks}"
    manifests = sorted(name for name in os.listdir(os.path.join(store, "manifests"))
                       if name.endswith(".json"))
    if len(manifests) < weeks:
        sys.exit(f"{store} holds {len(manifests)} snapshots, fewer than {weeks}")
    if not os.path.isdir(target):
        os.makedirs(os.path.join(target, "manifests"))
        for name in manifests[:weeks]:
            os.link(os.path.join(store, "manifests", name),
                    os.path.join(target, "manifests", name))
            with open(os.path.join(store, "manifests", name)) as file:
                date = json.load(file)["as_of"][:10]
            stem = name[:-len(".json")]
            folder = os.path.join("models", f"as_of_date={date}")
            os.makedirs(os.path.join(target, folder))
            os.link(os.path.join(store, folder, f"{stem}.parquet"),
                    os.path.join(target, folder, f"{stem}.parquet"))
        shutil.copytree(os.path.join(store, "dictionary"), os.path.join(target, "dictionary"),
                        copy_function=os.link)
        os.makedirs(os.path.join(target, "staging"))
    return target


def models_in(store):
    """The store's length (keys), from its manifests."""
    length = 0
    manifests = os.path.join(store, "manifests")
    for name in os.listdir(manifests):
        if name.endswith(".json"):
            with open(os.path.join(manifests, name)) as file:
                length = max(length, json.load(file).get("dictionary_len", 0))
    return length


def svg(rows, path):
    """Two panels: CPU and wall seconds against the store's keys (13 weeks) and against weeks."""
    width, height, pad = 760, 310, 50
    panels = [("model keys in the store (millions), 13 weeks",
               [r for r in rows if r["axis"] == "models"], "keys"),
              ("weeks", [r for r in rows if r["axis"] == "weeks"], "weeks")]
    top = max([r["wall"] for r in rows] + [r["cpu"] for r in rows] + [0.1]) * 1.1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    panel_width = (width - 3 * pad) / 2
    for p, (title, data, key) in enumerate(panels):
        x0 = pad + p * (panel_width + pad)
        y0, y1 = height - pad, 30
        parts.append(f'<text x="{x0 + panel_width / 2:.0f}" y="{height - 8}" text-anchor="middle">{title}</text>')
        parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x0 + panel_width:.0f}" y2="{y0}" stroke="#333"/>')
        parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#333"/>')
        for tick in range(0, 6):
            value = top * tick / 5
            y = y0 - (y0 - y1) * tick / 5
            parts.append(f'<text x="{x0 - 6}" y="{y + 4:.0f}" text-anchor="end">{value:.2f}</text>')
            parts.append(f'<line x1="{x0}" y1="{y:.0f}" x2="{x0 + panel_width:.0f}" y2="{y:.0f}" stroke="#eee"/>')
        if not data:
            continue
        xs = [r[key] / (1e6 if key == "keys" else 1) for r in data]
        xmax = max(xs) * 1.1
        for series, colour in (("cpu", "#1f77b4"), ("wall", "#d62728")):
            points = []
            for r, x in zip(data, xs):
                px = x0 + panel_width * x / xmax
                py = y0 - (y0 - y1) * r[series] / top
                points.append(f"{px:.1f},{py:.1f}")
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
            parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        last = None
        for r, x in zip(data, xs):
            px = x0 + panel_width * x / xmax
            label = f"{x:.2g}" if key == "keys" else f"{x:g}"
            # A label close to the one before goes below it rather than over it.
            low = last is not None and px - last < 24
            last = None if low else px
            parts.append(f'<text x="{px:.1f}" y="{y0 + (26 if low else 14)}" text-anchor="middle">{label}</text>')
    parts.append(f'<text x="{pad}" y="18">seconds: <tspan fill="#1f77b4">CPU (user + system)</tspan>, '
                 f'<tspan fill="#d62728">wall</tspan> (best of the runs; hubcensus windows, frame cache warm)</text>')
    parts.append("</svg>")
    with open(path, "w") as file:
        file.write("\n".join(parts) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", action="append", default=[], help="MODELSxWEEKS=DIR")
    parser.add_argument("--derive-weeks", action="append", default=[], help="MODELSxWEEKS=DIR:13,26")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "hubcensus"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--svg", default=os.path.join(ROOT, "docs", "performance-growth.svg"))
    args = parser.parse_args()

    stores = []  # (models, weeks, dir)
    for spec in args.store:
        size, directory = spec.split("=", 1)
        models, weeks = (int(v) for v in size.split("x"))
        stores.append((models, weeks, directory))
    for spec in args.derive_weeks:
        size, rest = spec.split("=", 1)
        models, weeks = (int(v) for v in size.split("x"))
        directory, subsets = rest.rsplit(":", 1)
        for subset in sorted(int(v) for v in subsets.split(",")):
            stores.append((models, subset, derive(directory, subset)))
        stores.append((models, weeks, directory))

    rows = []
    for models, weeks, directory in stores:
        run(args.binary, directory)
        runs = []
        for _ in range(args.repeat):
            load = os.getloadavg()[0]
            runs.append(run(args.binary, directory) + (load,))
        wall = min(r[0] for r in runs)
        cpu = min(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        loads = [r[3] for r in runs]
        rows.append({"models": models, "weeks": weeks, "keys": models_in(directory), "wall": wall,
                     "cpu": cpu, "rss": rss, "load": (min(loads), max(loads))})
    # The models axis: every row at the most common week count; the weeks axis: every row at
    # the model count that has most week counts.
    by_weeks = {}
    for r in rows:
        by_weeks.setdefault(r["weeks"], []).append(r)
    base_weeks = max(by_weeks, key=lambda w: len(by_weeks[w]))
    by_models = {}
    for r in rows:
        by_models.setdefault(r["models"], []).append(r)
    base_models = max(by_models, key=lambda m: len(by_models[m]))
    axis_rows = []
    for r in sorted(by_weeks[base_weeks], key=lambda r: r["models"]):
        axis_rows.append(dict(r, axis="models"))
    for r in sorted(by_models[base_models], key=lambda r: r["weeks"]):
        axis_rows.append(dict(r, axis="weeks"))

    print(f"{os.cpu_count()} cores; best of {args.repeat} warm runs each")
    print()
    print("| models | weeks | keys | wall (best) | CPU (best) | CPU us per key-window | peak RSS | load avg |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in sorted(rows, key=lambda r: (r["models"], r["weeks"])):
        per = r["cpu"] * 1e6 / (r["keys"] * max(r["weeks"] - 1, 1))
        print(f"| {r['models']:,} | {r['weeks']} | {r['keys']:,} | {r['wall']:.2f} s | {r['cpu']:.2f} s "
              f"| {per:.3f} | {r['rss']:.0f} MB | {r['load'][0]:.1f}-{r['load'][1]:.1f} |")
    svg(axis_rows, args.svg)
    print()
    print(f"chart: {args.svg}")


if __name__ == "__main__":
    main()
