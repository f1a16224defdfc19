"""Passes and revisit intervals of a :class:`~borderwatch.coverage.timeline.PatrolTimeline`.

Pass convention
---------------
A unit is *passed* while a team drives an edge that watches it
(``network.watch.unit_edge``). Consecutive traversals of one team that all
watch the unit, joined at a node that is itself within ``patrol_view_m`` of
the unit, are one pass (a drive along a border road watches a unit from
several short edges in a row, and a turn at a dead end in view of it is one
visit, not two); but a run that drives an edge again in the same direction
starts a new pass there (a team looping a short route that stays in view
passes the unit once per loop, not once all night). The time of a
pass is the moment of closest approach: on the traversal whose edge comes
nearest the unit, the time at which the team is at the edge's point nearest
the unit, interpolated linearly between the traversal's start and end.

GPS tracks carry no edges: a track point within ``patrol_view_m`` of a unit
watches it; a run of consecutive track points in view is one pass, timed at
the point nearest the unit (tracks are first densified to one point every
``min(100 m, patrol_view_m / 4)`` by linear interpolation in time).

Interval convention
-------------------
For passes at ``t1 <= ... <= tn`` inside a window ``[0, W]`` the intervals are
``t1 - 0``, ``t2 - t1``, ..., ``W - tn`` (the window start and end count as
boundaries, not as passes). The *worst* interval is their maximum, the *mean*
interval their mean, ``W / (n + 1)``. A unit never passed has one interval,
the whole window. A team looping a closed route of ``D`` minutes from the
window start, with ``W`` a multiple of ``D``, therefore gives every unit on
its route a worst interval of exactly ``D``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from borderwatch.errors import CoverageError

if TYPE_CHECKING:
    from borderwatch.coverage.timeline import PatrolTimeline
    from borderwatch.data.network import PatrolNetwork

__all__ = ["PassGeometry", "pass_times", "revisits", "walk_passes"]

_TOL = 1e-9


def pass_times(network: PatrolNetwork, timeline: PatrolTimeline) -> pd.DataFrame:
    """Every pass of every team over every border unit.

    Parameters
    ----------
    network
        The network the timeline runs on.
    timeline
        Traversals and/or sightings.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit``, ``team``, ``t`` (minutes from window start, inside the
        window), ``distance_m`` (closest approach), sorted by unit and time. See
        the module notes for what one pass is.

    Raises
    ------
    CoverageError
        If a team is not in ``network.teams`` or an edge id is out of range.
    """
    known = set(network.teams.index.astype(str))
    unknown = sorted(set(timeline.teams) - known)
    if unknown:
        raise CoverageError(
            f"unknown team; known: {', '.join(sorted(known))}", field="team", value=unknown[0]
        )
    trav = timeline.traversals
    n_edges = len(network.edges)
    if len(trav) and int(trav["edge"].max()) >= n_edges:
        raise CoverageError(
            f"edge id out of range 0..{n_edges - 1}", field="edge", value=int(trav["edge"].max())
        )
    frames = [timeline.sightings[["unit", "team", "t", "distance_m"]]]
    if len(trav):
        frames.append(_traversal_passes(network, trav, timeline.window_min))
    passes = (
        pd.concat([f for f in frames if len(f)], ignore_index=True)
        if any(len(f) for f in frames)
        else None
    )
    if passes is None:
        return pd.DataFrame(
            {
                "unit": pd.Series([], dtype=np.int64),
                "team": pd.Series([], dtype=object),
                "t": pd.Series([], dtype=float),
                "distance_m": pd.Series([], dtype=float),
            }
        )
    passes = passes.sort_values(["unit", "t", "team"], kind="stable").reset_index(drop=True)
    return passes


class PassGeometry:
    """Where each border unit's edges come nearest it, for the pass times of one network.

    The closest approach of a (unit, edge) pair (its distance, and how far along
    the edge it lies) is the same for every walk over the edge: it is computed
    the first time an edge is driven (:meth:`ensure`) and kept, so that the pass
    times of many walks on one network (:func:`walk_passes`) share it.

    Parameters
    ----------
    network
        The network the walks run on.
    """

    def __init__(self, network: PatrolNetwork) -> None:
        ue = network.watch.unit_edge.tocsc()
        ue.sort_indices()
        self.indptr, self.indices = ue.indptr, ue.indices
        self.counts = np.diff(ue.indptr)
        self.frac = np.zeros(len(ue.indices))
        self.dist = np.zeros(len(ue.indices))
        self.known = np.zeros(len(network.edges), dtype=bool)
        self.edge_geom = network.edges.geometry.to_numpy()
        self.unit_geom = network.units.geometry.to_numpy()
        self.node_geom = network.nodes.geometry.to_numpy()
        self.u_node = network.edges["u"].to_numpy()
        self.v_node = network.edges["v"].to_numpy()
        self.view_m = network.config.patrol_view_m

    def ensure(self, edges: np.ndarray) -> None:
        """Compute the closest approaches of the pairs of ``edges`` not yet computed."""
        used = np.unique(edges)
        used = used[~self.known[used]]
        if not len(used):
            return
        cnt = self.counts[used]
        pos = np.repeat(self.indptr[used], cnt) + (
            np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        )
        eg = self.edge_geom[np.repeat(used, cnt)]
        ug = self.unit_geom[self.indices[pos]]
        near = shapely.get_point(shapely.shortest_line(eg, ug), 0)
        length = shapely.length(eg)
        self.frac[pos] = np.where(
            length > 0, shapely.line_locate_point(eg, near) / np.maximum(length, 1e-12), 0.5
        )
        self.dist[pos] = shapely.distance(eg, ug)
        self.known[used] = True


def walk_passes(
    geometry: PassGeometry,
    edge: np.ndarray,
    forward: np.ndarray,
    t_start: np.ndarray,
    t_end: np.ndarray,
    team: np.ndarray,
    window: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The passes of timed traversals (one row each, a team's rows in driving order).

    The arrays are the columns of
    :attr:`~borderwatch.coverage.timeline.PatrolTimeline.traversals` (``team``
    any comparable labels); see the module notes for what one pass is.

    Parameters
    ----------
    geometry
        The network's :class:`PassGeometry` (its pairs are computed as needed).
    edge, forward, t_start, t_end, team
        The traversals.
    window
        Length of the window in minutes: passes outside ``[0, window]`` are left out.

    Returns
    -------
    row, unit, t, distance_m
        Per pass: the traversal it is timed on (its row), the unit, the time and
        the closest approach, ordered by run of traversals (as ``pass_times``
        finds them, before its sort by unit and time).
    """
    g = geometry
    g.ensure(edge)
    # expand every traversal to the units its edge watches
    c = g.counts[edge]
    k = np.repeat(np.arange(len(edge)), c)
    p = np.repeat(g.indptr[edge], c) + (np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c))
    f = g.frac[p]
    fwd = forward[k]
    ts, te = t_start[k], t_end[k]
    t = ts + np.where(fwd, f, 1.0 - f) * (te - ts)
    edge_k = edge[k]
    end_node = np.where(fwd, g.v_node[edge_k], g.u_node[edge_k])
    unit = g.indices[p]
    key = edge_k * 2 + fwd.astype(np.int64)
    dist = g.dist[p]
    # one pass per run of consecutive traversals (same team) that all watch the unit and
    # whose joining node is in view of it (the team never leaves the view in between)
    order = np.lexsort((k, unit))  # stable, as a sort by unit then traversal
    k, unit, t, dist, end_node, key = (
        k[order],
        unit[order],
        t[order],
        dist[order],
        end_node[order],
        key[order],
    )
    team_k = team[k]
    linked = (unit[1:] == unit[:-1]) & (k[1:] == k[:-1] + 1) & (team_k[1:] == team_k[:-1])
    if linked.any():
        li = np.flatnonzero(linked)
        in_view = shapely.distance(g.node_geom[end_node[li]], g.unit_geom[unit[li]]) <= g.view_m
        linked[li[~in_view]] = False
    brk = ~linked
    # [: len]: a drive that watches no unit has no row
    run = _split_repeats(np.cumsum(np.concatenate([[True], brk]))[: len(k)], key)
    # closest approach: smallest distance, earliest on ties (a stable sort keeps the row
    # order among equal keys); the first row of each run
    order = np.lexsort((t, dist, run))
    run = run[order]
    first = np.ones(len(run), dtype=bool)
    first[1:] = run[1:] != run[:-1]
    best = order[first]
    best = best[(t[best] >= -_TOL) & (t[best] <= window + _TOL)]
    return k[best], unit[best], t[best], dist[best]


