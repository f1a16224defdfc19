"""k-team min-max routing: invariants, determinism, bounds, profiles, depots."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.config import SearchParams
from borderwatch.errors import RoutingError
from borderwatch.routing.bounds import average_bound, lower_bound, round_trip_bound
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.minmax import evaluate_route, solve_minmax
from borderwatch.routing.result import RoutingResult
from tests.routing.helpers import grid


def test_two_teams_on_a_grid_are_valid_and_bounded() -> None:
    inst = grid()
    res = solve_minmax(inst, search=SearchParams(max_iterations=200, time_limit_s=0, seed=1))
    res.validate(inst)
    assert isinstance(res, RoutingResult)
    assert res.iterations == 200
    assert res.lower_bound <= res.max_cost
    assert res.max_cost == max(res.team_cost)
    assert res.gap_pct >= 0
    assert isinstance(res.max_cost, float)


def test_same_seed_same_result() -> None:
    inst = grid(seed=3, depots=(0, 0, 0))
    a = solve_minmax(inst, search=SearchParams(max_iterations=150, time_limit_s=0, seed=7))
    b = solve_minmax(inst, search=SearchParams(max_iterations=150, time_limit_s=0, seed=7))
    assert a.walks == b.walks
    assert a.team_cost == b.team_cost


def test_multi_depot_with_profiles() -> None:
    inst = grid(5, 4, seed=2, depots=(0, 19, 10), profiles=2, required_share=0.6)
    res = solve_minmax(inst, search=SearchParams(max_iterations=150, time_limit_s=0, seed=0))
    res.validate(inst)
    for t, walk in enumerate(res.walks):
        p = inst.team_profile[t]
        assert all(np.isfinite(inst.cost[p, e]) for e, _ in walk)


def test_one_team_matches_the_postman() -> None:
    from borderwatch.routing.postman import chinese_postman

    inst = grid(3, 3, seed=5, depots=(0,))
    res = solve_minmax(inst, search=SearchParams(max_iterations=300, time_limit_s=0, seed=0))
    res.validate(inst)
    cpp = chinese_postman(inst).cost
    assert res.max_cost >= cpp - 1e-9
    assert res.lower_bound == pytest.approx(cpp)
    assert res.max_cost <= cpp * 1.10


def test_more_teams_than_tasks() -> None:
    inst = ArcInstance(3, [0, 1], [1, 2], [2.0, 3.0], [True, True], [0, 0, 0, 0])
    res = solve_minmax(inst, search=SearchParams(max_iterations=20, time_limit_s=0))
    res.validate(inst)
    assert sum(1 for t in res.tasks if t) <= 2
    assert res.max_cost == pytest.approx(10.0)  # 0 -> 2 and back: 2 + 3 + 3 + 2


def test_no_required_edges() -> None:
    inst = ArcInstance(2, [0], [1], [1.0], [False], [0, 1])
    res = solve_minmax(inst, search=SearchParams(max_iterations=5, time_limit_s=0))
    res.validate(inst)
    assert res.max_cost == 0.0 and res.walks == ((), ())


def test_validate_catches_a_broken_result() -> None:
    inst = grid()
    res = solve_minmax(inst, search=SearchParams(max_iterations=10, time_limit_s=0))
    bad = RoutingResult(**{**res.__dict__, "max_cost": res.max_cost + 1})
    with pytest.raises(RoutingError, match="max_cost"):
        bad.validate(inst)
    walks = list(res.walks)
    walks[0] = walks[0][1:]
    with pytest.raises(RoutingError, match="team 0"):
        RoutingResult(**{**res.__dict__, "walks": tuple(walks)}).validate(inst)


def test_evaluate_route_optimal_orientation() -> None:
    # a path 0-1-2 from depot 0: serve 0-1 forward then 1-2 forward, come back
    inst = ArcInstance(3, [1, 2], [0, 1], [1.0, 2.0], [True, True], [0])
    cost, fwd = evaluate_route(inst, 0, [0, 1])
    assert cost == pytest.approx(6.0)
    assert fwd[0] is False  # 0 -> 1 first; the second edge ties either way
    with pytest.raises(RoutingError, match="not a required edge"):
        evaluate_route(ArcInstance(2, [0], [1], [1.0], [False], [0]), 0, [0])


def test_bounds_on_a_star() -> None:
    # star with centre 0 = depot; leaves at distance 1, 2, 3 -> CPP 12
    inst = ArcInstance(4, [0, 0, 0], [1, 2, 3], [1.0, 2.0, 3.0], [True] * 3, [0, 0])
    assert round_trip_bound(inst) == 6.0
    assert average_bound(inst) == 6.0
    assert lower_bound(inst) == 6.0
    res = solve_minmax(inst, search=SearchParams(max_iterations=30, time_limit_s=0))
    assert res.max_cost == 6.0


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.floats(0.3, 1.0))
def test_random_grids_keep_invariants(seed: int, k: int, share: float) -> None:
    rng = np.random.default_rng(seed)
    depots = tuple(int(d) for d in rng.integers(0, 9, size=k))
    inst = grid(3, 3, seed=seed, depots=depots, required_share=share)
    res = solve_minmax(inst, search=SearchParams(max_iterations=25, time_limit_s=0, seed=seed))
    res.validate(inst)
