"""Sector plans (plan/sectors.py) on a generated 80 km border with 6 teams.

Sequential (``workers=0``) except one command-line test that plans on a real
Dask LocalCluster of 2 worker processes and must write the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.config import SearchParams
from borderwatch.plan.patrols import plan_patrols
from borderwatch.plan.sectors import (
    SectorPlan,
    auto_sector_count,
    parse_sectors,
    plan_sectors,
    sector_network,
    sector_seed,
    split_sectors,
    whole_bound,
)
from borderwatch.routing.bounds import lower_bound

FAST = SearchParams(max_iterations=60, bound_rounds=2, seed=3)
runner = CliRunner()


@pytest.fixture(scope="module")
def net():  # type: ignore[no-untyped-def]
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    return build_network(generate_scenario(80, seed=7))


@pytest.fixture(scope="module")
def plan(net) -> SectorPlan:  # type: ignore[no-untyped-def]
    from borderwatch.plan import sectors

    with pytest.MonkeyPatch.context() as mp:  # 2 sectors: without the trial plans (no_trial)
        mp.setattr(sectors, "TRIAL_MAX_LINKS", 0)
        return plan_sectors(net, 2, workers=0, search=FAST)


@pytest.mark.parametrize("n", [2, 3])
def test_every_unit_and_team_in_exactly_one_sector(net, n: int) -> None:  # type: ignore[no-untyped-def]
    # the chainage cuts (the balanced split refuses the third sector of 80 km / 6 teams)
    sectors = split_sectors(net, n, tolerance=None)
    assert len(sectors) == n
    count = np.zeros(len(net.units), dtype=int)
    for s in sectors:
        count[s.unit_lo : s.unit_hi] += 1
    assert (count == 1).all()  # no unit between sectors, none in two
    assert [s.unit_lo for s in sectors[1:]] == [s.unit_hi for s in sectors[:-1]]
    teams = [t for s in sectors for t in s.teams]
    assert sorted(teams) == sorted(net.teams.index) and len(set(teams)) == len(teams)
    assert all(s.teams for s in sectors)
    assert sum(s.km for s in sectors) == pytest.approx(net.border_m / 1000.0)


def test_sector_network_is_a_valid_subset(net) -> None:  # type: ignore[no-untyped-def]
    for s in split_sectors(net, 3, tolerance=None):  # the chainage cuts: 3 sectors
        sub = sector_network(net, s)
        assert len(sub.units) == s.n_units and len(sub.teams) == len(s.teams)
        assert list(sub.nodes["osmid"]) == list(net.nodes["osmid"].iloc[s.nodes])
        # edges keep their ends: sub edge i is whole edge s.edges[i]
        eu, ev = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
        assert (s.nodes[sub.edges["u"].to_numpy()] == eu[s.edges]).all()
        assert (s.nodes[sub.edges["v"].to_numpy()] == ev[s.edges]).all()
        bases = net.teams.loc[list(s.teams), "node"].to_numpy()
        assert (s.nodes[sub.teams["node"].to_numpy()] == bases).all()
        # every road that watches a sector unit is in the sub-network, with the same rows
        whole = net.watch.unit_edge[s.unit_lo : s.unit_hi]
        part = sub.watch.unit_edge
        assert part.shape == (s.n_units, len(sub.edges))
        for i in range(s.n_units):
            row_whole = set(whole[[i]].indices.tolist())
            row_sub = {int(s.edges[e]) for e in part[[i]].indices}
            assert row_whole == row_sub
        # the config and the edge times are the whole network's
        vehicle = str(sub.teams["vehicle"].iloc[0])
        assert np.array_equal(sub.edge_seconds(vehicle), net.edge_seconds(vehicle)[s.edges])


def test_required_roads_of_every_sector_served(net, plan: SectorPlan) -> None:  # type: ignore[no-untyped-def]
    plan.result.validate(plan.instance.instance)  # each sector link served once, closed walks
    plan.balanced.validate(plan.instance.instance)
    served = {e for r in plan.routes for (e, _), s in zip(r.steps, r.service, strict=True) if s}
    lost = {e for link in plan.instance.unreachable for e in link.edges}
    assert set(plan.required.edges.tolist()) - lost <= served
    # each sector's own required edges are among the plan's
    assert sum(f.required_edges for f in plan.figures) >= len(plan.required.edges)


def test_stitched_routes_valid_on_the_whole_network(net, plan: SectorPlan) -> None:  # type: ignore[no-untyped-def]
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    assert [r.team for r in plan.routes] == list(net.teams.index)

    def ends(step: tuple[int, bool]) -> tuple[int, int]:
        e, fwd = step
        return (int(u[e]), int(v[e])) if fwd else (int(v[e]), int(u[e]))

    for r in plan.routes:
        assert r.on_patrol
        secs = net.edge_seconds(r.vehicle)
        walk = [*r.approach, *r.steps]
        for a, b in zip(walk, walk[1:], strict=False):
            assert ends(a)[1] == ends(b)[0]  # consecutive steps connected
        assert ends(r.steps[-1])[1] == ends(r.steps[0])[0]  # a closed loop
        start = ends(r.approach[0])[0] if r.approach else ends(r.steps[0])[0]
        assert start == int(net.teams.loc[r.team, "node"])
        assert r.seconds == tuple(float(secs[e]) for e, _ in r.steps)
    # the revisits are the whole network's, over its units
    assert len(plan.revisits) == len(net.units)
    assert plan.objective.worst_revisit_min == pytest.approx(
        plan.revisits.loc[plan.revisits["n_passes"] > 0, "worst_revisit_min"].max()
    )


@pytest.mark.slow
@pytest.mark.usefixtures("no_trial")
def test_bounds(net, plan: SectorPlan) -> None:  # type: ignore[no-untyped-def]
    assert plan.sector_bound == max(f.bound_min for f in plan.figures) * 60.0
    assert 0 < plan.result.lower_bound <= plan.result.max_cost
    assert plan.result.max_cost == pytest.approx(max(f.minmax_loop_min for f in plan.figures) * 60)
    # the whole-border bound is valid for a whole plan of the same network
    whole = plan_patrols(net, search=FAST)
    assert whole_bound(whole.instance) <= whole.result.max_cost + 1e-6
    # it relaxes the basic bound (nearest base to each end; no T-join)
    for patrol in (whole.instance, plan.instance):
        assert whole_bound(patrol) <= lower_bound(patrol.instance) + 1e-6
    # the default (small plan): the assignment bound on the whole instance, at least the cheap one
    assert plan.bound_kind == "assignment"
    assert plan.result.lower_bound >= whole_bound(plan.instance) - 1e-6
    cheap = plan_sectors(net, 2, workers=0, full_bound=False, search=FAST)
    assert cheap.bound_kind == "round trip" and cheap.routes == plan.routes
    assert cheap.result.lower_bound == pytest.approx(
        min(whole_bound(plan.instance), plan.result.max_cost)
    )
    assert "round trip bound" in cheap.sectors_summary()["bound"]


@pytest.mark.slow
def test_sector_plan_equals_the_sectors_one_by_one(net, plan: SectorPlan) -> None:  # type: ignore[no-untyped-def]
    by_team = {r.team: r for r in plan.routes}
    for s, fig in zip(plan.sectors, plan.figures, strict=True):
        seed = sector_seed(int(FAST.seed or 0), s.index)
        assert fig.seed == seed
        one = plan_patrols(sector_network(net, s), search=FAST.replace(seed=seed))
        assert one.max_loop_min == pytest.approx(fig.max_loop_min)
        for r in one.routes:
            assert by_team[r.team].steps == tuple((int(s.edges[e]), f) for e, f in r.steps)
            assert by_team[r.team].service == r.service


@pytest.mark.slow
@pytest.mark.usefixtures("no_trial")
def test_same_seed_same_plan(net, plan: SectorPlan) -> None:  # type: ignore[no-untyped-def]
    again = plan_sectors(net, 2, workers=0, search=FAST)
    assert again.routes == plan.routes
    assert again.sectors_summary() == plan.sectors_summary()
    assert sector_seed(3, 0) != sector_seed(3, 1) != sector_seed(4, 1)


def test_parse_and_auto() -> None:
    assert parse_sectors("auto") == "auto" and parse_sectors(" 3 ") == 3
    assert auto_sector_count(160, 2000.0) == 4
    assert auto_sector_count(400, 5000.0) == 10
    assert auto_sector_count(8, 100.0) == 1
    assert auto_sector_count(3, 5000.0) == 3  # never more sectors than teams


@pytest.fixture
def no_trial(monkeypatch: pytest.MonkeyPatch) -> None:
    """The balanced split without the trial plans (plan/sectors.py ``_trial_split``).

    The tests that use it are about planning a border in 2 sectors (stitching, Dask,
    always-patrolled roads); the trial plans refuse this 80 km border's split (its
    sectors' longest loop 109.6 min against the whole's 104.0 at the default search).
    """
    from borderwatch.plan import sectors

    monkeypatch.setattr(sectors, "TRIAL_MAX_LINKS", 0)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sectors") / "s80"
    result = runner.invoke(app, ["scenario", "generate", "-o", str(out), "--border-km", "80"])
    assert result.exit_code == 0, result.output
    return out


PLAN = ["--max-iterations", "40", "--night", "2026-12-01", "--no-map", "--seed", "5"]


@pytest.mark.slow
@pytest.mark.usefixtures("no_trial")
def test_cli_sectors_on_dask_same_files_as_in_process(folder: Path, tmp_path: Path) -> None:
    seq = runner.invoke(
        app,
        ["plan", str(folder), "-o", str(tmp_path / "a"), "--sectors", "2", "--workers", "0", *PLAN],
    )
    assert seq.exit_code == 0, seq.output
    # a real LocalCluster of 2 worker processes
    dask = runner.invoke(
        app,
        ["plan", str(folder), "-o", str(tmp_path / "b"), "--sectors", "2", "--workers", "2", *PLAN],
    )
    assert dask.exit_code == 0, dask.output
    for name in ("plan.json", "report.txt", "routes.gpx", "routes.geojson", "gaps_after.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    data = json.loads((tmp_path / "a" / "plan.json").read_text(encoding="utf-8"))
    sec = data["sectors"]
    assert sec["n_sectors"] == 2 and len(sec["sectors"]) == 2
    assert sum(len(s["teams"]) for s in sec["sectors"]) == data["teams"]
    assert sec["sector_bound_min"] == max(s["bound_min"] for s in sec["sectors"])
    assert data["bound_min"] <= data["minmax_loop_min"]
    report = (tmp_path / "a" / "report.txt").read_text(encoding="utf-8")
    # the generated scenario's zone is Asia/Shanghai: the report is Chinese
    assert "分 2 个区段规划" in report and "区段 2：" in report


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "option", "value"),
    [
        (["--sectors", "0"], "--sectors", "'0'"),
        (["--sectors", "many"], "--sectors", "'many'"),
        (["--sectors", "-2"], "--sectors", "'-2'"),
        (["--sectors", "99"], "--sectors", "'99'"),  # more sectors than the 6 teams
        (["--workers", "2"], "--workers", "2"),  # only with --sectors
        (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler", "tcp://127.0.0.1:9"),
    ],
)
def test_cli_bad_sectors_values(
    folder: Path, tmp_path: Path, args: list[str], option: str, value: str
) -> None:
    result = runner.invoke(app, ["plan", str(folder), "-o", str(tmp_path / "x"), *args, *PLAN])
    assert result.exit_code == 2, result.output
    assert option in result.output and value in result.output
    assert not (tmp_path / "x" / "plan.json").exists()


def test_no_margin_still_reaches_every_road(net, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    """With no margin the sub-networks get the shortest paths their teams need, nothing is cut off."""
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.patrol import build_instance

    with caplog.at_level("INFO", logger="borderwatch.plan.sectors"):
        sectors = split_sectors(net, 3, margin_m=0.0, tolerance=None)
    assert "nodes added so that its motorcycle teams reach its roads" in caplog.text
    for s in sectors:
        sub = sector_network(net, s)
        patrol = build_instance(sub, choose_required_edges(sub).edges)
        assert patrol.unreachable == () and patrol.idle == ()
    chainage = split_sectors(net, 3, tolerance=None)
    assert len(split_sectors(net, 3, margin_m=0.0, tolerance=None)[0].nodes) < len(
        chainage[0].nodes
    )


def test_subset_network_refuses_a_base_off_its_nodes(net) -> None:  # type: ignore[no-untyped-def]
    from borderwatch.errors import RoutingError
    from borderwatch.plan.sectors import subset_network

    team = str(net.teams.index[0])
    nodes = np.setdiff1d(np.arange(len(net.nodes)), [int(net.teams.loc[team, "node"])])
    with pytest.raises(RoutingError, match=f"team base '{team}'"):
        subset_network(net, units=slice(0, 10), nodes=nodes, teams=[team])


def test_bad_values_in_the_library(net) -> None:  # type: ignore[no-untyped-def]
    from borderwatch.errors import ConfigError

    with pytest.raises(ConfigError, match="option '--sectors', value 7"):
        split_sectors(net, 7)  # 6 teams
    with pytest.raises(ConfigError, match="option '--workers', value -1"):
        plan_sectors(net, 2, workers=-1)
    with pytest.raises(ConfigError, match="margin_m"):
        split_sectors(net, 2, margin_m=-5.0)


# --------------------------------------------------------------------------- review fixes
def _vehicles(network, vehicles: list[str]):  # type: ignore[no-untyped-def]
    """``network`` with other team vehicles (a real network; the caches rebuilt)."""
    import dataclasses

    frame = network.teams.copy()
    frame["vehicle"] = vehicles
    return dataclasses.replace(network, teams=frame, _cache={})


@pytest.fixture(scope="module")
def net40():  # type: ignore[no-untyped-def]
    """40 km, seed 11, 6 teams: the only motorcycle team (T03) sits in the middle sector."""
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    return build_network(generate_scenario(40, seed=11, n_teams=6))


@pytest.mark.slow
def test_split_loses_no_unit_a_team_could_watch(net40) -> None:  # type: ignore[no-untyped-def]
    """Units only a motorcycle may watch stay with the motorcycle team: same units as a whole plan."""
    from borderwatch.plan.sectors import _team_watch

    opts = SearchParams(max_iterations=40, bound_rounds=0, seed=0)
    sectors = plan_sectors(net40, 3, workers=0, search=opts)
    whole = plan_patrols(net40, search=opts)
    can = _team_watch(net40)
    for s in sectors.sectors:
        mine = net40.teams.index.isin(list(s.teams))
        span = slice(s.unit_lo, s.unit_hi)
        assert not (can[:, span].any(axis=0) & ~can[mine, span].any(axis=0)).any()
        assert len(s.lost_units) == 0
    assert sectors.lost_km == 0.0 and sectors.sectors_summary()["lost_units"] == 0
    passed_s = sectors.revisits["n_passes"].to_numpy() > 0
    passed_w = whole.revisits["n_passes"].to_numpy() > 0
    assert (passed_w & ~passed_s).sum() == 0  # before the fix: 27 units
    assert passed_s.sum() == passed_w.sum()
    assert set(sectors.required.uncoverable.tolist()) == set(whole.required.uncoverable.tolist())


@pytest.mark.slow
def test_units_lost_to_the_split_are_warned_and_reported() -> None:
    """A unit only a team two sectors away can watch: not merged away, but warned and counted."""
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.errors import PlanWarning
    from borderwatch.plan.sectors import _team_watch
    from borderwatch.planfiles.export import plan_summary, report_text

    base = build_network(generate_scenario(60, seed=7, n_teams=6))
    net = _vehicles(base, ["pickup", "pickup", "pickup", "suv", "suv", "motorcycle"])
    with pytest.warns(
        PlanWarning, match=r"the sector split loses \d+\.\d km of border \(9 units\)"
    ):
        plan = plan_sectors(  # the chainage cuts: the balanced split merges these sectors
            net,
            3,
            workers=0,
            search=SearchParams(max_iterations=20, bound_rounds=0, seed=0),
            tolerance=None,
        )
    assert len(plan.sectors) == 3
    lost = np.concatenate([s.lost_units for s in plan.sectors])
    assert len(lost) == plan.lost_units == 9
    lengths = net.units["length_m"].to_numpy()
    assert plan.lost_km == pytest.approx(lengths[lost].sum() / 1000.0)
    can = _team_watch(net)
    assert can[:, lost].any(axis=0).all()  # some team could watch each of them ...
    first = plan.sectors[0]
    assert all(first.unit_lo <= u < first.unit_hi for u in lost)
    assert not can[net.teams.index.isin(list(first.teams))][:, lost].any()  # ... none of its own
    reasons = dict(
        zip(plan.required.uncoverable.tolist(), plan.required.uncoverable_reason, strict=True)
    )
    assert all("lost to the sector split" in reasons[u] and "T06" in reasons[u] for u in lost)
    summary = plan_summary(net, plan, extra={"sectors": plan.sectors_summary()})
    assert summary["sectors"]["lost_units"] == 9
    text = report_text(net, plan, summary, lang="en")
    assert f"lost to the split: {plan.lost_km:.1f} km of border (9 units)" in text
    # the bound is claimed for the stitched required roads, not the whole border's best plan
    assert "valid for plans that serve the stitched required roads with all teams" in text
    assert "valid for the whole border" not in text
    assert "plans that serve the stitched required roads" in summary["sectors"]["bound"]


def test_rescue_merges_only_with_a_neighbour_that_can_watch() -> None:
    from borderwatch.plan.sectors import _rescue

    lengths = np.ones(6)
    team_unit = np.array([0, 2, 4])  # one team per sector of 2 units
    can = np.zeros((3, 6), dtype=bool)
    can[0, 1] = can[1, 2:4] = can[2, 4:6] = True
    can[2, 0] = True  # unit 0: only the team two sectors away
    assert _rescue([0, 2, 4, 6], team_unit, can, lengths) is None
    can[1, 0] = True  # now the neighbour's team can: merge sectors 0 and 1
    assert _rescue([0, 2, 4, 6], team_unit, can, lengths) == 1
    can[1, 0] = False
    can[1, 5] = True  # sector 2 loses nothing (its team watches 4, 5); sector 0 still lost
    assert _rescue([0, 2, 4, 6], team_unit, can, lengths) is None


@pytest.mark.slow
@pytest.mark.usefixtures("no_trial")
def test_always_patrolled_road_in_one_sector_only(net) -> None:  # type: ignore[no-untyped-def]
    """--always names are resolved on the whole network; each sector fixes only its own edges."""
    from borderwatch.errors import RoutingError
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.plan.sectors import _own_fixed

    only_first = "枯坤镇至坡农乡公路"  # in sector 1's sub-network only (80 km, seed 7, 2 sectors)
    always = [only_first, "边境公路"]  # the border road runs through both
    split = split_sectors(net, 2)
    hit = np.flatnonzero((net.edges["name"] == only_first).to_numpy())
    assert np.isin(hit, split[0].edges).all() and not np.isin(hit, split[1].edges).any()
    plan = plan_sectors(net, 2, workers=0, always_patrol=always, search=FAST)  # raised RoutingError
    whole = choose_required_edges(net, always_patrol=always)
    assert np.array_equal(plan.required.fixed, whole.fixed)
    assert set(plan.required.fixed.tolist()) <= set(plan.required.edges.tolist())
    served = {e for r in plan.routes for (e, _), s in zip(r.steps, r.service, strict=True) if s}
    assert set(plan.required.fixed.tolist()) <= served
    # each fixed edge belongs to exactly one sector, one that holds it
    own = _own_fixed(net, split, np.union1d(hit, whole.fixed))
    assert sum(len(x) for x in own) == len(np.unique(np.concatenate(own))) == len(whole.fixed)
    assert all(np.isin(x, s.edges).all() for x, s in zip(own, split, strict=True))
    with pytest.raises(RoutingError, match="'no such road' matches no edge"):
        plan_sectors(net, 2, workers=0, always_patrol=["no such road"], search=FAST)


@pytest.mark.slow
def test_a_road_two_sectors_chose_is_one_link_served_once() -> None:
    """50 km, seed 3, 8 teams, 4 sectors: a road in two sectors' margins is chosen by both."""
    from collections import Counter

    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    net = build_network(generate_scenario(50, seed=3, n_teams=8))
    plan = plan_sectors(  # the chainage cuts: the balanced split merges two of these sectors
        net,
        4,
        workers=0,
        search=SearchParams(max_iterations=40, bound_rounds=0, seed=0),
        tolerance=None,
    )
    assert len(plan.sectors) == 4
    # the sectors chose some road twice (their counts add up to more than the union) ...
    assert sum(f.required_edges for f in plan.figures) > len(plan.required.edges)
    # ... the stitched instance holds every required edge in one link only
    count = Counter(e for lk in plan.instance.links for e in lk.edges)
    assert count and max(count.values()) == 1
    plan.result.validate(plan.instance.instance)  # every link served exactly once, closed walks
    plan.balanced.validate(plan.instance.instance)
    # the links are pieces of the sectors' links: same edges, each still a connected chain
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    for lk in plan.instance.links:
        nodes = [(u[e], v[e]) if f else (v[e], u[e]) for e, f in lk.steps()]
        assert nodes[0][0] == lk.start and nodes[-1][1] == lk.end
        assert all(a[1] == b[0] for a, b in zip(nodes, nodes[1:], strict=False))


