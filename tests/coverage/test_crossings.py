"""The crossing simulator agrees with the closed forms (issue #25), replaying GPX tracks.

A generated 20 km scenario is planned; the simulator replays 10,000 crossings
per intruder against the plan folder's GPX (and each variant's own GPX for the
informed intruder) and must land within 1 percentage point of the closed forms.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from borderwatch import build_network, load_scenario
from borderwatch.cli import app
from borderwatch.config import SearchParams
from borderwatch.coverage.crossings import (
    checkpoint_units,
    replay_informed,
    replay_uninformed,
    replay_watching,
    sightings_from_gpx,
)
from borderwatch.coverage.detection import watching
from borderwatch.coverage.revisit import pass_times
from borderwatch.coverage.static import checkpoint_watch
from borderwatch.jobs import run_plan
from borderwatch.plan.odds import detect_night, variant_timeline
from borderwatch.planfiles.export import _gpx, _gpx_tracks, _night_start

NIGHT = date(2026, 12, 1)
N = 10_000

# every test here shares a planned scenario (~30 s under load): all slow
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("scn") / "s20"
    made = CliRunner().invoke(
        app, ["scenario", "generate", "--border-km", "20", "--seed", "3", "--out", str(folder)]
    )
    assert made.exit_code == 0, made.output
    net = build_network(load_scenario(folder))
    out = tmp_path_factory.mktemp("plan")
    plan, summary = run_plan(
        net,
        out,
        night=NIGHT,
        map_html=False,
        crossing_min=10.0,
        search=SearchParams(max_iterations=100, seed=0),
    )
    det = detect_night(net, plan.routes, plan.schedule.timeline, crossing_min=10.0)
    return net, plan, out, summary, det, folder


def test_simulated_crossings_agree_with_the_closed_forms(planned, tmp_path: Path) -> None:
    net, plan, out, _summary, det = planned[:5]
    window = net.config.night_minutes
    start = _night_start(net, NIGHT)
    tau = det.units["crossing_min"].to_numpy()
    # the simulator's own checkpoint watch is the coverage's
    cp = checkpoint_units(net)
    assert (cp == checkpoint_watch(net)["watched"].to_numpy()).all()
    tonight = sightings_from_gpx(
        net, sorted((out / "gpx").glob("*.gpx")), window_start=start, window_min=window
    )

    # uninformed, on the units the patrols alone watch
    open_units = np.flatnonzero(~cp & det.watchable)
    assert len(open_units) >= 5
    sim = replay_uninformed(tonight, cp, tau, window, open_units, n=N, seed=1)
    closed = float(det.units["p_uninformed"].to_numpy()[open_units].mean())
    assert abs(sim - closed) < 0.01, (sim, closed)

    # watching: a random pass at a random unit; and the per-unit worst (0 or 1)
    passes = pass_times(net, plan.schedule.timeline)
    wf = watching(passes["unit"].to_numpy(), passes["t"].to_numpy(), tau, window, len(tau))
    cand = np.flatnonzero(~cp & (wf["n_watch_passes"].to_numpy() > 0))
    sim_w, worst = replay_watching(tonight, tau, window, cand, n=N, seed=2)
    closed_w = float(wf["watch_share"].to_numpy()[cand].mean())
    assert abs(sim_w - closed_w) < 0.01, (sim_w, closed_w)
    agree = np.mean([worst.get(int(u), 0.0) == wf["p_watching"].iat[int(u)] for u in cand])
    assert agree >= 0.95

    # informed: at the closed form's best response, each night's variants drawn with the odds,
    # each variant replayed from its own GPX track
    inf = det.informed_lp
    assert 0 < inf.border_min < 1
    names = list(det.passes.variants)
    sights, odds = {}, {}
    for team, vs in det.variants.items():
        per = []
        for v in vs:
            tl = variant_timeline(net, plan.routes, {team: v}, window)
            vplan = dataclasses.replace(
                plan, schedule=dataclasses.replace(plan.schedule, timeline=tl)
            )
            f = tmp_path / f"{v.variant}.gpx"
            f.write_text(_gpx(_gpx_tracks(net, vplan, NIGHT), [team]), encoding="utf-8")
            per.append(sightings_from_gpx(net, [f], window_start=start, window_min=window))
        sights[team] = per
        odds[team] = np.asarray([det.odds[names.index(v.variant)] for v in vs])
    sim_i = replay_informed(sights, odds, inf.unit, inf.start, float(tau[inf.unit]), n=N, seed=3)
    assert abs(sim_i - inf.border_min) < 0.01, (sim_i, inf.border_min)


def test_plan_outputs_carry_the_detection_figures(planned) -> None:
    import geopandas as gpd
    import pandas as pd

    _net, _plan, out, summary, det = planned[:5]
    d = summary["detection"]
    assert d["crossing_min"] == 10.0
    units = gpd.read_file(out / "units.gpkg", layer="units")
    for col in ("crossing_min", "p_uninformed", "p_informed", "p_watching", "watch_gap_min"):
        assert col in units.columns
    # one truth: plan.json's minimum is the file's minimum over the watchable units
    ok = det.watchable
    assert d["informed_min"]["p"] == pytest.approx(units["p_informed"][ok].min(), abs=5e-4)
    assert d["watching_min"]["p"] == pytest.approx(units["p_watching"][ok].min(), abs=5e-4)
    gaps = pd.read_csv(out / "gaps_after.csv")
    assert {"p_uninformed_min", "p_informed_min", "p_watching_min"} <= set(gaps.columns)
    report = (out / "report.txt").read_text(encoding="utf-8")
    # the generated scenario's zone is Asia/Shanghai: the report is Chinese
    assert f"历时 10 min 的越境今夜各处被发现的概率不低于 {d['informed_min']['p']:.2f}" in report
    # the odds of every patrolling team's variants sum to 1 and name the plan's variants
    listed = {v["variant"] for r in summary["routes"] for v in r["variants"]}
    assert set(d["odds"]) == listed
    for r in summary["routes"]:
        if r["variants"]:
            assert sum(d["odds"][v["variant"]] for v in r["variants"]) == pytest.approx(1.0)


def test_briefing_and_map_show_the_detection_lines(planned) -> None:
    from borderwatch.coverage import coverage_report
    from borderwatch.coverage.detection import with_detection
    from borderwatch.jobs import render_maps
    from borderwatch.maps.brief.document import brief_html
    from borderwatch.maps.brief.inputs import read_plan_folder

    net, plan, out, summary, det = planned[:5]
    d = summary["detection"]
    html = brief_html(read_plan_folder(out), net, lang="en")
    # the commander page: the border's minimum and a line per township, plan.json's figures
    assert f"p ≥ {d['informed_min']['p']:.2f} everywhere against one who knows the pattern" in html
    for row in d["townships"]:
        assert f"knows the pattern ≥ {row['informed_min']:.2f}" in html
    zh = brief_html(read_plan_folder(out), net, lang="zh")
    assert "越境（10 分钟）被发现概率" in zh
    # the plan map's detection layer, with every unit's three probabilities in its tooltip data
    after = coverage_report(
        net, criterion=("checkpoint", "revisit"), timeline=plan.schedule.timeline
    )
    after = with_detection(after, det.units)
    path = render_maps(net, out, report=after, plan=plan, plan_summary=summary, lang="en")
    text = path.read_text(encoding="utf-8")
    assert "Chance a 10-min crossing is seen" in text
    assert f'"pi": "{det.units["p_informed"].iat[0]:.2f}"' in text


def test_crossing_csv_of_the_scenario_folder_sets_tau_per_stretch(planned) -> None:
    from borderwatch.plan.odds import scenario_crossing_csv

    net, plan, _out, _summary, _det, folder = planned
    assert scenario_crossing_csv(net) is None
    (folder / "crossing.csv").write_text("start_km,end_km,crossing_min\n2,4,25\n", encoding="utf-8")
    try:
        net2 = build_network(load_scenario(folder))
        path = scenario_crossing_csv(net2)
        assert path is not None
        det = detect_night(net2, plan.routes, plan.schedule.timeline, stretches=path)
        mid = (net2.units["start_m"] + net2.units["end_m"]).to_numpy() / 2000
        tau = det.units["crossing_min"].to_numpy()
        assert (tau[(mid >= 2) & (mid < 4)] == 25).all()
        assert (tau[(mid < 2) | (mid >= 4)] == net2.config.crossing_min).all()
    finally:
        (folder / "crossing.csv").unlink()


def test_plan_refuses_a_crossing_time_out_of_range() -> None:
    result = CliRunner().invoke(app, ["plan", "ningming", "--crossing-min", "0.1", "--out", "x"])
    assert result.exit_code == 2
    assert "--crossing-min" in result.output


def test_gaps_on_a_driven_nights_gpx_gives_its_detection_figures(planned, tmp_path: Path) -> None:
    """`gaps --gpx` of the plan's own tracks: the uninformed and watching figures of that night."""
    import geopandas as gpd

    from borderwatch.coverage.gpx import timeline_from_gpx
    from borderwatch.jobs import run_gaps

    net, plan, out, _summary, _det = planned[:5]
    tl = timeline_from_gpx(net, out / "gpx")
    report, summary = run_gaps(
        net, tmp_path / "g", criterion=("revisit",), timeline=tl, map_html=False
    )
    units = gpd.read_file(tmp_path / "g" / "units.gpkg", layer="units")
    assert "p_informed" not in units.columns  # a driven night has no variants
    tau = units["crossing_min"].to_numpy()
    assert (tau == net.config.crossing_min).all()
    # the plan's figures at the same τ, from its own timeline
    from borderwatch.coverage.detection import night_detection

    plan_night = night_detection(net, plan.schedule.timeline)
    diff = np.abs(units["p_uninformed"].to_numpy() - plan_night["p_uninformed"].to_numpy())
    assert diff.mean() < 0.01
    # gaps_after-style columns on the gaps, and the coverage headline left as it was
    assert "detection" not in summary
    if len(report.gaps):
        assert "p_uninformed_min" in report.gaps.columns


