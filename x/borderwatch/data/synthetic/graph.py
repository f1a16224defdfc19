"""osmnx-style graph of the synthetic road network (private)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import shapely

from borderwatch.data.synthetic import geometry as geom
from borderwatch.data.synthetic.roads import HIGHWAYS, RoadNet

__all__ = ["great_circle_lengths", "roads_graph"]

_WGS84 = "EPSG:4326"
_EARTH_RADIUS_M = 6_371_009.0


def great_circle_lengths(lon: np.ndarray, lat: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Great-circle lengths (m) of polylines stored flat, as osmnx measures them.

    Parameters
    ----------
    lon, lat
        Flat coordinate arrays of all polylines.
    ptr
        Polyline ``i`` is ``lon[ptr[i]:ptr[i + 1]]`` (at least two points each).

    Returns
    -------
    numpy.ndarray
        Sum of the segment lengths of each polyline, with osmnx's earth radius.
    """
    y1, y2 = np.deg2rad(lat[:-1]), np.deg2rad(lat[1:])
    x1, x2 = np.deg2rad(lon[:-1]), np.deg2rad(lon[1:])
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
    seg = 2 * np.arcsin(np.sqrt(np.minimum(1.0, h))) * _EARTH_RADIUS_M
    seg = np.r_[seg, 0.0]
    seg[ptr[1:-1] - 1] = 0.0  # the "segment" joining two polylines
    return np.add.reduceat(seg, ptr[:-1])


def roads_graph(net: RoadNet, crs: str) -> nx.MultiDiGraph:
    """Turn a projected :class:`RoadNet` into an osmnx-style simplified lon/lat graph."""
    lon, lat = geom.transform_xy(net.coords[:, 0], net.coords[:, 1], crs, _WGS84)
    nlon, nlat = geom.transform_xy(net.node_xy[:, 0], net.node_xy[:, 1], crs, _WGS84)
    lon, lat, nlon, nlat = (np.round(v, 7) for v in (lon, lat, nlon, nlat))
    ptr = net.ptr
    # chain ends are exactly the node coordinates
    lon[ptr[:-1]], lat[ptr[:-1]] = nlon[net.edge_u - 1], nlat[net.edge_u - 1]
    lon[ptr[1:] - 1], lat[ptr[1:] - 1] = nlon[net.edge_v - 1], nlat[net.edge_v - 1]
    lengths = great_circle_lengths(lon, lat, ptr) if len(ptr) > 1 else np.empty(0)
    n_nodes = len(net.node_xy)
    street = np.bincount(np.r_[net.edge_u, net.edge_v], minlength=n_nodes + 1)

    G = nx.MultiDiGraph(crs=_WGS84, created_with="borderwatch synthetic", simplified=True)
    G.add_nodes_from(
        (i + 1, {"y": float(nlat[i]), "x": float(nlon[i]), "street_count": int(street[i + 1])})
        for i in range(n_nodes)
    )
    n_edges = len(net.edge_u)
    counts = np.diff(ptr)
    bent = np.flatnonzero(counts > 2)
    fwd_geom = np.full(n_edges, None, dtype=object)
    rev_geom = np.full(n_edges, None, dtype=object)
    if len(bent):
        take = np.repeat(ptr[bent], counts[bent]) + (
            np.arange(int(counts[bent].sum()))
            - np.repeat(np.r_[0, np.cumsum(counts[bent])][:-1], counts[bent])
        )
        lines = shapely.linestrings(
            lon[take], lat[take], indices=np.repeat(np.arange(len(bent)), counts[bent])
        )
        fwd_geom[bent] = lines
        rev_geom[bent] = shapely.reverse(lines)
    us, vs, ks = net.edge_u.tolist(), net.edge_v.tolist(), net.edge_key.tolist()
    cls, lens = net.edge_class.tolist(), lengths.tolist()
    edges = []
    for j in range(n_edges):
        base = {"osmid": j + 1, "highway": HIGHWAYS[cls[j]], "oneway": False}
        if net.edge_name[j]:
            base["name"] = net.edge_name[j]
        base["length"] = lens[j]
        fwd = {**base, "reversed": False}
        rev = {**base, "reversed": True}
        if fwd_geom[j] is not None:
            fwd["geometry"] = fwd_geom[j]
            rev["geometry"] = rev_geom[j]
        edges.append((us[j], vs[j], ks[j], fwd))
        edges.append((vs[j], us[j], ks[j], rev))
    G.add_edges_from(edges)
    return G
