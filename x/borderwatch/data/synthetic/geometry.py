"""Geometry helpers of the synthetic generator: border, area, point sampling, grids.

Everything here works in a projected metric CRS (metres). Private module: the
public entry point is :func:`borderwatch.data.synthetic.generate_scenario`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from scipy.ndimage import gaussian_filter1d
from scipy.spatial import cKDTree
from shapely import LineString, MultiLineString, MultiPolygon, Polygon

__all__: list[str] = []

#: Two distances that decide which grid polygons "touch" the border (metres).
TOUCH_M = 1.0
NEAR_M = 25.0


def utm_crs(lon: float, lat: float) -> str:
    """Return the UTM zone CRS (``"EPSG:326zz"`` / ``"EPSG:327zz"``) of a lon/lat point."""
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def transform(geom: shapely.Geometry, src: str, dst: str) -> shapely.Geometry:
    """Reproject a shapely geometry (or array of them) from ``src`` to ``dst``."""
    tr = Transformer.from_crs(src, dst, always_xy=True)

    def _fn(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _fn)


def transform_xy(x: np.ndarray, y: np.ndarray, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Reproject coordinate arrays."""
    tr = Transformer.from_crs(src, dst, always_xy=True)
    ox, oy = tr.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(ox, dtype=float), np.asarray(oy, dtype=float)


def points_along(line: LineString, distances: np.ndarray) -> np.ndarray:
    """Points at ``distances`` (metres from the start) along ``line``, as an (n, 2) array.

    Linear-time replacement for :func:`shapely.line_interpolate_point` on long lines.
    """
    c = shapely.get_coordinates(line)
    cum = np.r_[0.0, np.cumsum(np.hypot(*np.diff(c, axis=0).T))]
    d = np.clip(np.asarray(distances, dtype=float), 0.0, cum[-1])
    return np.column_stack([np.interp(d, cum, c[:, 0]), np.interp(d, cum, c[:, 1])])


def _noise(rng: np.random.Generator, n: int, sigma_pts: float) -> np.ndarray:
    """Unit-variance smooth noise of ``n`` samples (Gaussian-filtered white noise)."""
    white = rng.standard_normal(n)
    sigma_pts = min(sigma_pts, n / 4.0)
    if sigma_pts < 0.5:
        return white
    smooth = gaussian_filter1d(white, sigma=sigma_pts, mode="reflect")
    sd = float(smooth.std())
    return np.asarray(smooth / sd if sd > 0 else smooth, dtype=float)


def default_depth_m(border_km: float) -> float:
    """Depth of the generated area behind a border of ``border_km`` (metres)."""
    return 1000.0 * float(np.clip(4.0 + 0.1 * border_km, 3.0, 40.0))


