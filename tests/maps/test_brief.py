"""The night briefing on a small generated plan: PDF pages, text, HTML in Chromium, escaping.

The plan is a real one: :func:`borderwatch.jobs.run_plan` on a generated 20 km
scenario with four teams (50 search iterations), one team renamed to a
``<script>`` tag. A second plan folder is the same with one team turned to
standby. The PDF is read back with poppler (``pdftoppm``, ``pdftotext``).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from borderwatch.config import SearchParams
from borderwatch.data import build_network
from borderwatch.data.synthetic import generate_scenario
from borderwatch.errors import BriefWarning, MapInputError
from borderwatch.jobs import run_plan
from borderwatch.maps.brief import (
    brief_html,
    read_plan_folder,
    read_roster_night,
    route_status,
    write_brief,
)
from borderwatch.maps.brief.content import variant_text
from borderwatch.maps.brief.labels import brief_labels
from borderwatch.roster.history import COLUMNS

CHROMIUM = os.environ.get("BORDERWATCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
NIGHT = date(2026, 12, 1)
XSS = '<script>alert("bw")</script>'

needs_pdf = pytest.mark.skipif(
    not (Path(CHROMIUM).is_file() and shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="the PDF tests need chromium and poppler-utils (apt-get install chromium poppler-utils)",
)


def _variant(route: dict[str, Any]) -> dict[str, Any]:
    """The team's ``-r1`` variant of ``plan.json`` (else its first): what the roster draws."""
    code = f"{route['team']}-r1"
    return next((v for v in route["variants"] if v["variant"] == code), route["variants"][0])


