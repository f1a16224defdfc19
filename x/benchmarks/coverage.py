"""Benchmark: watch index, response time and gaps on generated scenarios of growing size.

For each size a synthetic scenario is generated in memory and its network
built (not timed here: see ``benchmarks/network_build.py``); then the script
times, each in the same child process:

* ``watch``: the watch index (``borderwatch.data.network._watch_index``, rebuilt);
* ``response``: :func:`borderwatch.coverage.response_times` (multi-source
  Dijkstra per vehicle profile + the last leg);
* ``gaps``: :func:`borderwatch.coverage.coverage_report` without response times
  (checkpoint watch, unit table, gaps, grid table, summary);
* ``revisit``: a one-team-per-township timeline (each team loops the edges near
  its base) through :func:`borderwatch.coverage.revisits`;
* ``site``: :func:`borderwatch.coverage.site_checkpoints` with ``k = 10``.

Seconds are wall-clock; ``peak_mb`` is the Python/numpy allocation peak of the
step measured with :mod:`tracemalloc` in a second run (GEOS memory is not
seen by tracemalloc); ``rss_mb`` is the child's peak resident set at the end.
Each size runs in a fresh child process so that peaks do not mix.

Usage::

    python benchmarks/coverage.py                         # 50, 200, 500, 2000 km
    python benchmarks/coverage.py --sizes 50,200 --density 20
    python benchmarks/coverage.py --out benchmarks/results/coverage.md
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    t = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, secs, peak / 2**20


def run_size(border_km: float, density: float | None, seed: int) -> dict[str, Any]:
    import numpy as np

    from borderwatch import build_network
    from borderwatch.coverage import (
        PatrolTimeline,
        coverage_report,
        response_times,
        revisits,
        site_checkpoints,
    )
    from borderwatch.data.network import _watch_index
    from borderwatch.data.synthetic import generate_scenario

    warnings.simplefilter("ignore")
    row: dict[str, Any] = {"border_km": border_km, "density": density}
    from borderwatch.errors import ScenarioError

    t = time.perf_counter()
    for attempt in range(5):  # a generated team may be cut off from the border: next seed
        try:
            net = build_network(generate_scenario(border_km, seed + attempt, road_density=density))
            break
        except ScenarioError:
            if attempt == 4:
                raise
    row["seed"] = seed + attempt
    row["setup_s"] = time.perf_counter() - t
    row["edges"], row["units"] = len(net.edges), len(net.units)
    row["checkpoints"], row["teams"] = len(net.checkpoints), len(net.teams)

    _, row["watch_s"], row["watch_mb"] = _timed(
        lambda: _watch_index(net.units, net.edges, net.checkpoints, net.config)
    )
    rt, row["response_s"], row["response_mb"] = _timed(lambda: response_times(net))
    row["median_response_min"] = float(np.median(rt["response_min"]))
    rep, row["gaps_s"], row["gaps_mb"] = _timed(lambda: coverage_report(net, response=False))
    row["watched_pct"] = rep.summary["watched_pct"]
    row["n_gaps"] = rep.summary["n_gaps"]

    # a simple timeline: every team drives back and forth over the 20 edges nearest its base
    walks: dict[str, list[tuple[int, bool]]] = {}
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    for team, node in zip(net.teams.index, net.teams["node"], strict=True):
        prof = str(net.teams.loc[team, "vehicle"])
        ok = np.isfinite(net.edge_seconds(prof))
        near = np.flatnonzero(ok & ((u == node) | (v == node)))[:1]
        if len(near):
            e = int(near[0])
            walks[str(team)] = [(e, bool(u[e] == node)), (e, bool(u[e] != node))]
    tl = PatrolTimeline.from_walks(net, walks)
    _, row["revisit_s"], row["revisit_mb"] = _timed(lambda: revisits(net, tl))
    site, row["site_s"], row["site_mb"] = _timed(lambda: site_checkpoints(net, 10, time_limit_s=60))
    row["site_method"] = site.summary["method"]
    row["site_gap_pct"] = site.summary["gap_pct"]
    row["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return row


def _child(args: tuple[float, float | None, int], queue: Any) -> None:
    try:
        queue.put(run_size(*args))
    except Exception as err:  # report, do not hang the parent
        queue.put({"border_km": args[0], "error": repr(err)})


COLUMNS = [
    ("border_km", "border km", "{:.0f}"),
    ("edges", "edges", "{:,}"),
    ("units", "units", "{:,}"),
    ("watch_s", "watch s", "{:.2f}"),
    ("response_s", "response s", "{:.2f}"),
    ("response_mb", "response MB", "{:.0f}"),
    ("gaps_s", "gaps s", "{:.2f}"),
    ("gaps_mb", "gaps MB", "{:.0f}"),
    ("revisit_s", "revisit s", "{:.2f}"),
    ("site_s", "site k=10 s", "{:.2f}"),
    ("site_method", "site", "{}"),
    ("rss_mb", "peak RSS MB", "{:.0f}"),
]


def table(rows: list[dict[str, Any]]) -> str:
    head = "| " + " | ".join(c[1] for c in COLUMNS) + " |"
    sep = "|" + "|".join("---:" for _ in COLUMNS) + "|"
    lines = [head, sep]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['border_km']} | error: {r['error']} |")
            continue
        lines.append("| " + " | ".join(fmt.format(r[key]) for key, _, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--sizes", default="50,200,500,2000", help="border lengths in km, comma-separated"
    )
    p.add_argument(
        "--density", type=float, default=None, help="road edges per km² (default: generator's)"
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--out", type=Path, default=None, help="write the table (.md) and rows (.json) here"
    )
    args = p.parse_args(argv)
    rows = []
    ctx = mp.get_context("spawn")
    for km in [float(s) for s in args.sizes.split(",") if s.strip()]:
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=((km, args.density, args.seed), queue))
        proc.start()
        row = queue.get()
        proc.join()
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    text = table(rows)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
        args.out.with_suffix(".json").write_text(
            json.dumps(rows, indent=2) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
