"""The detection odds of ``plan ningming`` (``detect_night``), before and after, side by side (#24.5).

Two trees: ``before`` (a ``git worktree`` of ``--before``, default ``3458e6e``, the eleventh
session's start) and ``after`` (a worktree of ``--after``, default ``HEAD``; ``--before-tree``
/ ``--after-tree`` take folders as they are, e.g. a worktree of the start with only
``borderwatch/plan/odds.py`` of the after commit). Each tree first plans Ningming once
(``run_plan``, ``--night 2026-12-07``) in a process of its own and keeps the arguments the
plan handed ``detect_night`` (pickled). Then each run is a fresh process that imports
borderwatch, loads those arguments and calls ``detect_night`` once, as the plan does (the
*cold* call: the first in the process), then ``--warm`` more times (median); wall and CPU
seconds of this process. The trees alternate (before, after, after, before, ...);
medians over ``--repeat`` runs each. Every run's result is hashed (odds, uniform odds,
the units table, guarantees, worst revisits, the informed figures, the passes): the two
trees' hashes must be equal (the same bytes in ``plan.json`` and ``units.gpkg``).

Usage::

    python benchmarks/plan_odds.py                             # 3458e6e against HEAD
    python benchmarks/plan_odds.py --repeat 5 --detours        # plan --detours' odds
    python benchmarks/plan_odds.py --before-tree A --after-tree B --out /tmp/odds.md
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from fast_paths import worktree  # noqa: E402

START = "3458e6e"  # the eleventh session's start

#: a plan on the tree, keeping detect_night's arguments
INPUTS = """
import pickle, tempfile
from datetime import date
import borderwatch.plan.odds as odds
from borderwatch.cli.common import load_network
from borderwatch.jobs import run_plan
kept = {{}}
detect = odds.detect_night
def keep(*a, **k):
    kept["a"], kept["k"] = a, k
    return detect(*a, **k)
odds.detect_night = keep
net = load_network("ningming", None)
run_plan(net, tempfile.mkdtemp() + "/plan", night=date(2026, 12, 7), map_html=False,
         detours={detours!r})
with open({path!r}, "wb") as f:
    pickle.dump((kept["a"], kept["k"]), f, protocol=5)
"""

#: one run: the cold call and the warm ones, and the result's hash
CHILD = """
import hashlib, json, pickle, statistics, time
import borderwatch.plan.odds as odds
with open({path!r}, "rb") as f:
    a, k = pickle.load(f)
def timed():
    w, c = time.perf_counter(), time.process_time()
    det = odds.detect_night(*a, **k)
    return det, time.perf_counter() - w, time.process_time() - c
det, cold_w, cold_c = timed()
warm = [timed()[1:] for _ in range({warm})]
h = hashlib.sha256()
for arr in (det.odds, det.odds_uniform, det.units.to_numpy(), det.informed_lp.p_unit,
            det.informed_uniform.p_unit, det.passes.var, det.passes.unit, det.passes.t,
            det.watchable):
    h.update(arr.tobytes())
h.update(repr((sorted(det.guarantee.items()), det.worst_revisit_min, list(det.units.columns),
               det.passes.variants, det.informed_lp.unit, det.informed_lp.start)).encode())
print(json.dumps({{
    "cold_wall": cold_w, "cold_cpu": cold_c,
    "warm_wall": statistics.median(w for w, _ in warm) if warm else None,
    "warm_cpu": statistics.median(c for _, c in warm) if warm else None,
    "hash": h.hexdigest(),
}}))
"""


def _python(tree: Path, code: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(tree))
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True
    )
    if res.returncode != 0:
        raise SystemExit(f"{tree}: {res.stderr[-3000:]}")
    return res.stdout


def inputs(tree: Path, where: Path, detours: bool) -> Path:
    """Plan Ningming on ``tree`` once; the pickled arguments of its ``detect_night`` call."""
    path = where / "inputs.pkl"
    _python(tree, INPUTS.format(path=str(path), detours=detours))
    return path


def run(tree: Path, path: Path, warm: int) -> dict[str, float | str | None]:
    """One process: ``detect_night`` cold, then ``warm`` times; seconds and the result's hash."""
    out: dict[str, float | str | None] = json.loads(
        _python(tree, CHILD.format(path=str(path), warm=warm)).strip().splitlines()[-1]
    )
    return out


