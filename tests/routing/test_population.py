"""The population search (routing.population): crossover, split, determinism, optimality."""

from __future__ import annotations

import random

import pytest

from borderwatch.config import SearchParams
from borderwatch.routing.bounds import lower_bound
from borderwatch.routing.minmax import solve_minmax
from borderwatch.routing.population import (
    PopulationParams,
    _order_crossover,
    solve_population,
    solve_search,
)
from tests.routing.helpers import grid
from tests.routing.test_quality import TINY, brute_force


def test_order_crossover_keeps_a_slice_of_the_first_parent_and_every_task_once() -> None:
    rng = random.Random(3)
    p1 = [(t, t % 2) for t in range(12)]
    p2 = [(t, 1 - t % 2) for t in reversed(range(12))]
    for _ in range(50):
        child = _order_crossover(rng, p1, p2)
        assert sorted(t for t, _ in child) == list(range(12))
        # p1's tasks keep p1's orientation, p2's keep p2's (both differ everywhere)
        kept = [i for i, x in enumerate(child) if x == p1[i]]
        rest = [x for i, x in enumerate(child) if i not in kept]
        assert all(x in p2 for x in rest)
        if kept:  # p1's slice is contiguous and in place
            assert kept == list(range(kept[0], kept[-1] + 1))
        # the others come in p2's order, read around the tour from the slice's end
        ref = [x for x in p2 if x in rest]
        assert any(rest == ref[c:] + ref[:c] for c in range(max(1, len(ref))))


def test_same_seed_same_result_and_the_budget_is_a_count() -> None:
    inst = grid(4, 4, seed=3, depots=(0, 5, 10))
    search = SearchParams(max_iterations=400, time_limit_s=0, seed=5)
    a = solve_population(inst, search)
    b = solve_population(inst, search)
    a.validate(inst)
    assert a.walks == b.walks and a.team_cost == b.team_cost
    assert a.iterations <= 400
    other = solve_population(inst, search.replace(seed=6))
    other.validate(inst)


def test_multi_depot_profiles_are_served_by_allowed_teams() -> None:
    inst = grid(5, 4, seed=2, depots=(0, 19, 10), profiles=2, required_share=0.6)
    res = solve_population(inst, SearchParams(max_iterations=300, time_limit_s=0, seed=0))
    res.validate(inst)
    assert lower_bound(inst) <= res.max_cost + 1e-9


@pytest.mark.parametrize(("name", "inst"), TINY, ids=[n for n, _ in TINY])
def test_population_equals_brute_force(name: str, inst: object) -> None:
    from borderwatch.routing.instance import ArcInstance

    assert isinstance(inst, ArcInstance)
    res = solve_population(inst, SearchParams(max_iterations=300, time_limit_s=0, seed=0))
    res.validate(inst)
    assert res.max_cost == pytest.approx(brute_force(inst)[0]), name


def test_default_budget_grows_with_the_tasks() -> None:
    p = PopulationParams()
    assert p.budget(10) == p.least
    assert p.budget(241) == 27 * 241
    assert p.budget(241, 200.0) == 270 * 241  # a longer limit, a longer (counted) search
    assert p.budget(241, 10.0, teams=40) == max(p.least, round(27 * 241 / 2))


def test_the_least_count_grows_with_the_tasks_per_team() -> None:
    """Long routes (few teams) get up to twice ``least``; plans' short routes do not."""
    p = PopulationParams()
    assert p.budget(62, 20.0, teams=17) == p.least  # Ningming: 3.6 tasks per team
    assert p.budget(241, 20.0, teams=40) == 27 * 241  # 500 km: the count per task rules
    assert p.budget(98, 10.0, teams=10) == p.least  # 9.8 tasks per team
    assert p.budget(72, 10.0, teams=5) == round(p.least * 72 / 50)  # 14.4 per team
    assert p.budget(98, 10.0, teams=2) == 2 * p.least  # 49 per team: at most twice
    assert p.budget(190, 10.0, teams=2) == 2 * p.least > round(27 * 190 / 2)
    assert p.budget(300, 20.0, teams=2) == 27 * 300  # the count per task still rules
    assert p.budget(1000, 20.0, teams=2) == 2 * p.least  # past the knee: work / tasks = least


def test_the_count_falls_past_the_knee_and_plans_keep_theirs() -> None:
    """Past ``anneal_from`` = 600 tasks the count is ``work / tasks``.

    Ningming (62 tasks, 17 teams), the generated 500 km (241 tasks, 40 teams) and
    1,000 km (482 tasks, 80 teams) borders keep their counts (2,000, 6,507, 13,014);
    2,000 km (989 tasks, 160 teams) got 26,703 before
    (benchmarks/results/search_count.md).
    """
    p = PopulationParams()
    assert p.knee == 600
    assert p.budget(62, 20.0, teams=17) == 2000
    assert p.budget(241, 20.0, teams=40) == 6507 == 27 * 241
    assert p.budget(482, 20.0, teams=80) == 13014 == 27 * 482
    assert p.budget(989, 20.0, teams=160) == 4044 < 27 * 989
    assert p.budget(989, 200.0, teams=160) == 40445  # still ten times as long at 200 s
    assert p.budget(600, 20.0, teams=60) == 27 * 600  # at the knee
    assert p.budget(601, 20.0, teams=60) == round(4e6 / 601)  # just past it
    # the safety cap: 10 x the limit up to the knee, then in proportion to the tasks
    assert p.cap_s(241, 20.0) == p.cap_s(62, 20.0) == p.cap_s(600, 20.0) == 200.0
    assert p.cap_s(989, 20.0) == pytest.approx(200.0 * 989 / 600)
    assert p.cap_s(989, 0.0) == 0.0  # no limit, no cap