def _traversal_passes(network: PatrolNetwork, trav: pd.DataFrame, window: float) -> pd.DataFrame:
    team = trav["team"].to_numpy()
    row, unit, t, dist = walk_passes(
        PassGeometry(network),
        trav["edge"].to_numpy(),
        trav["forward"].to_numpy(),
        trav["t_start"].to_numpy(),
        trav["t_end"].to_numpy(),
        team,
        window,
    )
    return pd.DataFrame({"unit": unit, "team": team[row], "t": t, "distance_m": dist})


def _split_repeats(run: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Start a new run where a run drives an edge again in the same direction.

    A team that stays in view of a unit while it loops (a short loop all within
    ``patrol_view_m``) would otherwise make one pass of the whole night; each
    time round the loop is a pass. A dead-end turn (the edge back the other
    way) stays one pass.
    """
    order = np.lexsort((key, run))
    rs, ks = run[order], key[order]
    dup = (rs[1:] == rs[:-1]) & (ks[1:] == ks[:-1])  # a (run, key) pair seen before
    if not dup.any():
        return run
    out = run.copy()
    rows = np.flatnonzero(np.isin(run, np.unique(rs[1:][dup])))
    next_id = int(run.max()) + 1
    current, cur_id = -1, -1
    seen: set[int] = set()
    # rows of the few runs with a repeat only; plain Python is fast enough there
    for i in rows:
        r, kk = int(run[i]), int(key[i])
        if r != current:
            current, cur_id, seen = r, r, set()
        elif kk in seen:
            cur_id, next_id, seen = next_id, next_id + 1, set()
        seen.add(kk)
        out[i] = cur_id
    return out


def revisits(network: PatrolNetwork, timeline: PatrolTimeline) -> pd.DataFrame:
    """Revisit intervals of every border unit under ``timeline``.

    Parameters
    ----------
    network
        The network the timeline runs on.
    timeline
        A plan's or the GPS tracks' timeline.

    Returns
    -------
    pandas.DataFrame
        Index ``unit`` (aligned to ``network.units``); columns ``n_passes``,
        ``first_pass_min``, ``last_pass_min`` (NaN if never passed),
        ``worst_revisit_min``, ``mean_revisit_min``, ``never_passed`` (bool),
        ``teams`` (ids of the passing teams joined by ``;``). Intervals follow
        the module's convention: the window start and end are boundaries.

    Examples
    --------
    A unit passed at 30, 90 and 150 minutes of a 180 minute window has the
    intervals 30, 60, 60, 30: worst 60, mean 45.
    """
    passes = pass_times(network, timeline)
    return _intervals(passes, len(network.units), timeline.window_min, index=network.units.index)


def _intervals(
    passes: pd.DataFrame, n_units: int, window: float, *, index: pd.Index | None = None
) -> pd.DataFrame:
    unit = passes["unit"].to_numpy(dtype=np.int64)
    t = np.clip(passes["t"].to_numpy(dtype=float), 0.0, window)
    n = np.bincount(unit, minlength=n_units)
    worst = np.full(n_units, window)
    first = np.full(n_units, np.nan)
    last = np.full(n_units, np.nan)
    if len(unit):
        order = np.lexsort((t, unit))
        unit, t = unit[order], t[order]
        starts = np.concatenate([[True], unit[1:] != unit[:-1]])
        ends = np.concatenate([unit[1:] != unit[:-1], [True]])
        first[unit[starts]] = t[starts]
        last[unit[ends]] = t[ends]
        gaps = np.diff(t)
        inner = ~starts[1:]  # consecutive passes of the same unit
        between = np.zeros(n_units)
        np.maximum.at(between, unit[1:][inner], gaps[inner])
        passed = n > 0
        worst[passed] = np.maximum.reduce([first[passed], window - last[passed], between[passed]])
    mean = window / (n + 1)
    # the ids of the passing teams per unit, sorted and joined by ";" (one dict pass over the
    # distinct (unit, team) pairs; a groupby with a Python function per unit cost ~30 ms)
    by_unit: dict[int, list[str]] = {}
    pairs = zip(
        passes["unit"].to_numpy(dtype=np.int64).tolist(),
        map(str, passes["team"].to_numpy(dtype=object).tolist()),
        strict=True,
    )
    for u, tm in set(pairs):
        by_unit.setdefault(u, []).append(tm)
    teams = np.full(n_units, "", dtype=object)
    for u, names in by_unit.items():
        teams[u] = ";".join(sorted(names))
    out = pd.DataFrame(
        {
            "n_passes": n.astype(np.int64),
            "first_pass_min": first,
            "last_pass_min": last,
            "worst_revisit_min": worst,
            "mean_revisit_min": mean,
            "never_passed": n == 0,
            "teams": teams,
        },
        index=index if index is not None else pd.RangeIndex(n_units, name="unit"),
    )
    out.index.name = "unit"
    return out
