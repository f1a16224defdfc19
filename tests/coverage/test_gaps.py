"""Gaps, grid tables, summaries and the written report: hand cases and invariants."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch import BorderwatchError, PlanConfig, ScenarioWarning, build_network, load_scenario
from borderwatch.coverage import (
    CoverageError,
    PatrolTimeline,
    coverage_report,
    find_gaps,
    format_summary,
    unit_coverage,
    watched_mask,
    write_coverage,
)
from borderwatch.coverage.gaps import REASONS, reason_text
from borderwatch.coverage.report import COVERAGE_FILES
from borderwatch.data.units import unit_runs as _runs
from tests.coverage.helpers import straight_scenario


@pytest.fixture(scope="module")
def synth_net():
    synthetic = pytest.importorskip("borderwatch.data.synthetic")
    return build_network(synthetic.generate_scenario(30, seed=3))


def test_one_checkpoint_in_the_middle_leaves_two_gaps() -> None:
    net = build_network(straight_scenario(1500.0))
    rep = coverage_report(net, criterion="checkpoint")
    gaps = rep.gaps
    # ids by chainage (borderwatch.fmt.gap_id), the same stretch the same id in every output
    assert list(gaps.index) == ["G0.00-3.50", "G6.50-10.00"]
    assert gaps["start_km"].tolist() == pytest.approx([0.0, 6.5], abs=1e-3)
    assert gaps["end_km"].tolist() == pytest.approx([3.5, 10.0], abs=1e-3)
    assert gaps["length_km"].tolist() == pytest.approx([3.5, 3.5], abs=1e-3)
    assert (gaps["nearest_checkpoint"] == "CP1").all()
    assert gaps["why"].str.contains("nearest checkpoint CP1 \\(radius 1.50 km\\)").all()
    assert gaps.loc["G0.00-3.50", "worst_value"] == pytest.approx(
        5000 - 250, abs=1
    )  # unit 0 ends 4.75 km away
    s = rep.summary
    assert s["watched_km"] == pytest.approx(3.0, abs=1e-3)
    assert s["watched_km"] + s["gap_km"] == pytest.approx(s["border_km"], abs=1e-9)
    assert s["longest_gap"]["id"] == "G0.00-3.50"
    assert gaps.crs == net.crs


@pytest.mark.parametrize(
    "criterion",
    ["checkpoint", "response", "road", ("checkpoint", "road"), ["checkpoint", "response"]],
)
def test_watched_plus_gap_km_is_the_border(synth_net, criterion) -> None:
    rep = coverage_report(synth_net, criterion=criterion, max_response_min=15)
    s = rep.summary
    assert s["watched_km"] + s["gap_km"] == pytest.approx(s["border_km"], abs=1e-6)
    assert s["border_km"] == pytest.approx(synth_net.border_m / 1000, abs=1e-3)  # to the metre
    # the gaps are exactly the failing units
    fail_m = rep.units.loc[~rep.units["watched"], "length_m"].sum()
    assert rep.gaps["length_km"].sum() == pytest.approx(fail_m / 1000)
    assert s["gap_km"] == pytest.approx(fail_m / 1000, abs=1e-3)
    assert (np.diff(rep.gaps["length_km"].to_numpy()) <= 1e-3).all()  # longest first (to the metre)
    # a combination watches at least what each of its criteria watches
    if not isinstance(criterion, str):
        for c in criterion:
            assert (
                rep.units["watched"] >= watched_mask(rep.units, criterion=c, max_response_min=15)
            ).all()
    # grid tables add up level by level
    g = rep.grids
    county = g[g["level"] == "county"].iloc[0]
    assert county["border_km"] == pytest.approx(s["border_km"], abs=1e-3)  # summary: to the metre
    assert county["gap_km"] == pytest.approx(s["gap_km"], abs=1e-3)
    for level in ("township", "village", "cell"):
        rows = g[g["level"] == level]
        if len(rows):
            assert rows["border_km"].sum() == pytest.approx(county["border_km"])
            assert rows["gap_km"].sum() == pytest.approx(county["gap_km"])
            assert rows["n_gap_stretches"].sum() >= s["n_gaps"]
    assert ((g["watched_pct"] >= 0) & (g["watched_pct"] <= 100)).all()


def test_no_road_in_view_is_the_reason(toy_dir: Path) -> None:
    with pytest.warns(ScenarioWarning):
        net = build_network(load_scenario(toy_dir), PlanConfig(patrol_view_m=50))
    rep = coverage_report(net, criterion="road")
    assert len(rep.gaps) == 1
    g = rep.gaps.iloc[0]
    assert g["length_km"] == pytest.approx(net.border_m / 1000)
    assert "no road within 0.05 km of the border" in g["why"]


def test_the_toy_road_watches_everything_but_tracks_are_closed_to_pickups(toy_net) -> None:
    rep = coverage_report(toy_net, criterion="road")
    assert rep.summary["gap_km"] == 0 and len(rep.gaps) == 0
    assert rep.summary["watched_pct"] == 100.0


def test_revisit_gaps_from_a_plan(toy_net) -> None:
    walk = [(2, False), (1, True), (3, True), (3, False), (1, False), (2, True)]  # east half only
    tl = PatrolTimeline.from_walks(toy_net, {"T1": walk})
    rep = coverage_report(toy_net, criterion="revisit", timeline=tl, max_revisit_min=60)
    gaps = rep.gaps
    assert len(gaps) >= 1
    west = gaps.iloc[0]
    assert west["start_km"] == 0.0
    assert rep.units.loc[0, "never_passed"]
    assert "no patrol passes all night" in west["why"]
    assert west["worst_revisit_min"] == pytest.approx(600.0)
    # the headline worst revisit is among the patrolled units; never-passed ones are apart
    passed = ~rep.units["never_passed"]
    assert rep.summary["worst_revisit_min"] == pytest.approx(
        rep.units.loc[passed, "worst_revisit_min"].max(), abs=0.01
    )
    assert rep.summary["worst_revisit_min"] < 600.0
    assert rep.summary["never_passed_km"] == pytest.approx(
        rep.units.loc[~passed, "length_m"].sum() / 1000, abs=1e-3
    )
    assert rep.summary["watched_km"] + rep.summary["gap_km"] == pytest.approx(
        rep.summary["border_km"]
    )
    # east of the access road the loop passes often enough
    assert rep.units.loc[30:, "watched"].all()


def test_bad_criteria(toy_net) -> None:
    table = unit_coverage(toy_net, response=False)
    with pytest.raises(CoverageError, match="unknown criterion"):
        find_gaps(toy_net, table, criterion="moon")
    with pytest.raises(CoverageError, match="no criterion"):
        find_gaps(toy_net, table, criterion=[])
    with pytest.raises(CoverageError, match="needs response=True"):
        find_gaps(toy_net, table, criterion="response")
    with pytest.raises(CoverageError, match="needs a timeline"):
        coverage_report(toy_net, criterion="revisit")
    with pytest.raises(CoverageError, match="one row per unit"):
        find_gaps(toy_net, table.iloc[:3])


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 2)), min_size=0, max_size=40))
def test_runs_are_maximal_and_stay_within_a_part(cells) -> None:
    parts = np.sort(np.array([p for _, p in cells], dtype=np.int64))
    fail = np.array([f for f, _ in cells], dtype=bool)
    runs = _runs(fail, parts)
    covered = np.zeros(len(fail), dtype=bool)
    for a, b in runs:
        assert fail[a : b + 1].all()
        assert len(set(parts[a : b + 1])) == 1
        assert not covered[a : b + 1].any()
        covered[a : b + 1] = True
        # maximal: the neighbours either pass or lie in another part
        assert a == 0 or not fail[a - 1] or parts[a - 1] != parts[a]
        assert b == len(fail) - 1 or not fail[b + 1] or parts[b + 1] != parts[b]
    assert (covered == fail).all()


def test_gaps_never_span_border_parts() -> None:
    import shapely

    scen = straight_scenario(1500.0)
    line = shapely.get_coordinates(scen.border)
    mid = (line[0] + line[1]) / 2
    two = shapely.MultiLineString([[line[0], mid], [mid, line[1]]])
    import dataclasses

    net = build_network(dataclasses.replace(scen, border=two))
    rep = coverage_report(net, criterion="checkpoint", response=False)
    assert set(net.units["part"]) == {0, 1}
    for _, g in rep.gaps.iterrows():
        units = net.units[
            (net.units["start_m"] >= g["start_km"] * 1000 - 1e-6)
            & (net.units["end_m"] <= g["end_km"] * 1000 + 1e-6)
        ]
        assert units["part"].nunique() == 1
    assert rep.summary["watched_km"] + rep.summary["gap_km"] == pytest.approx(
        rep.summary["border_km"]
    )


# ---------------------------------------------------------------- written report
def test_write_coverage_files(synth_net, tmp_path: Path) -> None:
    rep = coverage_report(synth_net)
    out = tmp_path / "out"
    summary = write_coverage(rep, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(COVERAGE_FILES)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left
    on_disk = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert on_disk == summary
    assert on_disk["watched_km"] + on_disk["gap_km"] == pytest.approx(
        on_disk["border_km"], abs=1e-6
    )
    gaps_csv = pd.read_csv(out / "gaps.csv", index_col="gap")
    assert len(gaps_csv) == on_disk["n_gaps"] == len(rep.gaps)
    gj = gpd.read_file(out / "gaps.geojson")
    assert gj.crs.to_epsg() == 4326 and len(gj) == len(rep.gaps)
    assert gj["gap"].tolist() == list(rep.gaps.index)
    units = gpd.read_file(out / "units.gpkg", layer="units")
    assert len(units) == len(synth_net.units) and units.crs == synth_net.units.crs
    grids = pd.read_csv(out / "grids.csv")
    assert {"level", "name", "border_km", "gap_km", "watched_pct", "worst_revisit_min"} <= set(
        grids.columns
    )
    text = format_summary(rep)
    assert "watched" in text and (len(rep.gaps) == 0 or str(rep.gaps.index[0]) in text)


@pytest.mark.slow
def test_write_coverage_is_deterministic_and_atomic(synth_net, tmp_path: Path, monkeypatch) -> None:
    rep = coverage_report(synth_net)
    out = tmp_path / "out"
    write_coverage(rep, out)
    first = {
        p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".csv", ".json", ".geojson")
    }
    write_coverage(rep, out)
    again = {
        p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".csv", ".json", ".geojson")
    }
    assert first == again

    # a failure half-way leaves the previous files untouched and no temp folder behind
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", boom)
    with pytest.raises(OSError, match="disk full"):
        write_coverage(rep, out)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in first} == first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_write_coverage_with_no_gaps_and_bad_paths(toy_net, tmp_path: Path) -> None:
    rep = coverage_report(toy_net, criterion="road")
    write_coverage(rep, tmp_path / "o")
    assert json.loads((tmp_path / "o" / "gaps.geojson").read_text())["features"] == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(BorderwatchError, match="not a folder"):
        write_coverage(rep, tmp_path / "file")
    with pytest.raises(BorderwatchError, match="does not exist"):
        write_coverage(rep, tmp_path / "missing" / "deeper")


@pytest.mark.slow
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_no_checkpoint_at_all(tmp_path: Path) -> None:
    import dataclasses

    scen = straight_scenario(1000.0)
    net = build_network(dataclasses.replace(scen, checkpoints=scen.checkpoints.iloc[:0]))
    rep = coverage_report(net)
    assert len(rep.gaps) == 1 and rep.gaps.iloc[0]["why"] == "no checkpoint"
    assert rep.summary["watched_km"] == 0.0
    assert np.isinf(rep.gaps.iloc[0]["nearest_checkpoint_km"])
    assert (rep.units["responder_kind"] == "team").all()
    write_coverage(rep, tmp_path / "o")  # inf is written as null, without warnings
    feature = json.loads((tmp_path / "o" / "gaps.geojson").read_text())["features"][0]
    assert feature["properties"]["nearest_checkpoint_km"] is None


def test_risk_weights_follow_the_incidents() -> None:
    import shapely

    from borderwatch.coverage import risk_weights

    net = build_network(straight_scenario(1000.0))
    none = risk_weights(net, gpd.GeoDataFrame(geometry=[], crs=4326))
    assert (none == 1).all()
    # one incident 300 m off the border at km 2.0, one 20 km away (ignored)
    x0, y0 = net.border.coords[0]
    pts = gpd.GeoSeries(
        [shapely.Point(x0 + 2000, y0 - 300), shapely.Point(x0, y0 - 20_000)], crs=net.crs
    )
    w = risk_weights(net, gpd.GeoDataFrame(geometry=pts), bandwidth_m=500)
    mid = (net.units["start_m"] + net.units["end_m"]).to_numpy() / 2
    expected = 1 + np.exp(-0.5 * ((mid - 2000) / 500) ** 2)
    expected[np.abs(mid - 2000) > 3000] = 1.0
    np.testing.assert_allclose(w, expected, atol=2e-3)
    assert w.argmax() in (7, 8)
    with pytest.raises(CoverageError, match="bandwidth_m"):
        risk_weights(net, bandwidth_m=0)


def test_gap_reasons_in_english_and_chinese() -> None:
    net = build_network(straight_scenario(1500.0))
    rep = coverage_report(net, criterion="checkpoint")
    g = rep.gaps.loc["G0.00-3.50"]
    assert g["why"].startswith("nearest checkpoint CP1 (radius 1.50 km) is ")
    assert g["why_zh"].startswith("最近执勤点 CP1（半径 1.50 km）距该缺口 ")
    facts = [
        ("revisit", {"worst": "95", "target": "60"}),
        ("never_along", {"length": "1.0 km"}),
        ("unreachable", {"target": "30"}),
    ]
    assert reason_text(facts) == (
        "worst revisit 95 min (target 60 min); never passed along 1.0 km; "
        "slowest response unreachable (target 30 min)"
    )
    assert reason_text(facts, "zh") == (
        "最长巡逻间隔 95 分钟（目标 60 分钟）；其中 1.0 km 整夜无巡逻经过；"
        "最慢响应：无法到达（目标 30 分钟）"
    )
    assert set(REASONS["en"]) == set(REASONS["zh"])


def test_a_report_from_known_columns_is_the_report_computed_whole(tmp_path) -> None:
    """The plan job hands coverage_report the coverage before's network columns and the
    plan's revisit table: the same report, frame for frame, as computed from scratch."""
    from borderwatch import build_network
    from borderwatch.config import SearchParams
    from borderwatch.coverage import coverage_report
    from borderwatch.coverage.gaps import STATIC_COLUMNS
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.errors import CoverageError
    from borderwatch.plan.patrols import plan_patrols

    net = build_network(generate_scenario(20, seed=2))
    plan = plan_patrols(net, SearchParams(max_iterations=100, seed=1, bound_rounds=0))
    before = coverage_report(net, criterion=("checkpoint",), max_revisit_min=60.0)
    kw = {"criterion": ("checkpoint", "revisit"), "timeline": plan.schedule.timeline}
    whole = coverage_report(net, max_revisit_min=60.0, **kw)
    known = coverage_report(
        net, max_revisit_min=60.0, static=before.units, revisit_table=plan.revisits, **kw
    )
    pd.testing.assert_frame_equal(known.units, whole.units)
    pd.testing.assert_frame_equal(known.gaps, whole.gaps)
    pd.testing.assert_frame_equal(known.grids, whole.grids)
    assert known.summary == whole.summary
    assert set(STATIC_COLUMNS) < set(whole.units.columns)
    with pytest.raises(CoverageError, match="other units"):
        coverage_report(net, static=before.units.iloc[1:], **kw)
