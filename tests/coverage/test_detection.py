"""Detection probabilities (issue #25): the closed forms against brute force on small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from borderwatch.coverage.detection import (
    VariantPasses,
    informed,
    read_crossing_csv,
    seen_matrix,
    uninformed,
    watching,
)
from borderwatch.errors import CoverageError, ScenarioError
from borderwatch.plan.odds import lp_odds


def _brute_uninformed(passes: np.ndarray, tau: float, window: float) -> float:
    s = np.linspace(0.0, window - tau, 400_001)
    seen = np.zeros(len(s), dtype=bool)
    for t in passes:
        seen |= (s <= t) & (t <= s + tau)
    return float(seen.mean())


@pytest.mark.parametrize("seed", range(6))
def test_uninformed_is_the_share_of_start_times(seed: int) -> None:
    rng = np.random.default_rng(seed)
    window, n_units = 300.0, 4
    unit = rng.integers(0, n_units - 1, 25)  # the last unit is never passed
    t = rng.uniform(0, window, 25)
    tau = rng.uniform(3, 40, n_units)
    got = uninformed(unit, t, tau, window, n_units)
    for u in range(n_units):
        want = _brute_uninformed(t[unit == u], tau[u], window)
        assert got[u] == pytest.approx(want, abs=2e-4), u
    assert got[-1] == 0.0


def test_uninformed_periodic_loop_is_tau_over_period() -> None:
    # a loop of 60 min passing at 15, 75, 135, ...: a 15-min crossing is seen 15/60 of the time
    t = np.arange(15.0, 600.0, 60.0)
    p = uninformed(np.zeros(len(t), int), t, 15.0, 615.0, 1)
    assert p[0] == pytest.approx(15.0 * len(t) / 600.0)


def test_watching_is_zero_where_the_next_pass_is_later_than_tau() -> None:
    # unit 0: passes 10 min apart (seen after every pass); unit 1: a 60-min loop
    t0 = np.arange(0.0, 200.0, 10.0)
    t1 = np.arange(5.0, 200.0, 60.0)
    unit = np.r_[np.zeros(len(t0), int), np.ones(len(t1), int)]
    w = watching(unit, np.r_[t0, t1], 15.0, 200.0, 3)
    assert w["p_watching"].tolist() == [1.0, 0.0, 0.0]
    assert w["watch_gap_min"].iloc[1] == pytest.approx(60.0)
    assert w["watch_gap_min"].iloc[2] == 200.0  # never passed: the whole night
    # a pass in the last τ of the night leaves no crossing to start after it
    assert w["n_watch_passes"].iloc[0] == sum(t0 <= 185.0)


def _random_instance(
    seed: int, n_teams: int = 2, n_var: int = 3, n_units: int = 3
) -> tuple[VariantPasses, float, float]:
    rng = np.random.default_rng(seed)
    window, tau = 120.0, 20.0
    var, unit, t, vteam = [], [], [], []
    for k in range(n_teams):
        for _ in range(n_var):
            g = len(vteam)
            vteam.append(k)
            for u in range(n_units):
                # a loop of 15-30 min from a random offset, on a half-minute grid (every interval
                # between breakpoints is >= 0.5 min), about one pass in seven dropped: not phase orbits
                period = float(rng.integers(30, 61)) / 2.0
                times = np.arange(float(rng.integers(0, 2 * int(period))) / 2.0, window, period)
                times = times[rng.random(len(times)) > 0.15]
                var += [g] * len(times)
                unit += [u] * len(times)
                t += times.tolist()
    vp = VariantPasses(
        teams=tuple(f"T{k}" for k in range(n_teams)),
        variants=tuple(f"v{g}" for g in range(len(vteam))),
        variant_team=np.asarray(vteam),
        var=np.asarray(var, dtype=np.int64),
        unit=np.asarray(unit, dtype=np.int64),
        t=np.asarray(t, dtype=float),
    )
    return vp, tau, window


def _brute_informed(vp: VariantPasses, odds: np.ndarray, tau: float, window: float, n_units: int):
    """Every joint draw (one variant per team) with its probability; the best response on a fine grid."""
    s = np.arange(0.0, window - tau + 1e-9, 0.05)
    per_team = [np.flatnonzero(vp.variant_team == k) for k in range(len(vp.teams))]
    out = np.zeros(n_units)
    for u in range(n_units):
        det = np.zeros(len(s))
        for combo in itertools.product(*per_team):
            prob = float(np.prod(odds[list(combo)]))
            seen = np.zeros(len(s), dtype=bool)
            for g in combo:
                for tp in vp.t[(vp.var == g) & (vp.unit == u)]:
                    seen |= (s <= tp + 1e-12) & (tp <= s + tau + 1e-12)
            det += prob * seen
        out[u] = det.min()
    return out


@pytest.mark.parametrize("seed", range(5))
def test_informed_matches_enumerated_best_responses(seed: int) -> None:
    vp, tau, window = _random_instance(seed)
    rng = np.random.default_rng(100 + seed)
    odds = rng.random(len(vp.variants))
    for k in range(len(vp.teams)):
        odds[vp.variant_team == k] /= odds[vp.variant_team == k].sum()
    got = informed(vp, odds, tau, window, 3)
    want = _brute_informed(vp, odds, tau, window, 3)
    np.testing.assert_allclose(got.p_unit, want, atol=1e-9)
    assert (want > 0).any() and (want < 1).any()  # a test that can fail
    assert got.border_min == pytest.approx(want.min())


def test_informed_checkpoint_units_are_seen() -> None:
    vp, tau, window = _random_instance(0)
    odds = np.full(len(vp.variants), 1 / 3)
    got = informed(vp, odds, tau, window, 3, checkpoint=np.array([True, False, False]))
    assert got.p_unit[0] == 1.0


def _simplex(n: int, step: int) -> np.ndarray:
    """Every point of the n-simplex with coordinates on a grid of 1/step."""
    pts = [c for c in itertools.product(range(step + 1), repeat=n - 1) if sum(c) <= step]
    return np.array([[*c, step - sum(c)] for c in pts], dtype=float) / step


@pytest.mark.parametrize("seed", [2, 3, 5, 6, 8])
def test_lp_guarantee_is_the_best_over_a_grid_of_odds(seed: int) -> None:
    """One team, four variants: the LP's value is the max-min over all odds (brute force on a grid)."""
    vp, tau, window = _random_instance(seed, n_teams=1, n_var=4, n_units=3)
    units = np.arange(3)
    table = seen_matrix(vp, 0, np.full(3, tau), window, units)
    odds, z = lp_odds(table)
    assert odds.sum() == pytest.approx(1.0) and (odds >= 0).all()
    # the guarantee holds: the exact informed minimum under these odds equals z
    exact = informed(vp, odds, tau, window, 3)
    passed = np.isin(units, vp.unit)
    assert exact.p_unit[passed].min() == pytest.approx(z, abs=1e-6)
    # and no odds do better (grid of step 1/20 over the simplex; the value is 1-Lipschitz)
    step = 20
    best = float((table @ _simplex(4, step).T).min(axis=0).max())
    assert z >= best - 1e-9
    assert z <= best + 2.0 / step
    # not vacuous: something to guarantee, and better than uniform odds on most of these seeds
    uniform = informed(vp, np.full(4, 0.25), tau, window, 3).p_unit[passed].min()
    assert 0 < z < 1 and z >= uniform - 1e-9


