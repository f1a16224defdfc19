"""The night objective: after the min-max stage, put every team's spare capacity to work.

The min-max stage (:func:`~borderwatch.routing.minmax.solve_minmax`) fixes the
longest loop, which bounds the worst revisit interval of the night, but it
gives no reason to use a team that cannot shorten that loop: such teams get
empty loops or a few hundred metres near their base. A night is judged by
the revisit intervals it gives the border through the whole window, weighted
by risk, with every team working. Lexicographically, a plan is better when

1. its **worst revisit** (over the patrolled units) is lower, then
2. its **risk-weighted mean revisit** (the mean over the patrolled units of each
   unit's worst interval, weighted by :func:`~borderwatch.coverage.risk_weights`)
   is lower, then
3. its **driving** (the sum of loop durations and approach drives) is lower.

:func:`night_routes` reaches such a night in three steps:

* **take-over** (:func:`~borderwatch.routing.minmax.balance_loops`): tasks move
  from long loops to teams whose loops stay shorter, whenever the longer of
  the two loops gets shorter; the longest loop never grows.
* for every team whose loop is still shorter than ``min_loop_min``, the best
  (objective above, with the team's start offset searched) of

  - **extension**: its loop grows, by greedy insertion, with the required
    roads worth most another pass (risk weight x current worst interval of
    the units they watch), never beyond the longest loop;
  - **co-patrol**: it drives another team's loop (or its own short loop and
    then that loop), staggered by the schedule (half a period for twins),
    which halves the revisit there; the loop must be drivable by its vehicle
    and within ``max_approach_min`` of its base.

  A loop shorter than ``min_loop_min`` is kept only when it is all the team
  can reach and only that team drives some of its roads (the note says so and
  names the alternative: the checkpoint nearest its base); when other teams
  drive all its roads, it goes on standby for checkpoint reinforcement there
  (:func:`short_loop_rule`).
* a team that reaches nothing is on **standby**, with the reason.

The schedule (:func:`~borderwatch.plan.schedule.schedule_night`) then staggers
the teams sharing units, and :func:`place_loops` starts every loop at the
window start where the team is then: the drive from base to there is the
approach, done before the window ("leave base 19:38").
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from borderwatch.coverage.risk import risk_weights
from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.plan.schedule import LoopPasses, worst_by_phase, worst_intervals
from borderwatch.routing.minmax import balance_loops, extend_tour
from borderwatch.routing.patrol import TeamRoute, routes_from_result
from borderwatch.routing.result import Step

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.schedule import NightSchedule
    from borderwatch.routing.patrol import PatrolInstance
    from borderwatch.routing.result import RoutingResult

logger = logging.getLogger(__name__)

__all__ = ["NightObjective", "night_objective", "night_routes", "place_loops"]


@dataclass(frozen=True)
class NightObjective:
    """The figures a night is judged by, compared lexicographically by :meth:`key`.

    Attributes
    ----------
    worst_revisit_min
        Worst revisit interval over the patrolled units (passed at least once).
    mean_revisit_min
        Risk-weighted mean over the patrolled units of their worst interval.
    driving_min
        Sum of the loop durations and approach drives of the teams on patrol.
    """

    worst_revisit_min: float
    mean_revisit_min: float
    driving_min: float

    def key(self) -> tuple[float, float, float]:
        """``(worst, mean, driving)`` rounded to 1e-6 min for stable comparisons."""
        return (
            round(self.worst_revisit_min, 6),
            round(self.mean_revisit_min, 6),
            round(self.driving_min, 6),
        )


def night_objective(
    table_worst: np.ndarray, passed: np.ndarray, weights: np.ndarray, driving_min: float
) -> NightObjective:
    """The objective of per-unit worst intervals ``table_worst`` (units passed: ``passed``)."""
    if not passed.any():
        return NightObjective(math.inf, math.inf, driving_min)
    w = weights[passed]
    x = table_worst[passed]
    return NightObjective(float(x.max()), float((w * x).sum() / w.sum()), float(driving_min))


class _Evaluator:
    """Fast revisit figures of candidate nights: one loop's passes per route, shifted in numpy."""

    def __init__(
        self,
        network: PatrolNetwork,
        window: float,
        weights: np.ndarray,
        passes: LoopPasses | None = None,
    ) -> None:
        self.network = network
        self.window = window
        self.weights = weights
        self.n_units = len(network.units)
        self._passes = LoopPasses(network) if passes is None else passes
        # the last whole table: placing a spare team asks for the other teams' table once
        # for its extension and again per candidate (the same routes and phases)
        self._last: tuple[list[TeamRoute], tuple[float, ...], np.ndarray] | None = None

    def passes(self, route: TeamRoute) -> tuple[np.ndarray, np.ndarray]:
        return self._passes.of(route)

    def worst_all(self, routes: Sequence[TeamRoute], phases: Sequence[float]) -> np.ndarray:
        """:meth:`worst` of every unit (a copy of the last table when asked again)."""
        key = tuple(float(p) for p in phases)
        last = self._last
        if (
            last is None
            or key != last[1]
            or len(last[0]) != len(routes)
            or any(a is not b for a, b in zip(last[0], routes, strict=True))
        ):
            last = self._last = (list(routes), key, self.worst(routes, phases))
        return last[2].copy()

    def worst(
        self,
        routes: Sequence[TeamRoute],
        phases: Sequence[float],
        only: np.ndarray | None = None,
    ) -> np.ndarray:
        """Per-unit worst intervals; with ``only`` (sorted unit ids), right on those units only.

        A unit's worst interval depends on the passes of that unit alone, so leaving the
        other units' passes out gives the same values on ``only``.
        """
        return self._worst(self._events(routes, only), phases)

    def _events(
        self, routes: Sequence[TeamRoute], only: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One loop's passes of ``routes`` (of the units ``only``): team, unit, time; loops."""
        units, times, teams = [], [], []
        wanted = None
        if only is not None:  # a mask of the units (np.isin per route, the same rows)
            wanted = np.zeros(self.n_units, dtype=bool)
            wanted[only] = True
        for i, r in enumerate(routes):
            u, t = self.passes(r)
            if wanted is not None:
                keep = wanted[u]
                u, t = u[keep], t[keep]
            units.append(u)
            times.append(t)
            teams.append(np.full(len(u), i, dtype=np.int64))
        loop = np.array([r.loop_s / 60.0 for r in routes])
        return np.concatenate(teams), np.concatenate(units), np.concatenate(times), loop

    def _worst(
        self, events: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], phases: Sequence[float]
    ) -> np.ndarray:
        team, unit, t, loop = events
        return worst_intervals(
            team, unit, t, loop, np.asarray(phases, dtype=float), self.window, self.n_units
        )

    def passed(self, routes: Sequence[TeamRoute]) -> np.ndarray:
        seen = np.zeros(self.n_units, dtype=bool)
        for r in routes:
            seen[self.passes(r)[0]] = True
        return seen

    def best_phase(
        self, routes: list[TeamRoute], phases: list[float], i: int, grid: int = 12
    ) -> tuple[NightObjective, float]:
        """Best start offset of route ``i`` (others fixed) on a grid snapped to its edge ends."""
        passed = self.passed(routes)
        driving = sum(r.loop_s + r.approach_s for r in routes) / 60.0
        # only the units route i passes change with its phase: the others' worst intervals
        # once, those units' again per phase (the same values as the whole table's)
        others = [r for j, r in enumerate(routes) if j != i]
        rest = (
            self.worst_all(others, [p for j, p in enumerate(phases) if j != i])
            if others
            else np.full(self.n_units, self.window)
        )
        mine = np.unique(self.passes(routes[i])[0])
        team, unit, t, loop = self._events(routes, mine)
        grid_ph = phase_grid(routes[i], grid)
        # every phase's values on those units in one call (the same floats as one call each)
        tables = worst_by_phase(
            team, unit, t, loop, np.asarray(phases, dtype=float), i, grid_ph, self.window, mine
        )
        best: tuple[NightObjective, float] | None = None
        for ph, part in zip(grid_ph, tables, strict=True):
            table = rest.copy()
            table[mine] = part
            obj = night_objective(table, passed, self.weights, driving)
            if best is None or obj.key() < best[0].key():
                best = (obj, ph)
        assert best is not None
        return best


