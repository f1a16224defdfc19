"""Min-max k-team arc-routing benchmark on CARPLIB instances (gdb, val, ...).

Runs our engine (:func:`borderwatch.routing.minmax.solve_minmax`) on every graph
of the instance folders for each ``k``, beside two baselines run in the same
process with the same time limit:

* OR-Tools routing: two nodes per required edge (one per direction) in an
  exactly-one disjunction, arc cost = deadhead + service, a distance dimension
  with a global span cost (``100 * max + total``), guided local search.
* PyVRP: two clients per required edge in a required mutually exclusive client
  group, distance = service + deadhead, search on the vehicles'
  ``max_distance`` (each step a full PyVRP solve of at most a third of the time
  limit): probe upward from our lower bound (often optimal), then bisect.

Prints a table and, as its last line, ``mean gap X %, max gap Y %, N instances``
(gap of our longest tour to ``best_known`` of ``reference.csv``; to our lower
bound for rows without a reference value, e.g. ``--multi-base``).

``--solvers minmax,population`` runs our two searches on every row, one column
each: ``minmax`` = :func:`~borderwatch.routing.minmax.solve_minmax` with
``time_limit_s`` (the annealing, stops by time), ``population`` =
:func:`~borderwatch.routing.population.solve_search` with the same
``SearchParams`` (the plan's default search: ends by counts sized from
``time_limit_s``, wall cap 5x). The first one named is ``ours``. ``--data DIR``
takes a folder of CARPLIB files (e.g. HGS-CARP's ``Instances/CARP``) and
``--graphs egl-e,egl-s`` keeps the graphs whose names start with those prefixes.

Usage::

    python benchmarks/arc_routing.py [--instances DIR ...] [--reference CSV]
        [--problem mmkcpp|mmkrpp] [--k 2,3,5] [--time-limit S] [--csv OUT]
        [--baselines ortools,pyvrp|none] [--multi-base]
        [--data DIR] [--graphs PREFIX,...] [--solvers minmax,population]
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from borderwatch.config import SearchParams

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.carplib import (  # noqa: E402
    graph_name,
    parse_carplib,
    read_reference,
    to_instance,
)
from borderwatch.routing.instance import ArcInstance  # noqa: E402
from borderwatch.routing.minmax import solve_minmax  # noqa: E402
from borderwatch.routing.population import solve_search  # noqa: E402
from borderwatch.routing.result import RoutingResult  # noqa: E402

SHARED = REPO.parent / "shared" / "benchmarks" / "arc-routing"
Tour = list[tuple[int, int]]  # (task index, orientation 0 = u->v / 1 = v->u)


# ---------------------------------------------------------------- helpers
def _tasks(inst: ArcInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Key-node distances, start/end key node per (task, orientation), service."""
    if inst.n_profiles != 1:
        raise SystemExit("baselines support one vehicle profile only")
    sp = inst.shortest_paths(0)
    req = inst.required_edges
    a, b = sp.index[inst.u[req]], sp.index[inst.v[req]]
    return sp.key_dist, np.stack([a, b], 1), np.stack([b, a], 1), inst.cost[0, req]


def tour_costs(inst: ArcInstance, tours: Sequence[Tour]) -> list[float]:
    """Cost of each team's tour with the orientations as given; checks coverage."""
    D, S, E, serv = _tasks(inst)
    dep = inst.shortest_paths(0).index[inst.depots]
    seen = sorted(t for tour in tours for t, _ in tour)
    if seen != list(range(len(serv))):
        raise RuntimeError("baseline solution does not serve every required edge once")
    out = []
    for r, tour in enumerate(tours):
        node, c = dep[r], 0.0
        for t, o in tour:
            c += D[node, S[t, o]] + serv[t]
            node = E[t, o]
        out.append(float(c + D[node, dep[r]]))
    return out


def farthest_bases(inst: ArcInstance, k: int, first: int = 0) -> list[int]:
    """``k`` bases by farthest-point sampling on shortest-path distance from ``first``."""
    ok = np.isfinite(inst.cost[0])
    lo = np.minimum(inst.u[ok], inst.v[ok])
    hi = np.maximum(inst.u[ok], inst.v[ok])
    order = np.lexsort((inst.cost[0, ok], hi, lo))
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])
    sel = order[keep]  # the cheapest of parallel edges (csr would sum them)
    g = csr_matrix((inst.cost[0, ok][sel], (lo[sel], hi[sel])), shape=(inst.n_nodes,) * 2)
    bases = [first]
    near = dijkstra(g, directed=False, indices=first)
    while len(bases) < k:
        cand = np.where(np.isfinite(near), near, -1.0)
        nxt = int(np.argmax(cand))  # ties: lowest node id
        if cand[nxt] <= 0:
            nxt = bases[len(bases) % len(bases)]  # fewer distinct nodes than teams
        bases.append(nxt)
        near = np.minimum(near, dijkstra(g, directed=False, indices=nxt))
    return bases


