"""Synthetic map inputs built from a network by simple rules: for tests, demos and docs.

They follow the input contract of :func:`coverage_map` and :func:`plan_map`
without running coverage or routing: a unit watched by a checkpoint has status
``"checkpoint"``, one within ``patrol_view_m`` of a road ``"patrol"``, the rest
``"gap"``; each road that watches the border goes to the team with the nearest
base, and a team's route is its roads in chainage order.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderwatch.maps.builder import gap_runs, summary_from_units

if TYPE_CHECKING:
    from collections.abc import Sequence

    from borderwatch.data.network import PatrolNetwork

__all__ = ["synthetic_inputs"]


def synthetic_inputs(
    network: PatrolNetwork, *, force_gaps: Sequence[tuple[int, int]] = ()
) -> dict[str, Any]:
    """Per-unit table, gaps, summary, routes and required edges for ``network``.

    Parameters
    ----------
    network
        The network.
    force_gaps
        Ranges ``(first, last)`` of unit positions (inclusive) made gaps
        whatever watches them.

    Returns
    -------
    dict
        Keys ``units_status``, ``gaps``, ``summary``, ``routes``, ``required_edges``.
    """
    units = network.units
    watch = network.watch
    n = len(units)
    by_cp = np.diff(watch.unit_checkpoint.indptr) > 0
    by_road = np.diff(watch.unit_edge.indptr) > 0
    status = np.where(by_cp, "checkpoint", np.where(by_road, "patrol", "gap"))
    for first, last in force_gaps:
        status[first : last + 1] = "gap"
    pos = np.arange(n)
    revisit = np.where(status == "gap", np.nan, 35.0 + (pos * 37 % 150))
    response = np.where(status == "checkpoint", 5.0 + pos % 10, 12.0 + (pos * 13 % 70))
    units_status = pd.DataFrame(
        {"status": status, "worst_revisit_min": revisit, "response_min": response},
        index=units.index,
    )
    gaps = gap_runs(units, units_status["status"])
    cps = network.checkpoints
    for i, row in gaps.iterrows():
        u = units.index.get_loc(row["first_unit"])
        k = int(watch.nearest_checkpoint[u])
        if k >= 0:
            gaps.loc[i, "nearest_checkpoint"] = str(cps["name"].iloc[k])
            gaps.loc[i, "nearest_checkpoint_km"] = float(watch.nearest_checkpoint_m[u]) / 1000
        gaps.loc[i, "criterion"] = "static"
        gaps.loc[i, "worst_value"] = math.inf if i % 2 else 240.0
        gaps.loc[i, "why"] = "no checkpoint within radius, no road within view"
    summary = summary_from_units(units, units_status)

    # routes: each watching road to the team with the nearest base
    watching = np.unique(watch.unit_edge.indices)
    edges = network.edges.iloc[watching]
    teams = network.teams
    mids = shapely.line_interpolate_point(edges.geometry.to_numpy(), 0.5, normalized=True)
    if len(teams):
        d = shapely.distance(mids[:, None], teams.geometry.to_numpy()[None, :])
        owner = np.argmin(d, axis=1)
    else:
        owner = np.zeros(len(edges), dtype=int)
    # chainage of each edge's midpoint along the border orders a team's roads
    along = np.asarray([network.border.project(p) for p in mids]) if len(mids) else np.array([])
    rows = []
    for k, (ident, team) in enumerate(teams.iterrows()):
        sel = np.flatnonzero(owner == k)
        if not len(sel):
            continue
        sel = sel[np.argsort(along[sel], kind="stable")]
        geoms = list(edges.geometry.to_numpy()[sel])
        line = shapely.line_merge(shapely.MultiLineString([g for g in geoms]))
        km = 2 * float(edges["length"].to_numpy()[sel].sum()) / 1000
        rows.append(
            {
                "team": str(ident),
                "vehicle": str(team.get("vehicle", "")),
                "loop_km": km,
                "loop_min": km / 35.0 * 60,
                "start_times": "20:00, 23:10, 02:20",
                "geometry": line,
            }
        )
    routes = gpd.GeoDataFrame(
        rows,
        columns=["team", "vehicle", "loop_km", "loop_min", "start_times", "geometry"],
        geometry="geometry",
        crs=network.crs,
    )
    return {
        "units_status": units_status,
        "gaps": gaps,
        "summary": summary,
        "routes": routes,
        "required_edges": [int(e) for e in edges.index],
    }
