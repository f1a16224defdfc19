"""Checkpoint siting: MILP against brute force, greedy never better, set cover, uncoverable units."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from borderwatch import build_network
from borderwatch.coverage import (
    CoverageError,
    candidate_sites,
    checkpoint_watch,
    coverage_matrix,
    greedy_max_coverage,
    site_checkpoints,
    write_siting,
)
from borderwatch.coverage.siting import (
    _compress,
    _dedup_columns,
    _milp_max_coverage,
    _milp_set_cover,
)
from tests.coverage.helpers import straight_scenario


@pytest.fixture(scope="module")
def straight_net():
    # a straight 10 km border, road 400 m south with a node every km, CP1 (r = 1000 m) at km 5
    return build_network(straight_scenario(1000.0))


def brute_max(cover: np.ndarray, value: np.ndarray, k: int) -> float:
    best = 0.0
    for combo in itertools.combinations(range(cover.shape[1]), min(k, cover.shape[1])):
        best = max(best, float(value[cover[:, list(combo)].any(axis=1)].sum()))
    return best


def brute_cover(cover: np.ndarray) -> int:
    need = cover.any(axis=1)
    for size in range(cover.shape[1] + 1):
        for combo in itertools.combinations(range(cover.shape[1]), size):
            if (cover[:, list(combo)].any(axis=1) >= need).all():
                return size
    raise AssertionError


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**31 - 1),
    st.integers(1, 14),
    st.integers(1, 7),
    st.integers(1, 4),
    st.floats(0.1, 0.6),
)
def test_milp_equals_brute_force_and_greedy_never_beats_it(
    seed, n_rows, n_cols, k, density
) -> None:
    rng = np.random.default_rng(seed)
    dense = rng.random((n_rows, n_cols)) < density
    value = rng.integers(0, 5, n_rows).astype(float)
    cover = sparse.csr_array(dense)
    comp, comp_val = _compress(cover, value)
    opt = brute_max(dense, value, k)
    if comp.shape[0]:
        cols, obj, bound, status = _milp_max_coverage(comp, comp_val, k, 10.0)
        assert status == "optimal"
        assert obj == pytest.approx(opt)
        assert bound >= obj - 1e-9
        assert len(cols) <= k
        # twin candidates kept once: the same optimum
        red, keep = _dedup_columns(comp)
        assert len(set(map(tuple, red.toarray().T.tolist()))) == red.shape[1]
        r_cols, r_obj, _, _ = _milp_max_coverage(red, comp_val, k, 10.0)
        assert r_obj == pytest.approx(opt)
        assert set(keep[r_cols].tolist()) <= set(range(n_cols))
    _, added = greedy_max_coverage(cover, value, k)
    assert added.sum() <= opt + 1e-9
    assert added.sum() >= (1 - 1 / np.e) * opt - 1e-9  # the greedy guarantee
    assert np.all(np.diff(added) <= 1e-9)  # gains never grow
    if dense.any():
        sc, _ = _compress(cover, np.ones(n_rows))
        cols, lb, _ = _milp_set_cover(sc, 10.0)
        assert len(cols) == brute_cover(dense)
        assert lb <= len(cols) + 1e-9


def test_candidates_and_matrix_on_the_straight_border(straight_net) -> None:
    cands = candidate_sites(straight_net)
    assert len(cands) == 11  # every road node, 400 m from the border
    assert cands["to_border_m"].to_numpy() == pytest.approx(400, abs=1)
    cover = coverage_matrix(straight_net, cands)
    assert cover.shape == (len(straight_net.units), 11)
    # a node 400 m off the border with r = 1500 m watches midpoints within 1445 m of its foot
    per = np.asarray(cover.sum(axis=0)).ravel()
    assert per.max() == 12  # 2 * 1445 m / 250 m -> 11 or 12 midpoints
    with pytest.raises(CoverageError, match="radius_m"):
        coverage_matrix(straight_net, cands, radius_m=0)


def test_site_k_on_the_straight_border(straight_net) -> None:
    before = checkpoint_watch(straight_net)["watched"]
    assert straight_net.units.loc[before, "length_m"].sum() == pytest.approx(2000, abs=1)
    for k in (1, 2, 3):
        res = site_checkpoints(straight_net, k)
        s = res.summary
        assert s["method"] == "milp" and s["status"] == "optimal"
        assert s["gap_pct"] == pytest.approx(0.0)
        assert len(res.sites) == k
        assert s["objective"] >= s["greedy_objective"] - 1e-9
        assert s["new_km"] == pytest.approx(res.sites["new_km"].sum())
        assert s["watched_after_km"] == pytest.approx(s["watched_before_km"] + s["new_km"])
        assert res.sites["rank"].tolist() == list(range(1, k + 1))
        assert (np.diff(res.sites["new_km"].to_numpy()) <= 1e-9).all()
        # brute force over all k-subsets of the 11 candidates
        cover = coverage_matrix(straight_net, candidate_sites(straight_net)).toarray()
        value = np.where(before, 0.0, straight_net.units["length_m"].to_numpy() / 1000)
        assert s["objective"] == pytest.approx(brute_max(cover, value, k))
    # 8 km unwatched, each site watches at most 3 km: 3 sites cannot do it, the set cover needs more
    assert res.summary["min_sites"] >= 3
    assert res.summary["min_sites_bound"] <= res.summary["min_sites"]
    assert res.uncoverable.empty and res.summary["uncoverable_km"] == 0
    greedy = site_checkpoints(straight_net, 3, method="greedy")
    assert greedy.summary["method"] == "greedy"
    assert greedy.summary["upper_bound"] >= greedy.summary["objective"]


def test_uncoverable_units_are_listed_not_raised(straight_net, tmp_path: Path) -> None:
    # candidates only in the west: the east end of the border is out of every candidate's reach
    cands = candidate_sites(straight_net).iloc[:3]
    res = site_checkpoints(straight_net, 2, candidates=cands)
    unc = res.uncoverable
    assert len(unc) > 0
    assert unc["start_km"].min() > 3.0
    assert (unc["nearest_candidate_m"] > 1000).all()
    covered_by_cover_sites = coverage_matrix(straight_net, res.cover_sites).toarray().any(axis=1)
    watched = checkpoint_watch(straight_net)["watched"].to_numpy()
    coverable = coverage_matrix(straight_net, cands).toarray().any(axis=1)
    assert (covered_by_cover_sites | watched)[coverable].all()
    assert res.summary["uncoverable_km"] == pytest.approx(
        straight_net.units.loc[unc.index, "length_m"].sum() / 1000, abs=1e-3
    )
    summary = write_siting(res, tmp_path / "site")
    assert json.loads((tmp_path / "site" / "siting.json").read_text(encoding="utf-8")) == summary
    assert (tmp_path / "site" / "uncoverable.csv").read_text().count("\n") == len(unc) + 1


def test_candidate_file(straight_net, tmp_path: Path) -> None:
    cands = candidate_sites(straight_net).to_crs(4326)
    path = tmp_path / "cands.csv"
    path.write_text(
        "id,lon,lat\n"
        + "".join(f"S{i},{p.x:.7f},{p.y:.7f}\n" for i, p in enumerate(cands.geometry)),
        encoding="utf-8",
    )
    from_file = candidate_sites(straight_net, file=path)
    assert list(from_file.index) == [f"S{i}" for i in range(len(cands))]
    assert (from_file["node"] == -1).all()
    a = site_checkpoints(straight_net, 2, candidates=from_file)
    b = site_checkpoints(straight_net, 2)
    assert a.summary["objective"] == pytest.approx(b.summary["objective"])
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lon,lat\nX,200,22\n", encoding="utf-8")
    with pytest.raises(CoverageError, match=r"bad\.csv.*lon/lat"):
        candidate_sites(straight_net, file=bad)
    bad.write_text("id,lon\nX,107\n", encoding="utf-8")
    with pytest.raises(CoverageError, match="missing column"):
        candidate_sites(straight_net, file=bad)
    with pytest.raises(CoverageError, match="not found"):
        candidate_sites(straight_net, file=tmp_path / "none.csv")


def test_risk_weights_steer_the_choice(straight_net) -> None:
    risk = np.ones(len(straight_net.units))
    risk[-8:] = 10.0  # the last 2 km are risky
    res = site_checkpoints(straight_net, 1, risk=risk)
    site = res.sites.iloc[0]
    assert site.geometry.x > straight_net.units.geometry.iloc[-12].centroid.x - 1500
    assert res.summary["risk_weighted"]
    with pytest.raises(CoverageError, match="one weight per unit"):
        site_checkpoints(straight_net, 1, risk=np.ones(3))


def test_bad_arguments(straight_net) -> None:
    with pytest.raises(CoverageError, match="non-negative integer"):
        site_checkpoints(straight_net, -1)
    with pytest.raises(CoverageError, match="method"):
        site_checkpoints(straight_net, 1, method="exact")
    zero = site_checkpoints(straight_net, 0)
    assert len(zero.sites) == 0 and zero.summary["new_km"] == 0
