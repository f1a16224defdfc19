"""``log record`` and ``log night`` on the toy scenario: idempotent, refused, equal to gaps --gpx,
concurrent stations, kill -9 at every step of the transaction."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from borderwatch.config import SearchParams
from borderwatch.errors import EXIT_NIGHT_RECORDED, LogError, NightRecordedError
from borderwatch.log import schema as S
from borderwatch.log.db import open_log
from borderwatch.log.inputs import read_plan_folder
from borderwatch.log.record import PAUSE_ENV, STEPS, night_window, record_night
from borderwatch.log.simulate import Deviation, read_plan_tracks, simulate_night, window_end
from tests.log.conftest import NIGHT, fresh_pg, run_cli

N0 = date.fromisoformat(NIGHT)


def _drive(plan: Path, night: date, out: Path, devs: list[Deviation] | None = None) -> Path:
    """The plan's tracks driven on ``night`` with ``devs``."""
    from borderwatch.data import build_network
    from borderwatch.data.load import load_scenario

    pf = read_plan_folder(plan)
    net = build_network(load_scenario(pf.scenario))
    w0, wm = night_window(net, night)
    return simulate_night(
        read_plan_tracks(plan),
        date.fromisoformat(pf.night),
        night,
        out,
        devs or [],
        tz=ZoneInfo("Asia/Shanghai"),
        window_end=window_end(w0, wm),
        loop_min={t.team: t.loop_min for t in pf.teams},
    )


def _counts(url: str) -> dict[str, int]:
    engine = open_log(url)
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in S.metadata.sorted_tables
        }


