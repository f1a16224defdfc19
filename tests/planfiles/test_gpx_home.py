"""Each team's GPX holds its whole night: the drive out, the loops, the drive home.

The files are read back as a crew's navigation device or the replay reads them:
the first point floors to plan.json's ``leave_base`` and the last ceils to its
``back_base`` (the plan's own schedule, variant ``-f0``); the points up to the loop
start are the roads of plan.json's ``approach``; the drive home runs on roads and
ends on the team's base; the description says both times; the replay of the
whole-night files counts exactly what the window alone counts; the same plan
writes the same bytes. Re-plans (base and circuit) get the drive home too, and
their duty times start each loop when its team is ready, as the timeline does
(a base re-plan used to time its back-at-base from the cut).
"""

from __future__ import annotations

import json
import math
import re
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import gpxpy
import gpxpy.gpx
import numpy as np
import pytest

from borderwatch import build_network
from borderwatch.config import SearchParams
from borderwatch.coverage.gpx import timeline_from_gpx
from borderwatch.data.synthetic import generate_scenario
from borderwatch.errors import BorderwatchWarning
from borderwatch.plan.duty import drive_home
from borderwatch.plan.patrols import plan_patrols
from borderwatch.plan.replan import replan
from borderwatch.planfiles.export import write_plan_files

NIGHT = date(2026, 12, 7)


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderwatchWarning)
        return fn(*args, **kwargs)


def _points(path: Path) -> tuple[gpxpy.gpx.GPXTrack, list[tuple[float, float, datetime]]]:
    gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
    (track,) = gpx.tracks
    (segment,) = track.segments  # driven without a break: one segment
    return track, [(p.longitude, p.latitude, p.time) for p in segment.points]  # type: ignore[misc]


