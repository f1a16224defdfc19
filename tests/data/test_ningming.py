"""End to end: the embedded Ningming scenario loads through the OSM XML path with the published figures."""

from __future__ import annotations

import pytest

from borderwatch.data import embedded_scenarios
from borderwatch.data.summary import scenario_summary


def test_embedded_names() -> None:
    assert "ningming" in embedded_scenarios()


@pytest.mark.slow
def test_published_figures(ningming_net) -> None:
    s = scenario_summary(ningming_net)
    assert s["checkpoints"] == 143
    assert s["teams"] == 17
    assert s["border_townships"] == ["寨安乡", "峙浪乡", "爱店镇", "那楠乡"]
    assert s["grids"] == {"township": 16, "village": 191, "cell": 1052}
    assert s["border_km_official"] == 212.0
    assert s["border_km_modelled"] == pytest.approx(103.8, abs=0.1)
    assert s["crs"] == "EPSG:32648"
    assert s["components"] == 1
    assert 5_000 < s["edges"] < 20_000  # order 10^4 roads after simplification


@pytest.mark.slow
def test_roads_come_from_osm_xml(ningming_net) -> None:
    scenario = ningming_net.scenario
    assert scenario.source is not None
    assert (scenario.source / "roads.osm.gz").is_file()
    assert scenario.roads.graph["crs"].lower() == "epsg:4326"
    assert "synthetic" in scenario.provenance["roads"]
    assert scenario.provenance["border"].startswith("real")


@pytest.mark.slow
def test_every_checkpoint_and_base_is_near_a_road(ningming_net) -> None:
    assert ningming_net.checkpoints["road_m"].max() < 300
    assert ningming_net.teams["road_m"].max() < 300
    assert (ningming_net.units["township"] != "").all()