def _roster(folder: Path, net: Any, routes: list[dict[str, Any]]) -> Path:
    """A roster week folder with tonight's leader, crews, variants and checkpoint shifts.

    The crews' duties run from the plan's leave base to back at base of their variant, as
    ``borderwatch roster`` writes them (the briefing refuses a roster of another plan).
    """
    week = folder / "2026-W49"
    week.mkdir(parents=True)
    day, nxt = NIGHT.isoformat(), "2026-12-02"
    rows = [
        {
            "date": day,
            "shift": "inspect",
            "start": f"{day}T20:00",
            "end": f"{nxt}T06:00",
            "person": "L001",
            "name": "林<b>静</b>",
            "role": "county_leader",
            "township": str(net.units["township"].iat[0]),
            "place": str(net.units["township"].iat[0]),
        }
    ]
    for k, route in enumerate(routes):
        team, variant = str(route["team"]), _variant(route)
        for j in range(2):
            rows.append(
                {
                    "date": day,
                    "shift": "patrol",
                    "start": str(variant["leave_base"])[:16],
                    "end": str(variant["back_base"])[:16],
                    "person": f"{team}-{j}",
                    "name": f"Crew{k}{j}",
                    "role": "team_member",
                    "township": "",
                    "place": team,
                    "variant": variant["variant"],
                }
            )
    for cp in net.checkpoints.index[:3]:
        for shift, start, end in (("evening", "14:00", "22:00"), ("night", "22:00", "06:00")):
            rows.append(
                {
                    "date": day,
                    "shift": shift,
                    "start": f"{day}T{start}",
                    "end": f"{nxt if shift == 'night' else day}T{end}",
                    "person": f"S-{cp}-{shift}",
                    "name": f"Staff{cp}{shift}",
                    "role": "checkpoint_staff",
                    "township": str(net.checkpoints.loc[cp, "township"]),
                    "place": str(cp),
                }
            )
    with (week / "roster.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(COLUMNS), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({"week": "2026-W49", "weekday": 1, "night": 1, "variant": "", **r})
    return week


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("brief")
    scn = generate_scenario(20, seed=5, n_teams=4)
    teams = scn.teams.copy()
    teams.iloc[0, teams.columns.get_loc("name")] = XSS + "巡逻队"
    net = build_network(dataclasses.replace(scn, teams=teams))
    run_plan(
        net,
        root / "plan",
        night=NIGHT,
        map_html=False,
        search=SearchParams(time_limit_s=5, max_iterations=50),
    )
    plan = json.loads((root / "plan" / "plan.json").read_text(encoding="utf-8"))
    # the same plan with its last team on standby (and a reason that is markup)
    standby = root / "standby"
    shutil.copytree(root / "plan", standby)
    changed = json.loads(json.dumps(plan))
    last = changed["routes"][-1]
    last.update(
        status="standby", standby_reason="<i>no road</i>", steps=[], loop_min=0.0, loop_km=0.0
    )
    (standby / "plan.json").write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    roster = _roster(root / "roster", net, plan["routes"])
    return {"root": root, "net": net, "plan": plan, "standby": standby, "roster": roster}


@pytest.fixture(scope="module")
def brief(planned: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"the PDF needs Chromium at {CHROMIUM} (apt-get install chromium)")
    out = planned["root"] / "brief"
    pdf = write_brief(
        planned["root"] / "plan", out, roster_dir=planned["roster"], network=planned["net"]
    )
    return {"pdf": pdf, "html": out / "brief.html"}


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    line = next(x for x in info.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.slow
@needs_pdf
def test_pdf_has_every_page_and_none_is_blank(
    brief: dict[str, Any], planned: dict[str, Any], tmp_path: Path
) -> None:
    from PIL import Image, ImageStat

    pdf = brief["pdf"]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    n_towns = len(set(planned["net"].units["township"].astype(str)))
    n = _pages(pdf)
    assert n >= 1 + n_towns + len(planned["plan"]["routes"])
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == n
    for path in images:
        with Image.open(path) as im:
            assert im.size[0] < im.size[1]  # portrait A4
            stddev = ImageStat.Stat(im.convert("L")).stddev[0]
        assert stddev > 8.0, f"{path.name} looks blank (pixel stddev {stddev:.1f})"


@pytest.mark.slow
@needs_pdf
def test_pdf_text_has_every_team_and_the_plans_figures(
    brief: dict[str, Any], planned: dict[str, Any]
) -> None:
    text = _text(brief["pdf"])
    plan = planned["plan"]
    for r in plan["routes"]:
        assert r["team"] in text
    assert f"{plan['worst_revisit_min']:.1f}" in text
    assert f"{plan['max_loop_min']:.1f}" in text
    summary = json.loads((planned["root"] / "plan" / "summary.json").read_text(encoding="utf-8"))
    assert f"{summary['watched_pct']:.1f} %" in text
    # the roster: tonight's leader (markup as text), crews, the variant explained
    assert "林<b>静</b>" in text
    assert "Crew00" in text and "Crew31" in text
    assert "反向行驶" in text  # Chinese by default for a scenario in Asia/Shanghai


@pytest.mark.slow
@needs_pdf
def test_script_name_stays_text_in_html_and_pdf(brief: dict[str, Any]) -> None:
    html = brief["html"].read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#34;bw&#34;)&lt;/script&gt;" in html
    assert XSS in _text(brief["pdf"])


def _record(into: list[str]) -> Any:
    def handler(dialog: Any) -> None:
        into.append(dialog.message)
        dialog.dismiss()

    return handler


@pytest.mark.slow
@needs_pdf
def test_html_renders_in_chromium_without_console_errors(brief: dict[str, Any]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright")
    errors: list[str] = []
    blocked: list[str] = []
    dialogs: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
        page = browser.new_page()
        page.route("**/*", route)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", _record(dialogs))
        page.goto(brief["html"].as_uri())
        page.wait_for_load_state("load")
        n_sections = page.locator("section.page").count()
        # every chart and map image decoded to a real size
        sizes = page.evaluate(
            "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
        )
        cards = page.locator("section.card").count()
        browser.close()
    assert errors == [] and blocked == [] and dialogs == []
    assert n_sections >= 1 + cards and cards == 4
    assert sizes and all(ok and w > 50 and h > 50 for ok, w, h in sizes)


@pytest.mark.slow
def test_same_inputs_give_the_same_html(planned: dict[str, Any]) -> None:
    folder = read_plan_folder(planned["root"] / "plan")
    a = brief_html(folder, planned["net"], lang="en")
    b = brief_html(read_plan_folder(planned["root"] / "plan"), planned["net"], lang="en")
    assert a == b
    assert "Night patrol briefing" in a and "Route card" in a


@pytest.mark.slow
def test_standby_team_gets_a_standby_card(planned: dict[str, Any]) -> None:
    folder = read_plan_folder(planned["standby"])
    last = folder.routes[-1]
    assert route_status(last) == ("standby", "<i>no road</i>")
    html = brief_html(folder, planned["net"], lang="en")
    card = html[html.index(f'id="card-{last["team"]}"') :]
    card = card[: card.index("</section>")]
    assert "Standby card" in card and "&lt;i&gt;no road&lt;/i&gt;" in card
    assert "Roads in driving order" not in card


def test_route_status_is_the_plans_own() -> None:
    assert route_status({"status": "standby", "standby_reason": "no road"}) == (
        "standby",
        "no road",
    )
    assert route_status({"status": "patrol", "standby_reason": ""}) == ("patrol", "")


def test_variant_code_in_words() -> None:
    """The leaving time of a variant is the plan's duty time (plan.json variants[].leave_base)."""
    t = brief_labels("en")

    def v(code: str, reverse: bool, leave: str) -> dict[str, Any]:
        return {"variant": code, "reverse": reverse, "leave_base": f"2026-12-17T{leave}:00+08:00"}

    route = {
        "leave_base": "2026-12-17T19:47:00+08:00",
        "variants": [
            v("T05-f0", False, "19:47"),
            v("T05-r1", True, "20:00"),
            v("T05-f2", False, "19:20"),
        ],
    }
    words, leave, reverse = variant_text(route, "T05-r1", "20:00", t)
    assert reverse and leave == "20:00"
    assert words == (
        "reverse direction, start 13 min later than the plan's 19:47: leave base at 20:00"
    )
    words, leave, reverse = variant_text(route, "T05-f2", "20:00", t)
    assert not reverse and leave == "19:20" and "start 27 min earlier" in words
    assert variant_text(route, None, "20:00", t)[1] == "19:47"
    assert variant_text(route, "T05-x9", "20:00", t) == ("T05-x9", "19:47", False)
    assert "反向行驶" in variant_text(route, "T05-r1", "20:00", brief_labels("zh"))[0]


@pytest.mark.slow
def test_roster_night_reads_tonight_and_warns_for_another_week(planned: dict[str, Any]) -> None:
    night = read_roster_night(planned["roster"], NIGHT)
    assert night is not None and night.leader is not None
    assert night.leader["person"] == "L001"
    team = planned["plan"]["routes"][0]["team"]
    assert night.crews[team] == ["Crew00", "Crew01"] and night.variants[team] == f"{team}-r1"
    assert night.shift_times["night"] == ("22:00", "06:00")
    # the parent folder of weeks works too
    assert read_roster_night(planned["roster"].parent, NIGHT) == night
    with pytest.warns(BriefWarning, match="holds no duty on 2026-12-20"):
        assert read_roster_night(planned["roster"], date(2026, 12, 20)) is None
    # a folder of weeks without the night's week names the weeks it holds (walk12: it said
    # "<folder>/roster.csv: not found; give a week folder")
    weeks = planned["roster"].parent
    held = planned["roster"].name
    with pytest.raises(MapInputError, match=rf"holds roster weeks {held}, not 2027-W01 "):
        read_roster_night(weeks, date(2027, 1, 5))
    with pytest.raises(MapInputError, match=r"roster\.csv: not found; give a week folder"):
        read_roster_night(weeks / "nothing", NIGHT)


@pytest.mark.slow
def test_a_roster_of_another_scenario_or_plan_is_refused(
    planned: dict[str, Any], tmp_path: Path
) -> None:
    """brief --roster printed another county's crews and leader, or the roster's variant
    codes beside this plan's times of them (the calendars said another leave-base time)."""
    plan_dir = planned["root"] / "plan"
    week = tmp_path / "2026-W49"
    shutil.copytree(planned["roster"], week)
    summary = week / "summary.json"
    summary.write_text(json.dumps({"scenario": "ningming"}), encoding="utf-8")
    with pytest.raises(MapInputError, match=r"summary\.json: field 'scenario', value 'ningming'"):
        write_brief(plan_dir, tmp_path / "b1", roster_dir=week, network=planned["net"], pdf=False)
    summary.write_text(json.dumps({"scenario": planned["plan"]["scenario"]}), encoding="utf-8")
    # the crews of the first team rostered to leave 10 minutes before the plan's time
    path = week / "roster.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    route = planned["plan"]["routes"][0]
    leave = str(_variant(route)["leave_base"])[11:16]
    h, m = divmod(int(leave[:2]) * 60 + int(leave[3:]) - 10, 60)
    for r in rows:
        if r["place"] == route["team"] and r["shift"] == "patrol":
            r["start"] = f"{r['start'][:11]}{h:02d}:{m:02d}"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(MapInputError, match=rf"leave base {h:02d}:{m:02d} .* leaves base {leave}"):
        write_brief(plan_dir, tmp_path / "b2", roster_dir=week, network=planned["net"], pdf=False)
    assert not (tmp_path / "b1").exists() and not (tmp_path / "b2").exists()
    # the roster as made from this plan is read
    write_brief(
        plan_dir, tmp_path / "b3", roster_dir=planned["roster"], network=planned["net"], pdf=False
    )
    assert (tmp_path / "b3" / "brief.html").is_file()


@pytest.mark.slow  # three briefings, each rebuilding the plan for the crews' tracks (~4 s)
def test_a_briefing_drops_the_crew_tracks_of_an_earlier_briefing_of_another_plan(
    planned: dict[str, Any], tmp_path: Path
) -> None:
    """The crews/ tracks an earlier briefing into the folder wrote go with the next one,
    also those of teams this plan does not have (a briefing of another plan with more
    teams left its crews/T05.gpx ... beside this plan's); a user's file there stays."""
    from borderwatch.atomic import MARKER, read_marker

    out = tmp_path / "brief"
    plan_dir = planned["root"] / "plan"
    write_brief(plan_dir, out, roster_dir=planned["roster"], network=planned["net"], pdf=False)
    marker = read_marker(out)
    assert marker is not None
    crews = sorted(f for f in marker["files"] if f.startswith("crews/"))
    assert crews, marker  # the fixture's roster draws variants: crews' tracks written
    # as if an earlier briefing of a plan with a team T99 had written its crew's track
    (out / "crews" / "T99.gpx").write_text("<gpx/>", encoding="utf-8")
    (out / "crews" / "notes.txt").write_text("mine", encoding="utf-8")
    marker["files"] = sorted([*marker["files"], "crews/T99.gpx"])
    (out / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    write_brief(plan_dir, out, roster_dir=planned["roster"], network=planned["net"], pdf=False)
    assert not (out / "crews" / "T99.gpx").exists()  # was kept beside this plan's tracks
    assert (out / "crews" / "notes.txt").read_text(encoding="utf-8") == "mine"
    after = read_marker(out)
    assert after is not None
    assert sorted(f for f in after["files"] if f.startswith("crews/")) == crews
    write_brief(plan_dir, out, network=planned["net"], pdf=False)  # no roster: no tracks
    assert sorted(p.name for p in (out / "crews").iterdir()) == ["notes.txt"]


@pytest.mark.slow
def test_missing_or_bad_plan_files_are_named(planned: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(MapInputError, match=r"summary\.json: not found"):
        (tmp_path / "plan.json").write_text("{}", encoding="utf-8")
        read_plan_folder(tmp_path)
    bad = tmp_path / "bad"
    shutil.copytree(planned["root"] / "plan", bad)
    plan = json.loads((bad / "plan.json").read_text(encoding="utf-8"))
    plan["routes"][0]["leave_base"] = "7pm"
    (bad / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    with pytest.raises(
        MapInputError, match=r"routes\[0\]\.leave_base', value '7pm': must be an ISO"
    ):
        read_plan_folder(bad)


@pytest.mark.slow
@needs_pdf
def test_command_line_plan_brief_and_brief(toy_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from borderwatch.cli import app

    runner = CliRunner()
    plan = tmp_path / "plan"
    args = ["plan", str(toy_dir), "--out", str(plan), "--max-iterations", "20"]
    result = runner.invoke(app, [*args, "--time-limit", "2", "--no-map", "--brief", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (plan / "brief.pdf").read_bytes()[:5] == b"%PDF-" and (plan / "brief.html").is_file()
    result = runner.invoke(app, ["brief", str(plan), "--out", str(tmp_path / "b"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = _text(tmp_path / "b" / "brief.pdf")
    for r in json.loads((plan / "plan.json").read_text(encoding="utf-8"))["routes"]:
        assert r["team"] in text
    bad = runner.invoke(app, ["brief", str(plan), "--out", str(tmp_path / "c"), "--lang", "fr"])
    assert bad.exit_code == 2 and "--lang" in bad.output and not (tmp_path / "c").exists()
    missing = runner.invoke(app, ["brief", str(tmp_path / "nowhere"), "--out", str(tmp_path / "d")])
    assert missing.exit_code == 2


@pytest.mark.slow
@needs_pdf
def test_pdf_carries_no_wall_clock_date(brief: dict[str, Any]) -> None:
    # Chromium stamps the wall clock; the stamp is pinned. (The rest of Chromium's PDF is not
    # always byte-stable between prints: the HTML is the byte-stable artefact.)
    info = subprocess.run(
        ["pdfinfo", str(brief["pdf"])], capture_output=True, text=True, check=True
    )
    dates = [x for x in info.stdout.splitlines() if x.startswith(("CreationDate", "ModDate"))]
    assert len(dates) == 2 and all("1970" in x for x in dates), dates


@pytest.mark.slow
def test_gap_reasons_are_in_the_briefing_language(planned: dict[str, Any]) -> None:
    folder = read_plan_folder(planned["root"] / "plan")
    gaps = folder.gaps
    assert len(gaps) > 0 and {"why", "why_zh"} <= set(gaps.columns)
    zh = brief_html(folder, planned["net"], lang="zh")
    en = brief_html(folder, planned["net"], lang="en")
    for why, why_zh in zip(gaps["why"].map(escape), gaps["why_zh"].map(escape), strict=True):
        assert why_zh in zh and why not in zh
        assert why in en and why_zh not in en
