"""The new loops: warm start, closed at the team's position, driven the better way round, kept when as good."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from borderwatch.errors import RoutingError
from borderwatch.plan.replan.cut import edge_start
from borderwatch.plan.replan.model import TOL, TeamPosition
from borderwatch.plan.schedule import LoopPasses, unit_time_order

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan
    from borderwatch.routing.patrol import PatrolInstance, TeamRoute

logger = logging.getLogger(__name__)

__all__ = [
    "CutScore",
    "approach_at",
    "close_at",
    "join_at",
    "keep_unchanged",
    "kept_loops",
    "orient_for_cut",
    "reversed_route",
    "same_loop",
    "standby",
    "warm_start",
]


def warm_start(
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


def close_at(
    network: PatrolNetwork, patrol: PatrolInstance, route: TeamRoute, node: int
) -> TeamRoute:
    """``route`` as a closed walk from ``node``: rotated there, or with a drive there and back."""
    if not route.on_patrol:
        return route
    edge = np.fromiter((e for e, _ in route.steps), dtype=np.int64, count=len(route.steps))
    fwd = np.fromiter((f for _, f in route.steps), dtype=bool, count=len(route.steps))
    starts = np.where(
        fwd, network.edges["u"].to_numpy()[edge], network.edges["v"].to_numpy()[edge]
    ).tolist()
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


def approach_at(
    network: PatrolNetwork, patrol: PatrolInstance, route: TeamRoute, node: int
) -> TeamRoute:
    """A circuit (``loops = "circuit"``) joined from ``node``: rotated to its nearest node, the drive there its approach.

    The circuit need not pass ``node`` (where the team is at the cut): it is
    rotated to start at the node of the circuit the team reaches soonest (the
    first such node in driving order on ties), and ``approach`` is the
    shortest drive from ``node`` there, driven once after the cut; a circuit
    through ``node`` starts there with no approach.
    """
    if not route.on_patrol:
        return route
    edge = np.fromiter((e for e, _ in route.steps), dtype=np.int64, count=len(route.steps))
    fwd = np.fromiter((f for _, f in route.steps), dtype=bool, count=len(route.steps))
    starts = np.where(fwd, network.edges["u"].to_numpy()[edge], network.edges["v"].to_numpy()[edge])
    inst = patrol.instance
    row = int(inst.team_profile[patrol.teams.index(route.team)])
    dist = np.asarray(inst.shortest_paths(row).distances_from(int(node)))[starts]
    if not np.isfinite(dist).any():
        raise RoutingError(f"{route.team} cannot reach its circuit from node {node}")
    k = int(np.argmin(dist))
    there = patrol.expand(inst.path(row, int(node), int(starts[k]))) if dist[k] > 0 else []
    secs = network.edge_seconds(route.vehicle)
    return dataclasses.replace(
        route,
        steps=route.steps[k:] + route.steps[:k],
        service=route.service[k:] + route.service[:k],
        seconds=route.seconds[k:] + route.seconds[:k],
        approach=tuple(there),
        approach_s=float(sum(float(secs[e]) for e, _ in there)),
    )


def join_at(
    network: PatrolNetwork, patrol: PatrolInstance, route: TeamRoute, node: int
) -> TeamRoute:
    """``route`` from ``node``: :func:`approach_at` for a circuit plan, else :func:`close_at`."""
    if patrol.instance.circuit:
        return approach_at(network, patrol, route, node)
    return close_at(network, patrol, route, node)


def reversed_route(route: TeamRoute) -> TeamRoute:
    """``route`` driven the other way round (still a closed walk from the same node)."""
    return dataclasses.replace(
        route,
        steps=tuple((e, not f) for e, f in reversed(route.steps)),
        service=tuple(reversed(route.service)),
        seconds=tuple(reversed(route.seconds)),
    )


def _after_passes(
    ev: CutScore, routes: Sequence[TeamRoute], offsets: Sequence[float], end_min: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(unit, t)`` of every pass of looping ``routes``, each from its offset, up to ``end_min``."""
    units, times = [], []
    for r, off in zip(routes, offsets, strict=True):
        if r.approach:  # a circuit's drive from where the team is, once, then the loop
            ua, ta = ev.approach_passes(r)
            keep = off + ta <= end_min + TOL
            units.append(ua[keep])
            times.append(off + ta[keep])
            off = off + r.approach_s / 60.0
        u, t = ev.passes(r)
        loop = r.loop_s / 60.0
        if not len(u) or loop <= 0:
            continue
        n = max(1, math.ceil((end_min - off) / loop) + 1)
        tt = (off + t[None, :] + loop * np.arange(n)[:, None]).ravel()
        uu = np.tile(u, n)
        keep = tt <= end_min + TOL
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
    order = unit_time_order(unit, t, n_units)  # as np.lexsort((t, unit)), faster
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


