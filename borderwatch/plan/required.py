"""Required roads: the least driving that watches every border unit any road can watch.

A weighted set cover on the watch index: choose road edges of least driving
time such that every coverable unit lies within ``patrol_view_m`` of a chosen
edge. Solved exactly with HiGHS (:func:`scipy.optimize.milp`) under a time
limit, beside a greedy cover (Chvátal's ratio rule) that is used when the MILP
is too large, times out without a solution, or is beaten by it; the optimality
gap is reported from the MILP's dual bound. Edges a planner marks as always
patrolled are fixed in the cover first.

scipy's ``milp`` takes no initial solution, so the greedy cover is not passed
to HiGHS as a warm start: it is the fallback and the incumbent the MILP must
beat. (highspy would allow a true warm start; we keep to scipy.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from borderwatch.errors import RoutingError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

logger = logging.getLogger(__name__)

__all__ = ["RequiredRoads", "choose_required_edges", "greedy_cover", "unwatchable_units"]


@dataclass(frozen=True)
class RequiredRoads:
    """The chosen required edges and what they watch.

    Attributes
    ----------
    edges
        Sorted edge ids (rows of ``network.edges``) to patrol.
    fixed
        The subset that the planner fixed (always patrolled).
    cost_s
        Driving time of the chosen edges (s), by the fastest team vehicle allowed.
    lower_bound_s
        Best proven lower bound on that cost (equal to ``cost_s`` when optimal).
    gap_pct
        ``100 * (cost_s - lower_bound_s) / cost_s``.
    method
        ``"milp"``, ``"greedy"`` or ``"fixed"`` (nothing left to choose).
    uncoverable
        Unit ids that no road a team may drive can watch.
    uncoverable_reason
        One reason per uncoverable unit.
    seconds
        Solve time.
    """

    edges: np.ndarray
    fixed: np.ndarray
    cost_s: float
    lower_bound_s: float
    gap_pct: float
    method: str
    uncoverable: np.ndarray
    uncoverable_reason: list[str]
    seconds: float


def greedy_cover(
    matrix: sparse.csc_array, cost: np.ndarray, covered: np.ndarray | None = None
) -> np.ndarray:
    """Greedy weighted set cover: repeatedly take the column of least cost per newly covered row.

    Parameters
    ----------
    matrix
        Boolean rows × columns incidence (rows to cover, columns to choose).
    cost
        Positive cost per column.
    covered
        Rows already covered (by fixed columns).

    Returns
    -------
    numpy.ndarray
        Chosen column indices, in the order chosen. Rows no column covers stay
        uncovered.
    """
    n_rows = matrix.shape[0]
    done = np.zeros(n_rows, dtype=bool) if covered is None else covered.copy()
    csc = sparse.csc_array(matrix, dtype=bool)
    indptr, indices = csc.indptr, csc.indices
    # gain of a column = rows it covers that are not covered yet
    gain = np.asarray(csc.T.astype(np.int64) @ (~done).astype(np.int64), dtype=np.int64)
    csr = sparse.csr_array(matrix, dtype=bool)
    chosen: list[int] = []
    while True:
        ok = gain > 0
        if not ok.any():
            break
        ratio = np.where(ok, cost / np.maximum(gain, 1), np.inf)
        j = int(np.argmin(ratio))  # ties: lowest index, deterministic
        chosen.append(j)
        rows = indices[indptr[j] : indptr[j + 1]]
        new = rows[~done[rows]]
        done[new] = True
        # every column covering a newly covered row loses one unit of gain per such row
        cols = csr[new].indices if len(new) else np.empty(0, dtype=np.int64)
        np.subtract.at(gain, cols, 1)
    return np.asarray(chosen, dtype=np.int64)


def _fixed_edges(network: PatrolNetwork, always: Sequence[str]) -> np.ndarray:
    if not always:
        return np.empty(0, dtype=np.int64)
    edges = network.edges
    mask = np.zeros(len(edges), dtype=bool)
    for key in always:
        hit = (
            (edges["name"] == key) | (edges["osmid"].astype(str) == key) | (edges["highway"] == key)
        )
        if not hit.any():
            raise RoutingError(
                f"always-patrolled road {key!r} matches no edge by name, OSM id or highway class"
            )
        mask |= hit.to_numpy()
    return np.flatnonzero(mask)


def _coverable(
    network: PatrolNetwork, unit_edge: sparse.csc_array, profiles: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """Units some drivable edge watches, and why each other unit is not watchable."""
    coverable = np.asarray(unit_edge.sum(axis=1)).ravel() > 0
    reasons = []
    for u in np.flatnonzero(~coverable):
        near = network.watch.nearest_road_m[u]
        if near > network.config.patrol_view_m:
            reasons.append(
                f"no road within {network.config.patrol_view_m / 1000:g} km of the border (nearest {near / 1000:.1f} km)"
            )
        else:
            reasons.append(
                f"only roads no team vehicle ({', '.join(profiles)}) may use come within view"
            )
    return coverable, reasons


def unwatchable_units(
    network: PatrolNetwork, *, profiles: Sequence[str] | None = None
) -> tuple[np.ndarray, list[str]]:
    """Units no road that ``profiles`` (default: the teams' vehicles) may drive can watch, with reasons.

    The ``uncoverable`` and ``uncoverable_reason`` of :func:`choose_required_edges`,
    without solving the cover.
    """
    if profiles is None:
        profiles = sorted(set(network.teams["vehicle"].astype(str)))
    secs = np.min(np.vstack([network.edge_seconds(p) for p in profiles]), axis=0)
    unit_edge = sparse.csc_array(network.watch.unit_edge[:, np.isfinite(secs)], dtype=bool)
    coverable, reasons = _coverable(network, unit_edge, profiles)
    return np.flatnonzero(~coverable), reasons


def choose_required_edges(
    network: PatrolNetwork,
    *,
    profiles: Sequence[str] | None = None,
    always_patrol: Sequence[str] = (),
    time_limit_s: float = 20.0,
    max_milp_columns: int = 200_000,
    fixed_edges: Sequence[int] | np.ndarray = (),
) -> RequiredRoads:
    """Choose the road edges whose driving watches every coverable border unit.

    Parameters
    ----------
    network
        The patrol network.
    profiles
        Vehicle profiles that may drive the edges (default: those of the teams).
        An edge is a candidate if any of them may use it; its cost is the
        fastest of their driving times.
    always_patrol
        Road names, OSM way ids or highway classes that are patrolled in any
        case (e.g. ``"边境公路"``, the border road); fixed in the cover.
    time_limit_s
        Seconds for the MILP.
    max_milp_columns
        Above this many candidate edges only the greedy cover runs.
    fixed_edges
        Edge positions fixed in the cover besides those ``always_patrol``
        names (a sector plan resolves the names once on the whole network and
        gives each sector its own edges).

    Returns
    -------
    RequiredRoads
    """
    start = time.perf_counter()
    if profiles is None:
        profiles = sorted(set(network.teams["vehicle"].astype(str)))
    if not profiles:
        raise RoutingError("no vehicle profiles: the scenario has zero teams")
    secs = np.min(np.vstack([network.edge_seconds(p) for p in profiles]), axis=0)
    drivable = np.isfinite(secs)
    unit_edge = sparse.csc_array(network.watch.unit_edge[:, drivable], dtype=bool)
    cand = np.flatnonzero(drivable)
    coverable, reasons = _coverable(network, unit_edge, profiles)
    fixed = np.union1d(
        _fixed_edges(network, always_patrol), np.asarray(fixed_edges, dtype=np.int64)
    )
    fixed = fixed[drivable[fixed]].astype(np.int64)
    fixed_cols = np.searchsorted(cand, fixed)
    rows = unit_edge[:, fixed_cols] if len(fixed_cols) else None
    covered = (
        np.asarray(rows.sum(axis=1)).ravel() > 0
        if rows is not None
        else np.zeros(len(coverable), dtype=bool)
    )
    todo = coverable & ~covered
    sub = sparse.csc_array(unit_edge[todo])
    useful = np.flatnonzero(np.diff(sub.indptr) > 0)
    useful = np.setdiff1d(useful, fixed_cols)
    sub = sparse.csc_array(sub[:, useful])
    cost = secs[cand[useful]]
    fixed_cost = float(secs[fixed].sum())
    bound = 0.0  # lower bound on the cost of the non-fixed part
    if sub.shape[0] == 0:
        chosen_cols, method = np.empty(0, dtype=np.int64), "fixed"
    else:
        chosen_cols, method = greedy_cover(sub, cost), "greedy"
        if len(useful) <= max_milp_columns:
            res = milp(
                c=cost,
                constraints=LinearConstraint(sparse.csr_array(sub, dtype=float), lb=1, ub=np.inf),
                integrality=np.ones(len(cost)),
                bounds=Bounds(0, 1),
                options={"time_limit": time_limit_s, "presolve": True},
            )
            if res.x is not None:
                x = np.flatnonzero(res.x > 0.5)
                if float(cost[x].sum()) <= float(cost[chosen_cols].sum()):
                    chosen_cols, method = x, "milp"
            dual = getattr(res, "mip_dual_bound", None)
            if dual is not None and np.isfinite(dual):
                bound = float(dual)
            elif res.status == 0:
                bound = float(res.fun)
    chosen = np.union1d(fixed, cand[useful[chosen_cols]]).astype(np.int64)
    total = float(secs[chosen].sum())
    lower_bound = total if method == "fixed" else min(total, fixed_cost + bound)
    gap = 0.0 if total == 0 else 100.0 * (total - lower_bound) / total
    logger.info(
        "required roads: %d edges (%d fixed), %.1f h of driving, %s, gap %.2f %%, %d units no road watches",
        len(chosen),
        len(fixed),
        total / 3600,
        method,
        gap,
        int((~coverable).sum()),
    )
    return RequiredRoads(
        edges=chosen,
        fixed=np.sort(fixed),
        cost_s=total,
        lower_bound_s=lower_bound,
        gap_pct=gap,
        method=method,
        uncoverable=np.flatnonzero(~coverable),
        uncoverable_reason=reasons,
        seconds=time.perf_counter() - start,
    )