def make_border_area(
    border_m: float, depth_m: float, rng: np.random.Generator
) -> tuple[LineString, Polygon]:
    """A meandering south→north border of exactly ``border_m`` and the area east of it.

    Coordinates are local metres with the border starting at (0, 0).
    """
    step = float(np.clip(border_m / 400.0, 10.0, 100.0))
    y_extent = border_m / 1.15
    n = max(math.ceil(y_extent / step) + 1, 16)
    y = np.linspace(0.0, y_extent, n)
    dy = y[1] - y[0]
    drift = min(0.08 * border_m, 25_000.0) * _noise(rng, n, max(20_000.0, y_extent / 5) / dy)
    small = (
        0.14 * depth_m * _noise(rng, n, 5000.0 / dy)
        + 0.07 * depth_m * _noise(rng, n, 1200.0 / dy)
        + min(350.0, 0.04 * depth_m) * _noise(rng, n, 500.0 / dy)
        + min(80.0, 0.01 * depth_m) * _noise(rng, n, 120.0 / dy)
    )
    small = np.clip(small, -0.4 * depth_m, 0.4 * depth_m)
    x = drift + small
    back = drift + depth_m * (1.0 + 0.15 * np.clip(_noise(rng, n, 8000.0 / dy), -2.0, 2.0))
    x = x - x[0]
    back = back - (drift[0] + small[0])
    length = float(np.hypot(np.diff(x), np.diff(y)).sum())
    f = border_m / length
    x, y, back = x * f, y * f, back * f
    border = LineString(np.column_stack([x, y]))
    k = max(1, n // 400)
    idx = np.unique(np.r_[np.arange(0, n, k), n - 1])
    ring = np.vstack(
        [np.column_stack([x, y]), np.column_stack([back[idx], y[idx]])[::-1], [[x[0], y[0]]]]
    )
    area = Polygon(ring)
    if not area.is_valid:  # pragma: no cover - guarded by the clip above
        area = largest_polygon(shapely.make_valid(area))
    return border, area


def area_behind(border: LineString | MultiLineString, depth_m: float) -> Polygon | MultiPolygon:
    """An area of ``depth_m`` on the right-hand side of ``border`` (when none is given)."""
    area = shapely.buffer(border, -depth_m, single_sided=True)
    return polygonal(shapely.make_valid(area))


def polygonal(geom: shapely.Geometry) -> Polygon | MultiPolygon:
    """The polygonal part of a geometry (drop points and lines from a collection)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon | MultiPolygon)]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def largest_polygon(geom: shapely.Geometry) -> Polygon:
    """The largest polygon in ``geom``."""
    parts = [p for p in shapely.get_parts(polygonal(geom)) if isinstance(p, Polygon)]
    return max(parts, key=lambda p: p.area)


def segments(geom: shapely.Geometry) -> np.ndarray:
    """The straight segments of the lines / polygon rings of ``geom`` as LineStrings."""
    lines = shapely.get_parts(
        shapely.boundary(geom) if geom.geom_type.endswith("Polygon") else geom
    )
    lines = shapely.get_parts(lines)
    out = []
    for line in lines:
        c = shapely.get_coordinates(line)
        if len(c) >= 2:
            out.append(np.stack([c[:-1], c[1:]], axis=1))
    if not out:
        return np.empty(0, dtype=object)
    segs = np.concatenate(out)
    return np.asarray(shapely.linestrings(segs), dtype=object)


@dataclass
class LineIndex:
    """Nearest-distance queries against a line by its segments (fast for long lines)."""

    tree: shapely.STRtree

    @classmethod
    def of(cls, geom: shapely.Geometry) -> LineIndex:
        return cls(shapely.STRtree(segments(geom)))

    def within(self, x: np.ndarray, y: np.ndarray, radius: float) -> np.ndarray:
        """Whether each point lies within ``radius`` of the line (faster than ``distance``)."""
        out = np.zeros(len(x), dtype=bool)
        if len(x):
            pts = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
            out[self.tree.query(pts, predicate="dwithin", distance=radius)[0]] = True
        return out

    def distance(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance from each point to the line."""
        if len(x) == 0:
            return np.empty(0)
        pts = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        idx, dist = self.tree.query_nearest(pts, return_distance=True, all_matches=False)
        out = np.full(len(pts), np.inf)
        out[idx[0]] = dist
        return out


def sample_in(
    area: Polygon | MultiPolygon, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` well-spread random points inside ``area`` (jittered grid, then a random subset)."""
    if n <= 0:
        return np.empty(0), np.empty(0)
    shapely.prepare(area)
    minx, miny, maxx, maxy = area.bounds
    spacing = math.sqrt(area.area / n)
    for _ in range(30):
        gx = np.arange(minx, maxx, spacing)
        gy = np.arange(miny, maxy, spacing)
        xx, yy = np.meshgrid(gx, gy)
        xx = xx.ravel() + rng.uniform(0.0, spacing, xx.size)
        yy = yy.ravel() + rng.uniform(0.0, spacing, yy.size)
        inside = shapely.contains_xy(area, xx, yy)
        if int(inside.sum()) >= n:
            xx, yy = xx[inside], yy[inside]
            pick = np.sort(rng.choice(len(xx), size=n, replace=False))
            return xx[pick], yy[pick]
        spacing *= 0.8
    raise ValueError(f"could not place {n} points inside the area")  # pragma: no cover


def spread_choice(
    x: np.ndarray,
    y: np.ndarray,
    k: int,
    rng: np.random.Generator,
    *,
    chosen: np.ndarray | None = None,
) -> np.ndarray:
    """Choose ``k`` well-spread indices of the points by D² sampling (k-means++ seeding).

    ``chosen`` are points (indices into ``x``/``y``) already picked whose
    distance counts but which are not returned again.
    """
    n = len(x)
    if k <= 0 or n == 0:
        return np.empty(0, dtype=np.int64)
    if k >= n:
        return np.arange(n, dtype=np.int64)
    d2 = np.full(n, np.inf)
    if chosen is not None and len(chosen):
        tree = cKDTree(np.column_stack([x[chosen], y[chosen]]))
        d, _ = tree.query(np.column_stack([x, y]))
        d2 = d**2
    picked = np.empty(k, dtype=np.int64)
    for i in range(k):
        if np.isinf(d2).all():
            j = int(rng.integers(n))
        else:
            w = np.where(np.isinf(d2), 0.0, d2)
            total = w.sum()
            j = int(rng.choice(n, p=w / total)) if total > 0 else int(rng.integers(n))
        picked[i] = j
        dj = (x - x[j]) ** 2 + (y - y[j]) ** 2
        d2 = np.minimum(d2, dj)
        d2[j] = 0.0
    return picked


def voronoi_cells(x: np.ndarray, y: np.ndarray, area: Polygon | MultiPolygon) -> np.ndarray:
    """Voronoi cells of the seeds clipped to ``area``, in seed order (array of polygons)."""
    pts = shapely.multipoints(np.column_stack([x, y]))
    minx, miny, maxx, maxy = area.bounds
    pad = max(maxx - minx, maxy - miny)
    env = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    vor = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=env, ordered=True))
    if len(vor) != len(x):  # pragma: no cover - duplicate seeds
        raise ValueError("duplicate grid seeds")
    shapely.prepare(area)
    inside = shapely.contains(area, vor)
    cells = vor.copy()
    todo = np.flatnonzero(~inside)
    if len(todo):
        bounds = shapely.bounds(vor[todo])
        for i, b in zip(todo, bounds, strict=True):
            cells[i] = shapely.intersection(vor[i], shapely.clip_by_rect(area, *b))
    return np.array([polygonal(c) for c in cells], dtype=object)


def dissolve(polys: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Union of ``polys`` by integer group label ``0..n_groups-1``."""
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(n_groups + 1))
    out = np.empty(n_groups, dtype=object)
    for g in range(n_groups):
        members = polys[order[bounds[g] : bounds[g + 1]]]
        geom = members[0] if len(members) == 1 else shapely.union_all(members)
        out[g] = polygonal(geom)
    return out


class Chainage:
    """Chainage of points along the border (nearest of dense samples)."""

    def __init__(self, border: LineString | MultiLineString) -> None:
        parts = list(shapely.get_parts(border))
        xs, cs, off = [], [], 0.0
        for line in parts:
            n = max(int(line.length // 50.0) + 1, 2)
            d = np.linspace(0.0, line.length, n)
            xs.append(points_along(line, d))
            cs.append(d + off)
            off += line.length
        self.tree = cKDTree(np.vstack(xs))
        self.c = np.concatenate(cs)

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        if len(xy) == 0:
            return np.empty(0)
        return np.asarray(self.c[self.tree.query(xy)[1]], dtype=float)
