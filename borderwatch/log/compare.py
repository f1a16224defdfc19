"""Planned against driven: a night's figures per team, per border unit and per stretch.

The planned night is the plan folder's own ``gpx/<team>.gpx`` replayed through
:func:`~borderwatch.coverage.gpx.timeline_from_gpx`, the driven night the
recorded tracks replayed through the same function: both sides count passes the
same way (a track point within ``patrol_view_m`` of a unit). The achieved
headline figures are the :func:`~borderwatch.coverage.coverage_report` summary
with criterion ``revisit`` of the driven tracks: exactly what
``borderwatch gaps --criterion revisit --gpx DIR`` writes to ``summary.json``.

Per team (times in minutes from the window start):

* ``loops_driven`` = planned loops x the median, over the units the team's plan
  passes, of (driven passes by the team / planned passes by the team);
* ``late_min``: first driven fix minus first planned fix (a late start when above
  :data:`LATE_MIN`); an early end likewise from the last fixes;
* a unit is *skipped* by a team when, between the team's first planned pass of
  it and its last, the team left it unpassed for more than 1.5 x its planned
  interval + 5 min; consecutive skipped units form a stretch (km range and time
  range); when 80 % of the team's units are skipped in the same span, it is one
  ``skipped loop``;
* ``gps_offset_m``: median distance of the driven fixes from the planned track;
  ``off_route_km``: driven km farther than :data:`OFF_ROUTE_M` from it (detours).

Per unit: planned and driven passes and worst revisit, watched (revisit target),
and the uninformed intruder's detection probability when
:mod:`borderwatch.coverage.detection` is installed (else ``None``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from borderwatch.log.inputs import DrivenTrack, PlanFolder

if TYPE_CHECKING:
    from borderwatch.coverage import PatrolTimeline
    from borderwatch.data.network import PatrolNetwork

__all__ = ["LATE_MIN", "OFF_ROUTE_M", "NightFigures", "compare_night", "headline"]

logger = logging.getLogger(__name__)

LATE_MIN = 10.0
"""A team starting (or ending) more than this many minutes off its plan is late (early)."""
OFF_ROUTE_M = 250.0
"""Driven track farther than this from the planned track counts as off route."""
_SKIP_FACTOR = 1.5
_SKIP_SLACK_MIN = 5.0
_LOOP_SHARE = 0.8
_NEAR_UNITS = 4
_NEAR_MIN = 60.0


@dataclass
class NightFigures:
    """Everything the log stores as a night's figures."""

    achieved: dict[str, Any]
    planned: dict[str, Any]
    teams: pd.DataFrame
    units: pd.DataFrame
    stretches: pd.DataFrame
    passes: pd.DataFrame
    """Driven passes: ``unit``, ``team``, ``t`` (for incidents and reports)."""


def headline(report_summary: dict[str, Any], source: str | None) -> dict[str, Any]:
    """A coverage summary as ``summary.json`` holds it (JSON types, the scenario by name)."""
    from borderwatch.coverage.report import _jsonable

    out = dict(report_summary)
    if "source" in out:
        out["source"] = source
    try:  # summary.json's schema version (borderwatch.describe), as write_coverage adds it
        from borderwatch.describe import SCHEMA_VERSION

        out["schema_version"] = SCHEMA_VERSION
    except ImportError:
        pass
    return _jsonable(out)  # type: ignore[no-any-return]


