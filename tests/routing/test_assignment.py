"""The assignment bound: never above a brute-force optimum, never below the basic bound."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from borderwatch.routing.assignment import assignment_bound, subset_cost
from borderwatch.routing.bounds import lower_bound
from borderwatch.routing.instance import ArcInstance


def _tiny(seed: int) -> ArcInstance:
    """A connected random graph of 8 nodes, 5 required edges, 3 teams on 2 profiles."""
    rng = np.random.default_rng(seed)
    n = 8
    u = list(range(n - 1))
    v = list(range(1, n))  # a path keeps it connected
    for _ in range(6):
        a, b = rng.choice(n, 2, replace=False)
        u.append(int(a))
        v.append(int(b))
    e = len(u)
    base = rng.integers(1, 20, size=e).astype(float)
    slow = base * rng.uniform(1.0, 2.0, size=e)
    slow[rng.choice(e, 2, replace=False)] = np.inf  # profile 1 may not drive two roads
    slow[: n - 1] = base[: n - 1] * 1.5  # but the path stays drivable
    required = np.zeros(e, dtype=bool)
    required[rng.choice(e, 5, replace=False)] = True
    depots = rng.choice(n, 3, replace=True)
    return ArcInstance(
        n, np.array(u), np.array(v), np.vstack([base, slow]), required, depots, np.array([0, 1, 1])
    )


def _brute_force(inst: ArcInstance) -> float:
    m, k = len(inst.required_edges), inst.n_teams
    best = np.inf
    costs: dict[tuple[int, tuple[int, ...]], float] = {}
    for assign in itertools.product(range(k), repeat=m):
        worst = 0.0
        for t in range(k):
            tasks = tuple(j for j in range(m) if assign[j] == t)
            if (t, tasks) not in costs:
                costs[(t, tasks)] = subset_cost(inst, t, list(tasks)) if tasks else 0.0
            worst = max(worst, costs[(t, tasks)])
        best = min(best, worst)
    return float(best)


def _perm_cost(inst: ArcInstance, t: int, tasks: list[int]) -> float:
    from borderwatch.routing.minmax import _Model

    model = _Model(inst)
    return min(model.route_dp(t, list(p))[0] for p in itertools.permutations(tasks))


@pytest.mark.parametrize("seed", range(6))
def test_bound_never_exceeds_the_brute_force_optimum(seed: int) -> None:
    inst = _tiny(seed)
    opt = _brute_force(inst)
    bound = assignment_bound(inst, time_limit_s=10)
    assert lower_bound(inst) - 1e-9 <= bound <= opt + 1e-6
    # on instances this small the cuts close the gap entirely
    assert bound == pytest.approx(opt, rel=1e-6)


def test_exact_subset_cost_is_the_best_order() -> None:
    inst = _tiny(11)
    m = len(inst.required_edges)
    for t in range(inst.n_teams):
        tasks = list(range(m))
        assert subset_cost(inst, t, tasks) == pytest.approx(_perm_cost(inst, t, tasks))


def test_bound_is_stronger_than_the_basic_one_where_bases_matter() -> None:
    stronger = [assignment_bound(_tiny(s)) > lower_bound(_tiny(s)) + 1e-6 for s in range(6)]
    assert sum(stronger) >= 3


def test_lifted_cut_holds_for_every_subset_and_all_subset_costs_are_exact() -> None:
    from borderwatch.routing.assignment import _exact_all, _lifted_weights
    from borderwatch.routing.minmax import _Model

    inst = _tiny(3)
    model = _Model(inst)
    m = len(inst.required_edges)
    for t in range(inst.n_teams):
        tasks = list(range(m))
        table = _exact_all(model, t, tasks)
        for mask in range(1, 1 << m):
            sub = [tasks[b] for b in range(m) if (mask >> b) & 1]
            assert table[mask] == pytest.approx(subset_cost(inst, t, sub))
        w = _lifted_weights(table, m)
        if w is None:
            continue
        for mask in range(1 << m):
            missing = sum(w[b] for b in range(m) if not (mask >> b) & 1)
            assert table[-1] - missing <= table[mask] + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_bound_with_an_incumbent_prunes_but_stays_valid(seed: int) -> None:
    inst = _tiny(seed)
    opt = _brute_force(inst)
    for incumbent in (opt, opt * 1.05, opt * 2.0):
        bound = assignment_bound(inst, time_limit_s=10, incumbent=incumbent)
        assert bound <= opt + 1e-6
        assert bound == pytest.approx(opt, rel=1e-6)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("gap_from", [0, 10_000])
def test_scaled_bound_beyond_the_whole_size_stays_valid_and_repeatable(
    seed: int, gap_from: int
) -> None:
    """Beyond ``whole_up_to`` links (forced here with 0): scaled rounds, MILPs stopped at
    a relative gap (``gap_from=0``) or at HiGHS's default gap (``gap_from`` above the
    size); the bound counts only HiGHS's dual bound, so it stays valid."""
    inst = _tiny(seed)
    opt = _brute_force(inst)
    basic = lower_bound(inst)
    scaled = [
        assignment_bound(inst, whole_up_to=0, gap_from=gap_from, time_limit_s=60) for _ in range(2)
    ]
    assert scaled[0] == scaled[1]
    assert basic - 1e-9 <= scaled[0] <= opt + 1e-6
    # with the incumbent (the optimum here) it is capped there and stays below it
    capped = assignment_bound(
        inst, whole_up_to=0, gap_from=gap_from, incumbent=opt, time_limit_s=60
    )
    assert basic - 1e-9 <= capped <= opt + 1e-6


