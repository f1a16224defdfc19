"""The chance a crossing is seen: detection probability per border unit.

Crossing model
--------------
A person crossing the border at a unit is *exposed* for ``τ`` minutes (the
crossing time, :attr:`~borderwatch.config.PlanConfig.crossing_min`, 15 by
default; per stretch from a ``crossing.csv`` of ``start_km, end_km,
crossing_min`` rows, or derived from the distance between the border and the
nearest road, :func:`crossing_minutes`). The crossing starts at ``s`` and is
seen when

* a staffed checkpoint watches the unit (every checkpoint is staffed all night:
  the county's 24-hour duty), or
* a patrol *passes* the unit during ``[s, s + τ]``: the moment of a pass is the
  patrol's closest approach (the pass convention of
  :mod:`borderwatch.coverage.revisit`).

Crossings start inside the night window and end in it: ``s`` lies in
``[0, W - τ]``. Passes are points in time; a patrol in view of the unit for a
while is one pass.

Three intruders
---------------
*uninformed*
    Starts at a random moment, uniform on ``[0, W - τ]``: the probability is the
    measured share of start times whose exposure holds a pass (exact, not on a
    grid: :func:`uninformed`).
*informed of the pattern*
    Knows every route variant and the odds with which the roster draws them,
    not tonight's draw; picks the unit and the start that minimise detection.
    Teams draw their variants independently, so at a unit and start ``s`` the
    probability is ``1 - Π_k (1 - q_k(s))`` with ``q_k(s) = Σ_v p_kv
    seen_kv(s)`` over team ``k``'s variants. The minimum over ``s`` is taken
    exactly: the function is constant between the breakpoints ``t - τ`` and ``t``
    of the passes, so its value at the midpoints between breakpoints is all
    there is to check (:func:`informed`).
*watching*
    Waits at the unit, sees a patrol pass and starts right after it. He is seen
    only if the next pass comes within ``τ``. With periodic loops the next pass
    is fixed, so his figure at a unit is 1 if every gap after a pass (in which a
    crossing still fits in the window) is at most ``τ``, else **0** — a loop
    longer than ``τ`` that passes a unit once gives him 0 there, every night,
    whatever the odds across nights (:func:`watching`). Only randomising inside
    the night can raise it.

The functions take plain arrays (unit, time of pass), so the same code serves
a plan's timeline, a driven night's GPX (through
:func:`~borderwatch.coverage.revisit.pass_times`) and the variants' pass tables.
"""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from borderwatch.errors import CoverageError, ScenarioError

if TYPE_CHECKING:
    from borderwatch.coverage.gaps import CoverageReport
    from borderwatch.coverage.timeline import PatrolTimeline
    from borderwatch.data.network import PatrolNetwork

__all__ = [
    "CROSSING_COLUMNS",
    "GAP_COLUMNS",
    "DrawTable",
    "Informed",
    "Situations",
    "VariantPasses",
    "crossing_minutes",
    "detection_columns",
    "draw_table",
    "informed",
    "loop_draws",
    "night_detection",
    "read_crossing_csv",
    "seen_matrix",
    "situations",
    "stretch_minimum",
    "uninformed",
    "watching",
    "with_detection",
]

logger = logging.getLogger(__name__)

#: Columns of ``crossing.csv``: a stretch of border (km of chainage) and its crossing time.
CROSSING_COLUMNS = ("start_km", "end_km", "crossing_min")

#: Walking speed (m/min) used by the derived crossing time: 3 km/h, a careful walk at night.
WALK_M_PER_MIN = 50.0

_TOL = 1e-9


