"""Benchmark: routing setup (shortest paths, odd-node matching), former dense vs new, same process.

For generated scenarios (``generate_scenario(km, seed=7)``, ``build_network``, the required
roads and the arc instance the plan builds) it measures, side by side in one process:

* shortest paths of every profile (cost row): the former computation (one scipy run per
  row from every key node, dense ``(K, n)`` distance and predecessor arrays kept) against
  :meth:`ArcInstance.shortest_paths` (key-node table only, one run per group of rows of a
  vehicle); seconds and peak MB (``tracemalloc``, numpy arrays included), MB kept after;
  and that the key-node distances are identical;
* rebuilding paths: 400 key-node pairs traced from the dense predecessors, by
  ``ArcInstance.paths`` (batched) and one ``ArcInstance.path`` at a time;
* the odd-node matchings at the odd-node counts that occur (the bound's: odd nodes of the
  required links; the giant tour's: after joining the components): networkx blossom on
  the complete graph (today's exact branch, run when the count is at most 300), on the
  40-nearest candidate graph (today's branch above 300) and the new heuristic; cost and
  bound ratios against the best of them.

Each scenario runs in a child process (spawn) with a time limit; a scenario that does not
finish in it is reported as skipped.

Usage::

    python benchmarks/shortest_paths.py                      # 100, 500, 1000 km
    python benchmarks/shortest_paths.py --sizes 100 --timeout 120
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue as queue_mod
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results" / "shortest_paths.txt"


def _dense_rows(inst: Any) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, dict]]:
    """The former ``ArcInstance._compute_paths``: one dense run per cost row."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    out = []
    nodes = inst.key_nodes
    for p in range(inst.n_profiles):
        c = inst.cost[p]
        ok = np.flatnonzero(np.isfinite(c) & (inst.u != inst.v))
        a, b = np.minimum(inst.u[ok], inst.v[ok]), np.maximum(inst.u[ok], inst.v[ok])
        order = np.lexsort((ok, c[ok], b, a))
        a, b, ids = a[order], b[order], ok[order]
        first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
        a, b, ids = a[first], b[first], ids[first]
        edge_of = {(int(x), int(y)): int(e) for x, y, e in zip(a, b, ids, strict=True)}
        g = csr_matrix((c[ids], (a, b)), shape=(inst.n_nodes,) * 2)
        dist, pred = dijkstra(g, directed=False, indices=nodes, return_predecessors=True)
        out.append((dist, pred, np.ascontiguousarray(dist[:, nodes]), edge_of))
    return out


def _measure(fn: Any) -> tuple[Any, float, float, float]:
    """Result, seconds, peak MB and MB still held after ``fn`` (tracemalloc)."""
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t
    now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, secs, peak / 2**20, now / 2**20


def _matchings(dist: np.ndarray, label: str) -> list[str]:
    """Time the matchings of one odd-node set; lines of the report."""
    import networkx as nx

    from borderwatch.routing import postman

    n = len(dist)
    nodes = list(range(n))
    lines = []
    rows: dict[str, tuple[float, float, float]] = {}
    if n <= 300:
        postman._matching_cache.clear()
        t = time.perf_counter()
        m = postman.match_odd_nodes(dist, nodes, exact_up_to=n)
        rows["exact (complete graph)"] = (time.perf_counter() - t, m.cost, m.lower_bound)
    if n <= 800:  # today's branch above 300; slow beyond (26 s per run at 1,270 nodes)
        t = time.perf_counter()
        order = np.argsort(dist + np.diag(np.full(n, np.inf)), axis=1, kind="stable")[:, :40]
        g = nx.Graph()
        g.add_nodes_from(nodes)
        cand = {(min(a, int(b)), max(a, int(b))) for a in nodes for b in order[a]}
        for i, j in sorted(cand):
            if np.isfinite(dist[i, j]):
                g.add_edge(i, j, weight=float(dist[i, j]))
        pairs = nx.min_weight_matching(g)
        cost = float(sum(dist[a, b] for a, b in pairs))
        if 2 * len(pairs) == n:
            rows["former sparse (40 nearest)"] = (time.perf_counter() - t, cost, float("nan"))
    postman._matching_cache.clear()
    t = time.perf_counter()
    m = postman.match_odd_nodes(dist, nodes, exact_up_to=0, sparse_up_to=0)
    rows["new heuristic"] = (time.perf_counter() - t, m.cost, m.lower_bound)
    best = min(c for _, c, _ in rows.values())
    for name, (secs, cost, bound) in rows.items():
        lines.append(
            f"  matching {label:<5} {n:>5} odd  {name:<27} {secs:>8.2f} s  cost/best "
            f"{cost / best:6.3f}  bound/best {bound / best:6.3f}"
        )
    heur = rows["new heuristic"][0]
    for name, (secs, _, _) in rows.items():
        if name != "new heuristic" and heur > 0:
            lines.append(
                f"  matching {label:<5} speed-up of the heuristic over {name}: {secs / heur:.0f}x"
            )
    return lines


