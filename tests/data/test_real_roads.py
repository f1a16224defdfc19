"""Real OSM extracts (tests/data/files/PROVENANCE.md) planned end to end, checked on raw OSM.

Every team GPX step is matched to the raw OSM way it runs on (tests/data/real.py,
independent of the reader under test): no pickup drives a path, track, footway
or a way closed to motor vehicles; no vehicle drives what its profile or the
access tags forbid. The road graph never merges classes; PBF and XML give the
same graph; every team works or is on standby with a reason; a scenario
without grids prints no empty township fields.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from borderwatch import build_network, load_scenario
from borderwatch.config import DEFAULT_PROFILES, SearchParams
from borderwatch.data import read_roads
from borderwatch.jobs import run_plan
from borderwatch.plan.guard import ProfileViolation, check_routes, violations
from borderwatch.plan.outliers import explain_outliers
from tests.data.real import EXTRACTS, driven_steps, write_real_scenario

pytest.importorskip("osmium")

NOT_FOR_PICKUPS = {"track", "path", "footway", "cycleway", "bridleway", "steps", "pedestrian"}
NAMES = sorted(EXTRACTS)


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Each extract's scenario planned once (map left out): (network, plan, folder)."""
    out = {}
    for name in NAMES:
        root = tmp_path_factory.mktemp(name)
        scn = load_scenario(write_real_scenario(root / "scenario", name))
        with pytest.warns(Warning):  # separate road components, unreachable links
            net = build_network(scn)
            plan, _ = run_plan(
                net, root / "plan", night=date(2026, 12, 6), map_html=False, search=SearchParams(max_iterations=200, seed=0))  # fmt: skip
        out[name] = (net, plan, root / "plan")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_no_merged_classes_and_pbf_equals_xml(tmp_path: Path, name: str) -> None:
    write_real_scenario(tmp_path / "xml", name, roads="xml")
    pbf = read_roads(EXTRACTS[name].path)
    xml = read_roads(tmp_path / "xml" / "roads.osm.bz2")
    for g in (pbf, xml):
        for attr in ("highway", "access_car", "access_motorcycle", "ford"):
            mixed = [(u, v) for u, v, d in g.edges(data=True) if isinstance(d.get(attr), list)]
            assert mixed == [], f"{name}: {len(mixed)} edges merge different {attr}"
    assert sorted(pbf.nodes) == sorted(xml.nodes)
    key = ("highway", "access_car", "access_motorcycle", "ford")

    def edges(g):
        return sorted(
            (u, v, round(d["length"], 3), *(str(d.get(k, "")) for k in key))
            for u, v, d in g.edges(data=True)
        )

    assert edges(pbf) == edges(xml)
    assert {n: d.get("barrier", "") for n, d in pbf.nodes(data=True)} == {
        n: d.get("barrier", "") for n, d in xml.nodes(data=True)
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_gpx_step_is_drivable_by_its_vehicle(planned: dict, name: str) -> None:
    net, plan, folder = planned[name]
    steps = driven_steps(folder, name)
    assert steps, "the plan drives something"
    off = sum(s.km for s in steps if s.way == 0)
    assert off < 0.01 * sum(s.km for s in steps)  # GPX points are OSM nodes
    for s in steps:
        if s.way == 0:
            continue
        assert s.closed == "", f"{name}: {s.team} ({s.vehicle}) on way {s.way}: {s.closed}"
        assert DEFAULT_PROFILES[s.vehicle].allows(s.highway), (name, s)
        if s.vehicle == "pickup":
            assert s.highway not in NOT_FOR_PICKUPS, (name, s)
    assert violations(net, plan.routes) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_team_works_or_says_why_not(planned: dict, name: str) -> None:
    _net, plan, folder = planned[name]
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert {r["team"] for r in doc["routes"]} == {t[0] for t in EXTRACTS[name].teams}
    for r in doc["routes"]:
        if r["status"] == "patrol":
            assert r["loop_min"] > 0 and r["steps"]
        else:
            assert r["status"] == "standby" and r["standby_reason"].strip()
    assert any(r.on_patrol for r in plan.routes)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_grid_less_report_prints_no_empty_fields(planned: dict, name: str) -> None:
    _net, _plan, folder = planned[name]
    text = (folder / "report.txt").read_text(encoding="utf-8")
    for empty in ("(, ", ", )", "()", " , "):
        assert empty not in text, f"{name}: {empty!r} in report.txt"


@pytest.mark.slow
def test_guard_names_the_edge_and_way_of_a_forbidden_step(planned: dict) -> None:
    net, plan, _ = planned["north_bayreuth"]
    pickup = next(r for r in plan.routes if r.vehicle == "pickup" and r.on_patrol)
    highway = net.edges["highway"].to_numpy()
    footway = int(np.flatnonzero(highway == "footway")[0])
    bad = dataclasses.replace(pickup, steps=(*pickup.steps, (footway, True)))
    way = net.edges["osmid"].iat[footway]
    with pytest.raises(
        ProfileViolation,
        match=rf"team {pickup.team} \(pickup\) loop step {len(pickup.steps)}: edge {footway} "
        rf"\(OSM way {way}, highway=footway\): class not allowed",
    ):
        check_routes(net, [bad])
    # a road closed by its access tags, on the approach drive
    private = net.edges["access_car"].to_numpy() == "private"
    made = np.isin(highway, ["residential", "service", "unclassified"])
    closed = int(np.flatnonzero(private & made)[0])
    bad = dataclasses.replace(pickup, approach=((closed, True),))
    assert violations(net, [bad]) == [
        f"team {pickup.team} (pickup) approach step 0: edge {closed} (OSM way "
        f"{net.edges['osmid'].iat[closed]}, highway={highway[closed]}): access=private"
    ]
    check_routes(net, plan.routes)  # the plan itself passes


@pytest.mark.slow
def test_a_loop_far_longer_than_the_others_says_why(planned: dict) -> None:
    net, plan, _ = planned["north_bayreuth"]
    routes = list(plan.routes)
    suv = next(i for i, r in enumerate(routes) if r.vehicle == "suv")
    # stretch the SUV's loop past the night: it is the only SUV and serves tracks
    long = dataclasses.replace(routes[suv], seconds=tuple(s * 40 for s in routes[suv].seconds))
    routes[suv] = long
    out = explain_outliers(net, routes)
    note = out[suv].note
    assert note.startswith("outlier: loop ") and "longer than the 420-min night" in note
    assert "suggestion: " in note
    assert [r.note for i, r in enumerate(out) if i != suv] == [
        r.note for i, r in enumerate(routes) if i != suv
    ]
    assert explain_outliers(net, plan.routes) == list(plan.routes)  # balanced: no outliers


@pytest.mark.slow
def test_gate_keys_open_real_gates(tmp_path: Path) -> None:
    closed = build_network(load_scenario(write_real_scenario(tmp_path / "a", "krems")))
    keys = build_network(
        load_scenario(
            write_real_scenario(
                tmp_path / "b", "krems", extra_toml="\n[defaults.access]\ngate_keys = true\n"
            )
        )
    )
    gates = np.isin(closed.edges["barrier"].to_numpy(), ["gate", "lift_gate"])
    assert gates.sum() >= 20
    assert not np.isfinite(closed.edge_seconds("pickup")[gates]).any()
    open_class = np.array([DEFAULT_PROFILES["pickup"].allows(h) for h in keys.edges["highway"]])
    other = keys.edges[["access_car"]].to_numpy().ravel() == ""
    sel = gates & open_class & other & ~keys.edges["ford"].to_numpy(bool)
    assert sel.any() and np.isfinite(keys.edge_seconds("pickup")[sel]).all()


@pytest.mark.slow
def test_grid_less_briefing_has_no_bare_township_table(planned: dict) -> None:
    from borderwatch.maps.brief import brief_html, read_plan_folder

    net, _plan, folder = planned["north_bayreuth"]
    html = brief_html(read_plan_folder(folder), net, lang="en", night=date(2026, 12, 6))
    assert "By township" not in html
    assert "<h1>" in html  # the rest of the briefing is there
