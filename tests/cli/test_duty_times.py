"""One duty time per crew and night, read back from every artefact (issues #20, #21).

Ningming, night 2026-12-17: ``plan`` -> ``roster --week 2026-W51 --plan`` -> ``brief
--roster``. Each team's leave-base time of that night's route variant must agree in
plan.json, roster.csv, the crew's and the team's .ics calendars (parsed with icalendar)
and brief.html, and the plan's own schedule (variant -f0) with report.txt. A generated
scenario moved to Europe/Berlin plans its daylight-saving changeover nights at their
wall-clock length: 540 and 660 minutes for 20:00-06:00.
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import gpxpy
import icalendar
import pytest

from tests.cli.run import offline_env, run_cli

pytestmark = pytest.mark.slow

NIGHT = "2026-12-17"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return offline_env(tmp_path_factory.mktemp("offline"))


@pytest.fixture(scope="module")
def night(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("duty")
    plan, roster, brief = root / "plan", root / "roster", root / "brief"
    steps = [
        ["plan", "ningming", "--night", NIGHT, "--out", plan],
        [
            *("roster", "ningming", "--week", "2026-W51", "--plan", plan / "plan.json"),
            *("--out", roster, "--salt", "duty-test"),
        ],
        ["brief", plan, "--roster", roster / "2026-W51", "--out", brief],
    ]
    for args in steps:
        res = run_cli(args, env)
        assert res.returncode == 0, res.stdout + res.stderr
    week = roster / "2026-W51"
    with (week / "roster.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["date"] == NIGHT]
    return {
        "plan": json.loads((plan / "plan.json").read_text(encoding="utf-8")),
        "report": (plan / "report.txt").read_text(encoding="utf-8"),
        "rows": rows,
        "ics": week / "ics",
        "brief": (brief / "brief.html").read_text(encoding="utf-8"),
        "crews": brief / "crews",
    }


def _crews(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if r["role"] == "team_member" and r["shift"] == "patrol":
            out.setdefault(r["place"], []).append(r)
    return out


def _events(path: Path) -> dict[datetime, Any]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {ev.decoded("dtstart"): ev for ev in cal.walk("VEVENT")}


def test_report_and_plan_json_agree_on_the_plans_own_schedule(night: dict[str, Any]) -> None:
    lines = {x.split()[0]: x for x in night["report"].splitlines() if re.match(r"T\d\d ", x)}
    for r in night["plan"]["routes"]:
        if r["status"] != "patrol":
            continue
        leave = datetime.fromisoformat(r["leave_base"])
        own = r["variants"][0]
        assert own["variant"].endswith("-f0") and own["leave_base"] == r["leave_base"]
        assert lines[r["team"]].split()[2] == leave.strftime("%H:%M")
        assert r["start_times"][0] == own["on_loop"] == f"{NIGHT}T20:00:00+08:00"


def test_leave_base_agrees_in_plan_roster_calendars_and_briefing(night: dict[str, Any]) -> None:
    routes = {r["team"]: r for r in night["plan"]["routes"]}
    crews = _crews(night["rows"])
    assert set(crews) == {t for t, r in routes.items() if r["status"] == "patrol"}
    earlier = 0
    for team, rows in sorted(crews.items()):
        code = rows[0]["variant"]
        duty = next(v for v in routes[team]["variants"] if v["variant"] == code)
        leave = datetime.fromisoformat(duty["leave_base"])
        back = datetime.fromisoformat(duty["back_base"])
        earlier += leave.strftime("%H:%M") != "20:00"
        # roster.csv: the crew's duty runs from leaving the base to being back there
        for r in rows:
            assert r["variant"] == code
            assert r["start"] == leave.strftime("%Y-%m-%dT%H:%M")
            assert r["end"] == back.strftime("%Y-%m-%dT%H:%M")
        # each crew member's calendar and the team's calendar: the same event
        for name in [f"person-{r['person']}.ics" for r in rows] + [f"team-{team}.ics"]:
            events = _events(night["ics"] / name)
            assert leave in events, (name, leave, sorted(events))
            assert events[leave].decoded("dtend") == back
        # brief.html: the team's row of tonight's variant says when to leave
        cells = re.findall(
            rf'<td class="n">(\d\d:\d\d)</td><td class="small">{code}</td>', night["brief"]
        )
        assert cells and set(cells) == {leave.strftime("%H:%M")}, (team, code, cells)
        # crews/<team>.gpx (brief --roster): the whole night of tonight's variant, its first
        # point floored the leave time above, its last ceiled the back time (the plan's
        # gpx/<team>.gpx is -f0's: another time, or the loop the other way round)
        (track,) = gpxpy.parse((night["crews"] / f"{team}.gpx").read_text("utf-8")).tracks
        (segment,) = track.segments
        first, last = segment.points[0].time, segment.points[-1].time
        assert first and last, team
        assert first.replace(second=0, microsecond=0) == leave, (team, code, first)
        assert back - timedelta(minutes=1) < last <= back, (team, code, last)
        assert (track.name or "").startswith(f"{code} "), (team, track.name)
        assert f"back at base {back:%H:%M} ({code})" in (track.description or ""), team
    assert sorted(p.stem for p in night["crews"].iterdir()) == sorted(crews)
    assert earlier > 0  # some crews leave before 20:00 (the bug was: everyone at 20:00)


def _dst_plan(env: dict[str, str], scenario: Path, out: Path, day: str) -> dict[str, Any]:
    res = run_cli(
        ["plan", scenario, "--out", out, "--max-iterations", 60, "--night", day, "--no-map"],
        env,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads((out / "plan.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("day", "minutes"), [("2026-03-28", 540), ("2026-10-24", 660)])
def test_a_dst_changeover_night_is_planned_at_its_wall_clock_length(
    env: dict[str, str], tmp_path: Path, day: str, minutes: int
) -> None:
    scenario = tmp_path / "scenario"
    res = run_cli(
        ["scenario", "generate", "--border-km", 15, "--seed", 3, "--teams", 2, "--out", scenario],
        env,
    )
    assert res.returncode == 0, res.stderr
    toml = scenario / "scenario.toml"
    text = toml.read_text(encoding="utf-8")
    assert tomllib.loads(text)["timezone"]
    toml.write_text(re.sub(r'(?m)^timezone = ".*"$', 'timezone = "Europe/Berlin"', text))
    plan = _dst_plan(env, scenario, tmp_path / "plan", day)
    assert plan["timezone"] == "Europe/Berlin" and plan["night_window"] == ["20:00", "06:00"]
    for r in plan["routes"]:
        for v in r["variants"]:
            on = datetime.fromisoformat(r["start_times"][0])
            off = datetime.fromisoformat(v["off_loop"])
            assert (off - on).total_seconds() / 60 == minutes
            assert off.strftime("%H:%M") == "06:00" and on.strftime("%H:%M") == "20:00"
            assert on.utcoffset() != off.utcoffset()
            assert all(datetime.fromisoformat(t) < off for t in v["loop_starts"])
