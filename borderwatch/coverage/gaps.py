"""Gaps: stretches of border that fail a coverage criterion, by township and grid.

The per-unit table (:func:`unit_coverage`) gathers every coverage measure of a
unit. A *criterion* says when a unit counts as watched:

``"checkpoint"``
    a checkpoint watches it (:func:`~borderwatch.coverage.checkpoint_watch`);
``"response"``
    some team or checkpoint crew reaches it within ``max_response_min``;
``"revisit"``
    under the night timeline its worst revisit interval is at most
    ``max_revisit_min`` (needs a timeline);
``"road"``
    a road that some team's vehicle may drive comes within ``patrol_view_m``
    (the static precondition of any patrol watch).

A combination (a sequence of names) counts a unit as watched when it meets
*any* of them: "watched by a checkpoint or revisited often enough". A gap is a
maximal run of consecutive failing units within one border part.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderwatch.config import TARGETS
from borderwatch.coverage.response import response_times
from borderwatch.coverage.revisit import revisits
from borderwatch.coverage.risk import risk_weights
from borderwatch.coverage.static import checkpoint_watch
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.data.units import unit_runs
from borderwatch.errors import CoverageError
from borderwatch.fmt import gap_ids
from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.fmt import minutes_over as fmt_min_over
from borderwatch.i18n import report_labels

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = [
    "COVERAGE_TERMS",
    "CRITERIA",
    "CoverageReport",
    "by_grid",
    "coverage_report",
    "find_gaps",
    "summarize",
    "target_check",
    "target_lines",
    "unit_coverage",
    "watched_mask",
]

logger = logging.getLogger(__name__)

#: The coverage criteria :func:`find_gaps` knows, with the column of their worst value.
CRITERIA: dict[str, str] = {
    "checkpoint": "nearest_checkpoint_m",
    "response": "response_min",
    "revisit": "worst_revisit_min",
    "road": "nearest_road_m",
}

_GRID_LEVELS = ("township", "village", "cell")


def unit_coverage(
    network: PatrolNetwork,
    *,
    timeline: PatrolTimeline | None = None,
    response: bool = True,
    risk: bool | np.ndarray = True,
    checkpoint_rule: str = "midpoint",
    static: pd.DataFrame | None = None,
    revisit_table: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Every coverage measure of every border unit in one table.

    Parameters
    ----------
    network
        The patrol network.
    timeline
        A plan's or GPS tracks' timeline; adds the revisit columns.
    response
        Compute response times (adds ``response_min``, ``responder``, ...).
    risk
        ``True``: risk weights from the scenario's incidents
        (:func:`~borderwatch.coverage.risk_weights`); ``False``: weight 1; or an
        array of one weight per unit.
    checkpoint_rule
        See :func:`~borderwatch.coverage.checkpoint_watch`.
    static
        A table this function made for the same network, ``risk``, ``checkpoint_rule``
        and ``response`` (the coverage before a plan): its columns that no timeline
        changes (:data:`STATIC_COLUMNS`) are taken, not computed again.
    revisit_table
        :func:`~borderwatch.coverage.revisits` of ``timeline``, when the caller has it
        (a plan's :attr:`~borderwatch.plan.patrols.PatrolPlan.revisits`).

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``unit``; the unit columns of ``network.units`` (``part``,
        ``start_m``, ``end_m``, ``length_m``, ``township``, ``village``,
        ``cell``, geometry); ``checkpoint_watched``, ``n_checkpoints``,
        ``checkpoints``, ``nearest_checkpoint``, ``nearest_checkpoint_m``;
        ``nearest_road_m``, ``road_in_view`` (any road within
        ``patrol_view_m``), ``drivable_in_view`` (a road some team's vehicle
        may drive); ``risk``; with ``response``: ``response_min``,
        ``responder``, ``responder_kind``; with ``timeline``: ``n_passes``,
        ``worst_revisit_min``, ``mean_revisit_min``, ``never_passed``,
        ``first_pass_min``, ``last_pass_min``, ``teams``.
    """
    units = network.units
    out = units[
        [c for c in ("part", "start_m", "end_m", "length_m", *_GRID_LEVELS) if c in units.columns]
    ].copy()
    for level in _GRID_LEVELS:
        if level not in out.columns:
            out[level] = ""
    if static is not None:
        _static_columns(out, static, response)
    else:
        _compute_static(out, network, risk, checkpoint_rule, response)
    if timeline is not None:
        rv = revisits(network, timeline) if revisit_table is None else revisit_table
        for col in rv.columns:
            out[col] = rv[col].to_numpy()
    out = gpd.GeoDataFrame(
        out, geometry=units.geometry.to_numpy(), crs=units.crs, index=units.index
    )
    out.index.name = "unit"
    return out