@pytest.mark.slow
def test_record_is_idempotent_or_refused(
    toy_plan: Path, toy_log_net, db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    gpx = toy_plan / "gpx"
    net = toy_log_net[1]
    first = record_night(N0, toy_plan, gpx, db=db_url, network=net)
    assert first.action == "recorded"
    before = _counts(db_url)
    assert before["nights"] == 1 and before["tracks"] == 1 and before["unit_figures"] > 0
    assert record_night(N0, toy_plan, gpx, db=db_url, network=net).action == "unchanged"
    assert _counts(db_url) == before
    inc = tmp_path / "incidents.csv"
    inc.write_text(
        "time,lon,lat,kind,outcome,cases,people\n23:10,107.03,22.049,smuggling,caught,1,2\n"
    )
    with pytest.raises(NightRecordedError) as info:
        record_night(N0, toy_plan, gpx, db=db_url, incidents=inc, network=net)
    assert info.value.exit_code == EXIT_NIGHT_RECORDED
    assert _counts(db_url) == before
    again = record_night(N0, toy_plan, gpx, db=db_url, incidents=inc, replace=True, network=net)
    assert again.action == "replaced"
    after = _counts(db_url)
    assert after["nights"] == 1 and after["incidents"] == 1
    assert after["unit_figures"] == before["unit_figures"]


@pytest.mark.slow
def test_cli_refusal_has_its_own_exit_code(toy_plan: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    args = ["log", "record", NIGHT, "--plan", str(toy_plan), "--db", db]
    assert run_cli(*args, "--gpx", str(toy_plan / "gpx")).returncode == 0
    res = run_cli(*args, "--gpx", str(toy_plan / "gpx"))
    assert res.returncode == 0 and "same content" in res.stdout
    late = _drive(toy_plan, N0, tmp_path / "late", [Deviation("late", "T1", {"minutes": 30})])
    res = run_cli(*args, "--gpx", str(late))
    assert res.returncode == EXIT_NIGHT_RECORDED, res.stderr
    assert "already" in res.stderr


@pytest.mark.slow
def test_night_json_equals_a_gaps_replay(toy_plan: Path, tmp_path: Path) -> None:
    """The recorded achieved figures are what ``gaps --gpx`` writes for the same tracks."""
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    driven = _drive(toy_plan, N0, tmp_path / "driven", [Deviation("late", "T1", {"minutes": 50})])
    res = run_cli("log", "record", NIGHT, "--plan", str(toy_plan), "--gpx", str(driven), "--db", db)
    assert res.returncode == 0, res.stderr
    res = run_cli("log", "night", NIGHT, "--json", "--db", db)
    assert res.returncode == 0, res.stderr
    logged = json.loads(res.stdout)
    scen = json.loads((toy_plan / "summary.json").read_text())["source"]
    scen_dir = (toy_plan / scen).resolve()
    out = tmp_path / "gaps"
    res = run_cli(
        "gaps",
        str(scen_dir),
        "--criterion",
        "revisit",
        "--gpx",
        str(driven),
        "--out",
        str(out),
        "--no-map",
    )
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    summary.pop("files")  # about the folder, not the night
    summary.pop("command", None)
    # the scenario folder: relative to the gaps folder there, absolute in the log
    assert Path(out / summary.pop("source")).resolve() == Path(logged["source"]).resolve()
    for key, value in summary.items():
        assert logged[key] == value, key
    late = [s for s in logged["stretches"] if s["kind"] == "late start"]
    assert (
        late and late[0]["team"] == "T1" and late[0]["from"] == "20:00" and late[0]["to"] == "20:50"
    )
    t1 = logged["teams"][0]
    assert t1["late_min"] == 50.0 and t1["loops_driven"] < t1["loops_planned"]


def test_bad_incident_names_file_line_and_field(toy_plan: Path, tmp_path: Path) -> None:
    inc = tmp_path / "incidents.csv"
    inc.write_text(
        "time,lon,lat,kind,outcome\n23:10,107.03,22.049,smuggling,caught\n23:30,east,22.0,x,y\n"
    )
    with pytest.raises(LogError) as info:
        record_night(
            N0, toy_plan, toy_plan / "gpx", db=f"sqlite:///{tmp_path / 'l.sqlite'}", incidents=inc
        )
    msg = str(info.value)
    assert str(inc) in msg and "line 3, lon" in msg and "'east'" in msg


def test_a_replan_folder_is_refused_naming_its_cut(toy_plan: Path, tmp_path: Path) -> None:
    """A re-plan's loops start at its cut, so the log read the whole night of one as 0 %
    watched and a worst revisit of the cut's minutes, as planned (Ningming cut at 23:30:
    'plan 0.0 %', 'plan 317.9 min'; walk12). Refused, naming the cut; no log is left."""
    from borderwatch import replan

    folder = tmp_path / "replan"
    replan(toy_plan, at="23:00", out=folder, map_html=False)
    db = tmp_path / "l.sqlite"
    with pytest.raises(LogError) as info:
        record_night(N0, folder, toy_plan / "gpx", db=f"sqlite:///{db}")
    msg = str(info.value)
    assert f"{folder / 'plan.json'}, field 'cut_min'" in msg and "cut at 23:00" in msg, msg
    assert not db.exists()


def test_a_night_not_in_the_log_names_the_log_and_its_nights(
    toy_plan: Path, tmp_path: Path
) -> None:
    """`log night` of a date not recorded said only 'night not in the duty log': with
    the default log in the home folder, a user with the wrong --db could not tell (walk12)."""
    from borderwatch.log.query import read_night

    url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    engine = open_log(url)
    with pytest.raises(LogError, match=rf"not in the duty log {url} \(it holds no night\)"):
        read_night(engine, N0)
    record_night(N0, toy_plan, toy_plan / "gpx", db=url)
    with pytest.raises(LogError) as info:
        read_night(engine, N0 + timedelta(days=2))
    assert f"{url} (it holds 1 night(s), {NIGHT} .. {NIGHT})" in str(info.value)


@pytest.mark.slow
def test_a_scenario_folder_is_kept_absolute_and_a_report_of_two_is_refused(
    toy_plan: Path, toy_log_net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The log kept a scenario folder as the plan folder's path joined with its source,
    relative to where `log record` ran ('pj/../g30'): `log report` from another directory
    said "unknown scenario 'pj/../g30'", and the same night recorded from two directories
    was 'other content' (exit 6). A week holding nights of two scenarios ended in a
    numpy broadcast traceback (416 vs 120 units), and `plan --risk-from-log` counted the
    other scenario's nights and unit figures as its own. walk12."""
    from borderwatch.jobs import run_plan
    from borderwatch.log.query import read_night
    from borderwatch.log.report import report_html

    url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    monkeypatch.chdir(toy_plan.parent)
    record_night(N0, Path(toy_plan.name), Path(toy_plan.name) / "gpx", db=url)
    engine = open_log(url)
    scenario = read_night(engine, N0).scenario
    assert Path(scenario).is_absolute() and Path(scenario).is_dir(), scenario
    monkeypatch.chdir(toy_plan.parent.parent)
    rel = Path(toy_plan.parent.name) / toy_plan.name
    assert record_night(N0, rel, rel / "gpx", db=url).action == "unchanged"
    assert "<html" in report_html(engine, day=N0)  # its scenario found from here
    # another scenario's night in the same week (the toy scenario copied: another folder)
    other = tmp_path / "other"
    shutil.copytree(scenario, other / "toy")
    from borderwatch.data import build_network
    from borderwatch.data.load import load_scenario

    run_plan(
        build_network(load_scenario(other / "toy")),
        other / "plan",
        night=N0 + timedelta(days=1),
        map_html=False,
        search=SearchParams(max_iterations=50),
    )
    record_night(N0 + timedelta(days=1), other / "plan", other / "plan" / "gpx", db=url)
    with pytest.raises(LogError, match=r"the period holds nights of 2 scenarios \("):
        report_html(engine, week="2026-W51")
    # plan --risk-from-log counts this scenario's nights only: another border's unit
    # numbers are not these units (its night counted, its units' misses added)
    from borderwatch.log.risk import risk_from_log

    later = N0 + timedelta(days=5)
    assert risk_from_log(engine, toy_log_net[1], later).nights == 1
    assert risk_from_log(engine, build_network(load_scenario(other / "toy")), later).nights == 1


def test_tracks_of_another_night_are_refused(toy_plan: Path, tmp_path: Path) -> None:
    with pytest.raises(LogError, match="no fix in the night"):
        record_night(
            N0 + timedelta(days=3),
            toy_plan,
            toy_plan / "gpx",
            db=f"sqlite:///{tmp_path / 'l.sqlite'}",
        )


def _record_args(plan: Path, night: date, gpx: Path, db: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "borderwatch",
        "log",
        "record",
        night.isoformat(),
        "--plan",
        str(plan),
        "--gpx",
        str(gpx),
        "--db",
        db,
    ]


@pytest.mark.slow
@pytest.mark.parametrize("engine_kind", ["sqlite", "postgresql"])
def test_two_stations_record_different_nights_at_once(
    toy_plan: Path, tmp_path: Path, engine_kind: str
) -> None:
    gen = fresh_pg() if engine_kind == "postgresql" else None
    db = next(gen) if gen else f"sqlite:///{tmp_path / 'log.sqlite'}"
    try:
        nights = [N0 + timedelta(days=k) for k in range(1, 3)]
        folders = [_drive(toy_plan, n, tmp_path / n.isoformat()) for n in nights]
        procs = [
            subprocess.Popen(
                _record_args(toy_plan, n, f, db),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n, f in zip(nights, folders, strict=True)
        ]
        for p in procs:
            _out, err = p.communicate(timeout=600)
            assert p.returncode == 0, err
        c = _counts(db)
        assert c["nights"] == 2 and c["tracks"] == 2
    finally:
        if gen:
            gen.close()


def _consistent(db: str, complete: dict[str, int]) -> bool:
    """The log holds the night completely (``complete`` rows per table) or not at all."""
    c = _counts(db)
    if c["nights"] == 0:
        assert all(v == 0 for v in c.values()), c
        return False
    assert c == complete, c
    return True


@pytest.mark.slow
def test_kill_at_every_step_leaves_the_night_absent_or_complete(
    toy_plan: Path, tmp_path: Path
) -> None:
    inc = tmp_path / "incidents.csv"
    inc.write_text("time,lon,lat,kind,outcome\n23:10,107.03,22.049,smuggling,caught\n")
    ref = f"sqlite:///{tmp_path / 'ref.sqlite'}"
    record_night(N0, toy_plan, toy_plan / "gpx", db=ref, incidents=inc)
    complete = _counts(ref)
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    args = [*_record_args(toy_plan, N0, toy_plan / "gpx", db), "--incidents", str(inc)]
    for step in STEPS:
        p = subprocess.Popen(
            args,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env={**os.environ, PAUSE_ENV: step},
        )
        assert p.stderr is not None
        for line in p.stderr:
            if line.startswith(f"paused at {step}"):
                break
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert not _consistent(db, complete), step  # killed inside the transaction: absent
    # kills after random delays: absent or complete, never a part
    rng = random.Random(26)
    seen = set()
    for _ in range(6):
        p = subprocess.Popen(args, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 6.0))
        p.send_signal(signal.SIGKILL)
        p.wait()
        seen.add(_consistent(db, complete))
    res = run_cli(*args[3:])
    assert res.returncode == 0, res.stderr
    assert _consistent(db, complete)


def test_record_parses_each_gpx_file_once(
    toy_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record reads each GPX (driven and planned) once and hands the reading to the replay."""
    import borderwatch.coverage.gpx as gpx
    from borderwatch.log.record import prepare_night

    driven = _drive(toy_plan, N0, tmp_path / "driven")
    files = sorted(driven.glob("*.gpx")) + sorted((toy_plan / "gpx").glob("*.gpx"))
    parsed: list[str] = []
    real = gpx._plain_gpx

    def counting(text: str) -> gpx.ParsedGpx:  # an instrument around the real parser
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(gpx, "_plain_gpx", counting)
    night = prepare_night(N0, toy_plan, driven)
    assert night is not None
    assert len(parsed) == len(files) == len(set(parsed)), (len(parsed), len(files))