class CutScore:
    """The rest of the night's figures of candidate loops, fast: ``(weighted worst, worst, weighted mean)``.

    The intervals are those ending after the cut (:func:`cross_cut_revisits`
    convention), over the units passed tonight, with what was passed before
    the cut counted; each team loops its route from ``offsets[team]``
    (minutes after the original window start) to the window end; the weighted
    worst counts each interval times ``hot_w`` (the hot stretches' weight),
    the mean weighs by ``weights``. One loop's passes per route come from the
    coverage engine (cached), then are shifted in numpy.

    Parameters
    ----------
    network
        The remainder's network.
    offsets
        When each team starts its first loop (original clock).
    before_last
        Last pass of every unit before the cut (NaN if none).
    weights, hot_w
        Risk x hot weight, and hot weight alone, per unit.
    at_min, window_min
        The cut and the original window length.
    """

    def __init__(
        self,
        network: PatrolNetwork,
        offsets: Mapping[str, float],
        before_last: np.ndarray,
        weights: np.ndarray,
        hot_w: np.ndarray,
        at_min: float,
        window_min: float,
    ) -> None:
        self.network = network
        self._cache: dict[
            tuple[str, tuple[tuple[int, bool], ...]], tuple[np.ndarray, np.ndarray]
        ] = {}
        self._approach: dict[tuple[str, tuple[object, ...]], tuple[np.ndarray, np.ndarray]] = {}
        # the coverage engine's passes of one loop (or drive) per (team, walk), kept
        self._loops = LoopPasses(network)
        self.offsets = offsets
        self.before_last = before_last
        self.weights = weights
        self.hot_w = hot_w
        self.window_min = window_min
        self.watched_before = ~np.isnan(before_last)

    def prime(self, routes: Sequence[TeamRoute]) -> None:
        """Compute one loop's passes of the ``routes`` not yet known (:class:`LoopPasses`)."""
        todo: dict[str, TeamRoute] = {}
        for r in routes:
            if r.on_patrol and (r.team, r.steps) not in self._cache and r.team not in todo:
                todo[r.team] = r
        for r in todo.values():
            self._cache[(r.team, r.steps)] = self._loops.of(r)

    def passes(self, route: TeamRoute) -> tuple[np.ndarray, np.ndarray]:
        """``(unit, minutes into the loop)`` of every pass of one loop of ``route``."""
        key = (route.team, route.steps)
        if key not in self._cache:
            self.prime([route])
        return self._cache[key]

    def approach_passes(self, route: TeamRoute) -> tuple[np.ndarray, np.ndarray]:
        """``(unit, minutes into the drive)`` of every pass of ``route``'s approach (driven once)."""
        key = (route.team, ("approach", *route.approach))
        if key not in self._approach:
            secs = self.network.edge_seconds(route.vehicle)
            drive = dataclasses.replace(
                route,
                steps=route.approach,
                service=(False,) * len(route.approach),
                seconds=tuple(float(secs[e]) for e, _ in route.approach),
            )
            self._approach[key] = self._loops.of(drive)
        return self._approach[key]

    def assume(self, route: TeamRoute, unit: np.ndarray, t: np.ndarray) -> None:
        """Take ``(unit, t)`` as one loop's passes of ``route`` until :meth:`refresh` (an estimate)."""
        self._cache.setdefault((route.team, route.steps), (unit, t))

    def refresh(self, route: TeamRoute) -> None:
        """One loop's passes of ``route`` from the coverage engine, replacing an estimate."""
        self._cache.pop((route.team, route.steps), None)
        self.prime([route])

    def flip(self, route: TeamRoute) -> TeamRoute:
        """``route`` driven the other way round; its passes are the loop's mirrored in time."""
        back = reversed_route(route)
        key = (back.team, back.steps)
        if key not in self._cache:
            unit, t = self.passes(route)
            loop = route.loop_s / 60.0
            self._cache[key] = (unit, np.clip(loop - t, 0.0, loop))
        return back

    def unit_passes(self, routes: Sequence[TeamRoute], units: np.ndarray) -> np.ndarray:
        """Passes after the cut over each of ``units``."""
        act = [r for r in routes if r.on_patrol]
        unit, _t = _after_passes(self, act, [self.offsets[r.team] for r in act], self.window_min)
        counts: np.ndarray = np.bincount(unit, minlength=len(self.before_last))
        return np.asarray(counts[units])

    def passes_on(self, routes: Sequence[TeamRoute], units: np.ndarray) -> int:
        """Passes after the cut over the least-passed of ``units`` that a loop passes (0 if none)."""
        n = self.unit_passes(routes, units)
        return int(n[n > 0].min()) if (n > 0).any() else 0

    def per_unit(self, routes: Sequence[TeamRoute]) -> tuple[np.ndarray, np.ndarray]:
        """Worst interval ending after the cut of every unit, and which units count (passed)."""
        act = [r for r in routes if r.on_patrol]
        unit, t = _after_passes(self, act, [self.offsets[r.team] for r in act], self.window_min)
        worst = _cross_worst(self.before_last, unit, t, self.window_min)
        seen = self.watched_before.copy()
        seen[unit] = True
        return worst, seen

    def __call__(self, routes: Sequence[TeamRoute]) -> tuple[float, float, float]:
        worst, seen = self.per_unit(routes)
        if not seen.any():
            return (math.inf, math.inf, math.inf)
        w = self.weights[seen]
        return (
            round(float((worst * self.hot_w)[seen].max()), 6),
            round(float(worst[seen].max()), 6),
            round(float((w * worst[seen]).sum() / w.sum()), 6),
        )


