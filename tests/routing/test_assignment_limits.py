"""The assignment bound ends by counts, never by the clock (issue #24, bound9).

Its rounds stop at ``max_rounds``, before a round on a model of more than ``max_nnz``
nonzeros (the exact regime), or when a round's MILP reaches ``max_nodes`` nodes: the
same value on every run and under any wall-clock cap that does not bind first. The cap
stays a safety net whose hitting is reported (``BoundStats.by_time``, plan.json, report).
"""

from __future__ import annotations

import json
from typing import Any

import highspy
import pytest

from borderwatch.config import SearchParams
from borderwatch.plan.patrols import BoundBeside, plan_patrols
from borderwatch.planfiles.export import plan_summary, report_text
from borderwatch.routing.assignment import BoundStats, assignment_bound
from tests.helpers import generated_instance
from tests.routing.test_assignment import _brute_force, _hub, _tiny

SEARCH = SearchParams(max_iterations=300, seed=3, bound_rounds=45)


@pytest.fixture(scope="module")
def small():
    return generated_instance(20, seed=2)


def test_the_size_limit_gives_the_same_bound_under_a_tiny_and_a_large_cap(small) -> None:
    """The size limit ends the rounds within a few: a 2 s and a 1,000 s cap print the same."""
    _net, patrol = small
    free = BoundStats()
    full = assignment_bound(patrol.instance, time_limit_s=1000.0, max_nnz=None, stats=free)
    assert free.rounds >= 4 and not free.by_size and not free.by_time
    # a limit between the first and the last round's model: the rounds end by it
    limit = free.nnz // 2
    runs = []
    for cap in (2.0, 1000.0):
        stats = BoundStats()
        value = assignment_bound(patrol.instance, time_limit_s=cap, max_nnz=limit, stats=stats)
        assert stats.by_size and not stats.by_time
        assert 1 <= stats.rounds < free.rounds and stats.nnz <= limit
        runs.append((value, stats.rounds, stats.nnz))
    assert runs[0] == runs[1]
    # the same rounds as a round count would give: the limit only decides where they end
    counted = assignment_bound(
        patrol.instance, time_limit_s=1000.0, max_nnz=None, max_rounds=runs[0][1]
    )
    assert runs[0][0] == counted <= full


@pytest.mark.parametrize("seed", range(6))
def test_bounds_under_the_limits_stay_below_the_brute_force_optimum(seed: int) -> None:
    inst = _tiny(seed)
    opt = _brute_force(inst)
    for kw in ({"max_nodes": 0}, {"max_nodes": 1}, {"max_nnz": 0}, {"max_nnz": 60}):
        stats = BoundStats()
        bound = assignment_bound(inst, time_limit_s=10, stats=stats, **kw)  # type: ignore[arg-type]
        assert bound <= opt + 1e-6, kw
        assert not stats.by_time


def test_a_round_stopped_by_its_node_limit_keeps_its_dual_bound() -> None:
    """The hub (13 spokes, 2 teams, optimum 114): one node per round stops a round that
    branches; its dual bound counts, the same on every run, never above the optimum."""
    inst = _hub(13, 2)
    stats = BoundStats()
    one = assignment_bound(inst, time_limit_s=60, max_exact=7, max_nodes=1, stats=stats)
    again = assignment_bound(inst, time_limit_s=60, max_exact=7, max_nodes=1)
    assert stats.by_nodes and not stats.by_time
    assert one == again <= 114.0 + 1e-6
    assert one > 102.0  # rounds ran before the limit stopped one (the first round gives 102)


def test_a_bound_stopped_by_the_cap_is_reported_in_plan_json_and_the_report(small) -> None:
    net, _patrol = small
    timed = plan_patrols(net, SEARCH.replace(bound_time_s=0.0))  # the cap binds at once
    plain = plan_patrols(net, SEARCH)
    assert timed.bound_by_time and not plain.bound_by_time
    summary = json.loads(json.dumps(plan_summary(net, timed)))
    assert summary["bound_stopped_by_time"] is True
    assert "bound stopped by the time cap" in report_text(net, timed, summary, lang="en")
    clean = plan_summary(net, plain)
    assert "bound_stopped_by_time" not in clean  # plans ended by their counts: unchanged
    assert "time cap" not in report_text(net, plain, clean, lang="en")
    assert "时间上限" in report_text(net, timed, summary, lang="zh")


@pytest.mark.parametrize("fork", [True, False])
def test_the_bound_beside_says_whether_its_cap_stopped_it(small, fork: bool) -> None:
    _net, patrol = small
    timed = BoundBeside(patrol.instance, SEARCH, 0.0, fork=fork)
    timed.result()
    assert timed.by_time
    plain = BoundBeside(patrol.instance, SEARCH, 30.0, fork=fork)
    plain.result()
    assert not plain.by_time


def test_a_ctrl_c_inside_highs_ends_the_bound_with_keyboard_interrupt(small) -> None:
    """A Ctrl-C landing in the Python HiGHS calls (its callbacks) was swallowed by HiGHS:
    the rounds stopped with a weaker bound and a Ctrl-C'd plan went on to write it, exit 0.
    Now it is held, HiGHS is asked to stop at its next interrupt check (the round does not
    run on to its node limit), and it is raised when the run has ended."""
    import os
    import signal

    from borderwatch.routing import assignment

    _net, patrol = small
    improving = assignment._Milp._improving
    pressed: list[int] = []

    milps: list[Any] = []

    def ctrl_c_once(self: object, *args: object) -> None:
        # the user presses Ctrl-C while HiGHS is in Python (at its interrupt check)
        if not pressed and args[0] == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            pressed.append(1)
            milps.append(self)
            os.kill(os.getpid(), signal.SIGINT)
        improving(self, *args)  # type: ignore[arg-type]

    # Python's own handler, as in a command (a pytest-xdist worker may run with another)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    assignment._Milp._improving = ctrl_c_once  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            assignment_bound(patrol.instance, time_limit_s=1000.0)
        assert pressed and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        # and HiGHS stopped at its next check instead of finishing the round
        assert milps and milps[-1].h.getModelStatus() == highspy.HighsModelStatus.kInterrupt
    finally:
        assignment._Milp._improving = improving  # type: ignore[method-assign]
        signal.signal(signal.SIGINT, previous)
    # and without one the same rounds end normally
    assert assignment_bound(patrol.instance, time_limit_s=1000.0) > 0
