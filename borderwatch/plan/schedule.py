"""The night schedule: each team loops its route through the night window.

A team looping a route of ``D`` minutes passes each unit on it every ``D``
minutes. Where several teams watch the same units, *when* each starts its loop
matters: two teams 40 minutes apart on a shared stretch halve its worst
interval, two teams in step waste one of them. :func:`schedule_night` chooses
each team's phase — how far into its loop it is at the window start (it left
base that many minutes before) — by coordinate descent over a grid of phases,
minimising the worst revisit interval over all units, then the (risk-weighted)
mean of the per-unit worst intervals. Phases lie on the ends of the loop's
edges, so that each loop can be rotated to start at a node at the window start.

The pass times of one loop come from the coverage engine
(:func:`borderwatch.coverage.revisit.pass_times`), so the schedule and the
coverage report agree on what a pass is; the search then shifts them in numpy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from borderwatch.coverage.revisit import PassGeometry, pass_times, walk_passes
from borderwatch.coverage.timeline import PatrolTimeline

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import TeamRoute
    from borderwatch.routing.result import Step

__all__ = [
    "LoopPasses",
    "NightSchedule",
    "loop_phases",
    "schedule_night",
    "unit_time_order",
    "worst_by_phase",
    "worst_intervals",
]

logger = logging.getLogger(__name__)

_TOL = 1e-9  # as borderwatch.coverage.timeline's


@dataclass(frozen=True)
class NightSchedule:
    """When each team starts its loop, and the revisit figures that gives.

    Attributes
    ----------
    teams
        Team ids (those on patrol).
    loop_min
        Loop duration of each team (minutes).
    phase_min
        How far into its loop each team is at the window start (minutes,
        ``0 <= phase < loop``): it left base ``phase`` minutes before the window.
    worst_revisit_min
        The worst revisit interval over the units the routes watch.
    timeline
        The plan's :class:`PatrolTimeline` through the night window.
    set_out_min
        Empty for a plan (each approach is driven before the window). A
        re-plan: per team of ``teams``, the minutes after the window start (the
        cut) at which it sets out from where it is (its road under way at the
        cut finished); a re-plan of a circuit plan drives its approach then and
        is on its loop ``approach`` later, a base re-plan starts its loop then.
    """

    teams: tuple[str, ...]
    loop_min: tuple[float, ...]
    phase_min: tuple[float, ...]
    worst_revisit_min: float
    timeline: PatrolTimeline
    set_out_min: tuple[float, ...] = ()

    def set_out(self, team: str) -> float | None:
        """When ``team`` sets out from where it is in a re-plan, minutes after the cut (None: a plan).

        A circuit re-plan's team drives its approach then; a base re-plan's team is
        ready for its loop then (the road under way at the cut finished).
        """
        if not self.set_out_min or team not in self.teams:
            return None
        return float(self.set_out_min[self.teams.index(team)])


class LoopPasses:
    """The passes of one loop of a route, computed once per team and walk.

    The night stage scores many candidate loops and the schedule then
    staggers the chosen ones: each loop's passes are those
    :func:`~borderwatch.coverage.revisit.pass_times` finds on the loop driven
    once from the window start (a team's passes do not depend on the other
    teams'), kept per ``(team, steps)`` and shared by
    :func:`loop_phases` calls given the same cache.

    Parameters
    ----------
    network
        The network the routes run on.
    """

    def __init__(self, network: PatrolNetwork) -> None:
        self.network = network
        self._geometry: PassGeometry | None = None
        self._minutes: dict[str, np.ndarray] = {}
        self._cache: dict[tuple[str, tuple[Step, ...]], tuple[np.ndarray, np.ndarray]] = {}

    def of(self, route: TeamRoute) -> tuple[np.ndarray, np.ndarray]:
        """``unit`` and ``t`` (minutes into the loop) of one loop of ``route``, by unit and time."""
        key = (route.team, route.steps)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._passes(route)
        return hit

    def _passes(self, route: TeamRoute) -> tuple[np.ndarray, np.ndarray]:
        # the traversals PatrolTimeline.from_walks times for the walk driven once from 0 in a
        # window of the loop (+ 1e-6 min), then walk_passes as pass_times calls it
        network, team = self.network, route.team
        if not route.steps:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        if team not in self._minutes:
            self._minutes[team] = network.edge_seconds(str(network.teams.loc[team, "vehicle"]))
        edges = np.asarray([int(e) for e, _ in route.steps], dtype=np.int64)
        fwd = np.asarray([bool(f) for _, f in route.steps], dtype=bool)
        window = route.loop_s / 60.0 + 1e-6
        minutes = self._minutes[team][edges] / 60.0
        if not np.isfinite(minutes).all():  # not drivable: the timeline says why
            PatrolTimeline.from_walks(network, {team: list(route.steps)}, window_min=window)
        ends = 0.0 + np.cumsum(minutes)
        starts = np.concatenate([[0.0], ends[:-1]])
        keep = (starts < window - _TOL) & (starts >= -_TOL)
        if self._geometry is None:
            self._geometry = PassGeometry(network)
        _row, unit, t, _dist = walk_passes(
            self._geometry,
            edges[keep],
            fwd[keep],
            starts[keep],
            ends[keep],
            np.zeros(int(keep.sum()), dtype=np.int64),
            window,
        )
        order = np.lexsort((t, unit))  # pass_times' order: by unit, then time
        return unit[order].astype(np.int64), t[order]


def loop_phases(
    network: PatrolNetwork, routes: Sequence[TeamRoute], passes: LoopPasses | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pass times of one loop of each route: arrays ``team index``, ``unit``, ``t`` (min into the loop).

    With ``passes`` each route's passes come from (and stay in) that cache;
    the arrays are the same either way, ordered by unit, time and team id.
    """
    if passes is not None and len({r.team for r in routes}) == len(routes):
        with_steps = [r for r in routes if r.steps]
        if with_steps:
            return _cached_phases(with_steps, passes)
    walks = {r.team: list(r.steps) for r in routes if r.steps}
    loop = max(r.loop_s for r in routes if r.steps) / 60.0
    if len(walks) < len(routes):
        routes = [r for r in routes if r.steps]
    once = PatrolTimeline.from_walks(network, walks, window_min=loop + 1e-6, loop=False)
    table = pass_times(network, once)
    order = {r.team: i for i, r in enumerate(routes)}
    team = table["team"].map(order).to_numpy(dtype=np.int64)
    return team, table["unit"].to_numpy(dtype=np.int64), table["t"].to_numpy(dtype=float)


def _cached_phases(
    routes: Sequence[TeamRoute], passes: LoopPasses
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`loop_phases` of routes with steps (unique teams) from the cache ``passes``."""
    parts = [passes.of(r) for r in routes]
    team = np.repeat(np.arange(len(routes), dtype=np.int64), [len(u) for u, _ in parts])
    unit = np.concatenate([u for u, _ in parts])
    t = np.concatenate([x for _, x in parts])
    # pass_times sorts by unit, time, then team id (rows equal on all three are equal here)
    rank = np.empty(len(routes), dtype=np.int64)
    rank[sorted(range(len(routes)), key=lambda i: routes[i].team)] = np.arange(len(routes))
    order = np.lexsort((rank[team], t, unit))
    return team[order], unit[order], t[order]


def worst_intervals(
    team: np.ndarray,
    unit: np.ndarray,
    t: np.ndarray,
    loop_min: np.ndarray,
    phase_min: np.ndarray,
    window_min: float,
    n_units: int,
) -> np.ndarray:
    """Worst revisit interval of every unit when team ``i`` is ``phase_min[i]`` into its loop at 0.

    Units without a pass get the whole window. Window start and end count as
    boundaries (the convention of :mod:`borderwatch.coverage.timeline`).
    """
    if len(t) == 0:
        return np.full(n_units, window_min)
    d = loop_min[team]
    first = np.mod(t - phase_min[team], d)  # first pass at or after the window start
    return _worst_of_first(unit, first, d, window_min, n_units)


def worst_by_phase(
    team: np.ndarray,
    unit: np.ndarray,
    t: np.ndarray,
    loop_min: np.ndarray,
    phase_min: np.ndarray,
    i: int,
    phases: Sequence[float],
    window_min: float,
    units: np.ndarray,
) -> np.ndarray:
    """:func:`worst_intervals` of ``units`` for each of ``phases`` of team ``i``, in one call.

    Row ``g`` holds the worst intervals of ``units`` (sorted, unique; every pass
    given lies on one of them) when team ``i`` is ``phases[g]`` into its loop and
    every other team ``j`` ``phase_min[j]``: the same floats as
    ``worst_intervals(...)[units]`` with ``phase_min[i] = phases[g]``.
    """
    n, g = len(units), len(phases)
    if len(t) == 0 or g == 0:
        return np.full((g, n), window_min)
    d = loop_min[team]
    ph = np.broadcast_to(phase_min[team], (g, len(t))).copy()
    ph[:, team == i] = np.asarray(phases, dtype=float)[:, None]
    first = np.mod(t - ph, d)  # per phase, as worst_intervals computes it
    # phase k's units are units k * n .. k * n + n - 1
    local = np.arange(g)[:, None] * n + np.searchsorted(units, unit)
    out = _worst_of_first(local.ravel(), first.ravel(), np.tile(d, g), window_min, g * n)
    return out.reshape(g, n)


def unit_time_order(unit: np.ndarray, t: np.ndarray, n_units: int) -> np.ndarray:
    """The order of passes by unit, then time: ``np.lexsort((t, unit))``'s arrays, ~4x faster.

    A sort by time, then a stable one by unit (a radix sort when the ids fit 16
    bits). Passes of one unit at equal times may come in another order than
    lexsort's; their values are equal, so ``unit[order]`` and ``t[order]`` are
    the same arrays. ``unit`` holds ids ``0 .. n_units - 1``.
    """
    by_t = np.argsort(t)
    key = unit[by_t]
    if n_units <= np.iinfo(np.uint16).max:
        key = key.astype(np.uint16)
    return by_t[np.argsort(key, kind="stable")]


def _worst_of_first(
    unit: np.ndarray, first: np.ndarray, d: np.ndarray, window_min: float, n_units: int
) -> np.ndarray:
    """Worst intervals of passes first at ``first`` (minutes after the window start), every ``d``."""
    worst = np.full(n_units, window_min)
    # each pass repeats once per loop of its own team (not of the shortest loop)
    cnt = np.where(
        first <= window_min, np.floor((window_min - first) / np.maximum(d, 1e-9)) + 1, 0
    ).astype(np.int64)
    idx = np.repeat(np.arange(len(first)), cnt)
    k = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    tt = first[idx] + k * d[idx]
    uu = unit[idx]
    ok = tt <= window_min
    tt, uu = tt[ok], uu[ok]
    if not len(tt):
        return worst
    order = unit_time_order(uu, tt, n_units)
    tt, uu = tt[order], uu[order]
    start = np.ones(len(uu), dtype=bool)
    start[1:] = uu[1:] != uu[:-1]
    gaps = np.diff(tt, prepend=0.0)
    gaps[start] = tt[start]  # window start -> first pass
    last = np.ones(len(uu), dtype=bool)
    last[:-1] = uu[1:] != uu[:-1]
    # per unit (a run of the sorted passes): its largest gap, or last pass -> window end (from
    # +0.0 up, as a running maximum from zeros: a -0.0 gap gives +0.0 as it did)
    at = np.flatnonzero(start)
    most = np.maximum(np.zeros(len(at)), np.maximum.reduceat(gaps, at))
    worst[uu[at]] = np.maximum(most, window_min - tt[last])
    return worst


def _team_units(
    team: np.ndarray, unit: np.ndarray, n_teams: int, n_units: int
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Per team (of :func:`schedule_night`'s passes): a mask of the units it passes, the
    rows of every pass on them, those units; and whether it shares a unit with another
    team (only those can gain from a phase change)."""
    touched = []
    sub = []
    for ti in range(n_teams):
        mine = np.zeros(n_units, dtype=bool)
        mine[unit[team == ti]] = True
        touched.append(mine)
        sub.append(np.flatnonzero(mine[unit]))
    units_of = [np.flatnonzero(mine) for mine in touched]
    shared = np.zeros(n_teams, dtype=bool)
    if len(unit):
        pairs = np.unique(np.column_stack([unit, team]), axis=0)
        per_unit = np.bincount(pairs[:, 0], minlength=n_units)
        shared[np.unique(pairs[per_unit[pairs[:, 0]] > 1, 1])] = True
    return touched, sub, units_of, shared


def schedule_night(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    *,
    window_min: float | None = None,
    grid: int = 24,
    rounds: int = 3,
    weights: np.ndarray | None = None,
    passes: LoopPasses | None = None,
) -> NightSchedule:
    """Choose each team's loop phase to minimise the worst revisit interval.

    Parameters
    ----------
    network
        The network the routes run on.
    routes
        One route per team; empty routes (teams staying at base) are skipped.
    window_min
        Night window length (default: the config's night window).
    grid
        Phases tried per team: ``loop * j / grid`` for ``j = 0 .. grid - 1``.
    rounds
        Rounds of coordinate descent over the teams.
    weights
        Risk weight per unit for the mean (default: all 1).
    passes
        The loops' passes computed so far (e.g. by
        :func:`~borderwatch.plan.night.night_routes`); default a new :class:`LoopPasses`.

    Returns
    -------
    NightSchedule
    """
    window = float(network.config.night_minutes if window_min is None else window_min)
    active = [r for r in routes if r.on_patrol]
    if not active:
        from borderwatch.errors import RoutingError

        raise RoutingError("no team has a route to schedule")
    loop = np.array([r.loop_s / 60.0 for r in active])
    team, unit, t = loop_phases(network, active, LoopPasses(network) if passes is None else passes)
    n_units = len(network.units)
    watched = np.zeros(n_units, dtype=bool)
    watched[unit] = True
    phase = np.zeros(len(active))

    wt = (np.ones(n_units) if weights is None else np.asarray(weights, dtype=float))[watched]

    def score_of(full: np.ndarray) -> tuple[float, float]:
        w = full[watched]
        if not len(w):
            return (0.0, 0.0)
        return (round(float(w.max()), 9), round(float((wt * w).sum() / wt.sum()), 9))

    # a phase change of team i moves only the units team i passes: recompute those
    # (from every pass on them) and keep the rest; the per-unit values are the same
    # floats as a full recomputation, so the scores and the choices are unchanged
    touched, sub, units_of, shared = _team_units(team, unit, len(active), n_units)
    current = worst_intervals(team, unit, t, loop, phase, window, n_units)
    best = score_of(current)
    # phases lie on edge ends, so that a loop rotated to its phase starts at a node
    # inside the window (see borderwatch.plan.night.place_loops)
    ends = [np.concatenate([[0.0], np.cumsum(r.seconds)[:-1]]) / 60.0 for r in active]
    for _ in range(rounds):
        improved = False
        for i in np.flatnonzero(shared):
            # while team i's phase moves the others' stay: every phase of the grid for its
            # units in one call (the same floats as one worst_intervals call per phase);
            # the untouched units of `current` do not change with it
            grid_ph = [
                float(ends[i][int(np.argmin(np.abs(ends[i] - loop[i] * j / grid)))])
                for j in range(1, grid)
            ]
            uniq = sorted(set(grid_ph))
            ix = sub[i]
            parts = worst_by_phase(
                team[ix], unit[ix], t[ix], loop, phase, int(i), uniq, window, units_of[i]
            )
            row = {p: k for k, p in enumerate(uniq)}
            scores: dict[float, tuple[float, float]] = {}
            for ph in grid_ph:
                trial = phase.copy()
                trial[i] = ph
                if trial[i] == phase[i]:
                    continue
                full = current.copy()
                full[touched[i]] = parts[row[ph]]
                if ph not in scores:  # the same phase gives the same table and score
                    scores[ph] = score_of(full)
                s = scores[ph]
                if s < best:
                    best, phase, current, improved = s, trial, full, True
        if not improved:
            break
    logger.info(
        "night schedule: worst revisit %.1f min over %d watched units", best[0], int(watched.sum())
    )
    walks = {r.team: list(r.steps) for r in active}
    starts = {r.team: float(-phase[i]) for i, r in enumerate(active)}
    timeline = PatrolTimeline.from_walks(network, walks, start_min=starts, window_min=window)
    return NightSchedule(
        teams=tuple(r.team for r in active),
        loop_min=tuple(float(x) for x in loop),
        phase_min=tuple(float(x) for x in phase),
        worst_revisit_min=best[0],
        timeline=timeline,
    )
