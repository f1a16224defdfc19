"""Benchmark (issue #24, bound9): what ends the printed assignment bound, before and after, one run.

Before, a whole plan of <= ``WHOLE_UP_TO`` links got 45 exact rounds ended only by the
count or by the wall-clock cap (``BESIDE_CAP_FACTOR * bound_cap_s``: 120 s), and the
rounds grow dear as the cuts pile up, so under load the cap could decide the printed
value. After, counts end them: no round on a model of more than ``WHOLE_MAX_NNZ``
nonzeros, at most ``ROUND_MAX_NODES`` branch-and-bound nodes a round; the cap stays a
safety net, reported when it binds.

The parent builds each case's routing instance once (as ``plan_patrols`` does) and
pickles it; then a child process per tree (``--before``, an export of the start commit,
and this tree) computes the bound the plan prints, with the tree first on ``sys.path``:

* whole plans <= 150 links (``ningming``, ``KM:SEED``): :func:`pruned_bound` (the
  200-iteration warm-up with the plan's seed, then the bound), the beside cap;
* ``500km``: the bound after the search (``assignment_bound`` pruned by the search's
  longest tour, ``SearchParams(time_limit_s=20, seed=0)`` run once in the parent), the
  beside cap; ``circuit:ningming``, ``circuit:KM:SEED``: the same for a circuit plan
  (``loops = "circuit"``, the config's seed), whose bound always runs after the search;
* ``sectors:KM:SEED``: each sector of ``split_sectors(net, 2)`` as ``plan_sectors``
  bounds it (``pruned_bound`` with the sector's seed, ``min(45, SECTOR_BOUND_ROUNDS)``
  rounds, no cap).

Columns: the bound (min), the MILP rounds (debug lines), the child's CPU and wall seconds
(the warm-up search included for the pruned bound), and what stopped it: ``time`` when
the bound's "stopped by its ... cap" warning was logged (both trees log it), else the
after tree's ``BoundStats`` (``size``, ``nodes``) or ``count`` (rounds, convergence or
the incumbent). ``--burn N`` runs each tree a second time with N busy processes beside
it (at the same niceness; ``--burn-cases``: which cases): the cap's load dependence.
``--after DIR`` pins the after tree (an export of a commit: the shared tree holds other
helpers' unfinished edits); run the parent with that tree first on ``PYTHONPATH`` and
outside the repository so that it builds the instances with it too.

Usage::

    mkdir /tmp/bound9_before && git archive <start> borderwatch | tar -x -C /tmp/bound9_before
    mkdir /tmp/bound9_after && git archive <commit> borderwatch | tar -x -C /tmp/bound9_after
    cd /tmp && PYTHONPATH=/tmp/bound9_after nice -n 10 python \
        /work/main/benchmarks/bound_determinism.py --before /tmp/bound9_before \
        --after /tmp/bound9_after --burn 1 --burn-cases 250:1,300:1
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, logging, math, pickle, sys, time
sys.path.insert(0, sys.argv[1])
import borderwatch
assert borderwatch.__file__.startswith(sys.argv[1]), borderwatch.__file__
rounds, capped = [], []
class H(logging.Handler):
    def emit(self, rec):
        msg = rec.getMessage()
        if msg.startswith("assignment bound round"):
            rounds.append(msg)
        if msg.startswith("assignment bound stopped by its"):
            capped.append(msg)
lg = logging.getLogger("borderwatch.routing.assignment")
lg.setLevel(logging.DEBUG); lg.addHandler(H())
from borderwatch.config import SearchParams
from borderwatch.routing import assignment as A
from borderwatch.plan.patrols import pruned_bound
d = pickle.load(open(sys.argv[2], "rb"))
d["instance"].__dict__.pop("_minmax_model", None)
stats = A.BoundStats() if hasattr(A, "BoundStats") else None
kw = {} if stats is None else {"stats": stats}
t, c = time.perf_counter(), time.process_time()
if d["kind"] == "pruned":
    search = SearchParams(seed=d["seed"], bound_rounds=d["rounds"])
    b = pruned_bound(d["instance"], search, d["cap"], **kw)
else:
    b = A.assignment_bound(d["instance"], time_limit_s=d["cap"], max_rounds=d["rounds"],
                           incumbent=d["loop"], basic=d["basic"], **kw)
    b = min(max(b, d["basic"]), d["loop"])
s, cpu = time.perf_counter() - t, time.process_time() - c
why = "time" if capped else "count"
if stats is not None and not capped:
    why = "size" if stats.by_size else "nodes" if stats.by_nodes else "count"
print(json.dumps({"bound": b, "rounds": len(rounds), "seconds": s, "cpu": cpu, "why": why,
                  "nnz": None if stats is None else stats.nnz}))
"""


def _burn(stop: Any) -> None:
    """A busy loop until ``stop`` is set (the load beside the before tree's second run)."""
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x = (x * 7 + 1) % 1_000_003


def _whole(case: str, loops: str = "base") -> tuple[Any, Any]:
    """The network and the routing instance of a whole plan (``loops``: the loop rule)."""
    from borderwatch import build_network, load_scenario
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.patrol import build_instance

    if ":" in case:
        km, seed = (int(x) for x in case.split(":"))
        net = build_network(generate_scenario(km, seed=seed))
    else:
        net = build_network(load_scenario(case))
    if loops != "base":
        net = net.with_config(net.config.replace(loops=loops))
    return net, build_instance(net, choose_required_edges(net, time_limit_s=30.0).edges)


