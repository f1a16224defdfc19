"""Drawn detours end to end (issue #25): plan --detours, its plan.json, GPX, roster and briefing.

A generated 20 km scenario is planned with drawn detours (τ = 10 min); the test
reads the artefacts a crew and a roster clerk get: plan.json (each drawn detour
variant, its stretch, added steps, loop and duty times, its odds), the variant's
own GPX track (replayed by the crossing simulator, which never reads the pass
tables), roster.csv and summary.json of a week drawn from the plan, and the
briefing's route card on a night the roster drew a detour.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import gpxpy
import numpy as np
import pytest
from typer.testing import CliRunner

from borderwatch import build_network, load_scenario
from borderwatch.cli import app
from borderwatch.config import SearchParams
from borderwatch.coverage.crossings import replay_informed, sightings_from_gpx
from borderwatch.jobs import run_plan
from borderwatch.plan.odds import detect_night
from borderwatch.planfiles.export import _night_start
from borderwatch.planfiles.planfile import PlanFile

NIGHT = date(2026, 12, 1)
WEEK = "2026-W49"  # Monday 2026-11-30
TAU = 10.0

# one generated scenario planned twice, a roster week and a briefing (~60 s under load)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("detours")
    folder = root / "s20"
    res = CliRunner().invoke(
        app, ["scenario", "generate", "--border-km", "20", "--seed", "3", "--out", str(folder)]
    )
    assert res.exit_code == 0, res.output
    net = build_network(load_scenario(folder))
    search = SearchParams(max_iterations=100, seed=0)
    plan, _ = run_plan(
        net,
        root / "plan",
        night=NIGHT,
        map_html=False,
        crossing_min=TAU,
        search=search,
        detours=True,
    )
    plain, _ = run_plan(
        net, root / "plain", night=NIGHT, map_html=False, crossing_min=TAU, search=search
    )
    res = CliRunner().invoke(
        app,
        [
            *("roster", str(folder), "--week", WEEK, "--plan", str(root / "plan" / "plan.json")),
            *("--out", str(root / "roster"), "--salt", "detours", "--format", "csv"),
            *("--format", "json"),
        ],
    )
    assert res.exit_code == 0, res.output
    return {"root": root, "folder": folder, "net": net, "plan": plan, "plain": plain}


def _json(path: Path) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return out


def _detours(doc: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(route, variant) of every drawn detour variant of a plan.json."""
    return [(r, v) for r in doc["routes"] for v in r["variants"] if "detour" in v]


def test_plan_json_lists_each_drawn_detour_with_its_steps_loop_and_duty(
    made: dict[str, Any],
) -> None:
    root, net = made["root"], made["net"]
    doc = _json(root / "plan" / "plan.json")
    typed = PlanFile.read(root / "plan" / "plan.json")  # the one reader accepts it
    drawn = _detours(doc)
    assert drawn, "no detour drawn: the test would check nothing"
    odds = doc["detection"]["odds"]
    listed = {v["variant"] for r in doc["routes"] for v in r["variants"]}
    assert set(odds) == listed  # the odds are over exactly the variants a crew can be given
    for r in doc["routes"]:
        if r["variants"]:
            assert sum(odds[v["variant"]] for v in r["variants"]) == pytest.approx(1.0, abs=1e-6)
    assert doc["detection"]["detours"]["drawn_variants"] == len(drawn)
    secs = {}
    for r, v in drawn:
        assert odds[v["variant"]] > 0  # only detours the odds give weight to are listed
        i, j = v["detour"]
        stretch = [list(s) for s in r["steps"][i:j]]
        assert v["detour_steps"] == [[e, not f] for e, f in reversed(stretch)] + stretch
        # the loop grows by twice the stretch's driving time (edge seconds of the team's vehicle)
        if r["vehicle"] not in secs:
            secs[r["vehicle"]] = np.asarray(net.edge_seconds(r["vehicle"]), dtype=float)
        added = 2.0 * sum(secs[r["vehicle"]][e] for e, _ in stretch) / 60.0
        assert v["loop_min"] == pytest.approx(r["loop_min"] + added, abs=0.02)
        assert v["loop_min"] > r["loop_min"] + 1.0
        # duty times: a loop every loop_min from on_loop, back at base after the window
        starts = [datetime.fromisoformat(t) for t in v["loop_starts"]]
        gaps = np.diff([t.timestamp() / 60.0 for t in starts])
        assert len(gaps) and np.abs(gaps - v["loop_min"]).max() <= 1.0
        assert datetime.fromisoformat(v["leave_base"]) <= starts[0]
        assert datetime.fromisoformat(v["back_base"]) >= datetime.fromisoformat(v["off_loop"])
        route = typed.route(r["team"])
        assert route is not None
        entry = route.variant(v["variant"])
        assert entry is not None and entry.detour == (i, j)
        want = [tuple(s) for s in r["steps"][:j] + v["detour_steps"] + r["steps"][j:]]
        if v["reverse"]:
            want = [(e, not f) for e, f in reversed(want)]
        assert list(entry.walk(route.steps)) == want
    # the worst revisit any drawn night can give is the plan's (the default cap)
    worst = doc["detection"]["worst_revisit_min"]
    assert worst["lp"] <= worst["uniform"] + 1e-6
    # report.txt names the teams that draw turn-backs and the revisit a drawn night keeps
    report = (root / "plan" / "report.txt").read_text(encoding="utf-8")
    line = next(x for x in report.splitlines() if "plan --detours" in x)
    for team in doc["detection"]["detours"]["odds_by_team"]:
        assert team in line
    assert f"{worst['lp']:.1f} min" in line


