"""One truth per figure: report.txt, summary.json, plan.json and the map say the same thing."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from borderwatch import build_network
from borderwatch.config import SearchParams
from borderwatch.data.synthetic import generate_scenario
from borderwatch.jobs import run_plan


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    net = build_network(generate_scenario(20, seed=3))
    out = tmp_path_factory.mktemp("plan")
    run_plan(
        net,
        out,
        night=date(2026, 12, 1),
        lang="en",
        search=SearchParams(max_iterations=100, seed=0),
    )
    return out


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_worst_revisit_agrees_everywhere(plan_dir: Path) -> None:
    plan = _json(plan_dir / "plan.json")
    summary = _json(plan_dir / "summary.json")
    report = (plan_dir / "report.txt").read_text(encoding="utf-8")
    worst = plan["worst_revisit_min"]
    assert worst < 600.0  # among patrolled units, not the never-passed ones
    assert summary["worst_revisit_min"] == worst
    assert plan["coverage_after"]["worst_revisit_min"] == worst
    assert plan["worst_revisit_at"]["worst_revisit_min"] == worst
    assert f"worst revisit interval {worst:.1f} min" in report
    html = (plan_dir / "map.html").read_text(encoding="utf-8")
    shown = re.findall(r"Worst revisit tonight.{0,80}?bw-num.{0,20}?(\d+(?:\.\d+)?) min", html)
    assert shown and all(float(x) == pytest.approx(worst, abs=0.5) for x in shown)


def test_watched_and_never_passed_agree(plan_dir: Path) -> None:
    plan = _json(plan_dir / "plan.json")
    summary = _json(plan_dir / "summary.json")
    report = (plan_dir / "report.txt").read_text(encoding="utf-8")
    after = plan["coverage_after"]
    for key in ("watched_km", "watched_pct", "gap_km", "n_gaps"):
        assert after[key] == summary[key], key
    assert f"{after['watched_pct']:.1f} % watched" in report
    assert plan["never_passed"]["km"] == summary["never_passed_km"]
    if summary["never_passed_km"] > 0:
        assert f"never passed: {summary['never_passed_km']:.2f} km" in report
    # patrolled + never passed = the border
    assert plan["patrolled_km"] + plan["never_passed"]["km"] == pytest.approx(
        plan["border_km"], abs=1e-3
    )


def test_plan_json_route_keys_for_the_briefing(plan_dir: Path) -> None:
    plan = _json(plan_dir / "plan.json")
    report = (plan_dir / "report.txt").read_text(encoding="utf-8")
    for r in plan["routes"]:
        assert r["status"] in ("patrol", "standby")
        assert isinstance(r["standby_reason"], str)
        assert (r["standby_reason"] == "") == (r["status"] == "patrol")
        if r["status"] == "patrol":  # an ISO local time; report.txt prints its clock
            leave = datetime.fromisoformat(r["leave_base"])
            assert leave.tzinfo is not None and leave == datetime.fromisoformat(
                r["variants"][0]["leave_base"]
            )
            line = next(x for x in report.splitlines() if x.startswith(f"{r['team']} "))
            assert leave.strftime("%H:%M") in line
    assert plan["opt_gap_pct"] == plan["gap_pct"]
    assert "optimality gap" in report
