"""The basic bound without the odd-node matching where the round trip decides (issue #24.5)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from borderwatch.routing import postman
from borderwatch.routing.bounds import (
    average_at_most,
    average_bound,
    lower_bound,
    odd_join_bound,
    round_trip_bound,
)
from tests.routing.helpers import grid

CASES = [
    (rows, cols, seed, teams, profiles, share)
    for (rows, cols), seed, teams, profiles, share in itertools.product(
        [(3, 3), (4, 5), (6, 6)], range(3), (1, 2, 4, 9), (1, 2), (0.3, 1.0)
    )
]


def _instance(rows: int, cols: int, seed: int, teams: int, profiles: int, share: float):
    rng = np.random.default_rng(seed + 100 * teams)
    depots = tuple(int(d) for d in rng.integers(0, rows * cols, size=teams))
    return grid(rows, cols, seed=seed, depots=depots, profiles=profiles, required_share=share)


def test_lower_bound_is_the_larger_of_the_two_bounds_either_way() -> None:
    """The same float as ``max(round trip, average)`` on every case, and both ways taken:
    the matching left out (many teams: the round trip decides) and computed (one team)."""
    skipped = computed = 0
    for case in CASES:
        inst = _instance(*case)
        trip = round_trip_bound(inst)
        want = max(trip, average_bound(inst))
        for integral in (None, False):
            assert lower_bound(inst, integral=integral) == max(
                trip, average_bound(inst, integral=integral)
            ), case
        assert lower_bound(inst) == want
        if average_at_most(inst, trip):
            skipped += 1
        else:
            computed += 1
    assert skipped >= 20 and computed >= 20, (skipped, computed)


@pytest.mark.parametrize("case", CASES[::5])
def test_average_at_most_never_claims_a_smaller_value(case: tuple) -> None:
    """Wherever it says yes, the exact average bound is at most the value: checked on values
    from well below to just above the bound (at the bound itself it may say either)."""
    inst = _instance(*case)
    avg = average_bound(inst, integral=False)
    for f in (0.5, 0.9, 0.999, 1.0 - 1e-12, 1.0, 1.001, 1.5, 3.0):
        v = avg * f
        if average_at_most(inst, v, integral=False):
            assert avg <= v
    # far above any matching's cost it is shown (the greedy join is finite here)
    service = float(inst.cost.min(axis=0)[inst.required_edges].sum())
    far = 2 * (service + 2 * odd_join_bound(inst) + 1.0) * 100
    assert average_at_most(inst, far, integral=False)


def test_the_round_trip_decides_without_a_matching() -> None:
    """Nine teams on a 4 x 5 grid: the basic bound computes no odd-node matching."""
    inst = _instance(4, 5, 1, 9, 1, 0.3)
    postman._matching_cache.clear()
    value = lower_bound(inst)
    assert not postman.cached_matchings()  # the blossom did not run
    assert value == round_trip_bound(inst) > average_bound(inst)
    assert postman.cached_matchings()  # average_bound itself matched