#: The columns of :func:`unit_coverage` no timeline changes (the checkpoints, roads in view,
#: risk and response times of the network), in their order.
STATIC_COLUMNS = (
    "checkpoint_watched",
    "n_checkpoints",
    "checkpoints",
    "nearest_checkpoint",
    "nearest_checkpoint_m",
    "nearest_road_m",
    "road_in_view",
    "drivable_in_view",
    "risk",
)
_RESPONSE_COLUMNS = ("response_min", "responder", "responder_kind")


def _static_columns(out: pd.DataFrame, static: pd.DataFrame, response: bool) -> None:
    """:func:`unit_coverage`'s network columns copied from ``static`` (the same units)."""
    if not static.index.equals(out.index):
        raise CoverageError(
            "static columns of other units", field="static", value=len(static.index)
        )
    for col in STATIC_COLUMNS + (_RESPONSE_COLUMNS if response else ()):
        out[col] = static[col].to_numpy()


def _compute_static(
    out: pd.DataFrame,
    network: PatrolNetwork,
    risk: bool | np.ndarray,
    checkpoint_rule: str,
    response: bool,
) -> None:
    """:func:`unit_coverage`'s network columns (:data:`STATIC_COLUMNS`, the response's)."""
    units = network.units
    cw = checkpoint_watch(network, rule=checkpoint_rule)
    out["checkpoint_watched"] = cw["watched"].to_numpy()
    for col in ("n_checkpoints", "checkpoints", "nearest_checkpoint", "nearest_checkpoint_m"):
        out[col] = cw[col].to_numpy()
    w = network.watch
    out["nearest_road_m"] = np.asarray(w.nearest_road_m, dtype=float)
    in_view = np.asarray(w.unit_edge.sum(axis=1)).ravel() > 0
    out["road_in_view"] = in_view
    drivable = np.zeros(len(network.edges), dtype=bool)
    for prof in sorted(set(network.teams["vehicle"].astype(str))):
        drivable |= np.isfinite(network.edge_seconds(prof))
    ue = w.unit_edge.tocsr()
    out["drivable_in_view"] = (
        (ue @ drivable.astype(np.int64)) > 0 if ue.nnz else np.zeros(len(units), bool)
    )
    if isinstance(risk, np.ndarray):
        if risk.shape != (len(units),):
            raise CoverageError(
                f"risk must hold one weight per unit ({len(units)})", field="risk", value=risk.shape
            )
        out["risk"] = risk.astype(float)
    else:
        out["risk"] = risk_weights(network) if risk else np.ones(len(units))
    if response:
        rt = response_times(network)
        for col in _RESPONSE_COLUMNS:
            out[col] = rt[col].to_numpy()


def _criteria(criterion: str | Sequence[str]) -> tuple[str, ...]:
    names = (criterion,) if isinstance(criterion, str) else tuple(criterion)
    if not names:
        raise CoverageError(
            f"no criterion given; known: {', '.join(CRITERIA)}", field="criterion", value=names
        )
    for name in names:
        if name not in CRITERIA:
            raise CoverageError(
                f"unknown criterion; known: {', '.join(CRITERIA)}", field="criterion", value=name
            )
    return tuple(dict.fromkeys(names))


