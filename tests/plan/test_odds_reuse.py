"""The odds without repeated work: the worst revisit once and fast, a team's unchanged LP not re-solved (#24.5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from borderwatch.coverage.detection import VariantPasses, situations
from borderwatch.plan import odds
from borderwatch.plan.odds import lp_odds, team_odds, uniform_odds, variant_worst_revisit


def _worst_reference(passes: VariantPasses, window_min: float) -> np.ndarray:
    """variant_worst_revisit as it was: sort every time, ``np.maximum.at`` per pass."""
    var, unit, t = passes.var, passes.unit, passes.t
    order = np.lexsort((t, unit, var))
    var, unit, t = var[order], unit[order], t[order]
    first = np.ones(len(var), dtype=bool)
    first[1:] = (var[1:] != var[:-1]) | (unit[1:] != unit[:-1])
    last = np.ones(len(var), dtype=bool)
    last[:-1] = first[1:]
    gap = np.where(first, t, np.diff(t, prepend=0.0))
    worst = np.zeros(len(passes.variants))
    np.maximum.at(worst, var, gap)
    np.maximum.at(worst, var[last], window_min - t[last])
    return worst


def _passes(
    seed: int, *, n_teams: int = 3, n_var: int = 4, shared: int = 2, alone: int = 3
) -> tuple[VariantPasses, float, float]:
    """Teams on loops of 15-30 min: ``shared`` units every team passes, ``alone`` units each."""
    rng = np.random.default_rng(seed)
    window, tau = 120.0, 20.0
    var: list[int] = []
    unit: list[int] = []
    t: list[float] = []
    vteam: list[int] = []
    for k in range(n_teams):
        mine = list(range(shared)) + [shared + k * alone + i for i in range(alone)]
        for _ in range(n_var):
            g = len(vteam)
            vteam.append(k)
            for u in mine:
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


def _sorted(vp: VariantPasses) -> VariantPasses:
    order = np.lexsort((vp.t, vp.unit, vp.var))
    return VariantPasses(
        vp.teams, vp.variants, vp.variant_team, vp.var[order], vp.unit[order], vp.t[order]
    )


@pytest.mark.parametrize("seed", range(10))
def test_worst_revisit_as_before_sorted_or_not(seed: int) -> None:
    vp, _, window = _passes(seed)
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(len(vp.var))
    dup = rng.choice(len(vp.var), size=len(vp.var) // 5)  # repeated rows, as a table may hold
    keep = np.r_[shuffled, dup]
    messy = VariantPasses(
        vp.teams, vp.variants, vp.variant_team, vp.var[keep], vp.unit[keep], vp.t[keep]
    )
    # a variant that passes nothing keeps 0
    none = VariantPasses(
        vp.teams, (*vp.variants, "idle"), np.r_[vp.variant_team, 0], vp.var, vp.unit, vp.t
    )
    for case in (vp, _sorted(vp), messy, _sorted(messy), none):
        want = _worst_reference(case, window)
        got = variant_worst_revisit(case, window)
        assert got.tobytes() == want.tobytes()
    empty = VariantPasses(vp.teams, vp.variants, vp.variant_team, vp.var[:0], vp.unit[:0], vp.t[:0])
    assert variant_worst_revisit(empty, window).tobytes() == np.zeros(len(vp.variants)).tobytes()


def _team_odds_reference(
    vp: VariantPasses, tau: np.ndarray, window: float, max_revisit_min: float | None
) -> tuple[np.ndarray, dict[str, float]]:
    """Two rounds of block-coordinate LPs, every LP solved, q recomputed from scratch each step."""
    table = situations(vp, tau, window, len(tau))
    worst = _worst_reference(vp, window)
    p_all = uniform_odds(vp)
    guarantee: dict[str, float] = {}
    for _ in range(2):
        for k, team in enumerate(vp.teams):
            vs = np.flatnonzero(vp.variant_team == k)
            mine = np.isin(table.var, vs)
            rows = np.unique(table.cand[mine])
            if not len(rows):
                guarantee[team] = 1.0
                continue
            seen = np.zeros((len(rows), len(vs)), dtype=bool)
            seen[np.searchsorted(rows, table.cand[mine]), np.searchsorted(vs, table.var[mine])] = 1
            q = table.q(p_all)
            others = q[rows]
            others[:, k] = 0.0
            miss = np.prod(1.0 - others, axis=1)
            allowed = (
                np.ones(len(vs), bool)
                if max_revisit_min is None
                else worst[vs] <= max_revisit_min + 1e-9
            )
            now = float((1.0 - miss * (1.0 - q[rows, k])).min())
            p, z = lp_odds(seen, allowed, base=1.0 - miss, weight=miss)
            if z > now + 1e-9 or (p_all[vs][~allowed] > 0).any():
                p_all[vs] = p
                guarantee[team] = z
            else:
                guarantee[team] = now
    return p_all, guarantee


@pytest.mark.parametrize("seed", range(12))
def test_team_odds_as_if_every_lp_were_solved(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same odds and guarantees, bytes, as solving every LP; the unchanged ones are not solved.

    Teams that share units see their LPs change between rounds (a cache that reused a
    team's first LP regardless gives other odds or guarantees on 4 of these 8 seeds).
    """
    # shared=0: no team sees another's units, so each team's second LP is its first again
    shared = 0 if seed % 3 == 0 else 2 + seed % 3
    vp, tau0, window = _passes(seed, shared=shared, alone=1 if shared else 3, n_teams=3 + seed % 2)
    tau = np.full(int(vp.unit.max()) + 1, tau0)
    limit = None if seed % 2 else float(np.median(_worst_reference(vp, window)))
    want, want_g = _team_odds_reference(vp, tau, window, limit)
    calls: list[int] = []
    solve = odds.lp_odds

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return solve(*args, **kwargs)

    monkeypatch.setattr(odds, "lp_odds", counted)
    got, got_g = team_odds(vp, tau, window, max_revisit_min=limit)
    assert got.tobytes() == want.tobytes()
    assert got_g == want_g
    n_teams = len(vp.teams)
    if seed % 3 == 0:  # every team alone: the second round solves nothing
        assert len(calls) == n_teams
    else:
        assert n_teams <= len(calls) <= 2 * n_teams


