"""Nested grid partition of the synthetic generator (private).

Cells are the Voronoi cells of seeded points clipped to the area; villages are
unions of cells (each cell goes to its nearest village seed), townships unions
of villages, so nesting is exact by construction. Border townships are the
only ones that receive villages touching the border.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from borderwatch.data.synthetic import geometry as geom
from borderwatch.errors import ScenarioError

__all__: list[str] = []


@dataclass
class Partition:
    """Cells, villages and townships (projected), ordered for their ids.

    Townships come border-first, then by chainage; villages by township then
    chainage; cells by village then chainage.
    """

    cell_xy: np.ndarray
    cells: np.ndarray
    cell_village: np.ndarray
    villages: np.ndarray
    village_xy: np.ndarray
    village_town: np.ndarray
    village_near: np.ndarray
    towns: np.ndarray
    town_seed: np.ndarray
    n_border: int


def partition(
    area_m: shapely.Geometry,
    seg_tree: shapely.STRtree,
    counts: tuple[int, int, int],
    k_b: int,
    *,
    k_b_fixed: bool,
    chain: Callable[[np.ndarray], np.ndarray],
    r_grid: np.random.Generator,
) -> Partition:
    """Partition ``area_m`` into ``counts`` = (townships, villages, cells), ``k_b`` on the border."""
    n_t, n_v, n_c = counts
    cx, cy = geom.sample_in(area_m, n_c, r_grid)
    cells = geom.voronoi_cells(cx, cy, area_m)
    near = np.zeros(n_c, dtype=bool)
    near[seg_tree.query(cells, predicate="dwithin", distance=geom.NEAR_M)[0]] = True
    touch = np.zeros(n_c, dtype=bool)
    touch[seg_tree.query(cells, predicate="dwithin", distance=geom.TOUCH_M)[0]] = True
    if touch.sum() < k_b:
        raise ScenarioError(
            f"only {int(touch.sum())} grid cells touch the border; raise grid_counts",
            field="n_border_townships", value=k_b,
        )  # fmt: skip
    for attempt in range(40):
        tc = np.flatnonzero(touch)
        first = tc[geom.spread_choice(cx[tc], cy[tc], k_b, r_grid)]
        rest = geom.spread_choice(cx, cy, n_v - k_b, r_grid, chosen=first)
        vseed = np.r_[first, rest]
        cell_village = cKDTree(np.column_stack([cx[vseed], cy[vseed]])).query(
            np.column_stack([cx, cy])
        )[1]
        v_near = np.bincount(cell_village, weights=near, minlength=n_v) > 0
        interior = np.flatnonzero(~v_near)
        if len(interior) >= n_t - k_b:
            break
        if not k_b_fixed and attempt % 4 == 3 and k_b < min(n_t, int(touch.sum())):
            k_b += 1  # a default may give way: one more border township
    else:
        raise ScenarioError(
            f"the area is too narrow for {n_t - k_b} interior townships; lower grid_counts "
            "or raise n_border_townships",
            field="grid_counts", value=(n_t, n_v, n_c),
        )  # fmt: skip
    vx, vy = cx[vseed], cy[vseed]
    t_border = np.arange(k_b)  # village indices 0..k_b-1 seed the border townships
    t_inner = interior[
        geom.spread_choice(vx[interior], vy[interior], n_t - k_b, r_grid, chosen=t_border)
    ]
    tseed = np.r_[t_border, t_inner]
    village_town = np.empty(n_v, dtype=np.int64)
    all_tree = cKDTree(np.column_stack([vx[tseed], vy[tseed]]))
    b_tree = cKDTree(np.column_stack([vx[t_border], vy[t_border]]))
    vxy = np.column_stack([vx, vy])
    village_town[~v_near] = all_tree.query(vxy[~v_near])[1]
    village_town[v_near] = b_tree.query(vxy[v_near])[1]
    # order: townships border-first then by chainage; villages and cells by parent, chainage
    t_ch = chain(vxy[tseed])
    t_order = np.lexsort((t_ch, np.arange(n_t) >= k_b))
    t_rank = np.empty(n_t, dtype=np.int64)
    t_rank[t_order] = np.arange(n_t)
    village_town = t_rank[village_town]
    tseed = tseed[t_order]
    v_order = np.lexsort((chain(vxy), village_town))
    v_rank = np.empty(n_v, dtype=np.int64)
    v_rank[v_order] = np.arange(n_v)
    vxy, village_town, v_near = vxy[v_order], village_town[v_order], v_near[v_order]
    tseed = v_rank[tseed]
    cell_village = v_rank[cell_village]
    c_order = np.lexsort((chain(np.column_stack([cx, cy])), cell_village))
    cells, cell_village = cells[c_order], cell_village[c_order]
    villages = geom.dissolve(cells, cell_village, n_v)
    towns = geom.dissolve(villages, village_town, n_t)

    return Partition(
        cell_xy=np.column_stack([cx, cy])[c_order],
        cells=cells,
        cell_village=cell_village,
        villages=villages,
        village_xy=vxy,
        village_town=village_town,
        village_near=v_near,
        towns=towns,
        town_seed=tseed,
        n_border=k_b,
    )