def _med(rows: list[dict[str, float | str | None]], key: str) -> float | None:
    got = [float(r[key]) for r in rows if isinstance(r[key], float)]
    return statistics.median(got) if got else None


def report(
    runs: dict[str, list[dict[str, float | str | None]]],
    revs: dict[str, str],
    load: str,
    detours: bool,
) -> str:
    """The results section: medians side by side, ratios, every run, the hashes."""
    lines = [
        f"`python benchmarks/plan_odds.py{' --detours' if detours else ''}`: before = {revs['before']}, "
        f"after = {revs['after']}; {len(runs['before'])} runs each, trees alternating; "
        f"load average at the start {load}.",
        "",
        "| detect_night (Ningming" + (", --detours" if detours else "") + ") | before | after "
        "| after/before |",
        "|---|---|---|---|",
    ]
    names = {
        "cold_wall": "first call in the process (as the plan), wall s",
        "cold_cpu": "first call, CPU s",
        "warm_wall": "later calls (median), wall s",
        "warm_cpu": "later calls (median), CPU s",
    }
    for key, name in names.items():
        b, a = _med(runs["before"], key), _med(runs["after"], key)
        if b is None or a is None:
            continue
        lines.append(f"| {name} | {b:.3f} | {a:.3f} | {a / b:.2f} |")
    lines += ["", "Every run, first call wall / CPU s:", ""]
    for side in ("before", "after"):
        cells = ", ".join(f"{r['cold_wall']:.3f}/{r['cold_cpu']:.3f}" for r in runs[side])
        lines.append(f"- {side}: {cells}")
    hashes = {side: {r["hash"] for r in rows} for side, rows in runs.items()}
    same = len(hashes["before"] | hashes["after"]) == 1
    lines += [
        "",
        "Result (odds, units table, guarantees, worst revisits, informed figures, passes): "
        + ("**the same bytes** in every run of both trees" if same else f"DIFFERENT: {hashes}"),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=START, help="the commit to compare with")
    ap.add_argument("--before-tree", type=Path, default=None, help="a folder instead of --before")
    ap.add_argument("--after", default="HEAD", help="the commit measured as 'after'")
    ap.add_argument("--after-tree", type=Path, default=None, help="a folder instead of --after")
    ap.add_argument("--repeat", type=int, default=3, help="runs (processes) per tree")
    ap.add_argument("--warm", type=int, default=3, help="calls after the first, per process")
    ap.add_argument("--detours", action="store_true", help="the odds of plan --detours")
    ap.add_argument("--out", type=Path, default=None, help="write the section here too")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="plan_odds_"))
    trees, revs = {}, {}
    for side in ("before", "after"):
        given = getattr(args, f"{side}_tree")
        rev = getattr(args, side)
        if given is not None:
            trees[side], revs[side] = given.resolve(), str(given)
        else:
            sha = subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "--short", rev],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            trees[side], revs[side] = worktree(sha, Path(f"/tmp/plan_odds_tree_{sha}")), sha
    paths = {}
    for side, tree in trees.items():
        (tmp / side).mkdir()
        paths[side] = inputs(tree, tmp / side, args.detours)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    runs: dict[str, list[dict[str, float | str | None]]] = {"before": [], "after": []}
    for i in range(args.repeat):
        order = ("before", "after") if i % 2 == 0 else ("after", "before")
        for side in order:
            runs[side].append(run(trees[side], paths[side], args.warm))
            print(side, runs[side][-1], file=sys.stderr)
    text = report(runs, revs, load, args.detours)
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
