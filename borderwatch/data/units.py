"""Cut a projected border line into units with chainage."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, MultiLineString
from shapely.ops import substring

__all__ = ["border_parts", "split_border"]


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
    parts, starts, ends, lengths, geoms = [], [], [], [], []
    offset = 0.0
    for p, line in enumerate(border_parts(border)):
        length = line.length
        n = max(1, math.ceil(length / unit_length_m - 1e-9))
        cuts = np.minimum(np.arange(n + 1) * unit_length_m, length)
        cuts[-1] = length
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            geoms.append(substring(line, float(a), float(b)))
            parts.append(p)
            starts.append(offset + float(a))
            ends.append(offset + float(b))
            lengths.append(float(b - a))
        offset += length
    units = gpd.GeoDataFrame(
        {"part": parts, "start_m": starts, "end_m": ends, "length_m": lengths},
        geometry=geoms,
        crs=crs,
    )
    units.index.name = "unit"
    return units