def watched_mask(
    table: pd.DataFrame,
    *,
    criterion: str | Sequence[str] = "checkpoint",
    max_response_min: float = TARGETS.max_response_min,
    max_revisit_min: float = TARGETS.max_revisit_min,
) -> np.ndarray:
    """Whether each unit of ``table`` counts as watched under ``criterion``.

    Parameters
    ----------
    table
        From :func:`unit_coverage`.
    criterion
        A name of :data:`CRITERIA`, or several (watched when any holds).
    max_response_min, max_revisit_min
        Targets of the ``response`` and ``revisit`` criteria.

    Returns
    -------
    numpy.ndarray
        Boolean, one per unit.

    Raises
    ------
    CoverageError
        For an unknown criterion, or one whose columns ``table`` lacks.
    """
    names = _criteria(criterion)
    ok = np.zeros(len(table), dtype=bool)
    for name in names:
        col = CRITERIA[name]
        if col not in table.columns:
            need = "a timeline" if name == "revisit" else "response=True"
            raise CoverageError(
                f"criterion {name!r} needs {need} in unit_coverage", field="criterion", value=name
            )
        if name == "checkpoint":
            ok |= table["checkpoint_watched"].to_numpy(dtype=bool)
        elif name == "response":
            ok |= table["response_min"].to_numpy(dtype=float) <= max_response_min
        elif name == "revisit":
            ok |= table["worst_revisit_min"].to_numpy(dtype=float) <= max_revisit_min
        else:
            ok |= table["drivable_in_view"].to_numpy(dtype=bool)
    return ok


def _names(values: pd.Series) -> str:
    """Grid names of a run: in chainage order, each once, blanks dropped."""
    seen = [str(v) for v in dict.fromkeys(values.tolist()) if str(v)]
    return ";".join(seen)


def _km(m: float) -> str:
    return fmt_km(m / 1000)


#: The facts a gap's reason is made of, in each map/briefing language. ``{km}``-style
#: values are formatted by :func:`reason_text`; the English text is the ``why``
#: column, the Chinese one ``why_zh``.
REASONS: dict[str, dict[str, str]] = {
    "en": {
        "no_road": "no road within {view} of the border",
        "no_road_along": "no road within {view} along {length} of it",
        "closed": "roads in view along {length} are closed to the teams' vehicles",
        "no_checkpoint": "no checkpoint",
        "checkpoint": "nearest checkpoint {cp} (radius {radius}) is {dist} from the gap, "
        "its farthest unit {far} from any checkpoint",
        "response": "slowest response {worst} min (target {target} min)",
        "unreachable": "slowest response unreachable (target {target} min)",
        "never": "no patrol passes all night",
        "revisit": "worst revisit {worst} min (target {target} min)",
        "never_along": "; never passed along {length}",
        "sep": "; ",
    },
    "zh": {
        "no_road": "边境线 {view} 范围内无道路",
        "no_road_along": "其中 {length} 边境线 {view} 范围内无道路",
        "closed": "视野内 {length} 道路巡逻车辆无法通行",
        "no_checkpoint": "无执勤点",
        "checkpoint": "最近执勤点 {cp}（半径 {radius}）距该缺口 {dist}，最远单元距任一执勤点 {far}",
        "response": "最慢响应 {worst} 分钟（目标 {target} 分钟）",
        "unreachable": "最慢响应：无法到达（目标 {target} 分钟）",
        "never": "整夜无巡逻经过",
        "revisit": "最长巡逻间隔 {worst} 分钟（目标 {target} 分钟）",
        "never_along": "；其中 {length} 整夜无巡逻经过",
        "sep": "；",
    },
}

_Fact = tuple[str, dict[str, str]]


def reason_text(facts: Sequence[_Fact], lang: str = "en") -> str:
    """A gap's reason in ``lang`` (``"en"`` or ``"zh"``) from its facts (see :data:`REASONS`)."""
    words = REASONS[lang]
    out = ""
    for key, values in facts:
        text = words[key].format(**values)
        out += text if not out or key == "never_along" else words["sep"] + text
    return out


