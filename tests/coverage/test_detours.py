"""Drawn detours (#25): variants that are not phase shifts of one loop, and the LP over them.

* Phase shifts of one periodic loop cannot beat uniform odds: the LP's value over
  evenly spaced phases equals uniform odds' and the averaging bound ``τ / D``.
* A detour (a turn-back on a stretch: :func:`~borderwatch.plan.variants.detour_steps`)
  is a closed walk a crew can drive, its passes are timed like any loop's, and on a
  small real network the LP over plain + detour variants gives a guarantee that an
  enumerated best response (every start on a fine grid, every draw) confirms, above
  the plain variants' uniform odds, with every drawn loop within the cap.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from borderwatch import build_network
from borderwatch.coverage.detection import VariantPasses, informed, seen_matrix
from borderwatch.data.network import PatrolNetwork
from borderwatch.plan.odds import (
    lp_odds,
    team_odds,
    uniform_odds,
    variant_passes,
    variant_worst_revisit,
)
from borderwatch.plan.variants import (
    RouteVariant,
    detour_card,
    detour_steps,
    detour_variants,
    route_variants,
    variant_steps,
)
from borderwatch.routing.patrol import TeamRoute

from .helpers import straight_scenario


def _phase_orbit(loop: float, n: int, offsets: list[float], window: float) -> VariantPasses:
    """One team, one unit per offset: variants are ``n`` evenly spaced phases of a ``loop``."""
    var, unit, t = [], [], []
    for g in range(n):
        for u, a in enumerate(offsets):
            first = (a - loop * g / n) % loop
            times = np.arange(first, window + 1e-9, loop)
            var += [g] * len(times)
            unit += [u] * len(times)
            t += times.tolist()
    return VariantPasses(
        teams=("T",),
        variants=tuple(f"v{g}" for g in range(n)),
        variant_team=np.zeros(n, dtype=np.int64),
        var=np.asarray(var, dtype=np.int64),
        unit=np.asarray(unit, dtype=np.int64),
        t=np.asarray(t, dtype=float),
    )


@pytest.mark.parametrize(("loop", "n"), [(60.0, 8), (88.1, 12), (45.0, 7)])
def test_phase_shifts_of_one_loop_cannot_beat_uniform_odds(loop: float, n: int) -> None:
    window, tau = 600.0, 15.0
    vp = _phase_orbit(loop, n, [3.0, 17.5, 40.0], window)
    odds, _ = team_odds(vp, np.full(3, tau), window)
    lp = informed(vp, odds, tau, window, 3).border_min
    uni = informed(vp, uniform_odds(vp), tau, window, 3).border_min
    assert lp == pytest.approx(uni, abs=1e-6)
    # the averaging bound: any odds over shifts of a loop passing once per period
    assert uni <= tau / loop + 1e-9
    assert uni > 0


def _line_route(net: PatrolNetwork, n_edges: int) -> TeamRoute:
    """Out along the straight road for ``n_edges`` edges and back (a closed walk)."""
    eu, ev = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    start = int(net.teams["node"].iloc[0])
    secs = net.edge_seconds("pickup")
    steps: list[tuple[int, bool]] = []
    node = start
    for _ in range(n_edges):
        nxt = [
            (e, True) if eu[e] == node else (e, False)
            for e in range(len(eu))
            if (eu[e] == node or ev[e] == node) and all(e != s for s, _ in steps)
        ]
        e, f = nxt[0]
        steps.append((e, f))
        node = int(ev[e] if f else eu[e])
    walk = tuple(steps) + tuple((e, not f) for e, f in reversed(steps))
    return TeamRoute(
        team=str(net.teams.index[0]),
        vehicle="pickup",
        steps=walk,
        service=tuple(True for _ in walk),
        seconds=tuple(float(secs[e]) for e, _ in walk),
    )


def _closed(net: PatrolNetwork, steps: tuple[tuple[int, bool], ...]) -> bool:
    eu, ev = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    ends = [(int(eu[e]), int(ev[e])) if f else (int(ev[e]), int(eu[e])) for e, f in steps]
    return all(a[1] == b[0] for a, b in zip(ends, ends[1:] + ends[:1], strict=True))


@pytest.fixture(scope="module")
def line() -> tuple[PatrolNetwork, TeamRoute]:
    net = build_network(straight_scenario(radius_m=10.0, cp_offset_m=2000.0))
    return net, _line_route(net, 6)


@pytest.mark.slow  # the line network (~2 s)
def test_detour_is_a_closed_walk_two_stretches_longer(
    line: tuple[PatrolNetwork, TeamRoute],
) -> None:
    net, route = line
    assert _closed(net, route.steps)
    for stretch in [(1, 3), (0, 1), (4, 6), (5, 8)]:
        walk = detour_steps(route.steps, stretch)
        assert _closed(net, walk)
        assert len(walk) == len(route.steps) + 2 * (stretch[1] - stretch[0])
        for v in detour_variants(route, [stretch], n_phases=3):
            assert _closed(net, variant_steps(route, v))
            extra = 2 * sum(route.seconds[stretch[0] : stretch[1]]) / 60.0
            assert v.loop_min == pytest.approx(route.loop_s / 60.0 + extra)
    card = detour_card(net, route, detour_variants(route, [(1, 3)], n_phases=1)[0])
    assert "at 2.0 min into the loop" in card and "turn back" in card
    back = detour_card(net, route, detour_variants(route, [(1, 3)], n_phases=1)[1])
    assert "backwards" in back and f"at {route.loop_s / 60 - 6.0:.1f} min" in back
    assert detour_card(net, route, route_variants(route, 1)[0]) == ""
    with pytest.raises(ValueError, match="not a stretch"):
        detour_steps(route.steps, (3, 3))


def _brute_min(
    vp: VariantPasses, odds: np.ndarray, tau: float, window: float, units: np.ndarray
) -> float:
    """One team: the best response over every start on a 0.02-min grid (no breakpoint logic)."""
    s = np.arange(0.0, window - tau + 1e-9, 0.02)
    best = np.inf
    for u in units:
        det = np.zeros(len(s))
        for g, p in enumerate(odds):
            if p == 0:
                continue
            seen = np.zeros(len(s), dtype=bool)
            for tp in vp.t[(vp.var == g) & (vp.unit == u)]:
                seen |= (s <= tp + 1e-12) & (tp <= s + tau + 1e-12)
            det += p * seen
        best = min(best, float(det.min()))
    return best


@pytest.mark.slow
def test_lp_over_detours_is_guaranteed_and_beats_uniform_plain_odds(
    line: tuple[PatrolNetwork, TeamRoute],
) -> None:
    """A small instance: the LP's guarantee holds against an enumerated best response."""
    net, out_and_back = line
    tau, window = 6.0, 120.0
    # the loop starts mid-way (node 4), so that both turns (the far end, the base end) lie
    # inside it; the units near a turn are passed once a loop (a dead-end turn is one pass)
    k = 3
    route = dataclasses.replace(
        out_and_back,
        steps=out_and_back.steps[k:] + out_and_back.steps[:k],
        seconds=out_and_back.seconds[k:] + out_and_back.seconds[:k],
    )
    n_units = len(net.units)
    plain = route_variants(route, 12)
    # a turn-back around each turn: a detour variant never passes both ends more often
    stretches = [(1, 5), (7, 11)]
    variants = plain + detour_variants(route, stretches, n_phases=20)
    cap = max(v.loop_min for v in variants)
    vp = variant_passes(net, [route], {route.team: variants}, window)
    units = np.unique(vp.unit)
    odds, guarantee = team_odds(vp, np.full(n_units, tau), window, max_revisit_min=cap + 1e-6)
    plain_mask = np.array([v.detour is None for v in variants])
    uni = np.where(plain_mask, 1.0 / plain_mask.sum(), 0.0)
    lp_min = informed(vp, odds, tau, window, n_units).p_unit[units].min()
    uni_min = informed(vp, uni, tau, window, n_units).p_unit[units].min()
    # the closed form's guarantee is what a brute-force best response finds
    assert _brute_min(vp, odds, tau, window, units) == pytest.approx(lp_min, abs=1e-9)
    assert _brute_min(vp, uni, tau, window, units) == pytest.approx(uni_min, abs=1e-9)
    assert guarantee[route.team] == pytest.approx(lp_min, abs=1e-6)
    # a real lift over today's rotation, strictly inside (0, 1): 0.25 -> 0.30 here
    assert 0 < uni_min < lp_min - 0.04 < 1
    # the LP over the plain variants alone cannot get there (phase shifts of one loop)
    vp_plain = variant_passes(net, [route], {route.team: plain}, window)
    odds_p, _ = team_odds(vp_plain, np.full(n_units, tau), window)
    plain_min = informed(vp_plain, odds_p, tau, window, n_units).p_unit[units].min()
    assert plain_min == pytest.approx(uni_min, abs=1e-6)
    # no odds do better: the one-team LP over the full situation table has the same value
    table = seen_matrix(vp, 0, np.full(n_units, tau), window, units)
    _, z = lp_odds(table)
    assert z == pytest.approx(lp_min, abs=1e-6)
    # every drawn loop within the cap: the detoured loop is loop + 2 x stretch
    worst = variant_worst_revisit(vp, window)
    assert worst[odds > 0].max() <= cap + 1e-6
    assert cap == pytest.approx(route.loop_s / 60.0 + 16.0)


def test_variant_detour_default_is_plain() -> None:
    v = RouteVariant("T", "T-f0", False, 0.0, 10.0)
    assert v.detour is None
