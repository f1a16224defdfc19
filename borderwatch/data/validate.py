"""One place where scenario input is checked.

Every check raises :class:`~borderwatch.errors.ScenarioError` naming the file,
the field and the bad value, or issues a
:class:`~borderwatch.errors.ScenarioWarning` for what is usable but suspect.
"""

from __future__ import annotations

import csv
import io
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

from borderwatch.atomic import ID_RULE, id_problem, not_regular
from borderwatch.errors import ScenarioError, ScenarioWarning
from borderwatch.limits import DEFAULT_LIMITS, Limits, count_lines

if TYPE_CHECKING:
    import geopandas as gpd

    from borderwatch.config import PlanConfig

__all__ = [
    "check_border_line",
    "check_columns",
    "check_crs_fits",
    "check_geometry",
    "check_grid_layer",
    "check_lonlat",
    "check_scale",
    "check_unique",
    "decode_csv",
    "geometry_from_geojson",
    "read_csv_rows",
    "read_csv_table",
    "row_label",
    "to_float",
    "to_int",
    "warn",
]

logger = logging.getLogger(__name__)


def warn(message: str) -> None:
    """Log and issue a :class:`ScenarioWarning`."""
    logger.warning(message)
    warnings.warn(message, ScenarioWarning, stacklevel=3)


def decode_csv(path: Path) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), else UTF-16 or GB18030 with a warning.

    Excel on Chinese Windows saves "CSV" in GBK/GB18030 and "Unicode text" in UTF-16;
    both are decoded, with a :class:`ScenarioWarning` that says how to save UTF-8.
    """
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
        else:
            warn(f"{path}: decoded as UTF-16 (Excel 'Unicode text'); save it as 'CSV UTF-8'")
            return text
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        bad = raw[err.start : err.start + 2]
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ScenarioError(
            f"line {line}: neither UTF-8 nor GB18030 (byte {bad[0]:#04x}); "
            "save the file as 'CSV UTF-8 (comma delimited)'",
            file=path,
            field="encoding",
            value=bad,
        ) from None
    warn(
        f"{path}: not UTF-8 (line {line}); decoded as GB18030/GBK, what Excel writes on "
        "Chinese Windows. Save it as 'CSV UTF-8 (comma delimited)' to be sure of the names"
    )
    return text


def read_csv_rows(path: Path, text: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows and the line number of each row of CSV ``text`` read from ``path``.

    Rows with more or fewer fields than the header (an unquoted comma, a file cut
    short) raise :class:`ScenarioError` naming the line; blank lines are skipped;
    a header without commas but with semicolons or tabs is read with those, with a
    warning.
    """
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        for other, name in ((";", "semicolons"), ("\t", "tabs")):
            if other in first:
                delimiter = other
                warn(f"{path}: columns are separated by {name}, not commas; read them so")
                break
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [c.strip() for c in row]
                continue
            if len(row) != len(header):
                more = len(row) > len(header)
                hint = (
                    "an unquoted comma inside a value? put that value in double quotes"
                    if more
                    else "a row cut short?"
                )
                if any("\n" in cell for cell in row):
                    hint = f"a double quote opened on line {line} is never closed"
                raise ScenarioError(
                    f"line {line}: {len(row)} fields, but the header has {len(header)} ({hint})",
                    file=path,
                    field=f"line {line}",
                    value=delimiter.join(row),
                )
            rows.append(row)
            lines.append(line)
    except csv.Error as err:
        raise ScenarioError(
            f"line {reader.line_num}: not a valid CSV row: {err}",
            file=path,
            field=f"line {reader.line_num}",
        ) from None
    if header is None:
        raise ScenarioError("file is empty; expected a header row", file=path, field="header")
    dup = [c for i, c in enumerate(header) if c in header[:i]]
    if dup:
        raise ScenarioError("column named twice in the header", file=path, field=dup[0])
    return header, rows, lines


