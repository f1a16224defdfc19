"""Benchmark (issue #24, item 2): the routing search before and after, side by side in one run.

Cases: the generated 500 km / 40 teams border (``generate_scenario(500, seed=7)``, the
instance ``plan_patrols`` routes, as ``benchmarks/bound_scale.py`` builds it) at seeds
0, 1, 2; Ningming (seed 0); public MM k-CPP rows of ``../shared/benchmarks/arc-routing``
where the 10 s search of ``benchmarks/results/arc_routing_k347_10s.txt`` stays above the
best known value.

Each case's instance is pickled once; then a child process per tree runs that tree's
default search on it, with the tree first on ``sys.path``:

* before (``--before``, a git worktree of the start commit): ``solve_minmax`` with the
  budget the caller gives (plan: ``SearchParams(seed=s)``, the 20 s cap; public rows:
  ``SearchParams(time_limit_s=10, seed=0)`` as ``benchmarks/arc_routing.py``);
* after (this tree): ``routing.population.solve_search`` with the same ``SearchParams``
  (what ``route_teams`` calls: the population search, which ends by counts);
* at 500 km also "before, same iterations": the start commit's ``solve_minmax`` for as
  many iterations as the after run made (``max_iterations``, no cap): the comparison at
  equal work, which the machine's load cannot move.

Before and after run alternately, one at a time. Columns: longest loop (minutes for the
plans, the file's units for the public rows), wall seconds of the search call, iterations,
and the gap to the reference (the 200 s run's 221.8 min at 500 km; Ningming's proven
optimum 88.1; the best known of ``reference.csv``).

Usage::

    git worktree add /tmp/wt_search 2f637e5
    python benchmarks/search_quality.py --before /tmp/wt_search --out benchmarks/results/search_quality.md
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
SHARED = HERE.parent / "shared" / "benchmarks" / "arc-routing"
REF_500KM_MIN = 221.8  # the 200 s search (issue #24's table)
NINGMING_MIN = 88.1  # proven optimal (bound_rounds 45)
PUBLIC = [("gdb4", 4, 74.0), ("val4", 4, 103.0), ("val6", 4, 60.0), ("gdb11", 7, 62.0)]

CHILD = r"""
import json, pickle, sys, time
sys.path.insert(0, sys.argv[1])
import borderwatch
assert borderwatch.__file__.startswith(sys.argv[1]), borderwatch.__file__
from borderwatch.config import SearchParams
try:
    from borderwatch.routing.population import solve_search as solve
except ImportError:
    from borderwatch.routing.minmax import solve_minmax as solve
inst = pickle.load(open(sys.argv[2], "rb"))
mode = sys.argv[5] if len(sys.argv) > 5 else None  # None | iterations | "minmax"
its = None if mode in (None, "minmax") else int(mode)
if mode is not None:
    from borderwatch.routing.minmax import solve_minmax as solve
search = SearchParams(time_limit_s=float(sys.argv[3]) if its is None else 0.0,
                      seed=int(sys.argv[4]), max_iterations=its)
t, c = time.perf_counter(), time.process_time()
r = solve(inst, search)
s, c = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"max": r.max_cost, "seconds": s, "cpu": c, "iterations": r.iterations,
                  "solver": solve.__name__}))
