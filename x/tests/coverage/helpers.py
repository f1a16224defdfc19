"""Shared helpers of these tests (no test module imports another)."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd
import shapely

from borderwatch.data import Scenario


def straight_scenario(radius_m: float, *, cp_offset_m: float = 0.0) -> Scenario:
    """A straight 10 km border along the equator-ish UTM line, one checkpoint at km 5."""
    crs = "EPSG:32648"
    x0, y0 = 700_000.0, 2_440_000.0
    border = (
        gpd.GeoSeries([shapely.LineString([(x0, y0), (x0 + 10_000, y0)])], crs=crs)
        .to_crs(4326)
        .iloc[0]
    )
    g = nx.MultiDiGraph(crs="EPSG:4326")
    pts = gpd.GeoSeries(
        [shapely.Point(x0 + 1000 * i, y0 - 400) for i in range(11)], crs=crs
    ).to_crs(4326)
    for i, p in enumerate(pts):
        g.add_node(i + 1, x=p.x, y=p.y)
    for i in range(1, 11):
        for a, b in ((i, i + 1), (i + 1, i)):
            g.add_edge(a, b, osmid=100 + i, highway="unclassified", length=1000.0)
    cp = gpd.GeoSeries([shapely.Point(x0 + 5000, y0 - cp_offset_m)], crs=crs).to_crs(4326)
    checkpoints = gpd.GeoDataFrame(
        {"name": ["mid"], "township": ["A"], "kind": ["post"], "radius_m": [radius_m]},
        geometry=cp.to_numpy(),
        crs=4326,
        index=pd.Index(["CP1"], name="id"),
    )
    base = gpd.GeoSeries([shapely.Point(x0, y0 - 400)], crs=crs).to_crs(4326)
    teams = gpd.GeoDataFrame(
        {"name": ["one"], "vehicle": ["pickup"], "crew": [4], "township": ["A"]},
        geometry=base.to_numpy(),
        crs=4326,
        index=pd.Index(["T1"], name="id"),
    )
    return Scenario(
        name="straight",
        border=border,
        roads=g,
        checkpoints=checkpoints,
        teams=teams,
        grids={},
        crs=crs,
    )
