"""The night stage and the schedule of ``plan ningming``, before and after, in one run (#24.5).

``night_routes`` ("giving every team its loop") and ``schedule_night`` (+ ``place_loops``)
run on the main process's path right after the search. Their inputs (the night's network,
the routing instance, the min-max result, the risk weights) are captured once, by one
``plan_patrols`` run of the *before* tree (``borderwatch plan ningming --night 2026-12-07``'s
network; also with ``loops = "circuit"``), and pickled; then fresh processes of the two trees
(``PYTHONPATH``: a ``git worktree`` of ``--before``, default the session start 3458e6e, and
this tree or ``--after``) load them alternately (before, after, after, before, ...) and time
the two stages ``--inner`` times each (CPU seconds of the process, ``time.process_time``;
the minimum of a process, then the median over processes; and the first run of each
process, the one a plan makes, with its first-call costs). A tree whose ``night_routes``
takes ``passes=`` gets one :class:`~borderwatch.plan.schedule.LoopPasses` for both stages, as
``plan_patrols`` hands it over. Each process prints a digest of what the stages return (the
routes, the take-over result without its clock fields, the schedule's teams, phases, worst revisit
and timeline, the placed loops, the revisit table): the two trees must agree. The
``revisits`` row times the coverage of the placed loops (``PatrolTimeline.from_walks`` and
``revisits``, as ``finish_plan`` computes the coverage after the plan); "both" is the night
stage and the schedule.

Usage::

    nice -n 10 python benchmarks/night_stage.py                  # 3 processes per tree
    nice -n 10 python benchmarks/night_stage.py --repeat 5 --out benchmarks/results/night_stage.md
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import inspect
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from fast_paths import differing, run_cli, worktree  # noqa: E402

START = "3458e6e"  # the eleventh session's start
NIGHT = "2026-12-07"
CASES = {"ningming": "base", "ningming circuit": "circuit"}


def capture(rule: str, path: Path) -> None:
    """Pickle the night stage's inputs of one ``plan_patrols`` run of Ningming (this process)."""
    import datetime

    import borderwatch.plan.patrols as patrols
    from borderwatch import build_network, load_scenario

    net = patrols.night_network(
        build_network(load_scenario("ningming")), night=datetime.date.fromisoformat(NIGHT)
    )
    if rule != net.config.loops:
        net = net.with_config(net.config.replace(loops=rule))
    got: dict[str, Any] = {}
    plain = patrols.night_routes

    def keep(network: Any, instance: Any, result: Any, **kw: Any) -> Any:
        got.update(network=network, instance=instance, result=result, weights=kw.get("weights"))
        return plain(network, instance, result, **kw)

    patrols.night_routes = keep  # type: ignore[assignment]
    patrols.plan_patrols(net)
    with path.open("wb") as fh:
        pickle.dump(got, fh)


def measure(path: Path, inner: int) -> dict[str, Any]:
    """Time night_routes and schedule_night (+ place_loops) on the pickled inputs (this tree)."""
    import pandas as pd

    from borderwatch.coverage.revisit import revisits
    from borderwatch.coverage.timeline import PatrolTimeline
    from borderwatch.plan import night, schedule

    with path.open("rb") as fh:
        got = pickle.load(fh)
    net, inst, res, w = got["network"], got["instance"], got["result"], got["weights"]
    shared = "passes" in inspect.signature(night.night_routes).parameters
    t_night, t_sched, t_rev = [], [], []
    for _ in range(inner):
        kw: dict[str, Any] = {"weights": w}
        if shared:
            kw["passes"] = schedule.LoopPasses(net)  # type: ignore[attr-defined]
        c = time.process_time()
        routes, balanced = night.night_routes(net, inst, res, **kw)
        t_night.append(time.process_time() - c)
        c = time.process_time()
        sched = schedule.schedule_night(net, routes, **kw)
        placed = night.place_loops(net, inst, routes, sched)
        t_sched.append(time.process_time() - c)
        # the coverage of the placed loops, as finish_plan computes it ("coverage after")
        walks = {r.team: list(r.steps) for r in placed if r.on_patrol}
        c = time.process_time()
        table = revisits(
            net, PatrolTimeline.from_walks(net, walks, window_min=sched.timeline.window_min)
        )
        t_rev.append(time.process_time() - c)
    h = hashlib.sha256()
    for part in (
        routes,
        dataclasses.replace(balanced, seconds=0.0, search_s=0.0),  # no clock in the digest
        (sched.teams, sched.loop_min, sched.phase_min, sched.worst_revisit_min),
        placed,
    ):
        h.update(repr(part).encode())
    h.update(pd.util.hash_pandas_object(sched.timeline.traversals).to_numpy().tobytes())
    h.update(pd.util.hash_pandas_object(table).to_numpy().tobytes())
    h.update(repr(table.dtypes.to_dict()).encode())
    return {
        "night": min(t_night),
        "schedule": min(t_sched),
        "revisits": min(t_rev),
        "night_first": t_night[0],
        "schedule_first": t_sched[0],
        "revisits_first": t_rev[0],
        "digest": h.hexdigest()[:16],
    }


