"""The night objective: take-over, extension, co-patrol, standby, loops placed in the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from borderwatch import build_network, load_scenario
from borderwatch.config import SearchParams
from borderwatch.plan.patrols import plan_patrols
from borderwatch.plan.required import choose_required_edges
from borderwatch.routing.minmax import balance_loops, solve_minmax
from borderwatch.routing.patrol import build_instance
from tests.helpers import add_twin_team


@pytest.fixture(scope="module")
def ningming_plan(ningming_net):
    return plan_patrols(ningming_net, search=SearchParams(max_iterations=300, seed=0))


def test_twin_teams_co_patrol_half_a_loop_apart(toy_dir: Path) -> None:
    net = build_network(load_scenario(add_twin_team(toy_dir)))
    plan = plan_patrols(net, search=SearchParams(max_iterations=20, seed=0))
    roles = sorted(r.role for r in plan.routes)
    # one team's loop is all the road there is; the other has nothing to take over, so it
    # drives the same loop staggered by half a period: the worst revisit halves
    assert roles[0].startswith("co-patrol") and roles[1] == "min-max"
    loop = plan.minmax_loop_min
    longest_edge = max(max(r.seconds) for r in plan.routes) / 60
    assert plan.objective.worst_revisit_min <= loop / 2 + longest_edge
    assert plan.objective.worst_revisit_min < 0.6 * loop
    # the co-patroller is half a loop along at the window start: it left base earlier
    cop = next(r for r in plan.routes if r.role.startswith("co-patrol"))
    assert 0 < cop.approach_s / 60 <= loop / 2 + longest_edge


@pytest.mark.slow
def test_take_over_is_a_leximax_descent(ningming_net) -> None:
    required = choose_required_edges(ningming_net)
    patrol = build_instance(ningming_net, required.edges)
    inst = patrol.instance
    mm = solve_minmax(inst, search=SearchParams(max_iterations=200, seed=0))
    bal = balance_loops(inst, mm)
    bal.validate(inst)  # every required link still served exactly once
    assert bal.max_cost <= mm.max_cost + 1e-6
    before = sorted(mm.team_cost, reverse=True)
    after = sorted(bal.team_cost, reverse=True)
    assert after <= before  # lexicographically: long loops got shorter, none got longer
    assert after != before
    assert sum(c == 0 for c in bal.team_cost) < sum(c == 0 for c in mm.team_cost)


@pytest.mark.slow
def test_every_ningming_team_works_or_says_why(ningming_plan, ningming_net) -> None:
    plan = ningming_plan
    min_loop = ningming_net.config.min_loop_min
    on_patrol = [r for r in plan.routes if r.on_patrol]
    assert len(on_patrol) >= 15
    for r in plan.routes:
        if not r.on_patrol:
            assert r.status == "standby" and r.standby_reason, r.team
        elif r.loop_s / 60 < min_loop:
            assert "all its" in r.note, r.team  # a short loop only when that is all it reaches
    assert sum(r.loop_s / 60 < min_loop for r in on_patrol) <= 2
    # the night stage never worsens the min-max loop, and the worst revisit stays within it
    assert plan.max_loop_min <= plan.minmax_loop_min + 1e-6
    assert plan.objective.worst_revisit_min <= plan.minmax_loop_min + 1e-6
    # every loop starts at the window start; the timeline holds nothing before it
    trav = plan.schedule.timeline.traversals
    assert trav["t_start"].min() >= 0.0
    firsts = trav.groupby("team")["t_start"].min()
    assert (firsts.abs() < 1e-9).all()


@pytest.mark.slow
def test_risk_weighted_mean_by_hand(ningming_plan, ningming_net) -> None:
    from borderwatch.coverage.risk import risk_weights

    table = ningming_plan.revisits
    passed = table["n_passes"].to_numpy() > 0
    w = risk_weights(ningming_net)[passed]
    x = table["worst_revisit_min"].to_numpy()[passed]
    assert ningming_plan.objective.mean_revisit_min == pytest.approx((w * x).sum() / w.sum())
    assert ningming_plan.objective.worst_revisit_min == pytest.approx(x.max())
    assert np.isfinite(ningming_plan.objective.driving_min)


@pytest.mark.slow
def test_best_phase_equals_the_grid_scored_on_whole_tables(ningming_plan, ningming_net) -> None:
    """best_phase recomputes only the units of the route it moves: the same tables, same pick."""
    from borderwatch.plan.night import _Evaluator, night_objective, phase_grid

    routes = [r for r in ningming_plan.routes if r.on_patrol]
    window = ningming_net.config.night_minutes
    w = np.linspace(0.5, 2.0, len(ningming_net.units))  # uneven weights: the mean matters
    ev = _Evaluator(ningming_net, window, w)
    rng = np.random.default_rng(0)
    phases = [float(rng.uniform(0, r.loop_s / 60)) for r in routes]
    passed = ev.passed(routes)
    driving = sum(r.loop_s + r.approach_s for r in routes) / 60.0
    for i in (0, len(routes) // 2, len(routes) - 1):
        mine = np.unique(ev.passes(routes[i])[0])
        whole = ev.worst(routes, phases)
        assert np.array_equal(ev.worst(routes, phases, only=mine)[mine], whole[mine])
        scored = []
        for ph in phase_grid(routes[i], 12):
            trial = list(phases)
            trial[i] = ph
            obj = night_objective(ev.worst(routes, trial), passed, w, driving)
            scored.append((obj.key(), ph, obj))
        want = min(scored, key=lambda s: s[0])  # the first of equal keys, as best_phase keeps
        got, ph = ev.best_phase(routes, phases, i)
        assert (got, ph) == (want[2], want[1])
