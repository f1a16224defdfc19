"""lp_odds's row dedupe: np.unique(axis=0)'s rows, order and counts, by lexsort (issue #24.5)."""

from __future__ import annotations

import numpy as np
import pytest

from borderwatch.plan.odds import _unique_rows


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
