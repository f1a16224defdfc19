"""The rules behind "one night, one truth" (issue #21), each on its own, fast.

The artefacts of a real night are read in tests/cli/test_one_truth.py (slow);
here: the formatting rule, gap ids, team styles, loop listing, target checks,
take-over tiling and self-describing folders, with the cases of the issue.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderwatch.coverage.gaps import target_check, target_lines
from borderwatch.describe import SCHEMA_VERSION, list_files, rewrite_summary
from borderwatch.fmt import gap_id, gap_ids, km, minutes, minutes_over, pct
from borderwatch.identity import team_style, team_styles
from borderwatch.plan.laps import laps
from borderwatch.plan.replan.model import Takeover
from borderwatch.plan.replan.takeovers import _tile


def test_one_text_per_figure_whatever_its_rounding() -> None:
    # a raw figure and the figure read back from JSON print alike (T04: "6.2" and "6.1 min")
    assert minutes(6.1499) == minutes(6.15) == "6.2 min"
    # units of 250 m: never "2.2 km" beside "2.25 km"
    assert km(2.25) == "2.25 km" and km(2.25, "") == "2.25"
    assert pct(97.8312) == "97.8 %"
    assert minutes(math.nan) == "—" and km(None) == "—" and minutes(math.inf) == "∞ min"
    # "worst 43.6 min, over by 13.6 min": the excess is the difference of the printed texts
    assert minutes(43.65) == "43.6 min" and minutes_over(43.65, 30.0) == "13.6 min"


def test_gap_ids_are_chainage() -> None:
    assert gap_id(5.25, 5.75) == "G5.25-5.75"
    assert gap_id(52.25, 52.5) == "G52.25-52.50"
    # two stretches two decimals cannot tell apart: three decimals for all
    assert gap_ids([1.001, 1.004], [1.006, 1.008]) == ["G1.001-1.006", "G1.004-1.008"]
    assert gap_ids([5.25, 8.5], [5.75, 9.0]) == ["G5.25-5.75", "G8.50-9.00"]


def test_team_style_is_fixed_by_the_scenario_not_by_tonight() -> None:
    scenario = [f"T{i:02d}" for i in range(1, 18)]
    all_teams = team_styles(scenario)
    assert all_teams["T06"] == team_style(5) and all_teams["T10"] == team_style(9)
    # T05 dropped: nobody's style moves (the styles come from the scenario, not the plan)
    assert team_styles(scenario) == all_teams
    assert len(set(all_teams.values())) == 17
    assert {d for _, d in list(all_teams.values())[:9]} == {""}  # hue first: nine solid


def test_loops_listed_fit_the_window() -> None:
    # --n-teams 6, T17: a 149.9-min loop in a 600-min night: no 05:59 fragment
    four = laps(149.9, 600.0)
    assert four.starts == pytest.approx((0.0, 149.9, 299.8, 449.7)) and four.full == 4
    assert four.partial_min == 0.0 and "05:59" not in four.text(20 * 60)
    # a last partial loop is said as partial, with its minutes
    t01 = laps(27.9, 600.0)
    assert t01.full == 21 and t01.partial_min == pytest.approx(600 - 21 * 27.9)
    assert "21 loops + 1 partial: 14.1 min of 27.9 min" in t01.text(20 * 60)
    # a 417-min loop in an 8-h night: one whole loop, then a partial one, said
    real = laps(417.0, 480.0)
    assert real.full == 1 and real.partial_min == pytest.approx(63.0)
    assert "(last partial: 63.0 min of 417.0 min)" in real.text(21 * 60)
    # a loop longer than the night is flagged with what would fix it
    long = laps(650.0, 600.0)
    assert long.longer_than_night and "another team" in long.text(20 * 60)
    # a loop ending within 6 s of the window end is whole (rounding, not a partial loop)
    assert laps(600 / 7 + 0.01, 600.0).partial_min == 0.0
    # a phased variant: starts before the window are kept, none in the last minute
    phased = laps(100.0, 600.0, -30.0)
    assert phased.starts == (-30.0, 70.0, 170.0, 270.0, 370.0, 470.0, 570.0)
    assert phased.full == 6 and phased.partial_min == pytest.approx(30.0)


def _table(worst: list[float], response: list[float]) -> pd.DataFrame:
    n = len(worst)
    start = np.arange(n) * 250.0
    return pd.DataFrame(
        {
            "part": 0,
            "start_m": start,
            "end_m": start + 250.0,
            "length_m": 250.0,
            "worst_revisit_min": worst,
            "never_passed": [w >= 600 for w in worst],
            "response_min": response,
        }
    )


def test_targets_say_met_or_not_by_how_much_and_where() -> None:
    # --max-revisit 60 with a worst of 88.1: not met, 28.1 over, at km 0.50-1.00
    table = _table([40.0, 50.0, 88.1, 70.0, 600.0], [10.0, 12.0, 14.0, math.inf, 20.0])
    check = target_check(table, max_revisit_min=60.0, max_response_min=30.0)
    rv, rs = check["revisit"], check["response"]
    assert not rv["met"] and rv["worst_min"] == 88.1 and rv["over_min"] == pytest.approx(28.1)
    assert rv["where"] == [{"start_km": 0.5, "end_km": 1.0, "worst_min": 88.1}]
    assert rv["over_km"] == 0.5 and rv["never_passed_km"] == 0.25
    assert not rs["met"] and rs["over_min"] is None and rs["where"][0]["worst_min"] is None
    text = "\n".join(target_lines(check, window="20:00-06:00"))
    assert (
        "revisit target 60.0 min (20:00-06:00): NOT MET, worst 88.1 min (over by 28.1 min)" in text
    )
    assert "km 0.50-1.00 (88.1 min)" in text and "unreachable" in text
    ok = target_check(table, max_revisit_min=120.0, max_response_min=math.inf)
    assert ok["revisit"]["met"] and "met (worst 88.1 min)" in target_lines(ok)[0]


def test_takeover_spans_never_overlap() -> None:
    mid = np.arange(0.125, 40, 0.25)
    after = pd.DataFrame({"team": ["T06", "T07"], "unit": [90, 85], "t": [400.0, 380.0]})
    spans = [
        Takeover("T07", "T05", (1,), 21.0, 23.0, 438.0),
        Takeover("T06", "T05", (2,), 21.75, 26.75, 378.0),
        Takeover("T07", "T05", (3,), 26.0, 28.0, 427.0),
        Takeover("T12", "T05", (4,), 24.0, 25.0, 420.0),  # inside T06's: said by T06's line
    ]
    tiled = _tile(spans, mid, after)
    ranges = [(t.team, t.km_from, t.km_to) for t in tiled]
    assert ranges == [("T07", 21.0, 23.0), ("T06", 23.0, 26.75), ("T07", 26.75, 28.0)]
    for a, b in zip(tiled, tiled[1:], strict=False):
        assert b.km_from >= a.km_to


def test_summary_lists_exactly_its_folder(tmp_path: Path) -> None:
    (tmp_path / "gpx").mkdir()
    for name in ("plan.json", "report.txt", "gpx/T01.gpx", ".borderwatch.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "summary.json").write_text(json.dumps({"files": ["gaps.csv"]}), encoding="utf-8")
    data = rewrite_summary(tmp_path, "summary.json", {"command": "plan"})
    assert data["files"] == ["gpx/T01.gpx", "plan.json", "report.txt", "summary.json"]
    assert data["schema_version"] == SCHEMA_VERSION and data["command"] == "plan"
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == data
    assert list_files(tmp_path) == data["files"]


def test_a_short_loop_keeps_its_roads_or_reinforces_a_checkpoint(tmp_path: Path) -> None:
    """T04's rule: a loop below min_loop_min is kept only while some of its roads are its alone."""
    from borderwatch import build_network, load_scenario
    from borderwatch.plan.night import short_loop_rule
    from borderwatch.routing.patrol import TeamRoute
    from tests.helpers import add_twin_team, write_toy_scenario

    net = build_network(load_scenario(add_twin_team(write_toy_scenario(tmp_path / "toy"))))
    out_and_back = ((0, True), (0, False))
    short = TeamRoute("T1", "pickup", out_and_back, (True, False), (180.0, 180.0))
    # nobody else drives edge 0: kept, with how much only it drives and the alternative
    other = TeamRoute("T2", "pickup", ((1, True), (1, False)), (True, False), (600.0, 600.0))
    kept = short_loop_rule(net, [short, other], 0, short, 20.0)
    assert kept.on_patrol and "kept: only it drives" in kept.note
    assert "alternative: reinforce checkpoint" in kept.note
    # T2's loop drives edge 0 too: T1 gains the border nothing there and reinforces a checkpoint
    both = TeamRoute(
        "T2", "pickup", ((0, True), (1, True), (1, False), (0, False)), (False,) * 4, (1.0,) * 4
    )
    moved = short_loop_rule(net, [short, both], 0, short, 20.0)
    assert not moved.on_patrol and moved.status == "standby"
    assert moved.standby_reason.startswith("checkpoint reinforcement at checkpoint ")
    assert "every road it serves is driven by another team" in moved.standby_reason


def test_one_word_one_time_across_map_report_and_briefing() -> None:
    """A label names one kind of time in every artefact: the briefing's 出发时间 is the
    leave-base time, so the map's tooltip of the loop schedule ("20:00 起每 27.9 分钟一圈")
    may not be called 出发时间 too (T06: leaves 18:54, loops from 20:00; walk12). The map
    says what report.txt's column of the same text says."""
    from borderwatch.i18n import report_labels
    from borderwatch.maps._i18n import labels
    from borderwatch.maps.brief.labels import brief_labels

    for lang in ("zh", "en"):
        leave = brief_labels(lang)["leave_base"]
        assert labels(lang)["start_times"] != leave, lang
    assert labels("zh")["start_times"] == report_labels("zh")["col_loops"]