def phase_grid(route: TeamRoute, grid: int) -> list[float]:
    """Phases ``loop * j / grid`` snapped to the nearest edge end of the loop (unique, sorted)."""
    ends = np.concatenate([[0.0], np.cumsum(route.seconds)[:-1]]) / 60.0
    loop = route.loop_s / 60.0
    if len(ends) == 0 or loop <= 0:
        return [0.0]
    want = loop * np.arange(grid) / grid
    idx = np.abs(ends[None, :] - want[:, None]).argmin(axis=1)
    return sorted({float(ends[i]) for i in idx})


def _link_units(network: PatrolNetwork, patrol: PatrolInstance) -> list[np.ndarray]:
    """Units each link watches."""
    ue = network.watch.unit_edge.tocsc(copy=True)
    ue.eliminate_zeros()  # as nonzero() leaves explicit zeros out
    # each column's rows read off the CSC arrays (a column slice of the matrix per link
    # cost ~30 us each)
    out = []
    for link in patrol.links:
        parts = [ue.indices[ue.indptr[e] : ue.indptr[e + 1]] for e in link.edges]
        out.append(np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int32))
    return out


def _route(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    team: str,
    walk: Sequence[Step],
    *,
    role: str,
    note: str = "",
) -> TeamRoute:
    """A :class:`TeamRoute` from an instance walk (link steps expanded)."""
    vehicle = str(network.teams.loc[team, "vehicle"])
    secs = network.edge_seconds(vehicle)
    steps: list[Step] = []
    service: list[bool] = []
    for e, fwd in walk:
        expanded = patrol.expand([(e, fwd)])
        steps.extend(expanded)
        service.extend([e >= patrol.n_network_edges] * len(expanded))
    return TeamRoute(
        team=team,
        vehicle=vehicle,
        role=role,
        note=note,
        steps=tuple(steps),
        service=tuple(service),
        seconds=tuple(float(secs[e]) for e, _ in steps),
    )


