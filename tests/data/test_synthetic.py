"""Tests of the seeded synthetic scenario generator."""

from __future__ import annotations

import math
import re

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, Polygon

from borderwatch.config import DEFAULT_PROFILES
from borderwatch.data.scenario import GRID_LEVELS, Scenario
from borderwatch.data.synthetic import generate_scenario
from borderwatch.data.synthetic.geometry import transform
from borderwatch.errors import ScenarioError

HIGHWAYS = {
    "trunk", "primary", "secondary", "tertiary", "unclassified", "residential", "track", "path",
}  # fmt: skip
CP_KINDS = {"trail_end", "crossing", "border_road"}


@pytest.fixture(scope="module")
def toy() -> Scenario:
    return generate_scenario(5.0, seed=1)


@pytest.fixture(scope="module")
def small() -> Scenario:
    return generate_scenario(
        15.0,
        seed=11,
        n_checkpoints=12,
        n_teams=3,
        grid_counts=(4, 12, 40),
        n_border_townships=2,
        township_names=["爱店镇", "峙浪乡"],
    )


def _projected_edges(sc: Scenario) -> np.ndarray:
    lines = []
    for u, v, d in sc.roads.edges(data=True):
        g = d.get("geometry")
        if g is None:
            g = LineString([(sc.roads.nodes[u]["x"], sc.roads.nodes[u]["y"]),
                            (sc.roads.nodes[v]["x"], sc.roads.nodes[v]["y"])])  # fmt: skip
        lines.append(g)
    return np.asarray(transform(np.asarray(lines, dtype=object), "EPSG:4326", sc.crs))


def _dist_to_roads(sc: Scenario, points: gpd.GeoSeries) -> np.ndarray:
    tree = shapely.STRtree(_projected_edges(sc))
    pts = transform(np.asarray(points.values, dtype=object), "EPSG:4326", sc.crs)
    _, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    return np.asarray(dist)


def _check_graph(G: nx.MultiDiGraph) -> None:
    assert G.graph["crs"] == "EPSG:4326"
    for n, d in G.nodes(data=True):
        assert isinstance(n, int) and n > 0
        assert -180 <= d["x"] <= 180 and -90 <= d["y"] <= 90
        # already simplified: no junction joins exactly two streets
        assert d["street_count"] != 2
        assert d["street_count"] == len(
            {(a, b, k) if a < b else (b, a, k) for a, b, k in G.edges(n, keys=True)}
        )
    for u, v, k, d in G.edges(keys=True, data=True):
        assert u != v
        assert G.has_edge(v, u, k)
        assert d["highway"] in HIGHWAYS
        assert d["oneway"] is False
        assert d["reversed"] is (u > v)
        assert d["length"] > 0
        assert isinstance(d["osmid"], int)
        g = d.get("geometry")
        if g is not None:
            c = list(g.coords)
            assert len(c) > 2
            assert c[0] == (G.nodes[u]["x"], G.nodes[u]["y"])
            assert c[-1] == (G.nodes[v]["x"], G.nodes[v]["y"])


def _check_grids(sc: Scenario) -> None:
    area = transform(sc.area, "EPSG:4326", sc.crs)
    border = transform(sc.border, "EPSG:4326", sc.crs)
    frames = {lvl: sc.grids[lvl] for lvl in GRID_LEVELS}
    for lvl, f in frames.items():
        assert f.index.name == "id"
        assert f.index.is_unique
        assert {"name", "head", "parent"} <= set(f.columns)
        assert shapely.is_valid(np.asarray(f.geometry.values, dtype=object)).all(), lvl
        geoms = transform(np.asarray(f.geometry.values, dtype=object), "EPSG:4326", sc.crs)
        total = shapely.area(geoms).sum()
        assert total == pytest.approx(area.area, rel=1e-6), lvl
        assert shapely.union_all(geoms).area == pytest.approx(total, rel=1e-6), lvl
    for child, parent in (("village", "township"), ("cell", "village")):
        c, p = frames[child], frames[parent]
        assert set(c["parent"]) <= set(p.index)
        assert set(c["parent"]) == set(p.index)  # every parent has children
        cg = transform(np.asarray(c.geometry.values, dtype=object), "EPSG:4326", sc.crs)
        pg = transform(
            np.asarray(p.loc[c["parent"]].geometry.values, dtype=object), "EPSG:4326", sc.crs
        )
        outside = shapely.area(shapely.difference(cg, pg))
        assert (outside <= 1e-6 * shapely.area(cg) + 1e-3).all(), child
    towns = frames["township"]
    tg = transform(np.asarray(towns.geometry.values, dtype=object), "EPSG:4326", sc.crs)
    d = shapely.distance(tg, border)
    flagged = towns["border"].to_numpy() == 1
    assert (d[flagged] < 1.0).all()
    assert (d[~flagged] > 1.0).all()
    assert sc.townships == list(towns.loc[flagged, "name"])


