"""Variant odds with a guarantee, and the night's detection figures.

Each team's roster draws one route variant a night (direction × phase,
:mod:`borderwatch.plan.variants`), independently of the other teams. An
intruder who knows every variant and the odds, but not tonight's draw, picks
the unit and start time where a crossing is least likely to be seen
(:func:`borderwatch.coverage.detection.informed`). The odds here maximise
what he can be sure of.

The LP (scipy's HiGHS, called as :func:`scipy.optimize.linprog` calls it). Teams draw
independently, so at a unit and start ``s`` the detection is ``1 - (1 - q_k(s))
M_k(s)``, with ``q_k = Σ_v p_kv seen_kv`` and ``M_k`` the chance that no other
team sees the crossing: linear in team ``k``'s odds once the others' are fixed.
So each team in turn solves::

    maximise z
    s.t.     z <= (1 - M_k(u, s)) + M_k(u, s) Σ_v p_v seen_v(u, s)   for every unit u the
                                                                     team passes, every start s
             Σ_v p_v = 1,  p >= 0,  p_v = 0 for a variant over the revisit target

starting from uniform odds, two rounds over the teams (block-coordinate
ascent on the exact figure; a team keeps its odds unless the LP raises its
minimum, so the border's minimum never falls below the uniform odds'). The
starts are the midpoints between breakpoints (exact, no grid); identical rows
are dropped (the table stays small), and a table of more than :data:`LP_ROWS`
distinct rows (the drawn detours' LPs: up to 23,000) is solved by cutting planes,
rows added only where the odds break them (the same optimum). A second LP keeps ``z`` and maximises the
mean detection over the team's rows, so ties between optimal odds are broken
the same way every run. Odds are rounded to 1e-6. The result is a local
optimum of the joint problem (the product over teams is not concave); on
units one team alone passes it is the exact max-min.

Every variant of a loop keeps "worst revisit <= loop" for the units the team
alone watches; variants whose own worst revisit exceeds the target get odds 0,
so the worst revisit of any drawn night is the same as with uniform odds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from borderwatch.coverage.detection import (
    Informed,
    Situations,
    VariantPasses,
    crossing_minutes,
    informed,
    situations,
    stretch_minimum,
    uninformed,
    watching,
)
from borderwatch.coverage.revisit import pass_times
from borderwatch.coverage.static import checkpoint_watch
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.errors import RoutingError
from borderwatch.plan.variants import (
    RouteVariant,
    detour_variants,
    route_variants,
    variant_steps,
)

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import TeamRoute

__all__ = [
    "Detection",
    "detect_night",
    "lp_odds",
    "plan_variant_set",
    "report_lines",
    "scenario_crossing_csv",
    "team_odds",
    "uniform_odds",
    "variant_passes",
    "variant_timeline",
    "variant_worst_revisit",
]

logger = logging.getLogger(__name__)


def plan_variant_set(
    routes: Sequence[TeamRoute], *, n_phases: int | None = None
) -> dict[str, list[RouteVariant]]:
    """Team id → its variants (:func:`~borderwatch.plan.variants.route_variants`; patrolling teams).

    ``n_phases`` fixes the phases per direction (4: the roster's historical
    set); by default they are those of ``plan.json`` (``route_variants``).
    """
    return {r.team: route_variants(r, n_phases) for r in routes if r.on_patrol}


def _walk_kinds(
    active: Sequence[TeamRoute], variants: Mapping[str, Sequence[RouteVariant]]
) -> dict[str, list[tuple[tuple[int, int] | None, bool]]]:
    """Team → the distinct walks ``(detour, reverse)`` of its variants (plain loop first)."""
    out = {}
    for r in active:
        kinds = {(v.detour, v.reverse) for v in variants[r.team]}
        out[r.team] = sorted(kinds, key=lambda k: (k[0] is not None, k[0] or (0, 0), k[1]))
    return out


def variant_passes(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    variants: Mapping[str, Sequence[RouteVariant]],
    window_min: float,
) -> VariantPasses:
    """The passes of every variant through the night window.

    One loop of each distinct walk (direction, and detour if any:
    :func:`~borderwatch.plan.variants.variant_steps`) is timed once
    (:meth:`PatrolTimeline.from_walks`, :func:`pass_times`); a variant of
    phase ``φ`` and loop ``D`` passes at ``(t - φ) mod D + k·D`` inside the window.
    """
    active = [r for r in routes if r.on_patrol and r.team in variants and r.steps]
    if not active:
        raise RoutingError("no team on patrol: no variants to time")
    teams = tuple(r.team for r in active)
    kinds = _walk_kinds(active, variants)
    tables: dict[tuple[str, tuple[int, int] | None, bool], tuple[np.ndarray, np.ndarray]] = {}
    for layer in range(max(len(k) for k in kinds.values())):
        walks, longest = {}, 0.0
        for r in active:
            if layer >= len(kinds[r.team]):
                continue
            detour, reverse = kinds[r.team][layer]
            probe = RouteVariant(r.team, "", reverse, 0.0, 0.0, detour)
            walks[r.team] = list(variant_steps(r, probe))
            longest = max(longest, _loop_min(r, detour))
        tl = PatrolTimeline.from_walks(network, walks, window_min=longest + 1e-6, loop=False)
        p = pass_times(network, tl)
        # each team's rows in the table's order (a stable grouping, not a filter per team)
        codes, uniq = pd.factorize(p["team"])
        order = np.argsort(codes, kind="stable")
        at = np.searchsorted(codes[order], np.arange(len(uniq) + 1))
        rows_of = {str(n): order[at[i] : at[i + 1]] for i, n in enumerate(uniq)}
        p_unit, p_t = p["unit"].to_numpy(dtype=np.int64), p["t"].to_numpy(dtype=float)
        for team in walks:
            mine = rows_of.get(team, np.zeros(0, dtype=np.int64))
            tables[(team, *kinds[team][layer])] = (p_unit[mine], p_t[mine])
    names: list[str] = []
    vteam: list[int] = []
    raw_u, raw_t, loop_d, phase = [], [], [], []
    for k, r in enumerate(active):
        for v in variants[r.team]:
            u0, t_raw = tables[(r.team, v.detour, v.reverse)]
            names.append(v.variant)
            vteam.append(k)
            raw_u.append(u0)
            raw_t.append(t_raw)
            loop_d.append(_loop_min(r, v.detour))
            phase.append(v.phase_min)
    var, unit, t = _variant_rows(raw_u, raw_t, loop_d, phase, window_min)
    return VariantPasses(
        teams=teams,
        variants=tuple(names),
        variant_team=np.asarray(vteam, dtype=np.int64),
        var=var,
        unit=unit,
        t=t,
    )


def _variant_rows(
    raw_u: Sequence[np.ndarray],
    raw_t: Sequence[np.ndarray],
    loop_d: Sequence[float],
    phase: Sequence[float],
    window_min: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pass rows of every variant: ``(variant, unit, t)``, sorted, exact duplicates dropped.

    Variant ``g`` passes unit ``raw_u[g][i]`` at ``(raw_t[g][i] - phase[g]) mod loop_d[g]``
    and every ``loop_d[g]`` after, inside the window; times rounded to 1e-6. All variants
    at once: element by element the arithmetic one variant at a time did (the same
    floats), without ~15 numpy calls per variant (292 on Ningming).
    """
    size = np.array([len(u) for u in raw_u], dtype=np.int64)
    d = np.repeat(np.asarray(loop_d, dtype=float), size)
    g = np.repeat(np.arange(len(size), dtype=np.int64), size)
    t0 = np.mod(np.concatenate(raw_t) if len(raw_t) else np.zeros(0), d)
    first = np.mod(t0 - np.repeat(np.asarray(phase, dtype=float), size), d)
    cnt = np.floor((window_min - first) / d + 1e-9).astype(np.int64) + 1
    cnt = np.where(first <= window_min, cnt, 0)
    idx = np.repeat(np.arange(len(first)), cnt)
    j = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    tt = first[idx] + j * d[idx]
    ok = tt <= window_min + 1e-9
    var = g[idx][ok]
    u_all = np.concatenate(raw_u).astype(np.int64) if len(raw_u) else np.zeros(0, np.int64)
    unit = u_all[idx][ok]
    t = np.round(tt[ok], 6)
    # one row per (variant, unit, time): sorted, exact duplicates dropped (one key for
    # (variant, unit): the same stable order as sorting by the two)
    order = np.lexsort((t, var * (int(unit.max(initial=0)) + 1) + unit))
    var, unit, t = var[order], unit[order], t[order]
    keep = np.ones(len(var), dtype=bool)
    keep[1:] = (var[1:] != var[:-1]) | (unit[1:] != unit[:-1]) | (t[1:] != t[:-1])
    return var[keep], unit[keep], t[keep]