# ---------------------------------------------------------------------------- crossing time
def read_crossing_csv(path: str | Path) -> list[tuple[float, float, float]]:
    """The ``(start_km, end_km, crossing_min)`` rows of a ``crossing.csv``.

    Raises
    ------
    ScenarioError
        Naming the file, the line and the field: a missing column, a value that
        is not a finite number, ``end_km <= start_km``, a crossing time outside
        ``(0, 600]`` minutes.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ScenarioError(f"cannot read: {err.strerror}", file=path) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in CROSSING_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ScenarioError(
            f"lacks column(s) {', '.join(missing)}; need {', '.join(CROSSING_COLUMNS)}",
            file=path,
            field=missing[0],
        )
    rows = []
    for line, rec in enumerate(reader, start=2):
        vals = []
        for col in CROSSING_COLUMNS:
            raw = rec.get(col)
            try:
                v = float(str(raw).strip())
            except ValueError:
                v = math.nan
            if not math.isfinite(v):
                raise ScenarioError(
                    f"line {line}: not a number", file=path, field=col, value=raw
                ) from None
            vals.append(v)
        a, b, tau = vals
        if b <= a:
            raise ScenarioError(
                f"line {line}: end_km must be after start_km ({a:g})",
                file=path,
                field="end_km",
                value=b,
            )
        if not 0 < tau <= 600:
            raise ScenarioError(
                f"line {line}: crossing time must lie in (0, 600] minutes",
                file=path,
                field="crossing_min",
                value=tau,
            )
        rows.append((a, b, tau))
    return rows


def crossing_minutes(
    network: PatrolNetwork,
    *,
    crossing_min: float | None = None,
    stretches: str | Path | Sequence[tuple[float, float, float]] | None = None,
    derive: bool = False,
    walk_m_per_min: float = WALK_M_PER_MIN,
) -> np.ndarray:
    """The exposure τ (minutes) of a crossing at every border unit.

    Parameters
    ----------
    network
        The patrol network.
    crossing_min
        The default τ (default ``network.config.crossing_min``).
    stretches
        Per-stretch overrides: a ``crossing.csv`` path or ``(start_km, end_km,
        minutes)`` rows; a unit whose mid-chainage lies in ``[start_km, end_km)``
        takes the row's minutes (the last matching row wins).
    derive
        Derive τ from the distance between the unit and the nearest road: the
        crosser walks from the border through the view of the road, ``(d +
        patrol_view_m) / walk_m_per_min`` minutes, never less than the default.
        Overrides still apply over it.
    walk_m_per_min
        Walking speed of the derived time.

    Returns
    -------
    numpy.ndarray
        One τ per unit (float minutes).
    """
    tau0 = float(network.config.crossing_min if crossing_min is None else crossing_min)
    if not (math.isfinite(tau0) and tau0 > 0):
        raise CoverageError("crossing time must be positive", field="crossing_min", value=tau0)
    units = network.units
    tau = np.full(len(units), tau0)
    if derive:
        d = np.asarray(network.watch.nearest_road_m, dtype=float)
        d = np.where(np.isfinite(d), d, 0.0)
        tau = np.maximum(tau, (d + float(network.config.patrol_view_m)) / walk_m_per_min)
    if stretches is not None:
        rows = read_crossing_csv(stretches) if isinstance(stretches, str | Path) else stretches
        mid = (units["start_m"].to_numpy(dtype=float) + units["end_m"].to_numpy(dtype=float)) / 2e3
        for a, b, m in rows:
            tau[(mid >= a) & (mid < b)] = float(m)
    return tau


# ---------------------------------------------------------------------------- helpers
def _sorted_passes(unit: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unit = np.asarray(unit, dtype=np.int64)
    t = np.asarray(t, dtype=float)
    order = np.lexsort((t, unit))
    return unit[order], t[order]


def _check_tau(tau: np.ndarray | float, n_units: int, window: float) -> np.ndarray:
    out = np.broadcast_to(np.asarray(tau, dtype=float), (n_units,)).copy()
    if not (np.isfinite(out).all() and (out > 0).all()):
        raise CoverageError("crossing times must be positive", field="crossing_min")
    if (out >= window).any():
        raise CoverageError(
            f"a crossing time must be shorter than the night window ({window:g} min)",
            field="crossing_min",
            value=float(out.max()),
        )
    return out


# ---------------------------------------------------------------------------- uninformed
def uninformed(
    unit: np.ndarray, t: np.ndarray, tau: np.ndarray | float, window: float, n_units: int
) -> np.ndarray:
    """Share of start times ``s`` in ``[0, W - τ]`` whose exposure ``[s, s + τ]`` holds a pass.

    Parameters
    ----------
    unit, t
        The passes: unit index and minutes from the window start.
    tau
        Crossing time per unit (or one for all).
    window
        Night window length ``W`` (minutes).
    n_units
        Number of units.

    Returns
    -------
    numpy.ndarray
        One probability per unit (0 where no patrol passes).

    Examples
    --------
    One pass at 50 min in a 100 min night, τ = 10: starts 40..50 of 0..90 see it.

    >>> float(uninformed([0], [50.0], 10.0, 100.0, 1)[0])
    0.1111111111111111
    """
    tau_u = _check_tau(tau, n_units, window)
    u, tt = _sorted_passes(unit, t)
    hi_all = window - tau_u
    if not len(u):
        return np.zeros(n_units)
    # each pass covers the starts [t - τ, t] ∩ [0, W - τ]; union per unit, passes in time order
    a = np.clip(tt - tau_u[u], 0.0, hi_all[u])
    b = np.clip(tt, 0.0, hi_all[u])
    first = np.ones(len(u), dtype=bool)
    first[1:] = u[1:] != u[:-1]
    # what the earlier passes of the unit already cover ends at their running max of b
    run_max = _group_cummax(b, first)
    prev_b = np.where(first, -np.inf, np.concatenate([[-np.inf], run_max[:-1]]))
    add = np.maximum(0.0, b - np.maximum(a, prev_b))
    covered = np.bincount(u, weights=add, minlength=n_units)
    return np.where(hi_all > 0, covered / np.maximum(hi_all, _TOL), 0.0)


def _group_cummax(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Cumulative maximum of ``x`` restarting where ``first`` is True."""
    # shift each group above the previous ones so that one global cummax restarts per group
    grp = np.cumsum(first) - 1
    span = float(np.max(np.abs(x))) * 2 + 1.0 if len(x) else 1.0
    shifted = x + grp * span
    return np.maximum.accumulate(shifted) - grp * span


