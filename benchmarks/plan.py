"""Benchmark: the whole plan on generated borders of 100 to 5,000 km, whole and in sectors.

Each run (one scenario, whole or in sectors) runs in its own spawned process, so
that its peak memory is its own. A run prints the network size, the plan's
seconds (without building the network), the peak memory, the search iterations
and seconds of the min-max stage, the longest loop, the worst revisit, the
lower bound and the gap to it. A sector run (``2000km:sectors``) plans with
``plan_sectors(--sectors, workers=--workers)`` on a local Dask cluster; its peak
memory is that of the planning process and of the largest worker, its search
iterations and seconds are summed over the sectors, and its bound is the
whole-border bound (the largest sector bound is printed beside it).

The baselines, measured in the same run: for each border planned both ways,
the sector plan against the whole plan (ratio of the longest loops and of the
seconds); and the 2,000 km whole plan's seconds against the 500 km plan's (the
issue asks at most 6x).

Usage::

    python benchmarks/plan.py                                 # the full table (heavy: ~20-30 min)
    python benchmarks/plan.py --scenarios 100km,200km,200km:sectors --sectors 2
    python benchmarks/plan.py --out benchmarks/results/plan.md
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue as queue_mod
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from borderwatch.config import SearchParams

DEFAULT = "100km,500km,1000km,1000km:sectors,2000km,2000km:sectors,5000km:sectors"


def _network(name: str) -> Any:
    from borderwatch import build_network, load_scenario
    from borderwatch.data.synthetic import generate_scenario

    km = name.removesuffix("km")
    scenario = load_scenario(name) if km == name else generate_scenario(float(km), seed=7)
    return build_network(scenario)


#: Run in every planning process (this one and each Dask worker, by ``exec``: nothing of this
#: script needs to be importable there). RoutingResult.seconds counts the solver's setup
#: (bound, initial solutions) and its search; the search alone is timed around
#: ``minmax._Search.run`` and summed in ``minmax._bench_search_s``.
TIMER = """
import time
from borderwatch.routing import minmax
if not hasattr(minmax, "_bench_search_s"):
    minmax._bench_search_s = []
    _run = minmax._Search.run
    def _timed(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return _run(self, *args, **kwargs)
        finally:
            minmax._bench_search_s.append(time.perf_counter() - t)
    minmax._Search.run = _timed
"""
COLLECT = "sum(__import__('borderwatch.routing.minmax', fromlist=['_']).__dict__.get('_bench_search_s', []))"


def run_one(
    name: str, mode: str, time_limit: float, seed: int, sectors: str, workers: int
) -> dict[str, Any]:
    """Plan ``name`` (``"whole"`` or ``"sectors"``) and return its figures."""
    from borderwatch.batch.runner import close_client, open_client
    from borderwatch.plan.patrols import plan_patrols
    from borderwatch.plan.sectors import plan_sectors

    exec(TIMER, {})

    t = time.perf_counter()
    net = _network(name)
    row: dict[str, Any] = {"scenario": name, "mode": mode, "build_s": time.perf_counter() - t}
    row.update(edges=len(net.edges), units=len(net.units), teams=len(net.teams))
    t = time.perf_counter()
    if mode == "sectors":
        if workers > 0:
            client = open_client(local=workers)
            client.run(exec, TIMER, {})
            try:
                plan = plan_sectors(
                    net,
                    sectors,
                    client=client,
                    search=SearchParams(time_limit_s=time_limit, seed=seed),
                )
                search = sum(client.run(eval, COLLECT).values())
            finally:
                close_client(client)
        else:
            plan = plan_sectors(
                net, sectors, workers=0, search=SearchParams(time_limit_s=time_limit, seed=seed)
            )
            search = eval(COLLECT)
        row["n_sectors"] = len(plan.sectors)
        row["sector_bound_min"] = plan.sector_bound_min
        row["sector_gap_pct"] = plan.sector_gap_pct
        row["bound_kind"] = plan.bound_kind
    else:
        plan = plan_patrols(net, search=SearchParams(time_limit_s=time_limit, seed=seed))
        search = eval(COLLECT)
        row["n_sectors"] = 0
    row["plan_s"] = time.perf_counter() - t
    row["steps"] = {k: round(v, 1) for k, v in plan.seconds.items()}
    row.update(
        links=len(plan.instance.links),
        iterations=plan.result.iterations,
        solve_s=plan.result.seconds,
        search_s=search,
        max_loop_min=plan.max_loop_min,
        minmax_loop_min=plan.minmax_loop_min,
        bound_min=plan.bound_min,
        gap_pct=plan.gap_pct,
        worst_revisit_min=plan.objective.worst_revisit_min,
        peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        # the largest finished child (a Dask worker of a sector run; 0 without)
        worker_peak_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0,
    )
    return row


def _child(args: tuple[str, str, float, int, str, int], queue: Any) -> None:
    try:
        queue.put(run_one(*args))
    except BaseException as err:  # report it in the table, not as a hung parent
        queue.put({"scenario": args[0], "mode": args[1], "error": f"{type(err).__name__}: {err}"})
        traceback.print_exc()


def run(spec: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one ``name[:sectors]`` in a spawned process, with a timeout."""
    name, _, mode = spec.partition(":")
    mode = mode or "whole"
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    job = (name, mode, args.time_limit, args.seed, args.sectors, args.workers)
    proc = ctx.Process(target=_child, args=(job, q))
    proc.start()
    try:
        row: dict[str, Any] = q.get(timeout=args.timeout)
    except queue_mod.Empty:
        proc.kill()
        row = {"scenario": name, "mode": mode, "error": f"did not finish in {args.timeout:g} s"}
    proc.join()
    return row


HEADER = (
    f"{'scenario':<9} {'mode':<10} {'edges':>7} {'teams':>5} {'plan s':>7} {'peak MB':>7} "
    f"{'worker MB':>9} {'iters':>7} {'solve s':>7} {'search s':>8} {'max loop':>8} {'revisit':>7} "
    f"{'bound':>7} {'gap %':>6}"
)


def fmt(r: dict[str, Any]) -> str:
    """One line of the table."""
    if "error" in r:
        return f"{r['scenario']:<9} {r['mode']:<10} {r['error']}"
    mode = r["mode"] if r["mode"] == "whole" else f"{r['n_sectors']} sectors"
    return (
        f"{r['scenario']:<9} {mode:<10} {r['edges']:>7,} {r['teams']:>5} {r['plan_s']:>7.1f} "
        f"{r['peak_mb']:>7.0f} {r['worker_peak_mb']:>9.0f} {r['iterations']:>7,} "
        f"{r['solve_s']:>7.1f} {r['search_s']:>8.1f} {r['max_loop_min']:>8.1f} {r['worst_revisit_min']:>7.1f} "
        f"{r['bound_min']:>7.1f} {r['gap_pct']:>6.1f}"
    )


def ratios(rows: list[dict[str, Any]]) -> list[str]:
    """The baselines: sector against whole per border, 2,000 km against 500 km."""
    ok = {(r["scenario"], r["mode"]): r for r in rows if "error" not in r}
    out = []
    for (name, mode), s in ok.items():
        w = ok.get((name, "whole"))
        if mode == "sectors":
            line = (
                f"{name}: {s['n_sectors']} sectors, whole-border bound: {s['bound_kind']}; "
                f"largest sector bound "
                f"{s['sector_bound_min']:.1f} min (gap {s['sector_gap_pct']:.1f} %)"
            )
            if w is not None:
                line += (
                    f"; sector / whole: max loop {s['max_loop_min'] / w['max_loop_min']:.3f}, "
                    f"worst revisit {s['worst_revisit_min'] / w['worst_revisit_min']:.3f}, "
                    f"seconds {s['plan_s'] / w['plan_s']:.3f}"
                )
            out.append(line)
    a, b = ok.get(("500km", "whole")), ok.get(("2000km", "whole"))
    if a and b:
        out.append(
            f"2000 km whole plan / 500 km whole plan: {b['plan_s'] / a['plan_s']:.2f}x seconds "
            "(issue #12: at most 6x)"
        )
    return out


BEFORE = """Before (issue #12, same scenarios, 20 s search): 100 km 20 s / 334 MB / 10,776 iterations;
500 km 39 s / 805 MB / 724 iterations; 1,000 km 151 s / 2.4 GB / 0 iterations (setup ate the
deadline); 2,000 km did not finish (> 10.9 GB). Lead's run at 13:16 the same day (seed 0):
1,000 km plan 69 s, 627 MB, worst revisit 233.6, bound 204.7, gap 14.1 %; 2,000 km plan 185 s,
2,254 MB, worst revisit 196.6, bound 167.5, gap 17.4 % (/tmp/bw/p2000.log)."""


def markdown(rows: list[dict[str, Any]], args: argparse.Namespace, notes: list[str]) -> str:
    """The results file."""
    lines = [
        "# Plan benchmark: generated borders, whole and in sectors",
        "",
        f"`python benchmarks/plan.py --scenarios {args.scenarios} --time-limit {args.time_limit:g} "
        f"--seed {args.seed} --sectors {args.sectors} --workers {args.workers}` "
        "(generate_scenario(km, seed=7); each run in its own spawned process; 2 shared cores).",
        "",
        "| border | mode | roads | teams | plan s | peak MB | largest worker MB | search iterations "
        "| solve s | search s | max loop min | worst revisit min | bound min | gap % |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['scenario']} | {r['mode']} | {r['error']} |" + " |" * 11)
            continue
        mode = r["mode"] if r["mode"] == "whole" else f"{r['n_sectors']} sectors"
        worker = f"{r['worker_peak_mb']:.0f}" if r["mode"] == "sectors" else "-"
        lines.append(
            f"| {r['scenario']} | {mode} | {r['edges']:,} | {r['teams']} | {r['plan_s']:.1f} "
            f"| {r['peak_mb']:.0f} | {worker} | {r['iterations']:,} | {r['solve_s']:.1f} "
            f"| {r['search_s']:.1f} "
            f"| {r['max_loop_min']:.1f} | {r['worst_revisit_min']:.1f} | {r['bound_min']:.1f} "
            f"| {r['gap_pct']:.1f} |"
        )
    lines += ["", *[f"- {n}" for n in notes], "", BEFORE, "", "Seconds per step:", ""]
    for r in rows:
        if "steps" in r:
            lines.append(f"- {r['scenario']} {r['mode']}: {r['steps']}")
    lines += [
        "",
        "plan s: plan_patrols or plan_sectors (without building the network); sector runs on a "
        "local Dask cluster of the given workers, search iterations and seconds summed over the "
        "sectors. solve s: RoutingResult.seconds (the min-max solver's setup and search); "
        "search s: the search alone (timed around minmax._Search.run). Bound: a whole plan's "
        "own bound; a sector plan's whole-border bound, valid for all teams on the whole network "
        "(plan/sectors.py: the assignment bound on one whole-network instance up to 600 "
        "required links, else the cheap round-trip bound whole_bound); the largest sector bound, "
        "in the notes, bounds only plans that keep the split. Timings on this machine "
        "are noisy (2 cores shared); ratios within one run hold better.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenarios", default=DEFAULT, help="name or NNNkm, :sectors for a sector plan"
    )
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sectors", default="auto", help="sectors of the :sectors runs")
    parser.add_argument(
        "--workers", type=int, default=2, help="local Dask workers of the :sectors runs"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument("--out", type=Path, default=None, help="write the results here (markdown)")
    args = parser.parse_args(argv)
    print(HEADER, flush=True)
    rows = []
    for spec in args.scenarios.split(","):
        rows.append(run(spec.strip(), args))
        print(fmt(rows[-1]), flush=True)
        if "steps" in rows[-1]:
            print(f"          steps: {rows[-1]['steps']}", flush=True)
        if args.out is not None:  # after every run: a long run cut short keeps its rows
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(markdown(rows, args, ratios(rows)), encoding="utf-8")
    notes = ratios(rows)
    for line in notes:
        print(line)
    if args.out is not None:
        print(f"wrote {args.out}")
    bad = [r for r in rows if "error" in r]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
