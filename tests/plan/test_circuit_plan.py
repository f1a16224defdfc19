"""A circuit plan (``loops = "circuit"``) read back from its artefacts (issues #24, #25).

A generated 30 km border, planned with ``borderwatch plan --loops circuit``: plan.json
says the rule; every approach is the team's shortest drive from its base to where its
loop starts; leave-base times are the loop start less the approach; the worst revisit
is the longest circuit; each team's GPX track starts at its base; the report says the
rule and the bound. A re-plan keeps the plan's rule; sectors refuse circuit plans,
naming the setting (tests/plan/test_circuit_replan.py: circuit re-plans end to end).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import gpxpy
import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from typer.testing import CliRunner

from borderwatch.cli import app

pytestmark = pytest.mark.slow

runner = CliRunner()
NIGHT = "2026-12-01"
PLAN = ["--night", NIGHT, "--no-map", "--max-iterations", "300", "--lang", "en"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("circuit")
    scn = root / "s30"
    res = runner.invoke(
        app, ["scenario", "generate", "-o", str(scn), "--border-km", "30", "--seed", "3"]
    )
    assert res.exit_code == 0, res.output
    out = {"scenario": scn}
    for rule in ("circuit", "base"):
        folder = root / rule
        res = runner.invoke(app, ["plan", str(scn), "-o", str(folder), "--loops", rule, *PLAN])
        assert res.exit_code == 0, res.output
        out[rule] = folder
    return out


def _plan(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    return data


def _network(made: dict[str, Any]) -> Any:
    from borderwatch import build_network, load_scenario

    return build_network(load_scenario(made["scenario"]))


def _start(net: Any, step: list[Any]) -> int:
    e, fwd = step
    return int(net.edges["u"].iat[e] if fwd else net.edges["v"].iat[e])


def _drive_from(net: Any, vehicle: str, node: int) -> np.ndarray:
    secs = net.edge_seconds(vehicle)
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    ok = np.isfinite(secs) & (u != v)
    n = len(net.nodes)
    w = np.full((n, n), np.inf)
    for a, b, s in zip(u[ok], v[ok], secs[ok], strict=True):
        w[a, b] = w[b, a] = min(w[a, b], s)
    d: np.ndarray = dijkstra(csr_matrix(np.where(np.isfinite(w), w, 0.0)), indices=node)
    return d


def test_plan_json_records_the_rule_and_a_true_bound(made: dict[str, Any]) -> None:
    circ, base = _plan(made["circuit"]), _plan(made["base"])
    assert circ["loops"] == "circuit" and circ["max_approach_min"] == 60.0
    assert "loops" not in base and "max_approach_min" not in base  # the default is not written
    assert circ["bound_min"] <= circ["minmax_loop_min"] + 1e-9
    # the revisit interval is the circuit's length: never above the longest loop
    assert circ["worst_revisit_min"] <= circ["max_loop_min"] + 0.01
    # the same roads without the base legs: the longest loop is no longer here
    assert circ["minmax_loop_min"] <= base["minmax_loop_min"] + 1e-6


def test_loops_need_not_pass_the_base_and_approaches_are_shortest_drives(
    made: dict[str, Any],
) -> None:
    net = _network(made)
    plan = _plan(made["circuit"])
    off_base = 0
    for r in plan["routes"]:
        if r["status"] != "patrol":
            continue
        base = int(net.teams.loc[r["team"], "node"])
        steps = r["steps"]
        start = _start(net, steps[0])
        nodes = {_start(net, s) for s in steps}
        off_base += base not in nodes
        dist = _drive_from(net, r["vehicle"], base)
        assert r["approach_min"] == pytest.approx(dist[start] / 60.0, abs=0.006)
        if r["approach"]:
            assert _start(net, r["approach"][0]) == base
        # leave base = on loop - approach (rounded down to the minute), for every variant
        for v in r["variants"]:
            window = datetime.fromisoformat(r["start_times"][0])  # the window start, 20:00
            leave = datetime.fromisoformat(v["leave_base"])
            want = window - timedelta(minutes=v["phase_min"] + r["approach_min"])
            assert timedelta(seconds=-1) <= want - leave < timedelta(minutes=1, seconds=1)
            starts = [datetime.fromisoformat(s) for s in v["loop_starts"]]
            gaps = [(b - a).total_seconds() / 60 for a, b in zip(starts, starts[1:], strict=False)]
            assert all(abs(g - r["loop_min"]) <= 1.0 for g in gaps)  # clock minutes
            assert datetime.fromisoformat(v["back_base"]) > datetime.fromisoformat(v["off_loop"])
    assert off_base >= 1  # what the rule is for: some loop keeps away from its base


def test_gpx_tracks_start_at_the_base_before_the_window(made: dict[str, Any]) -> None:
    net = _network(made)
    plan = _plan(made["circuit"])
    routes = {r["team"]: r for r in plan["routes"] if r["status"] == "patrol"}
    with (made["circuit"] / "routes.gpx").open(encoding="utf-8") as fh:
        gpx = gpxpy.parse(fh)
    nodes = net.nodes.to_crs("EPSG:4326").geometry  # the base as the road node it is on
    window = datetime.fromisoformat(plan["routes"][0]["start_times"][0])
    assert len(gpx.tracks) == len(routes)
    for track in gpx.tracks:
        team = track.name.split()[0]
        base = int(net.teams.loc[team, "node"])
        first = track.segments[0].points[0]
        assert (first.longitude, first.latitude) == pytest.approx(
            (nodes.iloc[base].x, nodes.iloc[base].y), abs=1e-6
        )
        before = (window - first.time).total_seconds() / 60.0
        assert before == pytest.approx(routes[team]["approach_min"], abs=0.05)
        times = [p.time for p in track.segments[0].points]
        assert times == sorted(times)
        assert window in times  # the loop starts at the window start
        # and the track ends at the base after the drive home, at back_base (rounded up)
        last = track.segments[0].points[-1]
        assert (last.longitude, last.latitude) == pytest.approx(
            (nodes.iloc[base].x, nodes.iloc[base].y), abs=1e-6
        )
        back = datetime.fromisoformat(routes[team]["variants"][0]["back_base"])
        assert back - timedelta(minutes=1) < last.time <= back


def test_report_says_the_rule(made: dict[str, Any]) -> None:
    report = (made["circuit"] / "report.txt").read_text(encoding="utf-8")
    plan = _plan(made["circuit"])
    longest = max(r["approach_min"] for r in plan["routes"])
    line = next(x for x in report.splitlines() if x.startswith("loops are circuits"))
    assert f"longest approach {longest:.1f} min" in line and "limit 60.0 min" in line
    assert "loops are circuits" not in (made["base"] / "report.txt").read_text(encoding="utf-8")


def test_replans_keep_the_plans_rule_and_sectors_refuse_circuits(
    made: dict[str, Any], tmp_path: Path
) -> None:
    # the rule is the plan's (plan.json), not the scenario config's (base here)
    for rule in ("circuit", "base"):
        out = tmp_path / f"r-{rule}"
        args = ["replan", str(made[rule]), "--at", "02:10", "-o", str(out), "--no-map"]
        res = runner.invoke(app, [*args, "--max-iterations", "50", "--lang", "en"])
        assert res.exit_code == 0, res.output
        replanned = _plan(out)
        assert replanned.get("loops") == (rule if rule == "circuit" else None)
        assert replanned["cut_min"] == 370.0
    res = runner.invoke(
        app,
        [
            *("plan", str(made["scenario"]), "-o", str(tmp_path / "s"), "--sectors", "2"),
            *("--workers", "0", "--loops", "circuit", *PLAN),
        ],
    )
    assert res.exit_code != 0
    assert "loops" in res.output and "circuit" in res.output


def test_a_wrong_rule_is_named() -> None:
    from borderwatch.config import plan_options
    from borderwatch.errors import ConfigError

    res = runner.invoke(app, ["plan", "ningming", "--loops", "depot", "-o", "/nonexistent/x"])
    assert res.exit_code != 0 and "--loops" in res.output and "depot" in res.output
    with pytest.raises(ConfigError, match=r"defaults\.loops.*'depot'"):
        plan_options({"defaults": {"loops": "depot"}}).to_config()
    cfg = plan_options({"defaults": {"loops": "circuit", "max_approach_min": 45}}).to_config()
    assert cfg.loops == "circuit" and cfg.max_approach_min == 45
    assert not math.isnan(cfg.max_approach_min)