def test_without_detours_the_plan_files_are_as_before(made: dict[str, Any]) -> None:
    """The plain variants are the same in both plans; without --detours no detour anywhere."""
    root = made["root"]
    with_d, plain = _json(root / "plan" / "plan.json"), _json(root / "plain" / "plan.json")
    assert not _detours(plain) and "detours" not in plain["detection"]
    assert "plan --detours" not in (root / "plain" / "report.txt").read_text(encoding="utf-8")
    assert not (root / "plain" / "gpx" / "variants").exists()
    for a, b in zip(with_d["routes"], plain["routes"], strict=True):
        assert [v for v in a["variants"] if "detour" not in v] == b["variants"]


def test_each_drawn_detour_has_its_gpx_and_the_simulator_agrees(made: dict[str, Any]) -> None:
    """gpx/variants/<variant>.gpx shows the turn-back; replayed crossings match the odds' figure."""
    root, net, plan = made["root"], made["net"], made["plan"]
    doc = _json(root / "plan" / "plan.json")
    drawn = _detours(doc)
    gpx_dir = root / "plan" / "gpx" / "variants"
    assert sorted(p.name for p in gpx_dir.iterdir()) == sorted(
        f"{v['variant']}.gpx" for _, v in drawn
    )
    window = float(net.config.night_minutes)
    start = _night_start(net, NIGHT)
    # a team every one of whose listed variants with odds is a detour: its units' figure
    # can be replayed from the written variant tracks alone
    odds = doc["detection"]["odds"]
    teams = [
        r["team"]
        for r in doc["routes"]
        if r["variants"] and all("detour" in v for v in r["variants"] if odds[v["variant"]] > 0)
    ]
    assert teams, "no team draws only detours here: pick another scenario"
    team = teams[0]
    mine = [v for r, v in drawn if r["team"] == team]
    sights = [
        sightings_from_gpx(
            net, [gpx_dir / f"{v['variant']}.gpx"], window_start=start, window_min=window
        )
        for v in mine
    ]
    plain = sightings_from_gpx(
        net, [root / "plan" / "gpx" / f"{team}.gpx"], window_start=start, window_min=window
    )
    # the turn-back: some units are seen more often a loop than on the plain loop (the
    # stretch's back leg and second forward leg; two more where the turns are out of view,
    # one more where the legs' spells in view merge on the track)
    per_loop_plain = window / plan_loop(doc, team)
    for v, s in zip(mine, sights, strict=True):
        per_loop = window / v["loop_min"]
        more = max(
            len(t) / per_loop - len(plain.times.get(u, ())) / per_loop_plain
            for u, t in s.times.items()
        )
        assert more >= 0.9, (v["variant"], more)
    # the units only this team's tracks see (no other team's plan track comes into view)
    others = sightings_from_gpx(
        net,
        [
            root / "plan" / "gpx" / f"{r['team']}.gpx"
            for r in doc["routes"]
            if r["variants"] and r["team"] != team
        ],
        window_start=start,
        window_min=window,
    )
    det = detect_night(net, plan.routes, plan.schedule.timeline, crossing_min=TAU, detours=True)
    alone = sorted(set().union(*(s.times for s in sights)) - set(others.times))
    assert alone
    unit = min(alone, key=lambda u: (det.informed_lp.p_unit[u], u))
    p0, s0 = float(det.informed_lp.p_unit[unit]), float(det.informed_lp.start_min[unit])
    assert 0 < p0 < 1
    p = np.asarray([odds[v["variant"]] for v in mine])
    sim = replay_informed({team: sights}, {team: p}, unit, s0, TAU, n=10_000, seed=7)
    assert abs(sim - p0) < 0.01, (sim, p0, unit, s0)