_T = TypeVar("_T")


def _rotate(items: Sequence[_T], at: int) -> list[_T]:
    return list(items[at:]) + list(items[:at])


def _start_node(network: PatrolNetwork, step: Step) -> int:
    e, fwd = step
    return int(network.edges["u"].iat[e] if fwd else network.edges["v"].iat[e])


def _co_patrol(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    own: TeamRoute,
    host: TeamRoute,
    t: int,
    max_approach_s: float,
) -> TeamRoute | None:
    """``own.team`` drives ``host``'s loop (after its own short loop, if any), or None."""
    inst = patrol.instance
    row = int(inst.team_profile[t])
    host_edges = np.array([e for e, _ in host.steps], dtype=np.int64)
    if not np.isfinite(inst.cost[row, host_edges]).all():
        return None
    depot = int(inst.depots[t])
    dist = inst.shortest_paths(row).distances_from(depot)
    # the node each step leaves from (as _start_node, the edge table's columns read once)
    fwd = np.array([f for _, f in host.steps], dtype=bool)
    u, v = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    starts = np.where(fwd, u[host_edges], v[host_edges]).astype(np.int64)
    d = dist[starts]
    at = int(np.argmin(d))
    if not d[at] <= max_approach_s:
        return None
    loop = _rotate(host.steps, at)
    vehicle = own.vehicle
    secs = network.edge_seconds(vehicle)
    if own.steps:
        # from where its own loop closes: the base, or a circuit's start (loops = circuit)
        src = _start_node(network, own.steps[0]) if inst.circuit else depot
        there = patrol.expand(inst.path(row, src, int(starts[at])))
        back = [(e, not f) for e, f in reversed(there)]
        steps = list(own.steps) + there + loop + back
        service = list(own.service) + [False] * len(there)
        service += list(_rotate(host.service, at)) + [False] * len(back)
    else:
        steps = loop
        service = list(_rotate(host.service, at))
    return TeamRoute(
        team=own.team,
        vehicle=vehicle,
        steps=tuple(steps),
        service=tuple(service),
        seconds=tuple(float(secs[e]) for e, _ in steps),
        role=f"co-patrol {host.team}",
    )


