"""``plan ningming`` with a warm road cache, phase by phase, before and after (issue #24.5).

Two trees: ``before`` (a ``git worktree`` of the session start, default ``2f637e5``) and
``after`` (a worktree of ``--after``, default ``HEAD``: committed work only, without the
uncommitted edits of other engineers in the shared tree; ``--after-tree .`` takes a folder
as it is). Each run is a fresh Python process that imports borderwatch, loads Ningming
and runs :func:`borderwatch.jobs.run_plan` into a folder, as ``borderwatch plan ningming
--night 2026-12-06`` does, with the plan's steps wrapped to time them (wall and CPU seconds
of this process). The process's own CPU and its children's (the after tree's bound runs in
a forked child) are read with ``getrusage``. One warm-up run per tree, then ``--repeat``
runs each, alternately (before, after, after, before, ...); medians. The two output
folders are compared byte for byte, and the printed figures (longest loop, bound, gap) are
read from ``plan.json``.

Usage::

    python benchmarks/plan_ningming.py                       # 3 runs each
    python benchmarks/plan_ningming.py --repeat 5 --out /tmp/plan_ningming.md
    # this work alone: HEAD with and without its commits, as two folders
    python benchmarks/plan_ningming.py --before-tree /tmp/wt_without --after-tree /tmp/wt_head
    # the bound's forked process in every run, whatever the load (its CPU in "children")
    python benchmarks/plan_ningming.py --fork always

The report's "bound" row is the bound's own step in a tree that computes it after the
search, and the wait for its process in a tree that runs it beside the search.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from fast_paths import differing, worktree  # noqa: E402

START = "2f637e5"  # the session start (issue #24.5 work of the sixth session)
WALL = "process wall (incl. interpreter start)"
KIDS = "children CPU (the bound's process; since ac0ee67 also the files' process)"

#: the steps timed inside the run: (module, function, label, modules that imported the name)
STEPS = [
    ("borderwatch.data.load", "load_scenario", "scenario load (road cache)",
     ("borderwatch.cli.common", "borderwatch", "borderwatch.data")),
    ("borderwatch.data.network", "build_network", "network build",
     ("borderwatch.cli.common", "borderwatch", "borderwatch.data")),
    ("borderwatch.coverage.gaps", "coverage_report", "coverage before + after",
     ("borderwatch.coverage", "borderwatch.jobs.plan")),
    ("borderwatch.plan.required", "choose_required_edges", "required roads",
     ("borderwatch.plan.patrols",)),
    ("borderwatch.routing.population", "prepare_search",
     "search setup (model, giant tour, basic bound)",
     ("borderwatch.plan.patrols",)),
    # inside the search setup's row: the wait for the bound's process to hand over the
    # basic bound's matchings (none since 8e02607 where the round trip decides)
    ("borderwatch.plan.patrols", "BoundBeside.share_setup",
     "  of which waiting for the bound's matchings (share_setup)", ()),
    ("borderwatch.routing.patrol", "route_teams", "search (min-max, incl. its setup)",
     ("borderwatch.plan.patrols",)),
    ("borderwatch.plan.night", "night_routes", "night stage", ("borderwatch.plan.patrols",)),
    ("borderwatch.plan.schedule", "schedule_night", "schedule", ("borderwatch.plan.patrols",)),
    ("borderwatch.jobs.plan", "_detection", "detection odds", ()),
    ("borderwatch.coverage", "write_coverage", "writers: coverage files",
     ("borderwatch.jobs.plan",)),
    ("borderwatch.planfiles.export", "write_plan_files", "writers: plan files (GPX, json)",
     ("borderwatch.jobs.plan",)),
    ("borderwatch.jobs.plan", "render_maps", "writers: map.html", ()),
    # since ac0ee67 the tracks and map.html come from a forked process (jobs.beside): the
    # plan files row holds plan.json and report.txt only, these rows the rest
    ("borderwatch.jobs.plan", "_plan_folder",
     "after the plan: coverage after, odds, coverage + plan files", ()),
    # since 6f047e5 the coverage after and the odds run while the bound's process ends
    # (PlanDraft), plan.json once it is in: the two rows below hold those parts
    ("borderwatch.jobs.plan", "_after_plan",
     "after the plan: coverage after, odds, coverage files (bound still beside)", ()),
    ("borderwatch.plan.patrols", "PlanDraft.finish",
     "bound: waited for after the odds (PlanDraft.finish)", ()),
    ("borderwatch.jobs.beside", "FilesBeside.finish",
     "waiting for the tracks + map (its process, or written here)", ()),
]  # fmt: skip

CHILD = """
import importlib, json, resource, sys, time
w0, c0 = time.perf_counter(), time.process_time()
from datetime import date
from borderwatch.cli.common import load_network
from borderwatch.jobs import run_plan
sys.path.insert(0, {here!r})
import fast_paths, plan_ningming
rows = [("imports", time.perf_counter() - w0, time.process_time() - c0)]
acc = {{}}
for m, a, label, also in plan_ningming.STEPS:
    try:
        mod = importlib.import_module(m)
    except ImportError:  # a module a tree has not got: no row
        continue
    if "." in a:  # a method: Class.name
        cls, name = a.split(".")
        if hasattr(getattr(mod, cls, None), name):
            plan_ningming.wrap_method(acc, getattr(mod, cls), name, label)
    elif hasattr(mod, a):  # a step a tree has not got: no row
        fast_paths._wrap(acc, m, a, label, also)
