"""One night, one truth (issue #21): the artefacts of a Ningming night, read back as files, agree.

One night goes through ``plan``, ``gaps``, ``site``, ``replan --drop T05``,
``roster`` (the week of the night) and ``brief --roster`` through the installed
entry point (network blocked); the tests read the files a crew or a commander
gets (report.txt, summary.json, plan.json, map.html, routes.gpx, gpx/*.gpx,
gaps*.csv, roster.csv, the .ics calendars, brief.html, brief.pdf, diff.txt),
never the objects:

* each team has one colour, fixed by the scenario, the same in plan.json, the
  map, the GPX, the briefing and the re-plan (a dropped T05 moves no colour);
* each gap id names one km range in every table (gaps, plan, re-plan);
* headline figures print the same in report.txt, summary.json and the map
  header; a re-plan folder has one worst revisit figure (with its window);
* every target says met or not met;
* every loop listed ends by the window end, or is said to be partial;
* summary.json lists exactly the files beside it and carries schema_version;
* each team's leave-base time and loop times agree in report.txt, plan.json,
  roster.csv, the crews' and the team's .ics events, brief.html and the GPX (the
  plan's gpx/<team>.gpx for -f0, the briefing's crews/<team>.gpx for tonight's draw);
* Ningming is a Chinese scenario: report.txt, diff.txt, the maps' visible text,
  brief.html and the calendars' summaries hold no English word outside ids,
  units, credits and names from the data (``tests/lang.py``), every word of the
  two texts from the tables of ``borderwatch/i18n.py``;
* the briefing's commander page is one A4 sheet (pdftotext, page by page).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import string
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.fmt import pct as fmt_pct
from borderwatch.i18n import DIFF, REPORT, VEHICLE, criterion_text, term
from tests.cli.run import files_under, offline_env, run_cli

pytestmark = pytest.mark.slow

NIGHT = "2026-12-17"
WEEK = "2026-W51"
CHROMIUM = os.environ.get("BORDERWATCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: The words of Ningming's outputs (a Chinese scenario).
ZH, ZH_DIFF = REPORT["zh"], DIFF["zh"]


def _say(template: str, **values: Any) -> str:
    """``template`` filled with ``values`` up to its first field not given (a line's head)."""
    out = ""
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        out += literal
        if field is None:
            break
        if field not in values:
            return out
        out += str(values[field])
    return out


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("one_truth")
    env = offline_env(root / "offline")
    out = {k: root / k for k in ("plan", "gaps", "site", "replan", "roster", "brief")}
    steps: list[list[Any]] = [
        ["plan", "ningming", "--night", NIGHT, "--max-iterations", 300, "--out", out["plan"]],
        ["gaps", "ningming", "--out", out["gaps"]],
        ["site", "ningming", "--add", 3, "--out", out["site"]],
        ["replan", out["plan"], "--at", "02:10", "--drop", "T05", "--out", out["replan"]],
        [
            *("roster", "ningming", "--week", WEEK, "--plan", out["plan"] / "plan.json"),
            *("--out", out["roster"], "--salt", "one-truth"),
        ],
        ["brief", out["plan"], "--roster", out["roster"] / WEEK, "--out", out["brief"]],
    ]
    for args in steps:
        res = run_cli(args, env, timeout=900)
        assert res.returncode == 0, f"{args[0]}: {res.stdout}\n{res.stderr}"
        (root / f"{args[0]}.stdout").write_text(res.stdout, encoding="utf-8")
    return {**out, "root": root, "week": out["roster"] / WEEK}


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _unescape(html: str) -> str:
    """The map's legend and header as folium embeds them (JSON-escaped HTML)."""
    return html.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')


def _map_colours(path: Path) -> dict[str, str]:
    """Team -> colour of its swatch in the map's route legend."""
    html = _unescape(path.read_text(encoding="utf-8"))
    rows = re.findall(
        r'class="bw-sw" style="background:(?:repeating-linear-gradient\(to right,)?'
        r'(#[0-9A-Fa-f]{6})[^"]*"></span><span class="bw-name">(T\d+)',
        html,
    )
    return {team: colour.upper() for colour, team in rows}


def _gpx_colours(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    tracks = re.findall(r"<trk>.*?</trk>", text, flags=re.S)
    out = {}
    for trk in tracks:
        team = re.search(r"<name>(T\d+) ", trk)
        colour = re.search(r"<color>(#[0-9A-Fa-f]{6})</color>", trk)
        assert team and colour, trk[:300]
        out[team.group(1)] = colour.group(1).upper()
    return out


def _brief_colours(path: Path) -> dict[str, str]:
    """Team -> colour of its swatch in brief.html's contents list and team table."""
    html = path.read_text(encoding="utf-8")
    found = re.findall(
        r'class="sw" style="background:(#[0-9A-Fa-f]{6})"></span>(?:<b>)?(T\d+)', html
    )
    out: dict[str, str] = {}
    for colour, team in found:
        assert out.setdefault(team, colour.upper()) == colour.upper(), team
    return out


def test_one_colour_per_team_everywhere(night: dict[str, Path]) -> None:
    plan = _json(night["plan"] / "plan.json")
    colours = {r["team"]: str(r["colour"]).upper() for r in plan["routes"]}
    assert len(colours) == 17 and len(set(colours.values())) == 17, "17 teams, 17 colours"
    assert _map_colours(night["plan"] / "map.html") == colours
    assert _gpx_colours(night["plan"] / "routes.gpx") == {
        t: c for t, c in colours.items() if t in _gpx_colours(night["plan"] / "routes.gpx")
    }
    assert _gpx_colours(night["plan"] / "gpx" / "T06.gpx") == {"T06": colours["T06"]}
    # the re-plan: T05 is out, every other team keeps its colour
    replan = _json(night["replan"] / "plan.json")
    after = {r["team"]: str(r["colour"]).upper() for r in replan["routes"]}
    assert "T05" not in after and after == {t: c for t, c in colours.items() if t != "T05"}
    assert _map_colours(night["replan"] / "map.html") == after
    assert set(_gpx_colours(night["replan"] / "routes.gpx").items()) <= set(after.items())
    assert _brief_colours(night["brief"] / "brief.html") == colours


def _gap_ranges(path: Path) -> dict[str, tuple[float, float]]:
    with path.open(encoding="utf-8") as fh:
        return {
            row["gap"]: (float(row["start_km"]), float(row["end_km"])) for row in csv.DictReader(fh)
        }


def test_gap_ids_name_one_stretch_everywhere(night: dict[str, Path]) -> None:
    tables = [
        night["gaps"] / "gaps.csv",
        night["plan"] / "gaps_before.csv",
        night["plan"] / "gaps_after.csv",
        night["replan"] / "gaps_after.csv",
    ]
    seen: dict[str, tuple[float, float]] = {}
    for path in tables:
        for gap, rng in _gap_ranges(path).items():
            assert gap == f"G{rng[0]:.2f}-{rng[1]:.2f}", (path, gap, rng)
            assert seen.setdefault(gap, rng) == rng, (path, gap)
    # the same stretch, the same id: the gaps command and the plan's "before" are one criterion
    assert _gap_ranges(night["gaps"] / "gaps.csv") == _gap_ranges(night["plan"] / "gaps_before.csv")
    # the maps label the same ids
    plan_map = _unescape((night["plan"] / "map.html").read_text(encoding="utf-8"))
    for gap in _gap_ranges(night["plan"] / "gaps_after.csv"):
        assert gap in plan_map
    site_map = _unescape((night["site"] / "map.html").read_text(encoding="utf-8"))
    for gap in re.findall(r"G\d+\.\d\d-\d+\.\d\d", site_map):
        a, b = (float(x) for x in gap[1:].split("-"))
        assert b > a


def _header(path: Path) -> str:
    html = _unescape(path.read_text(encoding="utf-8"))
    m = re.search(r'"title":\s*"(.*?)","', html)
    assert m, "map header"
    return m.group(1)


def test_headline_figures_print_the_same(night: dict[str, Path]) -> None:
    folder = night["plan"]
    summary = _json(folder / "summary.json")
    plan = _json(folder / "plan.json")
    report = (folder / "report.txt").read_text(encoding="utf-8")
    header = _header(folder / "map.html")
    worst = plan["worst_revisit_min"]
    assert summary["worst_revisit_min"] == summary["plan"]["worst_revisit_min"] == worst
    assert _say(ZH["worst_line"], worst=fmt_min(worst)) in report
    assert fmt_min(worst, "") in header
    assert fmt_pct(summary["watched_pct"], "") in header
    after = plan["coverage_after"]
    assert (
        ZH["coverage_line"].format(
            when=ZH["after"],
            criterion=criterion_text(after["criterion"], "zh"),
            watched=fmt_pct(summary["watched_pct"]),
            gap=fmt_km(summary["gap_km"]),
            n=summary["n_gaps"],
        )
        in report
    )
    never = plan["never_passed"]["km"]
    assert _say(ZH["never_line"], km=fmt_km(never)) in report
    # no figure printed with two texts: every km with 2 decimals, every minute with 1 (the
    # lines of #21 part A/B and #25 -- border length, detection -- are theirs to align)
    mine = "\n".join(
        x
        for x in report.split("\n" + _say(ZH["det_head"]))[0].splitlines()
        if not x.startswith(_say(ZH["border_head"]))
    )
    assert not re.search(r"(?<![\d.])\d+\.\d km\b", mine)
    assert not re.search(r"(?<![\d.])\d+ min\b", mine)


def test_a_replan_folder_has_one_worst_revisit(night: dict[str, Path]) -> None:
    folder = night["replan"]
    plan = _json(folder / "plan.json")
    summary = _json(folder / "summary.json")
    worst = plan["replan"]["worst_revisit_min"]["new"]
    assert plan["worst_revisit_min"] == summary["worst_revisit_min"] == worst
    assert summary["revisit_window"].startswith("02:10-06:00")
    text = fmt_min(worst)
    report = (folder / "report.txt").read_text(encoding="utf-8")
    diff = (folder / "diff.txt").read_text(encoding="utf-8")
    assert _say(ZH["worst_line"], worst=text) in report
    assert _say(ZH_DIFF["worst"], worst=text) in diff
    assert fmt_min(worst, "") in _header(folder / "map.html")
    # take-over ranges tile the dropped team's roads: they never overlap, a team is in one list
    spans = sorted(
        (t["km_from"], t["km_to"], t["team"])
        for t in plan["replan"]["takeovers"]
        if t["km_from"] is not None
    )
    for (_a0, a1, _), (b0, _b1, _) in zip(spans, spans[1:], strict=False):
        assert b0 >= a1 - 1e-9, spans
    takers = {t["team"] for t in plan["replan"]["takeovers"]}
    keep = (_say(ZH_DIFF["keep"], teams="")[1:], _say(ZH_DIFF["keeps"], team="")[1:])
    kept = next((x for x in diff.splitlines() if x.endswith(keep)), "")
    assert not takers & set(re.findall(r"T\d+", kept)), (takers, kept)


def test_targets_are_said_met_or_not(night: dict[str, Path]) -> None:
    for folder in (night["plan"], night["replan"]):
        summary = _json(folder / "summary.json")
        check = summary["target_check"]
        assert {"revisit", "response"} <= set(check)
        report = (folder / "report.txt").read_text(encoding="utf-8")
        header = _header(folder / "map.html")
        for key, c in check.items():
            head = re.escape(f"{ZH['target_' + key]} {fmt_min(c['target_min'])}")
            said = ZH["target_met" if c["met"] else "target_not_met"].split("{head}")[1]
            word = re.escape(said.split("{")[0])
            assert re.search(rf"{head}.*{word}", report), key
            assert ("未达标" in header) == any(not x["met"] for x in check.values())
            if not c["met"]:
                assert c["where"] and c["over_min"] > 0
                w = c["where"][0]
                a, b = fmt_km(w["start_km"], ""), fmt_km(w["end_km"], "")
                assert _say(ZH["target_where"], a=a, b=b) in report
    html = (night["brief"] / "brief.html").read_text(encoding="utf-8")
    assert "巡逻间隔目标" in html and "响应时间目标" in html
    # the two coverage shares are named apart
    report = (night["plan"] / "report.txt").read_text(encoding="utf-8")
    assert ZH["terms_note"] in report


def test_every_listed_loop_ends_by_the_window_end(night: dict[str, Path]) -> None:
    for folder, end_min in ((night["plan"], 600.0), (night["replan"], 230.0)):
        plan = _json(folder / "plan.json")
        # a re-plan's team starts its loop when it is ready (its road under way at the cut
        # finished), as its timeline and duty times do
        ready = {t: p["start_min"] for t, p in plan.get("replan", {}).get("positions", {}).items()}
        for team, fit in plan["loops_fit"].items():
            route = next(r for r in plan["routes"] if r["team"] == team)
            loop = route["loop_min"]
            rest = end_min - ready.get(team, 0.0)
            full, partial = fit["full_loops"], fit["last_partial_min"]
            # whole loops fit; a last partial loop is said, and fills the rest of the window
            assert full * loop <= rest + 0.1 + 0.01 * full, (team, full, loop)
            if partial:
                assert partial == pytest.approx(rest - full * loop, abs=0.05 * (full + 1))
        report = (folder / "report.txt").read_text(encoding="utf-8")
        for line in report.splitlines():
            # the team table: team, vehicle, leave base / loop start, loop km, loop min, service km
            m = re.match(
                r"(T\d+)\s+\S+\s+\d\d:\d\d\s+[\d.]+\s+([\d.]+)\s+[\d.]+\s+(\d\d:\d\d.*)$", line
            )
            if not m or _say(ZH["laps_many"], first="") in m.group(3):
                continue
            few = re.split(r"[\[(（]", m.group(3))[0]
            clocks = re.findall(r"\b(\d\d):(\d\d)\b", few)
            if not clocks:
                continue
            last = clocks[-1]
            start = 20 * 60 if folder == night["plan"] else 2 * 60 + 10
            t = (int(last[0]) * 60 + int(last[1]) - start) % 1440
            partial = _say(ZH["laps_partial"])
            assert t + float(m.group(2)) <= end_min + 1.0 or partial in m.group(3), line


def test_summary_lists_exactly_its_folder(night: dict[str, Path]) -> None:
    for key, name in (
        ("plan", "summary.json"),
        ("replan", "summary.json"),
        ("gaps", "summary.json"),
        ("site", "siting.json"),
    ):
        folder = night[key]
        data = _json(folder / name)
        assert data["schema_version"] == 2
        own = [f for f in files_under(folder) if not Path(f).name.startswith(".")]
        assert data["files"] == own, key
    plan = _json(night["plan"] / "summary.json")
    assert "plan.json" in plan["files"] and "gaps.csv" not in plan["files"]
    assert plan["plan"]["teams_on_patrol"] == 17


def _clock(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M")


def _events(path: Path) -> dict[datetime, Any]:
    import icalendar

    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {ev.decoded("dtstart"): ev for ev in cal.walk("VEVENT")}


def _report_rows(report: str) -> dict[str, list[str]]:
    """report.txt's team table: team -> its columns (vehicle, leave base, loop km, loop min, ...)."""
    rows = {}
    for line in report.splitlines():
        m = re.match(r"(T\d+)\s+(\S+)\s+(\d\d:\d\d)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(.*)$", line)
        if m:
            rows[m.group(1)] = list(m.groups()[1:])
    return rows


def _gpx_times(path: Path) -> list[datetime]:
    import gpxpy

    gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
    return [p.time for t in gpx.tracks for s in t.segments for p in s.points]


def _gpx_description(path: Path) -> str:
    import gpxpy

    (track,) = gpxpy.parse(path.read_text(encoding="utf-8")).tracks
    return track.description or ""


def test_the_replan_gpx_ends_at_back_at_base(night: dict[str, Path]) -> None:
    """The re-plan's tracks: from the cut, the window end, then the drive home to back_base."""
    plan = _json(night["replan"] / "plan.json")
    routes = [r for r in plan["routes"] if r["status"] == "patrol"]
    assert routes
    for r in routes:
        own = r["variants"][0]
        times = _gpx_times(night["replan"] / "gpx" / f"{r['team']}.gpx")
        back = datetime.fromisoformat(own["back_base"])
        assert datetime.fromisoformat(own["off_loop"]) in times, r["team"]
        assert back - timedelta(minutes=1) < times[-1] <= back, r["team"]
        desc = _gpx_description(night["replan"] / "gpx" / f"{r['team']}.gpx")
        assert f"back at base {back:%H:%M}" in desc, desc


def test_leave_base_and_loop_times_agree_in_every_artefact(night: dict[str, Path]) -> None:
    """report.txt, plan.json, roster.csv, the .ics events, brief.html and the GPX: one duty time."""
    plan = _json(night["plan"] / "plan.json")
    report_txt = (night["plan"] / "report.txt").read_text(encoding="utf-8")
    report = _report_rows(report_txt)
    # the table shows the base variant: the report says so and where a night's time is
    assert "离开驻地为各队基本变体（如 T01-f0）的时间" in report_txt and "排班表" in report_txt
    brief = (night["brief"] / "brief.html").read_text(encoding="utf-8")
    with (night["week"] / "roster.csv").open(encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["date"] == NIGHT and r["role"] == "team_member" and r["shift"] == "patrol"
        ]
    crews: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        crews.setdefault(r["place"], []).append(r)
    routes = {r["team"]: r for r in plan["routes"] if r["status"] == "patrol"}
    assert set(crews) == set(routes) and len(routes) == 17
    earlier = 0
    for team, route in sorted(routes.items()):
        own = route["variants"][0]  # the plan's own schedule (-f0): report.txt and the GPX
        assert own["variant"] == f"{team}-f0" and own["leave_base"] == route["leave_base"]
        # report.txt: leave base and the loop column, the plan's own schedule
        vehicle, leave, _km, loop_min, _service, loops = report[team]
        assert vehicle == term(VEHICLE, route["vehicle"], "zh"), team
        assert leave == _clock(own["leave_base"]), team
        assert loop_min == fmt_min(route["loop_min"], ""), team
        starts = [_clock(t) for t in own["loop_starts"]]
        assert starts and starts[0] == _clock(own["on_loop"]) == _clock(route["start_times"][0])
        if _say(ZH["laps_many"], first="") in loops:  # "20:00 起每 27.9 min 一圈（21 整圈..."
            first, every = re.match(r"(\d\d:\d\d) 起每 ([\d.]+) min", loops).groups()  # type: ignore[union-attr]
            assert first == starts[0] and every == fmt_min(route["loop_min"], ""), team
            n = int(re.search(r"（(\d+) 整圈", loops).group(1))  # type: ignore[union-attr]
            assert n + (1 if _say(ZH["laps_partial"]) in loops else 0) == len(starts), team
        else:  # "02:10, 03:16, 04:22 ..." every start listed
            assert re.findall(r"\d\d:\d\d", re.split(r"[\[(（]", loops)[0]) == starts, team
        # the GPX: the plan's own schedule, the crew's whole night: its first point floors to
        # leave base (the drive out), the loop's first start and the window end are points of
        # it, its last point ceils to back at base (the drive home); its description says both
        gpx_file = night["plan"] / "gpx" / f"{team}.gpx"
        times = _gpx_times(gpx_file)
        leave0, back0 = (datetime.fromisoformat(own[k]) for k in ("leave_base", "back_base"))
        assert times[0].replace(second=0, microsecond=0) == leave0, team
        assert datetime.fromisoformat(own["on_loop"]) in times, team
        assert datetime.fromisoformat(own["off_loop"]) in times, team
        assert back0 - timedelta(minutes=1) < times[-1] <= back0, team
        desc = _gpx_description(gpx_file)
        assert f"leave base {leave} " in desc.replace(",", " "), desc  # the report's column
        assert f"back at base {back0:%H:%M} ({own['variant']})" in desc, desc
        # tonight's variant as the roster drew it: roster.csv, the calendars, the briefing
        (code,) = {r["variant"] for r in crews[team]}
        duty = next(v for v in route["variants"] if v["variant"] == code)
        leave_at = datetime.fromisoformat(duty["leave_base"])
        back_at = datetime.fromisoformat(duty["back_base"])
        earlier += leave_at.strftime("%H:%M") != "20:00"
        for r in crews[team]:
            assert (r["start"], r["end"]) == (
                leave_at.strftime("%Y-%m-%dT%H:%M"),
                back_at.strftime("%Y-%m-%dT%H:%M"),
            ), (team, r)
        calendars = [f"person-{r['person']}.ics" for r in crews[team]] + [f"team-{team}.ics"]
        for name in calendars:
            events = _events(night["week"] / "ics" / name)
            assert leave_at in events, (name, leave_at, sorted(events))
            assert events[leave_at].decoded("dtend") == back_at, name
        card = brief.split(f'id="card-{team}"', 1)[1].split('id="card-', 1)[0]
        facts = dict(re.findall(r"<tr><th>([^<]+)</th><td[^>]*>(.*?)</td></tr>", card))
        t = _brief_labels()
        assert facts[t["leave"]] == leave_at.strftime("%H:%M"), team
        assert f"<b>{code}</b>" in facts[t["variant"]], team
        assert facts[t["loops_tonight"]] == str(len(duty["loop_starts"])), team
        assert facts[t["per_loop"]].startswith(fmt_km(route["loop_km"], "")), (team, facts)
        if t["approach"] in facts:  # a team whose base is off its loop: when it is on the loop
            assert facts[t["approach"]].endswith(_clock(duty["on_loop"])), (team, facts)
        cells = re.findall(rf'<td class="n">(\d\d:\d\d)</td><td class="small">{code}</td>', brief)
        assert set(cells) == {leave_at.strftime("%H:%M")}, (team, code, cells)
        # the crew's GPX of tonight (brief --roster, crews/<team>.gpx): the drawn variant's
        # whole night, first point floored = the roster's start, last ceiled = its end
        crew_gpx = night["brief"] / "crews" / f"{team}.gpx"
        times = _gpx_times(crew_gpx)
        assert times[0].replace(second=0, microsecond=0) == leave_at, (team, code, times[0])
        assert back_at - timedelta(minutes=1) < times[-1] <= back_at, (team, code, times[-1])
        assert f"back at base {back_at:%H:%M} ({code})" in _gpx_description(crew_gpx), team
    assert earlier > 0  # some crews leave before 20:00 (the bug was: everyone at 20:00)


def _brief_labels() -> dict[str, str]:
    """The route card's fact names in the briefing's Chinese table."""
    from borderwatch.maps.brief.labels import brief_labels

    t = brief_labels("zh")
    return {
        "leave": t["leave_base"],
        "variant": t["variant"],
        "loops_tonight": t["loops"],
        "per_loop": t["per_loop"],
        "approach": t["approach"],
    }


@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="needs Chromium")
def test_no_english_word_in_a_chinese_output(night: dict[str, Path]) -> None:
    """Ningming's outputs in Chinese: no English word outside ids, units, credits and names."""
    pytest.importorskip("playwright.sync_api", reason="the maps are read in Chromium")
    from tests.lang import data_names, english_words, html_visible_text, ics_text, map_visible_text

    texts = {
        f"{k}/{name}": (night[k] / name).read_text(encoding="utf-8")
        for k, name in (("plan", "report.txt"), ("replan", "report.txt"), ("replan", "diff.txt"))
    }
    # what the commands print: the report and the radio text (the closing "wrote DIR" is the
    # command line's own English, as its progress messages: not an output of the plan)
    for k in ("plan", "replan", "gaps", "site"):
        printed = (night["root"] / f"{k}.stdout").read_text(encoding="utf-8")
        texts[f"printed {k}"] = printed.replace(f"wrote {night[k]}", "")
    for k in ("plan", "replan"):
        texts[f"{k}/map.html"] = map_visible_text(night[k] / "map.html", CHROMIUM)
    texts["brief.html"] = html_visible_text(night["brief"] / "brief.html", CHROMIUM)
    ics = sorted((night["week"] / "ics").glob("*.ics"))
    teams = [p for p in ics if p.name.startswith("team-")]
    assert len(teams) == 17
    # every team calendar, and the calendars of every crew member of one team
    crew = [p for p in ics if p.name.startswith("person-T09-")]
    for p in [*teams, *crew]:
        texts[f"ics/{p.name}"] = ics_text(p.read_bytes())
    names = data_names("ningming")
    bad = {k: english_words(v, names) for k, v in texts.items()}
    assert {k: v for k, v in bad.items() if v} == {}
    # and they are Chinese: the tables' words are there
    assert ZH["targets"] in texts["plan/report.txt"]
    assert _say(ZH_DIFF["head"]) in texts["replan/diff.txt"]


def test_the_commander_page_is_one_a4_sheet(night: dict[str, Path]) -> None:
    """brief.pdf page by page (pdftotext): page 1 holds the whole commander page, contents too."""
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (apt-get install poppler-utils)")
    from borderwatch.maps.brief.labels import brief_labels

    t = brief_labels("zh")
    text = subprocess.run(
        ["pdftotext", "-layout", str(night["brief"] / "brief.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = text.split("\f")
    first, second = pages[0], pages[1]
    assert t["commander"] in first.strip().splitlines()[0]
    # the contents list, the last thing on the commander page, ends on page 1
    plan = _json(night["plan"] / "plan.json")
    last = plan["routes"][-1]["team"]
    assert f"{last} · " in first and t["contents"] in first
    # page 2 is the overview, the commander page's second sheet no more
    head = second.strip().splitlines()[0]
    assert t["overview"] in head and t["contents"] not in second, head