def _balanced_routes(
    network: PatrolNetwork, patrol: PatrolInstance, result: RoutingResult
) -> tuple[list[TeamRoute], RoutingResult]:
    """The take-over stage's routes: grown loops marked, teams reaching no road on standby."""
    inst = patrol.instance
    balanced = balance_loops(inst, result)
    balanced.validate(inst)
    routes = routes_from_result(network, patrol, balanced)
    for i, r in enumerate(routes):
        if len(balanced.tasks[i]) > len(result.tasks[i]):
            routes[i] = replace(r, role="take-over")
    idle = set(patrol.idle)
    for i, r in enumerate(routes):
        if r.team in idle:
            routes[i] = replace(
                r,
                steps=(),
                service=(),
                seconds=(),
                status="standby",
                role="",
                standby_reason=f"its {r.vehicle} reaches no required road from its base",
            )
    return routes, balanced


@dataclass(frozen=True)
class _Spares:
    """What placing a spare team (a loop shorter than ``min_loop``) needs."""

    network: PatrolNetwork
    patrol: PatrolInstance
    balanced: RoutingResult
    ev: _Evaluator
    w: np.ndarray
    link_units: list[np.ndarray]
    min_loop: float
    max_loop: float
    max_approach_min: float
    window: float

    def candidates(
        self, own: TeamRoute, t: int, others: list[TeamRoute], other_ph: list[float]
    ) -> list[TeamRoute]:
        """The spare team's extension of its own loop and its co-patrols of other loops."""
        network, patrol, inst = self.network, self.patrol, self.patrol.instance
        min_loop = self.min_loop
        candidates: list[TeamRoute] = []
        # extension: required roads worth most another pass
        worst_now = (
            self.ev.worst_all(others, other_ph)
            if others
            else np.full(len(network.units), self.window)
        )
        value = np.array(
            [float((self.w[u] * worst_now[u]).sum()) if len(u) else 0.0 for u in self.link_units]
        )
        own_edges = [int(e) for e, _ in self.balanced.tasks[t]]
        if (
            inst.cost[int(inst.team_profile[t]), inst.required_edges].size
            and np.isfinite(inst.cost[int(inst.team_profile[t]), inst.required_edges]).any()
        ):
            _, walk, _c = extend_tour(
                inst,
                t,
                own_edges,
                value,
                target=min_loop * 60.0,
                max_cost=max(self.max_loop, min_loop * 60.0),
            )
            if walk:
                candidates.append(_route(network, patrol, own.team, walk, role="extension"))
        for host in others:
            if host.loop_s < min_loop * 60.0 or host.role.startswith("co-patrol"):
                continue
            cop = _co_patrol(network, patrol, own, host, t, self.max_approach_min * 60.0)
            if (
                cop is not None
                and inst.circuit
                and cop.loop_s > max(self.max_loop, min_loop * 60.0) + 1e-6
            ):
                # loops = circuit: a short circuit, a drive to the host's loop, that loop and
                # back is a loop longer than the longest (Ningming: 18.9 + 104 min), worse
                # for the team's own roads than keeping its short circuit; as for extensions
                continue
            if cop is not None:
                candidates.append(cop)
        return candidates

    def place(self, routes: list[TeamRoute], i: int, own: TeamRoute, t: int) -> TeamRoute:
        """The best-scored candidate for spare team ``i`` (or its short loop, or standby)."""
        network, min_loop = self.network, self.min_loop
        act = [r for r in routes if r.on_patrol]
        others = [r for r in act if r.team != own.team]
        other_ph = [0.0] * len(others)
        scored = []
        for cand in self.candidates(own, t, others, other_ph):
            obj, _ph = self.ev.best_phase([*others, cand], [*other_ph, 0.0], len(others))
            scored.append((cand.loop_s < min_loop * 60.0 - 1e-6, obj.key(), cand.role, cand))
        if not scored:
            if own.steps:
                return short_loop_rule(network, routes, i, own, min_loop)
            return replace(
                own,
                status="standby",
                role="",
                standby_reason=(
                    f"no loop its {own.vehicle} can drive within {self.max_approach_min:.0f} min "
                    "of its base needs it"
                ),
            )
        scored.sort(key=lambda x: (x[0], x[1], x[2]))
        short, _key, _role, pick = scored[0]
        if short and own.steps and pick.loop_s <= own.loop_s:
            pick = own
        if short:
            pick = short_loop_rule(network, routes, i, pick, min_loop)
        logger.info(
            "night: team %s %s, loop %.1f -> %.1f min",
            own.team,
            pick.role,
            own.loop_s / 60,
            pick.loop_s / 60,
        )
        return pick


