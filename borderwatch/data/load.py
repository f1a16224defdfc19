"""Load a scenario folder (or the embedded one by name) into a :class:`Scenario`."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry import LineString, MultiLineString

from borderwatch.atomic import not_regular
from borderwatch.config import RANGES, PlanConfig, plan_options, read_toml
from borderwatch.data import validate as v
from borderwatch.data.roads import find_road_file, read_roads
from borderwatch.data.scenario import GRID_LEVELS, Scenario
from borderwatch.errors import ScenarioError, ScenarioWarning
from borderwatch.limits import (
    DEFAULT_LIMITS,
    Limits,
    check_geojson_vertices,
    file_bytes_limit,
    limits_from_mapping,
)

__all__ = ["embedded_scenarios", "load_scenario", "resolve_scenario_path", "utm_crs"]

logger = logging.getLogger(__name__)

CHECKPOINT_COLUMNS = ("id", "name", "lon", "lat")
CHECKPOINT_OPTIONAL = ("township", "kind", "radius_m")
TEAM_COLUMNS = ("id", "name", "base_lon", "base_lat", "vehicle", "crew")
TEAM_OPTIONAL = ("township",)
INCIDENT_COLUMNS = ("lon", "lat", "date", "kind")
#: Largest crew of one team (a larger number is a typo, not a team).
MAX_CREW = 100

#: Top-level keys of scenario.toml besides the planning tables ``[night]``,
#: ``[defaults]`` and ``[targets]`` (read by :func:`borderwatch.config.plan_options`).
SCENARIO_KEYS = (
    "name",
    "title",
    "crs",
    "timezone",
    "official_border_km",
    "roads",
    "allow_outside_paths",
    "provenance",
)


def embedded_scenarios() -> list[str]:
    """Names of the scenarios shipped inside the package.

    Returns
    -------
    list of str
        The folder names under ``borderwatch/data/scenarios`` that hold a
        ``scenario.toml``, sorted.
    """
    root = resources.files("borderwatch.data") / "scenarios"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "scenario.toml").is_file())


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """Return the folder of a scenario given a folder, its ``scenario.toml`` or an embedded name.

    Parameters
    ----------
    name_or_path
        A scenario folder, the path of its ``scenario.toml``, or the name of an
        embedded scenario (:func:`embedded_scenarios`); an existing folder wins
        over an embedded name.

    Returns
    -------
    Path
        The scenario folder (for an embedded scenario, inside the installed package).

    Raises
    ------
    ScenarioError
        The path exists but is neither a folder nor a ``scenario.toml``, or
        it names nothing (the message lists the embedded scenarios).
    """
    path = Path(name_or_path)
    if path.is_dir():
        return path
    if path.is_file() and path.name == "scenario.toml":
        return path.parent
    name = str(name_or_path)
    if name in embedded_scenarios():
        return Path(str(resources.files("borderwatch.data") / "scenarios" / name))
    if path.exists():
        raise ScenarioError("not a scenario folder or scenario.toml", file=path)
    known = ", ".join(embedded_scenarios()) or "none"
    raise ScenarioError(
        f"unknown scenario: neither a folder nor an embedded name (embedded: {known})",
        field="scenario",
        value=name,
    )


def utm_crs(lon: float, lat: float) -> str:
    """Return the EPSG code of the WGS84 UTM zone holding ``lon``, ``lat``.

    Parameters
    ----------
    lon
        Longitude in degrees (WGS 84); picks the 6-degree zone.
    lat
        Latitude in degrees (WGS 84); picks the northern or southern hemisphere.

    Returns
    -------
    str
        ``"EPSG:326NN"`` (north, ``lat >= 0``) or ``"EPSG:327NN"`` (south),
        ``NN`` the zone 1-60.
    """
    zone = int((lon + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, error=ScenarioError)


def _meta_str(meta: dict[str, Any], key: str, default: str, path: Path, hint: str) -> str:
    value = meta.get(key, default)
    if not isinstance(value, str):
        raise ScenarioError(f"{key} must be a string ({hint})", file=path, field=key, value=value)
    return value


def _check_meta(meta: dict[str, Any], path: Path) -> None:
    """Check the types of scenario.toml's own keys (the planning tables are checked by config)."""
    _meta_str(meta, "title", "", path, "a human title")
    if "crs" in meta:
        _meta_str(meta, "crs", "", path, "e.g. 'EPSG:32648'")
    _meta_str(meta, "timezone", "UTC", path, "an IANA name such as 'Asia/Shanghai'")
    if "roads" in meta:
        roads = meta["roads"]
        if not isinstance(roads, str) or not roads.strip():
            raise ScenarioError(
                "roads must be a file path (a string) relative to the scenario folder",
                file=path,
                field="roads",
                value=roads,
            )
    for key, kind, default, message in (
        ("allow_outside_paths", bool, False, "allow_outside_paths must be true or false"),
        ("provenance", dict, {}, "[provenance] must be a table of layer = text"),
    ):
        value = meta.get(key, default)
        if not isinstance(value, kind):
            raise ScenarioError(message, file=path, field=key, value=value)
    provenance = meta.get("provenance", {})
    for key, text in provenance.items():
        if not isinstance(text, str):
            where = f"provenance.{key}"
            raise ScenarioError(
                "a provenance entry must be a string", file=path, field=where, value=text
            )


