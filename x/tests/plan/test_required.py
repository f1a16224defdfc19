"""Required roads: set cover on the watch index, exact against brute force."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from borderwatch import PlanConfig, build_network, load_scenario
from borderwatch.errors import RoutingError
from borderwatch.plan.required import choose_required_edges, greedy_cover


def test_toy_required_roads_are_the_border_road(toy_dir: Path) -> None:
    net = build_network(load_scenario(toy_dir))
    req = choose_required_edges(net)
    assert set(net.edges.loc[req.edges, "name"]) == {"边境公路"}
    assert req.method == "milp" and req.gap_pct == pytest.approx(0.0)
    # every coverable unit is watched by a chosen edge
    watched = net.watch.unit_edge[:, req.edges].sum(axis=1) > 0
    assert watched.all()
    assert len(req.uncoverable) == 0


def test_uncoverable_units_are_reported_with_reason(toy_dir: Path) -> None:
    import warnings

    teams = toy_dir / "teams.csv"
    teams.write_text(teams.read_text().replace("pickup", "motorcycle"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_network(load_scenario(toy_dir), PlanConfig(patrol_view_m=450))
    # only the track (100 m from the border at km 8) comes within 450 m
    req = choose_required_edges(net)
    assert net.edges.loc[req.edges, "highway"].tolist() == ["track"]
    assert 0 < len(req.uncoverable) < len(net.units)
    assert all(r.startswith("no road within 0.45 km of the border") for r in req.uncoverable_reason)
    # pickups may not use the track: then nothing is coverable, and the reason says why
    req = choose_required_edges(net, profiles=["pickup"])
    assert len(req.uncoverable) == len(net.units)
    assert any("no team vehicle (pickup) may use" in r for r in req.uncoverable_reason)


def test_always_patrolled_unknown_road(toy_dir: Path) -> None:
    net = build_network(load_scenario(toy_dir))
    with pytest.raises(RoutingError, match="'Route 66' matches no edge"):
        choose_required_edges(net, always_patrol=["Route 66"])


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.lists(st.booleans(), min_size=6, max_size=6), min_size=1, max_size=7),
    costs=st.lists(st.integers(1, 9), min_size=6, max_size=6),
)
def test_greedy_covers_what_can_be_covered(data, costs) -> None:
    matrix = sparse.csc_array(np.array(data, dtype=bool))
    cost = np.array(costs, dtype=float)
    chosen = greedy_cover(matrix, cost)
    coverable = matrix.toarray().any(axis=1)
    covered = (
        matrix.toarray()[:, chosen].any(axis=1) if len(chosen) else np.zeros(len(coverable), bool)
    )
    assert (covered == coverable).all()
    # brute force optimum is never worse than greedy
    best = min(
        cost[list(s)].sum()
        for r in range(len(cost) + 1)
        for s in itertools.combinations(range(len(cost)), r)
        if (matrix.toarray()[:, list(s)].any(axis=1) if s else np.zeros(len(coverable), bool))[
            coverable
        ].all()
    )
    assert best <= cost[chosen].sum() + 1e-9