def _loop_min(route: TeamRoute, detour: tuple[int, int] | None) -> float:
    """Minutes of one loop of ``route``, with the turn-back ``detour`` if any."""
    extra = 0.0 if detour is None else 2.0 * float(np.sum(route.seconds[detour[0] : detour[1]]))
    return (float(route.loop_s) + extra) / 60.0


def variant_timeline(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    variants: Mapping[str, RouteVariant],
    window_min: float,
) -> PatrolTimeline:
    """The night each team drives when it follows ``variants[team]`` (detour, direction and phase).

    The timeline a crew following that variant produces, for its GPX track
    (the crossing simulator replays crossings against it).
    """
    walks = {}
    starts = {}
    for r in routes:
        v = variants.get(r.team)
        if v is None or not r.on_patrol or not r.steps:
            continue
        walks[r.team] = list(variant_steps(r, v))
        starts[r.team] = -float(v.phase_min)
    return PatrolTimeline.from_walks(network, walks, start_min=starts, window_min=window_min)


def choose_detours(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    passes: VariantPasses,
    p_unit: np.ndarray,
    cap_min: float,
    *,
    per_team: int = 3,
    checkpoint: np.ndarray | None = None,
) -> dict[str, list[tuple[int, int]]]:
    """Team → the stretches of its loop worth a drawn detour (turn-back), weakest units first.

    For each team, the units its variants pass whose informed figure ``p_unit``
    (under the plain variants) is the team's lowest, in that order: the stretch
    of the loop around the step on which the team passes the unit, grown step by
    step until both turning points are out of view of the unit
    (``patrol_view_m``: the back leg and the second forward leg are new passes,
    in the pass convention and on a GPS track alike). A stretch is kept if the
    detoured loop (loop + twice the stretch) is at most ``cap_min``, it does not
    hold an earlier stretch's unit, and the team has fewer than ``per_team``.

    Parameters
    ----------
    network
        The patrol network.
    routes
        The plan's routes.
    passes
        The plain variants' pass tables (:func:`variant_passes`).
    p_unit
        Per unit: the informed figure under the plain variants.
    cap_min
        Longest detoured loop allowed (the worst revisit it may give).
    per_team
        Most stretches per team.
    checkpoint
        Units a staffed checkpoint watches (never a reason for a detour).

    Returns
    -------
    dict
        Team id → ``(i, j)`` step ranges (:class:`~borderwatch.plan.variants.RouteVariant`
        ``detour``); teams without a stretch are left out.
    """
    import shapely

    view = float(network.config.patrol_view_m)
    node_g = network.nodes.geometry.to_numpy()
    unit_g = network.units.geometry.to_numpy()
    eu, ev = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    cp = np.zeros(len(p_unit), bool) if checkpoint is None else np.asarray(checkpoint, bool)
    by_team = {r.team: r for r in routes if r.on_patrol and r.steps}
    out: dict[str, list[tuple[int, int]]] = {}
    for team in passes.teams:
        r = by_team.get(team)
        if r is None:
            continue
        slack = cap_min - r.loop_s / 60.0
        if slack <= 1e-6:
            continue
        f0 = passes.variants.index(f"{team}-f0") if f"{team}-f0" in passes.variants else -1
        if f0 < 0:
            continue
        sel = passes.var == f0
        units, times = passes.unit[sel], passes.t[sel]
        mine = np.unique(units[~cp[units]])
        if not len(mine):
            continue
        low = float(p_unit[mine].min())
        weak = mine[p_unit[mine] <= low + 1e-9]
        secs = np.asarray(r.seconds, dtype=float) / 60.0
        ends = np.cumsum(secs)
        starts = np.r_[0.0, ends[:-1]]
        first_node = np.array([eu[e] if f else ev[e] for e, f in r.steps])
        last_node = np.array([ev[e] if f else eu[e] for e, f in r.steps])
        chosen: list[tuple[int, int]] = []
        for u in weak:
            t_u = float(times[units == u].min()) % (r.loop_s / 60.0)
            s = min(int(np.searchsorted(ends, t_u - 1e-9)), len(r.steps) - 1)
            if any(i <= s < j for i, j in chosen):
                continue
            i, j = s, s + 1
            while i > 0 and shapely.distance(node_g[first_node[i]], unit_g[u]) <= view:
                i -= 1
            while (
                j < len(r.steps) and shapely.distance(node_g[last_node[j - 1]], unit_g[u]) <= view
            ):
                j += 1
            if 2.0 * float(ends[j - 1] - starts[i]) > slack + 1e-9:
                continue
            chosen.append((i, j))
            if len(chosen) >= per_team:
                break
        if chosen:
            out[team] = sorted(chosen)
            logger.info("detours: team %s: %d stretch(es) %s", team, len(chosen), out[team])
    return out


