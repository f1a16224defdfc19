"""Determinism, idempotent reruns, leave, infeasibility, outputs and the command body."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from borderwatch.errors import ConfigError, ScenarioError
from borderwatch.roster import (
    RosterConfig,
    RosterExistsError,
    RosterInfeasibleError,
    build_week,
    iso_week,
    load_people,
    people_from_rows,
    rotate_variants,
    synthetic_people,
    week_files,
    write_week,
)
from tests.roster.helpers import check_rules, tiny_plan, tiny_site


@pytest.fixture(scope="module")
def site():
    return tiny_site((3, 2), (2, 3))


@pytest.fixture(scope="module")
def rows(site):
    return synthetic_people(site, seed=5, n_leaders=6, leave_share=0.0)


def _formats() -> list[str]:
    """All formats whose optional dependency is installed."""
    import importlib.util

    out = ["csv", "json", "diff"]
    out += ["xlsx"] if importlib.util.find_spec("openpyxl") else []
    out += ["ics"] if importlib.util.find_spec("icalendar") else []
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_deterministic_and_all_formats(site, rows):
    pytest.importorskip("openpyxl")
    pytest.importorskip("icalendar")
    people = people_from_rows(rows)
    cfg = RosterConfig(salt="k")
    a = week_files(build_week(site, people, "2026-W49", plan=tiny_plan(site), config=cfg))
    b = week_files(build_week(site, people, "2026-W49", plan=tiny_plan(site), config=cfg))
    assert a == b
    assert {"roster.csv", "summary.json", "diff.csv", "roster.xlsx"} <= set(a)
    assert any(k.startswith("ics/team-") for k in a) and any(k.startswith("ics/person-") for k in a)
    header = a["roster.csv"].decode().splitlines()[0].split(",")
    assert header[:4] == ["week", "date", "weekday", "shift"]
    assert {"person", "role", "place", "variant"} <= set(header)


def test_xlsx_has_a_sheet_per_township_and_team(site, rows):
    load_workbook = pytest.importorskip("openpyxl").load_workbook

    week = build_week(site, people_from_rows(rows), "2026-W49", plan=tiny_plan(site))
    wb = load_workbook(io.BytesIO(week_files(week, ["xlsx"])["roster.xlsx"]))
    # the tiny site is in Asia/Shanghai: the spreadsheet speaks Chinese (roster/io.py XLSX_WORDS)
    assert {"汇总", "A", "B", "巡逻队 T1", "巡逻队 T2"} <= set(wb.sheetnames)


def test_ics_parses(site, rows):
    icalendar = pytest.importorskip("icalendar")

    week = build_week(site, people_from_rows(rows), "2026-W49", plan=tiny_plan(site))
    files = week_files(week, ["ics"])
    cal = icalendar.Calendar.from_ical(files["ics/team-T1.ics"])
    assert len(list(cal.walk("VEVENT"))) == 7


def test_salt_changes_rotation_but_week_reproduces():
    vs = {
        "T1": [
            {"variant": f"v{j}", "reverse": j % 2 == 1, "phase_min": float(j // 2)}
            for j in range(8)
        ]
    }
    a = rotate_variants(vs, "2026-W49", salt="a")
    assert a == rotate_variants(vs, "2026-W49", salt="a")
    others = [rotate_variants(vs, "2026-W49", salt=s) for s in "bcdef"]
    assert any(o != a for o in others)
    seq = [v["variant"] for v in a["T1"]]
    assert all(x != y for x, y in zip(seq, seq[1:], strict=False))


@pytest.mark.slow
def test_idempotent_rerun_and_no_overwrite(tmp_path, site, rows):
    people = people_from_rows(rows)
    out = tmp_path / "rosters"
    for week in ("2026-W49", "2026-W50"):
        write_week(
            build_week(site, people, week, plan=tiny_plan(site), history=out),
            out,
            formats=_formats(),
        )
    before = _files(out / "2026-W50")
    with pytest.raises(RosterExistsError, match="--force"):
        write_week(build_week(site, people, "2026-W50", plan=tiny_plan(site), history=out), out)
    # rebuilding W50 with W50 itself in the history folder gives the same bytes
    write_week(
        build_week(site, people, "2026-W50", plan=tiny_plan(site), history=out), out, force=True
    )
    assert _files(out / "2026-W50") == before
    summary = json.loads((out / "2026-W50" / "summary.json").read_text(encoding="utf-8"))
    assert summary["history"]["previous"] == "2026-W49"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_leave_forces_changes_and_diff_says_why(tmp_path, site, rows):
    people = people_from_rows(rows)
    out = tmp_path / "r"
    w1 = build_week(site, people, "2026-W49", plan=tiny_plan(site), history=out)
    write_week(w1, out, formats=["csv"])
    # the person with most duties in W49 takes leave all of W50
    busiest = max(
        {r["person"] for r in w1.rows if r["role"] == "checkpoint_staff"},
        key=lambda p: (sum(r["person"] == p for r in w1.rows), p),
    )
    rows2 = [dict(r, leave="2026-12-07..2026-12-13") if r["id"] == busiest else r for r in rows]
    people2 = people_from_rows(rows2)
    w2 = build_week(site, people2, "2026-W50", plan=tiny_plan(site), history=out)
    check_rules(w2.rows, people2, site, RosterConfig(), iso_week("2026-W50"))
    assert not [r for r in w2.rows if r["person"] == busiest]
    mine = [d for d in w2.diff if d["person"] == busiest]
    assert mine and all(d["reason"] == "on leave" and d["after"] == "" for d in mine)
    assert w2.summary["changes"]["reasons"]["on leave"] == len(mine)
    # each moved duty counted once: this week's duties nobody held the same way last week
    held = {(r["person"], r["weekday"], r["shift"], r["place"]) for r in w1.rows}
    moved = [r for r in w2.rows if (r["person"], r["weekday"], r["shift"], r["place"]) not in held]
    ch = w2.summary["changes"]
    assert ch["duties_moved"] == len(moved) > 0
    assert ch["duties"] == len(w2.rows)
    assert ch["rows"] == len(w2.diff) > ch["duties_moved"]
    assert sum(ch["moved_reasons"].values()) == ch["duties_moved"]


def test_infeasible_message_names_township_day_and_numbers(site):
    rows = synthetic_people(site, seed=1, n_leaders=3, leave_share=0.0)
    # everyone of township B but one on leave on 2026-12-03: the night shift from 12-02 22:00 touches it
    staff_b = [r for r in rows if r["township"] == "B"]
    for r in staff_b[1:]:
        r["leave"] = "2026-12-03"
    with pytest.raises(
        RosterInfeasibleError,
        match=r"^B needs 4 people for the night shift on 2026-12-02; 1 are available$",
    ):
        build_week(site, people_from_rows(rows), "2026-W49", plan=tiny_plan(site))


def test_infeasible_day_total():
    site = tiny_site((1,), (1,))
    rows = synthetic_people(site, seed=1, n_leaders=3, leave_share=0.0)
    staff = [r for r in rows if r["role"] == "checkpoint_staff"]
    for r in staff[3:]:
        r["leave"] = "2026-12-03"  # 3 people left for 6 person-shifts on that day
    with pytest.raises(
        RosterInfeasibleError,
        match=r"A needs 6 person-shifts on 2026-12-03; 3 people are available",
    ):
        build_week(site, people_from_rows(rows), "2026-W49", plan=tiny_plan(site))


def test_infeasible_week_capacity():
    site = tiny_site((1,), (1,))
    rows = synthetic_people(site, seed=1, n_leaders=3, leave_share=0.0)
    staff = [r for r in rows if r["role"] == "checkpoint_staff"]
    keep = {r["id"] for r in staff[:6]}
    rows = [r for r in rows if r["role"] != "checkpoint_staff" or r["id"] in keep]
    with pytest.raises(
        RosterInfeasibleError,
        match=r"A needs 42 person-shifts this week; its 6 people can give at most 30",
    ):
        build_week(site, people_from_rows(rows), "2026-W49", plan=tiny_plan(site))


def test_bad_inputs(tmp_path, site, rows):
    with pytest.raises(ConfigError, match="ISO week"):
        build_week(site, people_from_rows(rows), "2026-49")
    bad = tmp_path / "people.csv"
    bad.write_text("id,name,role,team,township,leave\nP1,a,pilot,,,\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="role"):
        load_people(bad)
    bad.write_text(
        "id,name,role,team,township,leave\nP1,a,checkpoint_staff,,A,2026-13-01\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match="leave"):
        load_people(bad)
    plan = tiny_plan(site)
    plan["routes"] = plan["routes"][:1]
    with pytest.raises(ScenarioError, match="T2"):
        build_week(site, people_from_rows(rows), "2026-W49", plan=plan)


@pytest.mark.slow
def test_command_exit_codes_and_dry_run(tmp_path):
    from rich.console import Console

    from borderwatch.cli.roster import roster_command
    from borderwatch.data import load_scenario
    from borderwatch.roster import RosterSite
    from tests.helpers import write_toy_scenario

    scn_dir = write_toy_scenario(tmp_path / "toy")
    site = RosterSite.from_scenario(load_scenario(scn_dir))
    people = tmp_path / "people.csv"
    rows = synthetic_people(site, seed=3, n_leaders=4, leave_share=0.0)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    people.write_text(buf.getvalue(), encoding="utf-8")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(tiny_plan(site)), encoding="utf-8")
    out = tmp_path / "out"
    quiet = Console(file=io.StringIO())
    kw = dict(people=people, plan=plan, out=out, salt="s", console=quiet, err_console=quiet)
    assert roster_command("2026-W49", str(scn_dir), dry_run=True, **kw) == 0
    assert not out.exists()
    assert roster_command("2026-W49", str(scn_dir), formats=["csv", "json"], **kw) == 0
    assert (out / "2026-W49" / "roster.csv").is_file()
    # an existing week is "output exists" (4), not bad input (2), so cron can tell them apart
    assert roster_command("2026-W49", str(scn_dir), **kw) == 4
    assert roster_command("2026-W49", str(scn_dir), force=True, formats=["csv", "json"], **kw) == 0
    assert roster_command("2026-W99", str(scn_dir), **kw) == 2
    # all checkpoint staff on leave → infeasible, exit 3
    rows = [
        dict(r, leave="2026-12-07..2026-12-13") if r["role"] == "checkpoint_staff" else r
        for r in rows
    ]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    people.write_text(buf.getvalue(), encoding="utf-8")
    assert roster_command("2026-W50", str(scn_dir), **kw) == 3
    assert not (out / "2026-W50").exists()


@pytest.mark.slow
def test_same_bytes_in_a_fresh_process(tmp_path, site, rows):
    """HiGHS may meet equal optima in any order; the seeded tie-break makes the roster unique."""
    import hashlib
    import os
    import subprocess
    import sys

    people_csv = tmp_path / "people.csv"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    people_csv.write_text(buf.getvalue(), encoding="utf-8")
    code = (
        "import hashlib, json, sys; sys.path.insert(0, '.');"
        "from tests.roster.helpers import tiny_site, tiny_plan;"
        "from borderwatch.roster import build_week, load_people, roster_csv_text, RosterConfig;"
        "s = tiny_site((3, 2), (2, 3));"
        f"w = build_week(s, load_people({str(people_csv)!r}), '2026-W49', plan=tiny_plan(s), config=RosterConfig(salt='k'));"
        "print(hashlib.sha256(roster_csv_text(w).encode()).hexdigest())"
    )
    from borderwatch.roster.io import roster_csv_text

    here = build_week(
        site,
        load_people(people_csv),
        "2026-W49",
        plan=tiny_plan(site),
        config=RosterConfig(salt="k"),
    )
    want = hashlib.sha256(roster_csv_text(here).encode()).hexdigest()
    root = Path(__file__).resolve().parents[2]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        got = subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert got.stdout.strip() == want


def test_standby_team_crew_never_drives_a_route(site, rows):
    # plan.json puts the second team on standby (nothing its vehicle reaches): its crew is
    # rostered to checkpoint reinforcement / standby, never to a route variant
    plan = tiny_plan(site)
    standby = plan["routes"][1]
    standby.update(status="standby", standby_reason="reaches no road", variants=[], loop_min=0.0)
    week = build_week(site, people_from_rows(rows), "2026-W49", plan=plan)
    team = standby["team"]
    crew = [r for r in week.rows if r["role"] == "team_member" and r["place"].endswith(f"({team})")]
    assert crew and all(r["place"].startswith("standby") and r["variant"] == "" for r in crew)
    assert not any(r["place"] == team for r in week.rows)
    patrol = plan["routes"][0]["team"]
    assert any(r["place"] == patrol and r["variant"] for r in week.rows)
