"""Tests of writing scenario folders and OSM XML."""

from __future__ import annotations

import gzip
import tomllib
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pyogrio
import pytest

from borderwatch.data import scenario_io
from borderwatch.data.osm_write import write_osm_xml
from borderwatch.data.scenario import GRID_LEVELS, Scenario
from borderwatch.data.synthetic import generate_scenario
from borderwatch.errors import ScenarioError


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate_scenario(12.0, seed=21, n_checkpoints=9, n_teams=2)


def _undirected(G: nx.MultiDiGraph) -> int:
    return sum(1 for u, v, _ in G.edges(keys=True) if u < v)


def _total_length(G: nx.MultiDiGraph) -> float:
    return float(sum(d["length"] for *_, d in G.edges(data=True)))


@pytest.mark.parametrize("suffix", [".osm", ".osm.gz"])
def test_osm_xml_round_trip_through_osmnx(scenario: Scenario, tmp_path: Path, suffix: str) -> None:
    G = scenario.roads
    path = write_osm_xml(G, tmp_path / f"roads{suffix}")
    H = ox.graph_from_xml(path, bidirectional=True, simplify=True, retain_all=True)
    assert H.number_of_nodes() == G.number_of_nodes()
    assert set(H.nodes) == set(G.nodes)
    assert _undirected(H) == _undirected(G)
    assert H.number_of_edges() == G.number_of_edges()
    assert _total_length(H) == pytest.approx(_total_length(G), rel=1e-3)

    # edge by edge: same way id, class, name, direction flag and length
    def table(g: nx.MultiDiGraph) -> dict:
        out: dict = {}
        for u, v, d in g.edges(data=True):
            out.setdefault((u, v), []).append(
                (d["osmid"], d["highway"], d.get("name"), d["reversed"], round(d["length"], 3))
            )
        return {k: sorted(v) for k, v in out.items()}

    assert table(H) == table(G)
    for n, d in G.nodes(data=True):
        assert (H.nodes[n]["x"], H.nodes[n]["y"]) == (d["x"], d["y"])


def test_osm_xml_bytes_are_deterministic(scenario: Scenario, tmp_path: Path) -> None:
    a = write_osm_xml(scenario.roads, tmp_path / "a.osm.gz").read_bytes()
    b = write_osm_xml(scenario.roads, tmp_path / "b.osm.gz").read_bytes()
    assert a == b
    assert a[4:8] == b"\0\0\0\0"  # gzip mtime 0
    text = gzip.decompress(a).decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6"')
    assert '<tag k="oneway" v="no"/>' in text


def test_osm_xml_renumbers_non_integer_nodes(tmp_path: Path) -> None:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node("a", x=107.0, y=22.0)
    G.add_node("b", x=107.01, y=22.0)
    G.add_node("c", x=107.0, y=22.01)
    G.add_node("d", x=106.99, y=22.0)
    for v in "bcd":
        for s, t, rev in (("a", v, False), (v, "a", True)):
            G.add_edge(s, t, highway="track", reversed=rev, name="x & <y>")
    path = write_osm_xml(G, tmp_path / "r.osm")
    text = path.read_text(encoding="utf-8")
    assert 'v="x &amp; &lt;y&gt;"' in text
    H = ox.graph_from_xml(path, bidirectional=True, simplify=True, retain_all=True)
    assert sorted(H.nodes) == [1, 2, 3, 4]
    assert _undirected(H) == 3


def test_write_scenario_folder_layout(scenario: Scenario, tmp_path: Path) -> None:
    folder = scenario_io.write_scenario(scenario, tmp_path / "sc")
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        ".borderwatch.json", "area.geojson", "border.geojson", "checkpoints.csv", "grids.gpkg",
        "incidents.csv", "roads.osm.gz", "scenario.toml", "teams.csv",
    ]  # fmt: skip
    meta = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))
    assert meta["name"] == scenario.name
    assert meta["crs"] == scenario.crs
    assert meta["timezone"] == "Asia/Shanghai"
    assert meta["night"] == {"start": "20:00", "end": "06:00"}
    assert meta["provenance"] == dict(scenario.provenance)

    cp = pd.read_csv(folder / "checkpoints.csv", dtype={"id": str})
    assert list(cp.columns) == ["id", "name", "lon", "lat", "township", "kind", "radius_m"]
    assert len(cp) == 9
    np.testing.assert_allclose(cp["lon"], scenario.checkpoints.geometry.x.to_numpy(), atol=1e-7)
    assert cp["radius_m"].isna().sum() == scenario.checkpoints["radius_m"].isna().sum()
    tm = pd.read_csv(folder / "teams.csv")
    assert list(tm.columns) == ["id", "name", "base_lon", "base_lat", "vehicle", "crew", "township"]
    assert len(tm) == 2
    inc = pd.read_csv(folder / "incidents.csv")
    assert list(inc.columns) == ["lon", "lat", "date", "kind"]
    assert len(inc) == len(scenario.incidents)

    border = gpd.read_file(folder / "border.geojson")
    assert len(border) == 1
    assert border.geometry.iloc[0].equals_exact(scenario.border, 1e-9)

    layers = dict(pyogrio.list_layers(folder / "grids.gpkg"))
    assert set(layers) == set(GRID_LEVELS)
    for lvl in GRID_LEVELS:
        g = gpd.read_file(folder / "grids.gpkg", layer=lvl)
        assert {"id", "name", "head", "parent"} <= set(g.columns)
        assert len(g) == len(scenario.grids[lvl])
    town = gpd.read_file(folder / "grids.gpkg", layer="township")
    assert list(town["border"]) == list(scenario.grids["township"]["border"])