def _longest_gap(
    unit: np.ndarray, t: np.ndarray, n_units: int, window: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: start and end (minutes) of its longest time unpassed in ``[0, window]``."""
    start = np.zeros(n_units)
    end = np.full(n_units, window)
    order = np.lexsort((t, unit))
    u, tt = unit[order], t[order]
    for k in np.unique(u):
        s = np.concatenate(([0.0], tt[u == k], [window]))
        i = int(np.argmax(np.diff(s)))
        start[k], end[k] = s[i], s[i + 1]
    return start, end


def _project(network: PatrolNetwork) -> Transformer:
    return Transformer.from_crs(4326, network.crs, always_xy=True)


def _line_m(geom: shapely.Geometry | None, tf: Transformer) -> shapely.Geometry | None:
    if geom is None:
        return None
    return shapely.transform(geom, lambda xy: np.column_stack(tf.transform(xy[:, 0], xy[:, 1])))


def _track_km(geom_m: shapely.Geometry | None) -> float:
    return 0.0 if geom_m is None else float(shapely.length(geom_m)) / 1000.0


def _offsets(
    driven: DrivenTrack, planned_m: shapely.Geometry | None, tf: Transformer
) -> tuple[float | None, float]:
    """Median distance of the driven fixes from the planned track, and km driven off route."""
    if planned_m is None or len(driven.lonlat) == 0:
        return None, 0.0
    x, y = tf.transform(driven.lonlat[:, 0], driven.lonlat[:, 1])
    pts = shapely.points(np.column_stack([x, y]))
    d = shapely.distance(pts, planned_m)
    far = d > OFF_ROUTE_M
    seg = np.hypot(np.diff(x), np.diff(y))
    off = float(seg[far[:-1] & far[1:]].sum()) / 1000.0 if len(seg) else 0.0
    return float(np.median(d)), off


def _unit_runs(units: pd.DataFrame, idx: np.ndarray) -> list[np.ndarray]:
    """Runs of consecutive unit indices on one border part."""
    if len(idx) == 0:
        return []
    idx = np.sort(idx)
    part = units["part"].to_numpy()[idx]
    cut = np.flatnonzero((np.diff(idx) != 1) | (np.diff(part) != 0)) + 1
    return np.split(idx, cut)


def _township(units: pd.DataFrame, idx: np.ndarray) -> str:
    if "township" not in units.columns or len(idx) == 0:
        return ""
    vals = units["township"].iloc[idx].dropna().astype(str)
    return str(vals.mode().iloc[0]) if len(vals) else ""


def _team_skips(
    p_unit: np.ndarray,
    p_t: np.ndarray,
    d_unit: np.ndarray,
    d_t: np.ndarray,
    lo_fix: float,
    hi_fix: float,
    loop_min: float,
) -> dict[int, tuple[float, float]]:
    """Units a team skipped: unit -> (from, to) of its longest unpassed span."""
    out: dict[int, tuple[float, float]] = {}
    for u in np.unique(p_unit):
        planned = np.sort(p_t[p_unit == u])
        lo, hi = max(planned[0], lo_fix), min(planned[-1], hi_fix)
        if hi <= lo:
            continue
        ref = float(np.diff(planned).max()) if len(planned) > 1 else max(loop_min, 1.0)
        driven = np.sort(d_t[(d_unit == u) & (d_t > lo) & (d_t < hi)])
        s = np.concatenate(([lo], driven, [hi]))
        gaps = np.diff(s)
        i = int(np.argmax(gaps))
        if gaps[i] > _SKIP_FACTOR * ref + _SKIP_SLACK_MIN:
            out[int(u)] = (float(s[i]), float(s[i + 1]))
    return out


def compare_night(
    network: PatrolNetwork,
    plan: PlanFolder,
    planned_tl: PatrolTimeline,
    driven_tl: PatrolTimeline,
    tracks: dict[str, DrivenTrack],
    planned_tracks: dict[str, DrivenTrack],
    *,
    window_start: datetime,
    planned_window_start: datetime,
    source: str | None,
) -> NightFigures:
    """The night's figures from the planned and the driven timelines.

    Parameters
    ----------
    network
        The scenario's patrol network.
    plan
        The plan folder.
    planned_tl, driven_tl
        The plan's GPX and the driven GPX as timelines (same function, same network).
    tracks, planned_tracks
        The driven and the planned GPX files per team.
    window_start, planned_window_start
        Start of the recorded night's window and of the plan's own night.
    source
        The scenario as ``summary.json`` records it.

    Returns
    -------
    NightFigures
    """
    from borderwatch.coverage import coverage_report
    from borderwatch.coverage.revisit import pass_times

    window = float(driven_tl.window_min)
    achieved_rep = coverage_report(network, criterion=("revisit",), timeline=driven_tl)
    planned_rep = coverage_report(network, criterion=("revisit",), timeline=planned_tl)
    achieved = headline(achieved_rep.summary, source)
    planned = headline(planned_rep.summary, source)
    dp = pass_times(network, driven_tl)[["unit", "team", "t"]].reset_index(drop=True)
    pp = pass_times(network, planned_tl)[["unit", "team", "t"]].reset_index(drop=True)
    driven, planned_p = _Passes.of(dp), _Passes.of(pp)
    unit_rows = _unit_rows(
        network, achieved_rep.units, planned_rep.units, driven, planned_p, window
    )
    tf = _project(network)
    team_rows = []
    stretch_rows: list[dict[str, Any]] = []
    for pt in plan.teams:
        clock = _TeamClock.of(
            planned_tracks.get(pt.team), tracks.get(pt.team), planned_window_start, window_start
        )
        row, facts = _team_row(network, pt, planned_p, driven, clock, tf)
        team_rows.append(row)
        if pt.status == "patrol":
            stretch_rows.extend(
                _team_stretches(network.units, pt, planned_p, driven, clock, facts, window)
            )
    target = float(achieved["targets"]["max_revisit_min"])
    stretch_rows.extend(
        _unwatched(
            network.units, achieved_rep.gaps, unit_rows, planned_rep.units, driven, target, window
        )
    )
    stretches = pd.DataFrame(
        stretch_rows,
        columns=["kind", "team", "start_km", "end_km", "from_min", "to_min", "township", "detail"],
    )
    return NightFigures(
        achieved=achieved,
        planned=planned,
        teams=pd.DataFrame(team_rows),
        units=unit_rows,
        stretches=stretches,
        passes=dp,
    )


@dataclass(frozen=True)
class _Passes:
    """Passes of a night as arrays: unit, team and minute of each."""

    unit: np.ndarray
    team: np.ndarray
    t: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame) -> _Passes:
        return cls(table["unit"].to_numpy(int), table["team"].to_numpy(str), table["t"].to_numpy())

    def mine(self, team: str) -> np.ndarray:
        return np.asarray(self.team == team)


@dataclass(frozen=True)
class _TeamClock:
    """A team's planned and driven tracks with their first and last fixes (minutes into each night)."""

    ptrack: DrivenTrack | None
    dtrack: DrivenTrack | None
    p_first: float | None
    p_last: float | None
    d_first: float | None
    d_last: float | None

    @classmethod
    def of(
        cls,
        ptrack: DrivenTrack | None,
        dtrack: DrivenTrack | None,
        planned_start: datetime,
        driven_start: datetime,
    ) -> _TeamClock:
        return cls(
            ptrack,
            dtrack,
            _minutes(ptrack.first_fix, planned_start) if ptrack else None,
            _minutes(ptrack.last_fix, planned_start) if ptrack else None,
            _minutes(dtrack.first_fix, driven_start) if dtrack else None,
            _minutes(dtrack.last_fix, driven_start) if dtrack else None,
        )

    @property
    def late(self) -> float:
        """Minutes the driven track started after the planned one (0 when either is missing)."""
        if self.d_first is None or self.p_first is None:
            return 0.0
        return max(0.0, self.d_first - self.p_first)


def _unit_rows(
    network: PatrolNetwork,
    u_ach: pd.DataFrame,
    u_pl: pd.DataFrame,
    driven: _Passes,
    planned: _Passes,
    window: float,
) -> pd.DataFrame:
    """Per unit: passes planned and driven, worst revisit planned and achieved, detection."""
    n = len(network.units)
    return pd.DataFrame(
        {
            "unit": np.arange(n),
            "planned_passes": np.bincount(planned.unit, minlength=n)[:n],
            "passes": np.bincount(driven.unit, minlength=n)[:n],
            "planned_worst_revisit_min": u_pl["worst_revisit_min"].to_numpy(float),
            "worst_revisit_min": u_ach["worst_revisit_min"].to_numpy(float),
            "watched": u_ach["watched"].to_numpy(bool),
            "detection": _detection(network, driven.unit, driven.t, window),
        }
    )


def _team_row(
    network: PatrolNetwork,
    pt: Any,
    planned: _Passes,
    driven: _Passes,
    clock: _TeamClock,
    tf: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A team's compliance row, and the facts its stretches need (units, loops, offsets)."""
    n = len(network.units)
    mine_p, mine_d = planned.mine(pt.team), driven.mine(pt.team)
    planned_units = np.unique(planned.unit[mine_p])
    ptrack, dtrack = clock.ptrack, clock.dtrack
    planned_m = _line_m(ptrack.geom, tf) if ptrack else None
    pc = np.bincount(planned.unit[mine_p], minlength=n)[planned_units]
    dc = np.bincount(driven.unit[mine_d], minlength=n)[planned_units]
    ratio = float(np.median(dc / pc)) if len(pc) else 0.0
    loops_driven = round(pt.loops * ratio, 1) if dtrack else 0.0
    offset, off_km = _offsets(dtrack, planned_m, tf) if dtrack else (None, 0.0)
    on_duty = pt.status == "patrol"
    row = {
        "team": pt.team,
        "status": "standby" if not on_duty else ("drove" if dtrack else "no track"),
        "loops_planned": pt.loops,
        "loops_driven": loops_driven,
        "planned_start_min": clock.p_first,
        "driven_start_min": clock.d_first,
        "late_min": round(clock.late, 2),
        "planned_km": round(_track_km(planned_m), 3),
        "driven_km": round(_track_km(_line_m(dtrack.geom, tf)) if dtrack else 0.0, 3),
        "units_planned": len(planned_units),
        "units_passed": int((dc > 0).sum()),
        "passes_planned": int(pc.sum()),
        "passes_driven": int(dc.sum()),
        "compliance_pct": round(100.0 * float(np.minimum(dc, pc).sum()) / pc.sum(), 2)
        if pc.sum()
        else (100.0 if not on_duty else 0.0),
        "gps_offset_m": None if offset is None else round(offset, 1),
        "off_route_km": round(off_km, 3),
    }
    facts = {
        "planned_units": planned_units,
        "loops_driven": loops_driven,
        "offset": offset,
        "off_km": off_km,
    }
    return row, facts


def _team_stretches(
    units: pd.DataFrame,
    pt: Any,
    planned: _Passes,
    driven: _Passes,
    clock: _TeamClock,
    facts: dict[str, Any],
    window: float,
) -> list[dict[str, Any]]:
    """A team on duty's deviations: no track, late start, early end, skipped loops, off route, noise."""
    team, planned_units = pt.team, facts["planned_units"]
    span = _span_km(units, planned_units)
    if clock.dtrack is None:
        return [
            _stretch("no track", team, span, 0.0, window, units, planned_units, "did not drive")
        ]
    out = []
    p_first, p_last, d_first, d_last = clock.p_first, clock.p_last, clock.d_first, clock.d_last
    late = clock.late
    if late > LATE_MIN and p_first is not None and d_first is not None:
        out.append(
            _stretch(
                "late start",
                team,
                span,
                p_first,
                d_first,
                units,
                planned_units,
                f"started {late:.0f} min late",
            )
        )
    if p_last is not None and d_last is not None and p_last - d_last > LATE_MIN:
        out.append(
            _stretch(
                "early end",
                team,
                span,
                d_last,
                p_last,
                units,
                planned_units,
                f"ended {p_last - d_last:.0f} min early",
            )
        )
    mine_p, mine_d = planned.mine(team), driven.mine(team)
    skips = _team_skips(
        planned.unit[mine_p],
        planned.t[mine_p],
        driven.unit[mine_d],
        driven.t[mine_d],
        d_first if d_first is not None else 0.0,
        d_last if d_last is not None else window,
        pt.loop_min,
    )
    out.extend(_skip_stretches(team, skips, planned_units, units, facts["loops_driven"], pt))
    off_km, offset = facts["off_km"], facts["offset"]
    if off_km > 1.0:
        out.append(
            _stretch(
                "off route",
                team,
                span,
                None,
                None,
                units,
                planned_units,
                f"{off_km:.1f} km driven more than {OFF_ROUTE_M:.0f} m off the planned route",
            )
        )
    if offset is not None and offset > 25.0:
        out.append(
            _stretch(
                "gps noise",
                team,
                span,
                None,
                None,
                units,
                planned_units,
                f"track {offset:.0f} m off the planned route (median)",
            )
        )
    return out


def _unwatched(
    units: pd.DataFrame,
    gaps: pd.DataFrame,
    unit_rows: pd.DataFrame,
    u_pl: pd.DataFrame,
    driven: _Passes,
    target: float,
    window: float,
) -> list[dict[str, Any]]:
    """The stretches unwatched longer than the target, with the longest wait and the plan's view."""
    g_from, g_to = _longest_gap(driven.unit, driven.t, len(units), window)
    p_bad = ~u_pl["watched"].to_numpy(bool)
    out = []
    for _gid, gap in gaps.iterrows():
        idx = np.flatnonzero(
            (units["part"].to_numpy() == gap["part"])
            & (units["start_m"].to_numpy() >= gap["start_km"] * 1000 - 1)
            & (units["end_m"].to_numpy() <= gap["end_km"] * 1000 + 1)
        )
        if len(idx) == 0:
            continue
        worst = idx[int(np.argmax(unit_rows["worst_revisit_min"].to_numpy()[idx]))]
        also = "also in the plan" if p_bad[idx].all() else "not in the plan"
        wr = float(gap["worst_revisit_min"])
        out.append(
            {
                "kind": "unwatched",
                "team": None,
                "start_km": round(float(gap["start_km"]), 3),
                "end_km": round(float(gap["end_km"]), 3),
                "from_min": round(float(g_from[worst]), 2),
                "to_min": round(float(g_to[worst]), 2),
                "township": _township(units, idx),
                "detail": f"unwatched {wr:.0f} min > target {target:.0f} ({also})",
            }
        )
    return out


def _minutes(moment: datetime | None, start: datetime) -> float | None:
    return None if moment is None else round((moment - start).total_seconds() / 60.0, 2)


def _span_km(units: pd.DataFrame, idx: np.ndarray) -> tuple[float | None, float | None]:
    if len(idx) == 0:
        return None, None
    return (
        round(float(units["start_m"].to_numpy()[idx].min()) / 1000, 3),
        round(float(units["end_m"].to_numpy()[idx].max()) / 1000, 3),
    )


def _stretch(
    kind: str,
    team: str,
    span: tuple[float | None, float | None],
    t0: float | None,
    t1: float | None,
    units: pd.DataFrame,
    idx: np.ndarray,
    detail: str,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "team": team,
        "start_km": span[0],
        "end_km": span[1],
        "from_min": None if t0 is None else round(float(t0), 2),
        "to_min": None if t1 is None else round(float(t1), 2),
        "township": _township(units, idx),
        "detail": detail,
    }


def _skip_stretches(
    team: str,
    skips: dict[int, tuple[float, float]],
    planned_units: np.ndarray,
    units: pd.DataFrame,
    loops_driven: float,
    pt: Any,
) -> list[dict[str, Any]]:
    if not skips:
        return []
    idx = np.array(sorted(skips))
    spans = np.array([skips[int(u)] for u in idx])
    if len(idx) >= _LOOP_SHARE * max(len(planned_units), 1):
        missing = max(pt.loops - loops_driven, 1.0)
        t0, t1 = float(np.median(spans[:, 0])), float(np.median(spans[:, 1]))
        return [
            _stretch(
                "skipped loop",
                team,
                _span_km(units, idx),
                t0,
                t1,
                units,
                idx,
                f"{missing:.0f} loop(s) of {pt.loops:.0f} not driven",
            )
        ]
    out = []
    for run in _unit_runs(units, idx):
        s = np.array([skips[int(u)] for u in run])
        out.append(
            _stretch(
                "skipped",
                team,
                _span_km(units, run),
                float(s[:, 0].min()),
                float(s[:, 1].max()),
                units,
                run,
                f"{len(run) * float(units['length_m'].iloc[run].mean()) / 1000:.2f} km not driven",
            )
        )
    return out


def _detection(
    network: PatrolNetwork, unit: np.ndarray, t: np.ndarray, window: float
) -> np.ndarray | list[None]:
    """Uninformed detection probability per unit (issue #25), or ``None`` values without it."""
    n = len(network.units)
    try:
        from borderwatch.coverage.detection import crossing_minutes, uninformed
    except ImportError:
        return [None] * n
    try:
        tau = crossing_minutes(network)
        return np.round(np.asarray(uninformed(unit, t, tau, window, n), dtype=float), 4)
    except (AttributeError, TypeError, ValueError) as err:  # an older or newer #25 API
        logger.warning("detection figures left out: %s", err)
        return [None] * n


def planned_gpx_paths(plan: PlanFolder) -> dict[str, Path]:
    """The plan's own per-team GPX of the teams on patrol."""
    on = {t.team for t in plan.teams if t.status == "patrol"}
    return {k: v for k, v in plan.gpx.items() if k in on}
