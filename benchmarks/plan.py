"""Benchmark: the whole plan (required roads, min-max routes, schedule) on Ningming and generated scenarios.

For each scenario it prints the network size, seconds per step, peak memory of
the process, the longest loop, the lower bound and the gap — and, as the
baseline run in the same process on the same instance, the plan the search
starts from (route-first split and greedy insertion, ``max_iterations=0``), with
the ratio of our longest loop to the baseline's.

Usage::

    python benchmarks/plan.py                         # ningming, 500 km, 2000 km
    python benchmarks/plan.py --scenarios ningming --time-limit 20
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import time
from typing import Any


def run_one(name: str, time_limit: float, seed: int) -> dict[str, Any]:
    from borderwatch import build_network, load_scenario
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.routing.plan import plan_patrols

    t = time.perf_counter()
    scenario = (
        load_scenario(name)
        if not name.endswith("km")
        else generate_scenario(float(name[:-2]), seed=7)
    )
    net = build_network(scenario)
    row: dict[str, Any] = {"scenario": name, "build_s": time.perf_counter() - t}
    row.update(
        nodes=len(net.nodes), edges=len(net.edges), units=len(net.units), teams=len(net.teams)
    )
    base = plan_patrols(net, max_iterations=0, seed=seed)
    t = time.perf_counter()
    plan = plan_patrols(net, time_limit_s=time_limit, seed=seed)
    row["plan_s"] = time.perf_counter() - t
    row.update({f"{k}_s": v for k, v in plan.seconds.items()})
    row.update(
        links=len(plan.instance.links),
        max_loop_min=plan.max_loop_min,
        bound_min=plan.bound_min,
        gap_pct=plan.gap_pct,
        worst_revisit_min=plan.schedule.worst_revisit_min,
        baseline_max_loop_min=base.max_loop_min,
        ratio=plan.max_loop_min / base.max_loop_min if base.max_loop_min else float("nan"),
        peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    )
    return row


def _child(args: tuple[str, float, int], queue: Any) -> None:
    queue.put(run_one(*args))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="ningming,500km,2000km")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    ctx = mp.get_context("spawn")
    print(
        f"{'scenario':<10} {'edges':>7} {'units':>6} {'teams':>5} {'links':>5} {'build s':>7} {'plan s':>7} "
        f"{'max loop':>8} {'bound':>7} {'gap %':>6} {'revisit':>7} {'start':>7} {'ratio':>6} {'peak MB':>7}"
    )
    for name in args.scenarios.split(","):
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=((name, args.time_limit, args.seed), queue))
        proc.start()
        r = queue.get()
        proc.join()
        print(
            f"{r['scenario']:<10} {r['edges']:>7,} {r['units']:>6,} {r['teams']:>5} {r['links']:>5} "
            f"{r['build_s']:>7.1f} {r['plan_s']:>7.1f} {r['max_loop_min']:>8.1f} {r['bound_min']:>7.1f} "
            f"{r['gap_pct']:>6.1f} {r['worst_revisit_min']:>7.1f} {r['baseline_max_loop_min']:>7.1f} "
            f"{r['ratio']:>6.3f} {r['peak_mb']:>7.0f}",
            flush=True,
        )
    print(
        "start = the search's starting plan (route-first split / greedy, no iterations), same process;"
    )
    print("ratio = our max loop / start's max loop; loops, bound and revisit in minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
