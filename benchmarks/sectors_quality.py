"""Benchmark: sector plans against the whole plan of the same border (issue #24, item 4).

For each generated border (``generate_scenario(km, seed=...)``) the script plans the
whole border once (the after tree, ``plan_patrols``) and then the border in sectors
(``plan_sectors``, ``--workers 0``) with the code of two trees side by side in one run:
**before** (an exported tree, ``--before``) and **after** (``--after``, default this
tree). Every plan runs in its own process with the same fixed search
(``--max-iterations``, seed 0), so the figures do not depend on the machine's load.
The reference is the whole plan's longest loop; a sector plan's ratio to it is what the
split costs. ``auto`` rows say how many sectors ``--sectors auto`` makes (up to 749 km it
makes one, which is no split: the row is then not planned).

``--max-iterations default`` plans with each plan's default budget (what users run: the
population search's count per task, so a sector gets what a whole plan of its size gets);
``--whole-per-tree`` plans the whole border with each tree too (for a change to the search,
which moves the reference); ``--after-only`` skips the before tree (a change that cannot
touch these plans).

Usage (``--after`` defaults to this tree; an exported tree keeps other people's
uncommitted edits out of the comparison)::

    mkdir /tmp/wt_before && git archive HEAD borderwatch | tar -x -C /tmp/wt_before
    PYTHONPATH=. nice -n 10 python benchmarks/sectors_quality.py --before /tmp/wt_before \\
        --cases 200:6,200:7 --write
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
RESULTS = HERE / "results" / "sectors_quality.md"

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from borderwatch import build_network
from borderwatch.config import SearchParams
from borderwatch.data.synthetic import generate_scenario
km, seed, mode, sectors, iters, rounds = sys.argv[1:7]
net = build_network(generate_scenario(int(km), seed=int(seed)))
search = (
    SearchParams(seed=0, bound_rounds=int(rounds))  # the default budget, as users run
    if iters == "default"
    else SearchParams(
        max_iterations=int(iters), time_limit_s=3600.0, seed=0, bound_rounds=int(rounds)
    )
)
t = time.perf_counter()
row = {"teams": len(net.teams)}
if mode == "whole":
    from borderwatch.plan.patrols import plan_patrols
    plan = plan_patrols(net, search)
    row["n_sectors"] = 0
else:
    from borderwatch.plan.sectors import auto_sector_count, plan_sectors, split_sectors
    n = sectors if sectors == "auto" else int(sectors)
    if n == "auto" and auto_sector_count(len(net.teams), net.border_m / 1000.0) == 1:
        row["n_sectors"] = 1
        row["split"] = [[round(net.border_m / 1000.0, 1), len(net.teams)]]
        print(json.dumps(row))
        raise SystemExit(0)
    c = time.process_time()
    split = split_sectors(net, n)
    row["split_cpu_s"] = time.process_time() - c
    row["n_sectors"] = len(split)
    row["split"] = [[round(s.km, 1), len(s.teams)] for s in split]
    if mode == "count":
        print(json.dumps(row))
        raise SystemExit(0)
    t = time.perf_counter()
    plan = plan_sectors(net, n, workers=0, search=search)
    row["sector_bound_min"] = plan.sector_bound_min
    row["sector_loops"] = [round(f.max_loop_min, 1) for f in plan.figures]
    row["sector_bounds"] = [round(f.bound_min, 1) for f in plan.figures]
row["seconds"] = time.perf_counter() - t
row["max_loop_min"] = plan.max_loop_min
row["bound_min"] = plan.bound_min
row["worst_revisit_min"] = plan.objective.worst_revisit_min
print(json.dumps(row))
"""