def variant_worst_revisit(passes: VariantPasses, window_min: float) -> np.ndarray:
    """Per variant: the worst revisit interval over the units it passes (that team alone)."""
    var, unit, t = passes.var, passes.unit, passes.t
    worst = np.zeros(len(passes.variants))
    if not len(var):
        return worst
    same_var, same_unit = var[1:] == var[:-1], unit[1:] == unit[:-1]
    in_order = (var[1:] > var[:-1]) | (
        same_var & ((unit[1:] > unit[:-1]) | (same_unit & (t[1:] >= t[:-1])))
    )
    if not in_order.all():  # variant_passes' tables are sorted already
        order = np.lexsort((t, unit, var))
        var, unit, t = var[order], unit[order], t[order]
        same_var, same_unit = var[1:] == var[:-1], unit[1:] == unit[:-1]
    first = np.ones(len(var), dtype=bool)
    first[1:] = ~(same_var & same_unit)
    last = np.ones(len(var), dtype=bool)
    last[:-1] = first[1:]
    # per pass the longer of the wait before it (from the window start for a unit's
    # first) and, for a unit's last, the wait to the window end; the longest per variant
    gap = np.where(first, t, np.diff(t, prepend=0.0))
    gap = np.where(last, np.maximum(gap, window_min - t), gap)
    starts = np.flatnonzero(np.r_[True, ~same_var])
    worst[var[starts]] = np.maximum(np.maximum.reduceat(gap, starts), 0.0)
    return worst


