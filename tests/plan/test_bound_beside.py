"""The assignment bound beside the search (issue #24.5): a forked process, the same value as here."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import time

import pytest

from borderwatch.config import SearchParams
from borderwatch.plan.patrols import BoundBeside, plan_patrols, pruned_bound
from borderwatch.routing.bounds import lower_bound
from tests.helpers import generated_instance

SEARCH = SearchParams(max_iterations=300, seed=3, bound_rounds=45)


def _reported(bound: float, basic: float, loop: float) -> float:
    """The bound a plan reports: its loop where the bound reaches it (within 2 REACH),
    else the bound between the basic one and the loop."""
    from borderwatch.routing.assignment import REACH, reaches

    return loop if reaches(bound, loop, 2 * REACH) else min(max(bound, basic), loop)


@pytest.fixture(scope="module")
def small():
    return generated_instance(20, seed=2)


def test_forked_bound_equals_the_bound_computed_here(small) -> None:
    _net, patrol = small
    here = pruned_bound(patrol.instance, SEARCH, 30.0)
    beside = BoundBeside(patrol.instance, SEARCH, 30.0, fork=True)
    assert beside.forked  # Linux: a child process computes it
    inline = BoundBeside(patrol.instance, SEARCH, 30.0, fork=False)
    assert not inline.forked
    assert beside.result() == here == inline.result()
    # the MILP's cuts lift it above the basic bound (7 links: 48.4 vs 39.5 min), so a child
    # computing another instance, seed or round count would show here
    assert here > lower_bound(patrol.instance) + 60.0


def test_a_lost_child_is_replaced_by_the_bound_computed_here(small) -> None:
    _net, patrol = small
    beside = BoundBeside(patrol.instance, SEARCH, 30.0, fork=True)
    assert beside._child is not None and beside._child.pid is not None
    os.kill(beside._child.pid, signal.SIGKILL)  # the child dies without reporting
    assert beside.result() == pruned_bound(patrol.instance, SEARCH, 30.0)


def test_close_stops_a_child_not_waited_for(small) -> None:
    _net, patrol = small
    beside = BoundBeside(patrol.instance, SEARCH, 30.0, fork=True)
    proc = beside._child
    assert proc is not None
    beside.close()
    assert not proc.is_alive()
    assert not beside.forked


def test_plan_carries_the_bound_of_the_process(small) -> None:
    net, patrol = small
    plan = plan_patrols(net, SEARCH)
    want = pruned_bound(patrol.instance, SEARCH, 30.0)
    basic = lower_bound(patrol.instance)
    assert plan.result.lower_bound == _reported(want, basic, plan.result.max_cost)
    assert plan.balanced.lower_bound == plan.result.lower_bound
    # a valid bound: never above the plan's longest min-max tour
    assert plan.result.lower_bound <= plan.result.max_cost + 1e-6


def test_the_childs_basic_bound_matching_is_handed_over() -> None:
    """share_setup: the child's matching of the basic bound lands in this process's cache
    (one team on a grid: the average bound decides, so the basic bound needs a matching)."""
    from borderwatch.routing import postman
    from borderwatch.routing.bounds import average_bound, round_trip_bound
    from tests.routing.helpers import grid

    inst = grid(4, 5, seed=0, depots=(0,))
    assert average_bound(inst) > round_trip_bound(inst)
    postman._matching_cache.clear()
    want = lower_bound(inst)  # computed here
    mine = postman.cached_matchings()
    assert mine  # the basic bound matched odd nodes
    postman._matching_cache.clear()
    beside = BoundBeside(inst, SEARCH, 30.0, fork=True)
    assert beside.forked
    beside.share_setup()
    assert postman.cached_matchings() == mine  # the very entries this process computed
    assert lower_bound(inst) == want
    assert beside.result() == pruned_bound(inst, SEARCH, 30.0)


def test_share_setup_does_not_wait_where_the_round_trip_decides(small) -> None:
    """The basic bound of the small plan needs no matching (two teams: the round trip
    decides), so the search's setup does not wait for the child: with the child stopped
    (SIGSTOP) share_setup returns at once, the basic bound is the same, and the bound
    comes once the child runs again. Waiting for its word, as before, would hang here."""
    from borderwatch.routing.bounds import average_at_most, round_trip_bound

    _net, patrol = small
    inst = patrol.instance
    assert average_at_most(inst, round_trip_bound(inst))
    want = lower_bound(inst)
    beside = BoundBeside(inst, SEARCH, 30.0, fork=True)
    assert beside._child is not None and beside._child.pid is not None
    pid = beside._child.pid
    os.kill(pid, signal.SIGSTOP)
    try:

        class Late(Exception):  # not an OSError: the pipe's reader would take that as "lost"
            pass

        def late(_signum: int, _frame: object) -> None:
            raise Late("share_setup waited for the stopped child")

        old = signal.signal(signal.SIGALRM, late)
        signal.alarm(20)
        try:
            beside.share_setup()
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
        assert lower_bound(inst) == want
    finally:
        os.kill(pid, signal.SIGCONT)
    assert beside.result() == pruned_bound(inst, SEARCH, 30.0)


def test_the_bound_arrives_without_share_setup(small) -> None:
    _net, patrol = small
    beside = BoundBeside(patrol.instance, SEARCH, 30.0, fork=True)
    assert beside.forked
    assert beside.result() == pruned_bound(patrol.instance, SEARCH, 30.0)


def test_the_bound_after_the_search_is_the_same_forked_or_here(small) -> None:
    """``after``: the assignment bound pruned by the search's own longest tour (#24.4)."""
    from borderwatch.routing.assignment import assignment_bound
    from borderwatch.routing.minmax import solve_minmax

    _net, patrol = small
    inst = patrol.instance
    res = solve_minmax(inst, SEARCH)
    after = (res.max_cost, res.lower_bound)
    here = assignment_bound(
        inst, time_limit_s=30.0, max_rounds=45, incumbent=res.max_cost, basic=res.lower_bound
    )
    forked = BoundBeside(inst, SEARCH, 30.0, fork=True, after=after)
    assert forked.forked
    inline = BoundBeside(inst, SEARCH, 30.0, fork=False, after=after)
    assert forked.result() == here == inline.result()
    assert here > lower_bound(inst) + 60.0  # the MILP's bound, not the basic one
    # pruned by the given tour, not by a warm-up search of its own: a (fictitious) tour
    # just above the basic bound caps it there
    low = (res.lower_bound + 60.0, res.lower_bound)
    capped = BoundBeside(inst, SEARCH, 30.0, fork=True, after=low).result()
    assert capped == assignment_bound(
        inst, time_limit_s=30.0, max_rounds=45, incumbent=low[0], basic=low[1]
    )
    assert capped <= low[0] < pruned_bound(inst, SEARCH, 30.0)


