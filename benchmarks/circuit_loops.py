"""Benchmark: loops through the base against circuits (``loops = "base" | "circuit"``, #24/#25).

For each case the script plans the night twice with this tree, ``loops = "base"`` (every
loop starts and ends at the team's base, the county's rule today) and ``loops =
"circuit"`` (each team drives out once, then circles roads within ``max_approach_min`` of
its base, and drives home after the window), with the same seed and the default search
(the population search, ended by its iteration count: the same plan on any load). Every
plan runs in its own process, one after another. Printed side by side: the min-max loop,
the printed bound and gap (the bound of each rule: over depot tours, resp. over
circuits), the worst revisit of the night, the longest approach, the loop of every team
on patrol, and the seconds (wall and CPU of the process; noisy on a shared machine,
compare within one run).

Usage::

    PYTHONPATH=. nice -n 10 python benchmarks/circuit_loops.py --write
    PYTHONPATH=. nice -n 10 python benchmarks/circuit_loops.py --cases ningming --time-limit 20
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "circuit_loops.md"

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from borderwatch import build_network, load_scenario
from borderwatch.config import SearchParams
from borderwatch.plan.patrols import plan_patrols
from borderwatch.routing.minmax import _Model
case, rule, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
if case == "ningming":
    net = build_network(load_scenario("ningming"))
else:
    from borderwatch.data.synthetic import generate_scenario
    km, seed = case.split(":")
    net = build_network(generate_scenario(int(km), seed=int(seed)))
net = net.with_config(net.config.replace(loops=rule))
t, c = time.perf_counter(), time.process_time()
plan = plan_patrols(net, SearchParams(time_limit_s=limit))
wall, cpu = time.perf_counter() - t, time.process_time() - c
on = [r for r in plan.routes if r.on_patrol]
from borderwatch.plan.odds import detect_night
det = detect_night(net, plan.routes, plan.schedule.timeline)
passed = plan.revisits["n_passes"].to_numpy() > 0
informed = float(det.units["p_informed"].to_numpy()[passed].min())
print(json.dumps({
    "teams": len(plan.routes),
    "links": len(plan.instance.links),
    "minmax_min": plan.minmax_loop_min,
    "bound_min": plan.bound_min,
    "gap_pct": plan.gap_pct,
    "max_loop_min": plan.max_loop_min,
    "worst_revisit_min": plan.objective.worst_revisit_min,
    "mean_revisit_min": plan.objective.mean_revisit_min,
    "driving_min": plan.objective.driving_min,
    "longest_approach_min": max((r.approach_s for r in on), default=0.0) / 60.0,
    "beyond_reach": int(len(_Model.of(plan.instance.instance).beyond)),
    "loops": {r.team: round(r.loop_s / 60.0, 2) for r in on},
    "standby": [r.team for r in plan.routes if not r.on_patrol],
    "informed_min": informed,
    "wall_s": wall,
    "cpu_s": cpu,
}))
"""


def run(case: str, rule: str, limit: float) -> dict:
    """One plan in its own process (this tree first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", CHILD, case, rule, str(limit)]
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _name(case: str, row: dict) -> str:
    if case == "ningming":
        return f"Ningming ({row['teams']} teams, {row['links']} links)"
    km, seed = case.split(":")
    return f"generated {km} km seed {seed} ({row['teams']} teams, {row['links']} links)"


def table(rows: list[tuple[str, dict, dict]]) -> list[str]:
    """The side-by-side table and the per-team loops."""
    out = [
        "| case | rule | min-max loop | bound | gap % | worst revisit | mean revisit | "
        "longest approach | driving | beyond reach | informed p min | plan wall s | "
        "plan CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case, base, circ in rows:
        for rule, r in (("base", base), ("circuit", circ)):
            out.append(
                f"| {_name(case, r)} | {rule} | {r['minmax_min']:.2f} | {r['bound_min']:.2f} | "
                f"{r['gap_pct']:.2f} | {r['worst_revisit_min']:.2f} | "
                f"{r['mean_revisit_min']:.2f} | {r['longest_approach_min']:.2f} | "
                f"{r['driving_min']:.0f} | {r['beyond_reach']} | {r['informed_min']:.3f} | "
                f"{r['wall_s']:.1f} | "
                f"{r['cpu_s']:.1f} |"
            )
    out.append("")
    out.append("Loop minutes per team on patrol (base -> circuit):")
    out.append("")
    for case, base, circ in rows:
        teams = sorted(set(base["loops"]) | set(circ["loops"]))
        cells = [f"{t} {base['loops'].get(t, '-')} -> {circ['loops'].get(t, '-')}" for t in teams]
        out.append(f"- {_name(case, base)}: " + ", ".join(cells))
    return out


def main() -> None:
    """Plan every case with both rules and print (and with ``--write`` record) the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="ningming,200:6", help="ningming and/or KM:SEED")
    ap.add_argument("--time-limit", type=float, default=20.0, help="SearchParams.time_limit_s")
    ap.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    args = ap.parse_args()
    rows = []
    t0 = time.time()
    for case in args.cases.split(","):
        base = run(case, "base", args.time_limit)
        circ = run(case, "circuit", args.time_limit)
        rows.append((case, base, circ))
        print(f"{case}: base {base['minmax_min']:.2f}, circuit {circ['minmax_min']:.2f}")
    lines = table(rows)
    print("\n".join(lines))
    if args.write:
        load = os.getloadavg()[0]
        head = [
            "# Loops through the base against circuits (issues #24, #25)",
            "",
            f"`PYTHONPATH=. nice -n 10 python benchmarks/circuit_loops.py --cases {args.cases} "
            f"--time-limit {args.time_limit:g} --write`, one run "
            f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {load:.1f} at the end, "
            f"{time.time() - t0:.0f} s): each plan in its own process, seed 0, the default "
            "search (population, ended by its count: same plan on any load), bound rounds "
            '45. `base` = loops = "base" (through the base, today\'s rule); `circuit` = '
            'loops = "circuit", max_approach_min 60. Minutes. The bound is over depot tours, '
            "resp. over circuits (each a lower bound of its own rule). beyond reach = links no "
            "base reaches within max_approach_min (served by their nearest teams). informed p "
            "min = the lowest chance, over the passed units, that a 15-min crossing is seen by "
            "one who knows the variants and their odds (detect_night, #25). Seconds: "
            "plan_patrols alone (not the detection), wall and CPU of its process.",
            "",
        ]
        RESULTS.write_text("\n".join(head + lines) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
