"""Risk weights along the border from past incidents (a kernel along the chainage)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from borderwatch.errors import CoverageError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["risk_weights"]


def risk_weights(
    network: PatrolNetwork,
    incidents: gpd.GeoDataFrame | None = None,
    *,
    bandwidth_m: float = 2000.0,
    max_offset_m: float = 5000.0,
) -> np.ndarray:
    """Weight of every border unit: 1 plus a Gaussian kernel of nearby incidents.

    Each incident within ``max_offset_m`` of the border is placed at its
    chainage (the nearest point of the nearest border unit) and adds
    ``exp(-d² / (2 bandwidth²))`` to every unit of that part whose midpoint is
    ``d`` metres of chainage away (cut off at six bandwidths). A border with
    no incident weighs 1 everywhere.

    Parameters
    ----------
    network
        The patrol network.
    incidents
        Points (any CRS; lon/lat when none is set), e.g. ``scenario.incidents``.
        Default: the scenario's incidents, if any.
    bandwidth_m
        Kernel bandwidth along the chainage.
    max_offset_m
        Incidents farther than this from the border are ignored.

    Returns
    -------
    numpy.ndarray
        One float weight per unit (``network.units`` order), at least 1.
    """
    if not bandwidth_m > 0:
        raise CoverageError("bandwidth_m must be positive", field="bandwidth_m", value=bandwidth_m)
    if incidents is None:
        incidents = network.scenario.incidents
    weights = np.ones(len(network.units))
    if incidents is None or len(incidents) == 0:
        return weights
    pts = incidents if incidents.crs is not None else incidents.set_crs(4326)
    geoms = pts.to_crs(network.crs).geometry.to_numpy()
    units = network.units
    ug = units.geometry.to_numpy()
    # nearest unit of each incident (a short line: cheap to locate on), then its chainage
    (ii, ui), dist = shapely.STRtree(ug).query_nearest(
        geoms, return_distance=True, all_matches=False
    )
    keep = dist <= max_offset_m
    ii, ui = ii[keep], ui[keep]
    chain_all = units["start_m"].to_numpy()[ui] + shapely.line_locate_point(ug[ui], geoms[ii])
    part_all = units["part"].to_numpy()[ui]
    u_part = units["part"].to_numpy()
    u_mid = (units["start_m"].to_numpy() + units["end_m"].to_numpy()) / 2
    reach = 6.0 * bandwidth_m  # the kernel is below 1.6e-8 beyond six bandwidths
    for p in np.unique(part_all):
        chain = np.sort(chain_all[part_all == p])
        on = np.flatnonzero(u_part == p)  # the units of a part are in chainage order
        mids = u_mid[on]
        lo = np.searchsorted(mids, chain - reach)
        hi = np.searchsorted(mids, chain + reach)
        for c, a, b in zip(chain, lo, hi, strict=True):
            weights[on[a:b]] += np.exp(-0.5 * ((mids[a:b] - c) / bandwidth_m) ** 2)
    return weights
