"""lp_odds's row dedupe (np.unique(axis=0)'s rows, order and counts) and its cutting planes (#24.5, #25)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from borderwatch.plan import odds
from borderwatch.plan.odds import LP_ROWS, _distinct_rows, _unique_rows, lp_odds


@pytest.mark.parametrize("seed", range(20))
def test_same_rows_order_and_counts_as_np_unique(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_rows, n_cols = int(rng.integers(1, 400)), int(rng.integers(1, 30))
    # few distinct values per column, so that rows repeat and ties run deep into the columns
    table = rng.choice([0.0, 0.25, 0.5, 1.0, 1e-12, 0.123456789012], size=(n_rows, n_cols))
    table[rng.random(n_rows) < 0.3] = table[0]  # many copies of one row
    rows, counts = _unique_rows(table)
    want_rows, want_counts = np.unique(table, axis=0, return_counts=True)
    assert rows.tobytes() == want_rows.tobytes()
    assert counts.tolist() == want_counts.tolist()


def test_edge_shapes_as_np_unique() -> None:
    for table in (np.zeros((0, 3)), np.zeros((4, 0)), np.array([[1.0, 2.0]]), -np.eye(3)):
        rows, counts = _unique_rows(table)
        want_rows, want_counts = np.unique(table, axis=0, return_counts=True)
        assert rows.shape == want_rows.shape and np.array_equal(rows, want_rows)
        assert counts.tolist() == want_counts.tolist()


@pytest.mark.parametrize("seed", range(12))
def test_distinct_rows_are_the_float_tables_unique_rows(seed: int) -> None:
    """_distinct_rows (keys: packed seen, rounded weight and base) = _unique_rows of the float table."""
    rng = np.random.default_rng(100 + seed)
    n_rows, n_cols = int(rng.integers(1, 600)), int(rng.integers(1, 140))
    seen = rng.random((n_rows, n_cols)) < rng.uniform(0.02, 0.6)
    seen[rng.random(n_rows) < 0.3] = seen[0]
    seen[rng.random(n_rows) < 0.05] = False  # rows no variant sees
    weight = rng.choice([1.0, 0.5, 0.25, 1e-13, 0.0, 0.3333333333333], size=n_rows)
    base = np.where(weight == 1.0, 0.0, 1.0 - weight) + rng.choice([0.0, 1e-14], size=n_rows)
    a_rows, b_rows, counts = _distinct_rows(seen, base, weight)
    want_rows, want_counts = _unique_rows(
        np.round(np.column_stack([weight[:, None] * seen, base]), 12)
    )
    assert np.column_stack([a_rows, b_rows]).tobytes() == want_rows.tobytes()
    assert counts.tolist() == want_counts.tolist()
    assert counts.sum() == n_rows


def _full_lp(seen: np.ndarray, base: np.ndarray, weight: np.ndarray, allowed: np.ndarray) -> float:
    """The max-min of the odds LP over every row at once (scipy's HiGHS, no cutting planes)."""
    n = seen.shape[1]
    a = weight[:, None] * seen
    res = linprog(
        np.r_[np.zeros(n), -1.0],
        A_ub=np.column_stack([-a, np.ones(len(a))]),
        b_ub=base,
        A_eq=np.r_[np.ones(n), 0.0].reshape(1, -1),
        b_eq=[1.0],
        bounds=[(0.0, 1.0 if ok else 0.0) for ok in allowed] + [(0.0, 1.0)],
        method="highs",
    )
    assert res.status == 0
    return float(res.x[-1])


@pytest.mark.parametrize(("seed", "first"), [(s, f) for s in range(4) for f in (LP_ROWS, 40)])
def test_cutting_planes_reach_the_full_lps_optimum(
    seed: int, first: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more than LP_ROWS distinct rows the odds LP adds rows where violated: same optimum.

    With the default first LP (1,000 rows) these instances need no second round; with
    a first LP of 40 rows (25 added a round) they take several, and end at the same optimum.
    """
    monkeypatch.setattr(odds, "LP_ROWS", first)
    monkeypatch.setattr(odds, "LP_ADD", 25)
    solves: list[int] = []

    solve = odds._solve_lp

    def counted(cost: Any, a_ub: Any, *args: Any) -> Any:
        solves.append(a_ub.shape[0])
        return solve(cost, a_ub, *args)

    monkeypatch.setattr(odds, "_solve_lp", counted)
    rng = np.random.default_rng(200 + seed)
    n_rows, n_cols = 4 * LP_ROWS, int(rng.integers(16, 40))
    seen = rng.random((n_rows, n_cols)) < rng.uniform(0.1, 0.4)
    weight = rng.choice([1.0, 0.9, 0.75, 0.5], size=n_rows)
    base = 1.0 - weight
    allowed = rng.random(n_cols) < 0.8
    allowed[:3] = True
    ok = np.flatnonzero(allowed)
    for r in range(n_rows):  # every row seen by some allowed variants: no trivial zero
        seen[r, rng.choice(ok, size=2, replace=False)] = True
    a_rows, _, _ = _distinct_rows(seen, base, weight)
    assert len(a_rows) > LP_ROWS  # the cutting-plane path, not the one full LP
    p, z = lp_odds(seen, allowed, base=base, weight=weight)
    want = _full_lp(seen, base, weight, allowed)
    assert 0.0 < want < 1.0  # something to guarantee, not everything
    # the odds (rounded to 1e-6) keep every row at the full LP's optimum
    assert z == pytest.approx(want, abs=2e-5)
    assert float((base + weight * (seen @ p)).min()) == pytest.approx(z, abs=1e-12)
    assert (p[~allowed] == 0).all() and p.sum() == pytest.approx(1.0)
    # rounds: the first LP, any with rows added, then the mean's LP (2 when none were added)
    assert solves[0] >= first and (len(solves) > 2) == (first < LP_ROWS)
