"""Response time: how fast any team or checkpoint crew can reach each border unit.

Definition (the networkx reference in the tests computes exactly this):

* **Responders.** Every team, from its base, with its vehicle profile; every
  checkpoint crew, from its checkpoint, on foot (profile ``"foot"``).
* **Getting on the network.** A responder starts at its snapped node after
  walking off-road from its point to the node: ``snap_m * walk_detour /
  walk_speed``.
* **Network leg.** Multi-source Dijkstra on :meth:`PatrolNetwork.csr` of the
  profile (one run per profile, all responders of that profile at once,
  through a virtual source joined to each start node by its off-road time).
* **Last leg.** For a unit the *candidate edges* are those that watch it
  (``watch.unit_edge``) plus its nearest edge. On a candidate edge the
  responder drives from either end to the edge's point nearest the unit (the
  fraction of the edge's time for the fraction of its length), then walks the
  remaining straight-line distance times ``walk_detour`` at walking speed. An
  edge the profile may not use is no candidate for it.
* **Direct walk.** A responder may also walk straight from its point to the
  unit (straight line times ``walk_detour``).

The response time of a unit is the minimum over responders, candidates and
the direct walk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from borderwatch.errors import CoverageError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["candidate_edges", "response_times"]

logger = logging.getLogger(__name__)


def candidate_edges(network: PatrolNetwork) -> pd.DataFrame:
    """The road points from which each unit can be reached on foot.

    Parameters
    ----------
    network
        The patrol network.

    Returns
    -------
    pandas.DataFrame
        One row per (unit, candidate edge): ``unit``, ``edge``, ``frac`` (position
        along the edge from its ``u`` end, 0..1, of its point nearest the unit),
        ``off_m`` (straight-line distance from that point to the unit). Sorted
        by unit and edge.
    """
    ue = network.watch.unit_edge.tocoo()
    ug = network.units.geometry.to_numpy()
    eg = network.edges.geometry.to_numpy()
    near_u, near_e = shapely.STRtree(eg).query_nearest(ug, all_matches=False)
    units = np.concatenate([np.asarray(ue.row, dtype=np.int64), near_u.astype(np.int64)])
    edges = np.concatenate([np.asarray(ue.col, dtype=np.int64), near_e.astype(np.int64)])
    pairs = np.unique(np.column_stack([units, edges]), axis=0)
    units, edges = pairs[:, 0], pairs[:, 1]
    g_e, g_u = eg[edges], ug[units]
    line = shapely.shortest_line(g_e, g_u)
    on_edge = shapely.get_point(line, 0)
    length = shapely.length(g_e)
    frac = np.where(
        length > 0, shapely.line_locate_point(g_e, on_edge) / np.maximum(length, 1e-12), 0.0
    )
    return pd.DataFrame(
        {
            "unit": units,
            "edge": edges,
            "frac": np.clip(frac, 0.0, 1.0),
            "off_m": shapely.distance(g_e, g_u),
        }
    )


def _with_source(
    matrix: sparse.csr_array, starts: np.ndarray, offsets: np.ndarray
) -> sparse.csr_array:
    """Append a virtual source node (last index) joined to ``starts`` by ``offsets``."""
    n = matrix.shape[0]
    coo = matrix.tocoo()
    # several responders on one node: keep the smallest offset
    order = np.lexsort((offsets, starts))
    starts, offsets = starts[order], offsets[order]
    first = np.concatenate([[True], starts[1:] != starts[:-1]])
    starts, offsets = starts[first], offsets[first]
    rows = np.concatenate([coo.row, np.full(len(starts), n)])
    cols = np.concatenate([coo.col, starts])
    vals = np.concatenate([coo.data, np.maximum(offsets, 1e-9)])  # explicit zeros would vanish
    return sparse.csr_array((vals, (rows, cols)), shape=(n + 1, n + 1))


def _roots(pred: np.ndarray, source: int) -> np.ndarray:
    """For each node, the node next to ``source`` on its shortest path (-1 if unreached)."""
    n = len(pred)
    parent = pred.copy()
    parent[parent < 0] = np.arange(n)[parent < 0]
    parent[parent == source] = np.flatnonzero(parent == source)
    root = parent
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    reached = (pred >= 0) | (np.arange(n) == source)
    return np.where(reached, root, -1)


def _walk_params(
    network: PatrolNetwork, walk_speed_kmh: float | None, walk_detour: float | None
) -> tuple[float, float]:
    """Walking speed (m/s) and detour factor, the config's unless given; checked."""
    cfg = network.config
    walk_ms = float(cfg.walk_speed_kmh if walk_speed_kmh is None else walk_speed_kmh) / 3.6
    detour = float(cfg.walk_detour if walk_detour is None else walk_detour)
    if not walk_ms > 0:
        raise CoverageError(
            "walk_speed_kmh must be positive", field="walk_speed_kmh", value=walk_speed_kmh
        )
    if not detour >= 1:
        raise CoverageError(
            "walk_detour must be at least 1", field="walk_detour", value=walk_detour
        )
    return walk_ms, detour


