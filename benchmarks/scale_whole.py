"""Benchmark (issue #12): the whole plan at 500, 1,000 and 2,000 km, before and after, one run.

Every (tree, border) pair is planned in its own child process, one after the other, so
that its peak memory (``ru_maxrss``) is its own; all children of one invocation run on the
same machine under the same load, and the ratios (2,000 km against 500 km, after against
before) come from that one invocation. A child builds ``generate_scenario(km, seed=7)``,
``build_network`` and runs ``plan_patrols(time_limit_s=20, seed=0)``; it reports the
seconds per step, the min-max search's iterations and seconds (timed around the search
loop itself, the same way in both trees), the peak memory, the longest loop, the worst
revisit, the teams on patrol, the bound and the gap.

``--before DIR`` names a source tree of the baseline (``git worktree add DIR <commit>``, or
``git archive <commit> borderwatch | tar -x -C DIR``): its children run with
``PYTHONPATH=DIR``, the current tree's with ``PYTHONPATH`` set to this file's tree. Beside
the wall seconds, each row has the plan's CPU seconds (user + system of the child), which
move less with the load of a shared machine. The plan may fork helper processes (the
key tables, the bound beside the night stage, when a core is spare): "children CPU s" is
their CPU, "tree PSS MB" the largest proportional set size of the child and its helpers
together, sampled every 0.25 s from ``/proc`` (shared pages counted once, unlike a sum of
peak RSS; Linux only, else 0).

Usage::

    python benchmarks/scale_whole.py --sizes 500,1000,2000 --before /tmp/base_tree \\
        --out benchmarks/results/scale_whole.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from borderwatch.config import SearchParams

STEPS = ("required", "routing", "bound", "night", "schedule")


def child(km: float, time_limit: float, spare_core: bool = False) -> dict[str, Any]:
    """Plan one generated border in this process and return its figures.

    ``spare_core``: the plan acts as on an idle machine (its helper processes fork
    whatever the load average says), to show where its CPU goes when they do.
    """
    import resource

    import borderwatch
    import borderwatch.plan.patrols as patrols

    if spare_core:
        patrols._spare_core = lambda: True  # type: ignore[attr-defined]
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.plan.patrols import plan_patrols
    from borderwatch.routing import minmax

    search = {"s": 0.0, "iterations": 0}
    run = minmax._Search.run

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        out = run(self, *args, **kwargs)
        search["s"] += time.perf_counter() - t
        search["iterations"] += out[1]
        return out

    minmax._Search.run = timed  # type: ignore[method-assign]
    t = time.perf_counter()
    net = build_network(generate_scenario(km, seed=7))
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    cpu = _cpu_s()
    child_cpu = _cpu_s(resource.RUSAGE_CHILDREN)
    plan = plan_patrols(net, search=SearchParams(time_limit_s=time_limit, seed=0))
    plan_s = time.perf_counter() - t
    plan_cpu_s = _cpu_s() - cpu
    on = sum(1 for r in plan.routes if r.on_patrol)
    return {
        "km": km,
        "tree": str(Path(borderwatch.__file__).parent.parent),
        "roads": len(net.edges),
        "teams": len(net.teams),
        "build_s": build_s,
        "plan_s": plan_s,
        "plan_cpu_s": plan_cpu_s,
        "steps": {k: float(plan.seconds.get(k, 0.0)) for k in STEPS},
        "iterations": search["iterations"],
        "search_s": search["s"],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_cpu_s": _cpu_s(resource.RUSAGE_CHILDREN) - child_cpu,
        "max_loop_min": plan.max_loop_min,
        "minmax_loop_min": plan.minmax_loop_min,
        "worst_revisit_min": plan.objective.worst_revisit_min,
        "mean_revisit_min": plan.objective.mean_revisit_min,
        "bound_min": plan.bound_min,
        "gap_pct": plan.gap_pct,
        "on_patrol": on,
    }


def _cpu_s(who: int | None = None) -> float:
    """CPU seconds so far (user + system) of this process, or of ``who``
    (``resource.RUSAGE_CHILDREN``: its ended children): less load-dependent than wall."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF if who is None else who)
    return float(ru.ru_utime + ru.ru_stime)


