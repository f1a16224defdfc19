"""solve_minmax's second search from the served-order greedy start (issue #24, item 4).

The usual greedy orders tasks by the nearest base of any team; a task only some teams may
serve then goes in last, when those teams are full (1,000 km seed 7 sector 2 at 1,500
iterations: 270.7 min in 8 of 12 seeds). solve_minmax also searches from the greedy that
orders by the nearest base of a team that may serve the task, and keeps the better.
"""

from __future__ import annotations

import pytest

from borderwatch.config import SearchParams
from borderwatch.routing import minmax
from borderwatch.routing.minmax import _Model, _served_differs, solve_minmax
from tests.routing.helpers import grid

# an 8 x 8 grid, 112 tasks, 5 bases, a second profile barred from the interior verticals
DEPOTS = (0, 63, 7, 56, 27)


def test_the_served_order_differs_only_where_teams_are_barred() -> None:
    open_to_all = grid(8, 8, seed=2, depots=DEPOTS, profiles=1)
    barred = grid(8, 8, seed=2, depots=DEPOTS, profiles=2)
    assert not _served_differs(_Model.of(open_to_all))
    model = _Model.of(barred)
    assert _served_differs(model)
    # a task every team may serve keeps its distance; none is nearer than from any base
    assert (model.serve_dist >= model.depot_dist).all()
    open_tasks = model.allowed.all(axis=0)
    assert (model.serve_dist[open_tasks] == model.depot_dist[open_tasks]).all()


def test_short_searches_and_small_instances_have_no_second_search() -> None:
    """Below SERVED_MIN_TASKS tasks or SERVED_MIN_ITERATIONS, the iterations are the count."""
    small = grid(5, 4, seed=2, depots=(0, 19, 10), profiles=2, required_share=0.6)
    res = solve_minmax(small, SearchParams(max_iterations=150, time_limit_s=0, seed=0))
    assert res.iterations <= 150
    big = grid(8, 8, seed=2, depots=DEPOTS, profiles=2)
    res = solve_minmax(big, SearchParams(max_iterations=100, time_limit_s=0, seed=0))
    assert res.iterations <= 100


@pytest.mark.slow
def test_the_second_search_keeps_the_better_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """On this grid and seed the served start's 60 iterations beat the first search's 600."""
    inst = grid(8, 8, seed=2, depots=DEPOTS, profiles=2)
    search = SearchParams(max_iterations=600, time_limit_s=0, seed=2)
    both = solve_minmax(inst, search)
    both.validate(inst)
    assert both.iterations == 600 + 60
    assert solve_minmax(inst, search).tasks == both.tasks  # deterministic
    monkeypatch.setattr(minmax, "SERVED_MIN_TASKS", 10**9)  # the first search alone
    first = solve_minmax(inst, search)
    assert first.iterations == 600
    assert (first.max_cost, both.max_cost) == (184.0, 180.0)
