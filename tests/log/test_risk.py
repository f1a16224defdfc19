"""Risk from the log: incidents raise the weights near them, decayed by age, with an interval;
``plan --risk-from-log`` reads them."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from borderwatch.log.db import open_log
from borderwatch.log.inputs import read_plan_folder
from borderwatch.log.record import record_night
from borderwatch.log.risk import risk_from_log
from tests.log.conftest import NIGHT, run_cli
from tests.log.test_record import _drive

pytestmark = pytest.mark.slow


def test_incidents_raise_nearby_weights_and_decay(toy_plan: Path, tmp_path: Path) -> None:
    from borderwatch.data import build_network
    from borderwatch.data.load import load_scenario

    net = build_network(load_scenario(read_plan_folder(toy_plan).scenario))
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    n0 = date.fromisoformat(NIGHT)
    inc = tmp_path / "inc.csv"  # at km ~2 of the toy border
    inc.write_text("time,lon,lat,kind,outcome\n23:10,107.0194,22.049,smuggling,caught\n")
    none = tmp_path / "none.csv"
    none.write_text("time,lon,lat,kind,outcome\n")
    for k, f in ((0, inc), (1, none)):
        night = n0 + timedelta(days=k)
        record_night(
            night, toy_plan, _drive(toy_plan, night, tmp_path / str(k)), db=db, incidents=f
        )
    engine = open_log(db)
    soon = risk_from_log(engine, net, n0 + timedelta(days=2))
    later = risk_from_log(engine, net, n0 + timedelta(days=90))
    km = soon.rate["start_km"].to_numpy()
    near, far = np.argmin(np.abs(km - 2.0)), np.argmin(np.abs(km - 9.0))
    assert soon.nights == 2 and soon.incidents == 1
    assert soon.weights[near] > soon.weights[far] + 0.5
    assert soon.weights.min() >= 1.0
    r = soon.rate.iloc[near]
    assert r["q05"] < r["mean"] < r["q95"]
    # three months on, the incident counts less (its weight gain shrinks)
    assert later.weights[near] - later.weights[far] < soon.weights[near] - soon.weights[far]
    # nothing before the first night: prior only, the same weight everywhere
    empty = risk_from_log(engine, net, n0)
    assert empty.nights == 0 and np.allclose(empty.weights, empty.weights[0])


def test_plan_reads_the_log(toy_plan: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    assert (
        run_cli(
            "log",
            "record",
            NIGHT,
            "--plan",
            str(toy_plan),
            "--gpx",
            str(toy_plan / "gpx"),
            "--db",
            db,
        ).returncode
        == 0
    )
    scen = read_plan_folder(toy_plan).scenario
    nxt = (date.fromisoformat(NIGHT) + timedelta(days=1)).isoformat()
    res = run_cli(
        "plan",
        scen,
        "--out",
        str(tmp_path / "p"),
        "--night",
        nxt,
        "--max-iterations",
        "20",
        "--no-map",
        "--risk-from-log",
        "--db",
        db,
    )
    assert res.returncode == 0, res.stderr
    assert "risk from the duty log: 1 nights, 0 incidents" in res.stdout
    # the plan's files say it (walk12: only the terminal did, so two plans of the same
    # inputs differed by the log and their files did not say why)
    plan = json.loads((tmp_path / "p" / "plan.json").read_text(encoding="utf-8"))
    risk = plan["risk_from_log"]
    assert (risk["nights"], risk["first_night"], risk["last_night"]) == (1, NIGHT, NIGHT)
    assert risk["incidents"] == 0 and risk["log"].endswith("log.sqlite")
    report = (tmp_path / "p" / "report.txt").read_text(encoding="utf-8")
    low, high = risk["weights"]
    assert any(
        "log.sqlite" in line
        and f"{NIGHT}" in line
        and f"{low:.2f}" in line
        and f"{high:.2f}" in line
        for line in report.splitlines()
    ), report
    # a plan in sectors takes the scenario's incidents: refused, not silently ignored
    res = run_cli(
        "plan", scen, "--out", str(tmp_path / "s"), "--night", nxt, "--sectors", "2",
        "--workers", "0", "--risk-from-log", "--db", db,
    )  # fmt: skip
    assert res.returncode == 2 and "--risk-from-log" in res.stderr + res.stdout
    assert not (tmp_path / "s").exists()
