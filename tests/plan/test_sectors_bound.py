"""The sector plan's bounds end by their rounds, not by the clock (plan/sectors.py).

A machine under heavy load is stood in for by a slow clock in the assignment
bound's module only (each reading 1,000 s after the last): a wall-clock cap then
binds at once, as a 30 s cap could at a load of 9, when the in-process and the
Dask runs of one plan used to differ in their bounds.
"""

from __future__ import annotations

import pytest

from borderwatch.config import SearchParams
from borderwatch.plan.sectors import plan_sectors
from borderwatch.routing import assignment

SEARCH = SearchParams(max_iterations=40, bound_rounds=4, seed=5)


class _SlowClock:
    """``time`` for routing.assignment: every reading 1,000 s after the previous one."""

    now = 0.0

    @classmethod
    def perf_counter(cls) -> float:
        cls.now += 1000.0
        return cls.now


@pytest.fixture(scope="module")
def net():  # type: ignore[no-untyped-def]
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    return build_network(generate_scenario(80, seed=7))


@pytest.mark.slow
def test_sector_bounds_do_not_depend_on_the_clock(net, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    calm = plan_sectors(net, 2, workers=0, search=SEARCH, full_bound=True)
    assert calm.bound_kind == "assignment"
    monkeypatch.setattr(assignment, "time", _SlowClock)
    # the instrument bites: a plan given a wall-clock cap keeps only the basic bounds
    capped = plan_sectors(
        net, 2, workers=0, search=SEARCH.replace(bound_time_s=30.0), full_bound=True
    )
    assert capped.sector_bound < calm.sector_bound
    assert capped.result.lower_bound < calm.result.lower_bound
    # without a cap (the default) the sectors' and the stitched bound are the calm run's
    loaded = plan_sectors(net, 2, workers=0, search=SEARCH, full_bound=True)
    assert [f.bound_min for f in loaded.figures] == [f.bound_min for f in calm.figures]
    assert loaded.sector_bound == calm.sector_bound
    assert loaded.result.lower_bound == calm.result.lower_bound


@pytest.mark.slow
def test_sector_bounds_have_at_most_sector_bound_rounds(
    net, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Without ``bound_time_s`` each sector's plan and the stitched bound get at most
    SECTOR_BOUND_ROUNDS rounds (45 exact rounds of a 100-link sector ran for minutes);
    with a wall-clock cap the caller's rounds stay."""
    from borderwatch.plan import sectors

    seen: list[tuple[str, int]] = []
    real_plan, real_bound = sectors.plan_patrols, assignment.assignment_bound

    def plan(sub, search, **kw):  # type: ignore[no-untyped-def]
        seen.append(("sector", search.bound_rounds))
        return real_plan(sub, search, **kw)

    def bound(instance, **kw):  # type: ignore[no-untyped-def]
        seen.append(("stitched", kw["max_rounds"]))
        return real_bound(instance, **kw)

    monkeypatch.setattr(sectors, "plan_patrols", plan)
    monkeypatch.setattr(assignment, "assignment_bound", bound)
    # 2 sectors: the trial plans refuse this 80 km border's split (109.6 vs 104.0 min)
    monkeypatch.setattr(sectors, "TRIAL_MAX_LINKS", 0)
    search = SearchParams(max_iterations=40, seed=5)
    assert search.bound_rounds > sectors.SECTOR_BOUND_ROUNDS  # the default would run 45
    plan_sectors(net, 2, workers=0, search=search, full_bound=True)
    rounds = sectors.SECTOR_BOUND_ROUNDS
    assert seen == [("sector", rounds), ("sector", rounds), ("stitched", rounds)]
    seen.clear()
    more = rounds + 1
    capped = search.replace(bound_rounds=more, bound_time_s=60.0)
    plan_sectors(net, 2, workers=0, search=capped, full_bound=True)
    assert seen == [("sector", more), ("sector", more), ("stitched", more)]


@pytest.mark.slow
def test_a_stitched_bound_stopped_by_the_cap_is_reported() -> None:
    """A sector plan whose whole-border bound the wall-clock cap cut says so in plan.json."""
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.planfiles.export import plan_summary

    small = build_network(generate_scenario(60, seed=0))
    timed = SearchParams(max_iterations=60, seed=0, bound_rounds=45, bound_time_s=0.0)
    plan = plan_sectors(small, 2, timed, full_bound=True, tolerance=None, workers=0)
    assert plan.bound_by_time and plan.balanced.bound_by_time
    assert plan_summary(small, plan)["bound_stopped_by_time"] is True