def child(tree: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(tree))
    res = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise SystemExit(f"{tree} {args}: exit {res.returncode}\n{res.stderr[-2000:]}")
    out = res.stdout.strip().splitlines()
    return out[-1] if out else ""


def replan_rows(trees: dict[str, Path], repeat: int, scratch: Path) -> list[str]:
    """``borderwatch replan A --at 02:10 --drop T05`` of one plan folder, trees alternating."""
    plan = scratch / "A"
    run_cli(trees["before"], ["plan", "ningming", "--night", NIGHT, "--out", str(plan)])
    cpu: dict[str, list[float]] = {side: [] for side in trees}
    outs = {side: scratch / f"R-{side}" for side in trees}
    for i in range(repeat):
        for side in trees if i % 2 == 0 else reversed(list(trees)):
            args = ["replan", str(plan), "--at", "02:10", "--drop", "T05", "--out", str(outs[side])]
            _wall, c = run_cli(trees[side], [*args, "--force"] if outs[side].exists() else args)
            cpu[side].append(c)
            print(f"  replan {side}: {c:.2f} s CPU", flush=True)
    b, f = (statistics.median(cpu[side]) for side in ("before", "after"))
    diff = differing(outs["before"], outs["after"])
    return [
        "| command | before CPU s | after CPU s | after/before |",
        "|---|---|---|---|",
        f"| replan A --at 02:10 --drop T05 (whole process) | {b:.2f} | {f:.2f} | {f / b:.2f} |",
        "",
        f"re-plan folders byte-identical: {not diff}" + (f" (differ: {diff})" if diff else ""),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=START, help="commit of the before tree")
    ap.add_argument("--after", default=None, help="commit of the after tree (default: this tree)")
    ap.add_argument("--repeat", type=int, default=3, help="processes per tree and case")
    ap.add_argument("--inner", type=int, default=3, help="timed runs per process (minimum kept)")
    ap.add_argument("--out", type=Path, default=None, help="write the table here (markdown)")
    ap.add_argument(
        "--replan",
        action="store_true",
        help="also `replan A --at 02:10 --drop T05` as users run it, both trees (CPU of the process)",
    )
    ap.add_argument("--capture", nargs=2, metavar=("RULE", "PICKLE"), help=argparse.SUPPRESS)
    ap.add_argument("--measure", nargs=2, metavar=("PICKLE", "INNER"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.capture:
        capture(a.capture[0], Path(a.capture[1]))
        return
    if a.measure:
        print(json.dumps(measure(Path(a.measure[0]), int(a.measure[1]))))
        return
    scratch = Path(tempfile.mkdtemp(prefix="night_stage-"))
    trees = {
        "before": worktree(a.before, Path(tempfile.gettempdir()) / f"night_stage-{a.before}"),
        "after": ROOT
        if a.after is None
        else worktree(a.after, Path(tempfile.gettempdir()) / f"night_stage-{a.after}"),
    }
    lines = [
        f"before {a.before} ({trees['before']}), after {a.after or 'this tree'} "
        f"({trees['after']}); {a.repeat} processes per tree and case, alternating, "
        f"each the minimum of {a.inner} runs; median over processes, CPU s",
        "",
        "| case | stage | before | after | after/before |"
        " first run: before | after | after/before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    same = True
    for case, rule in CASES.items():
        pkl = scratch / f"{rule}.pkl"
        child(trees["before"], "--capture", rule, str(pkl))
        got: dict[str, list[dict[str, Any]]] = {side: [] for side in trees}
        for i in range(a.repeat):
            for side in trees if i % 2 == 0 else reversed(list(trees)):
                r = json.loads(child(trees[side], "--measure", str(pkl), str(a.inner)))
                got[side].append(r)
                print(
                    f"  {case} {side}: night {r['night']:.3f} s (first {r['night_first']:.3f}), "
                    f"schedule {r['schedule']:.3f} s (first {r['schedule_first']:.3f}), "
                    f"digest {r['digest']}",
                    flush=True,
                )
        digests = {r["digest"] for side in got for r in got[side]}
        same &= len(digests) == 1
        for stage in ("night", "schedule", "both", "revisits"):
            row = f"| {case} | {stage} |"
            for suffix in ("", "_first"):
                b, f = (
                    statistics.median(
                        r["night" + suffix] + r["schedule" + suffix]
                        if stage == "both"
                        else r[stage + suffix]
                        for r in got[side]
                    )
                    for side in ("before", "after")
                )
                row += f" {b:.3f} | {f:.3f} | {f / b:.2f} |"
            lines.append(row)
    lines += ["", f"same results (digests of every process equal, per case): {same}"]
    if a.replan:
        lines += ["", *replan_rows(trees, a.repeat, scratch)]
    text = "\n".join(lines)
    print(text)
    if a.out:
        a.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