def orient_for_cut(
    routes: Sequence[TeamRoute], score: CutScore, *, max_moves: int | None = None
) -> list[TeamRoute]:
    """Drive each loop the way round that serves first the units waiting longest since the cut.

    A loop must start at the team's position, but it may be driven either way
    round; that decides which units it reaches first after the cut (the
    passes of a loop driven backwards are scored as its passes mirrored in
    time, exact up to how a run of passes is split). Of a
    steepest descent on ``score`` (flip the loop whose flip lowers it most, at
    most ``max_moves`` flips, default twice the teams) and a first-improvement
    descent (teams in order, twice round), the better is kept: the score is a
    max, flat in most directions, and the two end in different places.
    """
    out = list(routes)
    active = [i for i, r in enumerate(out) if r.on_patrol]
    if not active:
        return out
    key = score
    moves = max_moves if max_moves is not None else 2 * len(active)
    score.prime(out)
    flipped = {i: score.flip(out[i]) for i in active}
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


def same_loop(a: TeamRoute, b: TeamRoute) -> bool:
    """Whether two routes drive the same steps (standby: both without steps)."""
    return a.steps == b.steps and a.on_patrol == b.on_patrol


def kept_loops(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    original: PatrolPlan,
    positions: Mapping[str, TeamPosition],
    at_min: float,
) -> dict[str, TeamRoute]:
    """Each surviving team's loop of tonight's plan, continued from where it is at the cut.

    From the plan's timeline the loop goes on with the road after the one the
    team is finishing; a team elsewhere (a GPS position) joins its loop where
    it passes its node, or drives there and back (:func:`close_at`; a circuit:
    drives to its nearest node once, :func:`approach_at`). No other approach. Teams without a loop tonight, or whose vehicle cannot get from
    where they are to it (an isolated road fragment), are left out.
    """
    trav = original.schedule.timeline.traversals
    out: dict[str, TeamRoute] = {}
    for r in original.routes:
        p = positions.get(r.team)
        if p is None or not r.on_patrol:
            continue
        route = dataclasses.replace(r, approach=(), approach_s=0.0)
        n = len(route.steps)
        j = None
        if p.source == "plan":
            mine = trav[trav["team"] == r.team]
            te = mine["t_end"].to_numpy()
            later = np.flatnonzero(te > at_min + TOL)
            # the timeline drives the loop's steps over and over from the window start
            if len(later) and len(mine) and int(mine["edge"].iat[0]) == route.steps[0][0]:
                k = int(later[0])
                if int(mine["edge"].iat[k]) == route.steps[k % n][0]:
                    j = (k if mine["t_start"].iat[k] >= at_min - TOL else k + 1) % n
        if j is not None and edge_start(network, *route.steps[j]) == p.node:
            route = dataclasses.replace(
                route,
                steps=route.steps[j:] + route.steps[:j],
                service=route.service[j:] + route.service[:j],
                seconds=route.seconds[j:] + route.seconds[:j],
            )
        else:
            try:
                route = join_at(network, patrol, route, p.node)
            except RoutingError:
                # its vehicle cannot get from where it is to its loop (an isolated road):
                # it has no loop to keep; the new plan routes it where it can go, if anywhere
                logger.info(
                    "%s cannot reach its loop from node %d: no loop to keep", r.team, p.node
                )
                continue
        out[r.team] = route
    return out


