"""Who waits for whom after ``plan ningming``'s plan: the odds, the map's request, its render.

Each run is a fresh process on a tree (``PYTHONPATH``) that runs
:func:`borderwatch.jobs.run_plan` on Ningming (``--night 2026-12-07``, both forks forced, as
``plan_ningming.py --fork always``) with stamps (wall clock, both processes) at the start and
end of the odds (``jobs.plan._detection``), the tracks (in the files' process), the map's
request (``FilesBeside.render_map``), its render (in the files' process), the wait for it
(``FilesBeside.finish``) and the run's end. Printed relative to the odds' start: when the
render starts after the request, the files' process was still busy (its branch decides);
when at once, it was waiting for this one. Trees alternate.

Usage::

    python benchmarks/plan_after_stamps.py TREE_BEFORE TREE_AFTER [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, os, sys, tempfile, time
from datetime import date
def stamp(what):
    with open({path!r}, "a") as f:
        f.write(json.dumps([what, time.time(), os.getpid()]) + "\\n")
import borderwatch.plan.patrols as P
P._spare_core = lambda: True
import borderwatch.planfiles.export as E
import borderwatch.jobs.maps as M
import borderwatch.jobs.beside as B
import borderwatch.jobs.plan as J
def wrap(mod, name, label):
    f = getattr(mod, name)
    def g(*a, **k):
        stamp(label + " start")
        try:
            return f(*a, **k)
        finally:
            stamp(label + " end")
    setattr(mod, name, g)
wrap(E, "write_plan_tracks", "tracks")
wrap(M, "render_maps", "render")
wrap(B.FilesBeside, "render_map", "request")
wrap(B.FilesBeside, "finish", "finish")
wrap(J, "_detection", "odds")
from borderwatch.cli.common import load_network
from borderwatch.jobs import run_plan
net = load_network("ningming", None)
run_plan(net, tempfile.mkdtemp() + "/plan", night=date(2026, 12, 7))
stamp("plan end")
"""


def run(tree: Path, path: Path) -> dict[str, float]:
    """One plan on ``tree``; each stamp's first time, seconds after the odds' start."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    res = subprocess.run(
        [sys.executable, "-c", CHILD.format(path=str(path))],
        cwd=tempfile.gettempdir(),
        env=env,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise SystemExit(f"{tree}: {res.stderr[-3000:]}")
    first: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        what, at, _pid = json.loads(line)
        first.setdefault(what, at)
    zero = first["odds start"]
    return {k: v - zero for k, v in first.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="plan_stamps_"))
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at the start {load}; seconds after the odds' start")
    print("| tree | odds end | tracks end | map request | render start | render end | run end |")
    print("|---|---|---|---|---|---|---|")
    for i in range(args.repeat):
        for side in ("before", "after") if i % 2 == 0 else ("after", "before"):
            t = run(getattr(args, side), tmp / f"{side}_{i}.jsonl")
            cells = [
                t.get(k)
                for k in (
                    "odds end",
                    "tracks end",
                    "request start",
                    "render start",
                    "render end",
                    "plan end",
                )
            ]
            row = " | ".join("-" if c is None else f"{c:.3f}" for c in cells)
            print(f"| {side} | {row} |", flush=True)


if __name__ == "__main__":
    main()
