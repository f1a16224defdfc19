"""The :class:`PatrolNetwork`: roads, border units and checkpoints as one projected graph.

:func:`build_network` is the second step of the data flow. It projects the
scenario to its metric CRS, turns the osmnx graph into integer-indexed node and
edge tables (each road once, undirected), cuts the border into units with
chainage, snaps checkpoints and team bases, checks that every team can reach
the border, and builds the watch index with shapely's STRtree.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiLineString

from borderwatch.config import PlanConfig
from borderwatch.data.road_cache import cached_derived
from borderwatch.data.roads import BUILT_UP_KMH, built_up, maxspeed_kmh
from borderwatch.data.units import split_border
from borderwatch.data.validate import check_crs_fits, check_scale, warn
from borderwatch.errors import ScenarioError

if TYPE_CHECKING:
    import networkx as nx

    from borderwatch.data.scenario import Scenario

__all__ = ["HIGHWAY_RANK", "PatrolNetwork", "WatchIndex", "build_network", "closed_reasons"]

logger = logging.getLogger(__name__)

#: OSM highway classes from most to least important. The OSM reader never merges
#: classes; an edge that still holds several (a road file simplified elsewhere)
#: takes the *least* important of its parts, so no vehicle is sent down a path
#: hidden in a road (issue #23).
HIGHWAY_RANK: dict[str, int] = {
    name: i
    for i, name in enumerate(
        [
            "motorway",
            "trunk",
            "primary",
            "secondary",
            "tertiary",
            "motorway_link",
            "trunk_link",
            "primary_link",
            "secondary_link",
            "tertiary_link",
            "unclassified",
            "residential",
            "living_street",
            "service",
            "track",
            "pedestrian",
            "bridleway",
            "path",
            "footway",
            "cycleway",
            "steps",
        ]
    )
}


#: PlanConfig options that shape a PatrolNetwork (its units, watch index, snapping, access).
_SHAPING = ("unit_length_m", "patrol_view_m", "checkpoint_radius_m", "max_snap_m", "access")


@dataclass(frozen=True)
class WatchIndex:
    """Which road edges and checkpoints watch each border unit.

    Attributes
    ----------
    unit_edge
        Boolean sparse matrix (units × edges): driving the edge watches the unit
        (the edge passes within ``patrol_view_m``).
    unit_checkpoint
        Boolean sparse matrix (units × checkpoints): the checkpoint is within
        its watch radius of the unit.
    checkpoint_distance_m
        Sparse matrix of the same pattern holding the distances (a zero
        distance is stored as 1e-9 so it stays in the pattern).
    nearest_checkpoint
        Row position of the nearest checkpoint of each unit (-1 if none).
    nearest_checkpoint_m
        Distance to it (inf if none).
    nearest_road_m
        Distance from each unit to the nearest road edge of any class.
    """

    unit_edge: sparse.csr_array
    unit_checkpoint: sparse.csr_array
    checkpoint_distance_m: sparse.csr_array
    nearest_checkpoint: np.ndarray
    nearest_checkpoint_m: np.ndarray
    nearest_road_m: np.ndarray


@dataclass(frozen=True)
class PatrolNetwork:
    """Roads, border units, checkpoints and teams of a scenario, projected.

    Node and edge tables are indexed by position (0..n-1), which is also the
    index of the CSR matrices. Use :meth:`csr` for shortest paths with
    :mod:`scipy.sparse.csgraph`.

    Attributes
    ----------
    scenario, config
        What the network was built from.
    crs
        The projected CRS of every geometry here.
    nodes
        Columns ``osmid``, ``x``, ``y``, ``component``; Point geometry.
    edges
        Columns ``u``, ``v`` (node positions), ``osmid``, ``highway``, ``name``,
        ``length`` (m, of the projected geometry), ``maxspeed_kmh`` (the OSM
        ``maxspeed``, NaN if none), ``built_up`` (in a dense street grid: motor
        speeds capped at :data:`~borderwatch.data.roads.BUILT_UP_KMH`),
        ``access_car``, ``access_motorcycle`` (the closing access value, ``""``
        when open), ``barrier`` (a closing barrier on an end node), ``ford``
        (see :mod:`borderwatch.access` and :func:`closed_reasons`); LineString
        geometry. Each road appears once; every road is driven in both directions.
    border
        The projected border line.
    units
        Columns ``part``, ``start_m``, ``end_m`` (chainage), ``length_m``,
        ``township``, ``village``, ``cell``; LineString geometry.
    checkpoints, teams
        The scenario's tables, projected, with ``node`` (position of the
        snapped node), ``snap_m`` (distance to it) and ``road_m`` (distance to
        the nearest road); checkpoints also with ``radius_m`` filled in.
    grids
        The grid layers, projected.
    watch
        The :class:`WatchIndex`.
    """

    scenario: Scenario
    config: PlanConfig
    crs: str
    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    border: LineString | MultiLineString
    units: gpd.GeoDataFrame
    checkpoints: gpd.GeoDataFrame
    teams: gpd.GeoDataFrame
    grids: dict[str, gpd.GeoDataFrame]
    watch: WatchIndex
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def border_m(self) -> float:
        """Modelled border length in metres."""
        return float(self.units["length_m"].sum())

    def with_teams(self, teams: gpd.GeoDataFrame) -> PatrolNetwork:
        """The same network with other teams (a subset, or teams at other bases).

        The road caches (edge times, CSR matrices) depend on the roads and the
        vehicle profiles only, so the copy shares them: planning with fewer teams
        never recomputes them. ``teams`` has the columns of :attr:`teams`
        (``node`` snapped on this network).
        """
        return dataclasses.replace(self, teams=teams, _cache=self._cache)

    def with_config(self, config: PlanConfig) -> PatrolNetwork:
        """The same network under another config: a night window, targets, seed, profiles.

        The options that shape the network itself (unit length, patrol view,
        checkpoint radius, snapping distance, access rules) must stay; for other
        values build the network anew (:func:`build_network`). The road caches are
        shared when the vehicle profiles are unchanged.

        Raises
        ------
        ValueError
            ``config`` changes an option that shapes the network.
        """
        changed = [f for f in _SHAPING if getattr(config, f) != getattr(self.config, f)]
        if changed:
            raise ValueError(
                f"{', '.join(changed)} shape the network: build it anew with build_network"
            )
        same_roads = config.profiles == self.config.profiles
        return dataclasses.replace(self, config=config, _cache=self._cache if same_roads else {})

    def edge_seconds(self, profile: str) -> np.ndarray:
        """Driving time of every edge for ``profile`` in seconds (inf where not allowed)."""
        key = f"sec:{profile}"
        if key not in self._cache:
            secs = _profile_seconds(self.edges, self.config, profile)
            secs.setflags(write=False)
            self._cache[key] = secs
        return self._cache[key]  # type: ignore[no-any-return]

    def csr(self, profile: str, *, weight: str = "time") -> sparse.csr_array:
        """Symmetric node × node matrix of travel times (s) or lengths (m) for ``profile``.

        Only edges the profile may use are present; parallel edges keep the
        cheapest. Feed it to :func:`scipy.sparse.csgraph.dijkstra`.
        """
        if weight not in ("time", "length"):
            raise ValueError(f"weight must be 'time' or 'length', not {weight!r}")
        key = f"csr:{profile}:{weight}"
        if key not in self._cache:
            secs = self.edge_seconds(profile)
            ok = np.isfinite(secs)
            cost = secs if weight == "time" else self.edges["length"].to_numpy()
            u = self.edges["u"].to_numpy()[ok]
            w = self.edges["v"].to_numpy()[ok]
            c = cost[ok]
            self._cache[key] = _symmetric_min_csr(u, w, c, len(self.nodes))
        return self._cache[key]  # type: ignore[no-any-return]


def _symmetric_min_csr(u: np.ndarray, v: np.ndarray, c: np.ndarray, n: int) -> sparse.csr_array:
    keep = u != v
    rows = np.concatenate([u[keep], v[keep]])
    cols = np.concatenate([v[keep], u[keep]])
    vals = np.concatenate([c[keep], c[keep]])
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    # a zero-length edge would vanish from a sparse matrix: keep it tiny instead
    vals = np.maximum(vals[first], 1e-9)
    return sparse.csr_array((vals, (rows[first], cols[first])), shape=(n, n))


def _least_class(value: Any) -> str:
    """The least important class of a (merged) edge's ``highway`` value."""
    if isinstance(value, list | tuple):
        items = [str(x) for x in value]
        return max(items, key=lambda h: (HIGHWAY_RANK.get(h, len(HIGHWAY_RANK)), h))
    return _first_str(value)


