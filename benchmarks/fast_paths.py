"""Where a user waits: ``borderwatch plan`` and ``borderwatch teams``, before and after, in one run.

Issue #24 item 5: ``plan ningming`` at most 5 s with a warm road cache, ``teams ningming``
at most 20 s. Both commands run as the user runs them (``python -m borderwatch …`` in a
fresh process) on two trees: this one ("after") and a ``git worktree`` of ``--before``
(default: the commit this work started from), alternately, ``--repeat`` times each, after
one warm-up run of each tree (the road cache and its derived tables warm). Printed and
written: the median wall seconds, the median CPU seconds of the process (user + system,
which shared cores disturb less than wall time), their ratios after/before, and whether
the output folders are the same bytes (``diff -r``; ``plan.json`` and the rest hold no
timing field). Then one plan of the after tree is timed step by step in this process
(wall and CPU seconds of each step, by wrapping the step functions).

Usage::

    python benchmarks/fast_paths.py                      # plan and teams, 3 each
    python benchmarks/fast_paths.py --only plan --repeat 5
    python benchmarks/fast_paths.py --before b9fc740 --out benchmarks/results/fast_paths.md
"""

from __future__ import annotations

import argparse
import filecmp
import functools
import importlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
START = "b9fc740"  # the commit the fast-path work started from
NIGHT = "2026-12-06"
COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "plan": lambda out: ["plan", "ningming", "--out", str(out), "--night", NIGHT, "--force"],
    "teams": lambda out: ["teams", "ningming", "--out", str(out), "--force"],
}


def worktree(rev: str, where: Path) -> Path:
    """A detached worktree of ``rev`` at ``where`` (made once, reused)."""
    if not (where / "borderwatch" / "__init__.py").is_file():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), rev],
            check=True,
            capture_output=True,
        )
    return where


def run_cli(tree: Path, args: list[str]) -> tuple[float, float]:
    """Run ``python -m borderwatch args`` on ``tree``; wall and CPU seconds of the process."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "borderwatch", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        raise SystemExit(f"{tree}: borderwatch {' '.join(args)} failed:\n{res.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def differing(a: Path, b: Path) -> list[str]:
    """Files that differ or exist on one side only, recursively (the ``diff -r`` of two folders)."""
    cmp = filecmp.dircmp(a, b)
    out = [f"only in one: {n}" for n in cmp.left_only + cmp.right_only]
    out += [n for n in cmp.common_files if not filecmp.cmp(a / n, b / n, shallow=False)]
    for sub in cmp.common_dirs:
        out += [f"{sub}/{n}" for n in differing(a / sub, b / sub)]
    return sorted(out)


def compare(command: str, trees: dict[str, Path], repeat: int, scratch: Path) -> dict[str, Any]:
    """Alternate before/after runs of ``command``; medians, ratios, same bytes or not."""
    outs = {side: scratch / f"{command}-{side}" for side in trees}
    for side, tree in trees.items():  # warm-up: road cache, derived tables, .pyc files
        run_cli(tree, COMMANDS[command](outs[side]))
    times: dict[str, list[tuple[float, float]]] = {side: [] for side in trees}
    for i in range(repeat):
        for side in trees if i % 2 == 0 else reversed(list(trees)):
            wall, cpu = run_cli(trees[side], COMMANDS[command](outs[side]))
            times[side].append((wall, cpu))
            print(f"  {command} {side}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    med = {
        side: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
        for side, t in times.items()
    }
    return {
        "command": command,
        "runs": times,
        "median": med,
        "diff": differing(outs["before"], outs["after"]),
    }


def _wrap(acc: dict[str, list[float]], module: str, attr: str, label: str, also: tuple) -> None:
    mod = importlib.import_module(module)
    f = getattr(mod, attr)

    @functools.wraps(f)
    def timed(*a: Any, **k: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return f(*a, **k)
        finally:
            row = acc.setdefault(label, [0.0, 0.0])
            row[0] += time.perf_counter() - w
            row[1] += time.process_time() - c

    setattr(mod, attr, timed)
    for other in also:
        m = importlib.import_module(other)
        if getattr(m, attr, None) is f:
            setattr(m, attr, timed)


#: (module, function, label, modules that imported the name) of the plan's steps, in order
STEPS = [
    ("borderwatch.data.load", "load_scenario", "scenario load (road graph from the cache)",
     ("borderwatch.cli.common", "borderwatch", "borderwatch.data")),
    ("borderwatch.data.network", "build_network", "network build",
     ("borderwatch.cli.common", "borderwatch", "borderwatch.data")),
    ("borderwatch.coverage.gaps", "coverage_report", "coverage before + after",
     ("borderwatch.coverage", "borderwatch.jobs.plan")),
    ("borderwatch.plan.required", "choose_required_edges", "required roads",
     ("borderwatch.plan.patrols",)),
    ("borderwatch.routing.bounds", "lower_bound", "basic bound (odd-node matching)",
     ("borderwatch.routing.minmax",)),
    ("borderwatch.routing.minmax", "_giant_tour", "giant-tour start (postman matching)", ()),
    ("borderwatch.routing.minmax", "solve_minmax", "min-max solve (incl. the two above)",
     ("borderwatch.routing.patrol",)),
    ("borderwatch.routing.assignment", "assignment_bound", "assignment bound (25 rounds)",
     ("borderwatch.plan.patrols",)),
    ("borderwatch.plan.night", "night_routes", "night stage", ("borderwatch.plan.patrols",)),
    ("borderwatch.plan.schedule", "schedule_night", "schedule", ("borderwatch.plan.patrols",)),
    ("borderwatch.jobs.plan", "_detection", "detection odds", ()),
    ("borderwatch.coverage", "write_coverage", "writers: coverage files (units.gpkg …)",
     ("borderwatch.jobs.plan",)),
    ("borderwatch.planfiles.export", "write_plan_files", "writers: plan files (GPX, plan.json …)",
     ("borderwatch.jobs.plan",)),
    ("borderwatch.jobs.plan", "render_maps", "writers: map.html", ()),
]  # fmt: skip


def breakdown(tree: Path, out: Path) -> list[tuple[str, float, float]]:
    """One plan of ``tree`` in a child process, timed step by step (wall, CPU)."""
    code = f"""
