"""Checkpoint siting through its public entry point against brute force on scattered candidates.

The coverage of each candidate is recomputed here from the rule in docs/coverage.md (a site
watches a unit whose midpoint lies within the radius), not taken from the module under test.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from borderwatch import build_network
from borderwatch.coverage import checkpoint_watch, site_checkpoints
from tests.coverage.helpers import straight_scenario


@pytest.fixture(scope="module")
def straight_net():
    # a straight 10 km border; CP1 (r = 1000 m) at km 5 already watches 2 km
    return build_network(straight_scenario(1000.0))


def scattered(net, seed: int, n: int = 9) -> gpd.GeoDataFrame:
    """``n`` candidate sites scattered within 1.4 km of the border, in the network's CRS."""
    rng = np.random.default_rng(seed)
    x0, y0 = net.units.total_bounds[0], net.units.total_bounds[1]
    pts = [
        shapely.Point(x0 + rng.uniform(0, 10_000), y0 + rng.uniform(-1400, 1400)) for _ in range(n)
    ]
    return gpd.GeoDataFrame(
        {"node": np.full(n, -1, dtype=np.int64), "to_border_m": np.zeros(n)},
        geometry=pts,
        crs=net.crs,
        index=pd.Index([f"S{i}" for i in range(n)], name="candidate"),
    )


def brute(net, cands: gpd.GeoDataFrame, radius: float, k: int) -> tuple[float, int]:
    """(best new km with k sites, fewest sites watching every coverable unwatched unit)."""
    mid = shapely.line_interpolate_point(net.units.geometry.to_numpy(), 0.5, normalized=True)
    pts = cands.geometry.to_numpy()
    cover = shapely.distance(mid[:, None], pts[None, :]) <= radius
    watched = checkpoint_watch(net)["watched"].to_numpy(dtype=bool)
    km = np.where(watched, 0.0, net.units["length_m"].to_numpy() / 1000)
    best = max(
        float(km[cover[:, list(c)].any(axis=1)].sum())
        for c in itertools.combinations(range(cover.shape[1]), min(k, cover.shape[1]))
    )
    need = cover.any(axis=1) & ~watched
    for size in range(cover.shape[1] + 1):
        for c in itertools.combinations(range(cover.shape[1]), size):
            got = cover[:, list(c)].any(axis=1) if c else np.zeros(len(need), bool)
            if (got >= need).all():
                return best, size
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(6))
def test_site_checkpoints_equals_brute_force(straight_net, seed: int) -> None:
    cands = scattered(straight_net, seed)
    radius = 900.0 + 150.0 * seed
    for k in (1, 2, 3):
        best, fewest = brute(straight_net, cands, radius, k)
        res = site_checkpoints(straight_net, k, candidates=cands, radius_m=radius)
        s = res.summary
        assert s["new_km"] == pytest.approx(best, abs=1e-6), (seed, k)
        assert s["objective"] == pytest.approx(best, abs=1e-6)
        assert s["greedy_objective"] >= (1 - 1 / np.e) * best - 1e-9
        assert s["min_sites"] == fewest == len(res.cover_sites)
        # greedy alone keeps the set-cover guarantee H(d)
        greedy = site_checkpoints(
            straight_net, k, candidates=cands, radius_m=radius, method="greedy"
        )
        d = max(1, int(np.ceil(2 * radius / 250)) + 1)
        assert fewest <= greedy.summary["min_sites"] <= sum(1 / i for i in range(1, d + 1)) * fewest
        assert greedy.summary["new_km"] <= best + 1e-9