def run_one(km: float, required_s: float) -> Iterator[str]:
    """All measurements of one generated scenario, as lines of the report."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.errors import RoutingError
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.bounds import average_bound
    from borderwatch.routing.instance import ArcInstance
    from borderwatch.routing.patrol import build_instance
    from borderwatch.routing.postman import _join_components

    t = time.perf_counter()
    net = build_network(generate_scenario(km, seed=7))
    patrol = build_instance(net, choose_required_edges(net, time_limit_s=required_s).edges)
    base = patrol.instance
    build_s = time.perf_counter() - t

    def fresh() -> ArcInstance:
        return ArcInstance(
            base.n_nodes, base.u, base.v, base.cost, base.required, base.depots, base.team_profile
        )

    inst = fresh()
    k, n, rows = len(inst.key_nodes), inst.n_nodes, inst.n_profiles
    yield (
        f"{km:g} km: {n:,} nodes, {inst.n_edges:,} edges, K = {k:,} key nodes, {rows} cost rows "
        f"in {len(inst.profile_groups)} groups, {inst.n_teams} teams (built in {build_s:.0f} s)"
    )
    dense, d_s, d_peak, d_kept = _measure(lambda: _dense_rows(inst))
    sps, n_s, n_peak, n_kept = _measure(
        lambda: [inst.shortest_paths(p) for p in range(inst.n_profiles)]
    )
    same = all(np.array_equal(sp.key_dist, d[2]) for sp, d in zip(sps, dense, strict=True))
    yield from [
        f"  shortest paths  former dense  {d_s:8.2f} s  peak {d_peak:8.1f} MB  kept {d_kept:8.1f} MB",
        f"  shortest paths  new           {n_s:8.2f} s  peak {n_peak:8.1f} MB  kept {n_kept:8.1f} MB",
        f"  ratio former/new: time {d_s / n_s:.2f}x, peak memory {d_peak / n_peak:.1f}x, "
        f"kept memory {d_kept / n_kept:.1f}x; key-node distances identical: {same}",
    ]
    # rebuilding paths
    rng = np.random.default_rng(0)
    keys = inst.key_nodes
    prof = int(np.argmax([np.isfinite(sp.key_dist).sum() for sp in sps]))
    dist, pred, _, edge_of = dense[prof]
    pairs = []
    while len(pairs) < 400:
        r, c = (int(x) for x in rng.integers(0, k, 2))
        if np.isfinite(dist[r, keys[c]]):
            pairs.append((r, c))

    def traced() -> list[list[tuple[int, bool]]]:
        out = []
        for r, c in pairs:
            s, node = int(keys[r]), int(keys[c])
            nodes = [node]
            while nodes[-1] != s:
                nodes.append(int(pred[r, nodes[-1]]))
            nodes.reverse()
            out.append(
                [
                    (e := edge_of[(min(x, y), max(x, y))], bool(inst.u[e] == x))
                    for x, y in zip(nodes[:-1], nodes[1:], strict=True)
                ]
            )
        return out

    node_pairs = [(int(keys[r]), int(keys[c])) for r, c in pairs]
    t = time.perf_counter()
    old_paths = traced()
    old_s = time.perf_counter() - t
    t = time.perf_counter()
    batch = fresh().paths(prof, node_pairs)
    batch_s = time.perf_counter() - t
    one = fresh()
    t = time.perf_counter()
    single = [one.path(prof, s, e) for s, e in node_pairs]
    single_s = time.perf_counter() - t
    yield (
        f"  400 paths (row {prof}): dense trace {old_s:.2f} s, new batched {batch_s:.2f} s, "
        f"new one at a time {single_s:.2f} s (incl. the key table); same paths: "
        f"{old_paths == batch == single}"
    )
    del dense
    # matchings at the odd-node counts that occur
    req = inst.required_edges
    deg = np.bincount(np.concatenate([inst.u[req], inst.v[req]]), minlength=n)
    odd = np.flatnonzero(deg % 2)
    profiles = np.unique(inst.team_profile)
    cmin = inst.cost[profiles].min(axis=0)
    try:  # the giant tour's instance, as minmax builds it (it gives up when this fails)
        single_inst = ArcInstance(n, inst.u, inst.v, cmin, inst.required, inst.depots[:1])
    except RoutingError as exc:
        yield f"  no giant tour: {exc}"
        return
    sp = single_inst.shortest_paths(0)
    yield from _matchings(sp.key_dist[np.ix_(sp.index[odd], sp.index[odd])], "bound")
    g = csr_matrix((np.ones(len(req)), (inst.u[req], inst.v[req])), shape=(n, n))
    label = connected_components(g, directed=False)[1]
    t = time.perf_counter()
    tree = _join_components(sp.key_dist, label[sp.nodes])
    tree_s = time.perf_counter() - t
    kdeg = np.zeros(len(sp.nodes), dtype=np.int64)
    np.add.at(kdeg, sp.index[inst.u[req]], 1)
    np.add.at(kdeg, sp.index[inst.v[req]], 1)
    for a, b in tree:
        kdeg[a] += 1
        kdeg[b] += 1
    tour_odd = np.flatnonzero(kdeg % 2)
    yield (
        f"  giant tour: {len(np.unique(label[sp.nodes]))} required components joined in "
        f"{tree_s:.2f} s; odd nodes: bound {len(odd)}, tour {len(tour_odd)} (different sets, "
        "so the two matchings cannot be one)"
    )
    yield from _matchings(sp.key_dist[np.ix_(tour_odd, tour_odd)], "tour")
    t = time.perf_counter()
    bound = average_bound(fresh())
    yield f"  average bound (new, whole): {bound:.1f} s in {time.perf_counter() - t:.2f} s"


def _child(km: float, required_s: float, queue: Any) -> None:
    for line in run_one(km, required_s):
        queue.put(line)
    queue.put(None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,1000", help="border lengths (km)")
    parser.add_argument("--required-s", type=float, default=10.0, help="required-roads MILP s")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per scenario")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from borderwatch.atomic import write_text

    ctx = mp.get_context("spawn")
    report = [
        "# benchmarks/shortest_paths.py: routing setup, former dense vs new, same process",
        f"# sizes {args.sizes} km, seed 7, required-roads MILP {args.required_s:g} s, "
        f"{mp.cpu_count()} cores",
    ]
    for km in (float(x) for x in args.sizes.split(",")):
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(km, args.required_s, queue))
        t = time.perf_counter()
        proc.start()
        while True:
            try:
                line = queue.get(timeout=max(1.0, t + args.timeout - time.perf_counter()))
            except queue_mod.Empty:
                proc.kill()
                line = f"  {km:g} km: stopped here (not finished in {args.timeout:.0f} s)"
            if line is None:
                line = f"  {km:g} km: done in {time.perf_counter() - t:.0f} s"
            print(line, flush=True)
            report.append(line)
            if line.startswith(f"  {km:g} km: "):
                break
        proc.join()
    write_text(args.out, "\n".join(report) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
