"""The roster counts duties actually worked (issue #26, item 5): ``roster --from-log``.

A toy border with two teams is rostered for 2026-W50; two of its nights are driven and
recorded in a real SQLite log (T2 does not drive on Saturday, T1 stops an hour into
Sunday night); 2026-W51 is then rostered from the same history with and without the log.
The rules under test are those of :mod:`borderwatch.roster.history`.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from borderwatch.roster.history import WorkedDuty, read_history
from tests.helpers import add_twin_team, write_toy_scenario
from tests.log.conftest import run_cli

MONDAY = date(2026, 12, 7)  # 2026-W50
NEXT = date(2026, 12, 14)  # 2026-W51
SAT, SUN = date(2026, 12, 12), date(2026, 12, 13)
REST_H = 14.0  # more than the 12-13 h between a night's return and the next night's start


def _people(path: Path) -> Path:
    rows = ["id,name,role,team,township,leave,source"]
    for t in ("T1", "T2"):
        rows += [f"{t}m{i:02d},{t} member {i},team_member,{t},Aidian,,synthetic" for i in range(15)]
    rows += [f"A{i:02d},staff {i},checkpoint_staff,,Aidian,,synthetic" for i in range(22)]
    rows += [f"L{i},leader {i},county_leader,,,,synthetic" for i in range(4)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _crew(roster_csv: Path, night: date, team: str) -> list[str]:
    with roster_csv.open(encoding="utf-8") as f:
        return sorted(
            r["person"]
            for r in csv.DictReader(f)
            if r["date"] == night.isoformat() and r["place"] == team
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Scenario, plan, the W50 roster, the two driven nights, and a SQLite log holding them."""
    from borderwatch.config import SearchParams
    from borderwatch.data import build_network
    from borderwatch.data.load import load_scenario
    from borderwatch.jobs import run_plan
    from borderwatch.jobs.roster import run_roster
    from borderwatch.log.db import open_log
    from borderwatch.log.inputs import read_plan_folder
    from borderwatch.log.record import night_window, record_night
    from borderwatch.log.simulate import Deviation, read_plan_tracks, simulate_night, window_end

    root = tmp_path_factory.mktemp("worked")
    scen = add_twin_team(write_toy_scenario(root / "toy"))
    people = _people(root / "people.csv")
    net = build_network(load_scenario(str(scen)))
    plan = root / "plan"
    run_plan(net, plan, night=MONDAY, map_html=False, search=SearchParams(max_iterations=50))
    pf = read_plan_folder(plan)
    assert [t.team for t in pf.teams if t.status == "patrol"] == ["T1", "T2"]
    run_roster(
        "2026-W50", str(scen), out=root / "rosters", people=people, plan=plan / "plan.json",
        salt="s",
    )  # fmt: skip
    devs = {SAT: [Deviation("drop", "T2")], SUN: [Deviation("stop", "T1", {"at_min": 60.0})]}
    tracks = read_plan_tracks(plan)
    folders = {}
    url = f"sqlite:///{root / 'log.sqlite'}"
    engine = open_log(url)
    for night, dv in devs.items():
        w0, wm = night_window(net, night)
        folders[night] = simulate_night(
            tracks, MONDAY, night, root / night.isoformat(), dv, tz=ZoneInfo("Asia/Shanghai"),
            window_end=window_end(w0, wm), loop_min={t.team: t.loop_min for t in pf.teams},
        )  # fmt: skip
        record_night(night, plan, folders[night], engine=engine, network=net)
    engine.dispose()
    return {
        "root": root, "scen": scen, "people": people, "plan": plan, "net": net, "url": url,
        "folders": folders, "w50": root / "rosters" / "2026-W50" / "roster.csv",
    }  # fmt: skip