def night_routes(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    result: RoutingResult,
    *,
    min_loop_min: float | None = None,
    max_approach_min: float | None = None,
    window_min: float | None = None,
    weights: np.ndarray | None = None,
    passes: LoopPasses | None = None,
) -> tuple[list[TeamRoute], RoutingResult]:
    """Every team's loop for the night, from the min-max ``result`` (see the module notes).

    Parameters
    ----------
    network, patrol
        The network and its routing instance.
    result
        The min-max stage's result on ``patrol.instance``.
    min_loop_min
        Shortest loop to give a team (default ``network.config.min_loop_min``).
    max_approach_min
        Longest drive from a team's base to a loop it co-patrols (default
        ``network.config.max_approach_min``, 60).
    window_min
        Night window length (default: the config's).
    weights
        Risk weight per unit (default :func:`risk_weights` of the scenario's incidents).
    passes
        The loops' passes computed so far (:class:`~borderwatch.plan.schedule.LoopPasses`
        of ``network``; default a new one): hand the same to
        :func:`~borderwatch.plan.schedule.schedule_night` to reuse them there.

    Returns
    -------
    routes
        One route per team in team order (standby teams with empty steps).
    balanced
        The take-over stage's result (every required link served once, the
        longest loop not above ``result``'s).
    """
    cfg = network.config
    min_loop = float(cfg.min_loop_min if min_loop_min is None else min_loop_min)
    approach_min = float(cfg.max_approach_min if max_approach_min is None else max_approach_min)
    window = float(cfg.night_minutes if window_min is None else window_min)
    w = risk_weights(network) if weights is None else np.asarray(weights, dtype=float)
    routes, balanced = _balanced_routes(network, patrol, result)
    spares = _Spares(
        network,
        patrol,
        balanced,
        _Evaluator(network, window, w, passes),
        w,
        _link_units(network, patrol),
        min_loop,
        max((r.loop_s for r in routes), default=0.0),
        approach_min,
        window,
    )
    team_index = {t: i for i, t in enumerate(patrol.teams)}

    spare = [
        i
        for i, r in enumerate(routes)
        if r.status == "patrol" and r.loop_s < min_loop * 60.0 - 1e-6
    ]
    for i in spare:
        own = routes[i]
        routes[i] = spares.place(routes, i, own, team_index[own.team])
    return routes, balanced


