"""One place where scenario input is checked.

Every check raises :class:`~borderwatch.errors.ScenarioError` naming the file,
the field and the bad value, or issues a
:class:`~borderwatch.errors.ScenarioWarning` for what is usable but suspect.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from borderwatch.errors import ScenarioError, ScenarioWarning

if TYPE_CHECKING:
    import geopandas as gpd

    from borderwatch.config import PlanConfig

__all__ = [
    "check_columns",
    "check_geometry",
    "check_grid_layer",
    "check_lonlat",
    "check_scale",
    "check_unique",
    "geometry_from_geojson",
    "read_csv_table",
    "to_float",
    "to_int",
    "warn",
]

logger = logging.getLogger(__name__)


def warn(message: str) -> None:
    """Log and issue a :class:`ScenarioWarning`."""
    logger.warning(message)
    warnings.warn(message, ScenarioWarning, stacklevel=3)


def read_csv_table(
    path: Path, required: Sequence[str], optional: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a CSV file as strings, checking that it exists and has the ``required`` columns.

    Missing ``optional`` columns are added empty. Cells are stripped of
    surrounding white space; empty cells become ``""``.
    """
    if not path.is_file():
        raise ScenarioError("file not found", file=path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise ScenarioError("file is empty; expected a header row", file=path) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ScenarioError(f"not a valid UTF-8 CSV file: {err}", file=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    check_columns(frame, required, file=path)
    for col in optional:
        if col not in frame.columns:
            frame[col] = ""
    return frame.apply(lambda s: s.str.strip())


def check_columns(frame: pd.DataFrame, required: Iterable[str], *, file: Path | str) -> None:
    """Raise if ``frame`` lacks any of the ``required`` columns."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ScenarioError(
            f"missing column(s) {', '.join(missing)}; found: {', '.join(map(str, frame.columns))}",
            file=file,
            field=missing[0],
        )


def _row_label(frame: pd.DataFrame, i: int) -> str:
    if "id" in frame.columns:
        return f"row {i + 2} (id {frame['id'].iloc[i]!r})"
    return f"row {i + 2}"


def to_float(
    frame: pd.DataFrame,
    column: str,
    *,
    file: Path | str,
    allow_empty: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    strictly_positive: bool = False,
) -> np.ndarray:
    """Parse ``column`` as floats, raising on the first bad cell (row numbers count the header as 1)."""
    values = np.full(len(frame), np.nan)
    for i, cell in enumerate(frame[column].tolist()):
        if cell == "" and allow_empty:
            continue
        try:
            x = float(cell)
        except ValueError:
            x = math.nan
        bad = not math.isfinite(x)
        what = "is not a number"
        if not bad and minimum is not None and x < minimum:
            bad, what = True, f"is below {minimum:g}"
        if not bad and maximum is not None and x > maximum:
            bad, what = True, f"is above {maximum:g}"
        if not bad and strictly_positive and x <= 0:
            bad, what = True, "must be greater than 0"
        if bad:
            raise ScenarioError(
                f"{_row_label(frame, i)}: {what}", file=file, field=column, value=cell
            )
        values[i] = x
    return values


def to_int(frame: pd.DataFrame, column: str, *, file: Path | str, minimum: int = 0) -> np.ndarray:
    """Parse ``column`` as integers of at least ``minimum``."""
    out = np.zeros(len(frame), dtype=np.int64)
    for i, cell in enumerate(frame[column].tolist()):
        try:
            x = int(cell)
        except ValueError:
            raise ScenarioError(
                f"{_row_label(frame, i)}: is not a whole number",
                file=file,
                field=column,
                value=cell,
            ) from None
        if x < minimum:
            raise ScenarioError(
                f"{_row_label(frame, i)}: must be at least {minimum}",
                file=file,
                field=column,
                value=cell,
            )
        out[i] = x
    return out


def check_lonlat(
    frame: pd.DataFrame, lon: str, lat: str, *, file: Path | str
) -> tuple[np.ndarray, np.ndarray]:
    """Parse longitude and latitude columns, checking their ranges."""
    x = to_float(frame, lon, file=file, minimum=-180.0, maximum=180.0)
    y = to_float(frame, lat, file=file, minimum=-90.0, maximum=90.0)
    return x, y


def check_unique(frame: pd.DataFrame, column: str, *, file: Path | str) -> None:
    """Raise if ``column`` has an empty or repeated value."""
    values = frame[column]
    empty = values == ""
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise ScenarioError(f"row {i + 2}: empty id", file=file, field=column, value="")
    dup = values.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise ScenarioError(
            f"row {i + 2}: duplicate id", file=file, field=column, value=values.iloc[i]
        )


def check_geometry(
    geom: BaseGeometry,
    allowed: Sequence[str],
    *,
    file: Path | str,
    field: str = "geometry",
) -> BaseGeometry:
    """Check a lon/lat geometry's type, emptiness, coordinate range and validity."""
    if geom.geom_type not in allowed:
        raise ScenarioError(
            f"geometry must be {' or '.join(allowed)}", file=file, field=field, value=geom.geom_type
        )
    if geom.is_empty:
        raise ScenarioError("geometry is empty", file=file, field=field, value=geom.geom_type)
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise ScenarioError(
            "coordinates are not finite numbers", file=file, field=field, value="NaN/inf"
        )
    bad_lon = np.abs(coords[:, 0]) > 180
    bad_lat = np.abs(coords[:, 1]) > 90
    if bad_lon.any() or bad_lat.any():
        i = int(np.flatnonzero(bad_lon | bad_lat)[0])
        raise ScenarioError(
            "coordinates out of range for lon/lat (EPSG:4326): is the file projected?",
            file=file,
            field=field,
            value=tuple(float(c) for c in coords[i]),
        )
    if geom.geom_type in ("LineString", "MultiLineString"):
        parts = getattr(geom, "geoms", [geom])
        for part in parts:
            if part.length == 0:
                raise ScenarioError(
                    "line has zero length", file=file, field=field, value=part.wkt[:60]
                )
    elif not geom.is_valid:
        raise ScenarioError(
            f"invalid geometry: {shapely.is_valid_reason(geom)}",
            file=file,
            field=field,
            value=geom.geom_type,
        )
    return geom


def geometry_from_geojson(obj: Any, *, file: Path | str, allowed: Sequence[str]) -> BaseGeometry:
    """Return the one geometry of a GeoJSON object (geometry, Feature or FeatureCollection).

    A FeatureCollection of several line (polygon) features is merged into one
    Multi- geometry, in file order.
    """
    if not isinstance(obj, dict) or "type" not in obj:
        raise ScenarioError(
            "not a GeoJSON object", file=file, field="type", value=type(obj).__name__
        )
    kind = obj["type"]
    geoms: list[Any]
    if kind == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list) or not feats:
            raise ScenarioError(
                "FeatureCollection has no features", file=file, field="features", value=feats
            )
        geoms = [f.get("geometry") if isinstance(f, dict) else None for f in feats]
    elif kind == "Feature":
        geoms = [obj.get("geometry")]
    else:
        geoms = [obj]
    shapes = []
    for i, g in enumerate(geoms):
        if not isinstance(g, dict):
            raise ScenarioError(
                f"feature {i} has no geometry", file=file, field="geometry", value=g
            )
        try:
            shapes.append(shape(g))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
            raise ScenarioError(
                f"feature {i}: malformed geometry ({err})",
                file=file,
                field="geometry",
                value=g.get("type"),
            ) from None
    for s in shapes:
        check_geometry(s, [*allowed, *(a.removeprefix("Multi") for a in allowed)], file=file)
    if len(shapes) == 1:
        geom = shapes[0]
    else:
        lines = [p for s in shapes for p in getattr(s, "geoms", [s])]
        geom = (
            shapely.MultiLineString(lines)
            if lines[0].geom_type == "LineString"
            else shapely.MultiPolygon(lines)
        )
    return check_geometry(geom, allowed, file=file)


def check_grid_layer(frame: gpd.GeoDataFrame, layer: str, *, file: Path | str) -> None:
    """Check a grid layer: id, name, geometry valid polygons in lon/lat."""
    check_columns(frame, ["id", "name"], file=f"{file}:{layer}")
    if frame["id"].duplicated().any():
        dup = frame.loc[frame["id"].duplicated(), "id"].iloc[0]
        raise ScenarioError("duplicate id", file=f"{file}:{layer}", field="id", value=dup)
    for ident, geom in zip(frame["id"], frame.geometry, strict=True):
        check_geometry(
            geom, ["Polygon", "MultiPolygon"], file=f"{file}:{layer}", field=f"geometry of {ident}"
        )


#: A border needs at least this many units for gaps and loops to mean anything.
MIN_UNITS = 8
#: One checkpoint radius or patrol view may reach at most this share of the border's length.
MAX_REACH_SHARE = 1 / 3


def _nice(x: float) -> float:
    """Round ``x`` down to 1, 2, 2.5 or 5 times a power of ten (5 at least)."""
    if x <= 5:
        return 5.0
    p = 10 ** math.floor(math.log10(x))
    return float(max(m * p for m in (1, 2, 2.5, 5) if m * p <= x))


def suggest_scale(border_m: float) -> dict[str, float]:
    """Unit length, checkpoint radius and patrol view that fit a border of ``border_m`` metres.

    About 80 units along the border; a checkpoint sees 6 units, a patrol 4.

    Examples
    --------
    >>> suggest_scale(1900.0)
    {'unit_length_m': 20.0, 'checkpoint_radius_m': 120.0, 'patrol_view_m': 80.0}
    """
    unit = _nice(border_m / 80)
    return {"unit_length_m": unit, "checkpoint_radius_m": 6 * unit, "patrol_view_m": 4 * unit}


def check_scale(
    border: BaseGeometry,
    radii: pd.Series,
    config: PlanConfig,
    *,
    file: Path | str,
) -> None:
    """Stop a scenario whose size makes its unit length, radii or patrol view degenerate.

    With 250 m units, a 1.5 km checkpoint radius and a 1 km patrol view (rural defaults), a
    city-scale border of 2 km is "100 % watched" before any plan and the set cover picks one
    short edge. This raises :class:`ScenarioError` when the projected ``border`` has fewer than
    :data:`MIN_UNITS` units, or one checkpoint radius (``radii``: the checkpoints.csv
    ``radius_m`` column, NaN where the default applies) or the patrol view reaches more than
    :data:`MAX_REACH_SHARE` of its length, and suggests values that fit (:func:`suggest_scale`).
    """
    length = float(border.length)
    if length <= 0:
        return
    problems: list[tuple[str, float, str]] = []
    units = length / config.unit_length_m
    if units < MIN_UNITS:
        problems.append(
            ("unit_length_m", config.unit_length_m,
             f"unit_length_m = {config.unit_length_m:g} gives {units:.1f} units")
        )  # fmt: skip
    reach = length * MAX_REACH_SHARE
    radius = np.asarray(radii, dtype=float)
    uses_default = bool(np.isnan(radius).any()) or len(radius) == 0
    if uses_default and config.checkpoint_radius_m > reach:
        problems.append(
            ("checkpoint_radius_m", config.checkpoint_radius_m,
             f"checkpoint_radius_m = {config.checkpoint_radius_m:g} lets one checkpoint watch "
             "more than a third of it")
        )  # fmt: skip
    if config.patrol_view_m > reach:
        problems.append(
            ("patrol_view_m", config.patrol_view_m,
             f"patrol_view_m = {config.patrol_view_m:g} lets one road watch more than a third "
             "of it")
        )  # fmt: skip
    own = radius[np.isfinite(radius)]
    if not problems and len(own) and own.max() > reach:
        problems.append(
            ("radius_m", float(own.max()),
             f"a checkpoints.csv radius_m of {own.max():g} lets one checkpoint watch more than "
             "a third of it")
        )  # fmt: skip
    if not problems:
        return
    fit = suggest_scale(length)
    hint = ", ".join(f"{k} = {val:g}" for k, val in fit.items())
    raise ScenarioError(
        f"the border is {length / 1000:.2f} km long, too short for these settings: "
        + "; ".join(p[2] for p in problems)
        + f". The defaults are for rural borders of tens of km; set in [defaults] for "
        f"example {hint}",
        file=file,
        field=problems[0][0],
        value=problems[0][1],
    )