def _check_crs_metres(parsed: CRS, crs: Any, meta_path: Path) -> None:
    """Refuse a projected CRS that does not measure in metres (a wrong zone is refused by
    :func:`borderwatch.data.validate.check_crs_fits` when the network is built)."""
    units = {axis.unit_name for axis in parsed.axis_info}
    if units and units != {"metre"}:
        raise ScenarioError(
            f"crs must measure in metres, not {', '.join(sorted(units))}",
            file=meta_path,
            field="crs",
            value=crs,
        )


def scenario_file(
    folder: Path, relative: str, *, key: str, meta_path: Path, allow_outside: bool = False
) -> Path:
    """Resolve a file path written in scenario.toml (or a fixed file name) inside ``folder``.

    A path that leaves the scenario folder (``..``, an absolute path, a
    symbolic link pointing out) is refused unless ``allow_outside_paths = true``
    is set in scenario.toml: a scenario folder can then be copied, shared and
    checked as one thing.

    Raises
    ------
    ScenarioError
        Naming scenario.toml, the key and the path.
    """
    try:
        path = (folder / Path(relative).expanduser()).resolve()
        inside = path.is_relative_to(folder.resolve())
    except (OSError, ValueError, RuntimeError) as err:
        raise ScenarioError(
            f"not a usable path: {err}", file=meta_path, field=key, value=relative
        ) from None
    if not inside and not allow_outside:
        raise ScenarioError(
            f"path leaves the scenario folder {folder}; keep the file inside it "
            "or set allow_outside_paths = true",
            file=meta_path,
            field=key,
            value=relative,
        )
    return path


def _read_geojson(path: Path, allowed: list[str], limits: Limits = DEFAULT_LIMITS) -> Any:
    if not path.is_file():
        raise ScenarioError(not_regular(path) or "file not found", file=path)
    file_bytes_limit(path, limits, what="GeoJSON")
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ScenarioError(f"not valid JSON: {err}", file=path) from None
    except RecursionError:
        raise ScenarioError("not valid JSON: nested too deeply", file=path) from None
    check_geojson_vertices(obj, limits, file=path)
    return v.geometry_from_geojson(obj, file=path, allowed=allowed)