def read_csv_table(
    path: Path,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    limits: Limits | None = None,
) -> pd.DataFrame:
    """Read a CSV file as strings, checking that it exists and has the ``required`` columns.

    Missing ``optional`` columns are added empty. Cells are stripped of
    surrounding white space; empty cells become ``""``. Rows with more or fewer
    fields than the header are errors naming the line; files in GB18030/GBK or
    UTF-16 are decoded with a warning (:func:`decode_csv`). ``frame.attrs["lines"]``
    holds the file line of each row, which error messages use. The file's size
    and lines are checked against ``limits`` (``file_mb``, ``csv_rows``) before
    it is parsed.
    """
    if not path.is_file():
        raise ScenarioError(not_regular(path) or "file not found", file=path)
    count_lines(path, limits or DEFAULT_LIMITS, what="CSV")
    header, rows, lines = read_csv_rows(path, decode_csv(path))
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    check_columns(frame, required, file=path)
    for col in optional:
        if col not in frame.columns:
            frame[col] = ""
    frame = frame.apply(lambda s: s.str.strip()) if len(frame) else frame
    frame.attrs["lines"] = lines
    return frame


def check_columns(frame: pd.DataFrame, required: Iterable[str], *, file: Path | str) -> None:
    """Raise if ``frame`` lacks any of the ``required`` columns."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ScenarioError(
            f"missing column(s) {', '.join(missing)}; found: {', '.join(map(str, frame.columns))}",
            file=file,
            field=missing[0],
        )


def _line(frame: pd.DataFrame, i: int) -> int:
    lines = frame.attrs.get("lines")
    return int(lines[i]) if lines is not None and i < len(lines) else i + 2


def row_label(frame: pd.DataFrame, i: int) -> str:
    """``"row N (id 'X')"`` for row position ``i`` of a table read by :func:`read_csv_table`.

    N is the line of the file (the header is line 1).
    """
    row = _line(frame, i)
    if "id" in frame.columns:
        return f"row {row} (id {frame['id'].iloc[i]!r})"
    return f"row {row}"


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
                f"{row_label(frame, i)}: {what}", file=file, field=column, value=cell
            )
        values[i] = x
    return values


def to_int(
    frame: pd.DataFrame,
    column: str,
    *,
    file: Path | str,
    minimum: int = 0,
    maximum: int | None = None,
) -> np.ndarray:
    """Parse ``column`` as integers from ``minimum`` to ``maximum`` (``"5.0"`` counts as 5)."""
    out = np.zeros(len(frame), dtype=np.int64)
    for i, cell in enumerate(frame[column].tolist()):
        try:
            x = int(cell)
        except ValueError:
            try:
                f = float(cell)
            except ValueError:
                f = math.nan
            if not (math.isfinite(f) and f.is_integer()):
                raise ScenarioError(
                    f"{row_label(frame, i)}: is not a whole number",
                    file=file,
                    field=column,
                    value=cell,
                ) from None
            x = int(f)
        if x < minimum:
            raise ScenarioError(
                f"{row_label(frame, i)}: must be at least {minimum}",
                file=file,
                field=column,
                value=cell,
            )
        if maximum is not None and x > maximum:
            raise ScenarioError(
                f"{row_label(frame, i)}: must be at most {maximum}",
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


def check_ids(frame: pd.DataFrame, column: str, *, file: Path | str) -> None:
    """Raise unless every value of ``column`` is a unique id that can be part of a file name.

    The rule is :data:`borderwatch.atomic.ID_RULE` (letters of any script, digits,
    ``-_.``, at most 64 characters, no leading dot): ids are data, never paths.
    """
    check_unique(frame, column, file=file)
    for i, value in enumerate(frame[column]):
        problem = id_problem(value)
        if problem is not None:
            raise ScenarioError(
                f"row {_line(frame, i)}: not an id ({problem}); an id is {ID_RULE}",
                file=file,
                field=column,
                value=value,
            )


def check_unique(frame: pd.DataFrame, column: str, *, file: Path | str) -> None:
    """Raise if ``column`` has an empty or repeated value."""
    values = frame[column]
    empty = values == ""
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise ScenarioError(f"row {_line(frame, i)}: empty id", file=file, field=column, value="")
    dup = values.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise ScenarioError(
            f"row {_line(frame, i)}: duplicate id", file=file, field=column, value=values.iloc[i]
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
        # ShapelyError: GEOS refuses the coordinates (a LineString of one point)
        except (
            KeyError, TypeError, ValueError, IndexError, AttributeError, shapely.errors.ShapelyError
        ) as err:  # fmt: skip
            raise ScenarioError(
                f"feature {i}: malformed geometry ({str(err).strip()})",
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
        + f". Rural values (250 m units, a 1.5 km radius, a 1 km view) suit borders of tens "
        f"of km; for this one set in [defaults] for example {hint}",
        file=file,
        field=problems[0][0],
        value=problems[0][1],
    )


def _where(xy: np.ndarray) -> str:
    return f"lon {xy[0]:.5f}, lat {xy[1]:.5f}"


def check_border_line(border: BaseGeometry, *, file: Path | str) -> None:
    """Refuse a border (lon/lat) that crosses itself, goes back over itself or repeats a part.

    Each would count some border twice (the length doubled, units stacked on units).
    A closed line (an island) and parts that touch at their ends are fine.
    """
    parts = list(getattr(border, "geoms", [border]))
    segments, owner, index = [], [], []
    for p, part in enumerate(parts):
        xy = shapely.get_coordinates(shapely.remove_repeated_points(part))
        for k in range(len(xy) - 1):
            segments.append(shapely.linestrings(xy[k : k + 2]))
            owner.append(p)
            index.append(k)
    if len(segments) < 2:
        return
    segs = np.array(segments, dtype=object)
    own = np.array(owner)
    idx = np.array(index)
    counts = np.bincount(own)
    left, right = shapely.STRtree(segs).query(segs, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        meet = shapely.intersection(segs[a], segs[b])
        same = own[a] == own[b]
        adjacent = same and idx[b] == idx[a] + 1
        closing = same and idx[a] == 0 and idx[b] == counts[own[a]] - 1 and parts[own[a]].is_closed
        if meet.length > 0:
            xy = shapely.get_coordinates(meet)[0]
            what = (
                f"goes back over itself at {_where(xy)} (vertex {idx[b]} of part {own[a]})"
                if adjacent
                else f"runs twice over the stretch at {_where(xy)} (parts {own[a]} and {own[b]})"
            )
            raise ScenarioError(
                f"the border line {what}: that stretch would count twice; remove the repeat",
                file=file,
                field="geometry",
                value=(round(float(xy[0]), 5), round(float(xy[1]), 5)),
            )
        if adjacent or closing:
            continue
        xy = shapely.get_coordinates(meet)[0]
        if not same:
            # parts touching end to end are one border drawn in pieces
            pa, pb = parts[own[a]], parts[own[b]]
            tips = shapely.get_coordinates(shapely.MultiPoint([
                pa.coords[0], pa.coords[-1], pb.coords[0], pb.coords[-1]
            ]))  # fmt: skip
            if np.isclose(tips, xy).all(axis=1).any():
                continue
        raise ScenarioError(
            f"the border line crosses itself at {_where(xy)} "
            f"(segments {idx[a]} and {idx[b]} of part{'' if same else 's'} "
            f"{own[a]}{'' if same else f' and {own[b]}'}); a border is a line that does not cross",
            file=file,
            field="geometry",
            value=(round(float(xy[0]), 5), round(float(xy[1]), 5)),
        )


def check_crs_fits(crs: str, border: BaseGeometry, *, file: Path | str) -> None:
    """Refuse a projected CRS whose area of use lies far from the border (a wrong UTM zone).

    A border more than 3 degrees outside the CRS's area of use is an error that
    names the UTM zone of the border; a border just outside gets a warning.
    """
    from pyproj import CRS

    area = CRS.from_user_input(crs).area_of_use
    if area is None:
        return
    west, south, east, north = border.bounds
    outside = max(area.west - west, east - area.east, area.south - south, north - area.north)
    if outside <= 0.01:
        return
    cx, cy = border.centroid.x, border.centroid.y
    zone = int((cx + 180) // 6) % 60 + 1
    utm = f"EPSG:{32600 + zone if cy >= 0 else 32700 + zone}"
    where = (
        f"{crs} is for lon {area.west:g}..{area.east:g}, lat {area.south:g}..{area.north:g}; "
        f"the border lies at lon {west:.2f}..{east:.2f}, lat {south:.2f}..{north:.2f}"
    )
    if outside > 3.0:
        raise ScenarioError(
            f"{where}: wrong zone? use {utm} (the UTM zone of the border) or leave crs out",
            file=file,
            field="crs",
            value=crs,
        )
    warn(f"{file}: {where}; distances there are distorted, {utm} fits the border")