def _responder_groups(
    network: PatrolNetwork, teams: bool, checkpoints: bool
) -> list[tuple[str, str, pd.DataFrame]]:
    """(kind, profile, responders): teams by vehicle profile, then checkpoint crews on foot."""
    groups: list[tuple[str, str, pd.DataFrame]] = []  # (kind, profile, responders)
    if teams and len(network.teams):
        for prof, frame in network.teams.groupby(network.teams["vehicle"].astype(str), sort=True):
            groups.append(("team", str(prof), frame))
    if checkpoints and len(network.checkpoints):
        groups.append(("checkpoint", "foot", network.checkpoints))
    if not groups:
        raise CoverageError(
            "no responder: no team and no checkpoint to respond from", field="responders"
        )
    return groups


@dataclass
class _Fastest:
    """Per unit: the fastest response so far, its responder, kind, road edge and walk."""

    best: np.ndarray
    who: np.ndarray
    kind: np.ndarray
    via: np.ndarray
    off: np.ndarray

    @classmethod
    def empty(cls, n_u: int) -> _Fastest:
        """No unit reached yet."""
        return cls(
            np.full(n_u, np.inf),
            np.full(n_u, "", dtype=object),
            np.full(n_u, "", dtype=object),
            np.full(n_u, -1, dtype=np.int64),
            np.full(n_u, np.nan),
        )

    def offer(
        self,
        t: np.ndarray,
        units: np.ndarray,
        ids: np.ndarray,
        k: str,
        edge: np.ndarray,
        o: np.ndarray,
    ) -> None:
        """Keep the smallest time per unit; ties keep the earlier offer (deterministic)."""
        order = np.lexsort((t, units))
        units, t, ids, edge, o = units[order], t[order], ids[order], edge[order], o[order]
        first = (
            np.concatenate([[True], units[1:] != units[:-1]]) if len(units) else np.zeros(0, bool)
        )
        u1, t1 = units[first], t[first]
        better = t1 < self.best[u1]
        u1 = u1[better]
        self.best[u1] = t1[better]
        self.who[u1] = ids[first][better]
        self.kind[u1] = k
        self.via[u1] = edge[first][better]
        self.off[u1] = o[first][better]