def _first_str(value: Any, *, rank: dict[str, int] | None = None) -> str:
    if isinstance(value, list | tuple):
        items = [str(x) for x in value]
        if rank is not None:
            return min(items, key=lambda h: (rank.get(h, len(rank)), h))
        return sorted(items)[0]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _road_tables(graph: nx.MultiDiGraph, crs: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Turn an osmnx graph into projected node and undirected edge tables."""
    from borderwatch.data._osmnx import osmnx_module

    ox = osmnx_module()

    if graph.number_of_edges() == 0:
        raise ScenarioError("road network has no edges", field="roads", value=len(graph))
    nodes_ll, edges_ll = ox.graph_to_gdfs(graph, fill_edge_geometry=True)
    edges_ll = edges_ll.reset_index()
    if "highway" not in edges_ll.columns:
        raise ScenarioError("road edges carry no 'highway' tag", field="highway")
    edges_ll = edges_ll[edges_ll["highway"].notna()]
    edges_ll["_mixed"] = edges_ll["highway"].map(
        lambda h: isinstance(h, list | tuple) and len(set(h)) > 1
    )
    edges_ll["highway"] = edges_ll["highway"].map(_least_class)
    edges_ll["osmid"] = edges_ll["osmid"].map(_first_str) if "osmid" in edges_ll else ""
    edges_ll["name"] = edges_ll["name"].map(_first_str) if "name" in edges_ll else ""
    # one row per road: the two directions of a way share osmid, endpoints and length
    lo = np.minimum(edges_ll["u"].to_numpy(), edges_ll["v"].to_numpy())
    hi = np.maximum(edges_ll["u"].to_numpy(), edges_ll["v"].to_numpy())
    edges_ll = edges_ll.assign(_lo=lo, _hi=hi, _len=edges_ll["length"].round(3))
    edges_ll = edges_ll.sort_values(["_lo", "_hi", "osmid", "_len", "u"], kind="stable")
    edges_ll = edges_ll.drop_duplicates(["_lo", "_hi", "osmid", "_len"], keep="first")
    if edges_ll["_mixed"].any():
        warn(
            f"{int(edges_ll['_mixed'].sum())} road edges join ways of different highway classes "
            "(a road file simplified elsewhere); each is given its least drivable class"
        )

    nodes_ll = nodes_ll.sort_index()
    position = pd.Series(np.arange(len(nodes_ll)), index=nodes_ll.index)
    nodes = gpd.GeoDataFrame(
        {"osmid": nodes_ll.index.to_numpy()}, geometry=nodes_ll.geometry.to_numpy(), crs="EPSG:4326"
    ).to_crs(crs)
    nodes["x"] = nodes.geometry.x
    nodes["y"] = nodes.geometry.y

    edges = gpd.GeoDataFrame(
        {
            "u": position.loc[edges_ll["_lo"]].to_numpy(),
            "v": position.loc[edges_ll["_hi"]].to_numpy(),
            "osmid": edges_ll["osmid"].to_numpy(),
            "highway": edges_ll["highway"].to_numpy(),
            "name": edges_ll["name"].fillna("").to_numpy(),
        },
        geometry=edges_ll.geometry.to_numpy(),
        crs="EPSG:4326",
    ).to_crs(crs)
    # orient each geometry from u to v (the table is undirected, geometry follows u -> v)
    start = shapely.get_point(edges.geometry.to_numpy(), 0)
    d_u = shapely.distance(start, nodes.geometry.to_numpy()[edges["u"].to_numpy()])
    d_v = shapely.distance(start, nodes.geometry.to_numpy()[edges["v"].to_numpy()])
    flip = d_v < d_u
    if flip.any():
        geoms = edges.geometry.to_numpy()
        geoms[flip] = shapely.reverse(geoms[flip])
        edges = edges.set_geometry(gpd.GeoSeries(geoms, crs=crs, index=edges.index))
    edges["length"] = edges.geometry.length
    for col, value in _access_columns(edges_ll, nodes_ll).items():
        edges[col] = value
    # built-up areas: a posted maxspeed, or dense streets, lower motor speeds (_profile_seconds)
    raw = edges_ll["maxspeed"].to_numpy() if "maxspeed" in edges_ll else [None] * len(edges)
    edges["maxspeed_kmh"] = np.array([maxspeed_kmh(m) for m in raw], dtype=float)
    mid = shapely.line_interpolate_point(edges.geometry.to_numpy(), 0.5, normalized=True)
    edges["built_up"] = built_up(shapely.get_x(mid), shapely.get_y(mid), edges["length"].to_numpy())
    edges = edges.sort_values(["u", "v", "osmid", "length"], kind="stable").reset_index(drop=True)
    edges.index.name = "edge"
    nodes.index.name = "node"
    return nodes, edges


def _text_column(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return np.array([_first_str(x) for x in frame[col].to_numpy()], dtype=object)


def _access_columns(edges_ll: pd.DataFrame, nodes_ll: pd.DataFrame) -> dict[str, np.ndarray]:
    """The access attributes of each edge (:mod:`borderwatch.access`).

    ``access_car``/``access_motorcycle`` and a way's ``ford`` come from the edge
    (simplification never merges roads that differ in them); a closing barrier
    or a ford on either end node closes the edge too (a gate closes both roads
    that meet at it).
    """
    barrier = pd.Series(_text_column(nodes_ll, "barrier"), index=nodes_ll.index)
    node_ford = pd.Series(_text_column(nodes_ll, "ford") != "", index=nodes_ll.index)
    u, v = edges_ll["u"].to_numpy(), edges_ll["v"].to_numpy()
    bu, bv = barrier.loc[u].to_numpy(), barrier.loc[v].to_numpy()
    return {
        "access_car": _text_column(edges_ll, "access_car"),
        "access_motorcycle": _text_column(edges_ll, "access_motorcycle"),
        "barrier": np.where(bu != "", bu, bv),
        "ford": (_text_column(edges_ll, "ford") != "")
        | node_ford.loc[u].to_numpy()
        | node_ford.loc[v].to_numpy(),
    }


def closed_reasons(edges: gpd.GeoDataFrame, config: PlanConfig, profile: str) -> np.ndarray:
    """Why ``profile`` may not use each edge by its access tags, barriers and fords (``""``: it may).

    The highway class is not looked at here (see :meth:`VehicleProfile.allows`).
    """
    n = len(edges)
    if "access_car" not in edges.columns:  # a GeoPackage road file without access columns
        return np.full(n, "", dtype=object)
    cols = [edges[c].to_numpy() for c in ("access_car", "access_motorcycle", "barrier")]
    ford = edges["ford"].to_numpy(dtype=bool)
    rules = config.access
    out = np.full(n, "", dtype=object)
    pending = np.flatnonzero((cols[0] != "") | (cols[1] != "") | (cols[2] != "") | ford)
    for i in pending:
        out[i] = rules.reason(profile, cols[0][i], cols[1][i], cols[2][i], bool(ford[i]))
    return out


def _components(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> np.ndarray:
    n = len(nodes)
    adj = sparse.csr_array(
        (np.ones(len(edges)), (edges["u"].to_numpy(), edges["v"].to_numpy())), shape=(n, n)
    )
    _, labels = csgraph.connected_components(adj, directed=False)
    # renumber by size (largest first), ties by smallest node: deterministic
    sizes = np.bincount(labels)
    first = np.full(len(sizes), n)
    np.minimum.at(first, labels, np.arange(n))
    order = np.lexsort((first, -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return np.asarray(rank[labels], dtype=np.int64)


def _snap(
    points: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    allowed_nodes: dict[str, np.ndarray],
    profile_of: list[str],
    max_snap_m: float,
    *,
    file: str,
    what: str,
) -> gpd.GeoDataFrame:
    out = points.copy()
    geoms = out.geometry.to_numpy()
    tree = shapely.STRtree(edges.geometry.to_numpy())
    _, road_m = tree.query_nearest(geoms, return_distance=True, all_matches=False)
    node = np.zeros(len(out), dtype=np.int64)
    snap = np.zeros(len(out))
    xy = shapely.get_coordinates(geoms)
    for prof in sorted(set(profile_of)):
        idx = np.flatnonzero(np.asarray(profile_of) == prof)
        cand = allowed_nodes[prof]
        if len(cand) == 0:
            raise ScenarioError(
                f"no road in the network may be used by vehicle profile {prof!r}",
                file=file,
                field="vehicle",
                value=prof,
            )
        tree_n = cKDTree(
            np.column_stack([nodes["x"].to_numpy()[cand], nodes["y"].to_numpy()[cand]])
        )
        dist, pos = tree_n.query(xy[idx])
        node[idx] = cand[pos]
        snap[idx] = dist
    out["node"] = node
    out["snap_m"] = snap
    out["road_m"] = road_m
    for ident, r, s, prof in zip(out.index, road_m, snap, profile_of, strict=True):
        if r > max_snap_m:
            raise ScenarioError(
                f"{what} {ident!r} is {r:,.0f} m from the nearest road (max_snap_m = {max_snap_m:,.0f})",
                file=file,
                field="lon/lat",
                value=ident,
            )
        if s > max_snap_m:
            raise ScenarioError(
                f"{what} {ident!r} is {s:,.0f} m from the nearest road its vehicle ({prof}) may use "
                f"(max_snap_m = {max_snap_m:,.0f})",
                file=file,
                field="vehicle",
                value=ident,
            )
    return out


def _unit_grid_names(units: gpd.GeoDataFrame, grids: dict[str, gpd.GeoDataFrame]) -> None:
    mid = shapely.line_interpolate_point(units.geometry.to_numpy(), 0.5, normalized=True)
    for level in ("township", "village", "cell"):
        grid = grids.get(level)
        if grid is None or grid.empty:
            units[level] = ""
            continue
        tree = shapely.STRtree(grid.geometry.to_numpy())
        idx = tree.query_nearest(mid, all_matches=False)[1]
        units[level] = grid["name"].to_numpy()[idx].astype(str)


def _check_components(
    network_nodes: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    teams: gpd.GeoDataFrame,
    unit_edge: sparse.csr_array,
    config: PlanConfig,
    *,
    file: str,
) -> None:
    comp = network_nodes["component"].to_numpy()
    n_comp = int(comp.max()) + 1 if len(comp) else 0
    if n_comp > 1:
        sizes = np.bincount(comp[edges["u"].to_numpy()], minlength=n_comp)
        share = 100.0 * sizes[0] / max(1, sizes.sum())
        warn(
            f"road network has {n_comp} separate components; the largest holds {share:.1f} % of "
            f"the edges, the others {', '.join(str(s) for s in sizes[1:6])}"
            f"{' …' if n_comp > 6 else ''} edges"
        )
    watching = np.unique(unit_edge.indices)  # edges that watch at least one unit
    if len(watching) == 0:
        warn(
            f"no road comes within patrol_view_m = {config.patrol_view_m:,.0f} m of the border: "
            "patrols can watch none of it"
        )
        return
    n = len(network_nodes)
    eu, ev = edges["u"].to_numpy(), edges["v"].to_numpy()
    vehicles = teams["vehicle"].astype(str).to_numpy()
    for prof in sorted(set(vehicles)):
        ok = np.isfinite(_profile_seconds(edges, config, prof))
        adj = sparse.csr_array((np.ones(int(ok.sum())), (eu[ok], ev[ok])), shape=(n, n))
        labels = csgraph.connected_components(adj, directed=False)[1]
        useful = watching[ok[watching]]
        near_border = set(labels[eu[useful]].tolist())
        for ident, node in zip(
            teams.index[vehicles == prof], teams["node"].to_numpy()[vehicles == prof], strict=True
        ):
            if labels[int(node)] not in near_border:
                raise ScenarioError(
                    f"team {ident!r} ({prof}) is cut off from the border: no road its vehicle can reach "
                    f"from its base comes within patrol_view_m = {config.patrol_view_m:,.0f} m of the border",
                    file=file,
                    field="base_lon/base_lat",
                    value=ident,
                )


def _profile_seconds(edges: gpd.GeoDataFrame, config: PlanConfig, profile: str) -> np.ndarray:
    prof = config.profile(profile)
    kinds, codes = np.unique(edges["highway"].astype(str).to_numpy(), return_inverse=True)
    speed = np.array([prof.speed_ms(k) for k in kinds], dtype=float)[codes]
    if "maxspeed_kmh" in edges.columns:
        # a posted limit caps every profile; in built-up areas motor vehicles go at most
        # BUILT_UP_KMH (walking speeds are below either cap)
        cap = edges["maxspeed_kmh"].to_numpy(dtype=float)
        cap = np.where(np.isnan(cap) & edges["built_up"].to_numpy(bool), BUILT_UP_KMH, cap)
        speed = np.where(np.isnan(cap), speed, np.minimum(speed, cap / 3.6))
    # roads closed to the profile by access tags, barriers or fords
    speed = np.where(closed_reasons(edges, config, profile) != "", 0.0, speed)
    with np.errstate(divide="ignore"):
        return np.where(speed > 0, edges["length"].to_numpy() / np.maximum(speed, 1e-12), np.inf)


def _watch_index(
    units: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    checkpoints: gpd.GeoDataFrame,
    config: PlanConfig,
) -> WatchIndex:
    ug = units.geometry.to_numpy()
    n_u, n_e, n_c = len(units), len(edges), len(checkpoints)
    etree = shapely.STRtree(edges.geometry.to_numpy())
    pairs = etree.query(ug, predicate="dwithin", distance=config.patrol_view_m)
    unit_edge = sparse.csr_array(
        (np.ones(pairs.shape[1], dtype=bool), (pairs[0], pairs[1])), shape=(n_u, n_e)
    )
    unit_edge.sort_indices()
    _, road_m = etree.query_nearest(ug, return_distance=True, all_matches=False)

    if n_c:
        cg = checkpoints.geometry.to_numpy()
        radius = checkpoints["radius_m"].to_numpy(dtype=float)
        ctree = shapely.STRtree(cg)
        cp = ctree.query(ug, predicate="dwithin", distance=float(radius.max()))
        dist = shapely.distance(ug[cp[0]], cg[cp[1]])
        ok = dist <= radius[cp[1]]
        rows, cols, d = cp[0][ok], cp[1][ok], np.maximum(dist[ok], 1e-9)
        unit_cp = sparse.csr_array((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n_u, n_c))
        cp_dist = sparse.csr_array((d, (rows, cols)), shape=(n_u, n_c))
        unit_cp.sort_indices()
        cp_dist.sort_indices()
        (ui, ci), nd = ctree.query_nearest(ug, return_distance=True, all_matches=False)
        nearest = np.full(n_u, -1, dtype=np.int64)
        nearest_m = np.full(n_u, np.inf)
        nearest[ui] = ci
        nearest_m[ui] = nd
    else:
        unit_cp = sparse.csr_array((n_u, 0), dtype=bool)
        cp_dist = sparse.csr_array((n_u, 0), dtype=float)
        nearest = np.full(n_u, -1, dtype=np.int64)
        nearest_m = np.full(n_u, np.inf)
    return WatchIndex(
        unit_edge, unit_cp, cp_dist, nearest, nearest_m, np.asarray(road_m, dtype=float)
    )


def _toml_file(scenario: Scenario) -> str:
    return str(scenario.source / "scenario.toml") if scenario.source else "scenario.toml"


def build_network(scenario: Scenario, config: PlanConfig | None = None) -> PatrolNetwork:
    """Build the projected :class:`PatrolNetwork` of ``scenario``.

    Parameters
    ----------
    scenario
        A loaded or generated scenario (not modified).
    config
        Options; default: ``scenario.default_config()`` (the built-in
        defaults with the scenario's ``[defaults]`` and night window applied).

    Returns
    -------
    PatrolNetwork

    Raises
    ------
    ScenarioError
        If a checkpoint or team base is farther than ``max_snap_m`` from a road
        it may use, or a team's base is cut off from the border.

    Warns
    -----
    ScenarioWarning
        If the road network falls into several components.
    """
    if config is None:
        config = scenario.default_config()
    crs = scenario.crs
    # a pure function of the road graph and the CRS: kept beside a cached graph
    nodes, edges = cached_derived(
        scenario.roads, f"road tables {crs} v1", lambda: _road_tables(scenario.roads, crs)
    )
    nodes["component"] = _components(nodes, edges)

    border = gpd.GeoSeries([scenario.border], crs="EPSG:4326").to_crs(crs).iloc[0]
    grids = {k: g.to_crs(crs) for k, g in scenario.grids.items()}
    check_crs_fits(crs, scenario.border, file=_toml_file(scenario))
    check_scale(border, scenario.checkpoints["radius_m"], config, file=_toml_file(scenario))
    units = split_border(border, config.unit_length_m, crs=crs)
    _unit_grid_names(units, grids)

    profiles_used = sorted(set(scenario.teams["vehicle"].astype(str)) | {"foot"})
    allowed_nodes: dict[str, np.ndarray] = {}
    for prof in profiles_used:
        ok = np.isfinite(_profile_seconds(edges, config, prof))
        allowed_nodes[prof] = np.unique(
            np.concatenate([edges["u"].to_numpy()[ok], edges["v"].to_numpy()[ok]])
        )
    src = scenario.source
    cps = scenario.checkpoints.to_crs(crs)
    cps["radius_m"] = cps["radius_m"].fillna(config.checkpoint_radius_m).astype(float)
    cps = _snap(
        cps,
        nodes,
        edges,
        allowed_nodes,
        ["foot"] * len(cps),
        config.max_snap_m,
        file=str(src / "checkpoints.csv") if src else "checkpoints",
        what="checkpoint",
    )
    teams = _snap(
        scenario.teams.to_crs(crs),
        nodes,
        edges,
        allowed_nodes,
        [str(x) for x in scenario.teams["vehicle"]],
        config.max_snap_m,
        file=str(src / "teams.csv") if src else "teams",
        what="team base",
    )
    watch = _watch_index(units, edges, cps, config)
    _check_components(
        nodes,
        edges,
        teams,
        watch.unit_edge,
        config,
        file=str(src / "teams.csv") if src else "teams",
    )
    logger.info(
        "network: %d nodes, %d edges, %d units (%.1f km), %d checkpoints, %d teams",
        len(nodes),
        len(edges),
        len(units),
        units["length_m"].sum() / 1000,
        len(cps),
        len(teams),
    )
    return PatrolNetwork(
        scenario=scenario,
        config=config,
        crs=crs,
        nodes=nodes,
        edges=edges,
        border=border,
        units=units,
        checkpoints=cps,
        teams=teams,
        grids=grids,
        watch=watch,
    )