def test_nearest_neighbour_tour_bounds_the_exact_cost() -> None:
    from borderwatch.routing.assignment import _tour_upper
    from borderwatch.routing.minmax import _Model

    for seed in range(4):
        inst = _tiny(seed)
        model = _Model(inst)
        for t in range(inst.n_teams):
            tasks = tuple(int(j) for j in np.flatnonzero(model.allowed[t]))
            assert _tour_upper(model, t, tasks) >= subset_cost(inst, t, list(tasks)) - 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_window_bounds_stay_below_the_brute_force_optimum(seed: int) -> None:
    """Every window (any subset of the tasks, here every team's reach and random masks)
    bounds a relaxation: never above the whole instance's brute-force optimum."""
    import functools
    import time

    from borderwatch.routing.assignment import _rounds, _window_bound
    from borderwatch.routing.minmax import _Model

    inst = _tiny(seed)
    opt = _brute_force(inst)
    basic = lower_bound(inst)
    model = _Model(inst)
    for incumbent in (opt, opt * 1.3, opt * 3.0):
        rounds = functools.partial(
            _rounds,
            model,
            deadline=time.perf_counter() + 60,
            max_exact=12,
            incumbent=incumbent,
            lifted=True,
            n_min=30,
            prune=True,
        )
        for t in range(inst.n_teams):
            bound, _, _ = _window_bound(model, t, rounds, base=basic, max_rounds=40)
            assert basic - 1e-9 <= bound <= opt + 1e-6
    rng = np.random.default_rng(seed)
    for _ in range(4):
        window = rng.random(model.m) < 0.6
        if not window.any():
            continue
        bound, _, _ = _rounds(
            model,
            base=0.0,
            deadline=time.perf_counter() + 60,
            max_rounds=40,
            max_exact=12,
            incumbent=None,
            lifted=True,
            n_min=30,
            prune=False,
            window=window,
        )
        assert bound <= opt + 1e-6
        # the window's own optimum (brute force over its tasks) is what the cuts reach
        sub = [j for j in range(model.m) if window[j]]
        wopt = min(
            max(
                subset_cost(inst, t, [sub[i] for i in range(len(sub)) if a[i] == t])
                for t in range(inst.n_teams)
            )
            for a in itertools.product(range(inst.n_teams), repeat=len(sub))
        )
        assert bound == pytest.approx(wopt, rel=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_scaled_bound_with_its_window_stays_valid_and_repeatable(seed: int) -> None:
    """Beyond ``whole_up_to`` (forced with 0) with an incumbent above the optimum, the
    window step runs after the scaled rounds: valid, repeatable, never below them."""
    inst = _tiny(seed)
    opt = _brute_force(inst)
    basic = lower_bound(inst)
    for incumbent in (opt * 1.2, opt * 2.0):
        kw = {"whole_up_to": 0, "gap_from": 10_000, "incumbent": incumbent, "time_limit_s": 60}
        with_window = [assignment_bound(inst, max_rounds=1, **kw) for _ in range(2)]  # type: ignore[arg-type]
        without = assignment_bound(inst, max_rounds=1, window_rounds=0, **kw)  # type: ignore[arg-type]
        assert with_window[0] == with_window[1]
        assert basic - 1e-9 <= without <= with_window[0] + 1e-9
        assert with_window[0] <= opt + 1e-6
        if seed == 0:  # one round alone stops at 53.0; the window reaches the optimum 74.0
            assert with_window[0] > without + 1.0


def _star(spokes: int, teams: int) -> ArcInstance:
    """A base at the centre of ``spokes`` required roads of 5 minutes, every team there."""
    return ArcInstance(
        spokes + 1,
        np.zeros(spokes, dtype=int),
        np.arange(1, spokes + 1),
        np.full((1, spokes), 5.0),
        np.ones(spokes, dtype=bool),
        np.zeros(teams, dtype=int),
        np.zeros(teams, dtype=int),
    )


def test_a_set_larger_than_max_exact_still_gets_its_violated_cuts() -> None:
    """A set of 12 spokes (120 min) against z = 50: its pairs (20) and triples (30) hold,
    so before the windows of its tour (6 spokes, 60 min) such a round found no cut and
    the rounds ended early. Every cut added is an exact subset cost above z."""
    from borderwatch.routing.assignment import _Cuts, _Rows
    from borderwatch.routing.minmax import _Model

    inst = _star(12, 1)
    model = _Model(inst)
    cuts = _Cuts(model, max_exact=6, lifted=True, n_min=30)
    rows = _Rows()
    col = {(0, j): j for j in range(12)}
    added = cuts.add_team(rows, col, 12, 0, tuple(range(12)), 50.0)
    assert added > 0 and len(rows.lo) == added
    assert cuts.seen
    for t, q in cuts.seen:
        assert len(q) <= 6
        assert subset_cost(inst, t, list(q)) == pytest.approx(cuts.exact_cache[(t, q)])
        assert cuts.exact_cache[(t, q)] > 50.0


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_exact", [1, 2, 3])
def test_bound_with_small_exact_sets_stays_below_brute_force(seed: int, max_exact: int) -> None:
    """Sets larger than ``max_exact`` are read through windows of their tour: still a
    valid bound (every cut an exact subset cost), repeatable, never below the basic one."""
    inst = _tiny(seed)
    opt = _brute_force(inst)
    got = [assignment_bound(inst, time_limit_s=60, max_exact=max_exact) for _ in range(2)]
    assert got[0] == got[1]
    assert lower_bound(inst) - 1e-9 <= got[0] <= opt + 1e-6


def _hub(spokes: int, teams: int) -> ArcInstance:
    """Every team at a base 50 min from a hub of ``spokes`` required 1-min dead ends: a
    team serving ``s`` spokes drives 100 + 2 s min; the additive row sees only 2 s."""
    return ArcInstance(
        spokes + 2,
        np.array([0] + [1] * spokes),
        np.array([1, *range(2, spokes + 2)]),
        np.array([[50.0] + [1.0] * spokes]),
        np.array([False] + [True] * spokes),
        np.zeros(teams, dtype=int),
        np.zeros(teams, dtype=int),
    )


def test_hub_bound_goes_past_what_pairs_and_triples_show() -> None:
    """13 spokes, 2 teams (optimum 7 spokes, 114 min), ``max_exact`` 7: the MILP hands a
    team 8 or more spokes, whose pairs (104) and triples (106) hold at its ``z``; without
    the windows of the set's tour the rounds ended there (104.0 measured). With them the
    7-spoke windows (114) bind: above 106, never above the optimum."""
    bound = assignment_bound(_hub(13, 2), time_limit_s=60, max_exact=7)
    assert 106.0 + 1e-6 < bound <= 114.0 + 1e-6


def test_pair_costs_are_the_exact_costs_of_every_pair() -> None:
    from borderwatch.routing.assignment import _pair_costs
    from borderwatch.routing.minmax import _Model

    for seed in range(4):
        inst = _tiny(seed)
        model = _Model(inst)
        tasks = tuple(range(model.m))
        for t in range(inst.n_teams):
            pair = _pair_costs(model, t, tasks)
            for a, b in itertools.combinations(range(model.m), 2):
                want = subset_cost(inst, t, [a, b])
                assert pair[a, b] == pair[b, a]
                assert pair[a, b] == want or (np.isinf(want) and np.isinf(pair[a, b]))


@pytest.mark.parametrize("seed", range(4))
def test_an_incumbent_below_the_optimum_is_proven_by_an_infeasible_capped_milp(seed: int) -> None:
    """With a value below every plan as the incumbent, the capped MILP has no solution.

    No assignment meets ``z <= incumbent``, so every plan is longer: the bound is the
    incumbent itself (still below the optimum), not the last round's weaker dual bound.
    """
    inst = _tiny(seed)
    opt = _brute_force(inst)
    low = 0.95 * opt
    bound = assignment_bound(inst, time_limit_s=10, incumbent=low)
    assert bound == pytest.approx(low, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_a_tour_found_beside_stops_the_rounds_without_changing_the_plans_bound(seed: int) -> None:
    """``found`` (the search's tours, told to the bound's process): the rounds stop once
    they reach one, and the bound the plan reports (its tour where the bound reaches it,
    ``reaches``) is the same as with rounds that ran on; a tour far above changes nothing."""
    from borderwatch.routing.assignment import REACH, BoundStats, reaches

    inst = _tiny(seed)
    opt = _brute_force(inst)
    plain_stats, early_stats, far_stats = BoundStats(), BoundStats(), BoundStats()
    plain = assignment_bound(inst, time_limit_s=10, stats=plain_stats)
    early = assignment_bound(inst, time_limit_s=10, stats=early_stats, found=lambda: opt)
    asked: list[int] = []

    def far() -> float:
        asked.append(1)
        return 2.0 * opt

    high = assignment_bound(inst, time_limit_s=10, stats=far_stats, found=far)
    assert high == plain and far_stats.rounds == plain_stats.rounds and asked
    assert early <= opt + 1e-6 and early_stats.rounds <= plain_stats.rounds
    # the plan's bound: its tour wherever the rounds stopped
    assert reaches(plain, opt, 2 * REACH) and reaches(early, opt, 2 * REACH)
    assert not reaches(opt - 3 * REACH, opt, 2 * REACH) and not reaches(opt, None)