def _tree_pss_mb(pid: int) -> float:
    """Proportional set size (MB) of ``pid`` and its descendants, from ``/proc`` (0 elsewhere)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with Path(f"/proc/{p}/smaps_rollup").open() as f:
                total += next(int(x.split()[1]) for x in f if x.startswith("Pss:"))
            with Path(f"/proc/{p}/task/{p}/children").open() as f:
                todo += [int(x) for x in f.read().split()]
        except (OSError, ValueError, StopIteration):
            continue
    return total / 1024


def _run(
    km: float, time_limit: float, tree: str | None, spare_core: bool = False
) -> dict[str, Any]:
    env = dict(os.environ)
    # the current tree by path too: the children run from "/", where an editable install
    # that relies on the working directory would not find the package
    tree = tree or str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = tree + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, __file__, "--child", str(km), "--time-limit", str(time_limit)]
    cmd += ["--spare-core"] if spare_core else []
    pss = 0.0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True, cwd="/")
        while proc.poll() is None:
            pss = max(pss, _tree_pss_mb(proc.pid))
            time.sleep(0.25)
        out.seek(0)
        err.seek(0)
        lines = [x for x in out.read().splitlines() if x.startswith("{")]
        if proc.returncode or not lines:
            raise SystemExit(f"child {km} km ({tree or 'current'}) failed:\n{err.read()[-3000:]}")
    row: dict[str, Any] = json.loads(lines[-1])
    row["tree_pss_mb"] = pss
    return row


def _line(label: str, r: dict[str, Any]) -> str:
    st = r["steps"]
    return (
        f"| {r['km']:,.0f} km | {label} | {r['roads']:,} / {r['teams']} | {r['plan_s']:.1f} | "
        f"{r.get('plan_cpu_s', float('nan')):.1f} | {r.get('children_cpu_s', 0.0):.1f} | "
        + " | ".join(f"{st[k]:.1f}" for k in STEPS)
        + f" | {r['iterations']:,} | {r['search_s']:.1f} | {r['peak_mb']:,.0f} | "
        f"{r.get('tree_pss_mb', 0.0):,.0f} | "
        f"{r['worst_revisit_min']:.1f} | {r['on_patrol']}/{r['teams']} | {r['bound_min']:.1f} | "
        f"{r['gap_pct']:.1f} % |"
    )


def markdown(rows: list[tuple[str, dict[str, Any]]], args: argparse.Namespace) -> str:
    """The results table and the ratios of the run."""
    head = (
        "| border | tree | roads / teams | plan s | plan CPU s | children CPU s | "
        + " | ".join(f"{k} s" for k in STEPS)
        + " | search iterations | search s | peak MB | tree PSS MB | worst revisit min | "
        "teams on patrol | "
        "bound min | gap |"
    )
    out = [
        "# Whole plan at scale, before and after (issues #12, #24)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average (1 min) "
        + ", ".join(f"{x:.1f}" for x in args.loads)
        + " (before each row, then at the end).",
        "",
        f"`python benchmarks/scale_whole.py --sizes {args.sizes} --time-limit {args.time_limit:g}"
        + (" --before <tree of the baseline>" if args.before else "")
        + (" --after <tree measured>" if args.after else "")
        + "".join(f" --tree {t.split('=', 1)[0]}=<tree>" for t in args.tree)
        + (" --spare-core" if args.spare_core else "")
        + "`: generate_scenario(km, seed=7), build_network, plan_patrols(time_limit_s="
        f"{args.time_limit:g}, seed=0); each row its own child process, all in one run, one "
        "after the other (peak MB = that process's ru_maxrss, network build included; plan s "
        "without the build). Search seconds are timed around the search loop itself.",
        "",
        head,
        "|" + "---|" * (head.count("|") - 1),
        *[_line(label, r) for label, r in rows],
        "",
    ]
    for label in dict.fromkeys(lab for lab, _ in rows):
        by = {r["km"]: r for lab, r in rows if lab == label}
        if 500.0 in by and 2000.0 in by:
            ratio = by[2000.0]["plan_s"] / by[500.0]["plan_s"]
            out.append(f"- {label}: 2,000 km plan / 500 km plan = {ratio:.2f}x (issue: <= 6x)")
    before = {r["km"]: r for lab, r in rows if lab == "before"}
    for lab, r in rows:
        if lab == "after" and r["km"] in before:
            b = before[r["km"]]
            out.append(
                f"- {r['km']:,.0f} km after / before: plan {r['plan_s'] / b['plan_s']:.2f}x "
                f"(CPU {r['plan_cpu_s'] / b['plan_cpu_s']:.2f}x), "
                f"peak memory {r['peak_mb'] / b['peak_mb']:.2f}x, worst revisit "
                f"{r['worst_revisit_min']:.1f} vs {b['worst_revisit_min']:.1f} min"
            )
    return "\n".join(out) + "\n"


def main() -> None:
    """Run the children and print (and write) the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,1000,2000", help="border lengths in km")
    ap.add_argument("--time-limit", type=float, default=20.0, help="search seconds")
    ap.add_argument("--before", default=None, help="source tree of the baseline")
    ap.add_argument("--after", default=None, help="source tree measured (default: this one)")
    ap.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="LABEL=DIR",
        help="a further tree, measured between before and after (repeatable)",
    )
    ap.add_argument("--out", type=Path, default=None, help="markdown results file")
    ap.add_argument(
        "--spare-core",
        action="store_true",
        help="plan as on an idle machine: helper processes fork whatever the load",
    )
    ap.add_argument("--child", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.time_limit, args.spare_core)), flush=True)
        return
    rows: list[tuple[str, dict[str, Any]]] = []
    extra = [tuple(x.split("=", 1)) for x in args.tree]
    trees = ([("before", args.before)] if args.before else []) + extra + [("after", args.after)]
    args.loads = []
    for km in [float(x) for x in args.sizes.split(",")]:
        for label, tree in trees:
            args.loads.append(os.getloadavg()[0])
            t = time.perf_counter()
            row = _run(km, args.time_limit, tree, args.spare_core)
            rows.append((label, row))
            print(_line(label, row), f"({time.perf_counter() - t:.0f} s wall)", flush=True)
    args.loads.append(os.getloadavg()[0])
    text = markdown(rows, args)
    print(text)
    if args.out:
        from borderwatch.atomic import write_text

        write_text(args.out, text)


if __name__ == "__main__":
    main()