def test_the_default_search_counts_the_teams_in_its_budget() -> None:
    """Two teams on 24 tasks (12 each) search 2,400 iterations: 1.2 x the least."""
    inst = grid(4, 4, seed=3, depots=(0, 0))
    m = len(inst.required_edges)
    want = PopulationParams().budget(m, 10.0, teams=2)
    assert want > PopulationParams().least
    res = solve_population(inst, SearchParams(time_limit_s=10.0, seed=0))
    res.validate(inst)
    assert res.max_cost > res.lower_bound  # not stopped at the bound: the whole count ran
    assert res.iterations == want == 2400


def test_solve_search_dispatches_on_the_iteration_count() -> None:
    inst = grid(4, 4, seed=1, depots=(0, 15))
    fixed = SearchParams(max_iterations=120, time_limit_s=0, seed=2)
    assert solve_search(inst, fixed).walks == solve_minmax(inst, fixed).walks
    free = SearchParams(seed=2)
    res = solve_search(inst, free)
    res.validate(inst)
    assert res.iterations <= PopulationParams().budget(len(inst.required_edges))
    assert res.walks == solve_population(inst, free).walks


def test_the_population_improves_on_its_start_and_breeds_offspring(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Offspring are bred (crossover + split) and the result beats the start solution."""
    inst = grid(6, 6, seed=4, depots=(0, 5, 30, 35, 14))
    start = solve_minmax(inst, SearchParams(max_iterations=0, time_limit_s=0, seed=0))
    with caplog.at_level("INFO", logger="borderwatch.routing.population"):
        res = solve_population(inst, SearchParams(max_iterations=600, time_limit_s=0, seed=0))
    res.validate(inst)
    assert res.max_cost < start.max_cost
    assert res.iterations == 600
    line = next(r.getMessage() for r in caplog.records if "population search" in r.getMessage())
    assert int(line.split(":")[1].split()[0]) >= 5  # offspring


def test_stop_at_ends_the_search_at_the_first_tour_that_reaches_it() -> None:
    """With ``stop_at`` the same run ends the first time its longest tour reaches it."""
    inst = grid(5, 5, seed=2, depots=(0, 24, 12))
    search = SearchParams(max_iterations=300, time_limit_s=0, seed=0)
    full = solve_population(inst, search)
    assert full.iterations == 300  # the basic bound is not reached: the count ends it
    stopped = solve_population(inst, search, stop_at=full.max_cost)
    stopped.validate(inst)
    assert stopped.max_cost <= full.max_cost * (1 + 1e-6)
    assert stopped.iterations < full.iterations
    again = solve_population(inst, search, stop_at=full.max_cost)
    assert again.walks == stopped.walks and again.iterations == stopped.iterations
    # a value no tour reaches changes nothing: the same run, to its count
    low = solve_population(inst, search, stop_at=lower_bound(inst) / 2)
    assert low.walks == full.walks and low.iterations == full.iterations


def test_prepare_search_changes_no_result() -> None:
    """The setup built before a search (or a fork) gives the searches the same results."""
    from borderwatch.routing.minmax import _giant_tour
    from borderwatch.routing.population import prepare_search

    search = SearchParams(max_iterations=300, time_limit_s=0, seed=1)
    for solve in (solve_population, solve_minmax):
        cold, warm = grid(5, 5, seed=7, depots=(0, 24, 12)), grid(5, 5, seed=7, depots=(0, 24, 12))
        basic = prepare_search(warm)
        a, b = solve(cold, search), solve(warm, search)
        assert a.walks == b.walks and a.team_cost == b.team_cost
        assert a.lower_bound == b.lower_bound == basic
    assert _giant_tour(warm) == _giant_tour(cold)


@pytest.mark.slow
def test_past_the_knee_the_default_search_is_one_long_annealing_of_the_count() -> None:
    """612 tasks (> 600): ``solve_search`` runs ``solve_minmax`` for the budget, capped.

    At 2,000 km one annealing of 4,044 iterations gave 182.4 min in 55 CPU s, the
    population 187-192 min in ~145 (benchmarks/results/search_count.md).
    """
    inst = grid(18, 18, seed=5, depots=tuple(range(0, 320, 5)))  # 64 teams
    m = len(inst.required_edges)
    # a safety cap no loaded CI worker reaches (each run is ~9 s at load 1 against the
    # default 10.2 s cap, which a busy machine did reach): the count must end both
    p = PopulationParams(slack=1000.0)
    assert m == 612 > p.knee
    want = p.budget(m, 1.0, teams=64)
    assert want == p.least  # 9.6 tasks per team, a short limit: the least count
    res = solve_search(inst, SearchParams(time_limit_s=1.0, seed=0), p)
    res.validate(inst)
    same = solve_minmax(
        inst, SearchParams(max_iterations=want, time_limit_s=p.cap_s(m, 1.0), seed=0)
    )
    assert 0 < res.iterations <= want
    assert res.walks == same.walks
    assert res.max_cost == same.max_cost
