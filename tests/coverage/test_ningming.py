"""The coverage engine on the embedded Ningming scenario: the files and figures a commander reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderwatch.coverage import coverage_report, site_checkpoints, write_coverage
from borderwatch.data import embedded_scenarios

pytestmark = [
    pytest.mark.skipif("ningming" not in embedded_scenarios(), reason="no embedded Ningming"),
    pytest.mark.slow,
]


def test_ningming_gaps_add_up_and_are_written(ningming_net, tmp_path: Path) -> None:
    rep = coverage_report(ningming_net)
    s = write_coverage(rep, tmp_path / "gaps")
    assert s["watched_km"] + s["gap_km"] == pytest.approx(s["border_km"], abs=1e-9)
    assert 0 < s["watched_pct"] < 100
    assert s["n_checkpoints"] == 143 and s["n_teams"] == 17
    assert s["longest_gap"]["length_km"] == pytest.approx(rep.gaps["length_km"].max(), abs=1e-3)
    assert json.loads((tmp_path / "gaps" / "summary.json").read_text(encoding="utf-8")) == s
    towns = rep.grids[rep.grids["level"] == "township"]
    assert len(towns) >= 4
    assert towns["border_km"].sum() == pytest.approx(s["border_km"], abs=1e-3)
    # every gap has a reason and lies in a named township
    assert (rep.gaps["why"].str.len() > 0).all()
    assert (rep.gaps["township"].str.len() > 0).all()


def test_ningming_response_and_siting(ningming_net) -> None:
    rep = coverage_report(ningming_net, criterion=("checkpoint", "response"))
    assert rep.summary["median_response_min"] < rep.summary["worst_response_min"]
    res = site_checkpoints(ningming_net, 5)
    assert res.summary["gap_pct"] <= 1e-6
    assert res.summary["objective"] >= res.summary["greedy_objective"] - 1e-9
    assert res.summary["watched_after_km"] > res.summary["watched_before_km"]