# ---------------------------------------------------------------------------- watching
def watching(
    unit: np.ndarray, t: np.ndarray, tau: np.ndarray | float, window: float, n_units: int
) -> pd.DataFrame:
    """The watching intruder: he starts right after a pass; seen if the next pass comes within τ.

    Parameters
    ----------
    unit, t, tau, window, n_units
        As for :func:`uninformed`.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``p_watching`` (the worst over the passes he can
        start after, i.e. those at most ``W - τ``: 1 if every following gap is
        at most τ, else 0; 0 where no patrol passes), ``watch_share`` (share of
        those passes after which he would be seen: his chance if he picks a pass
        at random), ``watch_gap_min`` (the longest time after such a pass with no
        pass: what he has to cross in), ``n_watch_passes``.
    """
    tau_u = _check_tau(tau, n_units, window)
    u, tt = _sorted_passes(unit, t)
    nxt = np.full(len(u), np.inf)
    if len(u) > 1:
        same = u[1:] == u[:-1]
        nxt[:-1] = np.where(same, tt[1:], np.inf)
    ok = tt <= window - tau_u[u] + _TOL
    gap = np.where(np.isfinite(nxt), nxt - tt, window - tt)
    # after the last pass, the crossing fits in the window (ok) and nothing comes: unseen
    seen = (nxt - tt) <= tau_u[u] + _TOL
    n_obs = np.bincount(u[ok], minlength=n_units)
    n_seen = np.bincount(u[ok & seen], minlength=n_units)
    worst_gap = np.zeros(n_units)
    np.maximum.at(worst_gap, u[ok], gap[ok])
    p = np.where((n_obs > 0) & (n_seen == n_obs), 1.0, 0.0)
    share = np.where(n_obs > 0, n_seen / np.maximum(n_obs, 1), 0.0)
    worst_gap = np.where(n_obs > 0, worst_gap, window)
    return pd.DataFrame(
        {
            "p_watching": p,
            "watch_share": share,
            "watch_gap_min": worst_gap,
            "n_watch_passes": n_obs.astype(np.int64),
        },
        index=pd.RangeIndex(n_units, name="unit"),
    )


# ---------------------------------------------------------------------------- informed
@dataclass(frozen=True)
class VariantPasses:
    """The pass tables of every route variant of every team, in one set of arrays.

    Attributes
    ----------
    teams
        Team ids; ``team`` indexes them.
    variants
        Variant ids, one per global variant index.
    variant_team
        Team index of each variant.
    var, unit, t
        One row per pass: global variant index, unit index, minutes from the
        window start.
    """

    teams: tuple[str, ...]
    variants: tuple[str, ...]
    variant_team: np.ndarray
    var: np.ndarray
    unit: np.ndarray
    t: np.ndarray

    def of_team(self, k: int) -> np.ndarray:
        """Global indices of team ``k``'s variants."""
        return np.flatnonzero(self.variant_team == k)


@dataclass(frozen=True)
class Informed:
    """The informed intruder's figures under given odds.

    Attributes
    ----------
    p_unit
        Per unit: the minimum over start times of the detection probability
        (1 where a checkpoint watches; 0 where no variant passes).
    start_min
        Per unit: the start time attaining it (NaN where no start matters).
    border_min
        The minimum over units (the informed intruder's best response value).
    unit
        The unit of the best response; ``start`` its start time (minutes).
    """

    p_unit: np.ndarray
    start_min: np.ndarray
    border_min: float
    unit: int
    start: float


