"""``replan()``: the rest of the night, from the cut to the window end (see the package notes)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from borderwatch.config import SearchParams
from borderwatch.coverage.revisit import pass_times
from borderwatch.coverage.risk import risk_weights
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.plan.night import night_routes
from borderwatch.plan.patrols import PatrolPlan, finish_plan
from borderwatch.plan.replan.cut import (
    check_positions,
    cross_cut_revisits,
    kept_passes,
    parse_at,
    parse_drop,
    parse_hot,
    passes_before,
    plan_positions,
    remainder_network,
    remainder_timeline,
    stretch_passes,
    weighted_worst,
    worst_over,
)
from borderwatch.plan.replan.hot import hot_detours
from borderwatch.plan.replan.loops import (
    CutScore,
    join_at,
    keep_unchanged,
    kept_loops,
    orient_for_cut,
    same_loop,
    standby,
    warm_start,
)
from borderwatch.plan.replan.model import HotStretch, Replan, TeamPosition
from borderwatch.plan.replan.reorder import cut_key, reorder_for_cut
from borderwatch.plan.replan.takeovers import takeovers as takeover_lines
from borderwatch.routing.minmax import solve_minmax
from borderwatch.routing.patrol import TeamRoute, build_instance, routes_from_result

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import PatrolInstance
    from borderwatch.routing.result import RoutingResult

__all__ = ["replan"]

logger = logging.getLogger(__name__)

#: Min-max searches a re-plan runs (seeds ``seed .. seed + REPLAN_STARTS - 1``), the best kept.
REPLAN_STARTS = 3
#: Ruin-and-recreate iterations of each search when ``search.max_iterations`` is not given.
REPLAN_ITERATIONS = 100


def replan(
    plan: PatrolPlan,
    network: PatrolNetwork,
    *,
    at: str | float,
    drop: Sequence[str] | str = (),
    hot: Sequence[HotStretch | str] | str = (),
    positions: Mapping[str, TeamPosition | int] | None = None,
    driven: PatrolTimeline | None = None,
    search: SearchParams | None = None,
    progress: Callable[[str], None] | None = None,
    starts: int = REPLAN_STARTS,
) -> Replan:
    """Re-plan the rest of tonight from ``at`` (see the package notes).

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
        What was driven tonight (e.g. ``timeline_from_gpx``), on the
        original window's clock; default the plan's timeline. Only what lies
        before the cut is used.
    search
        The min-max search's budget and seed (default the plan's seed). Each
        of the ``starts`` searches runs ``max_iterations`` ruin-and-recreate
        iterations (default :data:`REPLAN_ITERATIONS`: on Ningming every start
        reaches its longest loop well within that), so the same inputs give
        the same re-plan on any machine; ``time_limit_s`` stays a safety cap
        that the iterations end first (default 20 s).
    progress
        Called with a short message before each step.
    starts
        Min-max searches from seeds ``seed, seed + 1, ...`` (the first from
        tonight's assignment); the one whose loops, closed at the teams'
        positions and driven the best way round, give the best rest of the
        night (:func:`_best_start`) goes on to the night stage.

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
    search = search or SearchParams()
    seed = search.seeded(plan.seed)
    secs: dict[str, float] = {}
    t = time.perf_counter()
    cut = _cut(plan, network, at, drop, hot, positions, driven)
    secs["cut"] = time.perf_counter() - t

    t = time.perf_counter()
    say(f"re-routing {len(cut.survivors)} teams from {network.config.clock(cut.at_min)}")
    rem = remainder_network(network, cut.at_min, cut.pos)
    patrol = build_instance(rem, plan.required.edges)
    score = _cut_score(rem, cut)
    # tonight's loops kept (continued from where each team is): the stability rule's
    # alternative, and on a hot stretch the passes the re-plan must not fall below
    kept = kept_loops(rem, patrol, plan, cut.pos, cut.at_min)
    floor = _hot_floor(network, cut, score, kept)
    reachable = set(int(e) for e in plan.required.edges) - {
        int(e) for link in patrol.unreachable for e in link.edges
    }
    # with hot stretches, the plan made as if none were hot (then driven there more
    # often) is a candidate too: the search's longest loop knows no hot weight
    cuts = [cut] if not cut.hots else [cut, _plain(cut)]
    scores = [score] + [_cut_score(rem, c) for c in cuts[1:]]
    results = _best_start(plan, rem, patrol, cuts[0], scores, search.replace(seed=seed), starts)
    secs["routing"] = time.perf_counter() - t
    best: tuple[tuple[object, ...], list[TeamRoute], Any, Any] | None = None
    for k, (c, sc, res) in enumerate(zip(cuts, scores, results, strict=True)):
        rs, bal = _candidate(
            (network, rem, patrol), res, (c, sc), (cut, score), (kept, floor), reachable, secs, say
        )
        key = (_hot_shortfall(score, rs, floor), score(rs), k)
        logger.debug("replan candidate %d: %s", k, key)
        if best is None or key < best[0]:
            best = (key, rs, res, bal)
    assert best is not None
    _key, routes, result, balanced = best
    routes = _still_on_road(network, routes, cut)
    changed = _changed(plan, routes, kept)

    t = time.perf_counter()
    say("timing the rest of the night")
    timeline = _remainder_timeline(rem, routes, cut)
    new_plan = finish_plan(
        rem,
        required=plan.required,
        instance=patrol,
        routes=routes,
        result=result,
        balanced=balanced,
        timeline=timeline,
        weights=cut.weights,
        seconds=secs,
        seed=seed,
        # each team sets out on its new loop when it is ready (its road under way at the cut
        # finished; a circuit's approach is driven then): the duty times and the files time
        # the loops, the road under way at the window end and the drive home from it
        set_out={r.team: cut.pos[r.team].ready_min - cut.at_min for r in routes if r.on_patrol},
    )
    out = _across_the_cut(
        plan, network, rem, new_plan, (routes, timeline), cut, (kept, changed), secs
    )
    secs["schedule"] = time.perf_counter() - t
    secs["total"] = time.perf_counter() - t_all
    logger.info(
        "replan at %s: dropped %s, worst revisit rest of night %.1f min (kept plan %.1f), %.1f s",
        out.at_clock,
        ", ".join(cut.dropped) or "none",
        out.worst_revisit_min,
        out.original_worst_revisit_min,
        secs["total"],
    )
    return out


@dataclass(frozen=True)
class _Cut:
    """What the re-plan knows at the cut: who, where, what was driven, what is hot."""

    at_min: float
    dropped: tuple[str, ...]
    hots: tuple[HotStretch, ...]
    survivors: list[str]
    pos: dict[str, TeamPosition]
    window: float
    hot_w: np.ndarray  # the hot stretches' weights per unit
    weights: np.ndarray  # the scenario's risk times the hot stretches'
    before: pd.DataFrame  # passes driven before the cut
    original: PatrolTimeline  # tonight's plan's timeline
    driven_given: bool


def _cut(
    plan: PatrolPlan,
    network: PatrolNetwork,
    at: str | float,
    drop: Sequence[str] | str,
    hot: Sequence[HotStretch | str] | str,
    positions: Mapping[str, TeamPosition | int] | None,
    driven: PatrolTimeline | None,
) -> _Cut:
    """Check the request and gather what the re-plan knows at the cut."""
    at_min = parse_at(at, network)
    plan_teams = list(plan.instance.teams)
    dropped = parse_drop(drop, plan_teams)
    hots = parse_hot(hot, network)
    survivors = [team for team in plan_teams if team not in dropped]
    original = plan.schedule.timeline
    pos = plan_positions(network, original, at_min, survivors)
    if positions:
        pos.update(check_positions(positions, network, survivors, at_min))
    hot_w = np.ones(len(network.units))
    for h in hots:
        hot_w[h.units(network)] *= h.weight
    # what was driven before the cut (tonight's plan when no tracks are given)
    ready = {team: p.ready_min for team, p in pos.items()}
    before = passes_before(network, original if driven is None else driven, at_min, ready)
    return _Cut(
        at_min=at_min,
        dropped=dropped,
        hots=hots,
        survivors=survivors,
        pos=pos,
        window=float(network.config.night_minutes),
        hot_w=hot_w,
        weights=risk_weights(network) * hot_w,
        before=before,
        original=original,
        driven_given=driven is not None,
    )


def _plain(cut: _Cut) -> _Cut:
    """``cut`` with no hot stretch weighing more (the scenario's risk weights alone)."""
    return dataclasses.replace(cut, hot_w=np.ones_like(cut.hot_w), weights=cut.weights / cut.hot_w)


def _candidate(
    nets: tuple[PatrolNetwork, PatrolNetwork, Any],
    result: RoutingResult,
    judged: tuple[_Cut, CutScore],
    hot: tuple[_Cut, CutScore],
    stability: tuple[dict[str, TeamRoute], Sequence[tuple[np.ndarray, np.ndarray]]],
    reachable: set[int],
    secs: dict[str, float],
    say: Callable[[str], None],
) -> tuple[list[TeamRoute], Any]:
    """One candidate's loops: the night stage, orientation, stability, hot variants.

    ``judged`` is the cut and score the night stage, the orientation and the
    stability rule weigh with (the hot stretches' or none); ``hot`` the re-plan's
    own, which the hot variants are judged on. Adds its seconds to ``secs``.
    """
    network, rem, patrol = nets
    cut, score = judged
    kept = stability[0]
    t = time.perf_counter()
    say("giving every team its loop")
    routes, balanced = _new_loops(network, rem, patrol, result, cut)
    secs["night"] = secs.get("night", 0.0) + time.perf_counter() - t
    score.prime(routes)
    t = time.perf_counter()
    say("loops the right way round; unchanged where a change does not pay")
    oriented = reorder_for_cut(rem, orient_for_cut(routes, score), score, patrol=patrol)
    # stability: a team keeps its current loop unless changing it pays
    routes = keep_unchanged(oriented, kept, score, reachable)
    secs["orient"] = secs.get("orient", 0.0) + time.perf_counter() - t
    if hot[0].hots:
        t = time.perf_counter()
        say("more passes on the hot stretches")
        routes = _hot_variants(
            network, rem, patrol, (routes, oriented), hot[0], hot[1], stability, reachable
        )
        secs["hot"] = secs.get("hot", 0.0) + time.perf_counter() - t
    return routes, balanced


def _best_start(
    plan: PatrolPlan,
    rem: PatrolNetwork,
    patrol: PatrolInstance,
    cut: _Cut,
    scores: Sequence[CutScore],
    search: SearchParams,
    starts: int,
) -> list[RoutingResult]:
    """Per score, the min-max result of ``starts`` searches whose loops give the best rest of the night.

    Search ``k`` runs from seed ``search.seed + k`` (the first warm from tonight's
    assignment, :func:`warm_start`), for ``search.max_iterations`` or
    :data:`REPLAN_ITERATIONS` iterations. Equal longest loops can leave a unit
    waiting anywhere from 100 to 140 minutes across the cut (Ningming, 02:10,
    T05 out), so each is judged as the re-plan will be: its loops closed at the
    teams' positions, driven the better way round and reordered
    (:func:`reorder_for_cut`), scored by :func:`cut_key`; ties go to the
    shorter longest loop, then the earlier start. The same searches are judged
    by each of ``scores`` (with and without the hot stretches' weights).
    """
    its = REPLAN_ITERATIONS if search.max_iterations is None else search.max_iterations
    best: list[tuple[tuple[object, ...], RoutingResult] | None] = [None] * len(scores)
    for k in range(max(1, starts)):
        result = solve_minmax(
            patrol.instance,
            search.replace(seed=int(search.seed or 0) + k, max_iterations=its),
            initial=warm_start(plan, patrol, cut.survivors) if k == 0 else None,
        )
        result.validate(patrol.instance)
        if starts <= 1:
            return [result] * len(scores)
        closed = [
            join_at(rem, patrol, r, cut.pos[r.team].node) if r.on_patrol else r
            for r in routes_from_result(rem, patrol, result)
        ]
        for i, score in enumerate(scores):
            loops = reorder_for_cut(rem, orient_for_cut(closed, score), score, patrol=patrol)
            key = (cut_key(score, loops), round(result.max_cost, 6), k)
            logger.debug("replan start %d, score %d: %s", k, i, key)
            b = best[i]
            if b is None or key < b[0]:
                best[i] = (key, result)
    return [b[1] for b in best if b is not None]


def _new_loops(
    network: PatrolNetwork, rem: PatrolNetwork, patrol: Any, result: Any, cut: _Cut
) -> tuple[list[TeamRoute], Any]:
    """Every survivor's loop from where it is; a team that reaches no required road: standby."""
    routes, balanced = night_routes(
        rem, patrol, result, weights=cut.weights, window_min=cut.window - cut.at_min
    )
    routes = [join_at(rem, patrol, r, cut.pos[r.team].node) for r in routes]
    # a team that reaches no required road from where it is (an isolated road): standby,
    # said from its position, not its base
    cut_clock = network.config.clock(cut.at_min)
    idle = set(patrol.idle)
    routes = [
        r
        if r.on_patrol or r.team not in idle
        else standby(
            r,
            f"its {r.vehicle} reaches no required road from where it is at {cut_clock} "
            f"(node {cut.pos[r.team].node})",
        )
        for r in routes
    ]
    return routes, balanced


def _cut_score(rem: PatrolNetwork, cut: _Cut) -> CutScore:
    """The rest-of-night score: the last pass before the cut of every unit, the weights."""
    n_units = len(rem.units)
    before_last = np.full(n_units, np.nan)
    if len(cut.before):
        np.fmax.at(
            before_last,
            cut.before["unit"].to_numpy(dtype=np.int64),
            np.clip(cut.before["t"].to_numpy(dtype=float), 0.0, cut.window),
        )
    return CutScore(
        rem,
        {team: p.ready_min for team, p in cut.pos.items()},
        before_last,
        cut.weights,
        cut.hot_w,
        cut.at_min,
        cut.window,
    )


def _hot_variants(
    network: PatrolNetwork,
    rem: PatrolNetwork,
    patrol: Any,
    loops: tuple[list[TeamRoute], list[TeamRoute]],
    cut: _Cut,
    score: CutScore,
    stability: tuple[dict[str, TeamRoute], Sequence[tuple[np.ndarray, np.ndarray]]],
    reachable: set[int],
) -> list[TeamRoute]:
    """Hot detours on the loops as kept or on the new ones, the best kept where it pays.

    ``loops`` are the loops as kept where a change did not pay, and the new loops
    (oriented for the cut). Detours are judged on the rest of the night (score) or
    on the loops alone (that still adds passes when a hot unit's interval across the
    cut pins the weighted worst); a variant that adds passes there wins, then the
    score, then the fewer changed loops; before all that, the fewer passes lacking
    against tonight's loops kept (``stability`` holds them and that floor,
    :func:`_hot_shortfall`): never fewer passes on a hot stretch than doing nothing.
    """
    kept_first, new = loops
    kept, floor = stability
    variants = []
    for start, judge in ((kept_first, None), (kept_first, score), (new, score), (new, None)):
        found = hot_detours(
            rem, patrol, start, cut.hots, cut.weights, cut.window - cut.at_min, score=judge
        )
        moved = {b.team for a, b in zip(start, found, strict=True) if a.steps != b.steps}
        variants.append(keep_unchanged(found, kept, score, reachable, protect=moved))
    hot_units = np.unique(np.concatenate([h.units(network) for h in cut.hots]))
    plain_passes = score.passes_on(kept_first, hot_units)

    def rank(rs: list[TeamRoute]) -> tuple[int, bool, tuple[float, ...], int]:
        moved = sum(1 for r in rs if r.team in kept and not same_loop(r, kept[r.team]))
        more = score.passes_on(rs, hot_units) > plain_passes
        return (_hot_shortfall(score, rs, floor), not more, score(rs), moved)

    return min(variants, key=rank)


def _hot_floor(
    network: PatrolNetwork, cut: _Cut, score: CutScore, kept: dict[str, TeamRoute]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per hot stretch: its units and their passes after the cut with tonight's loops kept."""
    loops = list(kept.values())
    return [(u, score.unit_passes(loops, u)) for u in (h.units(network) for h in cut.hots)]


def _hot_shortfall(
    score: CutScore, routes: Sequence[TeamRoute], floor: Sequence[tuple[np.ndarray, np.ndarray]]
) -> int:
    """Passes the hot stretches' least-passed units lack against tonight's loops kept, summed.

    Per stretch, over its units that either plan passes after the cut (the
    rule of ``Replan.hot_passes``); 0 when ``routes`` pass each as often.
    """
    short = 0
    for units, kept_n in floor:
        n = score.unit_passes(routes, units)
        on = (n > 0) | (kept_n > 0)
        if on.any():
            short += max(0, int(kept_n[on].min()) - int(n[on].min()))
    return short


def _still_on_road(network: PatrolNetwork, routes: list[TeamRoute], cut: _Cut) -> list[TeamRoute]:
    """A team that cannot start a loop before the window end: standby.

    Still finishing its road at the window end, or (a circuit re-plan) on its
    road to the new loop until then. So its loop's roads do not count as served
    (they are in ``unserved`` unless another team serves them).
    """

    def on_loop_min(r: TeamRoute) -> float:
        return cut.pos[r.team].ready_min + (r.approach_s / 60.0 if r.approach else 0.0)

    return [
        standby(
            r,
            "still on its road at the window end (ready "
            f"{network.config.clock(cut.pos[r.team].ready_min)})"
            if cut.pos[r.team].ready_min >= cut.window - 1e-6
            else "reaches its new loop only after the window end (ready "
            f"{network.config.clock(cut.pos[r.team].ready_min)}, "
            f"{r.approach_s / 60.0:.1f} min to the loop)",
        )
        if r.on_patrol and on_loop_min(r) >= cut.window - 1e-6
        else r
        for r in routes
    ]


def _changed(
    plan: PatrolPlan, routes: list[TeamRoute], kept: dict[str, TeamRoute]
) -> tuple[str, ...]:
    """Teams whose loop (or standby) differs from tonight's plan."""
    was_on = {r.team for r in plan.routes if r.on_patrol}
    return tuple(
        r.team
        for r in routes
        if not (
            same_loop(r, kept[r.team])
            if r.team in kept
            else not r.on_patrol and r.team not in was_on
        )
    )


def _remainder_timeline(rem: PatrolNetwork, routes: list[TeamRoute], cut: _Cut) -> PatrolTimeline:
    """The rest of the night's timeline: each team starts its loop when it is ready.

    A circuit's approach (``loops = "circuit"``) is driven first, from where the
    team is (:func:`remainder_timeline`).
    """
    rem_window = cut.window - cut.at_min
    starters = [r for r in routes if r.on_patrol]
    if not starters:
        return PatrolTimeline(window_min=rem_window, teams=tuple(cut.pos), source="plan")
    return remainder_timeline(
        rem, starters, {r.team: cut.pos[r.team].ready_min - cut.at_min for r in starters}
    )


def _across_the_cut(
    plan: PatrolPlan,
    network: PatrolNetwork,
    rem: PatrolNetwork,
    new_plan: PatrolPlan,
    new: tuple[list[TeamRoute], PatrolTimeline],
    cut: _Cut,
    stability: tuple[dict[str, TeamRoute], tuple[str, ...]],
    secs: dict[str, float],
) -> Replan:
    """The re-plan's figures across the cut, on the original clock, beside the plan kept as it is.

    ``new`` holds the remainder's routes and timeline; ``stability`` the loops kept
    from tonight's plan and the teams whose loop changed.
    """
    routes, timeline = new
    kept, changed = stability
    n_units = len(network.units)
    after = pass_times(rem, timeline)
    after = after.assign(t=after["t"] + cut.at_min)
    combined = pd.concat([cut.before, after], ignore_index=True)
    cross = cross_cut_revisits(combined, n_units, cut.window, cut.at_min, index=network.units.index)
    cross["weight"] = cut.weights
    # doing nothing: the dropped teams gone, and those that cannot get back to their loop
    was_on = {r.team for r in plan.routes if r.on_patrol}
    stranded = tuple(t for t in cut.survivors if t in was_on and t not in kept)
    tonight_passes = pass_times(network, cut.original)
    kept_p = kept_passes(
        tonight_passes, cut.at_min, cut.dropped + stranded, cut.before, not cut.driven_given
    )
    kept_table = cross_cut_revisits(
        kept_p, n_units, cut.window, cut.at_min, index=network.units.index
    )
    # both figures over the same units: those tonight's plan passes, or the kept or new
    # plan passes (before or after the cut); a unit a plan no longer passes after the cut
    # counts from its last pass before it (or the window start) to the window end
    tonight = np.zeros(n_units, dtype=bool)
    tonight[tonight_passes["unit"].to_numpy(dtype=np.int64)] = True
    watched = tonight | _watched(cross) | _watched(kept_table)
    unit_km = (
        network.units["end_m"].to_numpy(dtype=float)
        - network.units["start_m"].to_numpy(dtype=float)
    ) / 1000.0
    served = {int(e) for r in routes for (e, _), s in zip(r.steps, r.service, strict=True) if s}
    return Replan(
        original=plan,
        network=rem,
        plan=new_plan,
        at_min=cut.at_min,
        dropped=cut.dropped,
        hot=cut.hots,
        positions=dict(cut.pos),
        takeovers=takeover_lines(network, plan, new_plan, cut.dropped, after),
        revisits=cross,
        worst_revisit_min=worst_over(cross, watched),
        original_worst_revisit_min=worst_over(kept_table, watched),
        hot_passes={h.label: stretch_passes(kept_table, cross, h.units(network)) for h in cut.hots},
        seconds=secs,
        window=network.config.night,
        weighted_worst_revisit_min=weighted_worst(cross, cut.hot_w, watched),
        original_weighted_worst_revisit_min=weighted_worst(kept_table, cut.hot_w, watched),
        unserved=tuple(sorted(int(e) for e in plan.required.edges if int(e) not in served)),
        changed=changed,
        unpassed_km=_unpassed_km(cross, watched, unit_km),
        original_unpassed_km=_unpassed_km(kept_table, watched, unit_km),
    )


def _watched(table: pd.DataFrame) -> np.ndarray:
    """Units a cross-cut table has passed, before or after the cut."""
    passed = (table["n_passes"].to_numpy() > 0) | ~np.isnan(
        table["last_before_cut_min"].to_numpy(dtype=float)
    )
    return np.asarray(passed, dtype=bool)


def _unpassed_km(table: pd.DataFrame, units: np.ndarray, unit_km: np.ndarray) -> float:
    """Km of border of ``units`` that ``table``'s plan never passes after the cut."""
    return round(float(unit_km[units & (table["n_passes"].to_numpy() == 0)].sum()), 6)