def standby(route: TeamRoute, reason: str) -> TeamRoute:
    """``route`` on standby (no steps) for ``reason``."""
    return dataclasses.replace(
        route,
        steps=(),
        service=(),
        seconds=(),
        approach=(),
        approach_s=0.0,
        status="standby",
        role="",
        standby_reason=reason,
    )


def keep_unchanged(
    routes: Sequence[TeamRoute],
    kept: Mapping[str, TeamRoute],
    score: CutScore,
    required: set[int],
    *,
    protect: set[str] | frozenset[str] = frozenset(),
    margin_min: float = 2.0,
    margin_pct: float = 2.0,
) -> list[TeamRoute]:
    """Give back their current loops to the teams whose change does not pay.

    A team keeps its loop of tonight (``kept``, continued from where it is)
    instead of the new one whenever every ``required`` road stays served and
    the rest of the night's weighted worst and worst revisit (``score``) stay
    within ``max(margin_min, margin_pct %)`` of the all-new plan's: a
    commander radios only the loops that change something. Tried first for
    every team at once (a re-plan that changes nothing worth it changes
    nothing), then one team at a time, those whose revert costs least first.
    Teams in ``protect`` (those driving a hot stretch again) keep their new
    loops: the extra passes are what the commander asked for, even where the
    worst revisit, set by the hours before the cut, does not show them.
    """
    out = list(routes)
    index = {r.team: i for i, r in enumerate(out)}
    score.prime(out)
    score.prime(list(kept.values()))
    base = score(out)

    def within(key: tuple[float, float, float]) -> bool:
        return all(
            k <= b + max(margin_min, margin_pct / 100.0 * b) + 1e-9
            for k, b in zip(key[:2], base[:2], strict=True)
        )

    def covers(rs: Sequence[TeamRoute]) -> bool:
        served = {int(e) for r in rs for (e, _), s in zip(r.steps, r.service, strict=True) if s}
        return required <= served

    teams = [
        t for t in kept if t in index and t not in protect and not same_loop(out[index[t]], kept[t])
    ]
    if not teams:
        return out
    every = list(out)
    for t in teams:
        every[index[t]] = kept[t]
    if covers(every) and within(score(every)):
        return every
    single = []
    for t in teams:
        trial = list(out)
        trial[index[t]] = kept[t]
        if covers(trial):
            single.append((score(trial), t))
    for _key, t in sorted(single):
        trial = list(out)
        trial[index[t]] = kept[t]
        if covers(trial) and within(score(trial)):
            out = trial
    return out
