"""Cut a projected border line into units with chainage."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString

__all__ = ["border_parts", "split_border", "unit_runs"]


def border_parts(border: LineString | MultiLineString) -> list[LineString]:
    """Return the parts of a border in chainage order."""
    if isinstance(border, LineString):
        return [border]
    return list(border.geoms)


def split_border(
    border: LineString | MultiLineString, unit_length_m: float, *, crs: str | None = None
) -> gpd.GeoDataFrame:
    """Cut a projected border into consecutive units of ``unit_length_m``.

    Each part of a MultiLineString is cut on its own (units never span a gap
    between parts); the last unit of a part takes what is left and may be
    shorter. Chainage runs on across parts.

    Parameters
    ----------
    border
        Projected (metric) border line.
    unit_length_m
        Target length of a unit.
    crs
        CRS recorded on the result.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``unit`` (0..n-1); columns ``part``, ``start_m``, ``end_m``,
        ``length_m``; LineString geometry.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> units = split_border(LineString([(0, 0), (1000, 0)]), 300)
    >>> units["length_m"].round(1).tolist()
    [300.0, 300.0, 300.0, 100.0]
    """
    if not unit_length_m > 0:
        raise ValueError(f"unit_length_m must be > 0, not {unit_length_m!r}")
    parts, starts, ends, geoms = [], [], [], []
    offset = 0.0
    for p, line in enumerate(border_parts(border)):
        length = line.length
        n = max(1, math.ceil(length / unit_length_m - 1e-9))
        cuts = np.minimum(np.arange(n + 1) * unit_length_m, length)
        cuts[-1] = length
        geoms.append(_cut(line, cuts))
        parts.append(np.full(n, p))
        starts.append(offset + cuts[:-1])
        ends.append(offset + cuts[1:])
        offset += length
    start, end = np.concatenate(starts), np.concatenate(ends)
    units = gpd.GeoDataFrame(
        {"part": np.concatenate(parts), "start_m": start, "end_m": end, "length_m": end - start},
        geometry=np.concatenate(geoms),
        crs=crs,
    )
    units.index.name = "unit"
    return units


def _cut(line: LineString, cuts: np.ndarray) -> np.ndarray:
    """Pieces of ``line`` between consecutive chainages ``cuts``, vectorised.

    (``shapely.ops.substring`` walks the whole line per call: quadratic for a
    long, finely drawn border; this is one pass.)
    """
    xy = shapely.get_coordinates(line)
    seg = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    # the chainage of the end vertex may differ from line.length in the last bits
    cuts = cuts * (cum[-1] / cuts[-1]) if cuts[-1] > 0 else cuts
    pts = np.column_stack([np.interp(cuts, cum, xy[:, 0]), np.interp(cuts, cum, xy[:, 1])])
    n = len(cuts) - 1
    # vertices strictly inside each piece
    lo = np.searchsorted(cum, cuts[:-1], side="right")
    hi = np.searchsorted(cum, cuts[1:], side="left")
    inner = np.maximum(hi - lo, 0)
    counts = inner + 2
    total = int(counts.sum())
    piece = np.repeat(np.arange(n), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(total) - np.repeat(first, counts)
    coords = np.empty((total, 2))
    is_start = pos == 0
    is_end = pos == np.repeat(counts - 1, counts)
    coords[is_start] = pts[:-1]
    coords[is_end] = pts[1:]
    mid = ~(is_start | is_end)
    coords[mid] = xy[(np.repeat(lo, counts) + pos - 1)[mid]]
    lines: np.ndarray = shapely.linestrings(coords, indices=piece)
    return lines


def unit_runs(mask: np.ndarray, part: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` positions of the maximal runs of ``mask`` that stay within one border part.

    Examples
    --------
    >>> unit_runs(np.array([True, True, False, True, True]), np.array([0, 0, 0, 0, 1]))
    [(0, 1), (3, 3), (4, 4)]
    """
    if not mask.any():
        return []
    idx = np.flatnonzero(mask)
    brk = np.concatenate([[True], (np.diff(idx) != 1) | (part[idx][1:] != part[idx][:-1])])
    starts = idx[brk]
    ends = np.concatenate([idx[np.flatnonzero(brk)[1:] - 1], idx[-1:]])
    return list(zip(starts.tolist(), ends.tolist(), strict=True))