def test_lp_keeps_out_variants_over_the_target() -> None:
    table = np.array([[1, 0], [0, 1], [1, 1]], dtype=bool)
    odds, z = lp_odds(table, allowed=np.array([True, False]))
    assert odds.tolist() == [1.0, 0.0] and z == 0.0
    odds, z = lp_odds(table)
    assert odds.tolist() == [0.5, 0.5] and z == pytest.approx(0.5)


def test_crossing_time_must_fit_the_night() -> None:
    with pytest.raises(CoverageError, match="shorter than the night window"):
        uninformed([0], [1.0], 200.0, 100.0, 1)
    with pytest.raises(CoverageError, match="positive"):
        watching([0], [1.0], 0.0, 100.0, 1)


@pytest.mark.parametrize(
    ("text", "field", "match"),
    [
        ("start_km,end_km\n0,1\n", "crossing_min", "lacks column"),
        ("start_km,end_km,crossing_min\n0,x,5\n", "end_km", "line 2: not a number"),
        ("start_km,end_km,crossing_min\n3,1,5\n", "end_km", "after start_km"),
        ("start_km,end_km,crossing_min\n0,1,0\n", "crossing_min", r"\(0, 600\]"),
    ],
)
def test_crossing_csv_errors_name_file_line_and_field(
    tmp_path, text: str, field: str, match: str
) -> None:
    f = tmp_path / "crossing.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=match) as err:
        read_crossing_csv(f)
    assert err.value.field == field and "crossing.csv" in str(err.value)


def test_crossing_csv_rows(tmp_path) -> None:
    f = tmp_path / "crossing.csv"
    f.write_text("start_km,end_km,crossing_min\n0,2.5,20\n10,12,8\n", encoding="utf-8")
    assert read_crossing_csv(f) == [(0.0, 2.5, 20.0), (10.0, 12.0, 8.0)]


@pytest.mark.parametrize("seed", range(4))
def test_team_odds_never_below_uniform_and_near_the_joint_optimum(seed: int) -> None:
    """Two teams, three variants each, sharing units: the block-coordinate LPs against brute force."""
    from borderwatch.coverage.detection import situations
    from borderwatch.plan.odds import team_odds, uniform_odds

    vp, tau, window = _random_instance(seed, n_teams=2, n_var=3, n_units=3)
    taus = np.full(3, tau)
    odds, _ = team_odds(vp, taus, window)
    for k in range(2):
        assert odds[vp.variant_team == k].sum() == pytest.approx(1.0)
    passed = np.isin(np.arange(3), vp.unit)
    got = informed(vp, odds, tau, window, 3).p_unit[passed].min()
    uni = informed(vp, uniform_odds(vp), tau, window, 3).p_unit[passed].min()
    assert got >= uni - 1e-6
    assert 0 < uni < 1
    # brute force: both teams' odds on a grid of step 1/20 over their simplices
    table = situations(vp, taus, window, 3)
    step = 20
    grid = _simplex(3, step)
    seen = np.zeros((len(table.unit), len(vp.variants)))
    seen[table.cand, table.var] = 1.0
    s0, s1 = seen[:, vp.variant_team == 0], seen[:, vp.variant_team == 1]
    miss = (1 - grid @ s0.T)[:, None, :] * (1 - grid @ s1.T)[None, :, :]
    best = float((1 - miss).min(axis=2).max())
    assert got <= best + 2.0 / step + 1e-9
    # the enumerated best responses confirm the figure under the chosen odds
    want = _brute_informed(vp, odds, tau, window, 3)
    assert got == pytest.approx(want[passed].min(), abs=1e-9)
