"""Benchmark the weekly roster: Ningming and a generated scenario ten times larger.

For each scenario, two consecutive weeks (2026-W49, then 2026-W50 with W49 as
history) are built and written; the script reports the solve time (all pool
MILPs), the slowest pool, the write time, MILP sizes, the fairness figures and
the changes against the previous week, and the large/ningming time ratio
(baseline measured in the same process).

    python benchmarks/roster.py                 # both scenarios
    python benchmarks/roster.py --only ningming

Writes benchmarks/results/roster.json and roster.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scipy  # noqa: E402

from borderwatch.data import load_scenario  # noqa: E402
from borderwatch.roster import (  # noqa: E402
    RosterConfig,
    RosterSite,
    build_week,
    load_people,
    people_from_rows,
    synthetic_people,
    write_week,
)

WEEKS = ("2026-W49", "2026-W50")


def synthetic_plan(site: RosterSite, n_phases: int = 4) -> dict:
    """Route variants shaped like `borderwatch plan` output (2 directions × n phases)."""
    return {
        "scenario": site.name,
        "routes": [
            {
                "team": t,
                "loop_min": 90.0,
                "variants": [
                    {
                        "variant": f"{t}-{d}{j}",
                        "reverse": d == "r",
                        "phase_min": 90.0 * j / n_phases,
                    }
                    for d in "fr"
                    for j in range(n_phases)
                ],
            }
            for t in site.teams
        ],
    }


def run(name: str, site: RosterSite, people: list, plan: dict, config: RosterConfig) -> dict:
    out: dict = {
        "scenario": name,
        "checkpoints": len(site.checkpoints),
        "teams": len(site.teams),
        "people": len(people),
        "weeks": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for week in WEEKS:
            t0 = time.perf_counter()
            roster = build_week(site, people, week, plan=plan, history=tmp, config=config)
            t1 = time.perf_counter()
            write_week(roster, tmp)
            t2 = time.perf_counter()
            s = roster.summary
            pools = s["pools"]
            biggest = max(pools, key=lambda k: pools[k]["person_shifts"])
            out["weeks"].append(
                {
                    "week": week,
                    "build_s": round(t1 - t0, 2),
                    "solve_s": round(sum(roster.timings.values()), 2),
                    "slowest_pool": max(roster.timings, key=roster.timings.get),
                    "slowest_pool_s": round(max(roster.timings.values()), 2),
                    "write_s": round(t2 - t1, 2),
                    "duties": s["duties"],
                    "pools": len(pools),
                    "biggest_pool": biggest,
                    "biggest_pool_people": pools[biggest]["people"],
                    "statuses": sorted({p["status"] for p in pools.values()}),
                    "fairness": s["fairness"],
                    "checkpoint_night_week": {
                        k: v["fairness"]["night_week"]
                        for k, v in pools.items()
                        if not k.startswith(("team ", "county"))
                    },
                    "checkpoint_night_total": {
                        k: v["fairness"]["night_total"]
                        for k, v in pools.items()
                        if not k.startswith(("team ", "county"))
                    },
                    "changes": s["changes"],
                }
            )
            print(
                f"{name} {week}: build {t1 - t0:.2f} s (solve {sum(roster.timings.values()):.2f} s, slowest pool {max(roster.timings.values()):.2f} s), write {t2 - t1:.2f} s, fairness {s['fairness']}, changes {s['changes']['assignments']}",
                flush=True,
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["ningming", "large"], default=None)
    ap.add_argument(
        "--plan",
        type=Path,
        default=None,
        help="plan.json of Ningming (default: synthetic variants)",
    )
    args = ap.parse_args(argv)
    config = RosterConfig(salt="benchmark")
    results = []
    if args.only in (None, "ningming"):
        scn = load_scenario("ningming")
        site = RosterSite.from_scenario(scn)
        people = load_people(scn.source / "people.csv")
        plan = (
            json.loads(args.plan.read_text(encoding="utf-8")) if args.plan else synthetic_plan(site)
        )
        results.append(run("ningming", site, people, plan, config))
    if args.only in (None, "large"):
        from borderwatch.data.synthetic import generate_scenario

        t0 = time.perf_counter()
        scn = generate_scenario(border_km=1000, seed=1, n_checkpoints=1430, n_teams=170)
        print(f"generated the large scenario in {time.perf_counter() - t0:.1f} s", flush=True)
        site = RosterSite.from_scenario(scn)
        people = people_from_rows(synthetic_people(site, config=config, seed=1))
        results.append(run("synthetic-10x", site, people, synthetic_plan(site), config))
    if len(results) == 2:
        for a, b in zip(results[0]["weeks"], results[1]["weeks"], strict=True):
            b["solve_ratio_vs_ningming"] = round(b["solve_s"] / max(a["solve_s"], 1e-9), 2)
    meta = {
        "python": platform.python_version(),
        "scipy": scipy.__version__,
        "machine": platform.machine(),
        "cpu": platform.processor() or "",
    }
    res_dir = ROOT / "benchmarks" / "results"
    res_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.only is None else f"_{args.only}"
    (res_dir / f"roster{suffix}.json").write_text(
        json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    lines = [
        "# roster benchmark",
        "",
        f"python {meta['python']}, scipy {meta['scipy']} (HiGHS)",
        "",
        "| scenario | checkpoints | teams | people | week | solve s | slowest pool s | build s | write s | night spread week/total | changes | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for w in r["weeks"]:
            lines.append(
                f"| {r['scenario']} | {r['checkpoints']} | {r['teams']} | {r['people']} | {w['week']} | {w['solve_s']} | "
                f"{w['slowest_pool_s']} ({w['slowest_pool']}) | {w['build_s']} | {w['write_s']} | "
                f"{w['fairness']['night_week_max_spread']}/{w['fairness']['night_total_max_spread']} | {w['changes']['assignments']} | {w.get('solve_ratio_vs_ningming', '')} |"
            )
    (res_dir / f"roster{suffix}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