def _unique_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(table, axis=0, return_counts=True)`` of a 2-D float table, by ``np.lexsort``.

    The same rows in the same (lexicographic, column 0 first) order with the same
    counts: ``np.unique`` with ``axis=0`` sorts the rows as one structured value each,
    through the generic field-by-field comparison, which took two thirds of the
    detection odds of a Ningming plan (1.9 of 2.9 s; the tables of :func:`lp_odds`
    have thousands of rows and a column per variant of a team).

    Parameters
    ----------
    table
        A (rows, columns) float table without NaN.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The distinct rows, sorted, and how many times each occurs.
    """
    table = np.asarray(table)
    if table.ndim != 2 or not len(table) or not table.shape[1]:
        out: tuple[np.ndarray, np.ndarray] = np.unique(table, axis=0, return_counts=True)
        return out
    ordered = table[np.lexsort(table.T[::-1])]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    at = np.flatnonzero(first)
    return ordered[first], np.diff(np.r_[at, len(ordered)])


def _distinct_rows(
    seen: np.ndarray, base: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows ``(weight · seen, base)`` (rounded to 1e-12), sorted, and their counts.

    The rows, order and counts of ``_unique_rows(round([weight[:, None] * seen, base], 12))``,
    found on the situations' keys instead of the float table: ``seen`` packed into
    64-bit words, the rounded weight and base (a weight that rounds to 0, or a row
    no variant sees, makes the coefficients 0 whatever ``seen``). Only the distinct
    rows are then laid out and sorted (the detour LPs have 30,000-80,000 rows of
    which a third or fewer are distinct).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        The coefficients (rows × variants), the bases and the counts.
    """
    rw, rb = np.round(weight, 12), np.round(base, 12)
    seen = seen & (rw != 0)[:, None]
    rw = np.where(seen.any(axis=1), rw, 0.0)
    packed = np.packbits(seen, axis=1)
    packed = np.pad(packed, ((0, 0), (0, (-packed.shape[1]) % 8)))
    words = np.ascontiguousarray(packed).view(np.uint64)
    order = np.lexsort((rb, rw, *words.T[::-1]))
    keys = np.column_stack([words[order].view(np.int64), rw[order].view(np.int64)])
    keys = np.column_stack([keys, rb[order].view(np.int64)])
    first = np.ones(len(order), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    at = np.flatnonzero(first)
    counts = np.diff(np.r_[at, len(order)])
    pick = order[at]
    full = np.column_stack([rw[pick, None] * seen[pick], rb[pick]])
    by = np.lexsort(full.T[::-1])  # the float table's order (column 0 first), as _unique_rows
    full = full[by]
    return full[:, :-1], full[:, -1], counts[by]


#: linprog's test of a solution HiGHS calls optimal (``_check_result``: ``sqrt(1e-9) * 10``).
_LINPROG_TOL = float(np.sqrt(1e-9) * 10)


def _highs_core() -> Any:
    """scipy's own HiGHS binding (the one ``linprog(method="highs")`` runs), or None."""
    try:
        import scipy.optimize._highspy._core as core
    except ImportError:  # pragma: no cover - a scipy without it: linprog itself
        return None
    needed = ("HighsLp", "HighsOptions", "_Highs", "MatrixFormat", "HighsModelStatus")
    return core if all(hasattr(core, name) for name in needed) else None


_CORE = _highs_core()


def _lp_matrix(a_ub: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``[a_ub; 1 … 1 0]`` by columns (start, row index, value): the matrix linprog hands HiGHS.

    scipy drops the zeros and lays the stacked rows out column by column, each
    column's rows ascending (``csc_array``); so does this.
    """
    n_col = a_ub.shape[1]
    full = np.vstack([a_ub, np.r_[np.ones(n_col - 1), 0.0]]).T
    col, row = np.nonzero(full)
    start = np.searchsorted(col, np.arange(n_col + 1)).astype(np.int32)
    return start, row.astype(np.int32), full[col, row]


def _solve_linprog(
    cost: np.ndarray, a_ub: np.ndarray, b_ub: np.ndarray, upper: np.ndarray
) -> np.ndarray | None:
    """:func:`_solve_lp` through :func:`scipy.optimize.linprog` (the reference; no private API)."""
    n_col = len(cost)
    res = linprog(
        cost,
        A_ub=sparse.csr_matrix(a_ub),
        b_ub=b_ub,
        A_eq=np.r_[np.ones(n_col - 1), 0.0].reshape(1, -1),
        b_eq=[1.0],
        bounds=[(0.0, float(u)) for u in upper],
        method="highs",
    )
    return None if res.status != 0 else np.asarray(res.x)


def _solve_lp(
    cost: np.ndarray, a_ub: np.ndarray, b_ub: np.ndarray, upper: np.ndarray
) -> np.ndarray | None:
    """``min cost · x`` s.t. ``a_ub x <= b_ub``, ``Σ x[:-1] = 1``, ``0 <= x <= upper``; None if not solved.

    The same LP, options and checks as ``linprog(method="highs")`` (:func:`_solve_linprog`)
    hands scipy's own HiGHS: the same solver, the same model, so the same vertex, float
    for float. scipy's own wrapper around it (input cleaning, sparse stacking, checking
    each option by name, the result's duals) cost twice HiGHS's own time on the odds LPs:
    ~3 of ~4.3 ms a call on Ningming's 44. None when HiGHS does not call the LP optimal,
    or linprog's check of the solution (bounds and rows within ``sqrt(1e-9) * 10``) fails.
    The binding is scipy's private one: where it is missing, or refuses the call (another
    scipy's layout), linprog itself solves the LP.
    """
    core = _CORE
    if core is not None:
        try:
            return _solve_direct(core, cost, a_ub, b_ub, upper)
        except (AttributeError, TypeError, ValueError) as exc:  # not this scipy's binding
            logger.debug("scipy's HiGHS binding refused the odds LP (%s): linprog", exc)
    return _solve_linprog(cost, a_ub, b_ub, upper)


def _solve_direct(
    core: Any, cost: np.ndarray, a_ub: np.ndarray, b_ub: np.ndarray, upper: np.ndarray
) -> np.ndarray | None:
    """:func:`_solve_lp` through scipy's HiGHS binding ``core``."""
    n_col, n_ub = len(cost), len(b_ub)
    start, index, value = _lp_matrix(a_ub)
    lp = core.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n_ub + 1
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = n_ub + 1
    lp.a_matrix_.format_ = core.MatrixFormat.kColwise
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.zeros(n_col)
    upper = np.asarray(upper, dtype=float)
    lp.col_upper_ = upper
    lp.row_lower_ = np.r_[np.full(n_ub, -np.inf), 1.0]
    lp.row_upper_ = np.r_[np.asarray(b_ub, dtype=float), 1.0]
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    highs = core._Highs()
    options = core.HighsOptions()  # linprog's: the options it sets, the rest HiGHS's defaults
    options.presolve = "on"
    options.highs_debug_level = 0
    options.log_to_console = False
    options.output_flag = False
    options.simplex_strategy = 1  # dual simplex (linprog's kSimplexStrategyDual)
    highs.passOptions(options)
    highs.passModel(lp)
    highs.run()
    if highs.getModelStatus() != core.HighsModelStatus.kOptimal:
        return None
    sol = highs.getSolution()
    x = np.array(sol.col_value)
    rows = np.array(sol.row_value)
    fun = highs.getInfo().objective_function_value
    tol = _LINPROG_TOL
    if np.isnan(x).any() or np.isnan(rows).any() or np.isnan(fun):
        return None
    if ((x < -tol) | (x > upper + tol)).any():
        return None
    if (b_ub - rows[:n_ub] < -tol).any() or abs(1.0 - rows[n_ub]) > tol:
        return None
    return x


#: Rows of the first odds LP; more are added only where its odds break them (cutting planes).
LP_ROWS = 1000
#: Rows added per round of cutting planes: the most violated.
LP_ADD = 500
#: A row is violated when its detection is this far below the LP's (HiGHS' feasibility tolerance).
LP_TOL = 1e-7


def _max_min(
    a_rows: np.ndarray, b_rows: np.ndarray, w: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """Odds that maximise ``min_r b_r + a_r · p``, then the mean ``w · p`` at that minimum.

    The two LPs of :func:`lp_odds`. With more than :data:`LP_ROWS` rows they are
    solved by cutting planes: first over the rows lowest under uniform odds and
    the lowest row of every pure variant, then, while the odds leave some row more
    than :data:`LP_TOL` below the LP's minimum, again with the :data:`LP_ADD` most
    violated added. The last round's odds meet every row, so the minimum is the
    full LP's (within the tolerance HiGHS meets its rows with); with few rows the
    LPs are the full ones, row for row.
    """
    m, n = a_rows.shape
    if m <= LP_ROWS:
        active = np.arange(m)
    else:
        value = (b_rows[:, None] + a_rows)[:, allowed]  # each row under each pure variant
        low = np.argsort(value.mean(axis=1), kind="stable")[:LP_ROWS]
        active = np.union1d(low, np.argmin(value, axis=0))

    upper = np.r_[allowed.astype(float), 1.0]

    def solve(rows: np.ndarray, floor: float | None) -> np.ndarray | None:
        a_ub = np.column_stack([-a_rows[rows], np.ones(len(rows))])
        b_ub = b_rows[rows]
        cost = np.r_[np.zeros(n), -1.0]
        if floor is not None:  # second stage: keep the minimum, maximise the mean
            a_ub = np.vstack([a_ub, np.r_[np.zeros(n), -1.0]])
            b_ub, cost = np.r_[b_ub, -floor], np.r_[-w, 0.0]
        return _solve_lp(cost, a_ub, b_ub, upper)

    def violated(x: np.ndarray, below: float) -> np.ndarray:
        if len(active) == m:
            return np.zeros(0, dtype=np.int64)
        val = b_rows + a_rows @ x
        bad = np.flatnonzero(val < below - LP_TOL)
        return bad[np.argsort(val[bad], kind="stable")[:LP_ADD]]

    while True:
        res = solve(active, None)
        if res is None:  # pragma: no cover - a bounded feasible LP always solves
            raise RoutingError("odds LP failed: HiGHS found no optimal odds")
        z = float(res[-1])
        more = violated(res[:n], z)
        if not len(more):
            break
        active = np.union1d(active, more)
    x = res[:n]
    while True:
        res2 = solve(active, z - 1e-9)
        if res2 is None:
            return np.asarray(x)
        more = violated(res2[:n], z - 1e-9)
        if not len(more):
            return np.asarray(res2[:n])
        active = np.union1d(active, more)


def lp_odds(
    seen: np.ndarray,
    allowed: np.ndarray | None = None,
    *,
    base: np.ndarray | None = None,
    weight: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Odds over the columns of ``seen`` that maximise the minimum row detection.

    Row ``r``'s detection is ``base[r] + weight[r] * Σ_v p_v seen[r, v]``
    (default ``0 + 1 * ...``): with the other teams' odds fixed, the exact
    detection ``1 - (1 - q_k) M`` is linear in team ``k``'s odds, with
    ``base = 1 - M`` and ``weight = M`` (``M``: the chance no other team sees it).

    Parameters
    ----------
    seen
        Boolean (situation × variant) table: who sees a crossing in each situation.
    allowed
        Variants that may get odds (default all).
    base, weight
        Per row, as above.

    Returns
    -------
    (numpy.ndarray, float)
        The odds (rounded to 1e-6, summing to 1) and the guaranteed minimum
        row detection under them.

    Notes
    -----
    Identical rows are one (:func:`_distinct_rows`); with more than
    :data:`LP_ROWS` of them the LPs run by cutting planes (:func:`_max_min`).
    """
    seen = np.asarray(seen, dtype=bool)
    m0, n = seen.shape
    allowed = np.ones(n, bool) if allowed is None else np.asarray(allowed, bool)
    if not allowed.any():
        allowed = np.ones(n, bool)
    if n == 0:
        return np.zeros(0), 0.0
    base = np.zeros(m0) if base is None else np.asarray(base, dtype=float)
    weight = np.ones(m0) if weight is None else np.asarray(weight, dtype=float)
    if m0 == 0:
        return allowed / allowed.sum(), 1.0
    # identical situations are one row (the table stays small)
    a_rows, b_rows, counts = _distinct_rows(seen, base, weight)
    w = (counts[:, None] * a_rows).sum(axis=0) / counts.sum()
    x = _max_min(a_rows, b_rows, w, allowed)
    p = np.round(np.clip(x, 0.0, None), 6)
    p[~allowed] = 0.0
    p = p / p.sum()
    guaranteed = float((b_rows + a_rows @ p).min())
    return p, guaranteed


def team_odds(
    passes: VariantPasses,
    tau: np.ndarray,
    window_min: float,
    *,
    max_revisit_min: float | None = None,
    checkpoint: np.ndarray | None = None,
    rounds: int = 2,
    table: Situations | None = None,
    start: np.ndarray | None = None,
    worst: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, float]]:
    """The LP odds of every variant, and each team's guaranteed minimum on the units it passes.

    Block-coordinate ascent on the exact figure: from uniform odds, each team
    in turn gets the odds that maximise the minimum detection over the
    situations at the units it passes, the other teams' odds fixed
    (:func:`lp_odds` with ``base``/``weight``); a team keeps its odds when the
    LP does not raise that minimum. No step lowers the border's minimum, so
    the result is never below uniform odds. ``rounds`` passes over the teams.
    Units a checkpoint watches are left out (they are seen anyway). ``table``:
    :func:`~borderwatch.coverage.detection.situations` of the same arguments,
    if already built. ``start``: the odds to start from (default uniform odds);
    the result is never below them. ``worst``: :func:`variant_worst_revisit` of
    ``passes``, if already computed.

    A team's LP whose rows are the same as at its last solve (no team that shares
    its units changed its odds since: on Ningming half the LPs of the second round)
    is not solved again: the LP's odds and minimum are those of that solve.
    """
    n_units = len(tau)
    if table is None:
        table = situations(passes, tau, window_min, n_units, checkpoint=checkpoint)
    if worst is None:
        worst = variant_worst_revisit(passes, window_min)
    odds = uniform_odds(passes) if start is None else np.array(start, dtype=float)
    guarantee: dict[str, float] = {}
    pair_team = passes.variant_team[table.var]
    n_cand = len(table.unit)
    q = table.q(odds)  # kept up to date column by column (only team k's odds change)
    by_team = _team_pairs(pair_team, len(passes.teams))
    tables: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    solved: dict[int, tuple[bytes, np.ndarray, float]] = {}  # team -> (its LP's rows, p, z)
    for _ in range(max(1, rounds)):
        for k, team in enumerate(passes.teams):
            vs = passes.of_team(k)
            if k not in tables:  # the team's rows and seen table: the same every round
                sel = by_team[k]
                cand, var = table.cand[sel], table.var[sel]
                present = np.bincount(cand, minlength=n_cand) > 0
                rows = np.flatnonzero(present)  # sorted, as np.unique(cand)
                local = np.full(len(passes.variants), -1)
                local[vs] = np.arange(len(vs))
                seen = np.zeros((len(rows), len(vs)), dtype=bool)
                seen[(np.cumsum(present) - 1)[cand], local[var]] = True
                tables[k] = (rows, seen, cand, var)
            rows, seen, cand, var = tables[k]
            if not len(rows):
                guarantee[team] = 1.0
                continue
            others = q[rows]  # a copy (fancy indexing)
            others[:, k] = 0.0
            miss = np.prod(1.0 - others, axis=1)
            allowed = (
                np.ones(len(vs), bool)
                if max_revisit_min is None
                else worst[vs] <= max_revisit_min + 1e-9
            )
            if not allowed.all():
                logger.info(
                    "odds: team %s: %d variant(s) over the revisit target",
                    team,
                    int((~allowed).sum()),
                )
            now = float((1.0 - miss * (1.0 - q[rows, k])).min())
            key = miss.tobytes() + allowed.tobytes()  # seen is the team's own: fixed
            if k in solved and solved[k][0] == key:  # the same LP: the same odds
                p, z = solved[k][1].copy(), solved[k][2]
            else:
                p, z = lp_odds(seen, allowed, base=1.0 - miss, weight=miss)
                solved[k] = (key, p.copy(), z)
            # uniform odds may put weight on a variant over the target: the LP's never do
            if z > now + 1e-9 or (odds[vs][~allowed] > 0).any():
                odds[vs] = p
                guarantee[team] = z
                col = np.bincount(cand, weights=odds[var], minlength=n_cand)
                q[:, k] = np.clip(col, 0.0, 1.0)
            else:
                guarantee[team] = now
    return odds, guarantee


def _team_pairs(pair_team: np.ndarray, n_teams: int) -> list[Any]:
    """Per team, the (variant, candidate) pairs of its variants: a slice, or positions.

    The pairs of :func:`~borderwatch.coverage.detection.situations` are sorted by
    variant and a team's variants are consecutive, so each team's pairs are one
    slice; otherwise (a table built in another order) their positions.
    """
    if len(pair_team) < 2 or bool((pair_team[1:] >= pair_team[:-1]).all()):
        at = np.searchsorted(pair_team, np.arange(n_teams + 1))
        return [slice(int(at[k]), int(at[k + 1])) for k in range(n_teams)]
    return [np.flatnonzero(pair_team == k) for k in range(n_teams)]


def _owners(passes: VariantPasses, n_units: int) -> np.ndarray:
    """Per unit the team that passes it most (mean passes per variant); -1 if none."""
    n_teams = len(passes.teams)
    per_team_variants = np.bincount(passes.variant_team, minlength=n_teams)
    team = passes.variant_team[passes.var]
    cnt = np.bincount(passes.unit * n_teams + team, minlength=n_units * n_teams).reshape(
        n_units, n_teams
    ) / np.maximum(per_team_variants, 1)
    owner = np.argmax(cnt, axis=1)
    return np.where(cnt.max(axis=1) > 0, owner, -1)


def uniform_odds(passes: VariantPasses) -> np.ndarray:
    """Every variant of a team equally likely."""
    n = np.bincount(passes.variant_team, minlength=len(passes.teams))
    return np.asarray(1.0 / n[passes.variant_team], dtype=float)


@dataclass(frozen=True)
class Detection:
    """The night's detection figures (see :mod:`borderwatch.coverage.detection`).

    Attributes
    ----------
    units
        One row per unit: ``crossing_min``, ``p_uninformed`` and ``p_watching``
        (tonight's plan), ``watch_gap_min``, ``p_informed`` (LP odds),
        ``p_informed_uniform`` (uniform odds).
    passes
        The variants' pass tables.
    odds, odds_uniform
        Per variant (``passes.variants`` order).
    informed_lp, informed_uniform
        The informed intruder's figures under each.
    guarantee
        Team → the LP's guaranteed minimum on the units it passes.
    worst_revisit_min
        The worst revisit interval any variant in the support of the odds can
        give (team alone), for the LP odds and for uniform odds.
    crossing_min
        The default crossing time τ.
    watchable
        Per unit: a checkpoint watches it or some variant or tonight's plan passes it.
    """

    units: pd.DataFrame
    passes: VariantPasses
    variants: dict[str, list[RouteVariant]]
    odds: np.ndarray
    odds_uniform: np.ndarray
    informed_lp: Informed
    informed_uniform: Informed
    guarantee: dict[str, float]
    worst_revisit_min: dict[str, float]
    crossing_min: float
    watchable: np.ndarray

    def odds_of(self) -> dict[str, float]:
        """Variant id → its LP odds."""
        return {v: float(p) for v, p in zip(self.passes.variants, self.odds, strict=True)}

    def summary(self, units: pd.DataFrame) -> dict[str, Any]:
        """The figures for ``plan.json`` and the report: minima, their stretches, per township.

        ``units`` is the coverage table (chainage, length and township columns)
        with the detection columns added. Minima are over the *watchable*
        border (a checkpoint watches it or some variant passes it); the rest is
        ``unwatchable_km`` (no road in view: nothing can see a crossing there).
        """
        cols = {
            "uninformed": "p_uninformed",
            "informed": "p_informed",
            "informed_uniform": "p_informed_uniform",
            "watching": "p_watching",
        }
        frame = units.assign(p_informed_uniform=self.units["p_informed_uniform"].to_numpy())
        ok = frame[self.watchable]
        out: dict[str, Any] = {
            "crossing_min": round(self.crossing_min, 3),
            "watchable_km": round(float(ok["length_m"].sum()) / 1000, 3),
            "unwatchable_km": round(float(frame.loc[~self.watchable, "length_m"].sum()) / 1000, 3),
            "variants": len(self.passes.variants),
        }
        for name, col in cols.items():
            out[f"{name}_min"] = stretch_minimum(ok, col)
            out[f"{name}_mean"] = round(float(ok[col].mean()), 4) if len(ok) else None
        zero = ok["p_watching"].to_numpy() == 0
        out["watching_zero_km"] = round(float(ok.loc[zero, "length_m"].sum()) / 1000, 3)
        gap = ok["watch_gap_min"].to_numpy(dtype=float)
        out["watching_longest_gap_min"] = round(float(gap.max()), 2) if len(gap) else None
        lp = self.informed_lp
        out["best_response"] = {
            "unit": int(lp.unit),
            "km": round(float(frame["start_m"].iloc[lp.unit]) / 1000, 2),
            "start_min": round(lp.start, 3),
            "p": round(lp.border_min, 4),
        }
        out["worst_revisit_min"] = {k: round(v, 2) for k, v in self.worst_revisit_min.items()}
        out["team_guarantee"] = {k: round(v, 4) for k, v in sorted(self.guarantee.items())}
        town = []
        if "township" in ok.columns:
            for name, g in ok.groupby("township", sort=True):
                town.append(
                    {
                        "township": str(name),
                        "km": round(float(g["length_m"].sum()) / 1000, 2),
                        "uninformed_min": round(float(g["p_uninformed"].min()), 3),
                        "informed_min": round(float(g["p_informed"].min()), 3),
                        "watching_min": round(float(g["p_watching"].min()), 3),
                    }
                )
        out["townships"] = town
        return out


def scenario_crossing_csv(network: PatrolNetwork) -> Path | None:
    """The scenario folder's ``crossing.csv`` (per-stretch crossing times), if it has one."""
    src = network.scenario.source
    if src is None:
        return None
    path = Path(src) / "crossing.csv"
    return path if path.is_file() else None


def report_lines(det: Mapping[str, Any], *, lang: str = "en") -> list[str]:
    """The report's lines for a ``detection`` summary (:meth:`Detection.summary`), in ``lang``."""
    from borderwatch.i18n import report_labels

    L = report_labels(lang)
    tau = f"{det['crossing_min']:g}"

    def at(m: Mapping[str, Any] | None) -> str:
        if not m:
            return ""
        # no township grid: no "()"
        town = L["det_town"].format(town=m["township"]) if m.get("township") else ""
        return L["det_at"].format(a=f"{m['start_km']:.2f}", b=f"{m['end_km']:.2f}", town=town)

    un, inf, uni, wa = (
        det["uninformed_min"],
        det["informed_min"],
        det["informed_uniform_min"],
        det["watching_min"],
    )
    if un is None:
        return [L["det_none"].format(tau=tau)]
    lines = [
        L["det_head"].format(
            tau=tau, p=f"{inf['p']:.2f}", at=at(inf), wp=f"{wa['p']:.2f}", wat=at(wa)
        ),
        L["det_uninformed"].format(
            p=f"{un['p']:.2f}", at=at(un), mean=f"{det['uninformed_mean']:.2f}"
        ),
        L["det_informed"].format(p=f"{inf['p']:.2f}", u=f"{uni['p']:.2f}", n=det["variants"]),
        L["det_watching"].format(
            z=f"{det['watching_zero_km']:.1f}",
            w=f"{det['watchable_km']:.1f}",
            g=f"{det['watching_longest_gap_min']:.0f}",
        ),
    ]
    if det.get("unwatchable_km"):
        lines.append(L["det_unwatchable"].format(km=f"{det['unwatchable_km']:.2f}"))
    drawn = (det.get("detours") or {}).get("odds_by_team") or {}
    if drawn:  # plan --detours: who draws turn-backs, and the revisit a drawn night keeps
        lines.append(
            L["det_detours"].format(
                teams=L["list_sep"].join(drawn),
                n=det["detours"]["drawn_variants"],
                odds=L["list_sep"].join(f"{t} {p:.2f}" for t, p in drawn.items()),
                worst=f"{det['worst_revisit_min']['lp']:.1f}",
            )
        )
    return lines


def _with_detours(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    variants: dict[str, list[RouteVariant]],
    chosen: Mapping[str, list[tuple[int, int]]],
    before: Mapping[str, float],
    *,
    tau: np.ndarray,
    window: float,
    checkpoint: np.ndarray,
    watchable: np.ndarray,
    limit: float,
) -> tuple[VariantPasses, np.ndarray, np.ndarray, np.ndarray, dict[str, float], Informed]:
    """:func:`detect_night`'s drawn detours: the variants the LP then chooses over.

    Adds each chosen team's detour variants to ``variants`` (in place) and the units
    their passes watch to ``watchable``; the LP starts from the plain variants' odds
    ``before``, under the revisit ``limit``. Uniform odds stay the plain variants'
    (the historical rotation never detours). Returns the passes, each variant's worst
    revisit, the uniform and LP odds, the guarantee and the LP's informed odds.
    """
    n = len(network.units)
    by_team = {r.team: r for r in routes}
    for team, stretch in chosen.items():
        variants[team] = variants[team] + detour_variants(by_team[team], stretch)
    passes = variant_passes(network, routes, variants, window)
    table = situations(passes, tau, window, n, checkpoint=checkpoint)
    worst = variant_worst_revisit(passes, window)
    det_of = {v.variant: v.detour for vs in variants.values() for v in vs}
    plain = np.array([det_of[v] is None for v in passes.variants])
    cnt = np.bincount(passes.variant_team[plain], minlength=len(passes.teams))
    uni = np.where(plain, 1.0 / np.maximum(cnt[passes.variant_team], 1), 0.0)
    odds, guarantee = team_odds(
        passes,
        tau,
        window,
        max_revisit_min=limit,
        checkpoint=checkpoint,
        table=table,
        start=np.array([before.get(v, 0.0) for v in passes.variants]),
        worst=worst,
    )
    watchable[passes.unit] = True
    inf_lp = informed(
        passes, odds, tau, window, n, checkpoint=checkpoint, among=watchable, table=table
    )
    return passes, worst, uni, odds, guarantee, inf_lp


def detect_night(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    timeline: PatrolTimeline,
    *,
    crossing_min: float | None = None,
    stretches: Any = None,
    derive: bool = False,
    max_revisit_min: float | None = None,
    n_phases: int | None = None,
    detours: bool = False,
    detour_cap_min: float | None = None,
) -> Detection:
    """Detection figures of a plan: tonight's timeline, and the variants under uniform and LP odds.

    Parameters
    ----------
    network
        The patrol network.
    routes
        The plan's routes (their loops make the variants).
    timeline
        Tonight's timeline (the plan's schedule, or a driven night's GPX).
    crossing_min, stretches, derive
        The crossing time (:func:`~borderwatch.coverage.detection.crossing_minutes`).
    max_revisit_min
        Variants whose own worst revisit exceeds it get odds 0 (default: the
        config's target).
    n_phases
        Phases per direction of the variants (default: :func:`plan_variant_set`).
    detours
        Add *drawn detours* (:func:`choose_detours`, a turn-back on the stretch
        of each team's weakest units) to the variants the LP chooses over.
    detour_cap_min
        Longest detoured loop (default: the worst revisit the plain variants
        can give, so that no drawn night's worst revisit grows); also the
        revisit limit of the LP when ``detours`` is on.

    Returns
    -------
    Detection
        ``odds_uniform`` and ``informed_uniform`` are those of the plain
        variants drawn uniformly (the historical rotation: a detour never),
        also when ``detours`` is on.
    """
    window = timeline.window_min
    n = len(network.units)
    if max_revisit_min is None:
        max_revisit_min = network.config.targets.max_revisit_min
    tau0 = float(network.config.crossing_min if crossing_min is None else crossing_min)
    tau = crossing_minutes(network, crossing_min=tau0, stretches=stretches, derive=derive)
    cp = checkpoint_watch(network)["watched"].to_numpy(dtype=bool)
    tonight = pass_times(network, timeline)
    pu, pt = tonight["unit"].to_numpy(), tonight["t"].to_numpy()
    p_un = np.where(cp, 1.0, uninformed(pu, pt, tau, window, n))
    w = watching(pu, pt, tau, window, n)
    variants = plan_variant_set(routes, n_phases=n_phases)
    passes = variant_passes(network, routes, variants, window)
    table = situations(passes, tau, window, n, checkpoint=cp)
    worst = variant_worst_revisit(passes, window)
    odds, guarantee = team_odds(
        passes,
        tau,
        window,
        max_revisit_min=max_revisit_min,
        checkpoint=cp,
        table=table,
        worst=worst,
    )
    uni = uniform_odds(passes)
    watchable = cp.copy()
    watchable[passes.unit] = True
    watchable[pu] = True
    inf_lp = informed(passes, odds, tau, window, n, checkpoint=cp, among=watchable, table=table)
    inf_un = informed(passes, uni, tau, window, n, checkpoint=cp, among=watchable, table=table)
    worst_uniform = float(worst.max()) if len(worst) else 0.0
    if detours:
        cap = float(detour_cap_min) if detour_cap_min is not None else worst_uniform
        chosen = choose_detours(network, routes, passes, inf_lp.p_unit, cap, checkpoint=cp)
        if chosen:
            drawn = _with_detours(
                network, routes, variants, chosen, dict(zip(passes.variants, odds, strict=True)),
                tau=tau, window=window, checkpoint=cp, watchable=watchable,
                limit=min(cap, float(max_revisit_min)),
            )  # fmt: skip
            passes, worst, uni, odds, guarantee, inf_lp = drawn
    units = pd.DataFrame(
        {
            "crossing_min": tau,
            "p_uninformed": p_un,
            "p_informed": inf_lp.p_unit,
            "p_informed_uniform": inf_un.p_unit,
            "p_watching": np.where(cp, 1.0, w["p_watching"].to_numpy()),
            "watch_gap_min": np.where(cp, 0.0, w["watch_gap_min"].to_numpy()),
        },
        index=network.units.index,
    )
    logger.info(
        "detection (τ %.0f min): uninformed min %.3f, informed min %.3f (uniform odds %.3f), "
        "watching min %.3f",
        tau0,
        float(units["p_uninformed"].min()),
        inf_lp.border_min,
        inf_un.border_min,
        float(units["p_watching"].min()),
    )
    return Detection(
        units=units,
        passes=passes,
        variants=variants,
        odds=odds,
        odds_uniform=uni,
        informed_lp=inf_lp,
        informed_uniform=inf_un,
        guarantee=guarantee,
        worst_revisit_min={
            "lp": float(worst[odds > 0].max()) if (odds > 0).any() else 0.0,
            "uniform": worst_uniform,
        },
        crossing_min=tau0,
        watchable=watchable,
    )