def test_a_plan_past_whole_up_to_bounds_beside_the_night_stage(small, monkeypatch) -> None:
    """Past WHOLE_UP_TO links the bound runs after the search, beside the night stage and
    the schedule when a core is spare: the same plan and bound whether it forks or not."""
    from borderwatch import forking
    from borderwatch.plan import patrols
    from borderwatch.routing.assignment import assignment_bound

    net, patrol = small
    monkeypatch.setattr(patrols, "WHOLE_UP_TO", 0)  # this small plan takes that path
    forked: list[bool] = []

    class Seen(patrols.BoundBeside):  # records whether each bound's process was forked
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            forked.append(self.forked)

    monkeypatch.setattr(patrols, "BoundBeside", Seen)
    plans = []
    for spare in (True, False):
        monkeypatch.setattr(patrols, "_spare_core", lambda spare=spare: spare)
        plans.append(plan_patrols(net, SEARCH))
    # the first plan's bound really ran in a forked process (unless threads that other tests
    # of this worker left keep every fork off: borderwatch.forking)
    assert forked == [forking.other_threads() == 0, False]
    a, b = plans
    assert [r.steps for r in a.routes] == [r.steps for r in b.routes]
    assert a.result.lower_bound == b.result.lower_bound == a.balanced.lower_bound
    want = assignment_bound(
        patrol.instance,
        time_limit_s=patrols.bound_cap_s(len(patrol.links)),
        max_rounds=SEARCH.bound_rounds,
        incumbent=a.result.max_cost,
        basic=lower_bound(patrol.instance),
    )
    assert a.result.lower_bound == _reported(want, lower_bound(patrol.instance), a.result.max_cost)
    assert a.objective.key() == b.objective.key()


def test_the_childs_error_is_raised_here(small, monkeypatch) -> None:
    """The bound's child raises: its exception, raised in its process, is raised by result()."""
    from borderwatch.plan import patrols

    _net, patrol = small

    def broken(*_a: object) -> None:
        raise ValueError(f"no bound in process {os.getpid()}")

    monkeypatch.setattr(patrols, "_bound_value", broken)
    beside = BoundBeside(patrol.instance, SEARCH, 30.0, fork=True, after=(6000.0, 3000.0))
    assert beside.forked
    with pytest.raises(ValueError, match="no bound in process") as err:
        beside.result()
    pid = re.search(r"no bound in process (\d+)", str(err.value))
    assert pid is not None and int(pid[1]) != os.getpid()  # the child's, not computed here


class _Unpicklable(Exception):
    def __reduce__(self) -> object:
        raise TypeError("cannot pickle this")


def test_a_childs_error_that_cannot_come_is_logged_and_computed_here(
    small, monkeypatch, caplog
) -> None:
    from borderwatch.plan import patrols

    _net, patrol = small
    inst = patrol.instance
    real = patrols._bound_value

    def broken(*_a: object) -> None:
        raise _Unpicklable("a PROJ handle")

    after = (lower_bound(inst) + 600.0, lower_bound(inst))
    monkeypatch.setattr(patrols, "_bound_value", broken)
    beside = BoundBeside(inst, SEARCH, 30.0, fork=True, after=after)  # the child has it
    monkeypatch.setattr(patrols, "_bound_value", real)  # this process has the real one
    assert beside.forked
    with caplog.at_level("WARNING", logger="borderwatch.plan.patrols"):
        value = beside.result()
    assert caplog.messages == [
        "the bound's process failed (_Unpicklable: a PROJ handle): computed here"
    ]
    assert value == real(inst, SEARCH, 30.0, after)[0]


