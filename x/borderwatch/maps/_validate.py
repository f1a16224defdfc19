"""Input checks of the map functions: one place, one error type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from borderwatch.errors import MapInputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "GAP_COLUMNS",
    "ROUTE_COLUMNS",
    "STATUSES",
    "SUMMARY_KEYS",
    "MapInputError",
    "check_choice",
    "check_gaps",
    "check_routes",
    "check_summary",
    "check_units_status",
]

#: Allowed values of the ``status`` column of the per-unit table.
STATUSES: tuple[str, ...] = ("checkpoint", "patrol", "gap")

#: Columns every gaps table must have (plus ``geometry`` or ``first_unit``/``last_unit``).
GAP_COLUMNS: tuple[str, ...] = (
    "gap_id",
    "start_km",
    "end_km",
    "length_km",
    "criterion",
    "worst_value",
    "township",
    "village",
    "nearest_checkpoint",
    "nearest_checkpoint_km",
    "why",
)

#: Keys every summary mapping must have.
SUMMARY_KEYS: tuple[str, ...] = (
    "watched_pct",
    "gap_km",
    "longest_gap_km",
    "worst_revisit_min",
    "border_km",
)

#: Columns every routes table must have (plus a line geometry).
ROUTE_COLUMNS: tuple[str, ...] = ("team", "vehicle", "loop_km", "loop_min", "start_times")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> None:
    """Raise :class:`MapInputError` unless ``value`` is one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise MapInputError(
            f"{name} must be one of {', '.join(map(repr, allowed))}, not {_short(value)}"
        )


def _need_columns(name: str, frame: Any, columns: Iterable[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise MapInputError(f"{name} must be a pandas DataFrame, not {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MapInputError(
            f"{name} lacks column(s) {', '.join(map(repr, missing))}; "
            f"it has {', '.join(map(repr, frame.columns)) or 'none'}"
        )


def check_units_status(units_status: Any, units: gpd.GeoDataFrame, *, name: str) -> pd.DataFrame:
    """Check the per-unit table; return it reindexed like ``units``."""
    _need_columns(name, units_status, ("status", "worst_revisit_min"))
    if not units_status.index.equals(units.index):
        if len(units_status) != len(units) or not set(units_status.index) == set(units.index):
            raise MapInputError(
                f"{name} must be aligned to network.units.index "
                f"({len(units)} units), got {len(units_status)} rows with another index"
            )
        units_status = units_status.reindex(units.index)
    bad = ~units_status["status"].isin(STATUSES)
    if bad.any():
        first = units_status.index[np.flatnonzero(bad.to_numpy())[0]]
        raise MapInputError(
            f"{name}: column 'status' of unit {first!r} is "
            f"{_short(units_status.loc[first, 'status'])}; allowed: {', '.join(STATUSES)}"
        )
    for col in ("worst_revisit_min", "response_min"):
        if col in units_status.columns:
            try:
                values = pd.to_numeric(units_status[col], errors="raise").astype(float)
            except (TypeError, ValueError) as exc:
                raise MapInputError(f"{name}: column {col!r} must be numeric ({exc})") from None
            if (values < 0).any():
                raise MapInputError(f"{name}: column {col!r} holds negative minutes")
    return units_status


def check_gaps(gaps: Any, units: gpd.GeoDataFrame, *, name: str = "gaps") -> pd.DataFrame:
    """Check the gaps table: columns, and a geometry or a unit range per gap."""
    _need_columns(name, gaps, GAP_COLUMNS)
    has_geom = "geometry" in gaps.columns
    has_range = "first_unit" in gaps.columns and "last_unit" in gaps.columns
    if not (has_geom or has_range) and len(gaps):
        raise MapInputError(
            f"{name} needs a 'geometry' column or the unit range 'first_unit', 'last_unit'"
        )
    if has_range and not has_geom:
        for col in ("first_unit", "last_unit"):
            unknown = ~gaps[col].isin(units.index)
            if unknown.any():
                raise MapInputError(
                    f"{name}: column {col!r} holds {_short(gaps[col][unknown].iloc[0])}, "
                    "which is not in network.units.index"
                )
    return gaps


def check_summary(summary: Any) -> Mapping[str, Any]:
    """Check the summary mapping of key figures."""
    if not isinstance(summary, Mapping):
        raise MapInputError(f"summary must be a mapping, not {type(summary).__name__}")
    missing = [k for k in SUMMARY_KEYS if k not in summary]
    if missing:
        raise MapInputError(
            f"summary lacks key(s) {', '.join(map(repr, missing))}; needed: {', '.join(SUMMARY_KEYS)}"
        )
    return summary


def check_routes(routes: Any) -> gpd.GeoDataFrame:
    """Check the routes table: one row per team with a line geometry."""
    import geopandas as gpd

    if not isinstance(routes, gpd.GeoDataFrame):
        raise MapInputError(f"routes must be a GeoDataFrame, not {type(routes).__name__}")
    _need_columns("routes", routes, ROUTE_COLUMNS)
    if routes.crs is None:
        raise MapInputError("routes has no CRS; give it the network's projected CRS")
    kinds = set(routes.geom_type.dropna())
    if not kinds <= {"LineString", "MultiLineString"}:
        raise MapInputError(
            f"routes: geometry must be LineString or MultiLineString, found {sorted(kinds)}"
        )
    dup = routes["team"].duplicated()
    if dup.any():
        raise MapInputError(
            f"routes: team {_short(routes['team'][dup].iloc[0])} has more than one row"
        )
    return routes
