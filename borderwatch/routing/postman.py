"""Chinese and rural postman tours (one team).

* Chinese postman (every usable edge required): exact, Edmonds–Johnson —
  odd-degree nodes, minimum-weight perfect matching on shortest-path
  distances, Euler circuit of the augmented multigraph.
* Rural postman (a subset required): Frederickson's heuristic — join the
  components of the required edges (and the start node) by a minimum spanning
  tree on shortest-path distances, match the odd nodes, Euler circuit. When the
  required edges and the start form one component this is exact.

``nx.eulerize`` is deliberately not used: it ignores edge weights.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from borderwatch.errors import RoutingError
from borderwatch.routing.instance import ArcInstance

__all__ = [
    "EXACT_MATCHING_UP_TO",
    "SPARSE_MATCHING_UP_TO",
    "OddMatching",
    "PostmanTour",
    "add_matchings",
    "cached_matchings",
    "chinese_postman",
    "match_odd_nodes",
    "min_weight_odd_matching",
    "rural_postman",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class PostmanTour:
    """A closed walk of one team.

    Attributes
    ----------
    start
        Start (and end) node.
    edges
        Edge ids in driving order.
    forward
        ``True`` where the edge is driven ``u`` → ``v``.
    serve
        ``True`` where this traversal serves a required edge (once per edge).
    cost
        Total cost of the walk for the profile it was built for.
    """

    start: int
    edges: tuple[int, ...]
    forward: tuple[bool, ...]
    serve: tuple[bool, ...]
    cost: float

    def tasks(self) -> list[tuple[int, bool]]:
        """Return the served edges in order as ``(edge id, forward)`` pairs."""
        return [(e, f) for e, f, s in zip(self.edges, self.forward, self.serve, strict=True) if s]


#: Up to this many nodes the odd-node matching is exact (networkx blossom, complete graph).
EXACT_MATCHING_UP_TO = 300
#: Up to this many nodes the blossom runs on each node's 40 nearest partners (near-exact).
SPARSE_MATCHING_UP_TO = 400
#: Matchings kept by :func:`match_odd_nodes`, keyed by the distance sub-matrix.
_MATCHING_CACHE_SIZE = 8
_matching_cache: OrderedDict[tuple[bytes, int, int], OddMatching] = OrderedDict()
_matching_lock = threading.Lock()


@dataclass(frozen=True)
class OddMatching:
    """A perfect matching of an even number of nodes and a lower bound on the optimum.

    Attributes
    ----------
    pairs
        Matched pairs of the entries of the ``nodes`` given, each ``(min, max)``, sorted.
    cost
        Total distance of ``pairs``.
    lower_bound
        A value no minimum-weight perfect matching is below: ``cost`` itself when
        ``exact``, else half the optimum of the assignment relaxation (see
        :func:`match_odd_nodes`).
    exact
        Whether ``pairs`` is a minimum-weight perfect matching.
    """

    pairs: tuple[tuple[int, int], ...]
    cost: float
    lower_bound: float
    exact: bool


def match_odd_nodes(
    dist: np.ndarray,
    nodes: list[int],
    *,
    exact_up_to: int = EXACT_MATCHING_UP_TO,
    sparse_up_to: int = SPARSE_MATCHING_UP_TO,
    neighbours: int = 10,
) -> OddMatching:
    """Perfect matching of ``nodes`` under ``dist``: exact when small, a heuristic beyond.

    Up to ``exact_up_to`` nodes: networkx's blossom algorithm on the complete graph
    (exact; its time grows about cubically, hence the cut-off). Up to ``sparse_up_to``
    nodes: the same on each node's 40 nearest partners (the former branch above 300:
    near-exact, seconds at a few hundred nodes; the complete graph if that leaves a node
    unmatched). Above: a heuristic written here (networkx has no approximate matching
    and scipy's assignment solver is bipartite only) -- greedy nearest pairs over each
    node's ``neighbours`` nearest partners (any nodes left over are paired greedily on
    the complete graph), then 2-opt pair swaps (``(a, b), (c, d)`` -> ``(a, c), (b, d)``
    or ``(a, d), (b, c)`` for ``c`` among ``a``'s nearest nodes) until none shortens the
    matching. When not exact, the lower bound is half the optimum of the assignment
    problem on ``dist`` with the diagonal forbidden (scipy ``linear_sum_assignment``): a
    perfect matching ``M`` read both ways is an assignment of cost ``2 * cost(M)``, so
    ``assignment / 2 <= min cost(M)``; it is never below half the sum of each node's
    nearest-neighbour distance.

    Results are cached on the bytes of the distance sub-matrix, so a bound and a tour
    asking for the same matching compute it once.

    Parameters
    ----------
    dist
        Square matrix of shortest-path distances indexed by the entries of
        ``nodes`` (``inf`` = unreachable).
    nodes
        An even number of row indices of ``dist`` to pair up.
    exact_up_to
        Largest number of nodes matched exactly.
    sparse_up_to
        Largest number of nodes matched by the blossom on nearest partners.
    neighbours
        Candidate partners per node for the heuristic.

    Returns
    -------
    OddMatching
        The pairs, their cost and a lower bound on the optimum.

    Raises
    ------
    RoutingError
        If no perfect matching of finite weight exists.
    """
    if len(nodes) % 2:
        raise RoutingError(f"cannot match an odd number ({len(nodes)}) of nodes")
    if not nodes:
        return OddMatching((), 0.0, 0.0, True)
    arr = np.asarray(nodes)
    sub = np.ascontiguousarray(dist[np.ix_(arr, arr)], dtype=np.float64)
    exact = len(nodes) <= exact_up_to
    sparse = not exact and len(nodes) <= sparse_up_to
    key = (
        hashlib.blake2b(sub.tobytes(), digest_size=16).digest(),
        len(nodes),
        -1 if exact else -2 if sparse else neighbours,
    )
    with _matching_lock:
        hit = _matching_cache.get(key)
        if hit is not None:
            _matching_cache.move_to_end(key)
    if hit is None:
        from borderwatch.data.road_cache import cached_computation

        # kept on disk too (the borderwatch cache): every plan of a scenario asks for the
        # same giant tour's matching, ~0.2 s of Ningming's search setup
        disk = _disk_key(sub, key[1:])
        if disk is None:  # no source to key the code by: not kept
            hit = _compute_matching(sub, exact, sparse, neighbours)
        else:
            hit = cached_computation(
                "matchings",
                disk,
                lambda: _compute_matching(sub, exact, sparse, neighbours),
                f"odd-node matching of {len(nodes)} nodes",
            )
        if not exact and not sparse:  # computed or from the disk: how near the optimum
            logger.info(
                "odd-node matching of %d nodes by the heuristic: cost %.1f, lower bound %.1f",
                len(nodes),
                hit.cost,
                hit.lower_bound,
            )
        with _matching_lock:
            _matching_cache[key] = hit
            while len(_matching_cache) > _MATCHING_CACHE_SIZE:
                _matching_cache.popitem(last=False)
    pairs = sorted((min(nodes[i], nodes[j]), max(nodes[i], nodes[j])) for i, j in hit.pairs)
    return replace(hit, pairs=tuple(pairs))


def _compute_matching(sub: np.ndarray, exact: bool, sparse: bool, neighbours: int) -> OddMatching:
    """:func:`match_odd_nodes`' matching of the distance sub-matrix ``sub`` (positions)."""
    if exact:
        pos = sorted(_exact_matching(sub))
        total = float(sum(sub[i, j] for i, j in pos))
        return OddMatching(tuple(pos), total, total, True)
    if sparse:
        pos = sorted(_exact_matching(sub, nearest=40))
        total = float(sum(sub[i, j] for i, j in pos))
        return OddMatching(tuple(pos), total, min(total, _assignment_bound(sub)), False)
    pos = _heuristic_matching(sub, neighbours)
    total = float(sum(sub[i, j] for i, j in pos))
    return OddMatching(tuple(pos), total, min(total, _assignment_bound(sub)), False)


def _disk_key(sub: np.ndarray, mode: tuple[int, int]) -> str | None:
    """The disk cache's key of a matching: the sub-matrix's bytes, its mode, this module's
    source and the versions of the libraries it computes with (any change of the code
    that matches makes a new key); None where the source cannot be read (a zipped or
    frozen install: no key says which code matched)."""
    import scipy

    from borderwatch.data.road_cache import source_digest

    code = source_digest(__file__, (nx.__version__, np.__version__, scipy.__version__))
    if not code:
        return None
    h = hashlib.sha256(f"{code}\0{mode[0]}\0{mode[1]}\0{sub.shape}\0".encode())
    h.update(sub.tobytes())
    return h.hexdigest()


def cached_matchings() -> list[tuple[tuple[bytes, int, int], OddMatching]]:
    """The matchings :func:`match_odd_nodes` keeps, to hand to another process.

    A process forked beside this one (the plan's bound, :class:`borderwatch.plan.patrols.BoundBeside`)
    computes a matching this one needs too and sends it back; :func:`add_matchings` there
    makes the same call a cache hit (the key is the distance sub-matrix's bytes, so an
    entry only ever answers the very matrix it was computed on).

    Returns
    -------
    list of (key, OddMatching)
        The cache's entries, oldest first.
    """
    with _matching_lock:
        return list(_matching_cache.items())


def add_matchings(items: list[tuple[tuple[bytes, int, int], OddMatching]]) -> None:
    """Add matchings of :func:`cached_matchings` (of another process) to this process's cache.

    Parameters
    ----------
    items
        ``(key, matching)`` pairs as :func:`cached_matchings` returns them.
    """
    with _matching_lock:
        for key, hit in items:
            _matching_cache[key] = hit
            _matching_cache.move_to_end(key)
        while len(_matching_cache) > _MATCHING_CACHE_SIZE:
            _matching_cache.popitem(last=False)


def _exact_matching(sub: np.ndarray, *, nearest: int = 0) -> list[tuple[int, int]]:
    """Blossom on the complete graph, or first on each node's ``nearest`` partners."""
    n = len(sub)
    for few in (nearest > 0, False):
        g = nx.Graph()
        g.add_nodes_from(range(n))
        if few:
            order = np.argsort(sub, axis=1, kind="stable")[:, 1 : nearest + 1]
            cand = sorted({(min(i, int(j)), max(i, int(j))) for i in range(n) for j in order[i]})
        else:
            cand = [(i, j) for i in range(n) for j in range(i + 1, n)]
        for i, j in cand:
            w = float(sub[i, j])
            if np.isfinite(w):
                g.add_edge(i, j, weight=w)
        matching = _min_weight_matching(g)
        if 2 * len(matching) == n:
            return [(min(a, b), max(a, b)) for a, b in matching]
        if not few:
            break
        logger.debug("sparse matching left nodes unmatched; retrying on the complete graph")
    raise RoutingError("odd-degree nodes cannot be paired: the graph is disconnected")


class _PlainGraph(nx.Graph):  # type: ignore[misc]
    """A graph whose ``g[v]`` is its adjacency dict itself, not a read-only view.

    networkx's blossom reads an edge's weight as ``g[v][w].get(weight, 1)`` about a
    million times on ~100 nodes; each read through :class:`networkx.Graph` builds an
    ``AtlasView`` and goes through two view lookups, 40 % of the matching's time.
    Nothing else changes: the same graph, the same algorithm, the same matching.
    """

    def __getitem__(self, n: Any) -> Any:
        return self._adj[n]


def _min_weight_matching(g: nx.Graph) -> set[tuple[int, int]]:
    """``nx.min_weight_matching(g, weight="weight")``, its blossom run on a :class:`_PlainGraph`.

    The same steps as networkx's own (weights ``1 + max - w`` added in ``g``'s edge
    order, then ``max_weight_matching`` with maximum cardinality), so the same pairs;
    tests/routing/test_postman.py compares the two, ties included.
    """
    from networkx.algorithms.matching import max_weight_matching

    if len(g.edges) == 0:
        return set(max_weight_matching(g, maxcardinality=True, weight="weight"))
    edges = g.edges(data="weight", default=1)
    top = 1 + max(w for _, _, w in edges)
    inv = _PlainGraph()
    inv.add_weighted_edges_from(((u, v, top - w) for u, v, w in edges), weight="weight")
    return set(max_weight_matching(inv, maxcardinality=True, weight="weight"))


def _heuristic_matching(sub: np.ndarray, neighbours: int) -> list[tuple[int, int]]:
    n = len(sub)
    k = max(1, min(neighbours, n - 1))
    off = sub.copy()
    np.fill_diagonal(off, np.inf)
    near = np.argsort(off, axis=1, kind="stable")[:, :k]
    partner = np.full(n, -1, dtype=np.int64)

    def greedy(i: np.ndarray, j: np.ndarray) -> None:
        keep = np.isfinite(off[i, j])
        for a, b in zip(i[keep].tolist(), j[keep].tolist(), strict=True):
            if partner[a] < 0 and partner[b] < 0:
                partner[a], partner[b] = b, a

    rows = np.repeat(np.arange(n), k)
    cols = near.ravel()
    order = np.lexsort((np.maximum(rows, cols), np.minimum(rows, cols), off[rows, cols]))
    greedy(rows[order], cols[order])
    left = np.flatnonzero(partner < 0)
    if len(left):
        ii, jj = np.triu_indices(len(left), 1)
        i, j = left[ii], left[jj]
        order = np.lexsort((j, i, off[i, j]))
        greedy(i[order], j[order])
    if (partner < 0).any():
        raise RoutingError("odd-degree nodes cannot be paired: the graph is disconnected")
    # 2-opt pair swaps over the nearest partners, first improvement, until none improves
    w = off.tolist()
    cand = near.tolist()
    mate = partner.tolist()
    finite = off[np.isfinite(off)]
    eps = 1e-12 * max(float(finite.max()) if finite.size else 1.0, 1.0)
    improved = True
    while improved:
        improved = False
        for a in range(n):
            for c in cand[a]:
                b, d = mate[a], mate[c]
                if c == b:
                    continue
                now = w[a][b] + w[c][d]
                if now - w[a][c] - w[b][d] > eps:
                    mate[a], mate[c], mate[b], mate[d] = c, a, d, b
                    improved = True
                elif now - w[a][d] - w[b][c] > eps:
                    mate[a], mate[d], mate[b], mate[c] = d, a, c, b
                    improved = True
    return sorted((a, b) for a, b in enumerate(mate) if a < b)


def _assignment_bound(sub: np.ndarray) -> float:
    off = sub.copy()
    np.fill_diagonal(off, np.inf)
    try:
        r, c = linear_sum_assignment(off)
    except ValueError:  # no finite assignment: no finite matching either
        return math.inf
    return float(off[r, c].sum()) / 2.0


def min_weight_odd_matching(
    dist: np.ndarray,
    nodes: list[int],
    *,
    exact_up_to: int = EXACT_MATCHING_UP_TO,
    sparse_up_to: int = SPARSE_MATCHING_UP_TO,
    neighbours: int = 10,
) -> list[tuple[int, int]]:
    """Pairs of :func:`match_odd_nodes` (exact up to ``exact_up_to`` nodes, heuristic beyond).

    Parameters
    ----------
    dist
        Square matrix of shortest-path distances indexed by the entries of ``nodes``.
    nodes
        An even number of row indices of ``dist`` to pair up.
    exact_up_to, sparse_up_to, neighbours
        As for :func:`match_odd_nodes`.

    Returns
    -------
    list of (int, int)
        Matched pairs of entries of ``nodes``, each ``(min, max)``, sorted.

    Raises
    ------
    RoutingError
        If the nodes admit no perfect matching of finite weight.
    """
    m = match_odd_nodes(
        dist, nodes, exact_up_to=exact_up_to, sparse_up_to=sparse_up_to, neighbours=neighbours
    )
    return list(m.pairs)


def _join_components(dk: np.ndarray, comp_of_key: np.ndarray) -> list[tuple[int, int]]:
    """Key-node pairs of a minimum spanning tree joining the components (Frederickson).

    The tree is Kruskal's on the complete graph of components, an edge weighing the
    shortest distance between two components and standing for the first closest pair of
    key nodes (row-major). Written with numpy rather than networkx because the graph of
    components is complete (hundreds of thousands of edges on long borders); it keeps
    networkx's choice exactly: a stable sort of the edges by weight in ``(i, j)`` order,
    and the tree's edges returned sorted by component.
    """
    labels, comp = np.unique(comp_of_key, return_inverse=True)
    n_comp = len(labels)
    perm = np.argsort(comp, kind="stable")  # key nodes by component, then by index
    starts = np.flatnonzero(np.r_[True, comp[perm][1:] != comp[perm][:-1]])
    ends = np.r_[starts[1:], len(perm)]
    block = dk[np.ix_(perm, perm)]
    closest = np.minimum.reduceat(np.minimum.reduceat(block, starts, axis=1), starts, axis=0)
    iu, ju = np.triu_indices(n_comp, 1)
    weight = closest[iu, ju]
    if not np.isfinite(weight).all():
        raise RoutingError("required edges are not all reachable from the start node")
    root = list(range(n_comp))

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    chosen = []
    for k in np.argsort(weight, kind="stable").tolist():
        a, b = find(int(iu[k])), find(int(ju[k]))
        if a != b:
            root[a] = b
            chosen.append((int(iu[k]), int(ju[k])))
            if len(chosen) == n_comp - 1:
                break
    out = []
    for i, j in sorted(chosen):
        sub = block[starts[i] : ends[i], starts[j] : ends[j]]
        ia, ib = np.unravel_index(int(np.argmin(sub)), sub.shape)
        out.append((int(perm[starts[i] + ia]), int(perm[starts[j] + ib])))
    return out


def _join_matched(
    inst: ArcInstance,
    dk: np.ndarray,
    keys: np.ndarray,
    req: np.ndarray,
    label: np.ndarray,
    odd_required: list[int],
) -> list[tuple[int, int]]:
    """Deadheads (key-node pairs) of a tour made of one matching and a doubled tree.

    The odd nodes of the required edges are matched (:func:`match_odd_nodes`, the call
    :func:`~borderwatch.routing.bounds.odd_join_bound` makes, hence its cached result);
    the required edges plus those shortest paths have even degrees everywhere. The
    components they leave apart (and the start) are joined by the spanning tree of
    :func:`_join_components`, each of its paths driven there and back, which keeps
    every degree even. Costlier than Frederickson's order (tree, then a matching of the
    tree's odd nodes) by at most the tree once more, but one matching instead of two
    above a thousand odd nodes.
    """
    pairs = list(match_odd_nodes(dk, odd_required, sparse_up_to=0).pairs)
    paths = inst.paths(0, [(int(keys[a]), int(keys[b])) for a, b in pairs])
    used = np.concatenate([req, np.array([e for p in paths for e, _ in p], dtype=np.int64)])
    g = csr_matrix((np.ones(len(used)), (inst.u[used], inst.v[used])), shape=(inst.n_nodes,) * 2)
    _, joined = connected_components(g, directed=False)
    comp_of_key = joined[keys]
    tree = _join_components(dk, comp_of_key) if len(np.unique(comp_of_key)) > 1 else []
    logger.debug(
        "giant tour: %d odd nodes matched once, %d tree paths doubled (%d components before)",
        len(odd_required),
        len(tree),
        len(np.unique(label[keys])),
    )
    return pairs + tree + tree


def chinese_postman(
    graph: ArcInstance, *, profile: int = 0, start: int | None = None
) -> PostmanTour:
    """Exact Chinese postman tour: drive every edge the profile may use.

    Parameters
    ----------
    graph
        The instance; its ``required`` mask is ignored.
    profile
        Vehicle profile whose costs are used.
    start
        Start node; defaults to the first team's depot.

    Returns
    -------
    PostmanTour
        An optimal closed walk serving every usable edge once.
    """
    start = int(graph.depots[0] if start is None else start)
    usable = np.isfinite(graph.cost[profile])
    single = replace(
        graph,
        cost=graph.cost[profile][None, :],
        required=usable,
        depots=np.array([start]),
        team_profile=np.array([0]),
        team_names=None,
    )
    return rural_postman(single, profile=0, start=start)


def rural_postman(graph: ArcInstance, *, profile: int = 0, start: int | None = None) -> PostmanTour:
    """Rural postman tour (Frederickson) through the required edges.

    Parameters
    ----------
    graph
        The arc-routing instance whose ``required`` edges the tour serves.
    profile
        Index of the vehicle profile whose edge costs apply.
    start
        Node the tour starts and ends at (default: the depot of the first team).

    Returns
    -------
    PostmanTour
        A closed walk from ``start`` serving every required edge once;
        optimal when the required edges and ``start`` are connected.

    Raises
    ------
    RoutingError
        If the profile may not drive a required edge or cannot reach it.
    """
    start = int(graph.depots[0] if start is None else start)
    cost = graph.cost[profile]
    req = graph.required_edges
    if not np.isfinite(cost[req]).all():
        e = int(req[~np.isfinite(cost[req])][0])
        raise RoutingError(f"profile {profile} may not drive required edge {e}")
    inst = replace(
        graph,
        cost=cost[None, :],
        depots=np.array([start]),
        team_profile=np.array([0]),
        team_names=None,
    )
    sp = inst.shortest_paths(0)
    idx, dk = sp.index, sp.key_dist
    if len(req) == 0:
        return PostmanTour(start, (), (), (), 0.0)

    walk: list[tuple[int, int, int, bool]] = [
        (int(inst.u[e]), int(inst.v[e]), int(e), True) for e in req
    ]
    deadheads: list[tuple[int, int]] = []

    # join the components of the required edges and the start node
    g = csr_matrix((np.ones(len(req)), (inst.u[req], inst.v[req])), shape=(inst.n_nodes,) * 2)
    _, label = connected_components(g, directed=False)
    keys = sp.nodes
    comp_of_key = label[keys]
    if len(np.unique(comp_of_key)) > 1:
        deadheads += _join_components(dk, comp_of_key)

    degree = np.zeros(len(keys), dtype=np.int64)
    np.add.at(degree, idx[inst.u[req]], 1)
    np.add.at(degree, idx[inst.v[req]], 1)
    odd_required = np.flatnonzero(degree % 2).tolist()
    for a, b in deadheads:
        degree[a] += 1
        degree[b] += 1
    odd = np.flatnonzero(degree % 2).tolist()
    if len(odd) > SPARSE_MATCHING_UP_TO:
        # beyond the blossom tiers: match the odd nodes of the required edges alone (the
        # very matching the average bound asks for, so it is computed once and shared),
        # then join what is still apart by a spanning tree driven there and back
        deadheads = _join_matched(inst, dk, keys, req, label, odd_required)
    else:
        deadheads += min_weight_odd_matching(dk, odd)

    for steps in inst.paths(0, [(int(keys[a]), int(keys[b])) for a, b in deadheads]):
        for e, fwd in steps:
            x, y = (int(inst.u[e]), int(inst.v[e])) if fwd else (int(inst.v[e]), int(inst.u[e]))
            walk.append((x, y, int(e), False))

    mg = nx.MultiGraph()
    for i, (x, y, _, _) in enumerate(walk):
        mg.add_edge(x, y, key=i)
    edges, forward, serve = [], [], []
    total = 0.0
    for x, _y, key in nx.eulerian_circuit(mg, source=start, keys=True):
        _, _, e, s = walk[key]
        edges.append(e)
        forward.append(bool(inst.u[e] == x))
        serve.append(s)
        total += float(cost[e])
    logger.debug(
        "postman tour: %d required, %d deadhead paths, cost %.3f",
        len(req),
        len(deadheads),
        total,
    )
    return PostmanTour(start, tuple(edges), tuple(forward), tuple(serve), total)
