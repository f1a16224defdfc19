"""Benchmark (issue #24, item 1): the assignment bound before and after, one run.

For each case (Ningming, generated 200 km and 500 km with ``seed=7``) this process builds
the network, the required roads and the routing instance as ``plan_patrols`` does, and
runs the search once (``SearchParams(time_limit_s=20, seed=0)``) for the incumbent and the
basic bound. Then a child process per tree (``--before``, a git worktree of the start
commit, and this tree) runs ``assignment_bound`` with ``plan_patrols``'s arguments
(``--rounds``, default 45 as ``SearchParams.bound_rounds``, or ``--extra-rounds``; the cap ``bound_cap_s``, the incumbent, the basic bound) on the same pickled
instance, with the tree first on ``sys.path``, and reports the bound, the rounds, the
seconds (wall and the child's CPU, and rounds per CPU second) and the printed gap
(``(loop - bound) / bound``, as ``gap_pct``). Same incumbent for both trees,
so the figures differ only by the bound. ``rounds`` counts every MILP round logged
(the scaled rounds and, since the window step, its rounds too). Other cases:
``--cases 1000km,2000km`` (generated, ``seed=7``; 2,000 km needs ~1 GB and minutes).

Usage::

    git worktree add /tmp/wt_bound <start commit>
    python benchmarks/bound_scale.py --before /tmp/wt_bound --out benchmarks/results/bound_scale.md
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, logging, pickle, sys, time
sys.path.insert(0, sys.argv[1])
import borderwatch
assert borderwatch.__file__.startswith(sys.argv[1]), borderwatch.__file__
rounds = []
class H(logging.Handler):
    def emit(self, rec):
        if rec.getMessage().startswith("assignment bound round"):
            rounds.append(rec.getMessage())
lg = logging.getLogger("borderwatch.routing.assignment")
lg.setLevel(logging.DEBUG); lg.addHandler(H())
from borderwatch.routing.assignment import assignment_bound
from borderwatch.plan.patrols import bound_cap_s
d = pickle.load(open(sys.argv[2], "rb"))
# the parent's cached search model is of its own tree: each tree builds its own
d["instance"].__dict__.pop("_minmax_model", None)
t = time.perf_counter()
c = time.process_time()
b = assignment_bound(d["instance"], time_limit_s=bound_cap_s(d["links"]), max_rounds=int(sys.argv[3]),
                     incumbent=d["loop"], basic=d["basic"])
s = time.perf_counter() - t
cpu = time.process_time() - c
b = min(max(b, d["basic"]), d["loop"])
print(json.dumps({"bound": b, "rounds": len(rounds), "seconds": s, "cpu": cpu,
                  "last": rounds[-1] if rounds else ""}))
"""


def prepare(case: str, folder: Path) -> dict[str, Any]:
    """Build ``case``'s instance, search once, pickle what the bound needs."""
    from borderwatch import build_network, load_scenario
    from borderwatch.config import SearchParams
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.patrol import build_instance, route_teams

    km = case.removesuffix("km")
    scenario = load_scenario(case) if km == case else generate_scenario(float(km), seed=7)
    net = build_network(scenario)
    search = SearchParams(time_limit_s=20.0, seed=0)
    required = choose_required_edges(net, time_limit_s=20.0)
    patrol = build_instance(net, required.edges)
    t = time.perf_counter()
    _, result = route_teams(net, patrol, search.replace(seed=search.seeded(net.config.seed)))
    data = {
        "instance": patrol.instance,
        "links": len(patrol.links),
        "teams": len(net.teams),
        "loop": float(result.max_cost),
        "basic": float(result.lower_bound),
        "search_s": time.perf_counter() - t,
    }
    path = folder / f"{case}.pkl"
    path.write_bytes(pickle.dumps(data))
    return {k: v for k, v in data.items() if k != "instance"} | {"path": str(path)}


def bound(tree: Path, path: str, rounds: int = 25) -> dict[str, Any]:
    """Run the bound of ``tree`` on the pickled instance in a child process."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), path, str(rounds)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Run the cases and print (and optionally write) the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=True, help="tree of the start commit")
    ap.add_argument("--cases", default="ningming,200km,500km")
    ap.add_argument(
        "--extra-rounds",
        default="",
        help="more round counts (``bound_rounds``) to run this tree with, e.g. 35,45",
    )
    ap.add_argument(
        "--rounds", type=int, default=45, help="bound_rounds of both trees (the plan's default)"
    )
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    lines = [
        "| case | links | teams | loop (min) | basic | tree | bound (min) | rounds | bound s "
        "| CPU s | rounds per CPU s | printed gap |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            info = prepare(case, Path(tmp))
            runs = [("before", args.before, args.rounds), ("after", HERE, args.rounds)]
            runs += [
                (f"after, {n} rounds", HERE, int(n)) for n in args.extra_rounds.split(",") if n
            ]
            for name, tree, rounds in runs:
                r = bound(tree.resolve(), info["path"], rounds)
                gap = 100.0 * (info["loop"] - r["bound"]) / r["bound"]
                lines.append(
                    f"| {case} | {info['links']} | {info['teams']} | {info['loop'] / 60:.1f} "
                    f"| {info['basic'] / 60:.1f} | {name} | {r['bound'] / 60:.1f} "
                    f"| {r['rounds']} | {r['seconds']:.1f} | {r['cpu']:.1f} "
                    f"| {r['rounds'] / max(r['cpu'], 1e-9):.1f} | {gap:.1f} % |"
                )
                print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if args.out is not None:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
