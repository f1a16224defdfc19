"""A re-plan of a circuit plan (``loops = "circuit"``), end to end from the CLI: one truth (#24.3).

``borderwatch plan ningming --loops circuit --night 2026-12-07 --out A``, then
``borderwatch replan A --at 02:10 --drop T05 --out B``, then a re-plan of the
re-plan (``replan B --at 03:30 --drop T02 --out C``); the tests read the folders'
files: the rule is recorded, every team drives from where it is at the cut to a
closed loop within ``max_approach_min`` (its approach, after the cut), then the
loop over and over; plan.json, the report, the GPX and the radio text give the
same set-out, on-loop and loop times; the reloaded plan has the worst revisit
plan.json says; the chained re-plan starts every team where B's timeline has it.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import gpxpy
import pytest
from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.fmt import minutes as fmt_min
from borderwatch.i18n import DIFF

pytestmark = pytest.mark.slow

runner = CliRunner()


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("circuit_replan")
    out = {k: root / k for k in ("A", "B", "C")}
    steps = [
        ["plan", "ningming", "--loops", "circuit", "--night", "2026-12-07", "--out", out["A"]],
        ["replan", out["A"], "--at", "02:10", "--drop", "T05", "--out", out["B"]],
        ["replan", out["B"], "--at", "03:30", "--drop", "T02", "--out", out["C"], "--no-map"],
    ]
    for args in steps:
        res = runner.invoke(app, [str(a) for a in args])
        assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def network() -> Any:
    from borderwatch import build_network, load_scenario

    return build_network(load_scenario("ningming"))


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _node(net: Any, step: list[Any], *, start: bool) -> int:
    e, fwd = step
    first = net.edges["u"].iat[e] if fwd else net.edges["v"].iat[e]
    last = net.edges["v"].iat[e] if fwd else net.edges["u"].iat[e]
    return int(first if start else last)


def test_the_replan_is_a_circuit_plan_from_where_the_teams_are(
    night: dict[str, Path], network: Any
) -> None:
    plan = _json(night["B"] / "plan.json")
    assert plan["loops"] == "circuit" and plan["max_approach_min"] == 60.0
    assert plan["cut_min"] == 370.0 and plan["replan"]["dropped"] == ["T05"]
    positions = plan["replan"]["positions"]
    routes = [r for r in plan["routes"] if r["status"] == "patrol"]
    assert "T05" not in {r["team"] for r in plan["routes"]} and len(routes) == 16
    approached = 0
    for r in routes:
        pos = positions[r["team"]]
        loop_start = _node(network, r["steps"][0], start=True)
        # the loop is closed; it need not pass where the team is
        assert _node(network, r["steps"][-1], start=False) == loop_start, r["team"]
        if r["approach"]:
            approached += 1
            assert _node(network, r["approach"][0], start=True) == pos["node"], r["team"]
            assert _node(network, r["approach"][-1], start=False) == loop_start, r["team"]
        else:
            assert loop_start == pos["node"], r["team"]
        assert 0.0 <= r["approach_min"] <= 60.0, r["team"]
    assert approached >= 1  # what the rule is for: a loop away from where the team is


def test_set_out_loop_start_and_gpx_agree(night: dict[str, Path], network: Any) -> None:
    """plan.json's leave and loop times, the report's columns, the GPX: one set of times."""
    folder = night["B"]
    plan = _json(folder / "plan.json")
    cut = datetime.fromisoformat("2026-12-08T02:10:00+08:00")
    end = datetime.fromisoformat("2026-12-08T06:00:00+08:00")
    report = (folder / "report.txt").read_text(encoding="utf-8")
    nodes = network.nodes.to_crs("EPSG:4326").geometry
    for r in plan["routes"]:
        if r["status"] != "patrol":
            continue
        team = r["team"]
        pos = plan["replan"]["positions"][team]
        set_out = cut + timedelta(minutes=pos["start_min"])
        on = set_out + timedelta(minutes=r["approach_min"])
        leave = datetime.fromisoformat(r["leave_base"])
        assert timedelta(0) <= set_out - leave < timedelta(minutes=1), team
        first = datetime.fromisoformat(r["start_times"][0])
        assert abs((first - on).total_seconds()) <= 60.0, team
        own = r["variants"][0]
        assert own["variant"] == f"{team}-f0" and own["leave_base"] == r["leave_base"], team
        assert own["on_loop"] == r["start_times"][0], team
        starts = [datetime.fromisoformat(s) for s in r["start_times"]]
        assert all(
            abs((b - a).total_seconds() / 60.0 - r["loop_min"]) <= 1.0
            for a, b in zip(starts, starts[1:], strict=False)
        ), team
        # report.txt: the team's row starts with its set-out clock, then its loop starts
        row = next(line for line in report.splitlines() if line.startswith(f"{team} "))
        assert row.split()[2] == leave.strftime("%H:%M"), row
        assert first.strftime("%H:%M") in row.split(maxsplit=6)[6], row
        # the GPX: from where the team is when it sets out, on its loop at the loop start
        with (folder / "gpx" / f"{team}.gpx").open(encoding="utf-8") as fh:
            points = gpxpy.parse(fh).tracks[0].segments[0].points
        times = [p.time for p in points]
        assert times == sorted(times) and end in times, team
        # then the drive home: its last point on the base, at back_base (rounded up)
        back = datetime.fromisoformat(own["back_base"])
        assert back - timedelta(minutes=1) < times[-1] <= back, team
        base = nodes.iloc[int(network.teams.loc[team, "node"])]
        assert (points[-1].longitude, points[-1].latitude) == pytest.approx(
            (base.x, base.y), abs=1e-6
        ), team
        assert abs((times[0] - set_out).total_seconds()) <= 0.1, team
        here = nodes.iloc[pos["node"]]
        assert (points[0].longitude, points[0].latitude) == pytest.approx(
            (here.x, here.y), abs=1e-6
        ), team
        loop_pt = nodes.iloc[_node(network, r["steps"][0], start=True)]
        at_on = min(points, key=lambda p: abs((p.time - on).total_seconds()))
        # approach_min is written to 0.01 min (0.3 s), GPX times to 0.1 s
        assert abs((at_on.time - on).total_seconds()) <= 0.4, team
        assert (at_on.longitude, at_on.latitude) == pytest.approx(
            (loop_pt.x, loop_pt.y), abs=1e-6
        ), team


def test_radio_text_says_the_drive_to_the_loop(night: dict[str, Path]) -> None:
    plan = _json(night["B"] / "plan.json")
    diff = (night["B"] / "diff.txt").read_text(encoding="utf-8")
    assert diff == "\n".join(plan["replan"]["diff"]) + "\n"
    assert (night["B"] / "report.txt").read_text(encoding="utf-8").endswith(diff)
    lines = {line.split()[0]: line for line in plan["replan"]["diff"]}
    said = 0
    for r in plan["routes"]:
        line = lines.get(r["team"], "")
        if r["status"] != "patrol" or not r["approach"] or "新巡圈" not in line:
            continue
        on = datetime.fromisoformat(r["start_times"][0]).strftime("%H:%M")
        want = DIFF["zh"]["approach"].format(approach=fmt_min(r["approach_min"]), on=on)
        assert want in line, line
        said += 1
    assert said >= 1
    # one worst revisit: the radio text's last line, plan.json's re-plan section, the folder's
    worst = plan["replan"]["worst_revisit_min"]["new"]
    assert plan["worst_revisit_min"] == worst
    assert re.search(rf"余下夜间最长巡逻间隔 {re.escape(fmt_min(worst))}", diff.splitlines()[-1])


def test_the_replan_reloads_as_written(night: dict[str, Path], network: Any) -> None:
    from borderwatch.planfiles.reload import load_plan, plan_network

    plan = _json(night["B"] / "plan.json")
    pnet = plan_network(night["B"], network)
    assert pnet.config.loops == "circuit"  # the plan's rule, not the scenario's default
    loaded = load_plan(night["B"], network)
    trav = loaded.schedule.timeline.traversals
    for r in loaded.routes:
        if not r.on_patrol:
            continue
        mine = trav[trav["team"] == r.team]
        start = plan["replan"]["positions"][r.team]["start_min"]
        assert mine["t_start"].iat[0] == pytest.approx(start), r.team
        head = [(int(e), bool(f)) for e, f in zip(mine["edge"], mine["forward"], strict=True)]
        assert head[: len(r.approach) + len(r.steps)] == [*r.approach, *r.steps], r.team
    # the rest of the night alone (the remainder's figure) and the coverage file agree
    cov = _json(night["B"] / "summary.json")
    assert cov["n_units"] == len(network.units)
    assert loaded.schedule.set_out(loaded.routes[0].team) is not None


def test_a_replan_of_the_replan_starts_where_b_has_the_teams(
    night: dict[str, Path], network: Any
) -> None:
    from borderwatch.plan.replan import plan_positions
    from borderwatch.planfiles.reload import load_plan, plan_network

    b = load_plan(night["B"], network)
    bnet = plan_network(night["B"], network)
    c = _json(night["C"] / "plan.json")
    assert c["loops"] == "circuit" and c["replan"]["dropped"] == ["T02"]
    at = c["replan"]["at_min"]  # 03:30 is 80 min after B's cut
    assert at == 80.0
    survivors = [t for t in b.instance.teams if t != "T02"]
    want = plan_positions(bnet, b.schedule.timeline, at, survivors)
    for team, pos in c["replan"]["positions"].items():
        assert pos["node"] == want[team].node, team
        assert pos["ready_min"] == pytest.approx(want[team].ready_min, abs=1e-3), team
    assert math.isfinite(c["replan"]["worst_revisit_min"]["new"])


def test_the_same_replan_is_the_same_bytes(night: dict[str, Path], tmp_path: Path) -> None:
    """Another process, another hash seed: the circuit re-plan's folder byte for byte."""
    from tests.cli.run import offline_env, run_cli

    out = tmp_path / "B2"
    env = offline_env(tmp_path / "env", PYTHONHASHSEED="7")
    res = run_cli(["replan", night["A"], "--at", "02:10", "--drop", "T05", "--out", out], env)
    assert res.returncode == 0, res.stderr
    names = sorted(p.relative_to(night["B"]) for p in night["B"].rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    for name in names:
        assert (night["B"] / name).read_bytes() == (out / name).read_bytes(), name


def test_a_team_off_its_loop_drives_to_it(night: dict[str, Path], network: Any) -> None:
    """A position given off the team's loop (as a GPS fix would be): it drives to its circuit."""
    from borderwatch.plan.replan import TeamPosition, replan
    from borderwatch.planfiles.reload import load_plan, plan_network

    plan = load_plan(night["A"], network)
    pnet = plan_network(night["A"], network)
    assert pnet.config.loops == "circuit" and plan.instance.instance.circuit
    # the team whose base is farthest from its loop tonight, put back at its base at 02:10
    far = max((r for r in plan.routes if r.on_patrol), key=lambda r: r.approach_s)
    base = int(pnet.teams.loc[far.team, "node"])
    assert far.approach_s > 0 and far.team != "T05"
    rp = replan(
        plan,
        pnet,
        at="02:10",
        drop=["T05"],
        positions={far.team: TeamPosition(far.team, base, 370.0, "given")},
    )
    assert rp.positions[far.team].node == base
    (route,) = [r for r in rp.plan.routes if r.team == far.team]
    # a circuit is joined by an approach, not made a loop through the base (close_at)
    assert route.on_patrol and route.approach, route
    first = route.approach[0]
    assert _node(pnet, list(first), start=True) == base  # from its base, at the cut
    assert route.approach_s / 60.0 <= pnet.config.max_approach_min + 1e-9
    trav = rp.plan.schedule.timeline.traversals
    mine = trav[trav["team"] == far.team]
    assert mine["t_start"].iat[0] == pytest.approx(0.0)
    driven = [(int(e), bool(f)) for e, f in zip(mine["edge"], mine["forward"], strict=True)]
    assert driven[: len(route.approach) + len(route.steps)] == [*route.approach, *route.steps]
    assert rp.plan.schedule.set_out(far.team) == pytest.approx(0.0)


def test_back_at_base_is_the_drive_home(night: dict[str, Path], network: Any) -> None:
    """After the window a crew finishes its road and drives home to its BASE, not to where it was at the cut."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    plan = _json(night["B"] / "plan.json")
    u, v = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    n = len(network.nodes)
    checked = 0
    for r in plan["routes"]:
        if r["status"] != "patrol":
            continue
        secs = network.edge_seconds(r["vehicle"])
        ok = np.isfinite(secs) & (u != v)
        graph = csr_matrix((secs[ok], (u[ok], v[ok])), shape=(n, n))
        home = dijkstra(graph, directed=False, indices=int(network.teams.loc[r["team"], "node"]))
        nodes = [_node(network, s, start=True) for s in r["steps"]]
        # from somewhere on its loop at 06:00: at least the nearest loop node's drive home, at
        # most the farthest's plus the longest road of the loop (the one under way)
        lo = float(home[nodes].min()) / 60.0
        hi = (float(home[nodes].max()) + max(float(secs[e]) for e, _ in r["steps"])) / 60.0
        own = r["variants"][0]
        off = datetime.fromisoformat(own["off_loop"])
        back = (datetime.fromisoformat(own["back_base"]) - off).total_seconds() / 60.0
        assert lo - 1.0 <= back <= hi + 1.0, (r["team"], lo, back, hi)
        checked += 1
    assert checked == 16


def test_a_team_that_reaches_its_loop_after_the_window_is_on_standby(
    night: dict[str, Path], network: Any
) -> None:
    """A late cut: a team whose drive to its new loop ends after the window end starts none."""
    from borderwatch.plan.replan import TeamPosition, replan
    from borderwatch.planfiles.reload import load_plan, plan_network

    plan = load_plan(night["A"], network)
    pnet = plan_network(night["A"], network)
    far = sorted((r for r in plan.routes if r.on_patrol), key=lambda r: -r.approach_s)[:3]
    at_base = {
        r.team: TeamPosition(r.team, int(pnet.teams.loc[r.team, "node"]), 575.0, "given")
        for r in far
    }
    rp = replan(plan, pnet, at="05:35", drop=["T05"], positions=at_base)
    window = pnet.config.night_minutes
    late = []
    for r in rp.plan.routes:
        if r.team not in rp.positions:
            continue
        ready = rp.positions[r.team].ready_min
        if r.on_patrol:
            assert ready + (r.approach_s / 60.0 if r.approach else 0.0) < window, r.team
        elif "reaches its new loop only after the window end" in r.standby_reason:
            late.append(r.team)
    assert late, "no team put back at its base at 05:35 had a loop out of reach"