def prepare(case: str, folder: Path) -> list[dict[str, Any]]:
    """Pickle what each bound of ``case`` needs; their descriptions."""
    from borderwatch.config import SearchParams
    from borderwatch.plan.patrols import BESIDE_CAP_FACTOR, bound_cap_s

    items: list[dict[str, Any]] = []
    if case.startswith("sectors:"):
        items = _sector_items(case)
    elif case == "500km" or case.startswith("circuit:"):
        from borderwatch.routing.patrol import route_teams

        circuit = case.startswith("circuit:")
        net, patrol = _whole(
            case.removeprefix("circuit:") if circuit else "500:7", "circuit" if circuit else "base"
        )
        search = SearchParams(time_limit_s=20.0, seed=None if circuit else 0)
        _, result = route_teams(net, patrol, search.replace(seed=search.seeded(net.config.seed)))
        items = [
            {
                "label": f"{case} (after the search)",
                "kind": "after",
                "instance": patrol.instance,
                "links": len(patrol.links),
                "teams": len(net.teams),
                "loop": float(result.max_cost),
                "basic": float(result.lower_bound),
            }
        ]
    else:
        net, patrol = _whole(case)
        label = case if ":" not in case else "{} km s{} whole".format(*case.split(":"))
        items = [
            {
                "label": label,
                "kind": "pruned",
                "instance": patrol.instance,
                "links": len(patrol.links),
                "teams": len(net.teams),
                "seed": SearchParams().seeded(net.config.seed),
            }
        ]
    for i, it in enumerate(items):
        it.setdefault("rounds", 45)
        it.setdefault("cap", BESIDE_CAP_FACTOR * bound_cap_s(it["links"]))
        path = folder / f"{case.replace(':', '_')}_{i}.pkl"
        path.write_bytes(pickle.dumps(it))
        it["path"] = str(path)
    return items


def _sector_items(case: str) -> list[dict[str, Any]]:
    """The sector instances of ``sectors:KM:SEED`` as ``plan_sectors`` bounds them."""
    import numpy as np

    from borderwatch import build_network
    from borderwatch.config import SearchParams
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.plan.sectors import (
        SECTOR_BOUND_ROUNDS,
        _fixed_edges,
        _own_fixed,
        sector_network,
        sector_seed,
        split_sectors,
    )
    from borderwatch.routing.patrol import build_instance

    km, seed = (int(x) for x in case.split(":")[1:])
    net = build_network(generate_scenario(km, seed=seed))
    plan_seed = SearchParams(seed=0).seeded(net.config.seed)
    split = split_sectors(net, 2)
    owned = _own_fixed(net, split, _fixed_edges(net, None))
    items = []
    for s, own in zip(split, owned, strict=True):
        sub = sector_network(net, s)
        req = choose_required_edges(
            sub, fixed_edges=np.searchsorted(s.edges, own), time_limit_s=30.0
        )
        patrol = build_instance(sub, req.edges)
        items.append(
            {
                "label": f"{km} km s{seed} sector {s.index + 1}",
                "kind": "pruned",
                "instance": patrol.instance,
                "links": len(patrol.links),
                "teams": len(sub.teams),
                "seed": SearchParams(seed=sector_seed(plan_seed, s.index)).seeded(sub.config.seed),
                "rounds": min(45, SECTOR_BOUND_ROUNDS),
                "cap": math.inf,
            }
        )
    return items


def bound(tree: Path, path: str, burn: int = 0) -> dict[str, Any]:
    """Run the bound of ``tree`` on the pickled instance in a child process."""
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    burners = [ctx.Process(target=_burn, args=(stop,), daemon=True) for _ in range(burn)]
    for p in burners:
        p.start()
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(tree), path],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        stop.set()
        for p in burners:
            p.join()
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Run the cases and print (and optionally append) the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=True, help="tree of the start commit")
    ap.add_argument("--after", type=Path, default=HERE, help="tree after (default this one)")
    ap.add_argument("--cases", default="ningming,250:7,300:7,200:7,250:1,300:1,500km,sectors:500:7")
    ap.add_argument("--burn", type=int, default=0, help="busy processes beside a second before run")
    ap.add_argument(
        "--burn-cases", default="", help="the cases that get it (default: every whole plan)"
    )
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    lines = [
        "| case | links / teams | tree | bound (min) | rounds | CPU s | wall s | cap s "
        "| stopped by | nonzeros | loop (min) / gap |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            for it in prepare(case, Path(tmp)):
                runs = [("before", args.before, 0)]
                burns = not args.burn_cases or case in args.burn_cases.split(",")
                if args.burn and burns and it["kind"] == "pruned" and math.isfinite(it["cap"]):
                    runs.append((f"before, {args.burn} busy", args.before, args.burn))
                runs.append(("after", args.after, 0))
                if len(runs) == 3:  # the same load beside the after tree: the same bound
                    runs.append((f"after, {args.burn} busy", args.after, args.burn))
                for name, tree, burn in runs:
                    r = bound(tree.resolve(), it["path"], burn)
                    tail = "-"
                    if "loop" in it:
                        gap = 100.0 * (it["loop"] - r["bound"]) / r["bound"]
                        tail = f"{it['loop'] / 60:.1f} / {gap:.1f} %"
                    load = " (load {:.1f})".format(__import__("os").getloadavg()[0])
                    lines.append(
                        f"| {it['label']} | {it['links']} / {it['teams']} | {name} "
                        f"| {r['bound'] / 60:.2f} | {r['rounds']} | {r['cpu']:.1f} "
                        f"| {r['seconds']:.1f}{load} | {it['cap']:.0f} | {r['why']} "
                        f"| {r['nnz'] if r['nnz'] is not None else '-'} | {tail} |"
                    )
                    print(lines[-1], flush=True)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    t0 = time.perf_counter()
    code = main()
    print(f"total {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    raise SystemExit(code)