def _points(frame: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    return gdf.set_index("id")


def _read_checkpoints(path: Path, limits: Limits = DEFAULT_LIMITS) -> gpd.GeoDataFrame:
    frame = v.read_csv_table(path, CHECKPOINT_COLUMNS, CHECKPOINT_OPTIONAL, limits=limits)
    v.check_ids(frame, "id", file=path)
    x, y = v.check_lonlat(frame, "lon", "lat", file=path)
    lo, hi, _ = RANGES["checkpoint_radius_m"]
    radius = v.to_float(frame, "radius_m", file=path, allow_empty=True, minimum=lo, maximum=hi)
    out = frame[["id", "name", "township", "kind"]].copy()
    out["radius_m"] = radius
    return _points(out, x, y)


def _read_teams(path: Path, config: PlanConfig) -> gpd.GeoDataFrame:
    frame = v.read_csv_table(path, TEAM_COLUMNS, TEAM_OPTIONAL, limits=config.limits)
    v.check_ids(frame, "id", file=path)
    x, y = v.check_lonlat(frame, "base_lon", "base_lat", file=path)
    crew = v.to_int(frame, "crew", file=path, minimum=1, maximum=MAX_CREW)
    for i, vehicle in enumerate(frame["vehicle"]):
        if vehicle not in config.profiles:
            raise ScenarioError(
                f"{v.row_label(frame, i)}: unknown vehicle; "
                f"known: {', '.join(sorted(config.profiles))}",
                file=path,
                field="vehicle",
                value=vehicle,
            )
    out = frame[["id", "name", "vehicle", "township"]].copy()
    out["crew"] = crew
    return _points(out, x, y)


def _read_incidents(path: Path, limits: Limits = DEFAULT_LIMITS) -> gpd.GeoDataFrame:
    frame = v.read_csv_table(path, INCIDENT_COLUMNS, limits=limits)
    x, y = v.check_lonlat(frame, "lon", "lat", file=path)
    dates = pd.to_datetime(frame["date"], errors="coerce", format="ISO8601")
    if dates.isna().any():
        i = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise ScenarioError(
            f"{v.row_label(frame, i)}: not an ISO date (YYYY-MM-DD)",
            file=path,
            field="date",
            value=frame["date"].iloc[i],
        )
    out = frame[["kind"]].copy()
    out["date"] = dates.dt.strftime("%Y-%m-%d")
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


def _read_grids(path: Path) -> dict[str, gpd.GeoDataFrame]:
    import pyogrio

    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
    except Exception as err:  # pyogrio's DataSourceError and friends
        raise ScenarioError(f"not a readable GeoPackage: {err}", file=path) from None
    grids: dict[str, gpd.GeoDataFrame] = {}
    for level in GRID_LEVELS:
        if level not in layers:
            continue
        frame = gpd.read_file(path, layer=level)
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs("EPSG:4326")
        v.check_grid_layer(frame, level, file=path)
        for col in ("head", "parent"):
            if col not in frame.columns:
                frame[col] = ""
        frame["id"] = frame["id"].astype(str)
        grids[level] = frame.set_index("id")
    unknown = layers - set(GRID_LEVELS)
    if unknown:
        v.warn(f"{path}: ignoring unknown grid layer(s) {', '.join(sorted(unknown))}")
    return grids


#: An admin-boundary file a scenario without grids.gpkg may hold: township polygons.
TOWNSHIPS_FILE = "townships.geojson"


def _read_townships(path: Path) -> dict[str, gpd.GeoDataFrame]:
    """Township polygons from an admin-boundary GeoJSON (``name``, optional ``id`` properties)."""
    try:
        frame = gpd.read_file(path)
    except Exception as err:  # pyogrio's DataSourceError and friends
        raise ScenarioError(f"not a readable GeoJSON file: {err}", file=path) from None
    if "name" not in frame.columns:
        raise ScenarioError(
            "each township polygon needs a 'name' property", file=path, field="name"
        )
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs("EPSG:4326")
    frame["name"] = frame["name"].fillna("").astype(str).str.strip()
    frame["id"] = frame["id"].astype(str) if "id" in frame.columns else frame["name"]
    for col in ("head", "parent"):
        frame[col] = frame[col].fillna("").astype(str) if col in frame.columns else ""
    frame = frame[["id", "name", "head", "parent", "geometry"]]
    if frame.empty:
        raise ScenarioError("holds no township polygons", file=path, field="features")
    v.check_grid_layer(frame, "township", file=path)
    return {"township": frame.set_index("id")}


def _scenario_name(meta: Mapping[str, Any], folder: Path, meta_path: Path) -> str:
    """The scenario's ``name`` (default: its folder's name), a non-empty string."""
    name = meta.get("name", folder.name)
    if not isinstance(name, str) or not name:
        raise ScenarioError(
            "name must be a non-empty string", file=meta_path, field="name", value=name
        )
    return name


def _scenario_timezone(meta: Mapping[str, Any], meta_path: Path) -> str:
    """The scenario's IANA ``timezone`` (default UTC), checked."""
    timezone = str(meta.get("timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScenarioError(
            "unknown IANA time zone (e.g. 'Asia/Shanghai')",
            field="timezone",
            value=timezone,
            file=meta_path,
        ) from None
    return timezone


def _scenario_crs(
    meta: Mapping[str, Any], border: LineString | MultiLineString, meta_path: Path
) -> Any:
    """The scenario's ``crs`` (default: the border's UTM zone), a projected metric CRS."""
    crs = meta.get("crs") or utm_crs(border.centroid.x, border.centroid.y)
    try:
        parsed = CRS.from_user_input(crs)
    except Exception:  # pyproj.exceptions.CRSError
        raise ScenarioError("unknown CRS", file=meta_path, field="crs", value=crs) from None
    if not parsed.is_projected:
        raise ScenarioError(
            "crs must be a projected metric CRS (e.g. a UTM zone such as EPSG:32648)",
            file=meta_path,
            field="crs",
            value=crs,
        )
    _check_crs_metres(parsed, crs, meta_path)
    return crs


def _scenario_grids(
    folder: Path, inside: Callable[[str, str], Path]
) -> dict[str, gpd.GeoDataFrame]:
    """The grid layers of ``grids.gpkg``, townships from an admin file when it has none."""
    grids = _read_grids(inside("grids.gpkg", "grids")) if (folder / "grids.gpkg").is_file() else {}
    if "township" not in grids and (folder / TOWNSHIPS_FILE).is_file():
        # no township grid: townships from an admin-boundary file (the README's scenario folders)
        grids = {**_read_townships(inside(TOWNSHIPS_FILE, "townships")), **grids}
    return grids


def _official_border_km(meta: Mapping[str, Any], meta_path: Path) -> Any:
    """The optional ``official_border_km``, a positive number (None when not given)."""
    official = meta.get("official_border_km")
    if official is not None and (
        isinstance(official, bool)
        or not isinstance(official, int | float)
        or not 0 < official < 1e6
    ):
        raise ScenarioError(
            "official_border_km must be a positive number",
            file=meta_path,
            field="official_border_km",
            value=official,
        )
    return official


def load_scenario(
    name_or_path: str | Path = "ningming",
    *,
    config: PlanConfig | None = None,
    limits: Mapping[str, Any] | None = None,
) -> Scenario:
    """Load a scenario from a folder, or the embedded scenario of that name.

    Parameters
    ----------
    name_or_path
        A scenario folder, its ``scenario.toml``, or an embedded name
        (``"ningming"``).
    config
        Options used by the checks (the known vehicle profiles); the
        scenario's own ``[defaults]`` apply over the built-in defaults when
        None.
    limits
        A ``[limits]`` table (a ``--config`` file's) applied over the
        scenario's own ``[limits]`` (or ``config.limits`` when ``config`` is
        given): input sizes checked before each file is parsed.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Naming the file, field and value of the first bad input.

    Notes
    -----
    Checks that need the projected network (checkpoints and bases too far from
    a road, teams cut off from the border, disconnected roads) run in
    :func:`borderwatch.data.build_network`.
    """
    folder = resolve_scenario_path(name_or_path)
    meta_path = folder / "scenario.toml"
    meta = _read_toml(meta_path)
    name = _scenario_name(meta, folder, meta_path)
    options = plan_options(
        meta,
        file=meta_path,
        error=ScenarioError,
        warning=ScenarioWarning,
        other_keys=SCENARIO_KEYS,
    )
    _check_meta(meta, meta_path)
    own = options.to_config()  # the scenario's defaults are checked even when config is given
    cfg = config or own
    if limits is not None:
        cfg = dataclasses.replace(cfg, limits=limits_from_mapping(limits, base=cfg.limits))
    lim = cfg.limits
    night_window = own.night
    defaults = {
        k: val for k, val in options.values.items() if k not in ("night_start", "night_end")
    }
    allow_outside = bool(meta.get("allow_outside_paths", False))

    def inside(relative: str, key: str) -> Path:
        return scenario_file(
            folder, relative, key=key, meta_path=meta_path, allow_outside=allow_outside
        )

    border_path = inside("border.geojson", "border")
    border = _read_geojson(border_path, ["LineString", "MultiLineString"], lim)
    assert isinstance(border, LineString | MultiLineString)
    v.check_border_line(border, file=border_path)
    area = None
    if (folder / "area.geojson").is_file():
        area = _read_geojson(inside("area.geojson", "area"), ["Polygon", "MultiPolygon"], lim)

    timezone = _scenario_timezone(meta, meta_path)
    crs = _scenario_crs(meta, border, meta_path)

    if "roads" in meta:
        road_file = inside(meta["roads"], "roads")
    else:
        road_file = find_road_file(folder)
        inside(road_file.name, "roads")
    roads = read_roads(road_file, limits=lim)
    checkpoints = _read_checkpoints(inside("checkpoints.csv", "checkpoints"), lim)
    teams = _read_teams(inside("teams.csv", "teams"), cfg)
    grids = _scenario_grids(folder, inside)
    incidents = (
        _read_incidents(inside("incidents.csv", "incidents"), lim)
        if (folder / "incidents.csv").is_file()
        else None
    )
    official = _official_border_km(meta, meta_path)
    provenance = {str(k): str(val) for k, val in meta.get("provenance", {}).items()}
    scenario = Scenario(
        name=name,
        border=border,
        roads=roads,
        checkpoints=checkpoints,
        teams=teams,
        grids=grids,
        crs=str(crs),
        timezone=timezone,
        night_window=night_window,
        area=area,
        incidents=incidents,
        title=str(meta.get("title", name)),
        official_border_km=None if official is None else float(official),
        defaults=defaults,
        provenance=provenance,
        source=folder,
    )
    return scenario