@pytest.mark.slow
@pytest.mark.usefixtures("no_trial")
def test_cli_always_with_a_road_in_one_sector(folder: Path, tmp_path: Path) -> None:
    """`plan --sectors 2 --always ROAD` with a road only sector 1 holds (was a RoutingError)."""
    from borderwatch.errors import RoutingError

    out = tmp_path / "always"
    args = ["plan", str(folder), "-o", str(out), "--sectors", "2", "--workers", "0", *PLAN]
    result = runner.invoke(app, [*args, "--always", "枯坤镇至坡农乡公路"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert data["sectors"]["n_sectors"] == 2
    bad = runner.invoke(app, [*args[:3], str(tmp_path / "bad"), *args[4:], "--always", "nowhere"])
    assert bad.exit_code == RoutingError.exit_code and "'nowhere' matches no edge" in bad.output


def _own_bounds(net, sectors) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    """The whole border's round-trip bound and each sector's own (s), recomputed here."""
    from borderwatch.plan.sectors import _trip_per_unit

    whole = _trip_per_unit(net, np.ones(len(net.teams), dtype=bool), None)
    need = np.isfinite(whole)
    own = []
    for s in sectors:
        trip = _trip_per_unit(net, net.teams.index.isin(list(s.teams)), s.edges)
        part = trip[s.unit_lo : s.unit_hi][need[s.unit_lo : s.unit_hi]]
        own.append(float(part[np.isfinite(part)].max()))
    return float(whole[need].max()), own


@pytest.mark.slow
def test_balanced_split_keeps_every_sector_within_the_whole_bound() -> None:
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    # 200 km, seed 6, 16 teams: the chainage cuts leave sector 1 a round trip 22 % over the
    # whole border's (and a plan 26 % over the whole plan's, benchmarks/results/sectors_quality.md)
    net = build_network(generate_scenario(200, seed=6))
    chainage = split_sectors(net, 2, tolerance=None)
    ref, own = _own_bounds(net, chainage)
    assert max(own) > 1.2 * ref
    balanced = split_sectors(net, 2)
    assert len(balanced) == 2 and [s.unit_lo for s in balanced] != [s.unit_lo for s in chainage]
    ref2, own2 = _own_bounds(net, balanced)
    assert ref2 == ref and max(own2) <= 1.02 * ref
    assert all(len(s.lost_units) == 0 for s in balanced)
    again = split_sectors(net, 2)  # deterministic
    assert [(s.unit_lo, s.teams) for s in again] == [(s.unit_lo, s.teams) for s in balanced]


@pytest.mark.slow
def test_a_split_no_move_can_mend_is_refused_and_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    net = build_network(generate_scenario(80, seed=4))  # 6 teams; chainage cuts: 20 + 60 km
    chainage = split_sectors(net, 2, tolerance=None)
    assert len(chainage) == 2
    ref, _ = _own_bounds(net, chainage)
    with caplog.at_level("WARNING", logger="borderwatch.plan.sectors"):
        out = split_sectors(net, 2)
    assert len(out) == 1  # refused: one sector, the whole border
    line = next(r.getMessage() for r in caplog.records if "refused" in r.getMessage())
    import re

    # it names the sector (after the cut moves that did not help), its bound and the whole's
    m = re.search(r"sector (\d) \(km [\d.]+-[\d.]+\) refused: its own bound ([\d.]+) min", line)
    assert m is not None, line
    assert f"whole border's bound {ref / 60:.1f} min" in line
    assert float(m.group(2)) > 1.02 * ref / 60


def test_bad_split_tolerance(net) -> None:  # type: ignore[no-untyped-def]
    from borderwatch.errors import ConfigError

    for bad in (-0.1, float("nan"), "2 %"):
        with pytest.raises(ConfigError, match="tolerance"):
            split_sectors(net, 2, tolerance=bad)  # type: ignore[arg-type]


def test_bad_split_bound_rounds(net) -> None:  # type: ignore[no-untyped-def]
    from borderwatch.errors import ConfigError

    for bad in (-1, 2.5, True):
        with pytest.raises(ConfigError, match="bound_rounds"):
            split_sectors(net, 2, bound_rounds=bad)  # type: ignore[arg-type]


def _cuts_of(sectors) -> list[int]:  # type: ignore[no-untyped-def]
    return [s.unit_lo for s in sectors[1:]]


# the sector plans' search: small, a count (the same plans on any load)
QUALITY = SearchParams(max_iterations=300, time_limit_s=3600.0, seed=0)


@pytest.mark.slow
def test_the_balance_sees_workload_the_round_trips_do_not() -> None:
    """60 km seed 0, 5 teams: the round trips keep the chainage cut, the workload moves it."""
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    net = build_network(generate_scenario(60, seed=0))
    chainage = split_sectors(net, 2, tolerance=None)
    assert [len(s.teams) for s in chainage] == [1, 4]
    # every sector's round trip is within 2 % of the whole border's: reach alone moves nothing
    assert _cuts_of(split_sectors(net, 2, bound_rounds=0)) == _cuts_of(chainage)
    balanced = split_sectors(net, 2)
    assert len(balanced) == 2 and _cuts_of(balanced) != _cuts_of(chainage)
    assert [len(s.teams) for s in balanced] == [3, 2]
    assert _cuts_of(split_sectors(net, 2)) == _cuts_of(balanced)  # deterministic

    whole = plan_patrols(net, QUALITY)
    before = plan_sectors(net, 2, QUALITY, workers=0, tolerance=None)
    after = plan_sectors(net, 2, QUALITY, workers=0)
    # the chainage split costs quality, proven by its 4-team sector's own bound (147.5 vs 160.5)
    assert before.sector_bound_min > 1.02 * whole.max_loop_min
    assert after.max_loop_min <= 1.02 * whole.max_loop_min
    assert [f.teams for f in after.figures] == [s.teams for s in balanced]


@pytest.mark.slow
def test_a_split_the_workload_cannot_mend_is_refused_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """60 km seed 4, 5 teams: no cut gives 2 sectors within 2 %: one warning line says why."""
    import re

    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    net = build_network(generate_scenario(60, seed=4))
    assert len(split_sectors(net, 2, bound_rounds=0)) == 2  # reach alone keeps the split
    with caplog.at_level("WARNING", logger="borderwatch.plan.sectors"):
        out = split_sectors(net, 2)
    assert len(out) == 1 and out[0].teams == tuple(net.teams.index)
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) == 1, lines
    m = re.search(
        r"sector (\d) \(km [\d.]+-[\d.]+\) refused: its own bound ([\d.]+) min exceeds the "
        r"whole border's bound ([\d.]+) min by more than 2 %",
        lines[0],
    )
    assert m is not None, lines[0]
    bound, ref = float(m.group(2)), float(m.group(3))
    assert bound > 1.02 * ref
    # the reference is a lower bound of the whole plan's longest loop, and the split it
    # refused would have cost quality: the chainage split's plan is far above the whole's
    whole = plan_patrols(net, QUALITY)
    assert ref <= whole.max_loop_min + 0.05
    chainage = plan_sectors(net, 2, QUALITY, workers=0, tolerance=None)
    assert chainage.max_loop_min > 1.02 * whole.max_loop_min
