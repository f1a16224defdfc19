"""Benchmark (issue #24, item 4): the population search's count at scale, quality per iteration.

The default plan search (:func:`borderwatch.routing.population.solve_population`) ends
by a count; this measures what a count buys and costs on large instances. For each case
(a pickle written by ``benchmarks/bound_scale.py``'s ``prepare``: the routing instance of
``generate_scenario(km, seed=7)`` as ``plan_patrols`` builds it, with its basic bound) and
each count, one child process runs ``solve_population`` with
``SearchParams(max_iterations=count, seed=0)`` and no wall-clock cap, and reports the
longest loop, the search's CPU seconds (the child's user + system time around the
search, the model built before), iterations per CPU second, and the best longest loop
after each education run (the trajectory: the best at a quarter, half and all of the
count). With ``--bound`` it also runs the plan's assignment bound pruned by that loop
(``assignment_bound`` with ``plan_patrols``'s arguments, as after a 2,000 km search) and
prints the printed gap ``(loop - bound) / bound``. Counts run one after the other, one
child each, in one invocation (same load; compare CPU seconds, not wall).

Usage::

    nice -n 10 python benchmarks/search_count.py --case /tmp/bound_cases/2000km.pkl \\
        --counts 2000,4000,8000 --bound
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]


def _cpu_s() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return float(ru.ru_utime + ru.ru_stime)


def child(path: str, count: int, with_bound: bool) -> dict[str, Any]:
    """Run the search for ``count`` iterations on the pickled instance, in this process."""
    import pickle

    from borderwatch.config import SearchParams
    from borderwatch.plan.patrols import bound_cap_s
    from borderwatch.routing import minmax
    from borderwatch.routing.assignment import assignment_bound
    from borderwatch.routing.population import prepare_search, solve_population

    d = pickle.loads(Path(path).read_bytes())
    inst = d["instance"]
    inst.__dict__.pop("_minmax_model", None)  # built by this tree, timed apart
    cpu = _cpu_s()
    prepare_search(inst)
    setup_cpu = _cpu_s() - cpu
    trace: list[tuple[int, float]] = []
    state = {"used": 0, "best": float("inf")}
    run = minmax._Search.run

    def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = run(self, *args, **kwargs)
        state["used"] += out[1]
        state["best"] = min(state["best"], float(out[0].key()[0]))
        trace.append((int(state["used"]), state["best"]))
        return out

    minmax._Search.run = traced  # type: ignore[method-assign]
    cpu = _cpu_s()
    wall = time.perf_counter()
    res = solve_population(inst, SearchParams(time_limit_s=0.0, max_iterations=count, seed=0))
    search_cpu = _cpu_s() - cpu
    search_wall = time.perf_counter() - wall
    minmax._Search.run = run  # type: ignore[method-assign]

    def best_at(share: float) -> float:
        want = share * res.iterations
        return min((b for u, b in trace if u <= want + 1e-9), default=float("nan"))

    row: dict[str, Any] = {
        "links": int(d["links"]),
        "teams": int(d["teams"]),
        "count": count,
        "iterations": int(res.iterations),
        "loop_min": float(res.max_cost) / 60,
        "quarter_min": best_at(0.25) / 60,
        "half_min": best_at(0.5) / 60,
        "setup_cpu": setup_cpu,
        "search_cpu": search_cpu,
        "search_wall": search_wall,
        "its_per_cpu_s": res.iterations / max(search_cpu, 1e-9),
    }
    if with_bound:
        cpu = _cpu_s()
        b = assignment_bound(
            inst,
            time_limit_s=bound_cap_s(int(d["links"])),
            max_rounds=SearchParams().bound_rounds,
            incumbent=res.max_cost,
            basic=res.lower_bound,
        )
        b = min(max(b, res.lower_bound), res.max_cost)
        row["bound_min"] = b / 60
        row["gap_pct"] = 100.0 * (res.max_cost - b) / b
        row["bound_cpu"] = _cpu_s() - cpu
    return row


def _line(case: str, r: dict[str, Any]) -> str:
    bound = (
        f"{r['bound_min']:.1f} | {r['gap_pct']:.1f} % | {r['bound_cpu']:.1f}"
        if "bound_min" in r
        else "- | - | -"
    )
    return (
        f"| {case} | {r['links']} / {r['teams']} | {r['count']:,} | {r['iterations']:,} | "
        f"{r['quarter_min']:.1f} | {r['half_min']:.1f} | {r['loop_min']:.1f} | "
        f"{r['search_cpu']:.1f} | {r['search_wall']:.1f} | {r['its_per_cpu_s']:.0f} | "
        f"{1000.0 / max(r['its_per_cpu_s'], 1e-9):.1f} | {bound} |"
    )


HEAD = (
    "| case | links / teams | count | iterations | best at 1/4 (min) | best at 1/2 (min) | "
    "longest loop (min) | search CPU s | search wall s | iterations per CPU s | "
    "CPU ms per iteration | bound (min) | printed gap | bound CPU s |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    """Run one child per (case, count) and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", action="append", default=[], help="pickle (bound_scale.py)")
    ap.add_argument("--counts", default="2000,4000,8000")
    ap.add_argument("--bound", action="store_true", help="the plan's bound pruned by each loop")
    ap.add_argument("--child", nargs=3, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        path, count, with_bound = args.child
        print(json.dumps(child(path, int(count), with_bound == "1")), flush=True)
        return
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    print(HEAD, flush=True)
    loads = []
    for case in args.case:
        for count in [int(x) for x in args.counts.split(",")]:
            loads.append(os.getloadavg()[0])
            cmd = [
                sys.executable,
                __file__,
                "--child",
                case,
                str(count),
                "1" if args.bound else "0",
            ]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
            if out.returncode or not lines:
                raise SystemExit(f"child {case} {count} failed:\n{out.stderr[-3000:]}")
            print(_line(Path(case).stem, json.loads(lines[-1])), flush=True)
    loads.append(os.getloadavg()[0])
    print(f"\nload average (1 min) before each row, then at the end: {loads}")


if __name__ == "__main__":
    main()
