"""One night, one truth (issue #21): the artefacts of a Ningming night, read back as files, agree.

One night goes through ``plan``, ``gaps``, ``site``, ``replan --drop T05`` and
``brief`` through the installed entry point (network blocked); the tests read
the files a crew or a commander gets (report.txt, summary.json, plan.json,
map.html, routes.gpx, gaps*.csv, brief.html, diff.txt), never the objects:

* each team has one colour, fixed by the scenario, the same in plan.json, the
  map, the GPX, the briefing and the re-plan (a dropped T05 moves no colour);
* each gap id names one km range in every table (gaps, plan, re-plan);
* headline figures print the same in report.txt, summary.json and the map
  header; a re-plan folder has one worst revisit figure (with its window);
* every target says met or not met;
* every loop listed ends by the window end, or is said to be partial;
* summary.json lists exactly the files beside it and carries schema_version.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.fmt import pct as fmt_pct
from tests.cli.run import files_under, offline_env, run_cli

pytestmark = pytest.mark.slow

NIGHT = "2026-12-17"


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("one_truth")
    env = offline_env(root / "offline")
    out = {k: root / k for k in ("plan", "gaps", "site", "replan", "brief")}
    steps: list[list[Any]] = [
        ["plan", "ningming", "--night", NIGHT, "--max-iterations", 300, "--out", out["plan"]],
        ["gaps", "ningming", "--out", out["gaps"]],
        ["site", "ningming", "--add", 3, "--out", out["site"]],
        ["replan", out["plan"], "--at", "02:10", "--drop", "T05", "--out", out["replan"]],
        ["brief", out["plan"], "--out", out["brief"]],
    ]
    for args in steps:
        res = run_cli(args, env, timeout=900)
        assert res.returncode == 0, f"{args[0]}: {res.stdout}\n{res.stderr}"
        (root / f"{args[0]}.stdout").write_text(res.stdout, encoding="utf-8")
    return {**out, "root": root}


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
    assert f"worst revisit interval {fmt_min(worst)}" in report
    assert fmt_min(worst, "") in header
    assert fmt_pct(summary["watched_pct"], "") in header
    assert f"{fmt_pct(summary['watched_pct'])} watched" in report
    never = plan["never_passed"]["km"]
    assert f"never passed: {fmt_km(never)}" in report
    assert f"{fmt_km(summary['gap_km'])} in {summary['n_gaps']} coverage gaps" in report
    # no figure printed with two texts: every km with 2 decimals, every minute with 1 (the
    # lines of #21 part A/B and #25 -- border length, detection -- are theirs to align)
    mine = "\n".join(
        x
        for x in report.split("\na 15-min crossing")[0].splitlines()
        if not x.startswith("border length:")
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
    assert f"worst revisit interval {text}" in report
    assert f"worst revisit rest of night {text}" in diff
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
    kept = next(
        (x for x in diff.splitlines() if x.endswith(("keep their loops", "keeps its loop"))), ""
    )
    assert not takers & set(re.findall(r"T\d+", kept)), (takers, kept)


def test_targets_are_said_met_or_not(night: dict[str, Path]) -> None:
    for folder in (night["plan"], night["replan"]):
        summary = _json(folder / "summary.json")
        check = summary["target_check"]
        assert {"revisit", "response"} <= set(check)
        report = (folder / "report.txt").read_text(encoding="utf-8")
        header = _header(folder / "map.html")
        for key, c in check.items():
            word = "met" if c["met"] else "NOT MET"
            assert re.search(rf"{key} target {fmt_min(c['target_min'])}.*: {word}", report), key
            assert ("未达标" in header) == any(not x["met"] for x in check.values())
            if not c["met"]:
                assert c["where"] and c["over_min"] > 0
                w = c["where"][0]
                assert f"km {fmt_km(w['start_km'], '')}-{fmt_km(w['end_km'], '')}" in report
    html = (night["brief"] / "brief.html").read_text(encoding="utf-8")
    assert "巡逻间隔目标" in html and "响应时间目标" in html
    # the two coverage shares are named apart
    report = (night["plan"] / "report.txt").read_text(encoding="utf-8")
    assert "'watched' = " in report and "'patrolled' = " in report


def test_every_listed_loop_ends_by_the_window_end(night: dict[str, Path]) -> None:
    for folder, end_min in ((night["plan"], 600.0), (night["replan"], 230.0)):
        plan = _json(folder / "plan.json")
        for team, fit in plan["loops_fit"].items():
            route = next(r for r in plan["routes"] if r["team"] == team)
            loop = route["loop_min"]
            full, partial = fit["full_loops"], fit["last_partial_min"]
            # whole loops fit; a last partial loop is said, and fills the rest of the window
            assert full * loop <= end_min + 0.1 + 0.01 * full, (team, full, loop)
            if partial:
                assert partial == pytest.approx(end_min - full * loop, abs=0.05 * (full + 1))
        report = (folder / "report.txt").read_text(encoding="utf-8")
        for line in report.splitlines():
            # the team table: team, vehicle, leave base / loop start, loop km, loop min, service km
            m = re.match(
                r"(T\d+)\s+\S+\s+\d\d:\d\d\s+[\d.]+\s+([\d.]+)\s+[\d.]+\s+(\d\d:\d\d.*)$", line
            )
            if not m or "then every" in m.group(3):
                continue
            clocks = re.findall(r"\b(\d\d):(\d\d)\b", m.group(3).split("[")[0].split("(")[0])
            if not clocks:
                continue
            last = clocks[-1]
            start = 20 * 60 if folder == night["plan"] else 2 * 60 + 10
            t = (int(last[0]) * 60 + int(last[1]) - start) % 1440
            assert t + float(m.group(2)) <= end_min + 1.0 or "partial" in m.group(3), line


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
