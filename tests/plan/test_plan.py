"""The plan pipeline: required roads → routes → schedule → coverage after; files and CLI."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from borderwatch import build_network, load_scenario
from borderwatch.cli import app
from borderwatch.config import SearchParams
from borderwatch.coverage import revisits
from borderwatch.data.synthetic import generate_scenario
from borderwatch.errors import RoutingError
from borderwatch.jobs import run_plan
from borderwatch.plan.patrols import plan_patrols
from borderwatch.plan.schedule import schedule_night
from borderwatch.routing.patrol import TeamRoute
from tests.helpers import add_twin_team

runner = CliRunner()


@pytest.fixture(scope="module")
def small_net():
    return build_network(generate_scenario(12, seed=5))


def _check_routes(net, plan) -> None:
    u = net.edges["u"].to_numpy()
    v = net.edges["v"].to_numpy()
    served = set()
    for route in plan.routes:
        secs = net.edge_seconds(route.vehicle)
        node = int(net.teams.loc[route.team, "node"])
        for e, fwd in route.approach:  # base -> where the loop starts
            start, end = (u[e], v[e]) if fwd else (v[e], u[e])
            assert start == node, f"{route.team}: approach breaks at edge {e}"
            node = end
        assert route.approach_s == pytest.approx(sum(secs[e] for e, _ in route.approach))
        loop_start = node
        for (e, fwd), s in zip(route.steps, route.seconds, strict=True):
            start, end = (u[e], v[e]) if fwd else (v[e], u[e])
            assert start == node, f"{route.team}: walk breaks at edge {e}"
            node = end
            assert np.isfinite(secs[e]), f"{route.team} ({route.vehicle}) drives forbidden edge {e}"
            assert s == pytest.approx(secs[e])
        assert node == loop_start, f"{route.team}: loop is not closed"
        served |= {e for (e, _), srv in zip(route.steps, route.service, strict=True) if srv}
    reachable = {e for link in plan.instance.links for e in link.edges}
    assert reachable <= served
    assert plan.result.lower_bound <= plan.result.max_cost + 1e-6
    assert plan.max_loop_min == pytest.approx(max(r.loop_s for r in plan.routes) / 60)
    # the night stage never lengthens the longest loop of the min-max stage
    assert plan.max_loop_min <= plan.minmax_loop_min + 1e-6
    for route in plan.routes:
        assert route.on_patrol or route.standby_reason, route.team


def test_toy_plan_by_hand(toy_dir: Path) -> None:
    net = build_network(load_scenario(toy_dir))
    plan = plan_patrols(net, search=SearchParams(max_iterations=50, seed=1))
    _check_routes(net, plan)
    (route,) = plan.routes
    # base -> border road west end -> east end -> back: 2.5 + 5 + 10 + 5 + 2.5 km
    assert route.length_m(net) == pytest.approx(25_000, rel=2e-3)
    # one team looping one route: every unit it watches is revisited every loop
    assert plan.schedule.worst_revisit_min == pytest.approx(route.loop_s / 60, rel=1e-6)
    assert plan.revisits["worst_revisit_min"].max() <= route.loop_s / 60 + 1e-6
    assert plan.gap_pct == pytest.approx(0.0, abs=1e-6)


def test_generated_plan_invariants_and_determinism(small_net) -> None:
    a = plan_patrols(small_net, search=SearchParams(max_iterations=200, seed=3))
    b = plan_patrols(small_net, search=SearchParams(max_iterations=200, seed=3))
    _check_routes(small_net, a)
    assert [r.steps for r in a.routes] == [r.steps for r in b.routes]
    assert a.schedule.phase_min == b.schedule.phase_min


def test_schedule_staggers_teams_sharing_a_route(toy_dir: Path) -> None:
    net = build_network(load_scenario(add_twin_team(toy_dir)))
    plan = plan_patrols(net, search=SearchParams(max_iterations=20, seed=0))
    steps = next(r for r in plan.routes if r.steps)
    twins = [
        TeamRoute(t, "pickup", steps.steps, steps.service, steps.seconds) for t in ("T1", "T2")
    ]
    sched = schedule_night(net, twins, grid=2)
    loop = steps.loop_s / 60
    # phases lie on edge ends: half a loop, to the nearest edge end
    assert sorted(sched.phase_min) == pytest.approx([0.0, loop / 2], abs=max(twins[0].seconds) / 60)
    # two teams half a loop apart: a unit on the route is passed every half loop
    table = revisits(net, sched.timeline)
    on_route = table["n_passes"] > 0
    assert table.loc[on_route, "worst_revisit_min"].max() <= loop / 2 + 1.0


def test_zero_teams_is_a_clear_error(toy_dir: Path) -> None:
    (toy_dir / "teams.csv").write_text("id,name,base_lon,base_lat,vehicle,crew,township\n")
    net = build_network(load_scenario(toy_dir))
    with pytest.raises(RoutingError, match="zero teams"):
        plan_patrols(net, search=SearchParams(max_iterations=5))


def test_run_plan_writes_every_file(toy_dir: Path, tmp_path: Path) -> None:
    net = build_network(load_scenario(toy_dir))
    out = tmp_path / "plan"
    _, summary = run_plan(
        net, out, night=date(2026, 12, 1), search=SearchParams(max_iterations=30, seed=2)
    )
    for name in (
        "routes.geojson",
        "routes.gpx",
        "plan.json",
        "gaps_after.csv",
        "gaps_before.csv",
        "report.txt",
        "map.html",
        "units.gpkg",
        "summary.json",
        "grids.csv",
    ):
        assert (out / name).is_file(), name
    written = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert written["max_loop_min"] == summary["max_loop_min"]
    assert written["coverage_after"]["watched_pct"] == 100.0
    assert written["bound_min"] <= written["max_loop_min"]
    import gpxpy

    gpx = gpxpy.parse((out / "routes.gpx").read_text(encoding="utf-8"))
    (track,) = gpx.tracks
    points = track.segments[0].points
    (own,) = [r["variants"][0] for r in written["routes"] if r["team"] == "T1"]
    # its whole night: leave base (floored in plan.json), every loop of the window (its
    # start and its end are points of the track), back at base (rounded up); the team id
    # in the name
    times = [p.time for p in points]
    assert times[0].replace(second=0, microsecond=0).isoformat() == own["leave_base"]
    assert times[0].isoformat() <= "2026-12-01T20:00:00+08:00" == own["on_loop"]
    assert datetime.fromisoformat(own["on_loop"]) in times
    assert datetime.fromisoformat(own["off_loop"]) in times
    back = datetime.fromisoformat(own["back_base"])
    assert back - timedelta(minutes=1) < times[-1] <= back
    assert track.name.split()[0] == "T1"
    # the toy's zone is Asia/Shanghai: the report is Chinese (borderwatch.i18n.REPORT)
    assert "下界" in (out / "report.txt").read_text(encoding="utf-8")


@pytest.mark.slow
def test_cli_plan_is_deterministic(toy_dir: Path, tmp_path: Path) -> None:
    args = ["plan", str(toy_dir), "--time-limit", "1", "--seed", "4", "--night", "2026-12-01"]
    r1 = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert r1.exit_code == 0, r1.output
    assert "最长单圈" in r1.stdout  # the toy's zone is Asia/Shanghai: the report is Chinese
    r2 = runner.invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert r2.exit_code == 0, r2.output
    for name in ("routes.geojson", "routes.gpx", "report.txt", "gaps_after.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    again = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert again.exit_code == 0, "rewriting an earlier output folder is allowed"
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes.txt").write_text("mine")
    other = runner.invoke(app, [*args, "--out", str(tmp_path / "c")])
    assert other.exit_code == 4 and "not empty" in other.stderr  # output exists: 4, as documented


def test_cli_gaps_and_map(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "gaps"
    result = runner.invoke(app, ["gaps", str(toy_dir), "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "45.0 %" in result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["watched_km"] + summary["gap_km"] == pytest.approx(summary["border_km"])
    (out / "map.html").unlink()
    again = runner.invoke(app, ["map", str(out), "--lang", "en"])
    assert again.exit_code == 0, again.output
    assert "Border coverage" in (out / "map.html").read_text(encoding="utf-8")


def test_team_sizing(toy_dir: Path) -> None:
    from borderwatch.plan.sizing import size_teams

    net = build_network(load_scenario(toy_dir))
    ok = size_teams(net, target_min=60, search=SearchParams(max_iterations=30))
    assert ok.fewest == 1 and ok.best_min == pytest.approx(47.5, abs=0.1)
    # the two ends of the border road are passed once per loop: they bind
    assert [(a, b) for a, b, _, _ in ok.binding] == [(0.0, 1.0), (9.0, 9.999)]
    too_tight = size_teams(net, target_min=30, search=SearchParams(max_iterations=30))
    assert too_tight.fewest is None
    result = runner.invoke(app, ["teams", str(toy_dir), "--target", "30", "--time-limit", "0.5"])
    assert result.exit_code == 0, result.output
    assert "needs more teams" in result.stdout


@pytest.mark.slow
def test_team_sizing_searches_by_iterations_not_by_the_clock(
    toy_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import borderwatch.plan.sizing as sizing

    net = build_network(load_scenario(toy_dir))
    asked: list[SearchParams] = []
    real = sizing.plan_patrols

    def spy(network: object, search: SearchParams, **kw: object) -> object:
        asked.append(search)
        return real(network, search, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(sizing, "plan_patrols", spy)
    first = sizing.size_teams(net, target_min=60)
    assert asked and all(
        s.max_iterations == sizing.SIZING_ITERATIONS and s.bound_rounds == 0 for s in asked
    )
    assert sizing.size_teams(net, target_min=60).worst_by_k == first.worst_by_k
    result = runner.invoke(app, ["teams", str(toy_dir), "--target", "60", "--max-iterations", "20"])
    assert result.exit_code == 0, result.output
    assert asked[-1].max_iterations == 20 and asked[-1].time_limit_s == 10.0


def test_team_that_reaches_no_required_road_stays_at_base(toy_dir: Path) -> None:
    from borderwatch.errors import BorderwatchWarning, ScenarioWarning
    from tests.helpers import DLAT_KM, DLON_KM, LAT_BORDER, LON0

    # a short road 300 m from the border, joined to nothing; team T2 is based on it
    lat = LAT_BORDER - 0.3 * DLAT_KM
    island = (
        f'  <node id="800" lat="{lat:.7f}" lon="{LON0 + 4 * DLON_KM:.7f}"/>\n'
        f'  <node id="801" lat="{lat:.7f}" lon="{LON0 + 4.5 * DLON_KM:.7f}"/>\n'
        '  <way id="880"><nd ref="800"/><nd ref="801"/><tag k="highway" v="unclassified"/></way>\n'
    )
    roads = toy_dir / "roads.osm"
    roads.write_text(roads.read_text().replace("</osm>", island + "</osm>"))
    teams = toy_dir / "teams.csv"
    teams.write_text(
        teams.read_text() + f"T2,Island team,{LON0 + 4 * DLON_KM:.6f},{lat:.6f},pickup,4,Aidian\n"
    )
    with pytest.warns(ScenarioWarning, match="2 separate components"):
        net = build_network(load_scenario(toy_dir))
    with pytest.warns(BorderwatchWarning, match="team 'T2' .* cannot reach any required road"):
        plan = plan_patrols(net, search=SearchParams(max_iterations=20))
    assert plan.instance.idle == ("T2",)
    assert [len(r.steps) > 0 for r in plan.routes] == [True, False]
    # on standby, loudly: in the route, plan.json and the report
    t2 = plan.routes[1]
    assert t2.status == "standby" and "reaches no required road" in t2.standby_reason


@pytest.mark.slow
def test_planner_knobs_library_and_cli(toy_dir: Path, tmp_path: Path) -> None:
    from borderwatch.errors import ConfigError
    from borderwatch.plan.patrols import night_network

    net = build_network(generate_scenario(30, seed=1))
    two = night_network(net, n_teams=1)
    assert len(two.teams) == 1 and len(net.teams) > 1  # the input is not changed
    sub = night_network(net, teams=[str(net.teams.index[-1])], night_window="21:00-05:00")
    assert list(sub.teams.index) == [net.teams.index[-1]]
    assert sub.config.night_minutes == 480 and net.config.night_minutes == 600
    with pytest.raises(ConfigError, match="unknown team"):
        night_network(net, teams=["T99"])
    with pytest.raises(ConfigError, match="n_teams"):
        night_network(net, n_teams=len(net.teams) + 1)
    with pytest.raises(ConfigError, match="night_window"):
        night_network(net, night_window="21:00")

    args = ["plan", str(toy_dir), "--max-iterations", "20", "--night", "2026-12-01", "--no-map"]
    ok = runner.invoke(
        app,
        [
            *args,
            "--teams",
            "T1",
            "--night-window",
            "21:00-05:00",
            "--max-revisit",
            "60",
            "--out",
            str(tmp_path / "a"),
        ],
    )
    assert ok.exit_code == 0, ok.output
    written = json.loads((tmp_path / "a" / "plan.json").read_text(encoding="utf-8"))
    assert written["night_window"] == ["21:00", "05:00"]
    assert "夜间 21:00-05:00" in (tmp_path / "a" / "report.txt").read_text(encoding="utf-8")
    import gpxpy

    gpx = gpxpy.parse((tmp_path / "a" / "routes.gpx").read_text(encoding="utf-8"))
    first = gpx.tracks[0].segments[0].points[0].time
    assert first is not None and first.isoformat().startswith("2026-12-01T21:00")
    bad = runner.invoke(app, [*args, "--teams", "T9", "--out", str(tmp_path / "b")])
    assert bad.exit_code == 2 and "T9" in bad.output