def test_a_draft_is_the_plan_but_for_its_bound(small, monkeypatch) -> None:
    """draft_patrols hands the plan over while the bound's process runs; finish() gives
    the same plan as plan_patrols, the bound then the process's."""
    from borderwatch.plan import patrols
    from borderwatch.plan.patrols import draft_patrols

    net, patrol = small
    monkeypatch.setattr(patrols, "_spare_core", lambda: True)  # the bound's process forked
    whole = plan_patrols(net, SEARCH)
    with draft_patrols(net, SEARCH) as draft:
        assert draft.bound_forked
        early = draft.plan
        # the routes and the schedule are final; the bound is still the search's basic one
        assert early.routes == whole.routes
        assert early.schedule.loop_min == whole.schedule.loop_min
        assert early.result.lower_bound == lower_bound(patrol.instance)
        assert early.result.lower_bound + 60.0 < whole.result.lower_bound
        plan = draft.finish()
        assert not draft.bound_forked and draft.finish() is plan  # waited for once
    timeless = ("seconds", "search_s")  # the runs' clocks differ, nothing else
    for got, want in ((plan.result, whole.result), (plan.balanced, whole.balanced)):
        assert dataclasses.replace(got, seconds=0.0, search_s=0.0) == dataclasses.replace(
            want, seconds=0.0, search_s=0.0
        ), timeless
    assert plan.bound_min == whole.bound_min and plan.gap_pct == whole.gap_pct


def test_leaving_a_draft_unfinished_stops_the_bounds_process(small, monkeypatch) -> None:
    from borderwatch.plan import patrols
    from borderwatch.plan.patrols import draft_patrols

    net, _patrol = small
    monkeypatch.setattr(patrols, "_spare_core", lambda: True)
    # the forked process's bound takes a minute (the fork copies the patched module)
    monkeypatch.setattr(patrols, "_bound_value", lambda *a: time.sleep(60.0))
    with pytest.raises(RuntimeError, match="the odds failed"), draft_patrols(net, SEARCH) as draft:
        proc = draft._beside._child if draft._beside is not None else None
        assert proc is not None and proc.is_alive()
        raise RuntimeError("the odds failed")  # what runs meanwhile fails
    assert not proc.is_alive()
    assert not draft.bound_forked


def test_every_plan_says_its_line_once(small, caplog) -> None:
    """The plan's INFO line: once, with the bound it carries (a bound process or none)."""
    net, _patrol = small
    for search in (SEARCH, SEARCH.replace(bound_rounds=0)):
        caplog.clear()
        with caplog.at_level("INFO", logger="borderwatch.plan.patrols"):
            plan = plan_patrols(net, search)
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("plan: ")]
        assert len(lines) == 1
        assert f"bound {plan.bound_min:.1f} min" in lines[0]


def test_the_bound_process_reads_the_searchs_latest_tour() -> None:
    """BoundBeside.offer sends the search's tours down the pipe; the child's ``found``
    reads the least so far without waiting, and keeps it once the plan's end is closed."""
    import multiprocessing

    from borderwatch.plan.patrols import _found_in

    mine, theirs = multiprocessing.Pipe(duplex=True)
    found = _found_in(theirs)
    assert found() is None
    mine.send(("loop", 90.0))
    mine.send(("loop", 88.5))
    mine.send(("other", 1.0))
    assert found() == 88.5
    mine.close()
    assert found() == 88.5  # the plan's process went away: no error, the last tour


@pytest.mark.slow
def test_ningmings_bound_stops_where_the_search_found_the_optimum(ningming_net) -> None:
    """Ningming's bound proves the search's 88.07 min at round ~23, then ran ~6-10 rounds
    more against the warm-up's 88.2 min; told the search's tour it stops there, and the
    plan's bound (its tour once reached) is the same: forked, here, or without the tour."""
    from borderwatch.plan.patrols import _with_bound
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.assignment import BoundStats
    from borderwatch.routing.patrol import build_instance
    from borderwatch.routing.population import solve_search

    search = SearchParams(seed=ningming_net.config.seed)
    patrol = build_instance(ningming_net, choose_required_edges(ningming_net).edges)
    result = solve_search(patrol.instance, search)
    plain_stats, early_stats = BoundStats(), BoundStats()
    plain = pruned_bound(patrol.instance, search, 60.0, plain_stats)
    early = pruned_bound(patrol.instance, search, 60.0, early_stats, found=lambda: result.max_cost)
    assert early_stats.rounds < plain_stats.rounds
    forked = BoundBeside(patrol.instance, search, 60.0, fork=True)
    forked.offer(result.max_cost + 1.0)
    forked.offer(result.max_cost)  # the least counts
    here = BoundBeside(patrol.instance, search, 60.0, fork=False)
    here.offer(result.max_cost)
    bounds = {
        _with_bound(result, b).lower_bound for b in (plain, early, forked.result(), here.result())
    }
    assert bounds == {result.max_cost}
