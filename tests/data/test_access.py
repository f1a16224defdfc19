"""Access per road: classes never merged, access tags, barriers and fords per vehicle profile.

Small hand-written OSM files (read by the real reader, osmnx simplification
included) and the toy scenario with a gate on its only road to the base.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from borderwatch import ScenarioError, build_network, load_scenario
from borderwatch.access import AccessRules, closed_reason, node_attributes, way_attributes
from borderwatch.config import ConfigError, plan_options
from borderwatch.data import read_roads
from borderwatch.data.network import closed_reasons
from tests.helpers import write_toy_scenario

LAT, LON = 22.0, 107.0
STEP = 0.001  # about 100 m


def _osm(ways: list[tuple[int, list[int], dict[str, str]]], node_tags: dict[int, dict]) -> str:
    """An OSM XML file: nodes 1..n along a line, the given ways and node tags."""
    ids = sorted({r for _, refs, _ in ways for r in refs})
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for nid in ids:
        tags = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in node_tags.get(nid, {}).items())
        lines.append(f'<node id="{nid}" lat="{LAT:.7f}" lon="{LON + nid * STEP:.7f}">{tags}</node>')
    for wid, refs, tags in ways:
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        tg = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<way id="{wid}">{nds}{tg}</way>')
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def _read(tmp_path: Path, text: str):
    path = tmp_path / "roads.osm"
    path.write_text(text, encoding="utf-8")
    return read_roads(path)


def test_a_road_and_the_footway_it_turns_into_stay_two_edges(tmp_path: Path) -> None:
    # node 3 joins only these two ways: before issue #23 osmnx merged them into one
    # "secondary" edge holding the footway
    g = _read(tmp_path, _osm([(10, [1, 2, 3], {"highway": "secondary"}),
                              (11, [3, 4, 5], {"highway": "footway"})], {}))  # fmt: skip
    classes = sorted(d["highway"] for _, _, d in g.edges(data=True))
    assert classes == ["footway", "footway", "secondary", "secondary"]  # two ways, both ways
    assert 3 in g


def test_ways_of_one_class_but_different_access_are_not_merged(tmp_path: Path) -> None:
    g = _read(tmp_path, _osm([(10, [1, 2, 3], {"highway": "track"}),
                              (11, [3, 4, 5], {"highway": "track", "access": "private"})], {}))  # fmt: skip
    got = sorted((d["osmid"], d.get("access_car", "")) for _, _, d in g.edges(data=True))
    assert got == [(10, ""), (10, ""), (11, "private"), (11, "private")]


def test_same_class_same_access_still_merges(tmp_path: Path) -> None:
    g = _read(tmp_path, _osm([(10, [1, 2, 3], {"highway": "tertiary"}),
                              (11, [3, 4, 5], {"highway": "tertiary"})], {}))  # fmt: skip
    assert g.number_of_edges() == 2  # one road 1-5, both directions


def test_tags_to_attributes() -> None:
    assert way_attributes({"access": "no", "motor_vehicle": "yes"}) == {}
    assert way_attributes({"access": "private"}) == {
        "access_car": "private",
        "access_motorcycle": "private",
    }
    assert way_attributes({"motorcar": "no"}) == {"access_car": "no"}  # motorcycles may
    assert way_attributes({"vehicle": "agricultural;forestry"})["access_car"] == (
        "agricultural;forestry"
    )
    assert way_attributes({"vehicle": "no;destination"}) == {}
    assert way_attributes({"ford": "stepping_stones"}) == {"ford": "yes"}
    assert way_attributes({"ford": "no"}) == {}
    assert node_attributes({"barrier": "gate"}) == {"barrier": "gate"}
    assert node_attributes({"barrier": "gate", "motor_vehicle": "yes"}) == {}
    assert node_attributes({"barrier": "gate", "locked": "no"}) == {}
    assert node_attributes({"barrier": "bollard", "locked": "no"}) == {"barrier": "bollard"}
    assert node_attributes({"barrier": "gate", "access": "private"}) == {"barrier": "gate"}
    assert node_attributes({"barrier": "cattle_grid"}) == {}
    assert node_attributes({"barrier": "entrance"}) == {}


@pytest.mark.parametrize(
    ("profile", "attrs", "rules", "why"),
    [
        ("pickup", {"access_car": "private"}, AccessRules(), "access=private"),
        ("pickup", {"access_car": "private"}, AccessRules(allow=frozenset({"private"})), ""),
        ("pickup", {"access_car": "military"}, AccessRules(allow=frozenset({"private"})),
         "access=military"),
        ("motorcycle", {"access_car": "no"}, AccessRules(), ""),
        ("motorcycle", {"access_motorcycle": "no"}, AccessRules(), "access=no"),
        ("pickup", {"barrier": "gate"}, AccessRules(), "barrier=gate"),
        ("pickup", {"barrier": "lift_gate"}, AccessRules(gate_keys=True), ""),
        ("pickup", {"barrier": "bollard"}, AccessRules(gate_keys=True), "barrier=bollard"),
        ("pickup", {"ford": True}, AccessRules(), "ford"),
        ("suv", {"ford": True}, AccessRules(), ""),
        ("suv", {"ford": True}, AccessRules(fords=frozenset()), "ford"),
        ("foot", {"access_car": "no", "barrier": "gate"}, AccessRules(), ""),
    ],
)  # fmt: skip
def test_closed_reason(profile: str, attrs: dict, rules: AccessRules, why: str) -> None:
    full = {"access_car": "", "access_motorcycle": "", "barrier": "", "ford": False, **attrs}
    assert rules.reason(profile, **full) == why
    assert closed_reason(profile=profile, allow=rules.allow, gate_keys=rules.gate_keys,
                         fords=rules.fords, **full) == why  # fmt: skip


def test_access_table_in_toml() -> None:
    doc = {"defaults": {"access": {"allow": ["Private", "military"], "gate_keys": True}}}
    cfg = plan_options(doc, file="scenario.toml").to_config()
    assert cfg.access == AccessRules(
        allow=frozenset({"private", "military"}), gate_keys=True, fords=AccessRules().fords
    )
    bad = {"defaults": {"access": {"gate_key": True}}}
    with pytest.raises(ConfigError, match=r"defaults\.access\.gate_key.*did you mean 'gate_keys'"):
        plan_options(bad, file="scenario.toml").to_config()
    with pytest.raises(ConfigError, match=r"defaults\.access\.allow.*list of names"):
        plan_options({"defaults": {"access": {"allow": "private"}}}).to_config()
    with pytest.raises(ConfigError, match=r"defaults\.access\.gate_keys.*true or false"):
        plan_options({"defaults": {"access": {"gate_keys": "yes"}}}).to_config()


def _gated_toy(folder: Path, gate: str, extra: str = "") -> Path:
    """The toy scenario with a barrier on node 21, the middle of the only road to the base."""
    write_toy_scenario(folder)
    roads = folder / "roads.osm"
    text = roads.read_text(encoding="utf-8")
    text = re.sub(r'(<node id="21" [^/]*)/>', rf'\1><tag k="barrier" v="{gate}"/></node>', text)
    roads.write_text(text, encoding="utf-8")
    if extra:
        toml = folder / "scenario.toml"
        toml.write_text(
            toml.read_text(encoding="utf-8").replace("[provenance]", f"{extra}\n[provenance]"),
            encoding="utf-8",
        )
    return folder


def test_a_gate_closes_the_road_unless_the_scenario_opens_it(tmp_path: Path) -> None:
    closed = load_scenario(_gated_toy(tmp_path / "closed", "gate"))
    # both roads that meet at the gate are closed: the base is left with no road to drive
    with pytest.raises(ScenarioError, match=r"nearest road its vehicle \(pickup\) may use"):
        build_network(closed)
    keys = load_scenario(
        _gated_toy(tmp_path / "keys", "gate", "[defaults.access]\ngate_keys = true\n")
    )
    net = build_network(keys)
    gate_edges = np.flatnonzero(net.edges["barrier"].to_numpy() == "gate")
    assert len(gate_edges) == 2  # the two roads that meet at the gate
    assert np.isfinite(net.edge_seconds("pickup")[gate_edges]).all()
    # the same network under the default rules: closed, with the reason
    default = net.config.replace(access=AccessRules())
    assert set(closed_reasons(net.edges, default, "pickup")[gate_edges]) == {"barrier=gate"}
    # a bollard stays closed with keys
    bollard = load_scenario(
        _gated_toy(tmp_path / "bollard", "bollard", "[defaults.access]\ngate_keys = true\n")
    )
    with pytest.raises(ScenarioError, match=r"nearest road its vehicle \(pickup\) may use"):
        build_network(bollard)


def test_an_edge_merged_elsewhere_takes_its_least_drivable_class() -> None:
    import networkx as nx

    from borderwatch import ScenarioWarning
    from borderwatch.data.network import _road_tables

    g = nx.MultiDiGraph(crs="EPSG:4326")
    for n in (1, 2, 3):
        g.add_node(n, x=LON + n * STEP, y=LAT)
    mixed = {"highway": ["secondary", "footway"], "osmid": [10, 11], "length": 200.0}
    g.add_edge(1, 3, **mixed)
    g.add_edge(3, 1, **mixed)
    g.add_edge(1, 2, highway="tertiary", osmid=12, length=100.0)
    with pytest.warns(ScenarioWarning, match="1 road edges join ways of different highway"):
        _nodes, edges = _road_tables(g, "EPSG:32648")
    assert sorted(edges["highway"]) == ["footway", "tertiary"]