import json, sys, time
w0, c0 = time.perf_counter(), time.process_time()
from datetime import date
from borderwatch.cli.common import load_network
from borderwatch.jobs import run_plan
sys.path.insert(0, {str(HERE)!r})
import fast_paths
rows = [("imports", time.perf_counter() - w0, time.process_time() - c0)]
acc = {{}}
for m, a, label, also in fast_paths.STEPS:
    fast_paths._wrap(acc, m, a, label, also)
w, c = time.perf_counter(), time.process_time()
net = load_network("ningming", None)
run_plan(net, {str(out)!r}, night=date(2026, 12, 6))
rows += [(k, v[0], v[1]) for k, v in acc.items()]
rows.append(("whole run (this process)", time.perf_counter() - w0, time.process_time() - c0))
print(json.dumps(rows))
"""
    env = dict(os.environ, PYTHONPATH=str(tree))
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True
    )
    if res.returncode != 0:
        raise SystemExit(res.stderr[-3000:])
    import json

    return [tuple(r) for r in json.loads(res.stdout.strip().splitlines()[-1])]


def report(results: list[dict[str, Any]], steps: dict[str, list], before: str, load: str) -> str:
    """The results file: the side-by-side table, the differences and the step breakdown."""
    lines = [
        "# Where users wait: `plan ningming` and `teams ningming`, before and after (issue #24.5)",
        "",
        f"`python benchmarks/fast_paths.py` (before: worktree of `{before}`; after: this tree),",
        "each command as a fresh `python -m borderwatch` process, warm road cache, one warm-up",
        f"run per tree, then alternately; medians. Load average at the start: {load}",
        "(2 cores shared by several engineers: the CPU seconds are the steadier figure).",
        "",
        "| command | before wall s | after wall s | wall ratio | before CPU s | after CPU s "
        "| CPU ratio | outputs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        (bw, bc), (aw, ac) = r["median"]["before"], r["median"]["after"]
        same = "byte-identical" if not r["diff"] else "differ: " + ", ".join(r["diff"])
        lines.append(
            f"| {r['command']} ningming | {bw:.1f} | {aw:.1f} | {aw / bw:.2f} | {bc:.1f} "
            f"| {ac:.1f} | {ac / bc:.2f} | {same} |"
        )
    lines += ["", "Every run (wall s / CPU s):", ""]
    for r in results:
        for side in ("before", "after"):
            runs = ", ".join(f"{w:.1f}/{c:.1f}" for w, c in r["runs"][side])
            lines.append(f"- {r['command']} {side}: {runs}")
    if steps:
        lines += [
            "",
            "## `plan ningming` step by step (one run in-process; wall s / CPU s)",
            "",
            "| step | " + " | ".join(steps) + " |",
            "|---|" + "---|" * len(steps),
        ]
        labels = [label for label, _, _ in next(iter(steps.values()))]
        for label in labels:
            cells = []
            for rows in steps.values():
                got = {lab: (w, c) for lab, w, c in rows}
                cells.append("{:.2f} / {:.2f}".format(*got[label]) if label in got else "-")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=START, help="the commit to compare with")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=sorted(COMMANDS), default=None)
    ap.add_argument("--no-steps", action="store_true", help="skip the step breakdown")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "fast_paths.md")
    args = ap.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    scratch = Path(tempfile.mkdtemp(prefix="bw-fast-"))
    try:
        trees = {"before": worktree(args.before, scratch / "before"), "after": ROOT}
        results = []
        for command in [args.only] if args.only else list(COMMANDS):
            print(f"{command}:", flush=True)
            results.append(compare(command, trees, args.repeat, scratch))
        steps: dict[str, list] = {}
        if not args.no_steps and args.only in (None, "plan"):
            for side, tree in trees.items():
                steps[side] = breakdown(tree, scratch / f"steps-{side}")
        text = report(results, steps, args.before, load)
        print(text)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(scratch / "before")],
            capture_output=True,
        )
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