def _offer_by_road(
    network: PatrolNetwork,
    fastest: _Fastest,
    cand: pd.DataFrame,
    k: str,
    prof: str,
    frame: pd.DataFrame,
    ids: np.ndarray,
    walk_ms: float,
    detour: float,
) -> None:
    """Offer one responder group's times by road, then on foot from the nearest road point."""
    c_unit, c_edge = cand["unit"].to_numpy(), cand["edge"].to_numpy()
    c_frac, c_off = cand["frac"].to_numpy(), cand["off_m"].to_numpy()
    eu, ev = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    n_nodes = len(network.nodes)
    starts = frame["node"].to_numpy(dtype=np.int64)
    offsets = frame["snap_m"].to_numpy(dtype=float) * detour / walk_ms
    matrix = _with_source(network.csr(prof), starts, offsets)
    dist, pred = csgraph.dijkstra(matrix, directed=True, indices=n_nodes, return_predecessors=True)
    dist, pred = dist[:n_nodes], pred[:n_nodes]
    root = _roots(np.concatenate([pred, [-9999]]), n_nodes)[:n_nodes]
    # the responder of a start node: the one with the smallest offset there
    order = np.lexsort((offsets, starts))
    node_owner = pd.Series(ids[order]).groupby(starts[order]).first()
    owner = np.full(n_nodes, "", dtype=object)
    owner[node_owner.index.to_numpy()] = node_owner.to_numpy()
    secs = network.edge_seconds(prof)[c_edge]
    with np.errstate(invalid="ignore"):  # inf * 0 on a forbidden edge: NaN, dropped below
        via_u = dist[eu[c_edge]] + c_frac * secs
        via_v = dist[ev[c_edge]] + (1.0 - c_frac) * secs
    via_u = np.where(np.isnan(via_u), np.inf, via_u)
    via_v = np.where(np.isnan(via_v), np.inf, via_v)
    use_u = via_u <= via_v
    t_net = np.where(use_u, via_u, via_v)
    end = np.where(use_u, eu[c_edge], ev[c_edge])
    t = (t_net + c_off * detour / walk_ms) / 60.0
    ok = np.isfinite(t)
    resp = owner[np.where(root[end] >= 0, root[end], 0)]
    fastest.offer(t[ok], c_unit[ok], resp[ok], k, c_edge[ok], c_off[ok])


def response_times(
    network: PatrolNetwork,
    *,
    teams: bool = True,
    checkpoints: bool = True,
    walk_speed_kmh: float | None = None,
    walk_detour: float | None = None,
) -> pd.DataFrame:
    """Fastest response time of any team or checkpoint crew to every border unit.

    Parameters
    ----------
    network
        The patrol network.
    teams, checkpoints
        Which responders to count.
    walk_speed_kmh, walk_detour
        Off-road walking speed and detour factor (default from
        ``network.config``).

    Returns
    -------
    pandas.DataFrame
        Index ``unit``; columns ``response_min`` (inf if unreachable),
        ``responder`` (team or checkpoint id), ``responder_kind``
        (``"team"``/``"checkpoint"``), ``edge`` (the road edge left for the
        last leg, -1 for a direct walk), ``off_road_m`` (straight-line length
        of the last leg).

    Raises
    ------
    CoverageError
        If neither teams nor checkpoints are counted, or there are none.
    """
    walk_ms, detour = _walk_params(network, walk_speed_kmh, walk_detour)
    groups = _responder_groups(network, teams, checkpoints)
    cand = candidate_edges(network)
    n_u = len(network.units)
    ug = network.units.geometry.to_numpy()
    fastest = _Fastest.empty(n_u)
    for k, prof, frame in groups:
        ids = frame.index.astype(str).to_numpy()
        _offer_by_road(network, fastest, cand, k, prof, frame, ids, walk_ms, detour)
        # direct walks
        pg = frame.geometry.to_numpy()
        pairs = shapely.STRtree(pg).query(
            ug, predicate="dwithin", distance=_walk_reach(fastest.best, walk_ms, detour)
        )
        if pairs.shape[1]:
            d = shapely.distance(ug[pairs[0]], pg[pairs[1]])
            t = d * detour / walk_ms / 60.0
            fastest.offer(t, pairs[0], ids[pairs[1]], k, np.full(len(t), -1, dtype=np.int64), d)
    best = fastest.best
    out = pd.DataFrame(
        {
            "response_min": best,
            "responder": fastest.who,
            "responder_kind": fastest.kind,
            "edge": fastest.via,
            "off_road_m": fastest.off,
        },
        index=network.units.index,
    )
    out.index.name = "unit"
    logger.info(
        "response: median %.1f min, worst %.1f min over %d units",
        float(np.median(best)),
        float(best.max()),
        n_u,
    )
    return out


def _walk_reach(best: np.ndarray, walk_ms: float, detour: float) -> float:
    """The farthest straight-line walk that could still beat a current best time."""
    worst = float(best.max()) if len(best) else 0.0
    if not np.isfinite(worst):
        return 1e12
    return worst * 60.0 * walk_ms / detour + 1.0
