"""Lower bounds for k-team min-max arc routing.

Two valid bounds on the longest tour, whichever is larger:

* **round trip**: a team serving required edge ``e = (a, b)`` drives at least
  ``dist(depot, a) + c(e) + dist(b, depot)`` (best orientation); the edge is
  served by the cheapest of the teams allowed to drive it; the longest such
  minimum over the required edges bounds the longest tour.
* **average**: the union of all tours is an Eulerian multigraph containing the
  required edges, so the total cost is at least the required service cost
  (cheapest allowed profile per edge) plus a minimum T-join of the odd nodes
  of the required subgraph (a minimum-weight perfect matching on shortest
  paths over the cheapest profile per edge; above
  :data:`~borderwatch.routing.postman.EXACT_MATCHING_UP_TO` odd nodes the
  matching heuristic's own lower bound); divided by ``k``. For the Chinese
  postman case this is the exact CPP augmentation. For a rural postman the
  connectivity part of the deadheading is not counted (it is not additive in
  general), so the bound stays valid.

With integral costs every tour is an integer, so the average bound is rounded
up (as in the CARPLIB reference ``ceil(CPP / k)``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from borderwatch.errors import RoutingError
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.postman import EXACT_MATCHING_UP_TO, match_odd_nodes

__all__ = [
    "GREEDY_JOIN_UP_TO",
    "average_at_most",
    "average_bound",
    "lower_bound",
    "odd_join_bound",
    "round_trip_bound",
]


def round_trip_bound(instance: ArcInstance) -> float:
    """Longest over required edges of the cheapest depot → edge → depot trip.

    In circuit mode (``instance.circuit``) the cheapest circuit through the edge:
    the edge and the drive from its end back to its start, on the cheapest profile.

    Parameters
    ----------
    instance
        The routing instance.

    Returns
    -------
    float
        The bound (0 without required edges).
    """
    req = instance.required_edges
    if len(req) == 0:
        return 0.0
    best = np.full(len(req), np.inf)
    if instance.circuit:
        # a circuit serving e = (a, b) drives e and at least back from b to a (no base
        # leg); each team's reach (max_approach) is left out, so it only relaxes
        for p in np.unique(instance.team_profile):
            sp = instance.shortest_paths(int(p))
            a, b = sp.index[instance.u[req]], sp.index[instance.v[req]]
            c = instance.cost[int(p), req]
            # where the profile may drive e its block rows of a and b are its own
            best = np.minimum(best, c + sp.block[b, a])
        return float(best.max())
    for t in range(instance.n_teams):
        p = int(instance.team_profile[t])
        sp = instance.shortest_paths(p)
        # depots and required-edge ends are key nodes: the key-node table has every distance
        row = sp.key_row(int(sp.index[instance.depots[t]]))
        du, dv = row[sp.index[instance.u[req]]], row[sp.index[instance.v[req]]]
        c = instance.cost[p, req]
        trip = c + np.minimum(du + dv, dv + du)
        best = np.minimum(best, trip)
    return float(best.max())


def average_bound(instance: ArcInstance, *, integral: bool | None = None) -> float:
    """Required service plus the odd-node T-join, divided by the number of teams.

    Parameters
    ----------
    instance
        The routing instance.
    integral
        Round up to an integer; by default when every cost is an integer.

    Returns
    -------
    float
        The bound.
    """
    req = instance.required_edges
    if len(req) == 0:
        return 0.0
    return _average(instance, odd_join_bound(instance), integral)


def _average(instance: ArcInstance, join: float, integral: bool | None) -> float:
    """:func:`average_bound` with the odd nodes' T-join ``join`` (a bound on it, or above it)."""
    profiles = np.unique(instance.team_profile)
    cmin = instance.cost[profiles].min(axis=0)
    service = float(cmin[instance.required_edges].sum())
    value = (service + join) / instance.n_teams
    if integral is None:
        integral = instance.is_integral
    if integral:
        value = float(math.ceil(value - 1e-9))
    return value


def odd_join_bound(instance: ArcInstance, *, exact_up_to: int = EXACT_MATCHING_UP_TO) -> float:
    """Lower bound on the cheapest T-join of the odd nodes of the required subgraph.

    The odd nodes are matched on shortest paths over the cheapest team profile per edge
    by :func:`~borderwatch.routing.postman.match_odd_nodes`: the matching's cost when it
    is exact, its own lower bound (half the assignment relaxation) when the heuristic
    matched them, so the bound stays valid at any size.

    Parameters
    ----------
    instance
        The routing instance.
    exact_up_to
        Largest number of odd nodes matched exactly.

    Returns
    -------
    float
        The bound (0 when every node has even required degree).
    """
    odd = _odd_dist(instance)
    if odd is None:
        return 0.0
    dist, rows = odd
    # beyond the exact size only the heuristic's bound counts: no sparse blossom run
    return match_odd_nodes(dist, rows, exact_up_to=exact_up_to, sparse_up_to=0).lower_bound


