"""Road files: OSM XML, PBF (through pyosmium) and GeoPackage take the same osmnx path."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderwatch import ScenarioError, build_network, load_scenario
from borderwatch.data import read_roads


def _edge_summary(directory: Path) -> tuple[int, float, list[str]]:
    net = build_network(load_scenario(directory))
    return len(net.edges), round(float(net.edges["length"].sum()), 3), sorted(net.edges["highway"])


def test_pbf_loads_like_xml(toy_dir: Path) -> None:
    osmium = pytest.importorskip("osmium")
    expected = _edge_summary(toy_dir)
    xml = toy_dir / "roads.osm"
    pbf = toy_dir / "roads.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    xml.unlink()
    assert _edge_summary(toy_dir) == expected


def test_malformed_pbf(tmp_path: Path) -> None:
    pytest.importorskip("osmium")
    bad = tmp_path / "roads.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf file at all")
    with pytest.raises(ScenarioError, match=r"roads\.osm\.pbf, field 'pbf'.*malformed OSM PBF"):
        read_roads(bad)


def test_gpkg_roads_round_trip(toy_dir: Path) -> None:
    import osmnx as ox

    expected = _edge_summary(toy_dir)
    graph = read_roads(toy_dir / "roads.osm")
    ox.save_graph_geopackage(graph, toy_dir / "roads.gpkg")
    (toy_dir / "roads.osm").unlink()
    assert _edge_summary(toy_dir) == expected


def test_unknown_road_file_kind(tmp_path: Path) -> None:
    path = tmp_path / "roads.shp"
    path.write_text("x")
    with pytest.raises(ScenarioError, match=r"value '\.shp': unknown road file kind"):
        read_roads(path)