def _candidates(
    unit: np.ndarray, t: np.ndarray, tau_u: np.ndarray, window: float, units: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Start times to check per unit: midpoints between the breakpoints ``t - τ``, ``t``, 0, ``W - τ``."""
    hi = window - tau_u
    bu = np.concatenate([unit, unit, units, units])
    bt = np.concatenate(
        [
            np.clip(t - tau_u[unit], 0.0, hi[unit]),
            np.clip(t, 0.0, hi[unit]),
            np.zeros(len(units)),
            hi[units],
        ]
    )
    order = np.lexsort((bt, bu))
    bu, bt = bu[order], bt[order]
    keep = np.ones(len(bu), dtype=bool)
    keep[1:] = (bu[1:] != bu[:-1]) | (bt[1:] - bt[:-1] > 1e-7)
    bu, bt = bu[keep], bt[keep]
    same = bu[1:] == bu[:-1]
    cu = bu[1:][same]
    ct = (bt[1:][same] + bt[:-1][same]) / 2.0
    return cu, ct


def _seen_pairs(
    var: np.ndarray,
    unit: np.ndarray,
    t: np.ndarray,
    tau_u: np.ndarray,
    cu: np.ndarray,
    ct: np.ndarray,
    window: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``(variant, candidate)`` pairs where the variant passes during the candidate's exposure."""
    span = window + float(tau_u.max()) + 10.0
    key = cu * span + ct
    lo = np.searchsorted(key, unit * span + (t - tau_u[unit]) - _TOL, side="left")
    hi = np.searchsorted(key, unit * span + t + _TOL, side="right")
    cnt = np.maximum(hi - lo, 0)
    rows = np.repeat(np.arange(len(t)), cnt)
    cand = np.repeat(lo, cnt) + (np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    n_cand = max(len(cu), 1)
    pairs = np.sort(var[rows].astype(np.int64) * n_cand + cand)
    if len(pairs):  # each pair once (sorted: faster here than a hash set)
        pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]
    return pairs // n_cand, pairs % n_cand


@dataclass(frozen=True)
class Situations:
    """Every distinct crossing situation of the variants: (unit, start) candidates and who sees them.

    Attributes
    ----------
    unit, start
        The candidates: unit index and start time (midpoints between breakpoints).
    var, cand
        Pairs (variant, candidate index): the variant passes the unit during
        that candidate's exposure (each pair once).
    variant_team
        Team index of each variant; ``n_teams`` teams.
    """

    unit: np.ndarray
    start: np.ndarray
    var: np.ndarray
    cand: np.ndarray
    variant_team: np.ndarray
    n_teams: int

    def q(self, odds: np.ndarray) -> np.ndarray:
        """(candidate × team) chance that the team's drawn variant sees the crossing."""
        team = self.variant_team[self.var]
        n = len(self.unit)
        flat = np.bincount(
            self.cand * self.n_teams + team,
            weights=np.asarray(odds, dtype=float)[self.var],
            minlength=n * self.n_teams,
        )
        return np.clip(flat.reshape(n, self.n_teams), 0.0, 1.0)

    def detection(self, odds: np.ndarray) -> np.ndarray:
        """Per candidate: ``1 - Π_k (1 - q_k)`` (teams draw independently)."""
        return np.asarray(1.0 - np.prod(1.0 - self.q(odds), axis=1))


def situations(
    passes: VariantPasses,
    tau: np.ndarray | float,
    window: float,
    n_units: int,
    *,
    checkpoint: np.ndarray | None = None,
) -> Situations:
    """The candidates and the (variant, candidate) pairs of :class:`Situations`.

    Units a checkpoint watches are left out (they are seen anyway).
    """
    tau_u = _check_tau(tau, n_units, window)
    cp = np.zeros(n_units, bool) if checkpoint is None else np.asarray(checkpoint, bool)
    sel = ~cp[passes.unit]
    p_var, p_u, p_t = passes.var[sel], passes.unit[sel], passes.t[sel]
    cu, ct = _candidates(p_u, p_t, tau_u, window, np.unique(p_u))
    pv = pc = np.zeros(0, dtype=np.int64)
    if len(cu):
        pv, pc = _seen_pairs(p_var, p_u, p_t, tau_u, cu, ct, window)
    return Situations(
        unit=cu,
        start=ct,
        var=pv,
        cand=pc,
        variant_team=np.asarray(passes.variant_team, dtype=np.int64),
        n_teams=len(passes.teams),
    )


def informed(
    passes: VariantPasses,
    odds: np.ndarray,
    tau: np.ndarray | float,
    window: float,
    n_units: int,
    *,
    checkpoint: np.ndarray | None = None,
    among: np.ndarray | None = None,
    table: Situations | None = None,
) -> Informed:
    """The informed intruder's detection per unit under ``odds`` (exact minimum over start times).

    Parameters
    ----------
    passes
        The variants' pass tables.
    odds
        One probability per variant (each team's sum to 1).
    tau, window, n_units
        As for :func:`uninformed`.
    checkpoint
        Units a staffed checkpoint watches (seen with probability 1).
    among
        Units the best response is chosen among (default all; e.g. the
        watchable border, leaving out units no road or checkpoint sees).
    table
        :func:`situations` of the same arguments, if already built.

    Returns
    -------
    Informed
    """
    cp = np.zeros(n_units, bool) if checkpoint is None else np.asarray(checkpoint, bool)
    if table is None:
        table = situations(passes, tau, window, n_units, checkpoint=cp)
    cu, ct = table.unit, table.start
    p_unit = np.zeros(n_units)
    start = np.full(n_units, np.nan)
    if len(cu):
        det = table.detection(odds)
        order = np.lexsort((ct, det, cu))
        firsts = np.ones(len(cu), dtype=bool)
        firsts[1:] = cu[order][1:] != cu[order][:-1]
        best = order[firsts]
        p_unit[cu[best]] = det[best]
        start[cu[best]] = ct[best]
    p_unit[cp] = 1.0
    start[cp] = np.nan
    never = np.ones(n_units, dtype=bool)
    never[np.unique(passes.unit)] = False
    start[never & ~cp] = 0.0
    pick = p_unit if among is None else np.where(np.asarray(among, bool), p_unit, np.inf)
    i = int(np.argmin(pick)) if n_units else 0
    return Informed(
        p_unit=p_unit,
        start_min=start,
        border_min=float(min(pick.min(), 1.0)) if n_units else 1.0,
        unit=i,
        start=float(start[i]) if n_units else 0.0,
    )


def seen_matrix(
    passes: VariantPasses, k: int, tau: np.ndarray, window: float, units: np.ndarray
) -> np.ndarray:
    """Boolean (candidate × variant of team ``k``) table of who sees a crossing, over ``units``.

    The candidates are team ``k``'s own breakpoint midpoints on ``units``, so
    the table holds every distinct situation of a crossing against that team.
    Duplicate rows are dropped.
    """
    vs = passes.of_team(k)
    sel = np.isin(passes.var, vs) & np.isin(passes.unit, units)
    var, unit, t = passes.var[sel], passes.unit[sel], passes.t[sel]
    local = np.full(len(passes.variants), -1)
    local[vs] = np.arange(len(vs))
    cu, ct = _candidates(unit, t, tau, window, np.asarray(units, dtype=np.int64))
    table = np.zeros((len(cu), len(vs)), dtype=bool)
    if len(cu) and len(var):
        pv, pc = _seen_pairs(local[var], unit, t, tau, cu, ct, window)
        table[pc, pv] = True
    return np.unique(table, axis=0) if len(table) else table


# ---------------------------------------------------------------------------- outputs
def detection_columns() -> tuple[str, ...]:
    """The per-unit columns added to ``units.gpkg``: crossing time and the three probabilities."""
    return ("crossing_min", "p_uninformed", "p_informed", "p_watching", "watch_gap_min")


def stretch_minimum(units: pd.DataFrame, column: str) -> dict[str, float | str] | None:
    """The lowest value of ``column`` and the run of consecutive units holding it (km, township)."""
    if column not in units.columns or not len(units):
        return None
    v = units[column].to_numpy(dtype=float)
    low = float(np.nanmin(v))
    at = np.flatnonzero(np.isclose(v, low, atol=5e-4))
    # the longest run of consecutive units at the minimum (first on ties)
    brk = np.flatnonzero(np.diff(at) != 1)
    starts = np.r_[0, brk + 1]
    ends = np.r_[brk, len(at) - 1]
    j = int(np.argmax(ends - starts))
    a, b = int(at[starts[j]]), int(at[ends[j]])
    return {
        "p": round(low, 3),
        "start_km": round(float(units["start_m"].iloc[a]) / 1000, 2),
        "end_km": round(float(units["end_m"].iloc[b]) / 1000, 2),
        "township": str(units["township"].iloc[a]) if "township" in units.columns else "",
    }


#: Gap columns added by :func:`with_detection`: the lowest probability over the gap's units.
GAP_COLUMNS = ("p_uninformed_min", "p_informed_min", "p_watching_min")


def with_detection(
    report: CoverageReport, table: pd.DataFrame, summary: dict[str, Any] | None = None
) -> CoverageReport:
    """``report`` with the detection columns of ``table`` on its units and gaps.

    Parameters
    ----------
    report
        A coverage report of the same network.
    table
        One row per unit with the columns of :func:`detection_columns`.
    summary
        Figures to add to the report's summary under ``detection``.

    Returns
    -------
    CoverageReport
        Units gain ``crossing_min``, ``p_uninformed``, ``p_informed``,
        ``p_watching``, ``watch_gap_min``; gaps gain :data:`GAP_COLUMNS`
        (the minimum over the units of the gap).
    """
    from borderwatch.coverage.gaps import CoverageReport

    units = report.units.copy()
    if len(table) != len(units):
        raise CoverageError(
            f"detection table must have one row per unit ({len(units)})",
            field="table",
            value=len(table),
        )
    for col in detection_columns():
        if col in table.columns:  # a driven night has no variants: no p_informed
            units[col] = table[col].to_numpy()
    gaps = report.gaps.copy()
    part = units["part"].to_numpy()
    s_km = units["start_m"].to_numpy(dtype=float) / 1000
    e_km = units["end_m"].to_numpy(dtype=float) / 1000
    for col, src in zip(GAP_COLUMNS, ("p_uninformed", "p_informed", "p_watching"), strict=True):
        if src not in units.columns:
            continue
        vals = units[src].to_numpy(dtype=float)
        out = []
        for g_part, a, b in zip(
            gaps["part"].to_numpy(),
            gaps["start_km"].to_numpy(),
            gaps["end_km"].to_numpy(),
            strict=True,
        ):
            inside = (part == g_part) & (s_km >= a - 1e-6) & (e_km <= b + 1e-6)
            out.append(float(vals[inside].min()) if inside.any() else np.nan)
        # before the geometry column, whose place the writers do not care about
        gaps[col] = np.asarray(out, dtype=float)
    new_summary = dict(report.summary)
    if summary is not None:
        new_summary["detection"] = summary
    return CoverageReport(units=units, gaps=gaps, grids=report.grids, summary=new_summary)


def night_detection(
    network: PatrolNetwork,
    timeline: PatrolTimeline,
    *,
    crossing_min: float | None = None,
    stretches: str | Path | Sequence[tuple[float, float, float]] | None = None,
) -> pd.DataFrame:
    """The uninformed and watching figures of one night (a plan's timeline or a driven night's GPX).

    Parameters
    ----------
    network
        The patrol network.
    timeline
        The night: :meth:`PatrolTimeline.from_walks` or
        :func:`~borderwatch.coverage.gpx.timeline_from_gpx`.
    crossing_min, stretches
        As for :func:`crossing_minutes`.

    Returns
    -------
    pandas.DataFrame
        One row per unit (index of ``network.units``): ``crossing_min``,
        ``p_uninformed``, ``p_watching``, ``watch_gap_min`` (1 and 0 where a
        checkpoint watches). A driven night has no variants and odds, so no
        informed figure.
    """
    from borderwatch.coverage.revisit import pass_times
    from borderwatch.coverage.static import checkpoint_watch

    n = len(network.units)
    window = timeline.window_min
    tau = crossing_minutes(network, crossing_min=crossing_min, stretches=stretches)
    cp = checkpoint_watch(network)["watched"].to_numpy(dtype=bool)
    passes = pass_times(network, timeline)
    pu, pt = passes["unit"].to_numpy(), passes["t"].to_numpy()
    w = watching(pu, pt, tau, window, n)
    return pd.DataFrame(
        {
            "crossing_min": tau,
            "p_uninformed": np.where(cp, 1.0, uninformed(pu, pt, tau, window, n)),
            "p_watching": np.where(cp, 1.0, w["p_watching"].to_numpy()),
            "watch_gap_min": np.where(cp, 0.0, w["watch_gap_min"].to_numpy()),
        },
        index=network.units.index,
    )


# ---------------------------------------------------------------------------- in-night draws
@dataclass(frozen=True)
class DrawTable:
    """One team's loop driven in a direction drawn at every loop start (a sealed list).

    Each loop of ``loop_min`` minutes starts where the last one ended (the
    loop's start point) and is driven forward or, with probability
    ``p_reverse`` drawn afresh at each loop start, in reverse. The watching
    intruder sees a pass and the patrol's heading, and has watched the loops
    before (he knows the direction of the loop under way and of the one before,
    and which pass of the loop he saw), not the next card. The next pass then
    depends only on the next card: each *situation* (unit, previous direction,
    direction under way, which pass) has a chance ``(1 - p) seen_f + p seen_r``
    of the next pass within τ. The previous loop matters because passes follow
    the pass convention (:mod:`borderwatch.coverage.revisit`): a patrol that
    turns round at the start point in view of a unit passes it once, not
    twice, so the passes of a loop depend on its neighbours. A pass that exists
    only under one next card (a spell in view across a turn at the loop start)
    tells the watcher that card: its row has ``only_next`` set.

    Attributes
    ----------
    unit, prev, direction, only_next
        One row per situation: unit index, the previous loop's and this loop's
        direction (0 forward, 1 reverse), and the next card the situation
        needs (-1: either).
    seen
        Boolean (situation × next direction): the next pass comes within τ.
    gap_unit, gap_prev, gap_from, gap_to, gap
        Every gap after a pass of a loop a night can hold: unit, directions of
        the loop before, of the loop of the pass and of the next loop; minutes.
    loop_min
        The loop duration ``D``.
    n_units
        Number of units.
    """

    unit: np.ndarray
    prev: np.ndarray
    direction: np.ndarray
    only_next: np.ndarray
    seen: np.ndarray
    gap_unit: np.ndarray
    gap_prev: np.ndarray
    gap_from: np.ndarray
    gap_to: np.ndarray
    gap: np.ndarray
    loop_min: float
    n_units: int

    @staticmethod
    def _support(p_reverse: float) -> np.ndarray:
        return np.array([p_reverse < 1.0 - _TOL, p_reverse > _TOL])

    def possible(self, p_reverse: float) -> np.ndarray:
        """Per situation: the draws can give it."""
        sup = self._support(p_reverse)
        nxt = np.where(self.only_next < 0, True, sup[np.maximum(self.only_next, 0)])
        return np.asarray(sup[self.prev] & sup[self.direction] & nxt)

    def situation_p(self, p_reverse: float) -> np.ndarray:
        """Per situation: the chance (over the next card) that the next pass comes within τ."""
        w = np.array([1.0 - p_reverse, p_reverse])
        return np.asarray(self.seen @ w, dtype=float)

    def watching(self, p_reverse: float) -> np.ndarray:
        """Per unit: the watcher's figure, the worst over the situations the draws can give.

        0 where the team does not pass the unit.
        """
        ok = self.possible(p_reverse)
        out = np.full(self.n_units, np.inf)
        np.minimum.at(out, self.unit[ok], self.situation_p(p_reverse)[ok])
        return np.where(np.isfinite(out), out, 0.0)

    def share(self, p_reverse: float) -> np.ndarray:
        """Per unit: the chance for a watcher who cannot tell which situation he saw.

        He sees one pass (any pass of the night, heading and history unknown)
        and starts: the situations weighted by how often the draws give them,
        ``P(prev) P(direction)`` (times the needed card's chance where a pass
        exists under one next card only). 0 where the team does not pass the unit.
        """
        w = np.array([1.0 - p_reverse, p_reverse])
        pi = w[self.prev] * w[self.direction]
        pi = pi * np.where(self.only_next < 0, 1.0, w[np.maximum(self.only_next, 0)])
        num = np.bincount(
            self.unit, weights=pi * self.situation_p(p_reverse), minlength=self.n_units
        )
        den = np.bincount(self.unit, weights=pi, minlength=self.n_units)
        return np.where(den > 0, num / np.maximum(den, _TOL), 0.0)

    def worst_revisit(self, p_reverse: float) -> np.ndarray:
        """Per unit: the longest gap between passes any drawn sequence of loops can give.

        0 where the team does not pass the unit; the night's first and last
        gaps are not counted (they depend on the window, not the draws).
        """
        sup = self._support(p_reverse)
        ok = sup[self.gap_prev] & sup[self.gap_from] & sup[self.gap_to]
        out = np.zeros(self.n_units)
        np.maximum.at(out, self.gap_unit[ok], self.gap[ok])
        return out


def draw_table(
    triples: Mapping[tuple[int, int, int], tuple[np.ndarray, np.ndarray]],
    loop_min: float,
    tau: np.ndarray | float,
    n_units: int,
) -> DrawTable:
    """The :class:`DrawTable` from the passes of three loops driven in a row.

    Parameters
    ----------
    triples
        For each of the 8 direction triples ``(a, b, c)`` (0 forward, 1
        reverse): the passes (unit, minutes from the first loop's start) of
        loops ``a``, ``b``, ``c`` driven one after the other. The situations are
        the passes of the middle loop, ``[D, 2D)``.
    loop_min
        Loop duration ``D`` (every direction takes it).
    tau
        Crossing time per unit (or one for all).
    n_units
        Number of units.
    """
    d = float(loop_min)
    if not (math.isfinite(d) and d > 0):
        raise CoverageError("loop duration must be positive", field="loop_min", value=d)
    tau_u = np.broadcast_to(np.asarray(tau, dtype=float), (n_units,))
    # (unit, a, b) -> {offset: [seen under c=0 or None, under c=1 or None]}
    rows: dict[tuple[int, int, int], dict[float, list[bool | None]]] = {}
    g_rows: list[tuple[int, int, int, int, float]] = []
    for (a, b, c), (uu, tt) in sorted(triples.items()):
        pu, pt = _sorted_passes(np.asarray(uu), np.asarray(tt, dtype=float))
        cut = np.flatnonzero(np.r_[True, pu[1:] != pu[:-1]]) if len(pu) else np.zeros(0, int)
        for lo, hi in zip(cut, np.r_[cut[1:], len(pu)], strict=True):
            u = int(pu[lo])
            t = np.unique(np.round(pt[lo:hi], 6))
            for i in np.flatnonzero((t >= d - 1e-6) & (t < 2 * d - 1e-6)).tolist():
                gap = float(t[i + 1] - t[i]) if i + 1 < len(t) else math.inf
                slot = rows.setdefault((u, a, b), {}).setdefault(
                    round(float(t[i]) - d, 3), [None, None]
                )
                slot[c] = gap <= float(tau_u[u]) + _TOL
                g_rows.append((u, a, b, c, gap))
    r_unit, r_prev, r_dir, r_only, r_seen = [], [], [], [], []
    for (u, a, b), offs in sorted(rows.items()):
        for _off, (s0, s1) in sorted(offs.items()):
            r_unit.append(u)
            r_prev.append(a)
            r_dir.append(b)
            if s0 is not None and s1 is not None:
                r_only.append(-1)
                r_seen.append((s0, s1))
            else:  # the pass exists under one next card only: seeing it tells the card
                only = 0 if s0 is not None else 1
                x = bool(s0 if s0 is not None else s1)
                r_only.append(only)
                r_seen.append((x, x))
    g = np.asarray(g_rows, dtype=float).reshape(-1, 5)
    return DrawTable(
        unit=np.asarray(r_unit, dtype=np.int64),
        prev=np.asarray(r_prev, dtype=np.int64),
        direction=np.asarray(r_dir, dtype=np.int64),
        only_next=np.asarray(r_only, dtype=np.int64),
        seen=np.asarray(r_seen, dtype=bool).reshape(-1, 2),
        gap_unit=g[:, 0].astype(np.int64),
        gap_prev=g[:, 1].astype(np.int64),
        gap_from=g[:, 2].astype(np.int64),
        gap_to=g[:, 3].astype(np.int64),
        gap=g[:, 4],
        loop_min=d,
        n_units=n_units,
    )


def loop_draws(
    fwd_unit: np.ndarray,
    fwd_t: np.ndarray,
    rev_unit: np.ndarray,
    rev_t: np.ndarray,
    loop_min: float,
    tau: np.ndarray | float,
    n_units: int,
) -> DrawTable:
    """The :class:`DrawTable` of a loop whose passes do not depend on the loops around it.

    The passes of one loop in each direction are laid end to end for every
    direction triple (a pass at ``D`` is the next loop's pass at 0), then
    :func:`draw_table`. Plans use :func:`borderwatch.plan.draws.team_draw_table`,
    which times the three loops as driven (a turn in view is one pass).

    Parameters
    ----------
    fwd_unit, fwd_t
        The passes of one forward loop: unit index, minutes from the loop start.
    rev_unit, rev_t
        The same for one reverse loop.
    loop_min, tau, n_units
        As for :func:`draw_table`.

    Examples
    --------
    A ring of 60 min; a unit 5 min from the start (reverse: 55 min). After a
    reverse pass the next comes after 10 min if the next card says forward;
    after a forward pass never within 15 min, so the watcher's figure is 0:

    >>> tab = loop_draws([0], [5.0], [0], [55.0], 60.0, 15.0, 1)
    >>> sorted({float(x) for x in tab.situation_p(0.5)}), float(tab.watching(0.5)[0])
    ([0.0, 0.5], 0.0)
    >>> float(tab.worst_revisit(0.5)[0]), float(tab.worst_revisit(0.0)[0])
    (110.0, 60.0)
    """
    d = float(loop_min)
    if not (math.isfinite(d) and d > 0):
        raise CoverageError("loop duration must be positive", field="loop_min", value=d)
    one = []
    for uu, tt in ((fwd_unit, fwd_t), (rev_unit, rev_t)):
        pu = np.asarray(uu, dtype=np.int64)
        pt = np.mod(np.asarray(tt, dtype=float), d)
        one.append((pu, np.where(np.isclose(pt, d), 0.0, pt)))
    triples = {}
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                seq = (a, b, c)
                triples[seq] = (
                    np.concatenate([one[x][0] for x in seq]),
                    np.concatenate([one[x][1] + j * d for j, x in enumerate(seq)]),
                )
    return draw_table(triples, d, tau, n_units)