@pytest.fixture(scope="module")
def weeks(world):  # type: ignore[no-untyped-def]
    """2026-W51 from the W50 history: as planned (by the job), and from the log (by the CLI)."""
    from borderwatch.jobs.roster import run_roster

    root = world["root"]
    run_roster(
        "2026-W51", str(world["scen"]), out=root / "planned", history=root / "rosters",
        people=world["people"], plan=world["plan"] / "plan.json", salt="s", rest_hours=REST_H,
    )  # fmt: skip
    res = run_cli(
        "roster", "--week", "2026-W51", str(world["scen"]), "--people", str(world["people"]),
        "--plan", str(world["plan"] / "plan.json"), "--history", str(root / "rosters"),
        "--out", str(root / "worked"), "--salt", "s", "--rest-hours", str(REST_H),
        "--from-log", "--db", world["url"],
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = {}
    for tag in ("planned", "worked"):
        folder = root / tag / "2026-W51"
        with (folder / "roster.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        out[tag] = (rows, summary)
    return out


@pytest.mark.slow
def test_summary_names_the_duties_not_worked(world, weeks) -> None:  # type: ignore[no-untyped-def]
    _, planned = weeks["planned"]
    _, worked = weeks["worked"]
    assert "worked" not in planned["history"]  # without --from-log nothing of the log
    log = worked["history"]["worked"]
    assert log["nights"] == [SAT.isoformat(), SUN.isoformat()]
    assert log["team_nights"] == 4  # two teams on two recorded nights
    # crews of 5: T2 on Saturday and T1 on Sunday (2 h of a 10 h duty) count no night
    assert log["night_duties"] == {"planned": 20, "worked": 10}
    # the simulated crews drive the plan's own schedule (-f0) and its drive home: where the
    # night's drawn variant is back at base earlier, the track's last fix lengthens the duty
    # worked (a night all the same); the two deviations are the duties not worked
    longer = [c for c in log["changed"] if c["drove"] and c["night_duty"]]
    assert all(c["worked_end"] > c["planned_end"] for c in longer), longer
    sat, sun = [c for c in log["changed"] if c not in longer]
    assert (sat["date"], sat["team"], sat["drove"], sat["night_duty"]) == (
        SAT.isoformat(), "T2", False, False,
    )  # fmt: skip
    assert sat["people"] == _crew(world["w50"], SAT, "T2") and len(sat["people"]) == 5
    assert sat["worked_end"] is None
    assert (sun["date"], sun["team"], sun["drove"], sun["night_duty"]) == (
        SUN.isoformat(), "T1", True, False,
    )  # fmt: skip
    assert sun["people"] == _crew(world["w50"], SUN, "T1")
    # T1 stopped an hour after its first fix: its duty ends ~9 h before the planned return
    planned_end = datetime.fromisoformat(sun["planned_end"])
    worked_end = datetime.fromisoformat(sun["worked_end"])
    assert timedelta(hours=8) < planned_end - worked_end < timedelta(hours=10)


@pytest.mark.slow
def test_crews_that_did_not_work_get_the_nights(world, weeks) -> None:  # type: ignore[no-untyped-def]
    """Fairness: the night duties they did not work are made up in the next week."""
    for night, team in ((SAT, "T2"), (SUN, "T1")):
        crew = _crew(world["w50"], night, team)
        counts = {}
        for tag in ("planned", "worked"):
            rows, _ = weeks[tag]
            n = Counter(r["person"] for r in rows if r["night"] == "1" and r["place"] == team)
            counts[tag] = sum(n[p] for p in crew)
        assert counts["worked"] > counts["planned"], (team, counts)


@pytest.mark.slow
def test_rest_counts_from_the_duty_actually_worked(world, weeks) -> None:  # type: ignore[no-untyped-def]
    """Rest: T1's Sunday crew stopped at ~21:00, so Monday night is open to them."""
    sunday_crew = set(_crew(world["w50"], SUN, "T1"))
    monday = {
        tag: {
            r["person"]
            for r in weeks[tag][0]
            if r["date"] == NEXT.isoformat() and r["place"] == "T1"
        }
        for tag in ("planned", "worked")
    }
    assert not monday["planned"] & sunday_crew  # 06:01 -> ~19:45 is under 14 h
    back_on = monday["worked"] & sunday_crew
    assert back_on
    ends = {p: e["worked_end"] for e in weeks["worked"][1]["history"]["worked"]["changed"]
            for p in e["people"]}  # fmt: skip
    for r in weeks["worked"][0]:
        if r["person"] in back_on and r["date"] == NEXT.isoformat():
            rest = datetime.fromisoformat(r["start"]) - datetime.fromisoformat(ends[r["person"]])
            assert rest >= timedelta(hours=REST_H)


@pytest.mark.slow
def test_db_needs_from_log(world) -> None:  # type: ignore[no-untyped-def]
    res = run_cli(
        "roster", "--week", "2026-W51", str(world["scen"]), "--people", str(world["people"]),
        "--out", str(world["root"] / "nodb"), "--db", world["url"], "--dry-run",
    )  # fmt: skip
    assert res.returncode == 2
    assert "--from-log" in res.stderr + res.stdout


@pytest.mark.slow
def test_same_worked_duties_on_postgresql(world, pg_url) -> None:  # type: ignore[no-untyped-def]
    from borderwatch.jobs.roster import worked_duties
    from borderwatch.log.db import open_log
    from borderwatch.log.record import record_night

    engine = open_log(pg_url)
    for night, folder in world["folders"].items():
        record_night(night, world["plan"], folder, engine=engine, network=world["net"])
    engine.dispose()
    names = {str(world["scen"].resolve()), "toy"}
    on_pg = worked_duties(pg_url, names, NEXT, "Asia/Shanghai")
    on_sqlite = worked_duties(world["url"], names, NEXT, "Asia/Shanghai")
    assert on_pg == on_sqlite
    assert [(d.night, d.team, d.worked) for d in on_pg] == [
        (SAT, "T1", True), (SAT, "T2", False), (SUN, "T1", True), (SUN, "T2", True),
    ]  # fmt: skip


def _history(folder: Path, rows: list[dict[str, str]]) -> Path:
    week = folder / "2026-W50"
    week.mkdir(parents=True)
    cols = ["week", "date", "weekday", "shift", "start", "end", "night", "person", "name",
            "role", "township", "place", "variant"]  # fmt: skip
    with (week / "roster.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, cols)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})
    return folder


def _patrol(person: str, team: str, day: date) -> dict[str, str]:
    start = datetime.combine(day, datetime.min.time()) + timedelta(hours=19, minutes=30)
    return {
        "week": "2026-W50", "date": day.isoformat(), "weekday": str(day.weekday()),
        "shift": "patrol", "start": start.isoformat(timespec="minutes"),
        "end": (start + timedelta(hours=11)).isoformat(timespec="minutes"), "night": "1",
        "person": person, "role": "team_member", "place": team, "variant": f"{team}-f0",
    }  # fmt: skip


def test_worked_rules(tmp_path: Path) -> None:
    """The rules of read_history on a hand-written week (no solver): each case its own person."""
    rows = [
        _patrol("dropped", "T1", SAT),  # T1 does not drive on Saturday
        _patrol("dropped", "T2", date(2026, 12, 10)),  # an earlier night, not in the log
        _patrol("late", "T2", SAT),  # T2 starts 45 min late, drives to the end
        _patrol("stopped", "T3", SAT),  # T3 stops 7 h early: 4 of 11 h, no night duty
        _patrol("half", "T4", SAT),  # T4 stops 5 h early: 6 of 11 h, still a night duty
        _patrol("long", "T5", SAT),  # T5's last fix at 08:00, after its 06:30 return
        _patrol("planned", "T6", SAT),  # not in the log: as rostered
    ]
    hist_dir = _history(tmp_path / "h", rows)
    sun8 = datetime(2026, 12, 13, 8, 0)
    worked = [
        WorkedDuty(SAT, "T1", False),
        WorkedDuty(SAT, "T2", True, late_min=45.0, last_fix=datetime(2026, 12, 13, 6, 0)),
        WorkedDuty(SAT, "T3", True, early_min=420.0, last_fix=datetime(2026, 12, 12, 23, 0)),
        WorkedDuty(SAT, "T4", True, early_min=300.0, last_fix=datetime(2026, 12, 13, 1, 0)),
        WorkedDuty(SAT, "T5", True, last_fix=sun8),
    ]
    plain = read_history(hist_dir, NEXT)
    hist = read_history(hist_dir, NEXT, worked=worked)
    base = datetime.combine(NEXT, datetime.min.time())

    def minutes(t: datetime) -> int:
        return int((t - base).total_seconds() // 60)

    planned_end = minutes(datetime(2026, 12, 13, 6, 30))
    assert plain.cum_nights == dict.fromkeys(
        ["dropped", "late", "stopped", "half", "long", "planned"], 1
    ) | {"dropped": 2}
    assert plain.worked is None and all(v == planned_end for k, v in plain.last_end.items()
                                        if k != "dropped")  # fmt: skip
    assert hist.cum_nights == {"dropped": 1, "late": 1, "half": 1, "long": 1, "planned": 1}
    # the dropped night is no duty: the latest is Thursday's
    assert hist.last_end["dropped"] == minutes(datetime(2026, 12, 11, 6, 30))
    assert hist.last_end["late"] == planned_end
    assert hist.last_end["stopped"] == planned_end - 420
    assert hist.last_end["half"] == planned_end - 300
    assert hist.last_end["long"] == minutes(sun8)
    assert hist.last_end["planned"] == planned_end
    assert hist.worked is not None
    assert hist.worked["night_duties"] == {"planned": 5, "worked": 3}
    assert [(c["team"], c["night_duty"]) for c in hist.worked["changed"]] == [
        ("T1", False), ("T3", False), ("T4", True), ("T5", True),
    ]  # fmt: skip


def test_a_missing_log_is_refused(tmp_path: Path) -> None:
    """--from-log with a log that does not exist names it, and creates nothing."""
    from borderwatch.errors import LogError
    from borderwatch.jobs.roster import worked_duties

    url = f"sqlite:///{tmp_path / 'nowhere' / 'log.sqlite'}"
    with pytest.raises(LogError, match="no duty log here"):
        worked_duties(url, {"toy"}, NEXT, "Asia/Shanghai")
    assert not (tmp_path / "nowhere").exists()