def _odd_dist(instance: ArcInstance) -> tuple[np.ndarray, list[int]] | None:
    """The distances :func:`odd_join_bound` matches on and the odd nodes' rows (None: none odd)."""
    req = instance.required_edges
    degree = np.bincount(
        np.concatenate([instance.u[req], instance.v[req]]), minlength=instance.n_nodes
    )
    odd = np.flatnonzero(degree % 2)
    if len(odd) == 0:
        return None
    profiles = np.unique(instance.team_profile)
    try:
        # odd nodes are required-edge ends, hence key nodes: reuse a key-node table, the
        # profile's or the one the giant tour uses (one team on the cheapest profile)
        one = instance if len(profiles) == 1 else instance.cheapest
        sp = one.shortest_paths(int(profiles[0]) if len(profiles) == 1 else 0)
        dist = sp.key_dist
        rows = sp.index[odd]
    except RoutingError:  # the first base does not reach every required edge
        cmin = instance.cost[profiles].min(axis=0)
        ok = np.flatnonzero(np.isfinite(cmin) & (instance.u != instance.v))
        g = _min_duplicates(instance.u[ok], instance.v[ok], cmin[ok], instance.n_nodes)
        # in chunks of sources: never an (odd, n_nodes) table at once
        step = max(1, (64 * 2**20) // (8 * instance.n_nodes))
        dist = np.vstack(
            [
                dijkstra(g, directed=False, indices=odd[s : s + step])[:, odd]
                for s in range(0, len(odd), step)
            ]
        )
        rows = np.arange(len(odd))
    return dist, rows.tolist()


#: Most odd nodes :func:`average_at_most` pairs greedily (all pairs sorted: ~1.1 million
#: at 1,500 nodes, some 30 MB for the moment); beyond, the exact bound is computed.
GREEDY_JOIN_UP_TO = 1500


def _feasible_join(dist: np.ndarray, rows: list[int]) -> float:
    """The cost of a perfect matching of ``rows`` under ``dist``: at least the cheapest one's.

    Greedy: the pairs by distance, shortest first (ties in index order), each taken
    while both its nodes are free; ``inf`` where a node is left with infinite
    distances only, or past :data:`GREEDY_JOIN_UP_TO` nodes. No matching is cheaper
    than the cheapest, nor is the heuristic's lower bound
    (:func:`~borderwatch.routing.postman.match_odd_nodes`): this bounds
    :func:`odd_join_bound` from above at any size, without a blossom.
    """
    n = len(rows)
    if n > GREEDY_JOIN_UP_TO:
        return math.inf
    sub = np.asarray(dist[np.ix_(rows, rows)], dtype=np.float64)
    a, b = np.triu_indices(n, 1)
    w = sub[a, b]
    order = np.argsort(w, kind="stable")
    free = [True] * n
    total, left = 0.0, n
    for i, j, d in zip(a[order].tolist(), b[order].tolist(), w[order].tolist(), strict=True):
        if free[i] and free[j]:
            free[i] = free[j] = False
            total += d
            left -= 2
            if not left:
                break
    return total if not left else math.inf


def average_at_most(instance: ArcInstance, value: float, *, integral: bool | None = None) -> bool:
    """Whether :func:`average_bound` is surely at most ``value``, told without an exact matching.

    The average bound computed with a feasible (greedy) matching of the odd nodes,
    whose cost is at least the T-join bound's, is below ``value`` by a relative
    margin of ``1e-9`` (float sums in another order may differ in their last bits).
    Where it is, ``max(value, average_bound(instance))`` is ``value`` and the odd-node
    matching (a blossom of ~0.3 s at 70 odd nodes) need not be computed: on plans with
    many teams (Ningming: round trip 64.3 min, average 12.1) the round trip decides.

    Parameters
    ----------
    instance
        The routing instance.
    value
        The value to compare with (:func:`round_trip_bound` for :func:`lower_bound`).
    integral
        As :func:`average_bound`.

    Returns
    -------
    bool
        True if the average bound is at most ``value``; False if that is not shown
        (it may still be).
    """
    if len(instance.required_edges) == 0:
        return value >= 0.0
    odd = _odd_dist(instance)
    join = 0.0 if odd is None else _feasible_join(*odd)
    if not math.isfinite(join):
        return False
    above = _average(instance, join, integral)
    return above <= value - 1e-9 * max(1.0, abs(value))


def _min_duplicates(a: np.ndarray, b: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    keep = np.ones(len(lo), dtype=bool)
    keep[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return csr_matrix((w[keep], (lo[keep], hi[keep])), shape=(n, n))


def lower_bound(instance: ArcInstance, *, integral: bool | None = None) -> float:
    """Lower bound on the longest tour: the larger of the two bounds above.

    Parameters
    ----------
    instance
        The arc-routing instance to bound.
    integral
        Whether to round the average bound up to an integer (default: when
        every cost is an integer).

    Returns
    -------
    float
        ``max(round_trip_bound, average_bound)``; the average bound's exact
        matching is left out where a feasible one shows it below the round trip
        (:func:`average_at_most`): the same value.
    """
    trip = round_trip_bound(instance)
    if average_at_most(instance, trip, integral=integral):
        return trip
    return max(trip, average_bound(instance, integral=integral))
