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

__all__ = ["pass_times", "revisits"]

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


def _traversal_passes(network: PatrolNetwork, trav: pd.DataFrame, window: float) -> pd.DataFrame:
    ue = network.watch.unit_edge.tocsc()
    ue.sort_indices()
    edge = trav["edge"].to_numpy()
    used = np.unique(edge)
    counts_all = np.diff(ue.indptr)
    # geometry of the (unit, edge) pairs of the used edges: distance and position of closest approach
    cnt = counts_all[used]
    pos = np.repeat(ue.indptr[used], cnt) + (
        np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    )
    p_unit = ue.indices[pos]
    p_edge = np.repeat(used, cnt)
    eg = network.edges.geometry.to_numpy()[p_edge]
    ug = network.units.geometry.to_numpy()[p_unit]
    near = shapely.get_point(shapely.shortest_line(eg, ug), 0)
    length = shapely.length(eg)
    frac = np.where(
        length > 0, shapely.line_locate_point(eg, near) / np.maximum(length, 1e-12), 0.5
    )
    dist = shapely.distance(eg, ug)
    frac_at = np.zeros(len(ue.indices))
    dist_at = np.zeros(len(ue.indices))
    frac_at[pos] = frac
    dist_at[pos] = dist

    # expand every traversal to the units its edge watches
    c = counts_all[edge]
    k = np.repeat(np.arange(len(trav)), c)
    p = np.repeat(ue.indptr[edge], c) + (np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c))
    f = frac_at[p]
    fwd = trav["forward"].to_numpy()[k]
    ts, te = trav["t_start"].to_numpy()[k], trav["t_end"].to_numpy()[k]
    t = ts + np.where(fwd, f, 1.0 - f) * (te - ts)
    team = trav["team"].to_numpy()[k]
    u_node, v_node = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    end_node = np.where(fwd, v_node[edge[k]], u_node[edge[k]])
    frame = pd.DataFrame(
        {
            "unit": ue.indices[p],
            "team": team,
            "seq": k,
            "t": t,
            "distance_m": dist_at[p],
            "end": end_node,
            "key": edge[k] * 2 + fwd.astype(np.int64),
        }
    )
    # one pass per run of consecutive traversals (same team) that all watch the unit and
    # whose joining node is in view of it (the team never leaves the view in between)
    frame = frame.sort_values(["unit", "seq"], kind="stable")
    f_unit, f_seq, f_team = (
        frame["unit"].to_numpy(),
        frame["seq"].to_numpy(),
        frame["team"].to_numpy(),
    )
    linked = (
        (f_unit[1:] == f_unit[:-1]) & (f_seq[1:] == f_seq[:-1] + 1) & (f_team[1:] == f_team[:-1])
    )
    if linked.any():
        li = np.flatnonzero(linked)
        node_pt = network.nodes.geometry.to_numpy()[frame["end"].to_numpy()[li]]
        unit_g = network.units.geometry.to_numpy()[f_unit[li]]
        in_view = shapely.distance(node_pt, unit_g) <= network.config.patrol_view_m
        linked[li[~in_view]] = False
    brk = ~linked
    frame["run"] = _split_repeats(  # [: len]: a drive that watches no unit has no row
        np.cumsum(np.concatenate([[True], brk]))[: len(frame)],
        frame["key"].to_numpy(dtype=np.int64),
    )
    # closest approach: smallest distance, earliest on ties
    frame = frame.sort_values(["run", "distance_m", "t"], kind="stable")
    best = frame.drop_duplicates("run", keep="first")
    best = best[(best["t"] >= -_TOL) & (best["t"] <= window + _TOL)]
    return best[["unit", "team", "t", "distance_m"]].reset_index(drop=True)


def _split_repeats(run: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Start a new run where a run drives an edge again in the same direction.

    A team that stays in view of a unit while it loops (a short loop all within
    ``patrol_view_m``) would otherwise make one pass of the whole night; each
    time round the loop is a pass. A dead-end turn (the edge back the other
    way) stays one pass.
    """
    pairs = pd.DataFrame({"run": run, "key": key})
    dup = pairs.duplicated(["run", "key"]).to_numpy()
    if not dup.any():
        return run
    out = run.copy()
    rows = np.flatnonzero(np.isin(run, np.unique(run[dup])))
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
    teams = (
        passes.groupby("unit")["team"].agg(lambda s: ";".join(sorted(set(map(str, s)))))
        if len(passes)
        else pd.Series(dtype=object)
    )
    out = pd.DataFrame(
        {
            "n_passes": n.astype(np.int64),
            "first_pass_min": first,
            "last_pass_min": last,
            "worst_revisit_min": worst,
            "mean_revisit_min": mean,
            "never_passed": n == 0,
            "teams": pd.Series(teams).reindex(np.arange(n_units)).fillna("").to_numpy(dtype=object),
        },
        index=index if index is not None else pd.RangeIndex(n_units, name="unit"),
    )
    out.index.name = "unit"
    return out
