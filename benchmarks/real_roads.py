"""Km of each OSM highway class driven by each vehicle profile, on real extracts.

For every extract of ``tests/data/real.py`` (andorra, north_bayreuth, krems):
write its scenario, run ``borderwatch plan`` with the code of a given tree
(``--tree``: the checkout to plan with, e.g. a ``git worktree`` of an older
commit for the "before" figures), then read the team GPX files back and match
every GPX step to the raw OSM way it runs on (points snapped to OSM nodes
within 1 m; a step between two nodes of one way is that way's). The measuring
code is this tree's, the same for every run: raw classes and raw tags, not the
plan's own edge table. Also counts, with the tree's reader, the road-graph
edges whose parts have different highway classes (``merged``).

Usage::

    git worktree add /tmp/before <commit>
    python benchmarks/real_roads.py --tree /tmp/before --label before
    python benchmarks/real_roads.py --label after
    # -> benchmarks/results/real_roads_<label>.json; then
    python benchmarks/real_roads.py --table   # writes benchmarks/results/real_roads.md
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.data.real import EXTRACTS, driven_steps, write_real_scenario  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
#: classes a pickup must never drive (and closed ways, gates, fords: see below)
NOT_FOR_PICKUPS = {"track", "path", "footway", "cycleway", "bridleway", "steps", "pedestrian"}

_MERGED = """
import json, sys
from borderwatch.data.roads import read_roads
g = read_roads(sys.argv[1])
n = km = 0
for _, _, d in g.edges(data=True):
    if isinstance(d.get("highway"), list):
        n += 1
        km += d["length"] / 1000
print(json.dumps({"edges": g.number_of_edges(), "merged_edges": n // 2, "merged_km": km / 2}))
"""


def measure(folder: Path, extract: str) -> dict:
    """Km per (profile, class) and km closed to the profile, from the plan folder's GPX."""
    km: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    closed: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    against: collections.Counter = collections.Counter()
    for step in driven_steps(folder, extract):
        km[step.vehicle][step.highway] += step.km
        if step.closed:
            closed[step.vehicle][step.closed.split("=")[0]] += step.km
        if step.against_oneway:
            against[step.vehicle] += step.km
    return {
        "against_oneway_km": dict(sorted(against.items())),
        "km": {p: dict(sorted(c.items())) for p, c in sorted(km.items())},
        "closed_km": {p: dict(sorted(c.items())) for p, c in sorted(closed.items())},
    }


def run(tree: Path, label: str, seed: int, time_limit: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "BORDERWATCH_NO_CACHE": "1"}
    commit = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    out: dict = {"tree": str(tree), "commit": commit + (" + uncommitted changes" if dirty else ""),
                 "label": label, "extracts": {}}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bw-real-") as tmp:
        for name in EXTRACTS:
            scen = write_real_scenario(Path(tmp) / "scen" / name, name)
            plan = Path(tmp) / "plan" / name
            merged = json.loads(
                subprocess.run(
                    [sys.executable, "-c", _MERGED, str(scen / "roads.osm.pbf")],
                    cwd=tree, env=env, capture_output=True, text=True, check=True,
                ).stdout.strip().splitlines()[-1]
            )  # fmt: skip
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "borderwatch", "plan", str(scen), "--out", str(plan),
                 "--night", "2026-12-06", "--seed", str(seed), "--time-limit", str(time_limit),
                 "--no-map"],
                cwd=tree, env=env, capture_output=True, text=True,
            )  # fmt: skip
            wall = time.perf_counter() - t0
            entry = {"merged": merged, "plan_s": round(wall, 1), "exit": proc.returncode}
            if proc.returncode == 0:
                entry.update(measure(plan, name))
                entry["report"] = (plan / "report.txt").read_text(encoding="utf-8")
            else:
                entry["stderr"] = proc.stderr[-2000:]
            out["extracts"][name] = entry
            print(name, label, entry.get("km"), entry.get("closed_km"), merged, flush=True)
    return out


def table() -> str:
    runs = {
        lab: json.loads((RESULTS / f"real_roads_{lab}.json").read_text(encoding="utf-8"))
        for lab in ("before", "after")
        if (RESULTS / f"real_roads_{lab}.json").is_file()
    }
    lines = [
        "# Km driven per OSM highway class and vehicle profile, real extracts",
        "",
        "`python benchmarks/real_roads.py` (see its docstring): each extract's scenario",
        "(tests/data/real.py) planned with `plan --seed 0 --time-limit 10`, the team GPX read",
        "back and every step matched to the raw OSM way it runs on; km over the whole night",
        "(every loop). `closed` = km on ways whose access tags close them to the profile, past a",
        "closing barrier (gate, bollard ...) or through a ford the profile may not cross (default",
        "[defaults.access]). `merged` = road-graph edges whose parts have different classes.",
        "",
    ]
    for lab, data in runs.items():
        lines.append(f"Run `{lab}`: code of commit {data.get('commit', data['tree'])}.")
    lines += [
        "",
        "## Summary",
        "",
        "| extract | run | pickup km on track/path/footway/... | km closed to the vehicle "
        "(all teams) | merged edges | km against a one-way tag (all teams; not honoured yet) |",
        "|---|---|---|---|---|---|",
    ]
    for name in EXTRACTS:
        for lab, data in runs.items():
            e = data["extracts"].get(name)
            if e is None or e["exit"] != 0:
                continue
            bad = sum(k for c, k in e["km"].get("pickup", {}).items() if c in NOT_FOR_PICKUPS)
            shut = sum(k for per in e["closed_km"].values() for k in per.values())
            wrong = sum(e.get("against_oneway_km", {}).values())
            lines.append(
                f"| {name} | {lab} | {bad:.1f} | {shut:.1f} | {e['merged']['merged_edges']} "
                f"| {wrong:.1f} |"
            )
    lines.append("")
    for name in EXTRACTS:
        lines += [f"## {name}", "", "| run | profile | km per class | closed km | merged edges (km) |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for lab, data in runs.items():
            e = data["extracts"].get(name)
            if e is None:
                continue
            merged = f"{e['merged']['merged_edges']} ({e['merged']['merged_km']:.1f})"
            if e["exit"] != 0:
                lines.append(f"| {lab} | plan failed (exit {e['exit']}) | | | {merged} |")
                continue
            for prof, classes in e["km"].items():
                text = ", ".join(
                    f"{c} {k:.1f}" for c, k in sorted(classes.items(), key=lambda x: -x[1])
                )
                shut = ", ".join(f"{c} {k:.1f}" for c, k in e["closed_km"].get(prof, {}).items())
                lines.append(f"| {lab} | {prof} | {text} | {shut or '0'} | {merged} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, default=ROOT)
    ap.add_argument("--label", default="after")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--table", action="store_true", help="only write real_roads.md")
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.table:
        data = run(args.tree.resolve(), args.label, args.seed, args.time_limit)
        (RESULTS / f"real_roads_{args.label}.json").write_text(
            json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    (RESULTS / "real_roads.md").write_text(table() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
