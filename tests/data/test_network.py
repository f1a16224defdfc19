"""The PatrolNetwork on the hand-written toy: units, snapping, watch index, CSR, export."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csgraph
from shapely.geometry import LineString, MultiLineString

from borderwatch import PlanConfig, ScenarioWarning, build_network, load_scenario
from borderwatch.data import split_border
from borderwatch.data.export import write_network_gpkg


def test_units_have_chainage_and_sum_to_border(toy_net) -> None:
    units = toy_net.units
    assert len(units) == 40
    assert units["start_m"].iloc[0] == 0.0
    np.testing.assert_allclose(
        units["end_m"].iloc[:-1].to_numpy(), units["start_m"].iloc[1:].to_numpy()
    )
    assert units["length_m"].sum() == pytest.approx(toy_net.border.length)
    assert toy_net.border_m == pytest.approx(10_000, rel=2e-3)


def test_snapping_keeps_distances(toy_net) -> None:
    cps = toy_net.checkpoints
    # CP1 sits on the border road between two junctions: 0 m from the road, 1 km from a node
    assert cps.loc["CP1", "road_m"] < 1.0
    assert cps.loc["CP1", "snap_m"] == pytest.approx(1000, rel=0.01)
    assert cps.loc["CP1", "radius_m"] == 1500.0  # the config default
    assert cps.loc["CP2", "radius_m"] == 1000.0  # its own
    assert toy_net.teams.loc["T1", "snap_m"] < 1.0


def test_watch_index_by_hand(toy_net) -> None:
    watch = toy_net.watch
    # the border road runs 500 m from the border along its whole length: every unit is
    # watched from it (patrol_view_m = 1000)
    assert (watch.unit_edge.sum(axis=1) >= 1).all()
    # CP1 at km 1, 500 m south of the border, radius 1500 m: watches the border within
    # sqrt(1500² - 500²) = 1414 m of km 1, i.e. km 0 to 2.414 -> units 0..9
    cp1 = toy_net.checkpoints.index.get_loc("CP1")
    watched = np.flatnonzero(watch.unit_checkpoint[:, [cp1]].toarray().ravel())
    assert watched.tolist() == list(range(10))
    # CP2 at km 8, 100 m south, radius 1000: km 7.005 .. 8.995 -> units 28..35
    cp2 = toy_net.checkpoints.index.get_loc("CP2")
    watched = np.flatnonzero(watch.unit_checkpoint[:, [cp2]].toarray().ravel())
    assert watched.tolist() == list(range(28, 36))
    assert watch.nearest_checkpoint_m.min() == pytest.approx(100, abs=1)
    assert watch.nearest_road_m.max() == pytest.approx(500, abs=5)


def test_csr_shortest_paths_equal_networkx(toy_net) -> None:
    for profile in ("pickup", "motorcycle", "foot"):
        matrix = toy_net.csr(profile)
        dist = csgraph.dijkstra(matrix, directed=False)
        g = nx.Graph()
        secs = toy_net.edge_seconds(profile)
        for (u, v), s in zip(toy_net.edges[["u", "v"]].to_numpy(), secs, strict=True):
            if np.isfinite(s) and (not g.has_edge(u, v) or g[u][v]["w"] > s):
                g.add_edge(int(u), int(v), w=float(s))
        for src, lengths in nx.all_pairs_dijkstra_path_length(g, weight="w"):
            for dst, d in lengths.items():
                assert dist[src, dst] == pytest.approx(d, rel=1e-12)


def test_pickup_may_not_use_the_track(toy_net) -> None:
    track = toy_net.edges.index[toy_net.edges["highway"] == "track"][0]
    assert np.isinf(toy_net.edge_seconds("pickup")[track])
    assert np.isfinite(toy_net.edge_seconds("motorcycle")[track])


def test_build_is_deterministic(toy_dir: Path) -> None:
    a = build_network(load_scenario(toy_dir))
    b = build_network(load_scenario(toy_dir))
    assert a.edges.drop(columns="geometry").equals(b.edges.drop(columns="geometry"))
    assert a.edges.geometry.geom_equals_exact(b.edges.geometry, 0).all()
    assert (a.watch.unit_edge != b.watch.unit_edge).nnz == 0


def test_config_overrides_change_the_index(toy_dir: Path) -> None:
    with pytest.warns(ScenarioWarning, match="no road comes within patrol_view_m = 50 m"):
        net = build_network(
            load_scenario(toy_dir), PlanConfig(unit_length_m=1000, patrol_view_m=50)
        )
    assert len(net.units) == 10
    assert (
        net.watch.unit_edge.nnz == 0
    )  # the nearest road (the track end) is 100 m away, the view 50 m


def test_gpkg_export_round_trip(toy_net, tmp_path: Path) -> None:
    path = write_network_gpkg(toy_net, tmp_path / "net.gpkg")
    units = gpd.read_file(path, layer="units")
    edges = gpd.read_file(path, layer="edges")
    cps = gpd.read_file(path, layer="checkpoints")
    assert len(units) == len(toy_net.units)
    assert units["length_m"].sum() == pytest.approx(toy_net.border_m)
    assert len(edges) == len(toy_net.edges)
    assert sorted(cps["id"]) == ["CP1", "CP2"]
    assert edges.crs.to_epsg() == 32648
    assert not list(tmp_path.glob(".*tmp*"))


@st.composite
def borders(draw):
    n_parts = draw(st.integers(1, 3))
    parts = []
    x0 = 0.0
    for _ in range(n_parts):
        n = draw(st.integers(2, 8))
        steps = draw(
            st.lists(
                st.tuples(st.floats(1, 3000), st.floats(-2000, 2000)),
                min_size=n - 1,
                max_size=n - 1,
            )
        )
        pts = [(x0, 0.0)]
        for dx, dy in steps:
            pts.append((pts[-1][0] + dx, pts[-1][1] + dy))
        parts.append(LineString(pts))
        x0 = pts[-1][0] + 5000
    return parts[0] if n_parts == 1 else MultiLineString(parts)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(border=borders(), unit=st.floats(10, 2000))
def test_units_cover_the_border_exactly_once(border, unit) -> None:
    units = split_border(border, unit)
    assert units["length_m"].sum() == pytest.approx(border.length, rel=1e-9)
    assert (units["length_m"] <= unit + 1e-6).all() and (units["length_m"] > 0).all()
    np.testing.assert_allclose(
        units["end_m"].iloc[:-1].to_numpy(), units["start_m"].iloc[1:].to_numpy()
    )
    assert units["end_m"].iloc[-1] == pytest.approx(border.length, rel=1e-9)
    np.testing.assert_allclose(units.geometry.length, units["length_m"], rtol=1e-7, atol=1e-6)
    # each unit lies on the border, and units overlap each other nowhere
    parts = list(getattr(border, "geoms", [border]))
    for _, row in units.iterrows():
        assert parts[row["part"]].buffer(1e-6).covers(row.geometry)
    for p in range(len(parts)):
        geoms = units.loc[units["part"] == p].geometry.to_numpy()
        for a, b in zip(geoms[:-1], geoms[1:], strict=True):
            assert a.intersection(b).length == pytest.approx(0, abs=1e-6)
