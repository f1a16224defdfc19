"""The patrol search's own CPU, before and after, the same trajectory (issue #24.5).

``borderwatch plan ningming`` runs two searches on its main path (or, without the
bound's process, both in the main process): the bound's warm-up
(:func:`~borderwatch.routing.minmax.solve_minmax`, ``BOUND_WARMUP_ITERATIONS`` = 200
iterations, the plan's seed) and the plan's population search
(:func:`~borderwatch.routing.population.solve_search` with the default
:class:`~borderwatch.config.SearchParams` and the plan's seed: 2,000 iterations on Ningming).
This times only those two calls, in fresh processes of a before tree and an after tree
(``PYTHONPATH`` per tree) alternating (before, after, after, before, ...): CPU seconds of
the process around each call (``time.process_time``), the minimum over ``--inner`` runs in
a process, then the medians over the processes and the ratio after / before. Each process
prints a digest of the results (every team's tasks and orientations, tour costs, longest,
total, iterations, of both searches): the trees must agree, i.e. the same trajectory.

The Ningming instance is built in every process as the plan builds it (the night
2026-12-07's network from the warm road cache, the required roads, ``build_instance``,
``prepare_search``; not timed). With ``--g500 N`` a second case: the generated 500 km border
(``generate_scenario(500, seed=7)``, 241 tasks, 40 teams) searched by
:func:`~borderwatch.routing.population.solve_population` for ``N`` iterations, seed 0; its
instance is built once by the before tree and pickled (``--cache``), each process builds its
own solver model from it.

Usage::

    nice -n 10 python benchmarks/search_speed.py                       # before a9a1c17, 5 each
    nice -n 10 python benchmarks/search_speed.py --repeat 7 --g500 300 \\
        --out benchmarks/results/search_speed.md
    python benchmarks/search_speed.py --before-tree /tmp/old --after-tree /tmp/new
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from fast_paths import worktree  # noqa: E402

START = "a9a1c17"  # the twelfth session's start
NIGHT = "2026-12-07"


def _digest(results: list[Any]) -> str:
    """sha256 (16 hex) of the routes, costs and iteration counts of ``results``."""
    rows = [
        (r.tasks, r.team_cost, float(r.max_cost), float(r.total_cost), int(r.iterations))
        for r in results
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _ningming() -> tuple[Any, Any, int]:
    """The plan's Ningming instance (setup done), its search parameters and seed."""
    import datetime

    from borderwatch.cli.common import load_network
    from borderwatch.config import SearchParams
    from borderwatch.plan.patrols import night_network
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.patrol import build_instance
    from borderwatch.routing.population import prepare_search

    net = night_network(load_network("ningming", None), night=datetime.date.fromisoformat(NIGHT))
    search = SearchParams()  # the plan command's defaults (20 s of an idle core: a count)
    seed = search.seeded(net.config.seed)
    required = choose_required_edges(net, time_limit_s=min(search.time_limit_s, 30.0))
    inst = build_instance(net, required.edges).instance
    prepare_search(inst)
    return inst, search.replace(seed=seed), seed


def child_ningming(inner: int) -> dict[str, Any]:
    """The warm-up and the population search of ``plan ningming``, timed, in this process."""
    from borderwatch.config import SearchParams
    from borderwatch.plan.patrols import BOUND_WARMUP_ITERATIONS
    from borderwatch.routing.minmax import solve_minmax
    from borderwatch.routing.population import solve_search

    inst, search, seed = _ningming()
    warm_s, pop_s, digests = [], [], set()
    for _ in range(inner):
        c0 = time.process_time()
        warm = solve_minmax(
            inst,
            SearchParams(time_limit_s=0.0, max_iterations=BOUND_WARMUP_ITERATIONS, seed=seed),
        )
        c1 = time.process_time()
        res = solve_search(inst, search)
        c2 = time.process_time()
        warm_s.append(c1 - c0)
        pop_s.append(c2 - c1)
        digests.add(_digest([warm, res]))
    return {
        "warm-up (min-max, 200 it.)": min(warm_s),
        "population (2,000 it.)": min(pop_s),
        "search (both)": min(w + p for w, p in zip(warm_s, pop_s, strict=True)),
        "digest": "/".join(sorted(digests)),
        "longest": float(res.max_cost),
        "total": float(res.total_cost),
    }


def prepare_g500(path: Path) -> None:
    """Pickle the generated 500 km border's routing instance (this process's tree)."""
    import pickle

    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.patrol import build_instance
    from borderwatch.routing.population import prepare_search

    net = build_network(generate_scenario(500.0, seed=7))
    inst = build_instance(net, choose_required_edges(net, time_limit_s=20.0).edges).instance
    prepare_search(inst)
    inst.__dict__.pop("_minmax_model", None)  # each tree builds its own
    path.write_bytes(pickle.dumps(inst))