def _why(
    run: pd.DataFrame,
    names: tuple[str, ...],
    view_m: float,
    targets: dict[str, float],
    radii: pd.Series,
) -> list[_Fact]:
    """The facts that explain a gap: no road in view, closed roads, checkpoint, response, revisit."""
    facts: list[_Fact] = []
    length = run["length_m"].to_numpy()
    no_road = run["nearest_road_m"].to_numpy() > view_m
    view = f"{view_m / 1000:g} km"
    if no_road.all():
        facts.append(("no_road", {"view": view}))
    elif no_road.any():
        facts.append(("no_road_along", {"view": view, "length": _km(float(length[no_road].sum()))}))
    closed = run["road_in_view"].to_numpy(dtype=bool) & ~run["drivable_in_view"].to_numpy(
        dtype=bool
    )
    if closed.any():
        facts.append(("closed", {"length": _km(float(length[closed].sum()))}))
    if "checkpoint" in names:
        d = run["nearest_checkpoint_m"].to_numpy(dtype=float)
        if np.isinf(d).all():
            facts.append(("no_checkpoint", {}))
        else:
            i = int(np.argmin(d))
            cp = str(run["nearest_checkpoint"].iloc[i])
            radius = float(radii.get(cp, np.nan))
            facts.append(
                (
                    "checkpoint",
                    {
                        "cp": cp,
                        "radius": _km(radius),
                        "dist": _km(float(d[i])),
                        "far": _km(float(d.max())),
                    },
                )
            )
    if "response" in names and "response_min" in run.columns:
        r = run["response_min"].to_numpy(dtype=float)
        worst = float(r.max())
        target = f"{targets['response']:g}"
        if np.isinf(worst):
            facts.append(("unreachable", {"target": target}))
        else:
            facts.append(("response", {"worst": fmt_min(worst, ""), "target": target}))
    if "revisit" in names and "worst_revisit_min" in run.columns:
        never = run["never_passed"].to_numpy(dtype=bool)
        if never.all():
            facts.append(("never", {}))
        else:
            worst = float(run["worst_revisit_min"].max())
            facts.append(
                ("revisit", {"worst": fmt_min(worst, ""), "target": f"{targets['revisit']:g}"})
            )
            if never.any():
                facts.append(("never_along", {"length": _km(float(length[never].sum()))}))
    return facts


_GAP_COLUMNS = [
    "part",
    "start_km",
    "end_km",
    "length_km",
    "n_units",
    "criterion",
    "worst_value",
    "worst_of",
    "township",
    "village",
    "nearest_checkpoint",
    "nearest_checkpoint_km",
    "risk",
    "worst_revisit_min",
    "worst_response_min",
    "why",
    "why_zh",
]


def _gap_row(
    run: pd.DataFrame,
    part: int,
    n_units: int,
    names: tuple[str, ...],
    worst_col: str,
    view: float,
    targets: dict[str, float],
    radii: pd.Series,
) -> dict[str, Any]:
    """One gap's figures, names and reasons from its run of failing units."""
    length = run["length_m"].to_numpy(dtype=float)
    d = run["nearest_checkpoint_m"].to_numpy(dtype=float)
    i = int(np.argmin(d))
    return {
        "part": part,
        "start_km": float(run["start_m"].iloc[0]) / 1000,
        "end_km": float(run["end_m"].iloc[-1]) / 1000,
        "length_km": float(length.sum()) / 1000,
        "n_units": n_units,
        "criterion": "+".join(names),
        "worst_value": float(run[worst_col].max()),
        "worst_of": worst_col,
        "township": _names(run["township"]),
        "village": _names(run["village"]),
        "nearest_checkpoint": str(run["nearest_checkpoint"].iloc[i]),
        "nearest_checkpoint_km": float(d[i]) / 1000,
        "risk": float(np.average(run["risk"].to_numpy(dtype=float), weights=length)),
        "worst_revisit_min": float(run["worst_revisit_min"].max())
        if "worst_revisit_min" in run
        else np.nan,
        "worst_response_min": float(run["response_min"].max()) if "response_min" in run else np.nan,
        "why": reason_text(facts := _why(run, names, view, targets, radii)),
        "why_zh": reason_text(facts, "zh"),
    }


