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

from borderwatch.coverage.revisit import pass_times
from borderwatch.coverage.timeline import PatrolTimeline

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import TeamRoute

__all__ = ["NightSchedule", "loop_phases", "schedule_night", "worst_intervals"]

logger = logging.getLogger(__name__)


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


def loop_phases(
    network: PatrolNetwork, routes: Sequence[TeamRoute]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pass times of one loop of each route: arrays ``team index``, ``unit``, ``t`` (min into the loop)."""
    walks = {r.team: list(r.steps) for r in routes if r.steps}
    loop = max(r.loop_s for r in routes if r.steps) / 60.0
    if len(walks) < len(routes):
        routes = [r for r in routes if r.steps]
    once = PatrolTimeline.from_walks(network, walks, window_min=loop + 1e-6, loop=False)
    passes = pass_times(network, once)
    order = {r.team: i for i, r in enumerate(routes)}
    team = passes["team"].map(order).to_numpy(dtype=np.int64)
    return team, passes["unit"].to_numpy(dtype=np.int64), passes["t"].to_numpy(dtype=float)


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
    worst = np.full(n_units, window_min)
    if len(t) == 0:
        return worst
    d = loop_min[team]
    first = np.mod(t - phase_min[team], d)  # first pass at or after the window start
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
    order = np.lexsort((tt, uu))
    tt, uu = tt[order], uu[order]
    start = np.ones(len(uu), dtype=bool)
    start[1:] = uu[1:] != uu[:-1]
    gaps = np.diff(tt, prepend=0.0)
    gaps[start] = tt[start]  # window start -> first pass
    worst_in = np.zeros(n_units)
    np.maximum.at(worst_in, uu, gaps)
    last = np.ones(len(uu), dtype=bool)
    last[:-1] = uu[1:] != uu[:-1]
    np.maximum.at(worst_in, uu[last], window_min - tt[last])
    seen = np.zeros(n_units, dtype=bool)
    seen[uu] = True
    worst[seen] = worst_in[seen]
    return worst


def schedule_night(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    *,
    window_min: float | None = None,
    grid: int = 24,
    rounds: int = 3,
    weights: np.ndarray | None = None,
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
    team, unit, t = loop_phases(network, active)
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
    touched = []
    sub = []
    for ti in range(len(active)):
        mine = np.zeros(n_units, dtype=bool)
        mine[unit[team == ti]] = True
        touched.append(mine)
        sub.append(np.flatnonzero(mine[unit]))
    current = worst_intervals(team, unit, t, loop, phase, window, n_units)
    best = score_of(current)
    # only teams that share a unit with another team can gain from a phase change
    shared = np.zeros(len(active), dtype=bool)
    if len(unit):
        pairs = np.unique(np.column_stack([unit, team]), axis=0)
        per_unit = np.bincount(pairs[:, 0], minlength=n_units)
        shared[np.unique(pairs[per_unit[pairs[:, 0]] > 1, 1])] = True
    # phases lie on edge ends, so that a loop rotated to its phase starts at a node
    # inside the window (see borderwatch.plan.night.place_loops)
    ends = [np.concatenate([[0.0], np.cumsum(r.seconds)[:-1]]) / 60.0 for r in active]
    for _ in range(rounds):
        improved = False
        for i in np.flatnonzero(shared):
            for j in range(1, grid):
                trial = phase.copy()
                trial[i] = float(ends[i][int(np.argmin(np.abs(ends[i] - loop[i] * j / grid)))])
                if trial[i] == phase[i]:
                    continue
                ix = sub[i]
                part = worst_intervals(team[ix], unit[ix], t[ix], loop, trial, window, n_units)
                full = current.copy()
                full[touched[i]] = part[touched[i]]
                s = score_of(full)
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