def child_g500(path: Path, iterations: int, inner: int) -> dict[str, Any]:
    """The population search of the pickled 500 km instance for ``iterations``, timed."""
    import pickle

    from borderwatch.config import SearchParams
    from borderwatch.routing.minmax import _Model
    from borderwatch.routing.population import solve_population

    inst = pickle.loads(path.read_bytes())
    _Model.of(inst)  # the solver's model: setup, not timed
    times, digests = [], set()
    for _ in range(inner):
        c0 = time.process_time()
        res = solve_population(
            inst, SearchParams(time_limit_s=0.0, max_iterations=iterations, seed=0)
        )
        times.append(time.process_time() - c0)
        digests.add(_digest([res]))
    return {
        f"500 km population ({iterations:,} it.)": min(times),
        "digest": "/".join(sorted(digests)),
        "longest": float(res.max_cost),
        "total": float(res.total_cost),
    }


def _run(tree: Path, args: list[str]) -> dict[str, Any]:
    """This script's ``--child`` ``args`` in a fresh process on ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    res = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise SystemExit(f"{tree}: {res.stderr[-3000:]}")
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def _rev(tree: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    )
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--", "borderwatch"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return out.stdout.strip() + (" + uncommitted edits" if dirty else "")


def measure(
    trees: dict[str, Path], args: list[str], repeat: int
) -> dict[str, list[dict[str, Any]]]:
    """``repeat`` processes per tree, alternating (before, after, after, before, ...)."""
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in trees}
    for i in range(repeat):
        order = ["before", "after"] if i % 2 == 0 else ["after", "before"]
        for side in order:
            got = _run(trees[side], args)
            runs[side].append(got)
            cpu = ", ".join(f"{k} {v:.3f}" for k, v in got.items() if isinstance(v, float))
            print(f"  {side}: {cpu}, digest {got['digest']}", flush=True)
    return runs


def table(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Medians per row and the ratio after / before, each process's CPU, the digests."""
    rows = [k for k, v in runs["before"][0].items() if isinstance(v, float)]
    rows = [k for k in rows if k not in ("longest", "total")]
    out = ["| CPU s (median) | before | after | after/before |", "|---|---|---|---|"]
    for k in rows:
        b = statistics.median(r[k] for r in runs["before"])
        a = statistics.median(r[k] for r in runs["after"])
        out.append(f"| {k} | {b:.3f} | {a:.3f} | {a / b:.3f} |")
    out.append("")
    for side in ("before", "after"):
        for k in rows:
            vals = ", ".join(f"{r[k]:.3f}" for r in runs[side])
            out.append(f"- {side}, {k}: {vals}")
    digests = {side: {r["digest"] for r in runs[side]} for side in runs}
    same = len(digests["before"]) == 1 and digests["before"] == digests["after"]
    last = runs["before"][0]
    out += [
        "",
        f"digests: before {sorted(digests['before'])}, after {sorted(digests['after'])}: "
        f"{'equal (the same routes, costs and iterations)' if same else 'DIFFERENT'}; "
        f"longest {last['longest']!r} s, total {last['total']!r} s",
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure the trees and print (and optionally write) the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=START, help="revision of the before tree")
    ap.add_argument("--before-tree", type=Path, help="a folder instead of --before's worktree")
    ap.add_argument("--after-tree", type=Path, default=ROOT, help="default: this tree as is")
    ap.add_argument("--repeat", type=int, default=5, help="processes per tree")
    ap.add_argument("--inner", type=int, default=1, help="searches per process (its minimum)")
    ap.add_argument("--g500", type=int, default=0, help="iterations of the 500 km row (0: none)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/search_speed_g500.pkl"))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        if args.child[0] == "ningming":
            got = child_ningming(int(args.child[1]))
        elif args.child[0] == "prepare":
            prepare_g500(Path(args.child[1]))
            got = {}
        else:
            got = child_g500(Path(args.child[1]), int(args.child[2]), int(args.child[3]))
        print(json.dumps(got))
        return 0
    before = args.before_tree or worktree(args.before, Path(f"/tmp/search_speed_{args.before}"))
    trees = {"before": before.resolve(), "after": args.after_tree.resolve()}
    revs = {side: _rev(tree) for side, tree in trees.items()}
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{stamp}, load {load}; before {trees['before']} ({revs['before']}), "
          f"after {trees['after']} ({revs['after']})", flush=True)  # fmt: skip
    lines = [
        f"`python benchmarks/search_speed.py {' '.join(argv or sys.argv[1:])}` on {stamp}; "
        f"load average at the start {load}. before: `{trees['before']}` ({revs['before']}), "
        f"after: `{trees['after']}` ({revs['after']}); {args.repeat} processes per tree, "
        f"alternating, {args.inner} search(es) each (the minimum of a process). CPU seconds.",
        "",
        "### Ningming (the plan's warm-up and population search, seed and counts of `plan ningming`)",
        "",
    ]
    lines += table(measure(trees, ["ningming", str(args.inner)], args.repeat))
    if args.g500:
        if not args.cache.is_file():
            _run(trees["before"], ["prepare", str(args.cache)])
        g_args = ["g500", str(args.cache), str(args.g500), str(args.inner)]
        lines += ["", f"### Generated 500 km border, {args.g500:,} iterations, seed 0", ""]
        lines += table(measure(trees, g_args, args.repeat))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
