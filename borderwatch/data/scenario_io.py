"""Write a :class:`~borderwatch.data.scenario.Scenario` as a scenario folder.

The folder format is the one :mod:`borderwatch.data.scenario` documents and
:func:`borderwatch.data.load_scenario` reads. Everything is written into a
temporary sibling folder first and renamed into place, so a folder is either
complete or absent. Text files have deterministic bytes (fixed order, fixed
float formatting, 7 decimals for lon/lat); ``grids.gpkg`` and ``roads.gpkg``
carry a fixed time stamp (:func:`borderwatch.data.gpkg.fixed_gpkg_time`), not the
time of writing.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely

from borderwatch.atomic import atomic_folder
from borderwatch.data.gpkg import fixed_gpkg_time
from borderwatch.data.osm_write import write_osm_xml
from borderwatch.data.scenario import GRID_LEVELS, Scenario
from borderwatch.errors import ScenarioError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["ROADS_FORMATS", "source_record", "write_scenario"]

logger = logging.getLogger(__name__)

#: ``roads_format`` values and the file name each writes.
ROADS_FORMATS: dict[str, str] = {"osm.gz": "roads.osm.gz", "osm": "roads.osm", "gpkg": "roads.gpkg"}


def source_record(source: str | Path | None, out_dir: str | Path) -> str | None:
    """How an output folder records the scenario it was made from, portably.

    An embedded scenario by its name (``"ningming"``), so the record survives a
    reinstall; a scenario folder by its path relative to ``out_dir`` (portable
    when both are copied together), absolute only where no relative path exists.
    :func:`borderwatch.planfiles.folders.scenario_of_folder` reads it back.
    """
    if source is None:
        return None
    from importlib import resources

    src = Path(source).resolve()
    embedded = Path(str(resources.files("borderwatch.data") / "scenarios")).resolve()
    if src.parent == embedded:
        return src.name
    try:
        return os.path.relpath(src, Path(out_dir).resolve())
    except ValueError:  # another drive (Windows)
        return str(src)


# ---- TOML ---------------------------------------------------------------------------------------


def _toml_key(key: str) -> str:
    if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    return json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v, where) for v in value) + "]"
    raise ScenarioError("cannot be written to TOML", field=where, value=value)


def _toml_table(lines: list[str], name: str, table: Mapping[str, Any]) -> None:
    scalars = [(k, v) for k, v in sorted(table.items()) if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in sorted(table.items()) if isinstance(v, Mapping)]
    if scalars or not tables:
        lines.append("")
        lines.append(f"[{name}]")
        lines.extend(f"{_toml_key(k)} = {_toml_value(v, f'{name}.{k}')}" for k, v in scalars)
    for k, v in tables:
        _toml_table(lines, f"{name}.{_toml_key(k)}", v)


def scenario_toml(scenario: Scenario) -> str:
    """The text of ``scenario.toml`` for ``scenario``."""
    lines = [
        f"name = {_toml_value(scenario.name, 'name')}",
        f"title = {_toml_value(scenario.title, 'title')}",
        f"crs = {_toml_value(scenario.crs, 'crs')}",
        f"timezone = {_toml_value(scenario.timezone, 'timezone')}",
    ]
    if scenario.official_border_km is not None:
        lines.append(f"official_border_km = {_toml_value(float(scenario.official_border_km), 'x')}")
    _toml_table(
        lines, "night", {"start": scenario.night_window.start, "end": scenario.night_window.end}
    )
    options = {k: v for k, v in scenario.defaults.items() if k not in ("targets", "limits")}
    if options:
        _toml_table(lines, "defaults", options)
    for table in ("targets", "limits"):  # tables of their own in the shared format (config)
        value = scenario.defaults.get(table)
        if value is not None:
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                value = dataclasses.asdict(value)
            _toml_table(lines, table, value)
    if scenario.provenance:
        _toml_table(lines, "provenance", {str(k): str(v) for k, v in scenario.provenance.items()})
    return "\n".join(lines) + "\n"


# ---- GeoJSON and CSV ------------------------------------------------------------------------------


def _rounded(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 7)
    if isinstance(obj, list | tuple):
        return [_rounded(o) for o in obj]
    return obj


def _geojson(geom: shapely.Geometry, properties: Mapping[str, Any]) -> str:
    g = json.loads(shapely.to_geojson(geom))
    g["coordinates"] = _rounded(g["coordinates"])
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": dict(properties), "geometry": g}],
    }
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n"


def _f7(x: float) -> str:
    return f"{x:.7f}"


def _num(x: Any) -> str:
    if x is None:
        return ""
    x = float(x)
    return "" if math.isnan(x) else f"{x:g}"


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _sorted_by_id(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.iloc[sorted(range(len(frame)), key=lambda i: str(frame.index[i]))]


def checkpoints_csv(frame: gpd.GeoDataFrame) -> str:
    """The text of ``checkpoints.csv``."""
    f = _sorted_by_id(frame)
    rows = [
        [str(i), str(r["name"]), _f7(r.geometry.x), _f7(r.geometry.y), str(r["township"]),
         str(r["kind"]), _num(r.get("radius_m"))]
        for i, r in f.iterrows()
    ]  # fmt: skip
    return _csv(["id", "name", "lon", "lat", "township", "kind", "radius_m"], rows)


def teams_csv(frame: gpd.GeoDataFrame) -> str:
    """The text of ``teams.csv``."""
    f = _sorted_by_id(frame)
    rows = [
        [str(i), str(r["name"]), _f7(r.geometry.x), _f7(r.geometry.y), str(r["vehicle"]),
         str(int(r["crew"])), str(r["township"])]
        for i, r in f.iterrows()
    ]  # fmt: skip
    return _csv(["id", "name", "base_lon", "base_lat", "vehicle", "crew", "township"], rows)


def incidents_csv(frame: gpd.GeoDataFrame) -> str:
    """The text of ``incidents.csv`` (sorted by date, lon, lat)."""
    rows = [
        [_f7(g.x), _f7(g.y), str(d), str(k)]
        for g, d, k in zip(frame.geometry, frame["date"], frame["kind"], strict=True)
    ]
    rows.sort(key=lambda r: (r[2], float(r[0]), float(r[1]), r[3]))
    return _csv(["lon", "lat", "date", "kind"], rows)


# ---- the folder --------------------------------------------------------------------------------


def _write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def _write_into(scenario: Scenario, tmp: Path, roads_format: str) -> None:
    _write_text(tmp / "scenario.toml", scenario_toml(scenario))
    _write_text(tmp / "border.geojson", _geojson(scenario.border, {"name": scenario.name}))
    if scenario.area is not None:
        _write_text(tmp / "area.geojson", _geojson(scenario.area, {"name": scenario.name}))
    roads_file = tmp / ROADS_FORMATS[roads_format]
    if roads_format == "gpkg":
        import osmnx as ox

        ox.io.save_graph_geopackage(scenario.roads, roads_file, directed=True)
    else:
        write_osm_xml(scenario.roads, roads_file)
    _write_text(tmp / "checkpoints.csv", checkpoints_csv(scenario.checkpoints))
    _write_text(tmp / "teams.csv", teams_csv(scenario.teams))
    levels = [lvl for lvl in GRID_LEVELS if lvl in scenario.grids and len(scenario.grids[lvl])]
    for lvl in levels:
        frame = scenario.grids[lvl].reset_index()
        frame.to_file(tmp / "grids.gpkg", layer=lvl, driver="GPKG", engine="pyogrio")
    if scenario.incidents is not None:
        _write_text(tmp / "incidents.csv", incidents_csv(scenario.incidents))


def write_scenario(
    scenario: Scenario,
    folder: str | Path,
    *,
    roads_format: str = "osm.gz",
    overwrite: bool = False,
    extra_files: Mapping[str, str] | None = None,
) -> Path:
    """Write ``scenario`` as a scenario folder, atomically.

    Parameters
    ----------
    scenario
        The scenario to write (lon/lat geometries).
    folder
        The folder to create. It may exist only if empty, or with ``overwrite``.
    roads_format
        ``"osm.gz"`` (default) or ``"osm"``: OSM XML read back through osmnx;
        ``"gpkg"``: osmnx GeoPackage layers ``nodes`` and ``edges`` (both
        directions of every edge) for very large scenarios.
    overwrite
        Replace an existing non-empty folder.
    extra_files
        File name → text of more files written into the same folder in the same
        swap (``people.csv`` of ``borderwatch scenario generate``).

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    ScenarioError
        If ``folder`` exists and is not empty (without ``overwrite``), is a
        file, or ``roads_format`` is unknown.
    """
    folder = Path(folder)
    if roads_format not in ROADS_FORMATS:
        raise ScenarioError(
            f"unknown roads format; known: {', '.join(ROADS_FORMATS)}",
            field="roads_format", value=roads_format,
        )  # fmt: skip
    if folder.exists():
        if not folder.is_dir():
            raise ScenarioError("exists and is not a folder", file=folder)
        if any(folder.iterdir()) and not overwrite:
            raise ScenarioError(
                "folder exists and is not empty; pass overwrite=True to replace it", file=folder
            )
    with atomic_folder(folder, kind="scenario") as tmp, fixed_gpkg_time():
        _write_into(scenario, tmp, roads_format)
        for name, text in sorted((extra_files or {}).items()):
            if Path(name).name != name or name.startswith("."):
                raise ScenarioError("extra file names are plain file names", field="extra_files",
                                    value=name)  # fmt: skip
            _write_text(tmp / name, text)
    logger.info("wrote scenario %s to %s", scenario.name, folder)
    return folder