def _scale(inst: ArcInstance) -> float:
    return 1.0 if inst.is_integral else 1000.0


# -------------------------------------------------------------- OR-Tools
def ortools_minmax(inst: ArcInstance, time_limit: float, seed: int = 0) -> list[float]:
    """OR-Tools baseline: two nodes per required edge, global span cost."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    D, S, E, serv = _tasks(inst)
    key = inst.shortest_paths(0).index
    f = _scale(inst)
    depots = sorted(set(inst.depots.tolist()))
    nd, m, k = len(depots), len(serv), inst.n_teams
    start = np.concatenate([key[depots], S.ravel()])  # node -> key node it starts at
    end = np.concatenate([key[depots], E.ravel()])
    sv = np.concatenate([np.zeros(nd), np.repeat(serv, 2)])
    mat = np.rint(f * (D[end][:, start] + sv[None, :])).astype(np.int64)
    np.fill_diagonal(mat, 0)
    dnode = {d: i for i, d in enumerate(depots)}
    starts = [dnode[int(d)] for d in inst.depots]
    manager = pywrapcp.RoutingIndexManager(nd + 2 * m, k, starts, starts)
    routing = pywrapcp.RoutingModel(manager)
    rows = mat.tolist()

    def transit(i: int, j: int) -> int:
        return rows[manager.IndexToNode(i)][manager.IndexToNode(j)]

    cb = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(cb)
    routing.AddDimension(cb, 0, int(mat.sum()) + 1, True, "dist")
    routing.GetDimensionOrDie("dist").SetGlobalSpanCostCoefficient(100)
    for t in range(m):
        routing.AddDisjunction(
            [manager.NodeToIndex(nd + 2 * t), manager.NodeToIndex(nd + 2 * t + 1)]
        )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return [math.inf]
    tours = []
    for r in range(k):
        idx, tour = routing.Start(r), []
        while not routing.IsEnd(idx):
            node = manager.IndexToNode(idx)
            if node >= nd:
                tour.append(divmod(node - nd, 2))
            idx = sol.Value(routing.NextVar(idx))
        tours.append(tour)
    return tour_costs(inst, tours)


# ----------------------------------------------------------------- PyVRP
def pyvrp_minmax(
    inst: ArcInstance, time_limit: float, seed: int = 0, bound: float = 0.0
) -> list[float]:
    """PyVRP baseline: two clients per edge in a client group, bisection on max distance."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    t_end = time.perf_counter() + time_limit
    D, S, E, serv = _tasks(inst)
    key = inst.shortest_paths(0).index
    f = _scale(inst)
    depots = sorted(set(inst.depots.tolist()))
    nd, m = len(depots), len(serv)
    model = pyvrp.Model()
    dlocs = [model.add_location(0, 0) for _ in depots]
    dep_objs = [model.add_depot(loc) for loc in dlocs]
    counts = {d: int((inst.depots == d).sum()) for d in depots}
    for i, d in enumerate(depots):
        model.add_vehicle_type(counts[d], start_depot=dep_objs[i], end_depot=dep_objs[i])
    for _ in range(m):
        grp = model.add_client_group(required=True)
        for _o in range(2):
            model.add_client(model.add_location(0, 0), required=False, group=grp)
    start = np.concatenate([key[depots], S.ravel()])
    end = np.concatenate([key[depots], E.ravel()])
    sv = np.concatenate([np.zeros(nd), np.repeat(serv, 2)])
    mat = np.rint(f * (D[end][:, start] + sv[:, None])).astype(np.int64)
    np.fill_diagonal(mat, 0)
    data = model.data().replace(distance_matrices=[mat], duration_matrices=[np.zeros_like(mat)])
    base_types = list(data.vehicle_types())
    nvt = len(base_types)  # route.vehicle_type() indexes these: one per depot
    per = max(0.2, time_limit / 3)

    def run(limit: int) -> tuple[list[float] | None, bool]:
        """One PyVRP solve with ``max_distance = limit``: (costs if it serves all, feasible)."""
        res = pyvrp.solve(
            data.replace(vehicle_types=[v.replace(max_distance=limit) for v in base_types]),
            stop=MaxRuntime(max(0.05, min(per, t_end - time.perf_counter()))),
            seed=seed,
            display=False,
        )
        teams = {d: [r for r in range(inst.n_teams) if inst.depots[r] == d] for d in depots}
        tours: list[Tour] = [[] for _ in range(inst.n_teams)]
        used = {d: 0 for d in depots}
        for route in res.best.routes():
            d = depots[route.vehicle_type() % nvt]
            r = teams[d][used[d]]
            used[d] += 1
            tours[r] = [divmod(int(a.idx), 2) for a in route if _is_client(a)]
        try:
            # a solution over max_distance but serving every edge is still a valid plan
            return tour_costs(inst, tours), bool(res.is_feasible())
        except RuntimeError:
            return None, False

    # probe upward from the lower bound (often optimal), then bisect; every
    # solution serving all edges (feasible for the probe or not) is kept
    lo, hi = math.ceil(f * bound - 1e-9), None
    best: list[float] | None = None
    probe, step = lo, 0.02
    while time.perf_counter() < t_end - 0.05 and (hi is None or lo <= hi):
        if hi is not None:
            probe = (lo + hi) // 2
        got, feasible = run(probe)
        if got is not None and (best is None or max(got) < max(best)):
            best = got
        if best is not None:
            hi = round(f * max(best)) - 1 if hi is None else min(hi, round(f * max(best)) - 1)
        if not feasible:
            lo = probe + 1
            if hi is None:
                probe = max(lo, math.ceil(probe * (1 + step)))
                step *= 2
    return best if best is not None else [math.inf]