def _nearest_checkpoint(network: PatrolNetwork, team: str) -> tuple[str, float] | None:
    """The checkpoint nearest the team's base, and its distance (km, straight line)."""
    cps = network.checkpoints
    if not len(cps) or team not in network.teams.index:
        return None
    d = cps.geometry.distance(network.teams.geometry.loc[team])
    k = int(np.argmin(d.to_numpy()))
    return str(cps.index[k]), float(d.iloc[k]) / 1000.0


def short_loop_rule(
    network: PatrolNetwork, routes: Sequence[TeamRoute], i: int, pick: TeamRoute, min_loop: float
) -> TeamRoute:
    """A team whose best loop stays shorter than ``min_loop`` minutes: keep it, or reinforce a checkpoint.

    The rule (docs/routing.md): when every road the short loop serves is also
    driven by another team's loop tonight, the team gains the border nothing
    there: it goes on **standby for checkpoint reinforcement** at the checkpoint
    nearest its base (``standby_reason`` says so). Otherwise it is the only
    team driving those roads and **keeps its loop**; the note says why, how
    much road only it drives, and the alternative (that checkpoint) should the
    commander prefer the crew there.
    """
    served = {int(e) for (e, _), s in zip(pick.steps, pick.service, strict=True) if s}
    driven = {int(e) for j, r in enumerate(routes) if j != i and r.on_patrol for e, _ in r.steps}
    alone = served - driven
    cp = _nearest_checkpoint(network, pick.team)
    where = f"checkpoint {cp[0]}, {fmt_km(cp[1])} from its base" if cp else "a checkpoint"
    loop = fmt_min(pick.loop_s / 60)
    floor = fmt_min(min_loop)
    if served and not alone and cp is not None:
        return replace(
            pick,
            steps=(),
            service=(),
            seconds=(),
            approach=(),
            approach_s=0.0,
            status="standby",
            role="",
            note="",
            standby_reason=(
                f"checkpoint reinforcement at {where}: its best loop ({loop}) is shorter than "
                f"{floor} and every road it serves is driven by another team"
            ),
        )
    km_alone = float(sum(float(network.edges["length"].iat[e]) for e in alone)) / 1000.0
    return replace(
        pick,
        note=(
            f"loop {loop}: all its {pick.vehicle} can reach, shorter than {floor}; kept: only it "
            f"drives {fmt_km(km_alone)} of required road; alternative: reinforce {where}"
        ),
    )


def place_loops(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    routes: Sequence[TeamRoute],
    schedule: NightSchedule,
) -> list[TeamRoute]:
    """Start every loop at the window start where its team then is; the drive there is the approach.

    ``schedule`` phases lie on edge ends of the loops (:func:`phase_grid`), so a
    loop rotated to its phase starts at a node; the approach is the team's
    shortest drive from its base to that node (done before the window).
    """
    inst = patrol.instance
    phase = dict(zip(schedule.teams, schedule.phase_min, strict=True))
    index = {t: i for i, t in enumerate(patrol.teams)}
    out = []
    for r in routes:
        if not r.on_patrol:
            out.append(r)
            continue
        p = phase.get(r.team, 0.0)
        ends = np.concatenate([[0.0], np.cumsum(r.seconds)[:-1]]) / 60.0
        at = int(np.argmin(np.abs(ends - p)))
        steps = _rotate(r.steps, at)
        t = index[r.team]
        row = int(inst.team_profile[t])
        depot = int(inst.depots[t])
        start = _start_node(network, steps[0])
        approach: list[Step] = patrol.expand(inst.path(row, depot, start)) if start != depot else []
        secs = network.edge_seconds(r.vehicle)
        out.append(
            replace(
                r,
                steps=tuple(steps),
                service=tuple(_rotate(r.service, at)),
                seconds=tuple(_rotate(r.seconds, at)),
                approach=tuple(approach),
                approach_s=float(sum(float(secs[e]) for e, _ in approach)),
            )
        )
    return out
