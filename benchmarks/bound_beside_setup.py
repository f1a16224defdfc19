"""The bound's forked process on Ningming, with and without the search's setup built before the fork.

``plan.patrols.plan_patrols`` forks the bound's process (``BoundBeside``) when a core is
spare; the process runs ``pruned_bound``: a 200-iteration seeded search, then the
assignment bound. That search starts from the solver's model, the basic lower bound and
the postman giant tour, whose shortest paths and odd-node matchings are cached per
instance. Built before the fork (``routing.population.prepare_search``, what the plan does
since this work), the process inherits them; built after (the former order), the process
builds them again while the main search builds them too.

Each run is a fresh Python process (the caches are per process) that loads Ningming,
chooses the required roads, builds the instance, optionally calls ``prepare_search``,
forks the bound (``BoundBeside(..., fork=True)``) and waits for it. Printed: the process's
CPU seconds (``getrusage`` of the children), the seconds from the fork to the bound's
arrival (the bound's critical path when the parent has a core of its own: the parent
only waits here, so under load this is wall time of a contended core) and the bound
itself (the same either way). ``--repeat`` runs of each, alternately; medians.

Usage::

    python benchmarks/bound_beside_setup.py --repeat 3 --out benchmarks/results/bound_beside_setup.md
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = """
import json, resource, time
from borderwatch.cli.common import load_network
from borderwatch.config import SearchParams
from borderwatch.plan.patrols import BESIDE_CAP_FACTOR, BoundBeside, bound_cap_s
from borderwatch.plan.required import choose_required_edges
from borderwatch.routing.patrol import build_instance
from borderwatch.routing.population import prepare_search
net = load_network("ningming", None)
req = choose_required_edges(net, time_limit_s=20.0)
patrol = build_instance(net, req.edges)
prep = 0.0
if {prepare}:
    c = time.process_time()
    prepare_search(patrol.instance)
    prep = time.process_time() - c
search = SearchParams(seed=net.config.seed)
t = time.perf_counter()
beside = BoundBeside(
    patrol.instance, search, BESIDE_CAP_FACTOR * bound_cap_s(len(patrol.links)), fork=True
)
assert beside.forked
bound = beside.result()
wait = time.perf_counter() - t
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([prep, kids.ru_utime + kids.ru_stime, wait, bound / 60.0]))
"""


def run(prepare: bool) -> list[float]:
    """One fresh process: [setup CPU before the fork, child CPU, fork-to-bound s, bound min]."""
    res = subprocess.run(
        [sys.executable, "-c", CHILD.format(prepare=prepare)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise SystemExit(res.stderr[-3000:])
    out: list[float] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    sides = {"setup in the child (before)": False, "setup before the fork (after)": True}
    runs: dict[str, list[list[float]]] = {s: [] for s in sides}
    run(True)  # warm-up: road cache, .pyc files
    for i in range(args.repeat):
        for side in sides if i % 2 == 0 else reversed(list(sides)):
            r = run(sides[side])
            runs[side].append(r)
            print(f"  {side}: child {r[1]:.2f} CPU s, fork to bound {r[2]:.2f} s", flush=True)

    def med(side: str, j: int) -> float:
        return statistics.median(r[j] for r in runs[side])

    (b, a) = sides
    lines = [
        "# The bound's forked process with and without the setup built before the fork (#24.5)",
        "",
        f"`python benchmarks/bound_beside_setup.py --repeat {args.repeat}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at the start: "
        f"{load} (2 cores shared by several engineers); medians of {args.repeat} fresh "
        "processes each, alternately, after one warm-up run.",
        "",
        "| | before | after | ratio after/before |",
        "|---|---|---|---|",
        f"| setup CPU s in this process before the fork | {med(b, 0):.2f} | {med(a, 0):.2f} | - |",
        f"| the bound's process, CPU s | {med(b, 1):.2f} | {med(a, 1):.2f} | "
        f"{med(a, 1) / med(b, 1):.2f} |",
        f"| fork to bound, wall s | {med(b, 2):.2f} | {med(a, 2):.2f} | "
        f"{med(a, 2) / med(b, 2):.2f} |",
        "",
        "Every run, child CPU s / fork-to-bound s / bound min:",
        "",
    ]
    for side, rs in runs.items():
        lines.append(f"- {side}: " + ", ".join(f"{r[1]:.2f}/{r[2]:.2f}/{r[3]:.4f}" for r in rs))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
