"""In-night direction draws (issue #25): the closed form against every drawn sequence.

Loops of 20-40 min with 1-3 passes per unit and direction are built at random;
every sequence of 6 loop directions is enumerated with its probability, the
passes laid out in time, and for each situation (loop under way, its
direction, which pass) the chance that the next pass comes within τ is summed
over the sequences. The closed form's per-unit figure is the worst of those;
its worst revisit is the longest gap any sequence holds.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from borderwatch.coverage.detection import loop_draws
from borderwatch.errors import CoverageError
from borderwatch.plan.draws import draw_odds

M = 6  # loops enumerated


def _instance(rng: np.random.Generator, n_units: int):
    d = float(rng.uniform(20, 40))
    fu, ft, ru, rt = [], [], [], []
    for u in range(n_units):
        k = int(rng.integers(1, 4))
        offs = np.sort(rng.uniform(0, d, size=k))
        fu += [u] * k
        ft += offs.tolist()
        ru += [u] * k
        rt += (d - offs).tolist()  # the same walk backwards passes at D - a
    return d, np.array(fu), np.array(ft), np.array(ru), np.array(rt)


def _brute(d, fu, ft, ru, rt, tau, n_units, p_rev):
    """Per unit: worst situation figure and longest gap, over all M-loop sequences."""
    fig = np.full(n_units, np.inf)
    worst = np.zeros(n_units)
    sit: dict[tuple[int, int, int], float] = {}
    share_num, share_den = np.zeros(n_units), np.zeros(n_units)
    for u in range(n_units):
        offs = (np.sort(ft[fu == u]), np.sort(rt[ru == u]))
        num: dict[tuple[int, int, int], float] = {}
        den: dict[tuple[int, int, int], float] = {}
        for seq in itertools.product((0, 1), repeat=M):
            prob = float(np.prod([p_rev if s else 1.0 - p_rev for s in seq]))
            if prob == 0.0:
                continue
            times = np.concatenate([j * d + offs[s] for j, s in enumerate(seq)])
            gaps = np.diff(times)
            worst[u] = max(worst[u], float(gaps.max()))
            pos = 0
            for j, s in enumerate(seq[:-1]):  # passes whose next pass is in the sequence
                for i in range(len(offs[s])):
                    key = (j, s, i)
                    num[key] = num.get(key, 0.0) + prob * float(gaps[pos] <= tau + 1e-9)
                    den[key] = den.get(key, 0.0) + prob
                    share_num[u] += prob * float(gaps[pos] <= tau + 1e-9)
                    share_den[u] += prob
                    pos += 1
        for key, v in den.items():
            fig[u] = min(fig[u], num[key] / v)
            # steady state: the same situation has the same chance in every loop
            first = (0, key[1], key[2])
            if first in den:
                assert num[key] / v == pytest.approx(num[first] / den[first])
            sit[(u, key[1], key[2])] = num[key] / v
    return fig, worst, sit, share_num / share_den


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p_rev", [0.0, 0.3, 0.5, 1.0])
def test_closed_form_matches_every_drawn_sequence(seed: int, p_rev: float) -> None:
    rng = np.random.default_rng(seed)
    n = 5
    d, fu, ft, ru, rt = _instance(rng, n)
    tau = float(rng.uniform(0.3, 0.7) * d)
    tab = loop_draws(fu, ft, ru, rt, d, tau, n)
    fig, worst, sit, share = _brute(d, fu, ft, ru, rt, tau, n, p_rev)
    assert np.allclose(tab.watching(p_rev), fig), (tab.watching(p_rev), fig)
    assert np.allclose(tab.worst_revisit(p_rev), worst)
    # a watcher who cannot tell which pass he saw: every pass of the sequences, by probability
    assert np.allclose(tab.share(p_rev), share)
    # every situation the draws can give, one by one (rows: unit, previous direction,
    # direction, pass in loop order; laid end to end, the previous loop changes nothing)
    assert (tab.only_next == -1).all()
    got = tab.situation_p(p_rev)
    ok = tab.possible(p_rev)
    idx: dict[tuple[int, int, int], int] = {}
    for r, (u, a, b) in enumerate(
        zip(tab.unit.tolist(), tab.prev.tolist(), tab.direction.tolist(), strict=True)
    ):
        i = idx.get((u, a, b), 0)
        idx[(u, a, b)] = i + 1
        if ok[r]:
            assert got[r] == pytest.approx(sit[(u, b, i)]), (u, a, b, i)
    assert {
        (u, b, i)
        for (u, a, b), n in idx.items()
        for i in range(n)
        if tab.possible(p_rev)[(tab.unit == u) & (tab.prev == a) & (tab.direction == b)].all()
    } == set(sit)


def test_some_situations_have_chances_strictly_between_0_and_1() -> None:
    # the comparison above is not only between zeros and ones
    inside = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        d, fu, ft, ru, rt = _instance(rng, 5)
        tau = float(rng.uniform(0.3, 0.7) * d)
        tab = loop_draws(fu, ft, ru, rt, d, tau, 5)
        sp = tab.situation_p(0.3)
        inside += int(((sp > 0) & (sp < 1)).sum())
    assert inside >= 10


def test_a_ring_unit_near_the_start_is_seen_only_after_a_reverse_loop() -> None:
    # ring of 60 min; unit 5 min in: forward then reverse -> 2*55, reverse then forward -> 2*5
    tab = loop_draws([0], [5.0], [0], [55.0], 60.0, 15.0, 1)
    # rows (previous, under way): (F, F), (F, R), (R, F), (R, R)
    assert tab.situation_p(0.4).tolist() == [0.0, 0.6, 0.0, 0.6]
    assert tab.watching(0.4)[0] == 0.0  # the watcher picks the forward pass
    assert tab.worst_revisit(0.4)[0] == pytest.approx(110.0)
    assert tab.worst_revisit(0.0)[0] == pytest.approx(60.0)


def test_out_and_back_unit_near_the_start_is_timed_the_same_whichever_the_cards() -> None:
    # a spur 4 min from the start: passed at 4 and 56 of a 60-min loop, both ways
    tab = loop_draws([0, 0], [4.0, 56.0], [0, 0], [4.0, 56.0], 60.0, 10.0, 1)
    # after the 4-min pass the next is 52 min on; after the 56-min pass 8 min on, any card
    assert tab.situation_p(0.5).tolist() == [0.0, 1.0] * 4
    assert tab.watching(0.5)[0] == 0.0
    assert tab.worst_revisit(0.5)[0] == tab.worst_revisit(0.0)[0] == pytest.approx(52.0)


def test_draw_odds_beats_every_odds_on_a_grid_and_respects_the_target() -> None:
    for seed in range(6):
        rng = np.random.default_rng(seed)
        d, fu, ft, ru, rt = _instance(rng, 5)
        tau = float(rng.uniform(0.3, 0.7) * d)
        tab = loop_draws(fu, ft, ru, rt, d, tau, 5)
        passed = np.unique(tab.unit)
        p, low = draw_odds(tab)
        grid = max(float(tab.watching(q)[passed].min()) for q in np.linspace(0, 1, 101))
        assert low >= grid - 1e-9
        assert low == pytest.approx(float(tab.watching(p)[passed].min()))
        # a target below the mixed worst revisit: one direction only
        mixed = float(tab.worst_revisit(0.5).max())
        fixed = float(tab.worst_revisit(0.0).max())
        if mixed > fixed + 1e-6:
            p2, _ = draw_odds(tab, max_revisit_min=(mixed + fixed) / 2)
            assert p2 == 0.0
            assert float(tab.worst_revisit(p2).max()) <= (mixed + fixed) / 2


def test_bad_loop_duration_is_refused() -> None:
    with pytest.raises(CoverageError, match="loop duration"):
        loop_draws([0], [1.0], [0], [1.0], 0.0, 10.0, 1)


def test_sealed_cards_follow_the_odds_and_are_reproducible() -> None:
    from datetime import date

    from scipy.stats import binomtest

    from borderwatch.plan.draws import sealed_list

    night = date(2026, 12, 6)
    cards = sealed_list("salt", night, "T01", 4000, 0.3)
    assert cards == sealed_list("salt", night, "T01", 4000, 0.3)
    assert cards != sealed_list("other", night, "T01", 4000, 0.3)
    assert cards != sealed_list("salt", night, "T02", 4000, 0.3)
    assert binomtest(cards.count("R"), len(cards), 0.3).pvalue > 0.001
    assert set(sealed_list("salt", night, "T01", 50, 0.0)) == {"F"}
    with pytest.raises(ValueError, match="p_reverse"):
        sealed_list("salt", night, "T01", 5, 1.5)


def test_sealed_cards_are_seeded_as_the_roster_draws() -> None:
    from datetime import date

    from borderwatch.plan.draws import sealed_list
    from borderwatch.roster.rotation import seed_for

    night = date(2026, 12, 6)
    rng = np.random.default_rng(seed_for("salt", "in-night", night.isoformat(), "T03"))
    want = ["R" if x < 0.4 else "F" for x in rng.random(30)]
    assert sealed_list("salt", night, "T03", 30, 0.4) == want