def test_drawn_detours_agree_with_the_simulator(planned, tmp_path: Path) -> None:
    """LP odds over plain + detour variants: the informed figure replayed from each variant's GPX."""
    from datetime import timedelta

    from borderwatch.coverage.timeline import PatrolTimeline
    from borderwatch.plan.variants import variant_steps

    net, plan, _out, _summary, det = planned[:5]
    window = net.config.night_minutes
    target = float(net.config.targets.max_revisit_min)
    dd = detect_night(
        net,
        plan.routes,
        plan.schedule.timeline,
        crossing_min=10.0,
        detours=True,
        detour_cap_min=target,
    )
    names = list(dd.passes.variants)
    drawn = [
        v for vs in dd.variants.values() for v in vs if v.detour and dd.odds[names.index(v.variant)]
    ]
    assert drawn, "no detour drawn: the test would check nothing new"
    # never below the plain variants' LP; every drawn loop within the target
    assert dd.informed_lp.border_min >= det.informed_lp.border_min - 1e-9
    assert dd.worst_revisit_min["lp"] <= target + 1e-6
    # at the unit a drawn detour is for (the plain variants' weakest unit of its team)
    team = drawn[0].team
    k = dd.passes.teams.index(team)
    mine = np.unique(dd.passes.unit[dd.passes.variant_team[dd.passes.var] == k])
    mine = mine[~checkpoint_units(net)[mine]]
    unit = int(mine[np.argmin(det.informed_lp.p_unit[mine])])
    inf = dd.informed_lp
    s0, p0 = float(inf.start_min[unit]), float(inf.p_unit[unit])
    assert 0 < p0 < 1 and p0 > det.informed_lp.p_unit[unit] + 1e-6
    start = _night_start(net, NIGHT)
    by_team = {r.team: r for r in plan.routes}
    # the teams whose loops come within twice the view of either unit (the others cannot see)
    view = 2.0 * float(net.config.patrol_view_m)
    near = [
        tm
        for tm in dd.variants
        if min(
            by_team[tm].geometry(net).distance(net.units.geometry.iat[x]) for x in (unit, inf.unit)
        )
        <= view
    ]
    sights, odds = {}, {}
    for tm in near:
        vs = dd.variants[tm]
        per = []
        for v in vs:
            # the track starts one loop early (the crew set out before the window)
            lead = v.loop_min
            tl = PatrolTimeline.from_walks(
                net,
                {tm: list(variant_steps(by_team[tm], v))},
                start_min={tm: lead - v.phase_min},
                window_min=window + lead,
            )
            vplan = dataclasses.replace(
                plan, schedule=dataclasses.replace(plan.schedule, timeline=tl)
            )
            f = tmp_path / f"{v.variant}.gpx"
            f.write_text(_gpx(_gpx_tracks(net, vplan, NIGHT), [tm]), encoding="utf-8")
            per.append(
                sightings_from_gpx(
                    net, [f], window_start=start + timedelta(minutes=lead), window_min=window
                )
            )
        sights[tm] = per
        odds[tm] = np.asarray([dd.odds[names.index(v.variant)] for v in vs])
    tau = float(dd.units["crossing_min"].iat[unit])
    sim = replay_informed(sights, odds, unit, s0, tau, n=N, seed=5)
    assert abs(sim - p0) < 0.01, (sim, p0)
    sim_b = replay_informed(sights, odds, inf.unit, inf.start, tau, n=N, seed=6)
    assert abs(sim_b - inf.border_min) < 0.01, (sim_b, inf.border_min)
