"""Checkpoints, teams and incidents of a generated scenario, placed on its roads and grids.

Each placement draws from its own random stream (spawned by
:func:`~borderwatch.data.synthetic.generate_scenario`), so the steps are
independent and their order does not change what they draw.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely import LineString, Polygon

from borderwatch.data.synthetic import geometry as geom
from borderwatch.data.synthetic.roads import TRACK, RoadNet

__all__ = ["Places", "place_checkpoints", "place_incidents", "place_teams"]

WGS84 = "EPSG:4326"
VEHICLES = ("pickup", "suv", "motorcycle")
INCIDENT_KINDS = ("smuggling", "illegal_crossing", "other")


def seq_ids(prefix: str, n: int, width: int) -> list[str]:
    """``prefix`` + 1..n, zero-padded to ``width`` digits (more when ``n`` needs them)."""
    w = max(width, len(str(n)))
    return [f"{prefix}{i:0{w}d}" for i in range(1, n + 1)]


def _even(n_have: int, n_want: int) -> np.ndarray:
    """``n_want`` evenly spread indices of ``range(n_have)`` (``n_want <= n_have``)."""
    return np.floor((np.arange(n_want) + 0.5) * n_have / n_want).astype(np.int64)


def _frame(
    ids: list[str], data: dict[str, object], xy: np.ndarray, crs: str, *, lonlat: bool = False
) -> gpd.GeoDataFrame:
    if lonlat:
        x, y = xy[:, 0], xy[:, 1]
    else:
        x, y = (
            geom.transform_xy(xy[:, 0], xy[:, 1], crs, WGS84) if len(xy) else (xy[:, 0], xy[:, 1])
        )
    pts = shapely.points(np.round(x, 7), np.round(y, 7)) if len(xy) else np.empty(0, dtype=object)
    index = pd.Index(ids, name="id", dtype=object)
    return gpd.GeoDataFrame(data, index=index, geometry=gpd.GeoSeries(pts, index=index), crs=WGS84)


def _off_road_where_needed(
    net: RoadNet,
    border_m: LineString,
    base_xy: np.ndarray,
    vehicles: np.ndarray,
    view_m: float = 1000.0,
) -> np.ndarray:
    """Give an SUV to a pickup team whose base reaches no road near the border on made roads.

    Pickups keep off tracks and paths (the default vehicle profiles); where the
    made roads around a base are cut off from the border, the team would be
    useless, and the network builder rejects it. Real teams there drive SUVs.
    """
    from scipy import sparse
    from scipy.sparse import csgraph

    pickup = VEHICLES.index("pickup")
    if not (vehicles == pickup).any():
        return vehicles
    n = len(net.node_xy)
    made = net.edge_class < TRACK
    u, v = net.edge_u[made] - 1, net.edge_v[made] - 1
    labels = csgraph.connected_components(
        sparse.csr_array((np.ones(len(u)), (u, v)), shape=(n, n)), directed=False
    )[1]
    dist = geom.LineIndex.of(border_m).distance(net.coords[:, 0], net.coords[:, 1])
    edge_near = np.minimum.reduceat(dist, net.ptr[:-1]) <= view_m
    near = set(labels[(net.edge_u[made & edge_near]) - 1].tolist())
    base_node = cKDTree(net.node_xy).query(base_xy)[1]
    out = vehicles.copy()
    cut = (vehicles == pickup) & ~np.isin(labels[base_node], list(near))
    out[cut] = VEHICLES.index("suv")
    return out


@dataclass(frozen=True)
class Places:
    """The grids' names and polygons that placed things are labelled with (projected CRS)."""

    crs: str
    towns: np.ndarray
    villages: np.ndarray
    town_names: list[str]
    village_names: list[str]

    def where(self, xy: np.ndarray) -> tuple[list[str], list[str]]:
        """Township and village names of the polygons nearest each point."""
        if len(xy) == 0:
            return [], []
        pts = shapely.points(xy)
        ti = shapely.STRtree(self.towns).query_nearest(pts, all_matches=False)[1]
        vi = shapely.STRtree(self.villages).query_nearest(pts, all_matches=False)[1]
        return [self.town_names[i] for i in ti], [self.village_names[i] for i in vi]


