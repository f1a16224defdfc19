"""Re-plan the rest of the night when a team drops out or a stretch of the border turns hot.

:func:`replan` takes tonight's :class:`~borderwatch.routing.plan.PatrolPlan`, a
cut time ``at`` inside the night window, the teams that dropped out and the
stretches that turned hot, and plans the rest of the night (``at`` to the
window end) for the teams still on duty:

* **Cut.** Every surviving team is where the plan's timeline (or its driven
  GPS track) has it at ``at``: a team driving a road then finishes that road,
  so its position is the road's end and it is ready there a little after
  ``at`` (:class:`TeamPosition`). What was driven before the cut (the plan's
  traversals, or the GPS tracks) is kept.
* **Remainder.** A copy of the network with the surviving teams only, the
  night window ``[at, end]`` and each team's ``node`` set to its position
  (:func:`remainder_network`): every new loop is a closed tour through where
  the team is, started when it is ready there, with no approach from base.
* **Routing.** The same required roads as tonight's plan; the min-max search
  starts from the better of tonight's assignment (each survivor keeps its
  roads, the dropped teams' roads go in by best insertion) and the greedy
  start (on Ningming the greedy one, and either reaches the final longest loop
  within about 100 iterations), searched 2 s by default, with the basic lower
  bound only (no assignment-bound rounds: they would cost more than the
  re-plan); then the night stage of :func:`~borderwatch.routing.plan.plan_patrols`
  (take-over, extension, co-patrol, standby) with the risk weights of the
  scenario times the hot stretches' weights.
* **Hot stretches.** Units whose chainage lies in a hot stretch weigh ``w``
  times more, in the night stage and after it: the piece of road that passes
  most of the stretch (a loop's visit there, or the road a vehicle may drive
  that watches most of it) is driven once more per loop by the team whose
  detour lowers the *weighted* worst revisit most (interval times weight, so
  the target on a hot stretch is ``T / w``), up to three extra passes per
  stretch (:func:`hot_detours`). The passes there go up; the price is a longer
  loop for the teams that drive it (measured in :attr:`Replan.hot_passes`, the
  worst revisit and ``benchmarks/results/replan.md``).
* **Orientation.** A loop must start at the team's position but may be driven
  either way round: each is driven the way that serves first the units
  waiting longest since their last pass before the cut (:func:`orient_for_cut`).
* **Revisits across the cut.** The passes before the cut and those of the new
  loops are put on one clock (minutes after the original window start); for
  every unit the worst interval that ends after the cut is reported, so a unit
  passed at 01:55 is not "unpassed since 20:00". The same figure for tonight's
  plan kept as it is with the dropped teams gone is what the commander gets by
  doing nothing (:attr:`Replan.original_worst_revisit_min`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from borderwatch.config import format_hhmm, parse_hhmm
from borderwatch.coverage.risk import risk_weights
from borderwatch.coverage.timeline import PatrolTimeline, pass_times, revisits
from borderwatch.errors import ConfigError
from borderwatch.routing.minmax import solve_minmax
from borderwatch.routing.night import _Evaluator, night_objective, night_routes
from borderwatch.routing.patrol import TeamRoute, build_instance
from borderwatch.routing.plan import PatrolPlan, night_network
from borderwatch.routing.schedule import NightSchedule

Step = tuple[int, bool]

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import PatrolInstance

logger = logging.getLogger(__name__)

__all__ = [
    "HotStretch",
    "Replan",
    "Takeover",
    "TeamPosition",
    "cross_cut_revisits",
    "hot_detours",
    "orient_for_cut",
    "plan_positions",
    "remainder_network",
    "replan",
]

_TOL = 1e-9
_HOT_MAX_GROWTH = 1.2  # a hot detour may make a loop at most this much longer than the longest
_SPAN_GAP_KM = 0.5  # taken-over roads further apart than this along the border are two lines
_HOT_RE = re.compile(
    r"^\s*(?P<a>\d+(?:\.\d*)?)\s*-\s*(?P<b>\d+(?:\.\d*)?)\s*(?::\s*(?P<w>[-+]?\d+(?:\.\d*)?))?\s*$"
)


@dataclass(frozen=True)
class HotStretch:
    """A stretch of the border that turned hot: its units weigh ``weight`` times more.

    Attributes
    ----------
    start_km, end_km
        Border chainage (km) of the stretch; a unit is on it when its midpoint
        lies in ``[start_km, end_km]``.
    weight
        Factor on the units' risk weight (> 0; 2 asks for about twice the passes).
    """

    start_km: float
    end_km: float
    weight: float = 2.0

    def __post_init__(self) -> None:
        for name in ("start_km", "end_km", "weight"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ConfigError("must be a finite number", field=f"hot.{name}", value=v)
            object.__setattr__(self, name, float(v))
        if self.start_km < 0 or self.end_km <= self.start_km:
            raise ConfigError(
                "a hot stretch runs from a km to a larger km (e.g. 40.5-42.0)",
                field="hot",
                value=self.label,
            )
        if not self.weight > 0:
            raise ConfigError("the weight must be above 0", field="hot", value=self.weight)

    @property
    def label(self) -> str:
        """``"40.5-42.0"``: the stretch as written on the command line (without the weight)."""
        return f"{self.start_km:.1f}-{self.end_km:.1f}"

    @classmethod
    def parse(cls, text: str, *, field: str = "--hot") -> HotStretch:
        """Read ``"40.5-42.0"`` or ``"40.5-42.0:3"`` (km from, km to, optional weight, default 2).

        Raises
        ------
        ConfigError
            Naming ``field`` and the text: not of that form, an empty stretch,
            or a weight not above 0.
        """
        m = _HOT_RE.match(str(text)) if isinstance(text, str) else None
        if m is None:
            raise ConfigError(
                "a hot stretch is KM-KM or KM-KM:WEIGHT, e.g. 40.5-42.0 or 40.5-42.0:3",
                field=field,
                value=text,
            )
        a, b = float(m.group("a")), float(m.group("b"))
        w = 2.0 if m.group("w") is None else float(m.group("w"))
        if b <= a:
            raise ConfigError(
                "a hot stretch runs from a km to a larger km (e.g. 40.5-42.0)",
                field=field,
                value=text,
            )
        if not w > 0:
            raise ConfigError("the weight must be above 0", field=field, value=text)
        return cls(a, b, w)

    def units(self, network: PatrolNetwork) -> np.ndarray:
        """Positions (``network.units`` order) of the units on the stretch."""
        mid = (network.units["start_m"].to_numpy() + network.units["end_m"].to_numpy()) / 2000.0
        return np.flatnonzero((mid >= self.start_km - _TOL) & (mid <= self.end_km + _TOL))


@dataclass(frozen=True)
class TeamPosition:
    """Where a team is at the cut.

    Attributes
    ----------
    team
        Team id.
    node
        Network node (position in ``network.nodes``) the team is at, or reaches
        next, at the cut.
    ready_min
        Minutes after the original window start at which it is at ``node``
        (at or after the cut: a team driving a road at the cut finishes it).
    source
        ``"plan"`` (from the plan's timeline), ``"gpx"`` (last point of its
        driven track) or ``"given"`` (a node passed in by the caller).
    """

    team: str
    node: int
    ready_min: float
    source: str = "plan"


@dataclass(frozen=True)
class Takeover:
    """One line of the radio diff: a team takes over part of a dropped team's roads.

    Attributes
    ----------
    team
        Who takes over.
    from_team
        Whose roads (the dropped team).
    edges
        Required network edges taken over (ids of ``network.edges``).
    km_from, km_to
        Border chainage span (km) of the units those edges watch.
    first_pass_min
        Minutes after the original window start of the taker's first pass over
        those units after the cut (NaN if its loop passes none of them).
    """

    team: str
    from_team: str
    edges: tuple[int, ...]
    km_from: float
    km_to: float
    first_pass_min: float


@dataclass(frozen=True)
class Replan:
    """The rest of the night, re-planned (see the module notes).

    Attributes
    ----------
    original
        Tonight's plan.
    network
        The remainder's network: the surviving teams, window ``[at, end]``,
        each team's ``node`` its position at the cut.
    plan
        The remainder as an ordinary plan on ``network`` (each loop a closed
        walk from the team's position, no approach); its timeline and revisits
        run on the remainder window (0 = the cut), each team starting when it
        is ready at its position.
    at_min
        The cut, minutes after the original window start.
    dropped
        The teams that dropped out.
    hot
        The hot stretches.
    positions
        Each surviving team's position at the cut.
    takeovers
        Who takes over which of the dropped teams' roads.
    revisits
        Per unit (``network.units`` index), the rest of the night with what was
        driven before the cut counted; times in minutes after the original
        window start. Columns ``n_passes`` (after the cut), ``first_pass_min``
        and ``last_pass_min`` (after the cut, NaN if none),
        ``last_before_cut_min`` (NaN if none), ``worst_revisit_min`` (the worst
        interval ending after the cut: from the last pass before it, or the
        window start, to the next pass, ...), ``mean_revisit_min`` (mean of
        those intervals), ``never_passed`` (no pass after the cut), ``teams``
        (passing after the cut, ``;``-joined), ``weight`` (risk x hot weight).
    worst_revisit_min
        Worst of ``revisits.worst_revisit_min`` over the units passed tonight
        (before or after the cut).
    original_worst_revisit_min
        The same figure had tonight's plan been kept with the dropped teams
        gone (what the commander gets by doing nothing).
    hot_passes
        Per hot stretch label, the passes after the cut over its least-passed
        unit (of those either plan passes; units no road watches do not
        count): ``(original plan with the dropped teams gone, new plan)``.
    seconds
        Wall-clock seconds per step and ``"total"``.
    weighted_worst_revisit_min, original_weighted_worst_revisit_min
        The worst of interval x hot weight (the hot stretches' target is
        ``T / w``), new and kept plan.
    unserved
        Required edges of tonight's plan that no surviving team can reach
        from where it is with its vehicle (they stay unpatrolled).
    """

    original: PatrolPlan
    network: PatrolNetwork
    plan: PatrolPlan
    at_min: float
    dropped: tuple[str, ...]
    hot: tuple[HotStretch, ...]
    positions: Mapping[str, TeamPosition]
    takeovers: tuple[Takeover, ...]
    revisits: pd.DataFrame
    worst_revisit_min: float
    original_worst_revisit_min: float
    hot_passes: Mapping[str, tuple[int, int]]
    seconds: Mapping[str, float]
    weighted_worst_revisit_min: float = math.nan
    original_weighted_worst_revisit_min: float = math.nan
    unserved: tuple[int, ...] = field(default=())

    @property
    def at_clock(self) -> str:
        """The cut as a time of day, ``"02:10"``."""
        return format_hhmm(self.network.config.night_start_min)

    def route(self, team: str) -> TeamRoute:
        """The new route of ``team``."""
        for r in self.plan.routes:
            if r.team == team:
                return r
        raise KeyError(team)


# ---------------------------------------------------------------------------- inputs


def _parse_at(at: str | float, network: PatrolNetwork) -> float:
    """Minutes after the window start of ``at`` (``"HH:MM"`` or minutes), inside the window."""
    cfg = network.config
    window = float(cfg.night_minutes)
    if isinstance(at, str):
        clock = parse_hhmm(at.strip(), field="at")
        minutes = float((clock - cfg.night_start_min) % (24 * 60))
    elif isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
        raise ConfigError(
            "at is a time 'HH:MM' or minutes after the window start", field="at", value=at
        )
    else:
        minutes = float(at)
    if not 0 < minutes < window:
        raise ConfigError(
            f"the cut must lie inside the night window {cfg.night_start}-{cfg.night_end} "
            "(after its start, before its end)",
            field="at",
            value=at,
        )
    if abs(minutes - round(minutes)) > 1e-6:
        # the remainder's night window is HH:MM: the cut is a whole minute
        raise ConfigError("the cut must be a whole minute", field="at", value=at)
    return float(round(minutes))


def _parse_drop(drop: Sequence[str] | str, teams: Sequence[str]) -> tuple[str, ...]:
    items = [drop] if isinstance(drop, str) else list(drop)
    out: list[str] = []
    for raw in items:
        for t in str(raw).split(","):
            t = t.strip()
            if not t:
                continue
            if t not in teams:
                raise ConfigError(
                    f"unknown team; tonight's plan has {', '.join(teams)}", field="drop", value=t
                )
            if t not in out:
                out.append(t)
    if len(out) == len(teams):
        raise ConfigError(
            "cannot drop every team: someone must be left to patrol", field="drop", value=list(out)
        )
    return tuple(out)


def _parse_hot(
    hot: Sequence[HotStretch | str] | str, network: PatrolNetwork
) -> tuple[HotStretch, ...]:
    items = [hot] if isinstance(hot, str | HotStretch) else list(hot)
    out = []
    border_km = float(network.units["end_m"].max()) / 1000.0
    for h in items:
        stretch = h if isinstance(h, HotStretch) else HotStretch.parse(h, field="hot")
        if stretch.start_km > border_km or stretch.end_km > border_km + 0.5:
            raise ConfigError(
                f"the hot stretch lies outside the border (km 0-{border_km:.1f})",
                field="hot",
                value=stretch.label,
            )
        if len(stretch.units(network)) == 0:
            raise ConfigError(
                "the hot stretch holds no border unit (make it longer)",
                field="hot",
                value=stretch.label,
            )
        out.append(stretch)
    return tuple(out)


def _edge_end(network: PatrolNetwork, edge: int, forward: bool) -> int:
    return int(network.edges["v"].iat[edge] if forward else network.edges["u"].iat[edge])


def _edge_start(network: PatrolNetwork, edge: int, forward: bool) -> int:
    return int(network.edges["u"].iat[edge] if forward else network.edges["v"].iat[edge])


def plan_positions(
    network: PatrolNetwork, timeline: PatrolTimeline, at_min: float, teams: Sequence[str]
) -> dict[str, TeamPosition]:
    """Where each of ``teams`` is at ``at_min`` on ``timeline`` (source ``"plan"``).

    A team driving an edge at ``at_min`` finishes it: its position is the
    edge's end, ready when it gets there; a team between two edges is at their
    node at ``at_min``; a team without traversals is at its base.
    """
    trav = timeline.traversals
    out = {}
    for team in teams:
        mine = trav[trav["team"] == team]
        base = int(network.teams.loc[team, "node"])
        if not len(mine):
            out[team] = TeamPosition(team, base, at_min, "plan")
            continue
        ts, te = mine["t_start"].to_numpy(), mine["t_end"].to_numpy()
        edges, fwd = mine["edge"].to_numpy(), mine["forward"].to_numpy()
        later = np.flatnonzero(te > at_min + _TOL)
        if len(later) == 0:  # its last drive ended before the cut
            k = len(mine) - 1
            out[team] = TeamPosition(team, _edge_end(network, int(edges[k]), bool(fwd[k])), at_min)
            continue
        k = int(later[0])
        if ts[k] >= at_min - _TOL:
            node, ready = _edge_start(network, int(edges[k]), bool(fwd[k])), at_min
        else:
            node, ready = _edge_end(network, int(edges[k]), bool(fwd[k])), float(te[k])
        out[team] = TeamPosition(team, node, ready, "plan")
    return out


def _check_positions(
    given: Mapping[str, TeamPosition | int],
    network: PatrolNetwork,
    survivors: Sequence[str],
    at_min: float,
) -> dict[str, TeamPosition]:
    out = {}
    n_nodes = len(network.nodes)
    for team, p in given.items():
        if team not in survivors:
            raise ConfigError(
                f"no surviving team of that id (survivors: {', '.join(survivors)})",
                field="positions",
                value=team,
            )
        pos = p if isinstance(p, TeamPosition) else TeamPosition(str(team), int(p), at_min, "given")
        if pos.team != team:
            raise ConfigError("position keyed by another team", field="positions", value=pos.team)
        if not 0 <= int(pos.node) < n_nodes:
            raise ConfigError(
                f"node out of range 0..{n_nodes - 1}", field="positions", value=pos.node
            )
        if not math.isfinite(pos.ready_min) or pos.ready_min < at_min - 1e-6:
            raise ConfigError(
                "ready_min must be at or after the cut", field="positions", value=pos.ready_min
            )
        vehicle = str(network.teams.loc[team, "vehicle"])
        secs = network.edge_seconds(vehicle)
        touching = (network.edges["u"].to_numpy() == pos.node) | (
            network.edges["v"].to_numpy() == pos.node
        )
        if not np.isfinite(secs[touching]).any():
            raise ConfigError(
                f"team {team}'s {vehicle} may drive no road at node {pos.node}",
                field="positions",
                value=pos.node,
            )
        out[team] = dataclasses.replace(pos, node=int(pos.node), ready_min=float(pos.ready_min))
    return out


def remainder_network(
    network: PatrolNetwork,
    at_min: float,
    positions: Mapping[str, TeamPosition],
) -> PatrolNetwork:
    """The network of the rest of the night: teams of ``positions`` at their nodes, window ``[at, end]``."""
    cfg = network.config
    start = format_hhmm(cfg.night_start_min + at_min)
    teams = list(positions)
    sub = night_network(network, teams=teams, night_window=(start, cfg.night_end))
    frame = sub.teams.copy()
    frame["node"] = [int(positions[t].node) for t in frame.index]
    return dataclasses.replace(sub, teams=frame, _cache={})


# ---------------------------------------------------------------------------- revisits


def cross_cut_revisits(
    passes: pd.DataFrame,
    n_units: int,
    window_min: float,
    at_min: float,
    *,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """Per-unit intervals that end after the cut, from passes on the original window's clock.

    For passes ``t1 <= ... <= tn`` in ``[0, W]`` the intervals are those of
    :mod:`borderwatch.coverage.revisit` (window start and end are
    boundaries); only the intervals that end after ``at_min`` count: the one
    running from the last pass before the cut (or the window start) to the
    first pass after it, the ones after, and the one to the window end.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_passes``, ``first_pass_min``, ``last_pass_min`` (after the
        cut), ``last_before_cut_min``, ``worst_revisit_min``,
        ``mean_revisit_min``, ``never_passed``, ``teams``.
    """
    unit = passes["unit"].to_numpy(dtype=np.int64)
    t = np.clip(passes["t"].to_numpy(dtype=float), 0.0, window_min)
    team = passes["team"].to_numpy().astype(str)
    after = t > at_min + _TOL
    before_last = np.full(n_units, np.nan)
    if (~after).any():
        np.fmax.at(before_last, unit[~after], t[~after])
    ua, ta = unit[after], t[after]
    order = np.lexsort((ta, ua))
    ua, ta = ua[order], ta[order]
    n = np.bincount(ua, minlength=n_units)
    first = np.full(n_units, np.nan)
    last = np.full(n_units, np.nan)
    worst = np.zeros(n_units)
    total = np.zeros(n_units)
    prev0 = np.where(np.isnan(before_last), 0.0, before_last)
    if len(ua):
        starts = np.concatenate([[True], ua[1:] != ua[:-1]])
        ends = np.concatenate([ua[1:] != ua[:-1], [True]])
        first[ua[starts]] = ta[starts]
        last[ua[ends]] = ta[ends]
        prev = np.empty(len(ta))
        prev[1:] = ta[:-1]
        prev[starts] = prev0[ua[starts]]
        gaps = ta - prev
        np.maximum.at(worst, ua, gaps)
        np.add.at(total, ua, gaps)
    tail_from = np.where(n > 0, last, prev0)
    tail = window_min - tail_from
    worst = np.maximum(worst, tail)
    total += tail
    mean = total / (n + 1)
    if len(ua):
        ut = pd.DataFrame({"unit": unit[after], "team": team[after]})
        names = ut.groupby("unit")["team"].agg(lambda s: ";".join(sorted(set(s))))
        teams = names.reindex(np.arange(n_units)).fillna("").to_numpy(dtype=object)
    else:
        teams = np.full(n_units, "", dtype=object)
    out = pd.DataFrame(
        {
            "n_passes": n.astype(np.int64),
            "first_pass_min": first,
            "last_pass_min": last,
            "last_before_cut_min": before_last,
            "worst_revisit_min": worst,
            "mean_revisit_min": mean,
            "never_passed": n == 0,
            "teams": teams,
        },
        index=index if index is not None else pd.RangeIndex(n_units, name="unit"),
    )
    out.index.name = "unit"
    return out


def _passes_before(
    network: PatrolNetwork,
    driven: PatrolTimeline,
    at_min: float,
    ready: Mapping[str, float],
) -> pd.DataFrame:
    """Passes of ``driven`` up to the cut (a surviving team's road under way: up to when it is done)."""
    trav = driven.traversals
    trav = trav[trav["t_start"] < at_min - _TOL]
    sight = driven.sightings
    sight = sight[sight["t"] <= at_min + _TOL]
    cut = PatrolTimeline(
        window_min=driven.window_min,
        teams=driven.teams,
        traversals=trav,
        sightings=sight,
        source=driven.source,
    )
    passes = pass_times(network, cut)
    limit = passes["team"].map(lambda x: ready.get(str(x), at_min)).to_numpy(dtype=float)
    return passes[passes["t"].to_numpy() <= limit + _TOL].reset_index(drop=True)


def _stretch_passes(kept: pd.DataFrame, new: pd.DataFrame, units: np.ndarray) -> tuple[int, int]:
    """Passes after the cut over the least-passed unit of ``units`` that either plan passes."""
    a = kept["n_passes"].to_numpy()[units]
    b = new["n_passes"].to_numpy()[units]
    on = (a > 0) | (b > 0)
    if not on.any():
        return (0, 0)
    return (int(a[on].min()), int(b[on].min()))


def _weighted_worst(table: pd.DataFrame, hot_w: np.ndarray, watched: np.ndarray) -> float:
    if not watched.any():
        return math.inf
    return float((table["worst_revisit_min"].to_numpy() * hot_w)[watched].max())


def _worst(table: pd.DataFrame, watched: np.ndarray) -> float:
    if not watched.any():
        return math.inf
    return float(table["worst_revisit_min"].to_numpy()[watched].max())


# ---------------------------------------------------------------------------- routing


def _warm_start(
    original: PatrolPlan, patrol: PatrolInstance, survivors: Sequence[str]
) -> list[list[int]]:
    """Each new required link to the survivor that served most of its edges tonight (else none)."""
    old = original.instance
    owner: dict[int, str] = {}
    order: dict[int, float] = {}
    for team, tasks in zip(old.teams, original.balanced.tasks, strict=True):
        for e, _ in tasks:
            for edge in old.links[int(e) - old.n_network_edges].edges:
                owner[int(edge)] = team
                order[int(edge)] = float(len(order))
    index = {t: i for i, t in enumerate(survivors)}
    lists: list[list[tuple[float, int]]] = [[] for _ in survivors]
    for j, link in enumerate(patrol.links):
        votes: dict[str, int] = {}
        for edge in link.edges:
            t = owner.get(int(edge))
            if t is not None:
                votes[t] = votes.get(t, 0) + 1
        if not votes:
            continue
        best = max(sorted(votes), key=lambda t: votes[t])
        if best in index:
            rank = min(order[int(e)] for e in link.edges if owner.get(int(e)) == best)
            lists[index[best]].append((rank, patrol.n_network_edges + j))
    return [[e for _, e in sorted(items)] for items in lists]


def _close_at(
    network: PatrolNetwork, patrol: PatrolInstance, route: TeamRoute, node: int
) -> TeamRoute:
    """``route`` as a closed walk from ``node``: rotated there, or with a drive there and back."""
    if not route.on_patrol:
        return route
    starts = [_edge_start(network, e, f) for e, f in route.steps]
    if starts[0] == node:
        return route
    if node in starts:
        k = starts.index(node)
        return dataclasses.replace(
            route,
            steps=route.steps[k:] + route.steps[:k],
            service=route.service[k:] + route.service[:k],
            seconds=route.seconds[k:] + route.seconds[:k],
        )
    inst = patrol.instance
    t = patrol.teams.index(route.team)
    row = int(inst.team_profile[t])
    there = patrol.expand(inst.path(row, node, starts[0]))
    back = [(e, not f) for e, f in reversed(there)]
    secs = network.edge_seconds(route.vehicle)
    steps = there + list(route.steps) + back
    service = [False] * len(there) + list(route.service) + [False] * len(back)
    return dataclasses.replace(
        route,
        steps=tuple(steps),
        service=tuple(service),
        seconds=tuple(float(secs[e]) for e, _ in steps),
    )


def _hot_key(
    ev: _Evaluator, routes: Sequence[TeamRoute], hot_w: np.ndarray, weights: np.ndarray
) -> tuple[float, float, float, float]:
    """``(weighted worst, worst, risk x hot weighted mean, driving)`` of looping ``routes`` from 0."""
    active = [r for r in routes if r.on_patrol]
    worst = ev.worst(active, [0.0] * len(active))
    seen = ev.passed(active)
    if not seen.any():
        return (math.inf, math.inf, math.inf, 0.0)
    w = weights[seen]
    return (
        round(float((worst * hot_w)[seen].max()), 6),
        round(float(worst[seen].max()), 6),
        round(float((w * worst[seen]).sum() / w.sum()), 6),
        round(sum(r.loop_s for r in active) / 60.0, 6),
    )


def _hot_steps(network: PatrolNetwork, route: TeamRoute, hot: np.ndarray) -> np.ndarray:
    """Indices of the steps of ``route`` whose edge watches a hot unit."""
    ue = network.watch.unit_edge.tocsc()
    edges = np.array([e for e, _ in route.steps], dtype=np.int64)
    watched = np.asarray(ue[hot][:, edges].sum(axis=0)).ravel() > 0
    return np.flatnonzero(watched)


def _visits(
    starts: np.ndarray, ends: np.ndarray, hs: np.ndarray, loop: float
) -> list[tuple[int, int]]:
    """Hot steps ``hs`` grouped into visits: runs of steps less than a 20th of the loop apart."""
    out: list[tuple[int, int]] = []
    for i in hs:
        if out and starts[i] - ends[out[-1][1]] < loop / 20.0:
            out[-1] = (out[-1][0], int(i))
        else:
            out.append((int(i), int(i)))
    if len(out) > 1 and starts[out[0][0]] + loop - ends[out[-1][1]] < loop / 20.0:
        out[0] = (out[-1][0], out[0][1])  # wraps round the loop's start
        out.pop()
    return out


def _insert_block(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    route: TeamRoute,
    block: Sequence[Step],
    j: int,
) -> TeamRoute:
    """``route`` with a drive from the start of step ``j`` through ``block`` (either way) and back."""
    inst = patrol.instance
    row = int(inst.team_profile[patrol.teams.index(route.team)])
    sp = inst.shortest_paths(row)
    a = _edge_start(network, *block[0])
    b = _edge_end(network, *block[-1])
    n = _edge_start(network, *route.steps[j])
    if sp.distances_from(a)[n] <= sp.distances_from(b)[n]:
        body = list(block)
        first, last = a, b
    else:
        body = [(e, not f) for e, f in reversed(block)]
        first, last = b, a
    go = patrol.expand(inst.path(row, n, first)) if n != first else []
    back = patrol.expand(inst.path(row, last, n)) if n != last else []
    extra = go + body + back
    s = network.edge_seconds(route.vehicle)
    steps = list(route.steps[:j]) + extra + list(route.steps[j:])
    service = list(route.service[:j]) + [False] * len(extra) + list(route.service[j:])
    return dataclasses.replace(
        route,
        steps=tuple(steps),
        service=tuple(service),
        seconds=tuple(float(s[e]) for e, _ in steps),
    )


def _block_candidates(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    routes: Sequence[TeamRoute],
    blocks: Sequence[Sequence[Step]],
    hot: np.ndarray,
    *,
    per_route: int = 2,
    max_growth: float = _HOT_MAX_GROWTH,
) -> list[tuple[float, int, int, int]]:
    """``(detour minutes, route, step, block)`` of cheap places to drive a hot block once more.

    A loop takes a block its vehicle may drive at its cheapest nodes (a
    quarter loop apart), the detour at most a third of its loop and the loop
    at most ``max_growth`` times the night's longest; a loop that already
    passes every unit of the block takes it only a quarter loop or more away
    from its own passes there.
    """
    inst = patrol.instance
    longest = max((r.loop_s for r in routes if r.on_patrol), default=0.0) / 60.0
    dist: dict[tuple[int, int], np.ndarray] = {}
    out: list[tuple[float, int, int, int]] = []
    for i, r in enumerate(routes):
        if not r.on_patrol:
            continue
        s = network.edge_seconds(r.vehicle)
        row = int(inst.team_profile[patrol.teams.index(r.team)])
        secs = np.asarray(r.seconds) / 60.0
        ends = np.cumsum(secs)
        starts = ends - secs
        loop = float(ends[-1])
        nodes = np.array([_edge_start(network, e, f) for e, f in r.steps], dtype=np.int64)
        own = _hot_steps(network, r, hot)
        own_units = set(_watched(network, [r.steps[k] for k in own], hot).tolist())
        for bi, block in enumerate(blocks):
            block_e = np.array([e for e, _ in block], dtype=np.int64)
            if not np.isfinite(s[block_e]).all():
                continue
            if (row, bi) not in dist:
                sp = inst.shortest_paths(row)
                a = _edge_start(network, *block[0])
                b = _edge_end(network, *block[-1])
                dist[(row, bi)] = (sp.distances_from(a) + sp.distances_from(b)) / 60.0
            cost = dist[(row, bi)][nodes] + float(s[block_e].sum()) / 60.0
            ok = (
                np.isfinite(cost)
                & (cost <= loop / 3.0)
                & (loop + cost <= max_growth * longest + 1e-6)
            )
            if set(_watched(network, block, hot).tolist()) <= own_units:
                for k in own:
                    off = np.abs((starts - starts[k] + loop / 2.0) % loop - loop / 2.0)
                    ok &= off >= loop / 4.0
            picked: list[int] = []
            for j in np.argsort(np.where(ok, cost, np.inf), kind="stable"):
                if not ok[j] or len(picked) >= per_route:
                    break
                if all(
                    abs((starts[j] - starts[k] + loop / 2.0) % loop - loop / 2.0) >= loop / 4.0
                    for k in picked
                ):
                    picked.append(int(j))
                    out.append((float(cost[j]), i, int(j), bi))
    out.sort()
    return out


def _hot_blocks(
    network: PatrolNetwork, routes: Sequence[TeamRoute], hot: np.ndarray
) -> list[list[Step]]:
    """Pieces of road to drive again for more passes over the ``hot`` units.

    The longest visit of each loop through them, and per vehicle the single
    road it may drive that watches most of them (driven there and back).
    """
    out: list[list[Step]] = []
    for r in routes:
        b = _hot_block(network, r, hot) if r.on_patrol else None
        if b is not None and b not in out:
            out.append(b)
    ue = network.watch.unit_edge.tocsc()[hot]
    counts = np.asarray(ue.sum(axis=0)).ravel()
    edges = np.flatnonzero(counts > 0)
    lengths = network.edges["length"].to_numpy()
    for vehicle in sorted({r.vehicle for r in routes if r.on_patrol}):
        s = network.edge_seconds(vehicle)
        ok = edges[np.isfinite(s[edges])]
        if not len(ok):
            continue
        e = int(ok[np.lexsort((ok, lengths[ok], -counts[ok]))[0]])
        block = [(e, True), (e, False)]
        if block not in out:
            out.append(block)
    return out


def _hot_block(network: PatrolNetwork, route: TeamRoute, hot: np.ndarray) -> list[Step] | None:
    """The steps of ``route``'s longest visit to the hot units (the piece a detour drives again)."""
    hs = _hot_steps(network, route, hot)
    if not len(hs):
        return None
    secs = np.asarray(route.seconds) / 60.0
    ends = np.cumsum(secs)
    starts = ends - secs
    loop = float(ends[-1])
    visits = _visits(starts, ends, hs, loop)
    n = len(route.steps)

    def length(v: tuple[int, int]) -> int:
        return (v[1] - v[0]) % n + 1

    a, b = max(visits, key=length)
    idx = [(a + i) % n for i in range(length((a, b)))]
    if sum(secs[i] for i in idx) > loop / 2.0:
        return None  # the hot units take half the loop already
    return [route.steps[i] for i in idx]


def hot_detours(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    routes: Sequence[TeamRoute],
    hot: Sequence[HotStretch],
    weights: np.ndarray,
    window_min: float,
    *,
    max_extra: int = 3,
    tries: int = 8,
) -> list[TeamRoute]:
    """Drive the hot stretches more often, with the night's spare capacity (see the module notes).

    For each hot stretch, the piece of a loop that passes most of its units
    (the *block*) is driven once more by some team: a detour from a node of
    its loop, there and back, that leaves its loop no longer than the night's
    longest loop (so the worst revisit elsewhere does not grow) and lies at
    least a quarter loop from the team's own passes there. Of the ``tries``
    cheapest such detours the one that lowers ``(weighted worst revisit,
    worst revisit, weighted mean revisit, driving)`` most is kept, the worst interval counted
    times the hot weight (a stretch of weight ``w`` aims at ``T / w``); again,
    up to ``max_extra`` extra passes per stretch, while that key drops.
    """
    out = list(routes)
    if not hot:
        return out
    hot_w = np.ones(len(network.units))
    for h in hot:
        hot_w[h.units(network)] *= h.weight
    ev = _Evaluator(network, window_min, weights)
    key = _hot_key(ev, out, hot_w, weights)
    for h in hot:
        units = h.units(network)
        blocks = _hot_blocks(network, out, units)
        if not blocks:
            continue
        for _ in range(max_extra):
            best: tuple[tuple[float, float, float, float], int, TeamRoute] | None = None
            found = _block_candidates(network, patrol, out, blocks, units)
            for _cost, i, j, bi in found[:tries]:
                cand = _insert_block(network, patrol, out[i], blocks[bi], j)
                trial = [*out[:i], cand, *out[i + 1 :]]
                new_key = _hot_key(ev, trial, hot_w, weights)
                if new_key < key and (best is None or new_key < best[0]):
                    best = (new_key, i, cand)
            if best is None:
                break
            new_key, i, cand = best
            logger.info(
                "hot %s: team %s drives it once more per loop, loop %.1f -> %.1f min, "
                "weighted worst %.1f -> %.1f min",
                h.label,
                cand.team,
                out[i].loop_s / 60,
                cand.loop_s / 60,
                key[0],
                new_key[0],
            )
            out[i] = dataclasses.replace(
                cand,
                note=(cand.note + "; " if cand.note else "")
                + f"drives km {h.start_km:g}-{h.end_km:g} once more per loop (hot)",
            )
            key = new_key
    return out


def _watched(network: PatrolNetwork, steps: Sequence[Step], units: np.ndarray) -> np.ndarray:
    """The ``units`` that the edges of ``steps`` watch."""
    ue = network.watch.unit_edge.tocsc()
    sub = ue[units][:, [e for e, _ in steps]]
    return units[np.asarray(sub.sum(axis=1)).ravel() > 0]


def _reversed(route: TeamRoute) -> TeamRoute:
    """``route`` driven the other way round (still a closed walk from the same node)."""
    return dataclasses.replace(
        route,
        steps=tuple((e, not f) for e, f in reversed(route.steps)),
        service=tuple(reversed(route.service)),
        seconds=tuple(reversed(route.seconds)),
    )


def _after_passes(
    ev: _Evaluator, routes: Sequence[TeamRoute], offsets: Sequence[float], end_min: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(unit, t)`` of every pass of looping ``routes``, each from its offset, up to ``end_min``."""
    units, times = [], []
    for r, off in zip(routes, offsets, strict=True):
        u, t = ev.passes(r)
        loop = r.loop_s / 60.0
        if not len(u) or loop <= 0:
            continue
        n = max(1, math.ceil((end_min - off) / loop) + 1)
        tt = (off + t[None, :] + loop * np.arange(n)[:, None]).ravel()
        uu = np.tile(u, n)
        keep = tt <= end_min + _TOL
        units.append(uu[keep])
        times.append(tt[keep])
    if not units:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(units), np.concatenate(times)


def _cross_worst(
    before_last: np.ndarray, unit: np.ndarray, t: np.ndarray, window_min: float
) -> np.ndarray:
    """Worst interval ending after the cut per unit, from the last pass before it and the passes after."""
    n_units = len(before_last)
    prev0 = np.where(np.isnan(before_last), 0.0, before_last)
    worst = window_min - prev0
    if not len(unit):
        return worst
    order = np.lexsort((t, unit))
    u, tt = unit[order], t[order]
    first = np.concatenate([[True], u[1:] != u[:-1]])
    last = np.concatenate([u[1:] != u[:-1], [True]])
    prev = np.empty(len(tt))
    prev[1:] = tt[:-1]
    prev[first] = prev0[u[first]]
    out = np.zeros(n_units)
    np.maximum.at(out, u, tt - prev)
    tail = np.full(n_units, np.nan)
    tail[u[last]] = window_min - tt[last]
    seen = ~np.isnan(tail)
    worst[seen] = np.maximum(out[seen], tail[seen])
    return worst


def orient_for_cut(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    offsets: Mapping[str, float],
    before_last: np.ndarray,
    weights: np.ndarray,
    hot_w: np.ndarray,
    at_min: float,
    window_min: float,
    *,
    max_moves: int | None = None,
) -> list[TeamRoute]:
    """Drive each loop the way round that serves first the units waiting longest since the cut.

    A loop must start at the team's position, but it may be driven either way
    round; that decides which units it reaches first after the cut. The key
    is ``(weighted worst, worst, weighted mean)`` of the intervals ending after
    the cut (:func:`cross_cut_revisits`), with what was passed before the cut
    (``before_last``: last pass per unit, NaN if none) counted; of a steepest
    descent (flip the loop whose flip lowers the key most, at most
    ``max_moves`` flips, default twice the teams) and a first-improvement
    descent (teams in order, twice round), the better is kept: the key is a
    max, flat in most directions, and the two end in different places.
    ``offsets``: when each team starts its loop (original clock).
    """
    out = list(routes)
    active = [i for i, r in enumerate(out) if r.on_patrol]
    if not active:
        return out
    ev = _Evaluator(network, window_min - at_min, weights)
    watched_before = ~np.isnan(before_last)

    def key(rs: list[TeamRoute]) -> tuple[float, float, float]:
        act = [rs[i] for i in active]
        unit, t = _after_passes(ev, act, [offsets[r.team] for r in act], window_min)
        worst = _cross_worst(before_last, unit, t, window_min)
        seen = watched_before.copy()
        seen[unit] = True
        if not seen.any():
            return (math.inf, math.inf, math.inf)
        w = weights[seen]
        return (
            round(float((worst * hot_w)[seen].max()), 6),
            round(float(worst[seen].max()), 6),
            round(float((w * worst[seen]).sum() / w.sum()), 6),
        )

    moves = max_moves if max_moves is not None else 2 * len(active)
    flipped = {i: _reversed(out[i]) for i in active}
    start = key(out)
    # steepest descent: flip the loop whose flip lowers the key most, while one does
    steep, best = list(out), start
    for _ in range(moves):
        move: tuple[tuple[float, float, float], int] | None = None
        for i in active:
            trial = list(steep)
            trial[i] = flipped[i] if steep[i] is out[i] else out[i]
            k = key(trial)
            if k < best and (move is None or k < move[0]):
                move = (k, i)
        if move is None:
            break
        best, i = move
        steep[i] = flipped[i] if steep[i] is out[i] else out[i]
    # first improvement in team order, twice round; the better of the two descents is kept
    first, best_first = list(out), start
    for _ in range(2):
        for i in active:
            trial = list(first)
            trial[i] = flipped[i] if first[i] is out[i] else out[i]
            k = key(trial)
            if k < best_first:
                first, best_first = trial, k
    out = first if best_first < best else steep
    return out


# ---------------------------------------------------------------------------- the re-plan


def replan(
    plan: PatrolPlan,
    network: PatrolNetwork,
    *,
    at: str | float,
    drop: Sequence[str] | str = (),
    hot: Sequence[HotStretch | str] | str = (),
    positions: Mapping[str, TeamPosition | int] | None = None,
    driven: PatrolTimeline | None = None,
    time_limit_s: float = 2.0,
    max_iterations: int | None = None,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Replan:
    """Re-plan the rest of tonight from ``at`` (see the module notes).

    Parameters
    ----------
    plan
        Tonight's plan, made on ``network``.
    network
        The network ``plan`` was made on.
    at
        The cut: ``"HH:MM"`` inside the night window (after midnight is the
        next day) or whole minutes after the window start.
    drop
        Teams that dropped out (ids, or one comma-separated string).
    hot
        Hot stretches (:class:`HotStretch` or ``"40.5-42.0[:w]"``).
    positions
        Where teams are at the cut, overriding the plan's timeline: a
        :class:`TeamPosition` or a node (then ready at the cut).
    driven
        What was driven tonight (e.g. ``PatrolTimeline.from_gpx``), on the
        original window's clock; default the plan's timeline. Only what lies
        before the cut is used.
    time_limit_s, max_iterations, seed
        The min-max search's limits and seed (default the plan's seed). The
        search starts warm from tonight's assignment and stops earlier when it
        converges; on Ningming it reaches its final longest loop within about
        100 iterations, so 2 s is plenty. ``max_iterations`` (with a time
        limit that does not stop the search first) makes the result
        independent of the machine's speed.
    progress
        Called with a short message before each step.

    Returns
    -------
    Replan

    Raises
    ------
    ConfigError
        Naming the field (``at``, ``drop``, ``hot``, ``positions``) and the
        value: a cut outside the window, an unknown team, dropping every
        team, a hot stretch outside the border or with a weight not above 0.
    """
    t_all = time.perf_counter()
    say = progress or (lambda _msg: None)
    seed = plan.seed if seed is None else seed
    secs: dict[str, float] = {}
    t = time.perf_counter()
    at_min = _parse_at(at, network)
    plan_teams = list(plan.instance.teams)
    dropped = _parse_drop(drop, plan_teams)
    hots = _parse_hot(hot, network)
    survivors = [team for team in plan_teams if team not in dropped]
    original_tl = plan.schedule.timeline
    pos = plan_positions(network, original_tl, at_min, survivors)
    if positions:
        pos.update(_check_positions(positions, network, survivors, at_min))
    window = float(network.config.night_minutes)
    n_units = len(network.units)

    # weights: the scenario's risk times the hot stretches'
    hot_w = np.ones(n_units)
    for h in hots:
        hot_w[h.units(network)] *= h.weight
    weights = risk_weights(network) * hot_w

    # what was driven before the cut, and the plan kept as it is
    driven_tl = original_tl if driven is None else driven
    ready = {team: p.ready_min for team, p in pos.items()}
    before = _passes_before(network, driven_tl, at_min, ready)
    secs["cut"] = time.perf_counter() - t

    t = time.perf_counter()
    say(
        f"re-routing {len(survivors)} teams from {format_hhmm(network.config.night_start_min + at_min)}"
    )
    rem = remainder_network(network, at_min, pos)
    rem_window = window - at_min
    patrol = build_instance(rem, plan.required.edges)
    initial = _warm_start(plan, patrol, survivors)
    result = solve_minmax(
        patrol.instance,
        time_limit_s=time_limit_s,
        max_iterations=max_iterations,
        seed=seed,
        initial=initial,
    )
    result.validate(patrol.instance)
    secs["routing"] = time.perf_counter() - t

    t = time.perf_counter()
    say("giving every team its loop")
    routes, balanced = night_routes(rem, patrol, result, weights=weights, window_min=rem_window)
    routes = [_close_at(rem, patrol, r, pos[r.team].node) for r in routes]
    secs["night"] = time.perf_counter() - t
    if hots:
        t = time.perf_counter()
        say("more passes on the hot stretches")
        routes = hot_detours(rem, patrol, routes, hots, weights, rem_window)
        secs["hot"] = time.perf_counter() - t
    t = time.perf_counter()
    say("driving each loop the way round that serves the longest-waiting units first")
    before_last = np.full(n_units, np.nan)
    if len(before):
        np.fmax.at(
            before_last,
            before["unit"].to_numpy(dtype=np.int64),
            np.clip(before["t"].to_numpy(dtype=float), 0.0, window),
        )
    routes = orient_for_cut(
        rem,
        routes,
        {team: p.ready_min for team, p in pos.items()},
        before_last,
        weights,
        hot_w,
        at_min,
        window,
    )
    secs["orient"] = time.perf_counter() - t

    t = time.perf_counter()
    say("timing the rest of the night")
    active = [r for r in routes if r.on_patrol]
    # a team still finishing its road at the window end starts no loop
    starters = [r for r in active if pos[r.team].ready_min < window - 1e-6]
    if starters:
        timeline = PatrolTimeline.from_walks(
            rem,
            {r.team: list(r.steps) for r in starters},
            start_min={r.team: pos[r.team].ready_min - at_min for r in starters},
            window_min=rem_window,
        )
    else:
        timeline = PatrolTimeline(window_min=rem_window, teams=tuple(pos), source="plan")
    table = revisits(rem, timeline)
    objective = night_objective(
        table["worst_revisit_min"].to_numpy(),
        table["n_passes"].to_numpy() > 0,
        weights,
        sum(r.loop_s for r in active) / 60.0,
    )
    schedule = NightSchedule(
        teams=tuple(r.team for r in active),
        loop_min=tuple(r.loop_s / 60.0 for r in active),
        phase_min=tuple(0.0 for _ in active),
        worst_revisit_min=objective.worst_revisit_min,
        timeline=timeline,
    )
    new_plan = PatrolPlan(
        required=plan.required,
        instance=patrol,
        routes=tuple(routes),
        result=result,
        balanced=balanced,
        schedule=schedule,
        revisits=table,
        objective=objective,
        seconds=secs,
        seed=seed,
    )

    # across the cut, on the original clock
    after = pass_times(rem, timeline)
    after = after.assign(t=after["t"] + at_min)
    combined = pd.concat([before, after], ignore_index=True)
    cross = cross_cut_revisits(combined, n_units, window, at_min, index=network.units.index)
    cross["weight"] = weights
    kept = _kept_passes(network, original_tl, at_min, dropped, before, driven is None)
    kept_table = cross_cut_revisits(kept, n_units, window, at_min, index=network.units.index)
    watched = (cross["n_passes"].to_numpy() > 0) | ~np.isnan(
        cross["last_before_cut_min"].to_numpy()
    )
    kept_watched = (kept_table["n_passes"].to_numpy() > 0) | ~np.isnan(
        kept_table["last_before_cut_min"].to_numpy()
    )
    hot_passes = {h.label: _stretch_passes(kept_table, cross, h.units(network)) for h in hots}
    takeovers = _takeovers(network, plan, new_plan, dropped, after)
    served = {int(e) for r in routes for (e, _), s in zip(r.steps, r.service, strict=True) if s}
    unserved = tuple(sorted(int(e) for e in plan.required.edges if int(e) not in served))
    secs["schedule"] = time.perf_counter() - t
    secs["total"] = time.perf_counter() - t_all
    out = Replan(
        original=plan,
        network=rem,
        plan=new_plan,
        at_min=at_min,
        dropped=dropped,
        hot=hots,
        positions=dict(pos),
        takeovers=takeovers,
        revisits=cross,
        worst_revisit_min=_worst(cross, watched),
        original_worst_revisit_min=_worst(kept_table, kept_watched),
        hot_passes=hot_passes,
        seconds=secs,
        weighted_worst_revisit_min=_weighted_worst(cross, hot_w, watched),
        original_weighted_worst_revisit_min=_weighted_worst(kept_table, hot_w, kept_watched),
        unserved=unserved,
    )
    logger.info(
        "replan at %s: dropped %s, worst revisit rest of night %.1f min (kept plan %.1f), %.1f s",
        out.at_clock,
        ", ".join(dropped) or "none",
        out.worst_revisit_min,
        out.original_worst_revisit_min,
        secs["total"],
    )
    return out


def _kept_passes(
    network: PatrolNetwork,
    original_tl: PatrolTimeline,
    at_min: float,
    dropped: Sequence[str],
    before: pd.DataFrame,
    driven_is_plan: bool,
) -> pd.DataFrame:
    """Passes had tonight's plan been kept with the dropped teams gone after the cut."""
    passes = pass_times(network, original_tl)
    late = passes["t"].to_numpy() > at_min + _TOL
    gone = passes["team"].isin(list(dropped)).to_numpy()
    after = passes[late & ~gone]
    if driven_is_plan:
        early = passes[~late]
        return pd.concat([early, after], ignore_index=True)
    return pd.concat([before[before["t"] <= at_min + _TOL], after], ignore_index=True)


def _takeovers(
    network: PatrolNetwork,
    original: PatrolPlan,
    new: PatrolPlan,
    dropped: Sequence[str],
    after: pd.DataFrame,
) -> tuple[Takeover, ...]:
    """Group the dropped teams' served roads by who serves them now, in contiguous chainage spans."""
    ue = network.watch.unit_edge.tocsc()
    mid = (network.units["start_m"].to_numpy() + network.units["end_m"].to_numpy()) / 2000.0
    u_start = network.units["start_m"].to_numpy() / 1000.0
    u_end = network.units["end_m"].to_numpy() / 1000.0
    server: dict[int, str] = {}
    for r in new.routes:
        for (e, _), s in zip(r.steps, r.service, strict=True):
            if s:
                server.setdefault(int(e), r.team)
    out: list[Takeover] = []
    for gone in dropped:
        route = next((r for r in original.routes if r.team == gone), None)
        if route is None:
            continue
        edges = sorted({int(e) for (e, _), s in zip(route.steps, route.service, strict=True) if s})
        by_team: dict[str, list[tuple[float, float, float, int, np.ndarray]]] = {}
        for e in edges:
            taker = server.get(e)
            if taker is None:
                continue
            units = ue[:, [e]].nonzero()[0]
            if len(units):
                lo, hi = float(u_start[units].min()), float(u_end[units].max())
            else:
                lo, hi = math.nan, math.nan
            by_team.setdefault(taker, []).append(
                (float(mid[units].min()) if len(units) else math.inf, lo, hi, e, units)
            )
        for taker in sorted(by_team):
            located = sorted((x for x in by_team[taker] if len(x[4])), key=lambda x: (x[1], x[3]))
            loose = [x for x in by_team[taker] if not len(x[4])]
            spans: list[list[tuple[float, float, float, int, np.ndarray]]] = []
            hi = -math.inf
            for it in located:
                if not spans or it[1] > hi + _SPAN_GAP_KM:
                    spans.append([])
                    hi = it[2]
                spans[-1].append(it)
                hi = max(hi, it[2])
            if loose:  # roads watching no unit go with the taker's first span
                if not spans:
                    spans.append([])
                spans[0].extend(loose)
            mine = after[after["team"] == taker]
            for span in spans:
                units = np.unique(np.concatenate([x[4] for x in span]))
                lo = min((x[1] for x in span if len(x[4])), default=math.nan)
                hi_km = max((x[2] for x in span if len(x[4])), default=math.nan)
                times = mine["t"].to_numpy()[np.isin(mine["unit"].to_numpy(), units)]
                out.append(
                    Takeover(
                        team=taker,
                        from_team=gone,
                        edges=tuple(sorted(x[3] for x in span)),
                        km_from=lo,
                        km_to=hi_km,
                        first_pass_min=float(times.min()) if len(times) else math.nan,
                    )
                )
    out.sort(
        key=lambda x: (x.from_team, x.km_from if math.isfinite(x.km_from) else math.inf, x.team)
    )
    return tuple(out)
