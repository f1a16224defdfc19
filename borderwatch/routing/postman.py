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

import logging
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from borderwatch.errors import RoutingError
from borderwatch.routing.instance import ArcInstance

__all__ = ["PostmanTour", "chinese_postman", "min_weight_odd_matching", "rural_postman"]

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


def min_weight_odd_matching(
    dist: np.ndarray, nodes: list[int], *, exact_up_to: int = 300, neighbours: int = 40
) -> list[tuple[int, int]]:
    """Minimum-weight perfect matching of ``nodes`` under the distance matrix ``dist``.

    Parameters
    ----------
    dist
        Square matrix of shortest-path distances indexed by the entries of
        ``nodes`` (``inf`` = unreachable).
    nodes
        An even number of row indices of ``dist`` to pair up.
    exact_up_to
        Up to this many nodes the matching is exact (blossom on the complete
        graph). Above it, only each node's ``neighbours`` nearest partners are
        candidates (much faster, near-optimal in practice); the complete graph
        is used again if that leaves a node unmatched.
    neighbours
        Candidate partners per node above ``exact_up_to``.

    Returns
    -------
    list of (int, int)
        Matched pairs of entries of ``nodes``.

    Raises
    ------
    RoutingError
        If no perfect matching of finite weight exists.
    """
    if len(nodes) % 2:
        raise RoutingError(f"cannot match an odd number ({len(nodes)}) of nodes")
    if not nodes:
        return []
    arr = np.asarray(nodes)
    sub = dist[np.ix_(arr, arr)]
    for sparse in (len(nodes) > exact_up_to, False):
        g = nx.Graph()
        g.add_nodes_from(nodes)
        if sparse:
            order = np.argsort(sub, axis=1, kind="stable")[:, 1 : neighbours + 1]
            cand = {(min(i, int(j)), max(i, int(j))) for i in range(len(nodes)) for j in order[i]}
        else:
            cand = {(i, j) for i in range(len(nodes)) for j in range(i + 1, len(nodes))}
        for i, j in sorted(cand):
            w = float(sub[i, j])
            if np.isfinite(w):
                g.add_edge(nodes[i], nodes[j], weight=w)
        matching = nx.min_weight_matching(g, weight="weight")
        if 2 * len(matching) == len(nodes):
            return sorted((min(a, b), max(a, b)) for a, b in matching)
        if not sparse:
            break
        logger.debug("sparse matching left nodes unmatched; retrying on the complete graph")
    raise RoutingError("odd-degree nodes cannot be paired: the graph is disconnected")


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
        The instance; its ``required`` edges are served.
    profile
        Vehicle profile whose costs are used.
    start
        Start node; defaults to the first team's depot.

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
    comps = sorted(set(comp_of_key.tolist()))
    if len(comps) > 1:
        cg = nx.Graph()
        members = {c: np.flatnonzero(comp_of_key == c) for c in comps}
        for i, ci in enumerate(comps):
            for cj in comps[i + 1 :]:
                sub = dk[np.ix_(members[ci], members[cj])]
                ia, ib = np.unravel_index(int(np.argmin(sub)), sub.shape)
                if np.isfinite(sub[ia, ib]):
                    x, y = int(members[ci][ia]), int(members[cj][ib])
                    cg.add_edge(ci, cj, weight=float(sub[ia, ib]), pair=(x, y))
        cg.add_nodes_from(comps)
        if not nx.is_connected(cg):
            raise RoutingError("required edges are not all reachable from the start node")
        for _, _, data in sorted(nx.minimum_spanning_edges(cg, data=True)):
            deadheads.append(data["pair"])

    degree = np.zeros(len(keys), dtype=np.int64)
    np.add.at(degree, idx[inst.u[req]], 1)
    np.add.at(degree, idx[inst.v[req]], 1)
    for a, b in deadheads:
        degree[a] += 1
        degree[b] += 1
    odd = np.flatnonzero(degree % 2).tolist()
    deadheads += min_weight_odd_matching(dk, odd)

    for a, b in deadheads:
        for e, fwd in inst.path(0, int(keys[a]), int(keys[b])):
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