def _ordered(gaps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Gaps longest first, then by chainage, indexed by their chainage ids."""
    if len(gaps):
        # longest first (to the metre, so float noise does not reorder equal gaps), then chainage
        key = (-gaps["length_km"].round(3)).to_numpy()
        gaps = gaps.iloc[np.lexsort((gaps["start_km"].to_numpy(), key))].reset_index(drop=True)
        # ids by chainage (borderwatch.fmt.gap_id): the same stretch has the same id in every output
        gaps.index = pd.Index(
            gap_ids(gaps["start_km"].tolist(), gaps["end_km"].tolist()), name="gap"
        )
    else:
        gaps.index = pd.Index([], name="gap", dtype=object)
    return gaps


def find_gaps(
    network: PatrolNetwork,
    table: pd.DataFrame,
    *,
    criterion: str | Sequence[str] = "checkpoint",
    max_response_min: float = TARGETS.max_response_min,
    max_revisit_min: float = TARGETS.max_revisit_min,
) -> gpd.GeoDataFrame:
    """Merge the units that fail ``criterion`` into gap stretches.

    Parameters
    ----------
    network
        The patrol network.
    table
        From :func:`unit_coverage` on ``network``.
    criterion
        A name of :data:`CRITERIA` or several (a unit fails when it fails all).
    max_response_min, max_revisit_min
        Targets of the ``response`` and ``revisit`` criteria.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``gap`` (:func:`borderwatch.fmt.gap_id`: ``G5.25-5.75``, the
        stretch's chainage, the same in every output); columns ``part``,
        ``start_km``, ``end_km``, ``length_km``, ``n_units``, ``criterion``,
        ``worst_value`` and ``worst_of`` (the worst value of the first criterion
        over the gap and its column name), ``township``, ``village`` (names met
        in chainage order, ``;``-joined), ``nearest_checkpoint``,
        ``nearest_checkpoint_km``, ``risk`` (mean weight), ``worst_revisit_min``
        and ``worst_response_min`` (where measured), ``why``; geometry: the
        stretch of border. Sorted by length (longest first), then chainage.
    """
    names = _criteria(criterion)
    targets = {"response": float(max_response_min), "revisit": float(max_revisit_min)}
    if len(table) != len(network.units):
        raise CoverageError(
            f"table must have one row per unit ({len(network.units)})",
            field="table",
            value=len(table),
        )
    ok = watched_mask(
        table, criterion=names, max_response_min=max_response_min, max_revisit_min=max_revisit_min
    )
    part = table["part"].to_numpy()
    worst_col = CRITERIA[names[0]]
    rows: list[dict[str, Any]] = []
    geoms = []
    view = network.config.patrol_view_m
    radii = pd.Series(
        network.checkpoints["radius_m"].to_numpy(dtype=float),
        index=network.checkpoints.index.astype(str),
    )
    for a, b in unit_runs(~ok, part):
        run = table.iloc[a : b + 1]
        rows.append(
            _gap_row(run, int(part[a]), int(b - a + 1), names, worst_col, view, targets, radii)
        )
        geoms.append(shapely.line_merge(shapely.union_all(run.geometry.to_numpy())))
    frame = pd.DataFrame(rows, columns=_GAP_COLUMNS)
    gaps = gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(geoms, crs=network.crs).to_numpy(), crs=network.crs
    )
    gaps = _ordered(gaps)
    logger.info(
        "gaps (%s): %d stretches, %.1f km",
        "+".join(names),
        len(gaps),
        float(gaps["length_km"].sum()),
    )
    return gaps


def by_grid(
    table: pd.DataFrame,
    watched: np.ndarray,
    *,
    county: str = "county",
) -> pd.DataFrame:
    """The commanders' table: border km, km in gaps, % watched and worst revisit per grid.

    Parameters
    ----------
    table
        From :func:`unit_coverage`.
    watched
        From :func:`watched_mask`.
    county
        Name of the level-1 (whole border) row.

    Returns
    -------
    pandas.DataFrame
        Columns ``level`` (``county``, ``township``, ``village``, ``cell``),
        ``name``, ``border_km``, ``gap_km``, ``watched_km``, ``watched_pct``,
        ``n_gap_stretches`` (runs of failing units within the grid),
        ``worst_revisit_min`` and ``worst_response_min`` (NaN where not
        measured). Levels without names (no grid file) are left out.
    """
    length = table["length_m"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "part": table["part"].to_numpy(),
            "len": length,
            "gap": np.where(watched, 0.0, length),
            "start": ~watched
            & np.concatenate([[True], watched[:-1] | (np.diff(table["part"].to_numpy()) != 0)]),
            "revisit": table["worst_revisit_min"].to_numpy(dtype=float)
            if "worst_revisit_min" in table
            else np.nan,
            "response": table["response_min"].to_numpy(dtype=float)
            if "response_min" in table
            else np.nan,
        }
    )
    frame["county"] = county
    for level in _GRID_LEVELS:
        frame[level] = table[level].astype(str).to_numpy() if level in table.columns else ""
    out = []
    for level in ("county", *_GRID_LEVELS):
        names = frame[level]
        if (names == "").all():
            continue
        # a run that enters a grid mid-gap starts a stretch there too
        entering = ~watched & np.concatenate(
            [[True], names.to_numpy()[1:] != names.to_numpy()[:-1]]
        )
        g = frame.assign(stretch=frame["start"] | entering).groupby(level, sort=True)
        agg = pd.DataFrame(
            {
                "border_km": g["len"].sum() / 1000,
                "gap_km": g["gap"].sum() / 1000,
                "n_gap_stretches": g["stretch"].sum().astype(np.int64),
                "worst_revisit_min": g["revisit"].max(),
                "worst_response_min": g["response"].max(),
            }
        )
        agg["watched_km"] = agg["border_km"] - agg["gap_km"]
        agg["watched_pct"] = 100 * agg["watched_km"] / agg["border_km"]
        agg = agg.reset_index(names="name")
        agg.insert(0, "level", level)
        out.append(agg)
    cols = [
        "level",
        "name",
        "border_km",
        "gap_km",
        "watched_km",
        "watched_pct",
        "n_gap_stretches",
        "worst_revisit_min",
        "worst_response_min",
    ]
    return pd.concat(out, ignore_index=True)[cols]


def summarize(
    network: PatrolNetwork,
    table: pd.DataFrame,
    gaps: pd.DataFrame,
    *,
    criterion: str | Sequence[str] = "checkpoint",
    max_response_min: float = TARGETS.max_response_min,
    max_revisit_min: float = TARGETS.max_revisit_min,
) -> dict[str, Any]:
    """Headline figures: km and % watched, km in gaps, the longest gap, worst revisit.

    Parameters
    ----------
    network
        The patrol network (scenario name and source, checkpoints, teams,
        unit length).
    table
        The per-unit table of :func:`unit_coverage` on ``network``; its
        ``worst_revisit_min`` and ``response_min`` columns, when present, give
        the revisit and response figures.
    gaps
        The gaps of :func:`find_gaps` on ``table``, longest first (the first
        row is the longest gap).
    criterion
        The criterion the gaps were found by, recorded as ``criterion``
        (names joined by ``+``).
    max_response_min, max_revisit_min
        The targets, recorded under ``targets`` and checked in ``target_check``.

    Returns
    -------
    dict
        Plain JSON-ready values (floats rounded to metres / 0.01 %).
        ``watched_km + gap_km == border_km`` holds by construction.
    """
    names = _criteria(criterion)
    border_km = float(table["length_m"].sum()) / 1000
    gap_km = float(gaps["length_km"].sum()) if len(gaps) else 0.0
    longest: dict[str, Any] | None = None
    if len(gaps):
        g = gaps.iloc[0]
        longest = {
            "id": str(gaps.index[0]),
            "start_km": round(float(g["start_km"]), 3),
            "end_km": round(float(g["end_km"]), 3),
            "length_km": round(float(g["length_km"]), 3),
            "township": str(g["township"]),
            "why": str(g["why"]),
        }
    out: dict[str, Any] = {
        "scenario": network.scenario.name,
        "source": None if network.scenario.source is None else str(network.scenario.source),
        "criterion": "+".join(names),
        "targets": {
            "max_response_min": float(max_response_min),
            "max_revisit_min": float(max_revisit_min),
        },
        "n_units": len(table),
        "unit_length_m": float(network.config.unit_length_m),
        "border_km": round(border_km, 3),
        "official_border_km": network.scenario.official_border_km,
        # rounded to the metre so that watched_km + gap_km == border_km holds on the written values
        "watched_km": round(round(border_km, 3) - round(gap_km, 3), 3),
        "watched_pct": round(100 * (border_km - gap_km) / border_km, 2) if border_km else 0.0,
        "gap_km": round(gap_km, 3),
        "n_gaps": len(gaps),
        "longest_gap": longest,
        "checkpoint_watched_km": round(
            float(table.loc[table["checkpoint_watched"], "length_m"].sum()) / 1000, 3
        ),
        "n_checkpoints": len(network.checkpoints),
        "n_teams": len(network.teams),
    }
    if "worst_revisit_min" in table.columns:
        # one truth with the plan's files: the worst revisit among the units a patrol passes;
        # units never passed are counted apart (never_passed_km)
        passed = ~table["never_passed"].to_numpy(dtype=bool)
        out["worst_revisit_min"] = (
            round(float(table["worst_revisit_min"].to_numpy()[passed].max()), 2)
            if passed.any()
            else None
        )
        out["never_passed_km"] = round(
            float(table.loc[table["never_passed"], "length_m"].sum()) / 1000, 3
        )
    if "response_min" in table.columns:
        r = table["response_min"].to_numpy(dtype=float)
        out["median_response_min"] = round(float(np.median(r)), 2)
        out["worst_response_min"] = round(float(r.max()), 2) if np.isfinite(r).all() else None
    out["target_check"] = target_check(
        table, max_response_min=max_response_min, max_revisit_min=max_revisit_min
    )
    out["coverage_terms"] = dict(COVERAGE_TERMS)
    return out


#: What the two coverage shares mean (``summary.json`` ``coverage_terms``, the report's lines).
COVERAGE_TERMS: dict[str, str] = {
    "watched_pct": "share of the border watched under the criterion: a checkpoint sees it, "
    "or (criterion revisit) a patrol passes it at least every max_revisit_min all night",
    "patrolled_pct": "share of the border a patrol passes at least once in the night, "
    "however long between passes (plan.json, report.txt)",
}


def _runs_over(table: pd.DataFrame, over: np.ndarray, values: np.ndarray) -> list[dict[str, Any]]:
    """The stretches of ``over`` units: km range and the worst value there."""
    units_start = table["start_m"].to_numpy(dtype=float)
    units_end = table["end_m"].to_numpy(dtype=float)
    out = []
    for a, b in unit_runs(over, table["part"].to_numpy()):
        worst = float(np.max(values[a : b + 1]))
        out.append(
            {
                "start_km": round(units_start[a] / 1000, 3),
                "end_km": round(units_end[b] / 1000, 3),
                "worst_min": round(worst, 2) if np.isfinite(worst) else None,
            }
        )
    return out


def target_check(
    table: pd.DataFrame,
    *,
    max_response_min: float = TARGETS.max_response_min,
    max_revisit_min: float = TARGETS.max_revisit_min,
) -> dict[str, dict[str, Any]]:
    """Whether each target is met, and where not: by how much, over which km ranges.

    ``revisit`` (when the table has a timeline's revisits): met when every
    unit a patrol passes is passed again within ``max_revisit_min``; units no
    patrol passes are counted apart (``never_passed_km``: a revisit target
    cannot be met where nobody passes, the gaps tables say why). ``response``
    (when the table has response times): met when every unit is reached within
    ``max_response_min``. Each entry: ``target_min``, ``worst_min``, ``met``,
    ``over_min`` (worst minus target, 0 when met), ``over_km`` and ``where``
    (the stretches over the target, each with its worst value; ``None`` =
    unreachable).
    """
    out: dict[str, dict[str, Any]] = {}
    length = table["length_m"].to_numpy(dtype=float)
    if "worst_revisit_min" in table.columns:
        worst = table["worst_revisit_min"].to_numpy(dtype=float)
        passed = ~table["never_passed"].to_numpy(dtype=bool)
        over = passed & (np.round(worst, 2) > max_revisit_min)
        top = float(worst[passed].max()) if passed.any() else math.nan
        out["revisit"] = {
            "target_min": float(max_revisit_min),
            "worst_min": round(top, 2) if math.isfinite(top) else None,
            "met": bool(not over.any()),
            "over_min": round(max(top - max_revisit_min, 0.0), 2) if math.isfinite(top) else 0.0,
            "over_km": round(float(length[over].sum()) / 1000, 3),
            "where": _runs_over(table, over, worst),
            "never_passed_km": round(float(length[~passed].sum()) / 1000, 3),
        }
    if "response_min" in table.columns:
        r = table["response_min"].to_numpy(dtype=float)
        over = ~(np.round(r, 2) <= max_response_min)
        top = float(r.max()) if len(r) else 0.0
        out["response"] = {
            "target_min": float(max_response_min),
            "worst_min": round(top, 2) if math.isfinite(top) else None,
            "met": bool(not over.any()),
            "over_min": round(max(top - max_response_min, 0.0), 2) if math.isfinite(top) else None,
            "over_km": round(float(length[over].sum()) / 1000, 3),
            "where": _runs_over(table, over, r),
        }
    return out


def target_lines(
    check: dict[str, dict[str, Any]], *, window: str = "", top: int = 5, lang: str = "en"
) -> list[str]:
    """The plain-text lines of :func:`target_check` (report.txt, the command line).

    ``lang`` (``"zh"`` or ``"en"``) picks the words (:data:`borderwatch.i18n.REPORT`).
    """
    L = report_labels(lang)
    lines = []
    for key in ("revisit", "response"):
        c = check.get(key)
        if not c:
            continue
        head = f"{L['target_' + key]} {fmt_min(c['target_min'])}"
        if key == "revisit" and window:
            head = L["target_head_window"].format(head=head, window=window)
        if c["met"]:
            lines.append(L["target_met"].format(head=head, worst=fmt_min(c["worst_min"])))
        else:
            where = L["list_sep"].join(
                L["target_where"].format(
                    a=fmt_km(w["start_km"], ""),
                    b=fmt_km(w["end_km"], ""),
                    worst=fmt_min(w["worst_min"])
                    if w["worst_min"] is not None
                    else L["unreachable"],
                )
                for w in c["where"][:top]
            )
            more = L["target_more"].format(n=len(c["where"]) - top) if len(c["where"]) > top else ""
            by = (
                fmt_min_over(c["worst_min"], c["target_min"])
                if c["over_min"] is not None
                else L["unreachable"]
            )
            lines.append(
                L["target_not_met"].format(
                    head=head,
                    worst=fmt_min(c["worst_min"]),
                    by=by,
                    km=fmt_km(c["over_km"]),
                    where=where,
                    more=more,
                )
            )
        if key == "revisit" and c.get("never_passed_km"):
            lines.append(L["target_never"].format(km=fmt_km(c["never_passed_km"])))
    return lines


@dataclass(frozen=True, eq=False)
class CoverageReport:
    """Everything :func:`coverage_report` computes.

    Attributes
    ----------
    units
        The per-unit table (:func:`unit_coverage`) with a ``watched`` column.
    gaps
        :func:`find_gaps`.
    grids
        :func:`by_grid`.
    summary
        :func:`summarize`.
    """

    units: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame
    grids: pd.DataFrame
    summary: dict[str, Any]


def coverage_report(
    network: PatrolNetwork,
    *,
    criterion: str | Sequence[str] = "checkpoint",
    timeline: PatrolTimeline | None = None,
    max_response_min: float = TARGETS.max_response_min,
    max_revisit_min: float = TARGETS.max_revisit_min,
    response: bool = True,
    risk: bool | np.ndarray = True,
    static: pd.DataFrame | None = None,
    revisit_table: pd.DataFrame | None = None,
) -> CoverageReport:
    """Per-unit coverage, gaps, the grid table and the summary in one call.

    Parameters
    ----------
    network
        The patrol network.
    criterion
        See :func:`find_gaps`. ``"revisit"`` needs ``timeline``.
    timeline
        The night timeline of a plan or of GPS tracks.
    max_response_min, max_revisit_min
        Targets.
    response, risk, static, revisit_table
        See :func:`unit_coverage` (the plan job passes the coverage before the plan's
        units as ``static`` and the plan's revisit table: the same columns, not computed
        again).

    Returns
    -------
    CoverageReport
    """
    names = _criteria(criterion)
    if "revisit" in names and timeline is None:
        raise CoverageError(
            "criterion 'revisit' needs a timeline (a plan or GPS tracks)",
            field="criterion",
            value="revisit",
        )
    table = unit_coverage(
        network,
        timeline=timeline,
        response=response or "response" in names,
        risk=risk,
        static=static,
        revisit_table=revisit_table,
    )
    watched = watched_mask(
        table, criterion=names, max_response_min=max_response_min, max_revisit_min=max_revisit_min
    )
    table["watched"] = watched
    gaps = find_gaps(
        network,
        table,
        criterion=names,
        max_response_min=max_response_min,
        max_revisit_min=max_revisit_min,
    )
    county = network.scenario.title or network.scenario.name
    grids = by_grid(table, watched, county=county)
    summary = summarize(
        network,
        table,
        gaps,
        criterion=names,
        max_response_min=max_response_min,
        max_revisit_min=max_revisit_min,
    )
    return CoverageReport(units=table, gaps=gaps, grids=grids, summary=summary)
