"""The odds LPs through scipy's HiGHS binding directly: the same model and vertex as linprog (#24.5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.optimize._linprog_highs as linprog_highs
from scipy import sparse
from scipy.optimize import linprog

from borderwatch.plan import odds
from borderwatch.plan.odds import _lp_matrix, _solve_linprog, _solve_lp


def _odds_lp(seed: int, *, second: bool) -> tuple[np.ndarray, ...]:
    """An LP of _max_min's shape: ``z <= b_r + a_r · p``, a floor row and the mean in the second."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 300)), int(rng.integers(1, 40))
    # few distinct values (degenerate LPs with many optimal vertices), zeros in every row
    a = rng.choice([0.0, 0.0, 0.25, 0.5, 1.0, 0.3333333333333], size=(m, n))
    b = rng.choice([0.0, 0.5, 0.75, 1e-12], size=m)
    allowed = rng.random(n) < 0.8
    allowed[int(rng.integers(n))] = True
    a_ub = np.column_stack([-a, np.ones(m)])
    b_ub, cost = b, np.r_[np.zeros(n), -1.0]
    if second:
        w = a.mean(axis=0)
        a_ub = np.vstack([a_ub, np.r_[np.zeros(n), -1.0]])
        b_ub, cost = np.r_[b, -float(rng.uniform(0.0, 0.5))], np.r_[-w, 0.0]
    return cost, a_ub, b_ub, np.r_[allowed.astype(float), 1.0]


def _old_linprog(cost: np.ndarray, a_ub: np.ndarray, b_ub: np.ndarray, upper: np.ndarray) -> Any:
    """The call _max_min made before the direct path: sparse stacks and a bounds list."""
    n = len(cost) - 1
    a = sparse.hstack([-sparse.csr_matrix(-a_ub[:, :n]), sparse.csr_matrix(a_ub[:, n:])]).tocsr()
    bounds = [(0.0, 1.0 if u else 0.0) for u in upper[:n]] + [(0.0, 1.0)]
    a_eq = np.r_[np.ones(n), 0.0].reshape(1, -1)
    return linprog(cost, A_ub=a, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")


@pytest.mark.parametrize("second", [False, True])
@pytest.mark.parametrize("seed", range(25))
def test_direct_highs_is_linprogs_vertex_float_for_float(seed: int, second: bool) -> None:
    cost, a_ub, b_ub, upper = _odds_lp(seed, second=second)
    x = _solve_lp(cost, a_ub, b_ub, upper)
    ref = _solve_linprog(cost, a_ub, b_ub, upper)
    old = _old_linprog(cost, a_ub, b_ub, upper)
    assert odds._CORE is not None  # this scipy has the binding: the direct path ran
    if old.status != 0:  # a floor above what the odds can reach: all three give up
        assert x is None and ref is None
        return
    assert x is not None and ref is not None
    assert x.tobytes() == ref.tobytes() == np.asarray(old.x).tobytes()


@pytest.mark.parametrize("seed", range(8))
def test_highs_gets_the_arrays_linprog_hands_it(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """What linprog passes to scipy's HiGHS wrapper is the model the direct path builds."""
    got: dict[str, Any] = {}
    wrapper = linprog_highs._highs_wrapper

    def record(c: Any, indptr: Any, indices: Any, data: Any, lhs: Any, rhs: Any, *rest: Any) -> Any:
        got.update(c=c, indptr=indptr, indices=indices, data=data, lhs=lhs, rhs=rhs)
        got.update(lb=rest[0], ub=rest[1], options=rest[3])
        return wrapper(c, indptr, indices, data, lhs, rhs, *rest)

    monkeypatch.setattr(linprog_highs, "_highs_wrapper", record)
    cost, a_ub, b_ub, upper = _odds_lp(seed, second=bool(seed % 2))
    _old_linprog(cost, a_ub, b_ub, upper)
    start, index, value = _lp_matrix(a_ub)
    assert np.array_equal(got["indptr"], start)
    assert np.array_equal(got["indices"], index)
    assert got["data"].tobytes() == value.tobytes()
    assert got["c"].tobytes() == cost.tobytes()
    assert np.array_equal(got["rhs"], np.r_[b_ub, 1.0])
    assert np.array_equal(got["lhs"], np.r_[np.full(len(b_ub), -np.inf), 1.0])
    assert np.array_equal(got["lb"], np.zeros(len(cost)))
    assert np.array_equal(got["ub"], upper)
    # the options linprog sets are the ones the direct call sets (the rest: HiGHS's defaults)
    options = {k: v for k, v in got["options"].items() if v is not None and k != "sense"}
    assert set(options) == {
        "presolve",
        "highs_debug_level",
        "log_to_console",
        "output_flag",
        "simplex_strategy",
    }
    assert options["presolve"] is True
    assert options["log_to_console"] is False and options["output_flag"] is False
    assert int(options["highs_debug_level"]) == 0 and int(options["simplex_strategy"]) == 1


def test_an_lp_without_odds_is_none_on_both_paths() -> None:
    """Every variant barred (upper 0): Σ p = 1 cannot hold; linprog's status is not 0."""
    cost, a_ub, b_ub, upper = _odds_lp(3, second=False)
    upper[:-1] = 0.0
    assert _old_linprog(cost, a_ub, b_ub, upper).status != 0
    assert _solve_lp(cost, a_ub, b_ub, upper) is None
    assert _solve_linprog(cost, a_ub, b_ub, upper) is None


class _OtherBinding:
    """scipy's private binding as another scipy version might lay it out: the names
    _highs_core looks for are there, a model field is not (as after a rename)."""

    def __init__(self, core: Any) -> None:
        self._core = core

    def __getattr__(self, name: str) -> Any:
        return getattr(self._core, name)

    @staticmethod
    def HighsLp() -> Any:
        return type("HighsLp", (), {"__slots__": ("num_col",)})()


def test_a_binding_of_another_layout_falls_back_to_linprog(monkeypatch: pytest.MonkeyPatch) -> None:
    """The private binding is scipy's to change: a call it refuses is linprog's, same vertex."""
    assert odds._CORE is not None
    monkeypatch.setattr(odds, "_CORE", _OtherBinding(odds._CORE))
    for seed in range(4):
        cost, a_ub, b_ub, upper = _odds_lp(seed, second=bool(seed % 2))
        x, ref = _solve_lp(cost, a_ub, b_ub, upper), _solve_linprog(cost, a_ub, b_ub, upper)
        assert (x is None and ref is None) or (
            x is not None and ref is not None and x.tobytes() == ref.tobytes()
        )
