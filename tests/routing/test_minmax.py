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


def _split_by_hand(model, tour):  # type: ignore[no-untyped-def]
    """The min-max split, every piece's cost summed element by element (the reference)."""
    import math

    n, k = len(tour), model.k
    g = [t for t, _ in tour]
    st = [int(model.S[t, o]) for t, o in tour]
    en = [int(model.E[t, o]) for t, o in tour]
    dp = [0.0] + [math.inf] * n
    choice = []
    for r in range(k):
        p, d = int(model.slot[r]), int(model.dep[r])
        Dp = model.D[p]
        sv, dh = [0.0], [0.0]
        for i in range(n):
            sv.append(sv[-1] + float(model.serv[p, g[i]]))
        for i in range(n - 1):
            dh.append(dh[-1] + float(Dp[en[i], st[i + 1]]))
        pick, new = [], []
        for b in range(n + 1):
            best = (math.inf, 0)
            for a in range(n + 1):
                f, la = min(a, n - 1), max(b - 1, 0)
                if a > b:
                    seg = math.inf
                elif a == b:
                    seg = 0.0
                elif model.circuit:
                    seg = (sv[b] - sv[a]) + (dh[la] - dh[f]) + float(Dp[en[la], st[f]])
                else:
                    seg = float(Dp[d, st[f]]) + (sv[b] - sv[a]) + (dh[la] - dh[f])
                    seg += float(Dp[en[la], d])
                seg = math.inf if math.isnan(seg) else seg
                if max(dp[a], seg) < best[0]:
                    best = (max(dp[a], seg), a)
            pick.append(best[1])
            new.append(best[0])
        choice.append(pick)
        dp = new
    if not math.isfinite(dp[n]):
        return None
    pieces, b = [], n
    for r in range(k - 1, -1, -1):
        a = choice[r][b]
        pieces.append(g[a:b])
        b = a
    return pieces[::-1]


@pytest.mark.parametrize("circuit", [False, True])
def test_split_is_the_split_summed_by_hand(circuit: bool) -> None:
    """_split's broadcast table: the same pieces as every cost summed one by one."""
    import dataclasses
    import random

    from borderwatch.routing.minmax import _Model, _split

    rng = random.Random(5)
    for seed in range(4):
        inst = grid(5, 6, seed=seed, depots=(0, 29, 14), profiles=2, required_share=0.7)
        # costs that are not integers, so that a sum in another order would show
        scale = np.random.default_rng(seed).uniform(0.7, 1.3, size=inst.cost.shape[1])
        inst = dataclasses.replace(inst, cost=inst.cost * scale, circuit=circuit)
        model = _Model.of(inst)
        for _ in range(3):
            tour = [(t, rng.randrange(2)) for t in rng.sample(range(model.m), model.m)]
            assert _split(model, tour) == _split_by_hand(model, tour)
