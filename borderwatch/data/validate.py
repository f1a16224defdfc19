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

__all__ = [
    "check_columns",
    "check_geometry",
    "check_grid_layer",
    "check_lonlat",
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
