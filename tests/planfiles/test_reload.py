"""Reloading a plan folder: the same routes, worst revisit and revisits table as the plan written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderwatch import build_network, load_scenario
from borderwatch.config import SearchParams
from borderwatch.data.synthetic import generate_scenario
from borderwatch.errors import BorderwatchError, CoverageError
from borderwatch.jobs import run_plan
from borderwatch.planfiles.export import plan_summary
from borderwatch.planfiles.reload import load_plan, plan_network, plan_night
from tests.helpers import add_twin_team, write_toy_scenario


@pytest.fixture(scope="module")
def twin_net(tmp_path_factory: pytest.TempPathFactory):
    folder = add_twin_team(write_toy_scenario(tmp_path_factory.mktemp("twin") / "toy"))
    return build_network(load_scenario(folder))


def _plan(net, out: Path, **kw):
    return run_plan(
        net,
        out,
        night=date(2026, 12, 7),
        map_html=False,
        search=SearchParams(max_iterations=40, seed=3),
        **kw,
    )


def _same(back, plan, net) -> None:
    assert back.routes == plan.routes
    pd.testing.assert_frame_equal(back.revisits, plan.revisits)
    assert back.objective == plan.objective
    assert back.schedule.worst_revisit_min == plan.schedule.worst_revisit_min
    assert back.seed == plan.seed
    assert back.required.edges.tolist() == plan.required.edges.tolist()
    assert back.required.uncoverable.tolist() == plan.required.uncoverable.tolist()
    # the figures written again from the reloaded plan are those of the original
    assert plan_summary(net, back) == plan_summary(net, plan)


def test_reload_reproduces_the_plan(twin_net, tmp_path: Path) -> None:
    plan, summary = _plan(twin_net, tmp_path / "p")
    back = load_plan(tmp_path / "p", twin_net)
    _same(back, plan, twin_net)
    assert back.minmax_loop_min == pytest.approx(summary["minmax_loop_min"], abs=1e-9)
    assert back.bound_min == pytest.approx(summary["bound_min"], abs=1e-9)
    assert plan_night(tmp_path / "p") == date(2026, 12, 7)
    # the plan's own plan.json path works as well
    assert load_plan(tmp_path / "p" / "plan.json", twin_net).routes == plan.routes


def test_reload_honours_teams_and_night_window(twin_net, tmp_path: Path) -> None:
    from borderwatch.plan.patrols import night_network

    plan, _ = _plan(twin_net, tmp_path / "p", teams=["T2"], night_window="22:00-04:00")
    net = plan_network(tmp_path / "p", twin_net)
    assert list(net.teams.index) == ["T2"]
    assert (net.config.night_start, net.config.night_end) == ("22:00", "04:00")
    want = night_network(twin_net, teams=["T2"], night_window="22:00-04:00")
    back = load_plan(tmp_path / "p", twin_net)
    _same(back, plan, want)
    assert back.schedule.timeline.window_min == 360.0


@pytest.mark.slow
def test_plans_without_service_flags_are_refused(twin_net, tmp_path: Path) -> None:
    _plan(twin_net, tmp_path / "p")
    path = tmp_path / "p" / "plan.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for r in data["routes"]:
        del r["service"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CoverageError) as info:
        load_plan(tmp_path / "p", twin_net)
    assert info.value.field == "routes[0].service" and str(path) in str(info.value)


def _broken(tmp_path: Path, twin_net, change) -> Path:
    _plan(twin_net, tmp_path / "p")
    path = tmp_path / "p" / "plan.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return tmp_path / "p"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        (lambda d: d.update(seed="x"), "seed", "'x'"),
        (lambda d: d["routes"][0].update(team="T9"), "routes[0].team", "'T9'"),
        (
            lambda d: d["routes"][0]["steps"].__setitem__(0, [99999, True]),
            "routes[0].steps[0]",
            "99999",
        ),
        (lambda d: d["routes"][0]["steps"].__setitem__(0, "a"), "routes[0].steps[0]", "'a'"),
        (lambda d: d["routes"][0].update(status="asleep"), "routes[0].status", "'asleep'"),
        (lambda d: d["routes"][0].update(service=[2]), "routes[0].service", "[2]"),
        (lambda d: d.update(night_window=["25:00", "06:00"]), "night_window[0]", "'25:00'"),
        (lambda d: d.update(required_edges=[-1]), "required_edges", "-1"),
        (lambda d: d.update(minmax_loop_min=None), "minmax_loop_min", None),
        (lambda d: d.update(border_km=99.0), "border_km", "99.0"),
    ],
)
def test_bad_plan_files_name_file_field_and_value(
    twin_net, tmp_path: Path, change, field: str, value: str | None
) -> None:
    folder = _broken(tmp_path, twin_net, change)
    with pytest.raises(CoverageError) as info:
        load_plan(folder, twin_net)
    text = str(info.value)
    assert str(folder / "plan.json") in text
    assert f"field {field!r}" in text
    if value is not None:
        assert f"value {value}" in text


@pytest.mark.slow
def test_a_network_of_another_unit_length_is_refused(twin_net, tmp_path: Path) -> None:
    _plan(twin_net, tmp_path / "p")
    path = tmp_path / "p" / "summary.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["n_units"] += 1
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CoverageError) as info:
        load_plan(tmp_path / "p", twin_net)
    assert str(path) in str(info.value) and "field 'n_units'" in str(info.value)


@pytest.mark.slow
def test_a_loop_that_breaks_is_refused(twin_net, tmp_path: Path) -> None:
    def cut(d) -> None:
        steps = next(r for r in d["routes"] if len(r["steps"]) > 2)["steps"]
        del steps[1]

    folder = _broken(tmp_path, twin_net, cut)
    with pytest.raises(CoverageError, match="not a closed walk"):
        load_plan(folder, twin_net)


@pytest.mark.slow
def test_foreign_and_missing_folders(twin_net, toy_net, tmp_path: Path) -> None:
    _plan(twin_net, tmp_path / "p")
    with pytest.raises(CoverageError, match=r"'T2'.*not a plan of this scenario"):
        load_plan(tmp_path / "p", toy_net)  # the one-team toy has no T2
    with pytest.raises(BorderwatchError, match="plan file not found"):
        load_plan(tmp_path, twin_net)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "plan.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CoverageError, match=r"plan\.json: not valid JSON"):
        load_plan(tmp_path / "junk", twin_net)


@pytest.mark.slow
def test_driven_from_gpx_mixes_tracks_and_plan(twin_net, tmp_path: Path) -> None:
    import gpxpy
    import pyproj

    from borderwatch.planfiles.reload import driven_from_gpx

    _plan(twin_net, tmp_path / "p")
    plan = load_plan(tmp_path / "p", twin_net)
    # T1's track only, stopped at 23:00 (180 min into the night)
    gpx = gpxpy.parse((tmp_path / "p" / "gpx" / "T1.gpx").read_text(encoding="utf-8"))
    seg = gpx.tracks[0].segments[0]
    seg.points = [p for p in seg.points if p.time.isoformat() <= "2026-12-07T23:00:00+08:00"]
    last = seg.points[-1]
    track = tmp_path / "T1-driven.gpx"
    track.write_text(gpx.to_xml(), encoding="utf-8")
    driven, positions = driven_from_gpx(
        twin_net, plan, [track], at_min=250.0, night=date(2026, 12, 7)
    )
    assert set(driven.teams) == {"T1", "T2"}
    assert set(driven.traversals["team"]) == {"T2"}  # T2: the plan's timeline
    assert set(driven.sightings["team"]) == {"T1"} and driven.sightings["t"].max() <= 180.0 + 1e-6
    assert list(positions) == ["T1"]
    pos = positions["T1"]
    assert (pos.source, pos.ready_min) == ("gpx", 250.0)
    x, y = pyproj.Transformer.from_crs("EPSG:4326", twin_net.crs, always_xy=True).transform(
        last.longitude, last.latitude
    )
    nodes = twin_net.nodes
    d = ((nodes["x"] - x) ** 2 + (nodes["y"] - y) ** 2) ** 0.5
    # the nearest node its pickup may use (the toy's track node 30 is not one)
    secs = twin_net.edge_seconds("pickup")
    ok = set(twin_net.edges["u"][secs < float("inf")]) | set(
        twin_net.edges["v"][secs < float("inf")]
    )
    assert pos.node == min(ok, key=lambda n: d.iloc[n])
    # a track that starts after the cut gives no position (the plan's then holds)
    seg.points = [p for p in seg.points if p.time.isoformat() >= "2026-12-07T21:00:00+08:00"]
    late = tmp_path / "T1-late.gpx"
    late.write_text(gpx.to_xml(), encoding="utf-8")
    _, none = driven_from_gpx(twin_net, plan, [late], at_min=30.0, night=date(2026, 12, 7))
    assert none == {}


@pytest.mark.slow
def test_reload_of_a_replanned_folder(twin_net, tmp_path: Path) -> None:
    from borderwatch.jobs import write_replan
    from borderwatch.plan.replan import replan

    plan, _ = _plan(twin_net, tmp_path / "p")
    rp = replan(plan, twin_net, at="02:10", hot=["3-5:3"], search=SearchParams(max_iterations=20))
    write_replan(rp, tmp_path / "r", night=date(2026, 12, 7), map_html=False)
    back = load_plan(tmp_path / "r", twin_net)
    net = plan_network(tmp_path / "r", twin_net)
    assert (net.config.night_start, net.config.night_end) == ("02:10", "06:00")
    assert net.teams["node"].tolist() == rp.network.teams["node"].tolist()
    assert back.routes == rp.plan.routes
    # the loops start when each team is ready at its position, as the re-plan timed them
    pd.testing.assert_frame_equal(back.revisits, rp.plan.revisits)
    assert back.objective.worst_revisit_min == rp.plan.objective.worst_revisit_min
    assert back.objective.mean_revisit_min == pytest.approx(rp.plan.objective.mean_revisit_min)
    # a team that would be ready only after the window end starts no loop
    path = tmp_path / "r" / "plan.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["replan"]["positions"]["T1"]["start_min"] = 999.0
    path.write_text(json.dumps(data), encoding="utf-8")
    late = load_plan(tmp_path / "r", twin_net)
    assert "T1" not in set(late.schedule.timeline.traversals["team"])
    data["replan"]["positions"]["T1"]["start_min"] = -1.0
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CoverageError, match=r"replan\.positions\.T1\.start_min"):
        load_plan(tmp_path / "r", twin_net)


def test_a_gps_position_snaps_within_the_teams_roads() -> None:
    """A last fix beside a road stub cut off from the team's roads snaps to its own roads."""
    import pyproj
    from scipy import sparse
    from scipy.sparse import csgraph

    from borderwatch.planfiles.reload import _snap

    net = build_network(generate_scenario(20, seed=5))  # pickups with cut-off stubs (53 nodes)
    for team_id, row in net.teams.iterrows():  # noqa: B007 (the team found is used below)
        secs = net.edge_seconds(str(row["vehicle"]))
        ok = np.isfinite(secs)
        u, v = net.edges["u"].to_numpy()[ok], net.edges["v"].to_numpy()[ok]
        n = len(net.nodes)
        labels = csgraph.connected_components(
            sparse.coo_array((np.ones(len(u)), (u, v)), shape=(n, n)), directed=False
        )[1]
        drivable = np.unique(np.r_[u, v])
        stubs = drivable[labels[drivable] != labels[int(row["node"])]]
        if len(stubs):
            break
    else:
        pytest.skip("no vehicle road stub cut off from a base in this scenario")
    stub = int(stubs[0])
    lon, lat = pyproj.Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True).transform(
        net.nodes["x"].iloc[stub], net.nodes["y"].iloc[stub]
    )
    node = _snap(net, str(team_id), lon, lat)
    assert node != stub
    assert labels[node] == labels[int(row["node"])]