"""


def plan_instance(case: str, folder: Path) -> Path:
    """Pickle the routing instance ``plan_patrols`` builds for ``case``."""
    from borderwatch import build_network, load_scenario
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.patrol import build_instance

    km = case.removesuffix("km")
    scenario = load_scenario(case) if km == case else generate_scenario(float(km), seed=7)
    net = build_network(scenario)
    required = choose_required_edges(net, time_limit_s=20.0)
    path = folder / f"{case}.pkl"
    path.write_bytes(pickle.dumps(build_instance(net, required.edges).instance))
    return path


def public_instance(name: str, k: int, folder: Path) -> Path:
    """Pickle the MM k-CPP instance of CARPLIB graph ``name`` with ``k`` teams."""
    sys.path.insert(0, str(HERE))
    from benchmarks.carplib import parse_carplib, to_instance

    family = "gdb" if name.startswith("gdb") else "val"
    files = {p.stem.lower(): p for p in (SHARED / family).iterdir()}
    src = files.get(name) or files[f"{name}a"]  # val graphs: the A file (same graph)
    data = parse_carplib(src.read_text(encoding="latin-1"), source=str(src))
    path = folder / f"{name}_k{k}.pkl"
    path.write_bytes(pickle.dumps(to_instance(data, problem="mmkcpp", k=k)))
    return path


def carp_instances(data: Path, reference: Path, folder: Path) -> list[tuple[str, Path, float]]:
    """Pickle the instance of every row of a min-max reference CSV (``hgs_reference.py``'s).

    Returns ``(label, pickle, best known)`` per row; the graph's ``A`` file of ``data``.
    """
    sys.path.insert(0, str(HERE))
    from benchmarks.carplib import graph_name, parse_carplib, read_reference, to_instance

    files = {graph_name(f.stem): f for f in sorted(data.glob("*.dat"), reverse=True)}
    out = []
    for (problem, name, k), row in sorted(read_reference(reference).items()):
        src = files[name]
        data_ = parse_carplib(src.read_text(encoding="latin-1"))
        prob = "mmkcpp" if problem == "MMkCPP" else "mmkrpp"
        inst = to_instance(data_, problem="mmkcpp" if problem == "MMkCPP" else "mmkrpp", k=k)
        path = folder / f"{name}_{prob}_k{k}.pkl"
        path.write_bytes(pickle.dumps(inst))
        out.append((f"{name} {problem} k={k}", path, row.best_known))
    return out


def run(
    tree: Path, path: Path, time_limit: float, seed: int, iterations: int | str | None = None
) -> dict[str, Any]:
    """The tree's default search on the pickled instance, in a child process.

    With ``iterations``: the tree's ``solve_minmax`` for that many iterations (no cap);
    ``"minmax"``: the tree's ``solve_minmax`` with ``time_limit_s`` (the annealing).
    """
    env = dict(os.environ, PYTHONHASHSEED="0")
    extra = [] if iterations is None else [str(iterations)]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), str(path), str(time_limit), str(seed), *extra],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Run the cases before and after and print (and optionally write) the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=True, help="tree of the start commit")
    ap.add_argument("--seeds", default="0,1,2", help="seeds of the 500 km case")
    ap.add_argument("--skip", default="", help="comma-separated case groups: 500km,ningming,public")
    ap.add_argument(
        "--carp-data",
        type=Path,
        default=None,
        help="CARPLIB folder (HGS-CARP's Instances/CARP): adds the rows of --carp-reference at "
        "10 s, before / after / the after tree's solve_minmax (the annealing) at 10 s",
    )
    ap.add_argument(
        "--carp-reference",
        type=Path,
        default=HERE / "benchmarks" / "results" / "carp_reference_egl.csv",
        help="min-max reference rows (benchmarks/hgs_reference.py's CSV)",
    )
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    skip = set(args.skip.split(","))
    lines = [
        "| case | seed | tree | solver | longest | time s | iterations | reference | gap % |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        cases: list[tuple[str, Path, float, int, float, float]] = []
        carp: set[str] = set()
        if "500km" not in skip:
            p = plan_instance("500km", Path(tmp))
            cases += [
                ("500 km", p, 20.0, int(s), REF_500KM_MIN, 60.0) for s in args.seeds.split(",")
            ]
        if "ningming" not in skip:
            cases.append(
                ("ningming", plan_instance("ningming", Path(tmp)), 20.0, 0, NINGMING_MIN, 60.0)
            )
        if "public" not in skip:
            for name, k, best in PUBLIC:
                cases.append(
                    (f"{name} k={k}", public_instance(name, k, Path(tmp)), 10.0, 0, best, 1.0)
                )
        if args.carp_data is not None:
            for label, path, best in carp_instances(args.carp_data, args.carp_reference, Path(tmp)):
                cases.append((label, path, 10.0, 0, best, 1.0))
                carp.add(label)
        gaps: dict[str, list[float]] = {}
        for label, path, limit, seed, ref, unit in cases:
            after_its: int | None = None
            runs: list[tuple[str, Path, int | str | None]] = [
                ("before", args.before.resolve(), None),
                ("after", HERE, None),
            ]
            if label == "500 km":  # the annealing at the after's count: load-independent
                runs.append(("before, same iterations", args.before.resolve(), -1))
            if label in carp:  # the annealing the default search must match at 10 s
                runs.append(("after, annealing", HERE, "minmax"))
            for tree_name, tree, its in runs:
                r = run(tree, path, limit, seed, after_its if its == -1 else its)
                if tree_name == "after":
                    after_its = int(r["iterations"])
                val = r["max"] / unit
                gap = 100.0 * (round(val, 1 if unit > 1 else 3) - ref) / ref
                lines.append(
                    f"| {label} | {seed} | {tree_name} | {r['solver']} | {val:.1f} "
                    f"| {r['seconds']:.1f} | {r['iterations']} | {ref:g} | {gap:+.2f} |"
                )
                print(lines[-1], flush=True)
                if label in carp:
                    gaps.setdefault(tree_name, []).append(gap)
    for name, g in gaps.items():
        at = sum(x <= 1e-9 for x in g)
        lines.append(
            f"\n{name} on the {len(g)} reference rows: mean gap {sum(g) / len(g):.2f} %, "
            f"max {max(g):.2f} %, {at} / {len(g)} at best known"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if args.out is not None:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
