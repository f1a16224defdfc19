"""``replan()``: the rest of the night, from the cut to the window end (see the package notes)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

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
    stretch_passes,
    weighted_worst,
    worst_over,
)
from borderwatch.plan.replan.hot import hot_detours
from borderwatch.plan.replan.loops import (
    CutScore,
    close_at,
    keep_unchanged,
    kept_loops,
    orient_for_cut,
    same_loop,
    standby,
    warm_start,
)
from borderwatch.plan.replan.model import HotStretch, Replan, TeamPosition
from borderwatch.plan.replan.takeovers import takeovers as takeover_lines
from borderwatch.routing.minmax import solve_minmax
from borderwatch.routing.patrol import TeamRoute, build_instance

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["replan"]

logger = logging.getLogger(__name__)


def replan(
    plan: PatrolPlan,
    network: PatrolNetwork,
    *,
    at: str | float,
    drop: Sequence[str] | str = (),
    hot: Sequence[HotStretch | str] | str = (),
    positions: Mapping[str, TeamPosition | int] | None = None,
    driven: PatrolTimeline | None = None,
    time_limit_s: float = 20.0,
    max_iterations: int | None = None,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
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
    time_limit_s, max_iterations, seed
        The min-max search's limits and seed (default the plan's seed). The
        search starts from the better of tonight's assignment and the greedy
        start and stops when it converges; on Ningming it reaches its final
        longest loop within about 100 iterations (about 1 s). The 20 s limit
        is a safety cap that convergence reaches first even on a loaded
        machine, so that the same inputs give the same re-plan (a 2 s cap
        bound under load and made re-plans differ between runs).
        ``max_iterations`` fixes the search's length outright.
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
    at_min = parse_at(at, network)
    plan_teams = list(plan.instance.teams)
    dropped = parse_drop(drop, plan_teams)
    hots = parse_hot(hot, network)
    survivors = [team for team in plan_teams if team not in dropped]
    original_tl = plan.schedule.timeline
    pos = plan_positions(network, original_tl, at_min, survivors)
    if positions:
        pos.update(check_positions(positions, network, survivors, at_min))
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
    before = passes_before(network, driven_tl, at_min, ready)
    secs["cut"] = time.perf_counter() - t

    t = time.perf_counter()
    say(f"re-routing {len(survivors)} teams from {network.config.clock(at_min)}")
    rem = remainder_network(network, at_min, pos)
    rem_window = window - at_min
    patrol = build_instance(rem, plan.required.edges)
    initial = warm_start(plan, patrol, survivors)
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
    routes = [close_at(rem, patrol, r, pos[r.team].node) for r in routes]
    # a team that reaches no required road from where it is (an isolated road): standby,
    # said from its position, not its base
    cut_clock = network.config.clock(at_min)
    idle = set(patrol.idle)
    routes = [
        r
        if r.on_patrol or r.team not in idle
        else standby(
            r,
            f"its {r.vehicle} reaches no required road from where it is at {cut_clock} "
            f"(node {pos[r.team].node})",
        )
        for r in routes
    ]
    secs["night"] = time.perf_counter() - t
    before_last = np.full(n_units, np.nan)
    if len(before):
        np.fmax.at(
            before_last,
            before["unit"].to_numpy(dtype=np.int64),
            np.clip(before["t"].to_numpy(dtype=float), 0.0, window),
        )
    score = CutScore(
        rem,
        {team: p.ready_min for team, p in pos.items()},
        before_last,
        weights,
        hot_w,
        at_min,
        window,
    )
    score.prime(routes)
    t = time.perf_counter()
    say("loops the right way round; unchanged where a change does not pay")
    routes = orient_for_cut(routes, score)
    # stability: a team keeps its current loop unless changing it pays
    kept = kept_loops(rem, patrol, plan, pos, at_min)
    reachable = set(int(e) for e in plan.required.edges) - {
        int(e) for link in patrol.unreachable for e in link.edges
    }
    kept_first = keep_unchanged(routes, kept, score, reachable)
    secs["orient"] = time.perf_counter() - t
    if hots:
        # hot detours on the loops as kept or on the new ones, judged on the rest of the night
        # (score) or on the loops alone (that still adds passes when a hot unit's interval
        # across the cut pins the weighted worst), then kept where it pays (the detouring
        # teams excepted); a variant that adds passes there wins, then the score, then the
        # fewer changed loops
        t = time.perf_counter()
        say("more passes on the hot stretches")
        variants = []
        for start, judge in (
            (kept_first, None),
            (kept_first, score),
            (routes, score),
            (routes, None),
        ):
            found = hot_detours(rem, patrol, start, hots, weights, rem_window, score=judge)
            moved = {b.team for a, b in zip(start, found, strict=True) if a.steps != b.steps}
            variants.append(keep_unchanged(found, kept, score, reachable, protect=moved))
        hot_units = np.unique(np.concatenate([h.units(network) for h in hots]))
        plain_passes = score.passes_on(kept_first, hot_units)

        def rank(rs: list[TeamRoute]) -> tuple[bool, tuple[float, ...], int]:
            moved = sum(1 for r in rs if r.team in kept and not same_loop(r, kept[r.team]))
            more = score.passes_on(rs, hot_units) > plain_passes
            return (not more, score(rs), moved)

        routes = min(variants, key=rank)
        secs["hot"] = time.perf_counter() - t
    else:
        routes = kept_first
    # a team still finishing its road at the window end starts no loop: standby, so its
    # loop's roads do not count as served (they are in ``unserved`` unless another serves them)
    routes = [
        standby(
            r,
            "still on its road at the window end (ready "
            f"{network.config.clock(pos[r.team].ready_min)})",
        )
        if r.on_patrol and pos[r.team].ready_min >= window - 1e-6
        else r
        for r in routes
    ]
    was_on = {r.team for r in plan.routes if r.on_patrol}
    changed = tuple(
        r.team
        for r in routes
        if not (
            same_loop(r, kept[r.team])
            if r.team in kept
            else not r.on_patrol and r.team not in was_on
        )
    )

    t = time.perf_counter()
    say("timing the rest of the night")
    starters = [r for r in routes if r.on_patrol]
    if starters:
        timeline = PatrolTimeline.from_walks(
            rem,
            {r.team: list(r.steps) for r in starters},
            start_min={r.team: pos[r.team].ready_min - at_min for r in starters},
            window_min=rem_window,
        )
    else:
        timeline = PatrolTimeline(window_min=rem_window, teams=tuple(pos), source="plan")
    new_plan = finish_plan(
        rem,
        required=plan.required,
        instance=patrol,
        routes=routes,
        result=result,
        balanced=balanced,
        timeline=timeline,
        weights=weights,
        seconds=secs,
        seed=seed,
    )

    # across the cut, on the original clock
    after = pass_times(rem, timeline)
    after = after.assign(t=after["t"] + at_min)
    combined = pd.concat([before, after], ignore_index=True)
    cross = cross_cut_revisits(combined, n_units, window, at_min, index=network.units.index)
    cross["weight"] = weights
    # doing nothing: the dropped teams gone, and those that cannot get back to their loop
    stranded = tuple(t for t in survivors if t in was_on and t not in kept)
    tonight_passes = pass_times(network, original_tl)
    kept = kept_passes(tonight_passes, at_min, dropped + stranded, before, driven is None)
    kept_table = cross_cut_revisits(kept, n_units, window, at_min, index=network.units.index)
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
    hot_passes = {h.label: stretch_passes(kept_table, cross, h.units(network)) for h in hots}
    takeovers = takeover_lines(network, plan, new_plan, dropped, after)
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
        worst_revisit_min=worst_over(cross, watched),
        original_worst_revisit_min=worst_over(kept_table, watched),
        hot_passes=hot_passes,
        seconds=secs,
        window=network.config.night,
        weighted_worst_revisit_min=weighted_worst(cross, hot_w, watched),
        original_weighted_worst_revisit_min=weighted_worst(kept_table, hot_w, watched),
        unserved=unserved,
        changed=changed,
        unpassed_km=_unpassed_km(cross, watched, unit_km),
        original_unpassed_km=_unpassed_km(kept_table, watched, unit_km),
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


def _watched(table: pd.DataFrame) -> np.ndarray:
    """Units a cross-cut table has passed, before or after the cut."""
    passed = (table["n_passes"].to_numpy() > 0) | ~np.isnan(
        table["last_before_cut_min"].to_numpy(dtype=float)
    )
    return np.asarray(passed, dtype=bool)


def _unpassed_km(table: pd.DataFrame, units: np.ndarray, unit_km: np.ndarray) -> float:
    """Km of border of ``units`` that ``table``'s plan never passes after the cut."""
    return round(float(unit_km[units & (table["n_passes"].to_numpy() == 0)].sum()), 6)
