"""The front door: ``bw.find_gaps``, ``bw.plan_night`` and ``bw.replan`` on a generated scenario folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import borderwatch as bw
from borderwatch.config import SearchParams
from borderwatch.data.scenario_io import write_scenario
from borderwatch.data.synthetic import generate_scenario


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("front") / "scn"
    write_scenario(generate_scenario(20, seed=3), out)
    return out


def test_find_gaps_returns_the_report_and_writes_the_folder(folder: Path, tmp_path: Path) -> None:
    report = bw.find_gaps(folder)
    assert len(report.units) > 0 and "watched_pct" in report.summary
    again = bw.find_gaps(folder, out=tmp_path / "gaps", map_html=False)
    written = json.loads((tmp_path / "gaps" / "summary.json").read_text(encoding="utf-8"))
    assert written["watched_pct"] == again.summary["watched_pct"] == report.summary["watched_pct"]


@pytest.mark.slow
def test_plan_night_then_replan(folder: Path, tmp_path: Path) -> None:
    in_memory = bw.plan_night(
        folder, night="2026-12-17", search=SearchParams(max_iterations=30, seed=1)
    )
    plan = bw.plan_night(
        folder,
        night="2026-12-17",
        out=tmp_path / "p",
        map_html=False,
        search=SearchParams(max_iterations=30, seed=1),
    )
    # the same search either way: the folder holds the plan that was returned
    assert plan.result.max_cost == in_memory.result.max_cost
    recorded = json.loads((tmp_path / "p" / "plan.json").read_text(encoding="utf-8"))
    assert recorded["night"] == "2026-12-17"
    working = [r.team for r in plan.routes if r.on_patrol]
    rp = bw.replan(
        tmp_path / "p", at="02:10", drop=[working[0]], out=tmp_path / "r", map_html=False
    )
    assert working[0] not in {r.team for r in rp.plan.routes if r.on_patrol}
    assert (tmp_path / "r" / "diff.txt").is_file()
    with pytest.raises(bw.ConfigError, match="--at"):
        bw.replan(tmp_path / "p", at="12:00")
