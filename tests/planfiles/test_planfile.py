"""PlanFile: the typed plan.json round-trips, knows its duty leads and tails and a re-plan's cut."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from borderwatch.config import NightWindow
from borderwatch.errors import CoverageError
from borderwatch.planfiles.planfile import SCHEMA_VERSION, PlanFile
from tests.roster.helpers import tiny_plan, tiny_site


def test_round_trip_through_the_file(tmp_path: Path) -> None:
    doc = tiny_plan(tiny_site(crews=(2, 3)), n_variants=4)
    plan = PlanFile.from_dict(doc)
    assert plan.schema_version == SCHEMA_VERSION and plan.teams == ("T1", "T2")
    assert json.loads(plan.dumps()) == doc
    back = PlanFile.read(plan.write(tmp_path / "plan.json"))
    assert back == plan and back.path == tmp_path / "plan.json"
    assert back.dumps() == plan.dumps()


def test_duty_leads_and_tails() -> None:
    plan = PlanFile.from_dict(tiny_plan(tiny_site(), approach_min=10, back_min=12))
    route = plan.route("T1")
    assert route is not None and route.on_patrol
    f0, r1 = route.variant("T1-f0"), route.variant("T1-f1")
    assert f0 is not None and r1 is not None and route.variant("T1-x") is None
    assert (plan.lead_min(f0), plan.tail_min(f0)) == (10.0, 12.0)
    assert plan.lead_min(r1) == 25.0  # 15 min into its loop at 20:00, 10 min from the base
    assert route.leave_base == f0.leave_base and route.leave_base.strftime("%H:%M") == "19:50"


def test_a_replan_keeps_the_original_window_and_carries_its_cut() -> None:
    doc = {**tiny_plan(tiny_site()), "cut_min": 370.0}
    plan = PlanFile.from_dict(doc)
    assert plan.night_window == NightWindow("20:00", "06:00") and plan.night == date(2026, 12, 7)
    assert plan.run_window() == (NightWindow("02:10", "06:00"), date(2026, 12, 8))
    assert plan.window_start().isoformat() == "2026-12-08T02:10:00+00:00"
    berlin = PlanFile.from_dict(
        {**doc, "timezone": "Europe/Berlin", "night": "2026-03-28", "cut_min": 360.0}
    )
    assert berlin.run_window()[0] == NightWindow("03:00", "06:00")  # 02:00 -> 03:00 that night
    with pytest.raises(CoverageError) as err:
        PlanFile.from_dict({**doc, "cut_min": 700.0}, file="p/plan.json")
    assert err.value.field == "cut_min" and err.value.value == 700.0
    assert "p/plan.json" in str(err.value)