def test_toy_is_small_fast_and_osmnx_shaped(toy: Scenario) -> None:
    G = toy.roads
    assert 10 <= G.number_of_edges() <= 200
    _check_graph(G)
    assert toy.crs == "EPSG:32648"
    assert toy.timezone == "Asia/Shanghai"
    assert toy.night_window.pair == ("20:00", "06:00")
    assert all(
        v.startswith("synthetic: borderwatch generator seed 1") for v in toy.provenance.values()
    )


def _check_planar(G: nx.MultiDiGraph) -> None:
    """No two roads meet except at a shared junction."""
    edges = [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True) if u < v]
    lines = []
    for u, v, _k, d in edges:
        g = d.get("geometry")
        if g is None:
            g = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        lines.append(g)
    arr = np.asarray(lines, dtype=object)
    i, j = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = i < j
    for a, b in zip(i[keep], j[keep], strict=True):
        shared = {edges[a][0], edges[a][1]} & {edges[b][0], edges[b][1]}
        assert shared, f"edges {edges[a][:3]} and {edges[b][:3]} cross without a junction"
        meet = shapely.intersection(arr[a], arr[b])
        points = {tuple(c) for c in shapely.get_coordinates(meet)}
        nodes = {(G.nodes[n]["x"], G.nodes[n]["y"]) for n in shared}
        assert points <= nodes, f"edges {edges[a][:3]} and {edges[b][:3]} cross"


def test_roads_are_planar(toy: Scenario, small: Scenario) -> None:
    _check_planar(toy.roads)
    _check_planar(small.roads)


def test_border_length_is_exact(toy: Scenario, small: Scenario) -> None:
    for sc, km in ((toy, 5.0), (small, 15.0)):
        length = transform(sc.border, "EPSG:4326", sc.crs).length
        assert length == pytest.approx(km * 1000.0, rel=1e-5)
        assert isinstance(sc.border, LineString)
        coords = np.asarray(sc.border.coords)
        assert coords[-1, 1] > coords[0, 1]  # runs south to north


def test_same_seed_same_scenario_different_seed_differs() -> None:
    a = generate_scenario(8.0, seed=5)
    b = generate_scenario(8.0, seed=5)
    c = generate_scenario(8.0, seed=6)
    assert list(a.roads.nodes(data=True)) == list(b.roads.nodes(data=True))
    ea = list(a.roads.edges(keys=True, data=True))
    eb = list(b.roads.edges(keys=True, data=True))
    assert len(ea) == len(eb)
    for (u1, v1, k1, d1), (u2, v2, k2, d2) in zip(ea, eb, strict=True):
        assert (u1, v1, k1) == (u2, v2, k2)
        g1, g2 = d1.pop("geometry", None), d2.pop("geometry", None)
        assert d1 == d2
        assert (g1 is None and g2 is None) or g1.equals_exact(g2, 0.0)
    for attr in ("checkpoints", "teams", "incidents"):
        assert_geodataframe_equal(getattr(a, attr), getattr(b, attr))
    for lvl in GRID_LEVELS:
        assert_geodataframe_equal(a.grids[lvl], b.grids[lvl])
    assert a.border.equals_exact(b.border, 0.0)
    assert not a.border.equals_exact(c.border, 1e-9)
    assert list(a.roads.nodes(data=True)) != list(c.roads.nodes(data=True))


def test_exact_counts_and_names(small: Scenario) -> None:
    assert len(small.checkpoints) == 12
    assert len(small.teams) == 3
    assert [len(small.grids[lvl]) for lvl in GRID_LEVELS] == [4, 12, 40]
    towns = small.grids["township"]
    assert int(towns["border"].sum()) == 2
    assert list(towns.loc[towns["border"] == 1, "name"]) == ["爱店镇", "峙浪乡"]
    assert small.townships == ["爱店镇", "峙浪乡"]


def test_grids_nest_and_partition_the_area(toy: Scenario, small: Scenario) -> None:
    _check_grids(toy)
    _check_grids(small)


def test_checkpoints_contract_and_near_roads(small: Scenario) -> None:
    cp = small.checkpoints
    assert cp.crs == "EPSG:4326"
    assert list(cp.columns) == ["name", "township", "kind", "radius_m", "geometry"]
    assert all(re.fullmatch(r"CP\d{3}", i) for i in cp.index)
    assert cp.index.is_unique
    assert set(cp["kind"]) <= CP_KINDS
    assert all(n.startswith(f"{i} ") and n.endswith("卡点") for i, n in cp["name"].items())
    assert set(cp["township"]) <= set(small.grids["township"]["name"])
    r = cp["radius_m"]
    assert r.dtype == float
    assert r.isna().sum() >= len(r) // 2
    assert set(r.dropna()) <= {1000.0, 2000.0}
    assert (_dist_to_roads(small, cp.geometry) <= 300.0).all()