def test_write_scenario_text_files_are_deterministic(scenario: Scenario, tmp_path: Path) -> None:
    a = scenario_io.write_scenario(scenario, tmp_path / "a")
    b = scenario_io.write_scenario(
        generate_scenario(12.0, seed=21, n_checkpoints=9, n_teams=2), tmp_path / "b"
    )
    for name in ("scenario.toml", "border.geojson", "area.geojson", "roads.osm.gz",
                 "checkpoints.csv", "teams.csv", "incidents.csv"):  # fmt: skip
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_write_scenario_refuses_to_overwrite(scenario: Scenario, tmp_path: Path) -> None:
    folder = tmp_path / "sc"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(
        ScenarioError, match=r"sc: folder exists and is not empty; pass overwrite=True"
    ):
        scenario_io.write_scenario(scenario, folder)
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sc"]  # no temporary left behind
    scenario_io.write_scenario(scenario, folder, overwrite=True)
    assert (folder / "keep.txt").read_text() == "mine"  # a foreign file is never lost (#22)
    assert (folder / "scenario.toml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sc"]


def test_write_scenario_into_empty_folder_and_file_clash(
    scenario: Scenario, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    scenario_io.write_scenario(scenario, tmp_path / "empty")
    assert (tmp_path / "empty" / "roads.osm.gz").is_file()
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ScenarioError, match="exists and is not a folder"):
        scenario_io.write_scenario(scenario, tmp_path / "afile")


def test_failed_write_leaves_nothing(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(scenario_io, "write_osm_xml", boom)
    with pytest.raises(OSError, match="disk full"):
        scenario_io.write_scenario(scenario, tmp_path / "sc")
    assert list(tmp_path.iterdir()) == []


def test_unknown_roads_format(scenario: Scenario, tmp_path: Path) -> None:
    with pytest.raises(
        ScenarioError, match="field 'roads_format', value 'shp': unknown roads format"
    ):
        scenario_io.write_scenario(scenario, tmp_path / "sc", roads_format="shp")


def test_roads_geopackage(scenario: Scenario, tmp_path: Path) -> None:
    folder = scenario_io.write_scenario(scenario, tmp_path / "sc", roads_format="gpkg")
    assert (folder / "roads.gpkg").is_file()
    assert not (folder / "roads.osm.gz").exists()
    nodes = gpd.read_file(folder / "roads.gpkg", layer="nodes").set_index("osmid")
    edges = gpd.read_file(folder / "roads.gpkg", layer="edges").set_index(["u", "v", "key"])
    assert len(nodes) == scenario.roads.number_of_nodes()
    assert len(edges) == scenario.roads.number_of_edges()
    H = ox.graph_from_gdfs(nodes, edges)
    assert _total_length(H) == pytest.approx(_total_length(scenario.roads), rel=1e-9)


def test_toml_writer_handles_nested_defaults() -> None:
    sc = generate_scenario(4.0, seed=2, n_checkpoints=1, n_teams=1)
    from dataclasses import replace

    sc = replace(
        sc,
        official_border_km=212.0,
        defaults={"patrol_view_m": 800.0, "profiles": {"pickup": {"track": 10.0, "trunk": 60}}},
        title='Ningming "test"',
    )
    meta = tomllib.loads(scenario_io.scenario_toml(sc))
    assert meta["official_border_km"] == 212.0
    assert meta["defaults"] == {
        "patrol_view_m": 800.0,
        "profiles": {"pickup": {"track": 10.0, "trunk": 60}},
    }
    assert meta["title"] == 'Ningming "test"'


@pytest.mark.parametrize("roads_format", ["osm.gz", "gpkg"])
def test_folder_loads_with_load_scenario(
    scenario: Scenario, tmp_path: Path, roads_format: str
) -> None:
    load = pytest.importorskip("borderwatch.data.load")
    folder = scenario_io.write_scenario(scenario, tmp_path / "sc", roads_format=roads_format)
    back = load.load_scenario(folder)
    assert back.roads.number_of_nodes() == scenario.roads.number_of_nodes()
    assert back.roads.number_of_edges() == scenario.roads.number_of_edges()
    assert list(back.checkpoints.index) == list(scenario.checkpoints.index)
    assert list(back.teams.index) == list(scenario.teams.index)
    assert {k: len(v) for k, v in back.grids.items()} == {
        k: len(v) for k, v in scenario.grids.items()
    }