def _rows_reference(
    raw_u: list[np.ndarray],
    raw_t: list[np.ndarray],
    loop_d: list[float],
    phase: list[float],
    window_min: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """variant_passes' rows as they were built: one variant at a time, sorted by three keys."""
    parts_var, parts_unit, parts_t = [], [], []
    for g, (u0, t_raw, d, ph) in enumerate(zip(raw_u, raw_t, loop_d, phase, strict=True)):
        t0 = np.mod(t_raw, d)
        first = np.mod(t0 - ph, d)
        cnt = np.floor((window_min - first) / d + 1e-9).astype(np.int64) + 1
        cnt = np.where(first <= window_min, cnt, 0)
        idx = np.repeat(np.arange(len(first)), cnt)
        j = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        tt = first[idx] + j * d
        uu = u0[idx]
        ok = tt <= window_min + 1e-9
        parts_var.append(np.full(int(ok.sum()), g, dtype=np.int64))
        parts_unit.append(uu[ok])
        parts_t.append(np.round(tt[ok], 6))
    var = np.concatenate(parts_var)
    unit = np.concatenate(parts_unit).astype(np.int64)
    t = np.concatenate(parts_t)
    order = np.lexsort((t, unit, var))
    var, unit, t = var[order], unit[order], t[order]
    keep = np.ones(len(var), dtype=bool)
    keep[1:] = (var[1:] != var[:-1]) | (unit[1:] != unit[:-1]) | (t[1:] != t[:-1])
    return var[keep], unit[keep], t[keep]


@pytest.mark.parametrize("seed", range(10))
def test_variant_rows_all_at_once_as_one_at_a_time(seed: int) -> None:
    """The pass rows of every variant at once: the same rows, floats and order as per variant."""
    rng = np.random.default_rng(300 + seed)
    window = float(rng.choice([600.0, 540.5, 120.0]))
    n_var = int(rng.integers(1, 40))
    raw_u, raw_t, loop_d, phase = [], [], [], []
    for _ in range(n_var):
        d = float(rng.uniform(20.0, 130.0))  # loops longer than the window too
        n = int(rng.integers(0, 60))  # a walk table may be empty
        raw_u.append(rng.integers(0, 50, size=n).astype(np.int64))
        # one loop's times, some past the loop's end (a walk timed over more than a loop)
        t = rng.uniform(0.0, 1.3 * d, size=n)
        if n:  # repeated times: rows that are exact duplicates after the shift
            t[rng.random(n) < 0.2] = t[0]
        raw_t.append(t)
        loop_d.append(d)
        phase.append(float(rng.choice([0.0, d / 4, d / 3, d * 0.999999])))
    got = odds._variant_rows(raw_u, raw_t, loop_d, phase, window)
    want = _rows_reference(raw_u, raw_t, loop_d, phase, window)
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert len(got[0]) > 0 or all(len(u) == 0 for u in raw_u)
