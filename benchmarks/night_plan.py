"""Benchmark: the night plan a planner hands out, before/after figures in one JSON line per scenario.

For each scenario: teams on patrol, shortest and longest loop, worst and
risk-weighted mean revisit interval over the patrolled units, the printed
lower bound and optimality gap, wall-clock and CPU seconds of ``plan_patrols``.
It runs on this tree and on an older checkout (``git worktree add /tmp/before
d5ff4f4`` and ``PYTHONPATH=/tmp/before``), which is how
``benchmarks/results/night_plan.md`` was made.

Usage::

    python benchmarks/night_plan.py ningming /path/to/500km-folder 20km
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from borderwatch.config import SearchParams


def run_one(name: str, time_limit_s: float = 20.0, seed: int = 0) -> dict[str, Any]:
    from borderwatch import build_network, load_scenario
    from borderwatch.coverage.risk import risk_weights
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.plan.patrols import plan_patrols

    scenario = (
        generate_scenario(float(name[:-2]), seed=7) if name.endswith("km") else load_scenario(name)
    )
    net = build_network(scenario)
    t, c0 = time.perf_counter(), time.process_time()
    try:
        plan = plan_patrols(net, search=SearchParams(time_limit_s=time_limit_s, seed=seed))
    except TypeError:  # the older tree's keyword
        plan = plan_patrols(net, search=SearchParams(time_limit_s=time_limit_s, seed=seed))
    wall, cpu = time.perf_counter() - t, time.process_time() - c0
    table = plan.revisits
    passed = table["n_passes"].to_numpy() > 0
    w = risk_weights(net)[passed]
    x = table["worst_revisit_min"].to_numpy()[passed]
    loops = [
        r.loop_s / 60 for r in plan.routes if r.steps and getattr(r, "status", "patrol") == "patrol"
    ]
    return {
        "scenario": name,
        "teams": len(plan.routes),
        "teams_used": len(loops),
        "shortest_loop_min": round(min(loops), 1),
        "max_loop_min": round(max(loops), 1),
        "worst_revisit_min": round(float(x.max()), 1),
        "mean_revisit_min": round(float((w * x).sum() / w.sum()), 1),
        "bound_min": round(plan.bound_min, 1),
        "opt_gap_pct": round(plan.gap_pct, 1),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
    }


def main(argv: list[str] | None = None) -> int:
    for name in (argv if argv is not None else sys.argv[1:]) or ["ningming"]:
        print(json.dumps(run_one(name)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