def plan_loop(doc: dict[str, Any], team: str) -> float:
    return float(next(r["loop_min"] for r in doc["routes"] if r["team"] == team))


def test_roster_draws_detours_with_their_duty_times_and_odds(made: dict[str, Any]) -> None:
    root = made["root"]
    doc = _json(root / "plan" / "plan.json")
    variants = {v["variant"]: v for r in doc["routes"] for v in r["variants"]}
    odds = doc["detection"]["odds"]
    week = root / "roster" / WEEK
    with (week / "roster.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["shift"] == "patrol"]
    drawn = [r for r in rows if "detour" in variants[r["variant"]]]
    assert drawn, "the roster drew no detour this week"
    summary = _json(week / "summary.json")
    for r in drawn:
        v = variants[r["variant"]]
        # the crew's slot is the variant's duty: leave base to back at base on that night
        day = date.fromisoformat(r["date"])
        shift = timedelta(days=(day - NIGHT).days)
        leave = datetime.fromisoformat(v["leave_base"]).replace(tzinfo=None) + shift
        back = datetime.fromisoformat(v["back_base"]).replace(tzinfo=None) + shift
        assert datetime.fromisoformat(r["start"]) == leave
        assert datetime.fromisoformat(r["end"]) == back
        # its GPX (the plan's night): the whole night, first point the slot's start floored,
        # last its end ceiled; the description says both (the window alone was written)
        path = root / "plan" / "gpx" / "variants" / f"{v['variant']}.gpx"
        (track,) = gpxpy.parse(path.read_text(encoding="utf-8")).tracks
        (segment,) = track.segments
        times = [p.time for p in segment.points]
        assert all(times) and times == sorted(times)  # type: ignore[type-var]
        first, last = (t.replace(tzinfo=None) + shift for t in (times[0], times[-1]))  # type: ignore[union-attr]
        assert first.replace(second=0, microsecond=0) == leave, (r["variant"], first)
        assert back - timedelta(minutes=1) < last <= back, (r["variant"], last)
        assert f"leave base {leave:%H:%M}" in (track.description or "")
        assert f"back at base {back:%H:%M} ({v['variant']})" in (track.description or "")
    # summary.json records each team's draw: with the plan's odds, detours included
    teams = {r["team"]: r for r in doc["routes"] if r["variants"]}
    for team, route in teams.items():
        entry = summary["teams"][team]
        assert entry["draw"] == "odds"
        mine = {v["variant"]: odds[v["variant"]] for v in route["variants"]}
        assert entry["odds"] == {k: p for k, p in mine.items() if p > 0}
        assert all(n in mine for n in entry["nights"]) and len(entry["nights"]) == 7
    assert any("-d" in n for e in summary["teams"].values() for n in e.get("nights", ()))


def test_briefing_card_shows_the_turn_back(made: dict[str, Any], tmp_path: Path) -> None:
    root = made["root"]
    week = root / "roster" / WEEK
    with (week / "roster.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["shift"] == "patrol" and "-d" in r["variant"]]
    day = rows[0]["date"]
    codes = {r["variant"] for r in rows if r["date"] == day}
    res = CliRunner().invoke(
        app,
        [
            *("brief", str(root / "plan"), "--roster", str(week), "--night", day),
            *("--lang", "en", "--out", str(tmp_path / "brief")),
        ],
    )
    assert res.exit_code == 0, res.output
    html = (tmp_path / "brief" / "brief.html").read_text(encoding="utf-8")
    for code in codes:
        assert code in html
    assert html.count("with a turn-back:") == len(codes)
    # each crew's GPX of that night (crews/<team>.gpx): a detour crew's is its variant
    # file's track (the plan's night) on the briefed night, the same points a day or more on
    shift = timedelta(days=(date.fromisoformat(day) - NIGHT).days)
    for team, code in {r["place"]: r["variant"] for r in rows if r["date"] == day}.items():
        (mine,) = gpxpy.parse((tmp_path / "brief" / "crews" / f"{team}.gpx").read_text()).tracks
        (own,) = gpxpy.parse(
            (root / "plan" / "gpx" / "variants" / f"{code}.gpx").read_text()
        ).tracks
        a, b = mine.segments[0].points, own.segments[0].points
        assert (mine.name, mine.description) == (own.name, own.description), code
        assert [(p.latitude, p.longitude) for p in a] == [(p.latitude, p.longitude) for p in b]
        assert [p.time for p in a] == [p.time + shift for p in b], code  # type: ignore[operator]


def test_plan_file_reader_refuses_a_detour_that_is_not_its_stretch(
    made: dict[str, Any], tmp_path: Path
) -> None:
    """A hand-edited detour is refused naming the variant's field (never driven as written)."""
    from borderwatch.errors import CoverageError

    doc = _json(made["root"] / "plan" / "plan.json")
    r, v = _detours(doc)[0]
    k = doc["routes"].index(r)
    j = r["variants"].index(v)
    bad = json.loads(json.dumps(doc))
    bad["routes"][k]["variants"][j]["detour_steps"] = v["detour_steps"][::-1]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(CoverageError, match="stretch backwards") as err:
        PlanFile.read(path)
    assert f"routes[{k}].variants[{j}].detour_steps" in str(err.value)
    bad = json.loads(json.dumps(doc))
    bad["routes"][k]["variants"][j]["detour"] = [0, len(r["steps"]) + 1]
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(CoverageError, match="not a stretch") as err:
        PlanFile.read(path)
    assert f"routes[{k}].variants[{j}].detour" in str(err.value)


def test_detour_max_min_lets_drawn_nights_reach_the_target(
    made: dict[str, Any], tmp_path: Path
) -> None:
    """``plan --detour-max-min 120``: detours up to the revisit target lift the informed minimum.

    With the default cap (the plan's worst revisit) the weakest unit of this
    scenario cannot be lifted; allowing drawn nights up to the 120-min target, the
    LP odds raise the informed minimum above the uniform odds', every listed detour
    stays within the cap, and plan.json and report.txt give the drawn nights' worst
    revisit (above the plan's). Over the target is refused, naming the option.
    """
    folder = made["folder"]
    common = [
        *("plan", str(folder), "--night", NIGHT.isoformat(), "--no-map", "--seed", "0"),
        *("--max-iterations", "100", "--crossing-min", str(TAU), "--detours"),
    ]
    out = tmp_path / "capped"
    res = CliRunner().invoke(app, [*common, "--detour-max-min", "120", "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = _json(out / "plan.json")
    det = doc["detection"]
    assert det["informed_min"]["p"] > det["informed_uniform_min"]["p"] + 0.05
    drawn = _detours(doc)
    assert drawn and all(v["loop_min"] <= 120.0 for _, v in drawn)
    worst = det["worst_revisit_min"]
    assert worst["uniform"] < worst["lp"] <= 120.0
    assert max(v["loop_min"] for _, v in drawn) == pytest.approx(worst["lp"], abs=0.05)
    report = (out / "report.txt").read_text(encoding="utf-8")
    assert f"{worst['lp']:.1f} min" in next(x for x in report.splitlines() if "plan --detours" in x)
    default = _json(made["root"] / "plan" / "plan.json")["detection"]
    assert default["informed_min"]["p"] == default["informed_uniform_min"]["p"]
    res = CliRunner().invoke(
        app, [*common, "--detour-max-min", "121", "--out", str(tmp_path / "over")]
    )
    assert res.exit_code == 2
    assert "detour_max_min" in res.output and "121" in res.output
    assert not (tmp_path / "over").exists()