def test_teams_contract(small: Scenario) -> None:
    tm = small.teams
    assert list(tm.columns) == ["name", "vehicle", "crew", "township", "geometry"]
    assert set(tm["vehicle"]) <= set(DEFAULT_PROFILES)
    assert tm["crew"].between(4, 8).all()
    assert tm["crew"].dtype == np.int64
    assert set(tm["township"]) <= set(small.townships)
    assert (_dist_to_roads(small, tm.geometry) <= 300.0).all()


def test_incidents(small: Scenario) -> None:
    inc = small.incidents
    assert inc is not None
    assert len(inc) == 15
    assert set(inc["kind"]) <= {"smuggling", "illegal_crossing", "other"}
    assert all(re.fullmatch(r"2025-\d\d-\d\d", d) for d in inc["date"])
    area = small.area
    assert area is not None
    assert shapely.contains_xy(area.buffer(1e-6), inc.geometry.x, inc.geometry.y).all()


def test_road_classes_and_border_road() -> None:
    sc = generate_scenario(40.0, seed=2)
    classes = {d["highway"] for *_, d in sc.roads.edges(data=True)}
    assert {"trunk", "tertiary", "unclassified", "track"} <= classes
    border = transform(sc.border, "EPSG:4326", sc.crs)
    br = [d.get("geometry") for *_, d in sc.roads.edges(data=True) if d.get("name") == "边境公路"]
    br = [g for g in br if g is not None]
    assert br
    total = sum(transform(g, "EPSG:4326", sc.crs).length for g in br) / 2
    assert total > 0.5 * border.length
    cp = sc.checkpoints
    assert set(cp["kind"]) == CP_KINDS
    # trail ends lie 100-800 m from the border (plus the checkpoint jitter)
    te = cp[cp["kind"] == "trail_end"]
    pts = transform(np.asarray(te.geometry.values, dtype=object), "EPSG:4326", sc.crs)
    d = shapely.distance(pts, border)
    assert (d > 50).all() and (d < 850).all()


def test_default_counts_scale_with_border() -> None:
    sc = generate_scenario(20.0, seed=3)
    assert len(sc.checkpoints) == round(0.675 * 20)
    assert len(sc.teams) == round(20 * 17 / 212)


def test_given_border_and_area_are_used() -> None:
    area = Polygon([(107.0, 22.0), (107.1, 22.0), (107.1, 22.1), (107.0, 22.1)])
    border = LineString([(107.0, 22.0), (107.0, 22.05), (107.0, 22.1)])
    sc = generate_scenario(
        border=border, area=area, seed=4, n_checkpoints=7, n_teams=2, grid_counts=(3, 8, 24),
        n_border_townships=1, seat=(107.07, 22.06), seat_name="城中镇",
    )  # fmt: skip
    assert sc.border is border
    assert sc.area is area
    assert sc.provenance["border"] == "supplied"
    assert len(sc.checkpoints) == 7
    assert "城中镇" in set(sc.grids["township"]["name"])
    _check_graph(sc.roads)
    _check_grids(sc)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_border_townships": 9, "grid_counts": (3, 6, 12)}, "cannot exceed the 3 townships"),
        ({"grid_counts": (3, 2, 12)}, "must not decrease"),
        ({"grid_counts": (3, 4)}, "three counts"),
        ({"n_teams": 0}, "integer >= 1"),
        ({"road_density": -1.0}, "positive"),
        ({"seed": -1}, "non-negative"),
        ({"border_km": 0.0}, "positive number of km"),
        ({"seat": (120.0, 40.0)}, "outside the area"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    args = {"border_km": 5.0, **kwargs}
    with pytest.raises(ScenarioError, match=match):
        generate_scenario(**args)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    km=st.floats(min_value=3.0, max_value=20.0),
    seed=st.integers(min_value=0, max_value=2**31),
    n_cp=st.integers(min_value=1, max_value=20),
)
def test_invariants_hold_for_any_size_and_seed(km: float, seed: int, n_cp: int) -> None:
    sc = generate_scenario(km, seed=seed, n_checkpoints=n_cp, n_teams=2)
    assert len(sc.checkpoints) == n_cp
    assert len(sc.teams) == 2
    assert math.isclose(transform(sc.border, "EPSG:4326", sc.crs).length, km * 1000, rel_tol=1e-5)
    _check_graph(sc.roads)
    _check_planar(sc.roads)
    _check_grids(sc)
    assert (_dist_to_roads(sc, sc.checkpoints.geometry) <= 300.0).all()