def _is_client(activity: object) -> bool:
    flag = activity.is_client  # type: ignore[attr-defined]
    return bool(flag() if callable(flag) else flag)


# ------------------------------------------------------------------- main
SOLVERS = {"minmax": solve_minmax, "population": solve_search}


def _solve(name: str, inst: ArcInstance, search: SearchParams) -> RoutingResult:
    res = SOLVERS[name](inst, search=search)
    res.validate(inst)
    return res


def _files(dirs: Sequence[Path], prefixes: Sequence[str] = ()) -> list[tuple[str, Path]]:
    """One file per graph (the ``A`` file where a graph has several)."""
    chosen: dict[str, Path] = {}
    for d in dirs:
        for f in sorted(d.glob("*.dat")):
            g = graph_name(f.stem)
            if prefixes and not g.startswith(tuple(prefixes)):
                continue
            if g not in chosen or (f.stem.endswith("A") and not chosen[g].stem.endswith("A")):
                chosen[g] = f

    def natural(g: str) -> tuple:
        return tuple(int(x) if x.isdigit() else x for x in re.split(r"(\d+)", g))

    return sorted(chosen.items(), key=lambda kv: natural(kv[0]))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--instances",
        nargs="+",
        type=Path,
        default=None,
        help="CARPLIB folder(s); default ../shared/benchmarks/arc-routing/{gdb,val}",
    )
    ap.add_argument(
        "--data", type=Path, default=None, help="one CARPLIB folder (adds to --instances)"
    )
    ap.add_argument(
        "--graphs", default="", help="keep graphs whose names start with these (comma-separated)"
    )
    ap.add_argument(
        "--solvers", default="minmax", help="minmax,population: our searches, one column each"
    )
    ap.add_argument("--reference", type=Path, default=None, help="reference.csv")
    ap.add_argument("--problem", choices=["mmkcpp", "mmkrpp"], default="mmkcpp")
    ap.add_argument("--k", default="2,3,4,5,7,10", help="comma-separated team counts")
    ap.add_argument("--time-limit", type=float, default=3.0, help="seconds per solver and row")
    ap.add_argument("--csv", type=Path, default=None, help="write the rows to this CSV")
    ap.add_argument("--baselines", default="ortools,pyvrp", help="ortools,pyvrp | none")
    ap.add_argument(
        "--multi-base", action="store_true", help="k bases by farthest-point sampling from node 1"
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    dirs = list(args.instances or [])
    if args.data is not None:
        dirs.append(args.data)
    dirs = dirs or [SHARED / "gdb", SHARED / "val"]
    solvers = [x for x in args.solvers.split(",") if x]
    for x in solvers:
        if x not in SOLVERS:
            ap.error(f"unknown solver {x!r}; use {', '.join(SOLVERS)}")
    prefixes = [x for x in args.graphs.split(",") if x]
    for d in dirs:
        if not d.is_dir():
            ap.error(
                f"instance folder {d} not found (the shared benchmark data lives in "
                f"{SHARED}; pass --instances DIR)"
            )
    ref_path = args.reference or (SHARED / "reference.csv")
    reference = read_reference(ref_path) if ref_path.is_file() else {}
    if args.reference and not reference:
        ap.error(f"reference file {args.reference} not found or empty")
    ks = [int(x) for x in args.k.split(",") if x.strip()]
    baselines = [] if args.baselines == "none" else [b for b in args.baselines.split(",") if b]
    for b in baselines:
        if b not in ("ortools", "pyvrp"):
            ap.error(f"unknown baseline {b!r}; use ortools, pyvrp or none")
    problem_key = "MMkCPP" if args.problem == "mmkcpp" else "MMkRPP"

    extra = solvers[1:]
    head = (
        f"{'instance':10s} {'k':>3s} {'ours':>8s} {'best':>8s} {'bound':>8s} {'gap%':>7s} {'s':>5s}"
    )
    for x in extra:
        head += f" {x[:8]:>8s} {'gap%':>7s} {'s':>5s}"
    for b in baselines:
        head += f" {b:>8s} {'ours/' + b[:2]:>7s}"
    print(
        f"# {args.problem}{' multi-base' if args.multi_base else ''}, k={ks}, "
        f"time limit {args.time_limit:g} s per solver, seed {args.seed}, ours = {solvers[0]}"
        + (f", also {','.join(extra)}" if extra else "")
    )
    print(head, flush=True)
    rows: list[dict] = []
    gaps: dict[str, list[float]] = {x: [] for x in solvers}
    at_best: dict[str, int] = {x: 0 for x in solvers}
    for g, path in _files(dirs, prefixes):
        data = parse_carplib(path.read_text(encoding="latin-1"), source=str(path))
        for k in ks:
            inst = to_instance(data, problem=args.problem, k=k)
            if args.multi_base:
                inst = to_instance(
                    data, problem=args.problem, depots=farthest_bases(inst, k, first=data.depot)
                )
            ref = None if args.multi_base else reference.get((problem_key, g, k))
            best = ref.best_known if ref else math.nan
            search = SearchParams(time_limit_s=args.time_limit, seed=args.seed)
            row: dict = {"instance": g, "k": k}
            line = f"{g:10s} {k:3d}"
            for n, x in enumerate(solvers):
                res = _solve(x, inst, search)
                target = best if ref else res.lower_bound
                gap = 100.0 * (res.max_cost - target) / target if target > 0 else 0.0
                gaps[x].append(gap)
                at_best[x] += bool(res.max_cost <= target + 1e-6)
                sfx = "" if n == 0 else f"_{x}"
                row[f"ours{sfx}"] = res.max_cost
                if n == 0:
                    row["best_known"] = best
                    row["lower_bound"] = res.lower_bound
                    line += f" {res.max_cost:8.1f} {best:8.1f} {res.lower_bound:8.1f}"
                else:
                    line += f" {res.max_cost:8.1f}"
                row[f"gap_pct{sfx}"] = round(gap, 3)
                row[f"seconds{sfx}"] = round(res.seconds, 2)
                line += f" {gap:7.2f} {res.seconds:5.1f}"
            ours = row["ours"]
            for b in baselines:
                fn = ortools_minmax if b == "ortools" else pyvrp_minmax
                kw = {"bound": row["lower_bound"]} if b == "pyvrp" else {}
                val = max(fn(inst, args.time_limit, args.seed, **kw))
                row[b] = val
                row[f"ratio_{b}"] = round(ours / val, 4) if val > 0 else math.nan
                line += f" {val:8.1f} {row[f'ratio_{b}']:7.3f}"
            rows.append(row)
            print(line, flush=True)
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        fields = ["instance", "k", "ours", "best_known", "lower_bound", "gap_pct", "seconds"]
        for x in extra:
            fields += [f"ours_{x}", f"gap_pct_{x}", f"seconds_{x}"]
        for b in baselines:
            fields += [b, f"ratio_{b}"]
        tmp = args.csv.with_suffix(args.csv.suffix + ".tmp")
        with tmp.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
        tmp.replace(args.csv)
    for b in baselines:
        r = [row[f"ratio_{b}"] for row in rows if math.isfinite(row[f"ratio_{b}"])]
        print(
            f"# ours / {b}: mean ratio {np.mean(r):.4f}, "
            f"worse on {sum(x > 1 + 1e-9 for x in r)}, better on {sum(x < 1 - 1e-9 for x in r)}"
            f" of {len(r)}"
        )
    what = "to lower bound" if args.multi_base or not reference else "to best_known"
    for n, x in enumerate(solvers):
        sfx = "" if n == 0 else f"_{x}"
        secs = np.mean([r[f"seconds{sfx}"] for r in rows])
        print(
            f"# {x}: mean gap {np.mean(gaps[x]):.2f} %, max gap {np.max(gaps[x]):.2f} %, "
            f"{at_best[x]} / {len(rows)} rows at or below the target, mean seconds {secs:.2f}"
        )
    print(f"# gap {what}")
    x = solvers[0]
    print(
        f"mean gap {np.mean(gaps[x]):.2f} %, max gap {np.max(gaps[x]):.2f} %, {len(rows)} instances"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
