"""Issue #12 (scale): the faster stages give the results pinned before they were changed.

The values below were computed on the tree before the scale work of 2026-12-01
(commit f4d6fce): solve_minmax with a fixed iteration count, the take-over stage
(balance_loops) and a whole generated plan. A digest covers every task and walk step.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from borderwatch import build_network
from borderwatch.config import SearchParams
from borderwatch.data.synthetic import generate_scenario
from borderwatch.plan.patrols import plan_patrols
from borderwatch.plan.required import choose_required_edges
from borderwatch.routing.minmax import _Model, _Relocations, _State, balance_loops, solve_minmax
from borderwatch.routing.patrol import build_instance

# name -> (max, total, lower bound, tasks, walks, balanced max, balanced total,
#          balanced tasks, balanced walks, take-over moves); solve_minmax(max_iterations=200, seed=0)
PINNED = {
    "ningming": (
        5293.493669, 42484.320332, 3856.756552, "8a92f7c2eb72d5e9", "36caeb669b4a0021",
        5293.493669, 48546.558234, "8a8556b544100969", "d522a268205ee971", 13,
    ),
    "gen40": (
        7675.555648, 21182.472045, 4197.070653, "292668ec40c2ac18", "66f0c909eaecd917",
        7675.555648, 21182.472045, "292668ec40c2ac18", "66f0c909eaecd917", 0,
    ),
    "gen100": (
        9684.011571, 47888.482184, 4585.738201, "23d774e88c2a630c", "a715c21ee130fcdc",
        9684.011571, 57592.211157, "23e56b1625c1d0e3", "54d8563c2efc405f", 11,
    ),
}  # fmt: skip
# plan_patrols(generate_scenario(40, seed=7), max_iterations=200, seed=0): objective key,
# bound (s), digest of every route's loop and approach
PINNED_PLAN = ((127.925927, 108.827568, 358.627641), 7339.886693, "ff11f4c703fd21be")


def _digest(items) -> str:
    rows = [[[int(e), bool(f)] for e, f in steps] for steps in items]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def _instance(net):
    return build_instance(net, choose_required_edges(net, time_limit_s=5).edges).instance


@pytest.fixture(scope="module")
def gen_nets():
    return {km: build_network(generate_scenario(km, seed=7)) for km in (40.0, 100.0)}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ningming", "gen40", "gen100"])
def test_search_and_take_over_match_the_pinned_results(name, gen_nets, ningming_net) -> None:
    net = {"ningming": ningming_net, "gen40": gen_nets[40.0], "gen100": gen_nets[100.0]}[name]
    inst = _instance(net)
    res = solve_minmax(inst, search=SearchParams(max_iterations=200, time_limit_s=0, seed=0))
    bal = balance_loops(inst, res)
    got = (
        round(res.max_cost, 6),
        round(res.total_cost, 6),
        round(res.lower_bound, 6),
        _digest(res.tasks),
        _digest(res.walks),
        round(bal.max_cost, 6),
        round(bal.total_cost, 6),
        _digest(bal.tasks),
        _digest(bal.walks),
        bal.iterations - res.iterations,
    )
    assert got == PINNED[name]


@pytest.mark.slow
def test_generated_plan_matches_the_pinned_plan(gen_nets) -> None:
    plan = plan_patrols(gen_nets[40.0], search=SearchParams(max_iterations=200, seed=0))
    routes = [[list(map(list, r.steps)), list(map(list, r.approach))] for r in plan.routes]
    got = (
        plan.objective.key(),
        round(plan.result.lower_bound, 6),
        hashlib.sha256(json.dumps(routes).encode()).hexdigest()[:16],
    )
    assert got == PINNED_PLAN


def test_relocation_table_picks_the_full_evaluations_moves(gen_nets) -> None:
    """Step by step, the kept table and the full evaluation make the same move."""
    inst = _instance(gen_nets[100.0])
    res = solve_minmax(inst, search=SearchParams(max_iterations=60, time_limit_s=0, seed=1))
    model = _Model(inst)
    pos = {int(e): i for i, e in enumerate(model.req)}
    seqs = [[pos[int(e)] for e, _ in tasks] for tasks in res.tasks]
    a, b = _State(model, seqs), _State(model, seqs)
    alpha = 0.1 / model.k
    table = _Relocations(b, alpha)
    moves = 0
    for _ in range(200):
        order = np.argsort(-a.cost, kind="stable")
        done_a = next((int(r) for r in order if a.relocate_from(int(r), alpha, 1.0)), None)
        done_b = next((int(r) for r in order if table.move_from(int(r), 1.0)), None)
        assert done_a == done_b
        assert a.seqs == b.seqs and a.oris == b.oris
        np.testing.assert_array_equal(a.cost, b.cost)
        if done_a is None:
            break
        moves += 1
    assert moves > 0


def test_round_trip_pruning_changes_no_choice(gen_nets) -> None:
    """The local search without the teams a round trip rules out makes the very same moves.

    ``model.trip`` (each team's round trip to each task) lets relocations, exchanges and
    insertions skip teams that cannot win; with it set to None every team is evaluated.
    Both searches must give the same tasks, walks and costs, and the pruning must bite.
    """
    inst = _instance(gen_nets[100.0])
    search = SearchParams(max_iterations=80, time_limit_s=0, seed=2)
    pruned = solve_minmax(inst, search=search)
    model = _Model.of(inst)
    assert model.trip is not None
    pos = {int(e): i for i, e in enumerate(model.req)}
    st = _State(model, [[pos[int(e)] for e, _ in tasks] for tasks in pruned.tasks])
    lng = int(np.argmax(st.cost))
    others = [r for r in range(model.k) if r != lng]
    near = st.near_teams(others, st.seqs[lng], float(st.cost[lng]), 0.1 / model.k)
    assert 0 < len(near) < len(others)  # some teams are left out, some kept
    trip = model.trip
    model.trip = None  # every team evaluated
    try:
        full = solve_minmax(inst, search=search)
    finally:
        model.trip = trip
    assert pruned.tasks == full.tasks
    assert pruned.walks == full.walks
    assert pruned.team_cost == full.team_cost