if {fork!r} != "auto":  # the bound's process forced on or off, whatever the load
    import borderwatch.plan.patrols as _patrols
    _patrols._spare_core = lambda: {fork!r} == "always"
net = load_network("ningming", None)
plan, _ = run_plan(net, {out!r}, night=date(2026, 12, 6))
rows += [(k, v[0], v[1]) for k, v in acc.items()]
# the bound: in the before tree a step of its own (wall = CPU here); in the after tree the
# wait for its process (the process's CPU is in "children")
rows.append(("bound (before: computed; after: waited for)", plan.seconds.get("bound", 0.0), None))
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
rows.append(("whole run", time.perf_counter() - w0, time.process_time() - c0))
rows.append(({kids!r}, None, kids.ru_utime + kids.ru_stime))
rows.append(("_end_epoch", time.time(), None))  # the exit row: from here to the process's end
print(json.dumps(rows))
"""
EXIT = "exit (the run's end to the process's end: the interpreter's teardown)"


def wrap_method(acc: dict[str, list[float]], cls: type, name: str, label: str) -> None:
    """Time ``cls.name`` into ``acc[label]`` (wall, CPU), as ``fast_paths._wrap`` a function."""
    f = getattr(cls, name)

    def timed(*a: object, **k: object) -> object:
        w, c = time.perf_counter(), time.process_time()
        try:
            return f(*a, **k)
        finally:
            row = acc.setdefault(label, [0.0, 0.0])
            row[0] += time.perf_counter() - w
            row[1] += time.process_time() - c

    setattr(cls, name, timed)


def run(tree: Path, out: Path, fork: str = "auto") -> dict[str, tuple[float | None, float | None]]:
    """One plan in a fresh process on ``tree``; its steps' (wall, CPU) seconds.

    ``fork``: ``"auto"`` (the plan's own rule: a process for the bound when the load
    leaves a core idle), ``"always"`` or ``"never"`` (``plan.patrols._spare_core`` replaced).
    """
    env = dict(os.environ, PYTHONPATH=str(tree))
    code = CHILD.format(here=str(HERE), out=str(out), kids=KIDS, fork=fork)
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True
    )
    wall, ended = time.perf_counter() - t0, time.time()
    if res.returncode != 0:
        raise SystemExit(f"{tree}: {res.stderr[-3000:]}")
    rows = {label: (w, c) for label, w, c in json.loads(res.stdout.strip().splitlines()[-1])}
    end = rows.pop("_end_epoch", None)
    if end is not None and end[0] is not None:
        rows[EXIT] = (ended - end[0], None)
    rows[WALL] = (wall, None)
    return rows


def figures(out: Path) -> str:
    """Longest loop, min-max loop, bound and printed gap of a plan folder (``plan.json``)."""
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    keys = ("max_loop_min", "minmax_loop_min", "bound_min", "gap_pct")
    return ", ".join(f"{k} {doc.get(k)}" for k in keys)


def _cpu(rows: dict[str, tuple[float | None, float | None]]) -> float:
    """CPU seconds of a run: the process and its children."""
    return (rows["whole run"][1] or 0.0) + (rows[KIDS][1] or 0.0)


def _cell(values: list[float | None]) -> str:
    got = [v for v in values if v is not None]
    return f"{statistics.median(got):.2f}" if got else "-"


def report(
    runs: dict[str, list[dict[str, tuple[float | None, float | None]]]],
    revs: dict[str, str],
    diff: list[str],
    figs: dict[str, str],
    load: str,
    fork: str = "auto",
) -> str:
    """The results file: per-phase medians side by side, totals, ratios, outputs."""
    labels: list[str] = []
    for side_runs in runs.values():
        for r in side_runs:
            labels += [k for k in r if k not in labels]
    med = {
        side: {
            lab: (
                [r.get(lab, (None, None))[0] for r in rs],
                [r.get(lab, (None, None))[1] for r in rs],
            )
            for lab in labels
        }
        for side, rs in runs.items()
    }
    lines = [
        "# `plan ningming` with a warm road cache, before and after (issue #24.5)",
        "",
        f"`python benchmarks/plan_ningming.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())};"
        f" before: worktree of `{revs['before']}`, after: `{revs['after']}`; "
        f"{len(runs['before'])} runs each, alternately, after one warm-up run per tree; medians; "
        f"the bound's process: {fork}. "
        f"Load average at the start: {load} (2 cores shared by several engineers).",
        "",
        "| phase | before wall s | after wall s | before CPU s | after CPU s |",
        "|---|---|---|---|---|",
    ]
    for lab in labels:
        bw, bc = med["before"][lab]
        aw, ac = med["after"][lab]
        lines.append(f"| {lab} | {_cell(bw)} | {_cell(aw)} | {_cell(bc)} | {_cell(ac)} |")

    def total(side: str) -> tuple[float, float]:
        rs = runs[side]
        wall = statistics.median(r[WALL][0] or 0 for r in rs)
        cpu = statistics.median(_cpu(r) for r in rs)
        return wall, cpu

    (bw, bc), (aw, ac) = total("before"), total("after")
    lines += [
        "",
        "| total | before | after | ratio after/before |",
        "|---|---|---|---|",
        f"| wall s (process) | {bw:.2f} | {aw:.2f} | {aw / bw:.2f} |",
        f"| CPU s (process + children) | {bc:.2f} | {ac:.2f} | {ac / bc:.2f} |",
        "",
        "Every run, process wall s / CPU s (process + children):",
        "",
    ]
    for side, rs in runs.items():
        cells = ", ".join(f"{r[WALL][0]:.1f}/{_cpu(r):.1f}" for r in rs)
        lines.append(f"- {side}: {cells}")
    same = "byte-identical" if not diff else "differ: " + ", ".join(diff)
    lines += [
        "",
        f"Output folders: {same}.",
        "",
        f"- before: {figs['before']}",
        f"- after: {figs['after']}",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=START, help="the commit to compare with")
    ap.add_argument("--before-tree", type=Path, default=None, help="a folder instead of --before")
    ap.add_argument("--after", default="HEAD", help="the commit measured as 'after'")
    ap.add_argument("--after-tree", type=Path, default=None, help="a folder instead of --after")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--fork",
        choices=("auto", "always", "never"),
        default="auto",
        help="the bound's process: the plan's load rule (auto), or forced on or off",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results" / "plan_ningming.md")
    args = ap.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    scratch = Path(tempfile.mkdtemp(prefix="bw-plan-ningming-"))
    made: list[Path] = []
    try:
        if args.before_tree is not None:
            before, args.before = args.before_tree.resolve(), f"the folder {args.before_tree}"
        else:
            before = worktree(args.before, scratch / "before")
            made.append(before)
        if args.after_tree is not None:
            after, after_rev = args.after_tree.resolve(), f"the folder {args.after_tree}"
        else:
            after = worktree(args.after, scratch / "after")
            made.append(after)
            after_rev = subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "--short", args.after],
                capture_output=True, text=True, check=True,
            ).stdout.strip()  # fmt: skip
        trees = {"before": before, "after": after}
        outs = {side: scratch / f"out-{side}" for side in trees}
        for side, tree in trees.items():  # warm-up: road cache, derived tables, .pyc files
            run(tree, outs[side], args.fork)
        runs: dict[str, list] = {side: [] for side in trees}
        for i in range(args.repeat):
            for side in trees if i % 2 == 0 else reversed(list(trees)):
                rows = run(trees[side], outs[side], args.fork)
                runs[side].append(rows)
                print(f"  {side}: {rows[WALL][0]:.1f} s wall, {_cpu(rows):.1f} s CPU", flush=True)
        text = report(
            runs,
            {"before": args.before, "after": after_rev},
            differing(outs["before"], outs["after"]),
            {side: figures(outs[side]) for side in trees},
            load,
            args.fork,
        )
        print(text)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    finally:
        for tree in made:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                capture_output=True,
            )


if __name__ == "__main__":
    main()