def place_checkpoints(
    net: RoadNet,
    border_m: LineString,
    chain: geom.Chainage,
    n_cp: int,
    n_cross: int,
    n_trail: int,
    places: Places,
    r_cp: np.random.Generator,
) -> gpd.GeoDataFrame:
    """``n_cp`` checkpoints: at crossings, trail ends and border roads, spread along the border.

    About a tenth get a special watch radius (1 or 2 km); the rest take the
    scenario's default (NaN).
    """
    pools = {
        "crossing": net.crossing_xy,
        "trail_end": net.trail_xy,
        "border_road": net.border_road_xy,
    }
    want = {"crossing": n_cross, "trail_end": n_trail, "border_road": n_cp - n_cross - n_trail}
    take = {k: min(want[k], len(pools[k])) for k in want}
    short = n_cp - sum(take.values())
    for k in ("border_road", "trail_end", "crossing"):
        extra = min(short, len(pools[k]) - take[k])
        take[k] += extra
        short -= extra
    kinds: list[str] = []
    cp_xy_parts = []
    for k in ("crossing", "trail_end", "border_road"):
        pool = pools[k]
        if take[k]:
            order = np.argsort(chain(pool), kind="stable")
            cp_xy_parts.append(pool[order][_even(len(pool), take[k])])
            kinds += [k] * take[k]
    if short > 0:  # fewer candidates than checkpoints: reuse road nodes nearest the border
        dist = geom.LineIndex.of(border_m).distance(net.node_xy[:, 0], net.node_xy[:, 1])
        near_nodes = net.node_xy[np.argsort(dist, kind="stable")]
        reuse = near_nodes[np.arange(short) % len(near_nodes)]
        cp_xy_parts.append(reuse)
        kinds += ["border_road"] * short
    cp_xy = np.vstack(cp_xy_parts) if cp_xy_parts else np.empty((0, 2))
    ang = r_cp.uniform(0, 2 * np.pi, len(cp_xy))
    rad = r_cp.uniform(0, 40.0, len(cp_xy))
    cp_xy = cp_xy + np.column_stack([rad * np.cos(ang), rad * np.sin(ang)])
    order = np.argsort(chain(cp_xy), kind="stable")
    cp_xy = cp_xy[order]
    kinds = [kinds[i] for i in order]
    radius = np.full(len(cp_xy), np.nan)
    special = r_cp.uniform(size=len(cp_xy)) < 0.1
    radius[special] = r_cp.choice([1000.0, 2000.0], size=int(special.sum()))
    cp_ids = seq_ids("CP", len(cp_xy), 3)

    cp_town, cp_vil = places.where(cp_xy)
    return _frame(
        cp_ids,
        {
            "name": [f"{i} {v}卡点" for i, v in zip(cp_ids, cp_vil, strict=True)],
            "township": cp_town,
            "kind": kinds,
            "radius_m": radius,
        },
        cp_xy,
        places.crs,
    )


def place_teams(
    net: RoadNet,
    border_m: LineString,
    chain: geom.Chainage,
    n_tm: int,
    vxy: np.ndarray,
    v_near: np.ndarray,
    village_town: np.ndarray,
    places: Places,
    r_team: np.random.Generator,
) -> gpd.GeoDataFrame:
    """``n_tm`` teams based at border villages spread along the border (then the nearest others)."""
    bv = np.flatnonzero(v_near)
    bv = bv[np.argsort(chain(vxy[bv]), kind="stable")]
    if n_tm <= len(bv):
        base_v = bv[_even(len(bv), n_tm)]
    else:
        dist = geom.LineIndex.of(border_m).distance(vxy[:, 0], vxy[:, 1])
        by_dist = np.argsort(dist, kind="stable")
        others = by_dist[~np.isin(by_dist, bv)]
        pool = np.r_[bv, others]
        base_v = pool[np.arange(n_tm) % len(pool)]
    team_ids = seq_ids("T", n_tm, 2)
    vehicles = r_team.choice(len(VEHICLES), size=n_tm, p=[0.45, 0.3, 0.25])
    vehicles = _off_road_where_needed(net, border_m, vxy[base_v], vehicles)
    return _frame(
        team_ids,
        {
            "name": [f"{places.village_names[v]}边境联防巡逻队" for v in base_v],
            "vehicle": [VEHICLES[i] for i in vehicles],
            "crew": r_team.integers(4, 9, size=n_tm).astype(np.int64),
            "township": [places.town_names[village_town[v]] for v in base_v],
        },
        vxy[base_v],
        places.crs,
    )


def place_incidents(
    net: RoadNet,
    area_m: Polygon,
    chain: geom.Chainage,
    crs: str,
    border_len_km: float,
    incident_rate: float,
    incident_year: int,
    r_inc: np.random.Generator,
) -> gpd.GeoDataFrame:
    """``incident_rate`` incidents per border km over a year, near crossings and trail ends."""
    n_inc = round(incident_rate * border_len_km)
    centres = (
        np.vstack([net.crossing_xy, net.trail_xy])
        if len(net.crossing_xy) + len(net.trail_xy)
        else np.empty((0, 2))
    )
    if len(centres):
        w = np.r_[np.full(len(net.crossing_xy), 3.0), np.ones(len(net.trail_xy))]
        pick = r_inc.choice(len(centres), size=n_inc, p=w / w.sum())
        base = centres[pick]
    else:
        samples = np.asarray(chain.tree.data)
        base = samples[r_inc.integers(len(samples), size=n_inc)]
    ixy = base + r_inc.normal(0.0, 400.0, size=(n_inc, 2))
    inside = shapely.contains_xy(area_m, ixy[:, 0], ixy[:, 1]) if n_inc else np.empty(0, dtype=bool)
    ixy[~inside] = base[~inside]
    days = r_inc.integers(0, 365, size=n_inc)
    kinds_i = r_inc.choice(len(INCIDENT_KINDS), size=n_inc, p=[0.5, 0.35, 0.15])
    start = dt.date(incident_year, 1, 1)
    dates = [(start + dt.timedelta(days=int(d))).isoformat() for d in days]
    ilon, ilat = (
        geom.transform_xy(ixy[:, 0], ixy[:, 1], crs, WGS84) if n_inc else (np.empty(0), np.empty(0))
    )
    ilon, ilat = np.round(ilon, 7), np.round(ilat, 7)
    order = (
        np.lexsort((ilat, ilon, np.array(dates, dtype=object)))
        if n_inc
        else np.empty(0, dtype=np.int64)
    )
    return gpd.GeoDataFrame(
        {"date": [dates[i] for i in order], "kind": [INCIDENT_KINDS[kinds_i[i]] for i in order]},
        geometry=gpd.GeoSeries(
            shapely.points(ilon[order], ilat[order]) if n_inc else [], crs=WGS84
        ),
        crs=WGS84,
    )