def run(
    tree: Path, km: int, seed: int, mode: str, sectors: str, iters: str, rounds: int = 45
) -> dict:
    """One plan in its own process with ``tree`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    args = [sys.executable, "-c", CHILD, str(km), str(seed), mode, sectors, str(iters)]
    args.append(str(rounds))
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Plan every case whole and in sectors, before and after, and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, default=Path("/tmp/wt_sectors"))
    ap.add_argument("--after", type=Path, default=ROOT, help="the tree after (default this one)")
    ap.add_argument("--cases", default="200:6,200:7", help="km:seed,...")
    ap.add_argument("--sectors", default="2,auto")
    ap.add_argument(
        "--max-iterations",
        default="1500",
        help="a fixed search count, or 'default': each plan's own default budget (no "
        "max_iterations; the population search's count, a sector's as a whole plan of its size)",
    )
    ap.add_argument(
        "--whole-per-tree",
        action="store_true",
        help="plan the whole border with each tree (when the change touches the search "
        "too): each tree's sector plan is held against its own whole plan",
    )
    ap.add_argument("--title", default="Workload in the balance step (eighth session)")
    ap.add_argument(
        "--after-only",
        action="store_true",
        help="plan with the after tree only (when the change cannot touch these plans): "
        "the before columns repeat the after ones",
    )
    ap.add_argument(
        "--bound-rounds",
        type=int,
        default=45,
        help="the plans' bound_rounds (0: no assignment bound; the loops do not depend on it)",
    )
    ap.add_argument("--before-label", default="HEAD before the change")
    ap.add_argument("--after-label", default="the change")
    ap.add_argument("--write", action="store_true", help=f"add a section on top of {RESULTS.name}")
    args = ap.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    per_tree = args.whole_per_tree
    whole_cols = " | before: whole loop" if per_tree else " | whole loop"
    lines = [
        f"| border | sectors{whole_cols} | before: split (km/teams) | before loop | before / whole "
        + ("| after: whole loop " if per_tree else "")
        + "| after: split (km/teams) | after loop | after / whole | after sector loops (bounds) "
        "| split CPU s before / after |",
        "|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if per_tree else ""),
    ]
    t0 = time.perf_counter()
    for case in args.cases.split(","):
        km, seed = (int(x) for x in case.split(":"))
        wholes = {
            k: run(trees[k], km, seed, "whole", "0", args.max_iterations, args.bound_rounds)
            for k in (("before", "after") if per_tree and not args.after_only else ("after",))
        }
        refs = {k: wholes.get(k, wholes["after"])["max_loop_min"] for k in ("before", "after")}
        teams = wholes["after"]["teams"]
        for k, w in wholes.items():
            print(f"# {km}:{seed} whole {k} {json.dumps(w)}", flush=True)
        for n in args.sectors.split(","):
            rows = {
                k: run(t, km, seed, "sectors", n, args.max_iterations, args.bound_rounds)
                for k, t in trees.items()
                if not (args.after_only and k == "before")
            }
            rows.setdefault("before", rows["after"])
            cells = []
            for k in ("before", "after"):
                r = rows[k]
                print(f"# {km}:{seed} sectors {n} {k} {json.dumps(r)}", flush=True)
                if per_tree:
                    cells.append(f"{refs[k]:.1f}")
                split = " + ".join(f"{a:.0f}/{b}" for a, b in r["split"])
                if "max_loop_min" in r:
                    loop = r["max_loop_min"]
                    cells += [split, f"{loop:.1f}", f"{loop / refs[k]:.3f}"]
                else:
                    cells += [split, "(one sector: no split)", "-"]
            a = rows["after"]
            per = (
                ", ".join(
                    f"{x:.1f} ({b:.1f})"
                    for x, b in zip(a["sector_loops"], a["sector_bounds"], strict=True)
                )
                if "sector_loops" in a
                else "-"
            )
            cpu = " / ".join(
                f"{rows[k]['split_cpu_s']:.1f}" if "split_cpu_s" in rows[k] else "-"
                for k in ("before", "after")
            )
            ref_cell = "" if per_tree else f" {refs['after']:.1f} |"
            line = f"| {km} km / {teams} teams, seed {seed} | {n} |{ref_cell} " + (
                " | ".join(cells) + f" | {per} | {cpu} |"
            )
            print(line, flush=True)
            lines.append(line)
    print(f"total {time.perf_counter() - t0:.0f} s")
    if args.write:
        head = (
            f"## {args.title}\n\n"
            f"`PYTHONPATH=. nice -n 10 python benchmarks/sectors_quality.py --before "
            f"{args.before} --cases {args.cases} --sectors {args.sectors} --max-iterations "
            f"{args.max_iterations} --bound-rounds {args.bound_rounds} --write`, one run: each plan in its own process, "
            "`--workers 0`, seed 0, a fixed search of "
            f"{args.max_iterations} iterations (same figures on any load). before = "
            f"{args.before_label}, after = this tree ({args.after_label}). Loops in minutes; "
            "the reference is the whole plan's longest loop (this tree, same search). "
            "Split CPU s: `split_sectors` alone (process time).\n\n"
        )
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        title = "# Sector plans against the whole plan (issue #24, item 4)\n\n"
        rest = old[len(title) :] if old.startswith(title) else old
        RESULTS.write_text(title + head + "\n".join(lines) + "\n\n" + rest, encoding="utf-8")


if __name__ == "__main__":
    main()