def _floor(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def _ceil(t: datetime) -> datetime:
    return _floor(t) if _floor(t) == t else _floor(t) + timedelta(minutes=1)


def _vertices(lonlat: Any, steps: list[list[Any]]) -> list[tuple[float, float]]:
    """The vertices of ``steps`` in driving order, each shared end once (as a GPS would log)."""
    out: list[tuple[float, float]] = []
    for e, fwd in steps:
        coords = list(lonlat.iloc[int(e)].coords)
        coords = coords if fwd else coords[::-1]
        out.extend(coords[1:] if out else coords)
    return out


def _road_vertices(net: Any) -> Any:
    """A KD-tree of every road vertex (lon, lat)."""
    from scipy.spatial import cKDTree

    lonlat = net.edges.to_crs("EPSG:4326").geometry
    return cKDTree(np.array([xy for line in lonlat for xy in line.coords]))


def check_folder(net: Any, folder: Path, *, out_leg: bool = True) -> dict[str, int]:
    """Every team's GPX of ``folder`` against its plan.json; returns points out / home per team."""
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    lonlat = net.edges.to_crs("EPSG:4326").geometry
    nodes = net.nodes.to_crs("EPSG:4326").geometry
    roads = _road_vertices(net)
    legs: dict[str, int] = {}
    routes = [r for r in plan["routes"] if r["status"] == "patrol"]
    assert routes
    for r in routes:
        team = r["team"]
        track, pts = _points(folder / "gpx" / f"{team}.gpx")
        own = r["variants"][0]
        assert own["variant"] == f"{team}-f0"
        leave, on, off, back = (
            datetime.fromisoformat(own[k])
            for k in ("leave_base", "on_loop", "off_loop", "back_base")
        )
        times = [t for _, _, t in pts]
        assert times == sorted(times), team
        # first point at leave base (floored to the minute in plan.json), last at back at base
        if out_leg:
            assert _floor(times[0]) == leave == datetime.fromisoformat(r["leave_base"]), team
        assert _ceil(times[-1]) == back, (team, times[-1], back)
        # the drive home ends on the team's base
        base = int(net.teams.loc[team, "node"])
        assert pts[-1][:2] == pytest.approx((nodes.iloc[base].x, nodes.iloc[base].y), abs=1e-6)
        # the drive out: plan.json's approach, from the base to the loop start at on_loop
        if out_leg:
            drive_out = [(x, y) for x, y, t in pts if t <= on]
            want = _vertices(lonlat, r["approach"]) if r["approach"] else drive_out[-1:]
            assert len(drive_out) == len(want) and np.allclose(drive_out, want, atol=2e-7), team
            assert drive_out[0] == pytest.approx((nodes.iloc[base].x, nodes.iloc[base].y), abs=1e-6)
        # the drive home: after the window end, on the roads' own vertices (no short cut)
        home = [(x, y) for x, y, t in pts if t > off]
        if home:
            assert roads.query(np.array(home))[0].max() < 2e-7, team
        # the description says both times as plan.json does
        desc = track.description or ""
        assert f"leave base {leave:%H:%M}" in desc and f"back at base {back:%H:%M}" in desc, desc
        legs[team] = len(home) + sum(t < on for t in times)
    return legs


def _walk(route: dict[str, Any], variant: dict[str, Any]) -> list[list[Any]]:
    """The closed walk a crew on ``variant`` drives, from plan.json alone (turn-back, direction)."""
    steps = [list(s) for s in route["steps"]]
    if "detour" in variant:
        j = variant["detour"][1]
        steps = steps[:j] + [list(s) for s in variant["detour_steps"]] + steps[j:]
    return [[e, not f] for e, f in reversed(steps)] if variant["reverse"] else steps


def check_variants(
    net: Any, folder: Path, files: dict[str, Path] | None = None
) -> dict[str, float]:
    """Each drawn detour's ``gpx/variants/<variant>.gpx`` against its plan.json entry.

    ``files``: variant id -> a track file to check instead (a crew's ``crews/<team>.gpx``).

    The crew's whole night on that variant: first point floored = its leave_base, the
    drive out (plan.json's approach), then one whole loop of its walk from on_loop (begun
    ``phase_min`` before the window start), ..., the drive home on roads to the base, last
    point ceiled = its back_base; the description says both. Returns each variant's
    minutes driven before the window start.
    """
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    lonlat = net.edges.to_crs("EPSG:4326").geometry
    nodes = net.nodes.to_crs("EPSG:4326").geometry
    roads = _road_vertices(net)
    w0 = datetime.fromisoformat(plan["routes"][0]["variants"][0]["off_loop"]) - timedelta(
        minutes=net.config.night_minutes
    )
    early: dict[str, float] = {}
    drawn = folder / "gpx" / "variants"
    paths = files if files is not None else {f.stem: f for f in drawn.glob("*.gpx")}
    for r in plan["routes"]:
        for v in r["variants"]:
            code = v["variant"]
            if code not in paths or (files is None and "detour" not in v):
                continue
            track, pts = _points(paths[code])
            assert (track.name or "").startswith(f"{code} "), track.name
            leave, back, off = (
                datetime.fromisoformat(v[k]) for k in ("leave_base", "back_base", "off_loop")
            )
            times = [t for _, _, t in pts]
            assert times == sorted(times), code
            assert _floor(times[0]) == leave, (code, times[0], leave)
            assert _ceil(times[-1]) == back, (code, times[-1], back)
            base = int(net.teams.loc[r["team"], "node"])
            at_base = (nodes.iloc[base].x, nodes.iloc[base].y)
            assert pts[0][:2] == pytest.approx(at_base, abs=1e-6), code
            assert pts[-1][:2] == pytest.approx(at_base, abs=1e-6), code
            # the drive out, then one whole loop of the variant's walk from its start
            out = _vertices(lonlat, r["approach"]) if r["approach"] else []
            loop = _vertices(lonlat, _walk(r, v))
            k = max(len(out) - 1, 0)
            xy = [(x, y) for x, y, _ in pts]
            assert np.allclose(xy[: len(out)], out, atol=2e-7) if out else True, code
            assert np.allclose(xy[k : k + len(loop)], loop, atol=2e-7), code
            on = w0 - timedelta(minutes=v["phase_min"])  # the loop starts phase_min early
            assert abs((times[k] - on).total_seconds()) <= 0.2, (code, times[k], on)
            lap = (times[k + len(loop) - 1] - times[k]).total_seconds() / 60.0
            assert lap == pytest.approx(v.get("loop_min", r["loop_min"]), abs=0.01), code
            # the drive home: after the window end, on the roads' own vertices
            home = [(x, y) for x, y, t in pts if t > off]
            if home:
                assert roads.query(np.array(home))[0].max() < 2e-7, code
            desc = track.description or ""
            assert f"leave base {leave:%H:%M}" in desc, desc
            assert f"back at base {back:%H:%M} ({code})" in desc, desc
            if "detour" in v:
                assert f"{code}: the loop " in desc, desc  # the crew's card
            early[code] = max(0.0, (w0 - times[k]).total_seconds() / 60.0)
    assert sorted(paths) == sorted(early)
    return early


def _window_only(folder: Path, tmp: Path, plan: dict[str, Any]) -> Path:
    """The tracks cut to the window (what the files held before the drives out and home)."""
    out = tmp / "window"
    out.mkdir()
    for r in plan["routes"]:
        if r["status"] != "patrol":
            continue
        own = r["variants"][0]
        on, off = datetime.fromisoformat(own["on_loop"]), datetime.fromisoformat(own["off_loop"])
        gpx = gpxpy.parse((folder / "gpx" / f"{r['team']}.gpx").read_text(encoding="utf-8"))
        seg = gpx.tracks[0].segments[0]
        seg.points = [p for p in seg.points if on <= p.time <= off]  # type: ignore[operator]
        (out / f"{r['team']}.gpx").write_text(gpx.to_xml(), encoding="utf-8")
    return out


def check_replay(net: Any, folder: Path, tmp: Path) -> None:
    """The replay of the whole-night files counts what the window alone counts."""
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    w0 = net.config.night.start_at(NIGHT, net.scenario.timezone)
    kw = {"window_start": w0, "window_min": net.config.night_minutes}
    whole = _quiet(timeline_from_gpx, net, [folder / "gpx"], **kw).sightings
    window = _quiet(timeline_from_gpx, net, [_window_only(folder, tmp, plan)], **kw).sightings
    key = ["team", "unit", "t"]
    assert len(whole) > 100
    a = whole.sort_values(key).reset_index(drop=True)
    b = window.sort_values(key).reset_index(drop=True)
    assert a.equals(b)


def check_one_drive(net: Any, plan: Any) -> None:
    """The road under way at the window end is the timeline's; the drive home is back_base's."""
    from borderwatch.plan.duty import _home_seconds

    tl = plan.schedule.timeline
    trav = tl.traversals
    edges = net.edges
    for route in plan.routes:
        if not route.on_patrol:
            continue
        home = drive_home(net, plan, route)
        last = trav[trav["team"] == route.team].iloc[-1]
        assert (int(last["edge"]), bool(last["forward"])) == home.step, route.team
        assert float(last["t_end"]) == pytest.approx(tl.window_min + home.rest_min, abs=1e-6)
        assert math.ceil(home.back_min - 1e-9) == home.duty.back_base_min
        e, fwd = home.step
        at = int(edges["v"].iat[e] if fwd else edges["u"].iat[e])
        secs = net.edge_seconds(route.vehicle)
        assert float(_home_seconds(net, plan, route)[at]) / 60.0 == pytest.approx(home.home_min)
        assert sum(float(secs[e]) for e, _ in home.path) / 60.0 == pytest.approx(home.home_min)
        for e, fwd in home.path:  # a connected drive from the road's end to the base
            assert int(edges["u"].iat[e] if fwd else edges["v"].iat[e]) == at
            at = int(edges["v"].iat[e] if fwd else edges["u"].iat[e])
        base = "base_node" if "base_node" in net.teams.columns else "node"  # a re-plan: base_node
        assert at == int(net.teams.loc[route.team, base])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 20 km generated border, four teams: a plan and a re-plan at 22:00, written."""
    net = _quiet(build_network, generate_scenario(20, seed=1, n_teams=4))
    plan = _quiet(plan_patrols, net, SearchParams(max_iterations=60, seed=0, bound_rounds=0))
    rp = _quiet(
        replan, plan, net, at=120.0, drop=["T02"], search=SearchParams(max_iterations=60, seed=0)
    )
    root = tmp_path_factory.mktemp("gpx_home")
    _quiet(write_plan_files, net, plan, root / "plan", night=NIGHT, lang="en")
    drawn = _drawn(plan)
    _quiet(write_plan_files, net, plan, root / "detours", night=NIGHT, lang="en", variants=drawn)
    from borderwatch.jobs.replan import write_replan

    _quiet(write_replan, rp, root / "replan", night=NIGHT, map_html=False, lang="en")
    return {"net": net, "plan": plan, "rp": rp, "root": root}


def _drawn(plan: Any) -> dict[str, list[Any]]:
    """Each team's plain variants and a drawn detour mid-loop (3 phases a direction)."""
    from borderwatch.plan.variants import detour_variants, route_variants

    out = {}
    for r in plan.routes:
        if r.on_patrol and r.steps:
            i = len(r.steps) // 2
            detour = detour_variants(r, [(i, min(len(r.steps), i + 2))], n_phases=3)
            out[r.team] = route_variants(r) + detour
    return out


def test_the_track_runs_from_leave_base_to_back_at_base(small: dict[str, Any]) -> None:
    assert sum(bool(r.approach) for r in small["plan"].routes) >= 1  # a drive out to check
    legs = check_folder(small["net"], small["root"] / "plan")
    assert sum(legs.values()) > 0  # the drives out and home are in the files


def test_a_replan_track_ends_at_the_base(small: dict[str, Any]) -> None:
    check_folder(small["net"], small["root"] / "replan", out_leg=False)


def test_the_drive_home_is_the_one_back_base_counts(small: dict[str, Any]) -> None:
    check_one_drive(small["net"], small["plan"])
    # a re-plan's loops start when each team is ready: its duty times too
    check_one_drive(small["rp"].network, small["rp"].plan)


@pytest.mark.slow  # ~0.6-0.9 s: the quick loop stays under a minute
def test_replay_counts_only_the_window(small: dict[str, Any], tmp_path: Path) -> None:
    check_replay(small["net"], small["root"] / "plan", tmp_path)


@pytest.mark.slow
def test_a_drawn_detour_track_holds_its_variants_whole_night(small: dict[str, Any]) -> None:
    """gpx/variants/<variant>.gpx: the variant's leave base to its back at base (was the window)."""
    early = check_variants(small["net"], small["root"] / "detours")
    assert len(early) == 6 * len(_drawn(small["plan"]))
    assert sum(m > 0 for m in early.values()) >= len(early) // 2  # phased: loops begun early
    # the plain tracks are the plan's own, the same bytes as a plan without detours
    names = ["routes.gpx", *(f"gpx/{p.name}" for p in (small["root"] / "plan" / "gpx").glob("*"))]
    for name in names:
        a, b = small["root"] / "plan" / name, small["root"] / "detours" / name
        assert a.read_bytes() == b.read_bytes(), name


@pytest.mark.slow
def test_a_crews_track_is_the_night_of_its_drawn_variant(
    small: dict[str, Any], tmp_path: Path
) -> None:
    """brief --roster's crews/<team>.gpx (drawn_variant_gpx on the plan folder rebuilt).

    A plain variant other than -f0 (another phase, the other way round) gets its own
    whole night; a drawn detour's is its gpx/variants file byte for byte, -f0's the
    plan's own track but its name (one code path).
    """
    from borderwatch.planfiles.export import drawn_variant_gpx
    from borderwatch.planfiles.planfile import PlanFile
    from borderwatch.planfiles.reload import load_plan, plan_network

    net, folder = small["net"], small["root"] / "detours"
    plan = _quiet(load_plan, folder, net)
    typed = PlanFile.read(folder / "plan.json")
    listed = {r.team: [v.variant for v in r.variants] for r in typed.routes if r.variants}
    n = {team: len(codes) - 6 for team, codes in listed.items()}  # plain: f0.., r0.. (6 detours)
    picks = {
        "phase": {team: codes[1] for team, codes in listed.items()},
        "reverse": {team: codes[n[team] // 2 + 1] for team, codes in listed.items()},
        "detour": {team: codes[-1] for team, codes in listed.items()},
        "base": {team: codes[0] for team, codes in listed.items()},
    }
    for what, drawn in picks.items():
        texts = drawn_variant_gpx(plan_network(folder, net), plan, typed, drawn, night=NIGHT)
        assert list(texts) == list(drawn), what
        files = {}
        for team, text in texts.items():
            files[drawn[team]] = tmp_path / f"{drawn[team]}.gpx"
            files[drawn[team]].write_text(text, encoding="utf-8")
        early = check_variants(net, folder, files)
        if what in ("phase", "reverse"):
            assert all(m > 0 for m in early.values()), (what, early)
        for team, code in drawn.items():
            if what == "detour":
                own = folder / "gpx" / "variants" / f"{code}.gpx"
                assert texts[team] == own.read_text(encoding="utf-8"), code
            if what == "base":
                renamed = texts[team].replace(f"<name>{code} ", f"<name>{team} ")
                assert renamed == (folder / "gpx" / f"{team}.gpx").read_text(encoding="utf-8")


def test_the_briefing_writes_crew_tracks_of_a_plan_not_of_a_replan(small: dict[str, Any]) -> None:
    """brief --roster's crews: a plan folder's drawn variants; a re-plan folder none (the
    roster drew the variants of the plan it cuts; its gpx/<team>.gpx run from the cut)."""
    import geopandas as gpd
    import pandas as pd

    from borderwatch.maps.brief.document import _crew_tracks
    from borderwatch.maps.brief.inputs import PlanFolder, RosterNight
    from borderwatch.planfiles.planfile import PlanFile

    def folder(path: Path) -> PlanFolder:
        plan = json.loads((path / "plan.json").read_text(encoding="utf-8"))
        typed = PlanFile.read(path / "plan.json")
        return PlanFolder(path, plan, {}, gpd.GeoDataFrame(), pd.DataFrame(), typed)

    root, net = small["root"], small["net"]
    drawn = {team: f"{team}-r1" for team in _drawn(small["plan"])}
    roster = RosterNight(NIGHT, None, variants=drawn)
    crews = _quiet(_crew_tracks, folder(root / "detours"), net, roster, NIGHT)
    assert list(crews) == list(drawn) and all("<trkpt" in text for text in crews.values())
    assert _quiet(_crew_tracks, folder(root / "replan"), small["rp"].network, roster, NIGHT) == {}


def test_a_replan_folder_is_told_by_one_test(small: dict[str, Any], tmp_path: Path) -> None:
    """plan.json's cut (planfile.is_replan) is the one test of a re-plan folder, read from
    disk: the briefing's roster check and its crews' tracks both follow it. A re-plan's
    plan.json without its 'replan' figures is still one for both (the roster check asked
    for that section, the crews' tracks for the cut: they disagreed)."""
    import shutil

    import geopandas as gpd
    import pandas as pd

    from borderwatch.maps.brief.document import _crew_tracks
    from borderwatch.maps.brief.inputs import PlanFolder, RosterNight, check_roster
    from borderwatch.planfiles.planfile import PlanFile, is_replan

    def read_plan_folder(path: Path, typed: bool = True) -> PlanFolder:  # its plan.json only
        plan_file = PlanFile.read(path / "plan.json")
        return PlanFolder(
            path,
            plan_file.to_dict(),
            {},
            gpd.GeoDataFrame(),
            pd.DataFrame(),
            plan_file if typed else None,
        )

    root, net = small["root"], small["rp"].network
    for typed in (True, False):
        plan, rp = read_plan_folder(root / "plan", typed), read_plan_folder(root / "replan", typed)
        assert not plan.is_replan and rp.is_replan
    assert not is_replan(PlanFile.read(root / "plan" / "plan.json"))
    assert is_replan(PlanFile.read(root / "replan" / "plan.json"))
    assert not is_replan(json.loads((root / "plan" / "plan.json").read_text(encoding="utf-8")))
    assert is_replan(json.loads((root / "replan" / "plan.json").read_text(encoding="utf-8")))
    copy = tmp_path / "replan"
    shutil.copytree(root / "replan", copy)
    data = json.loads((copy / "plan.json").read_text(encoding="utf-8"))
    del data["replan"]
    (copy / "plan.json").write_text(json.dumps(data), encoding="utf-8")
    folder = read_plan_folder(copy)
    assert folder.is_replan
    # the roster drew the variants of the plan it cuts, leaving base before the cut: a
    # re-plan's loops start at the cut, so its times are not checked against them
    teams = [r["team"] for r in folder.routes if r["variants"]]
    drawn = {team: f"{team}-f0" for team in teams}
    starts = {team: f"{NIGHT}T19:01" for team in teams}
    roster = RosterNight(NIGHT, None, variants=drawn, starts=starts)
    check_roster(folder, roster)
    assert _quiet(_crew_tracks, folder, net, roster, NIGHT) == {}


def test_replaying_a_detour_track_counts_its_drives_as_duty(small: dict[str, Any]) -> None:
    """gaps --gpx of gpx/variants: the team is the variant's, the drives no stray (plan.json's)."""
    from borderwatch.planfiles.reload import gpx_duty_margins

    net, folder = small["net"], small["root"] / "detours" / "gpx" / "variants"
    w0 = net.config.night.start_at(NIGHT, net.scenario.timezone)
    kw = {"window_start": w0, "window_min": net.config.night_minutes}
    lead, tail = gpx_duty_margins(folder)
    assert lead > 0 and tail > 0
    # one variant file per team (the last: its loop begun earliest), named by variant id
    files = list({f.stem.split("-")[0]: f for f in sorted(folder.glob("*.gpx"))}.values())
    assert gpx_duty_margins(files) == (lead, tail)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BorderwatchWarning)
        tl = timeline_from_gpx(net, files, lead_min=lead, tail_min=tail, **kw)
    assert set(tl.sightings["team"]) == set(_drawn(small["plan"]))
    # without the plan's margins, the drives out and home are points outside the night
    with pytest.warns(BorderwatchWarning, match="outside the night"):
        timeline_from_gpx(net, files, **kw)


def test_replaying_crews_tracks_counts_their_drives_as_duty(
    small: dict[str, Any], tmp_path: Path
) -> None:
    """gaps --gpx <brief>/crews (brief --roster's files, in a briefing folder without
    plan.json): each crew's track is its team's night, its drives out and home no strays:
    its description names its variant, leave base and back at base (the drives were
    warned about as points outside the night). Written into the plan folder: plan.json's
    margins. A logger's file of the same points, without the description, still warns."""
    from borderwatch.config import NightWindow
    from borderwatch.jobs.api import find_gaps
    from borderwatch.planfiles.export import drawn_variant_gpx
    from borderwatch.planfiles.planfile import PlanFile
    from borderwatch.planfiles.reload import gpx_duty_margins, load_plan, plan_network

    net, folder = small["net"], small["root"] / "detours"
    typed = PlanFile.read(folder / "plan.json")
    # each crew on a variant of another phase than -f0: its loop begun before the window
    drawn = {r.team: r.variants[1].variant for r in typed.routes if r.variants}
    plan = _quiet(load_plan, folder, net)
    texts = drawn_variant_gpx(plan_network(folder, net), plan, typed, drawn, night=NIGHT)
    crews = tmp_path / "brief" / "crews"
    crews.mkdir(parents=True)
    for team, text in texts.items():
        (crews / f"{team}.gpx").write_text(text, encoding="utf-8")
    assert gpx_duty_margins(crews) == (0.0, 0.0)  # no plan.json beside them
    lead, tail = gpx_duty_margins(crews, net.config.night)
    assert lead > 0 and tail > 0
    assert gpx_duty_margins(sorted(crews.iterdir()), net.config.night) == (lead, tail)
    assert gpx_duty_margins(crews, NightWindow("20:00", "05:00")) == (0.0, 0.0)  # another end
    with warnings.catch_warnings():
        warnings.simplefilter("error", BorderwatchWarning)
        report = find_gaps(net, criterion=("revisit",), gpx=crews)
    assert len(report.units)
    # a briefing written into the plan folder: its crews/ beside plan.json
    import shutil

    inside = tmp_path / "plan"
    shutil.copytree(folder, inside)
    shutil.copytree(crews, inside / "crews")
    assert gpx_duty_margins(inside / "crews") == typed.duty_margins()
    assert gpx_duty_margins(inside / "crews" / "T01.gpx") == typed.duty_margins()
    # the same points without borderwatch's description: a logger's, its drives are strays
    plain = tmp_path / "logger"
    plain.mkdir()
    for f in crews.iterdir():
        text = f.read_text(encoding="utf-8")
        (plain / f.name).write_text(re.sub(r"<desc>[^<]*</desc>", "", text), encoding="utf-8")
    assert gpx_duty_margins(plain, net.config.night) == (0.0, 0.0)
    with pytest.warns(BorderwatchWarning, match="outside the night"):
        find_gaps(net, criterion=("revisit",), gpx=plain)


@pytest.mark.slow  # ~0.6-0.9 s: the quick loop stays under a minute
def test_the_same_plan_writes_the_same_bytes(small: dict[str, Any], tmp_path: Path) -> None:
    net = small["net"]
    again = _quiet(plan_patrols, net, SearchParams(max_iterations=60, seed=0, bound_rounds=0))
    drawn = _drawn(again)
    _quiet(write_plan_files, net, again, tmp_path / "again", night=NIGHT, lang="en", variants=drawn)
    first = small["root"] / "detours"
    names = [
        "routes.gpx",
        *(f"gpx/{p.name}" for p in sorted((first / "gpx").glob("*.gpx"))),
        *(f"gpx/variants/{p.name}" for p in sorted((first / "gpx" / "variants").glob("*.gpx"))),
    ]
    assert any(n.startswith("gpx/variants/") for n in names)
    for name in names:
        assert (tmp_path / "again" / name).read_bytes() == (first / name).read_bytes(), name


@pytest.mark.slow
def test_ningming_every_track_holds_the_whole_night(ningming_net: Any, tmp_path: Path) -> None:
    """Ningming 2026-12-07 (as the brief's T06: leave 18:54, back 07:09), plan and re-plan."""
    net = ningming_net
    plan = _quiet(plan_patrols, net, SearchParams(max_iterations=300, seed=0))
    _quiet(write_plan_files, net, plan, tmp_path / "plan", night=NIGHT)
    legs = check_folder(net, tmp_path / "plan")
    assert min(legs.values()) > 0 and max(legs.values()) > 100
    check_one_drive(net, plan)
    check_replay(net, tmp_path / "plan", tmp_path)
    rp = _quiet(replan, plan, net, at=370.0, drop=["T05"], search=SearchParams(max_iterations=60))
    from borderwatch.jobs.replan import write_replan

    _quiet(write_replan, rp, tmp_path / "replan", night=NIGHT, map_html=False)
    check_folder(net, tmp_path / "replan", out_leg=False)
    check_one_drive(rp.network, rp.plan)


@pytest.mark.slow
def test_a_sector_plan_track_holds_the_whole_night(tmp_path: Path) -> None:
    """A stitched sector plan (60 km, 2 sectors, in process): the same whole-night tracks."""
    from borderwatch.plan.sectors import plan_sectors

    net = _quiet(build_network, generate_scenario(60, seed=0))
    search = SearchParams(max_iterations=100, bound_rounds=2, seed=0)
    plan = _quiet(plan_sectors, net, 2, workers=0, search=search)
    assert len(plan.sectors) == 2
    _quiet(write_plan_files, net, plan, tmp_path / "plan", night=NIGHT, lang="en")
    legs = check_folder(net, tmp_path / "plan")
    assert sum(legs.values()) > 0
    check_one_drive(net, plan)
