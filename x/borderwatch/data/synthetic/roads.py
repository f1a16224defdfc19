"""Road network of the synthetic generator (private).

The network is planar by construction: every road segment is an edge of one
Delaunay triangulation of seeded junction points (edges that leave the area
are dropped), so no two roads cross without a junction. Classes come from
shortest paths on that triangulation (trunk/primary from the county seat to
the township seats, secondary between townships, the tertiary border road,
unclassified roads to villages), a spanning tree for connectivity and a share
of short extra edges; tracks and paths end near the border. Chains through
degree-2 junctions are merged into one edge with intermediate points, so the
result is already what osmnx's ``simplify_graph`` would return.

All coordinates here are projected metres.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.ndimage import gaussian_filter1d
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

from borderwatch.data.synthetic.geometry import LineIndex, points_along, sample_in, segments

__all__: list[str] = []

logger = logging.getLogger(__name__)

#: OSM highway classes from the most to the least important.
HIGHWAYS: tuple[str, ...] = (
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "track",
    "path",
)
TRUNK, PRIMARY, SECONDARY, TERTIARY, UNCLASSIFIED, RESIDENTIAL, TRACK, PATH = range(8)

#: Point roles.
R_RANDOM, R_VILLAGE, R_SEAT, R_BORDER_ROAD, R_TRAIL, R_CROSSING = range(6)

BORDER_ROAD_NAME = "边境公路"

#: Final undirected edges per main junction point (measured; used to size the point set).
EDGES_PER_POINT = 1.0


@dataclass
class RoadNet:
    """The merged road network in projected metres.

    ``node_xy`` are the junction coordinates (ids ``1..len``, row ``i`` is id
    ``i + 1``); each edge ``j`` runs from ``edge_u[j]`` to ``edge_v[j]``
    (``u < v`` ids) through ``coords[ptr[j]:ptr[j + 1]]`` (endpoints included).
    """

    node_xy: np.ndarray
    node_role: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_key: np.ndarray
    edge_class: np.ndarray
    edge_name: list[str | None]
    coords: np.ndarray
    ptr: np.ndarray
    #: projected points of interest (kept even where merged into an edge)
    trail_xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    crossing_xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    border_road_xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))


def _side(
    area: shapely.Geometry, px: np.ndarray, py: np.ndarray, nx_: np.ndarray, ny_: np.ndarray
) -> float:
    """+1 if the area lies on the (nx, ny) side of the border points, else -1."""
    step = 300.0
    plus = shapely.contains_xy(area, px + step * nx_, py + step * ny_).sum()
    minus = shapely.contains_xy(area, px - step * nx_, py - step * ny_).sum()
    return 1.0 if plus >= minus else -1.0


def _inward_frame(
    border: shapely.Geometry, area: shapely.Geometry, spacing: float, smooth_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Chainage, smoothed border points and inward unit normals every ``spacing`` metres."""
    lines = list(shapely.get_parts(border))
    ch, xs, ys, nxs, nys = [], [], [], [], []
    offset = 0.0
    for line in lines:
        length = line.length
        n = max(int(length // spacing) + 1, 2)
        d = np.linspace(0.0, length, n)
        pts = points_along(line, d)
        sig = smooth_m / max(d[1] - d[0], 1e-9)
        sx = gaussian_filter1d(pts[:, 0], sig, mode="nearest") if sig >= 0.5 else pts[:, 0]
        sy = gaussian_filter1d(pts[:, 1], sig, mode="nearest") if sig >= 0.5 else pts[:, 1]
        tx, ty = np.gradient(sx), np.gradient(sy)
        norm = np.hypot(tx, ty)
        norm[norm == 0] = 1.0
        tx, ty = tx / norm, ty / norm
        ch.append(d + offset)
        xs.append(sx)
        ys.append(sy)
        nxs.append(ty)
        nys.append(-tx)
        offset += length
    c, x, y = np.concatenate(ch), np.concatenate(xs), np.concatenate(ys)
    nx_, ny_ = np.concatenate(nxs), np.concatenate(nys)
    sign = _side(area, x, y, nx_, ny_)
    return c, x, y, sign * nx_, sign * ny_


def _points_near_border(
    frame: tuple[np.ndarray, ...],
    bidx: LineIndex,
    area: shapely.Geometry,
    n: int,
    dmin: float,
    dmax: float,
    rng: np.random.Generator,
    avoid: list[tuple[LineIndex | cKDTree, float]],
) -> np.ndarray:
    """``n`` points whose distance to the border is in ``[dmin, dmax]``, spread by chainage."""
    if n <= 0:
        return np.empty((0, 2))
    c, x, y, nx_, ny_ = frame
    out = np.empty((0, 2))
    for attempt in range(6):
        m = 3 * n + 10
        pos = (
            np.sort(rng.uniform(0.0, c[-1], m))
            if attempt
            else (np.arange(m) + rng.uniform(0, 1, m)) * c[-1] / m
        )
        i = np.clip(np.searchsorted(c, pos), 0, len(c) - 1)
        d = rng.uniform(dmin, dmax, m)
        px, py = x[i] + d * nx_[i], y[i] + d * ny_[i]
        dist = bidx.distance(px, py)
        ok = (dist >= dmin) & (dist <= dmax) & shapely.contains_xy(area, px, py)
        for tree, r in avoid:
            if isinstance(tree, LineIndex):
                ok &= tree.distance(px, py) > r
            elif tree.n:
                dd, _ = tree.query(np.column_stack([px, py]))
                ok &= dd > r
        cand = np.column_stack([px[ok], py[ok]])
        out = np.vstack([out, cand])
        if len(out) >= n:
            break
    if len(out) > n:
        keep = np.floor((np.arange(n) + 0.5) * len(out) / n).astype(np.int64)
        out = out[keep]
    # drop points too close to one another (they would make degenerate roads)
    if len(out) > 1:
        tree = cKDTree(out)
        pairs = tree.query_pairs(max(30.0, dmin / 2), output_type="ndarray")
        if len(pairs):
            drop = np.zeros(len(out), dtype=bool)
            for a, b in pairs:
                if not drop[a]:
                    drop[b] = True
            out = out[~drop]
    return out


def _border_road(
    frame: tuple[np.ndarray, ...],
    bidx: LineIndex,
    area: shapely.Geometry,
    rng: np.random.Generator,
    keep_clear: cKDTree,
) -> list[np.ndarray]:
    """Runs of border-road waypoints 0.5–4 km inside the border (about 400 m apart)."""
    c, x, y, nx_, ny_ = frame
    if c[-1] < 1500.0:
        return []
    step = c[1] - c[0]
    wave = gaussian_filter1d(rng.standard_normal(len(c)), 6000.0 / step, mode="reflect")
    wave = (wave - wave.min()) / max(float(np.ptp(wave)), 1e-12)
    d = 800.0 + 1500.0 * wave
    px, py = x + d * nx_, y + d * ny_
    dist = bidx.distance(px, py)
    ok = (dist >= 500.0) & (dist <= 4000.0) & (dist >= 0.6 * d) & shapely.contains_xy(area, px, py)
    if keep_clear.n:
        dd, _ = keep_clear.query(np.column_stack([px, py]))
        ok &= dd > 250.0
    # trim 2 % at each end: "along most of its length"
    ok &= (c > 0.02 * c[-1]) & (c < 0.98 * c[-1])
    runs: list[np.ndarray] = []
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return runs
    breaks = np.flatnonzero(np.diff(idx) > 1) + 1
    for run in np.split(idx, breaks):
        if len(run) >= 3:
            runs.append(np.column_stack([px[run], py[run]]))
    return runs


def _candidate_edges(pts: np.ndarray, walls: np.ndarray) -> np.ndarray:
    """Delaunay edges ``(a, b)``, ``a < b``, sorted, that touch none of the ``walls``."""
    s = Delaunay(pts).simplices
    e = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [2, 0]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    lines = shapely.linestrings(np.stack([pts[e[:, 0]], pts[e[:, 1]]], axis=1))
    hit = shapely.STRtree(walls).query(lines, predicate="intersects")[0]
    ok = np.ones(len(e), dtype=bool)
    ok[hit] = False
    return np.asarray(e[ok], dtype=np.int64)


def _edge_key(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return np.asarray(lo.astype(np.int64) * n + hi.astype(np.int64), dtype=np.int64)


def _walk(pred: np.ndarray, target: int) -> list[int]:
    """Node sequence from the Dijkstra source to ``target`` (empty if unreachable)."""
    if pred[target] < 0:
        return []
    out = [target]
    cur = target
    while pred[cur] >= 0:
        cur = int(pred[cur])
        out.append(cur)
    return out[::-1]


class _Selection:
    """Selected candidate edges with their class and name (first assignment wins)."""

    def __init__(self, n_edges: int) -> None:
        self.cls = np.full(n_edges, -1, dtype=np.int8)
        self.name = np.full(n_edges, -1, dtype=np.int64)
        self.names: list[str] = []

    def add(self, edges: np.ndarray, cls: int | np.ndarray, name: str | None = None) -> None:
        edges = np.asarray(edges, dtype=np.int64)
        if len(edges) == 0:
            return
        free = self.cls[edges] < 0
        e = edges[free]
        self.cls[e] = cls if np.isscalar(cls) else np.asarray(cls)[free]
        if name is not None:
            self.names.append(name)
            self.name[e] = len(self.names) - 1


@dataclass
class _Candidates:
    """The candidate road graph: points with their roles, candidate edges, the main-point graph."""

    pts: np.ndarray
    role: np.ndarray
    ea: np.ndarray
    eb: np.ndarray
    elen: np.ndarray
    main_edge: np.ndarray
    end: np.ndarray
    ekey: np.ndarray
    main: csr_matrix

    @property
    def n(self) -> int:
        return len(self.pts)

    @property
    def ne(self) -> int:
        return len(self.ea)

    def lookup(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Candidate edge index of each pair (either order), -1 where there is none."""
        k = _edge_key(np.asarray(a), np.asarray(b), self.n)
        pos = np.searchsorted(self.ekey, k)
        pos = np.clip(pos, 0, self.ne - 1)
        return np.where(self.ekey[pos] == k, pos, -1)

    def path_edges(self, nodes: list[int]) -> np.ndarray:
        """The candidate edges along a node path."""
        if len(nodes) < 2:
            return np.empty(0, dtype=np.int64)
        arr = np.asarray(nodes)
        pos = self.lookup(arr[:-1], arr[1:])
        return pos[pos >= 0]


def _random_junctions(
    area: shapely.Geometry,
    border: shapely.Geometry,
    bidx: LineIndex,
    special_tree: cKDTree,
    br_idx: LineIndex | None,
    n_rand: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``n_rand`` random junctions, away from the border, the villages and the border road."""
    a_km2 = area.area
    # points within 500 m of the border are dropped below: oversample for them
    frac_keep = max(0.3, 1.0 - 500.0 * border.length / max(a_km2, 1.0))
    rx, ry = sample_in(area, math.ceil(n_rand / frac_keep) + 4, rng)
    keep = ~bidx.within(rx, ry, 500.0)
    dd, _ = special_tree.query(np.column_stack([rx, ry]))
    keep &= dd > 120.0
    if br_idx is not None:
        keep &= ~br_idx.within(rx, ry, 250.0)
    rand_xy = np.column_stack([rx[keep], ry[keep]])
    if len(rand_xy) > n_rand:  # a random subset, not the first rows (they are sorted by y)
        rand_xy = rand_xy[np.sort(rng.choice(len(rand_xy), size=n_rand, replace=False))]
    return rand_xy


def _candidate_graph(
    fixed: list[tuple[np.ndarray, int]],
    rand_xy: np.ndarray,
    area: shapely.Geometry,
    border: shapely.Geometry,
    bidx: LineIndex,
    rng: np.random.Generator,
) -> _Candidates:
    """Candidate edges between the ``fixed`` points (with roles) and the random junctions.

    Where a narrow neck leaves the main points in parts, junctions are added
    between the parts (up to three attempts).
    """
    walls = np.concatenate([segments(area), segments(border)])
    for attempt in range(3):
        parts = [*fixed, (rand_xy, R_RANDOM)]
        pts = np.vstack([p for p, _ in parts])
        role = np.concatenate([np.full(len(p), r, dtype=np.int8) for p, r in parts])
        n = len(pts)
        e = _candidate_edges(pts, walls)
        end = (role == R_TRAIL) | (role == R_CROSSING)
        ea, eb = e[:, 0], e[:, 1]
        main_edge = ~end[ea] & ~end[eb]
        labels = connected_components(
            coo_matrix(
                (np.ones(int(main_edge.sum())), (ea[main_edge], eb[main_edge])), shape=(n, n)
            ),
            directed=False,
        )[1]
        if attempt == 2 or len(np.unique(labels[~end])) <= 1:
            break
        # a narrow neck left the candidates in parts: add junctions between the parts
        mx, my = sample_in(area, 4 * n, rng)
        main_idx = np.flatnonzero(~end)
        k = min(6, len(main_idx))
        dist, near = cKDTree(pts[main_idx]).query(np.column_stack([mx, my]), k=k)
        lab = labels[main_idx][near.reshape(len(mx), k)]
        mixed = (lab != lab[:, :1]).any(axis=1) & (dist.reshape(len(mx), k)[:, 0] > 50.0)
        mixed &= ~bidx.within(mx, my, 100.0)
        if not mixed.any():
            break
        logger.debug("road candidates in parts; adding %d junctions", int(mixed.sum()))
        rand_xy = np.vstack([rand_xy, np.column_stack([mx[mixed], my[mixed]])])
    elen = np.hypot(*(pts[eb] - pts[ea]).T)
    main = csr_matrix(
        (
            np.r_[elen[main_edge], elen[main_edge]],
            (np.r_[ea[main_edge], eb[main_edge]], np.r_[eb[main_edge], ea[main_edge]]),
        ),
        shape=(n, n),
    )
    # sorted ascending because the candidate edges are sorted
    return _Candidates(pts, role, ea, eb, elen, main_edge, end, _edge_key(ea, eb, n), main)


def _trunk_roads(
    c: _Candidates,
    sel: _Selection,
    t_nodes: np.ndarray,
    seat_node: int,
    township_border: np.ndarray,
    seat_name: str,
    township_names: list[str],
) -> None:
    """Trunk (to border townships) and primary roads from the county seat to every township seat."""
    _, pred = dijkstra(c.main, directed=False, indices=seat_node, return_predecessors=True)
    for t, node in enumerate(t_nodes):
        if node == seat_node:
            continue
        cls = TRUNK if township_border[t] else PRIMARY
        sel.add(c.path_edges(_walk(pred, int(node))), cls, f"{seat_name}至{township_names[t]}公路")


def _secondary_roads(
    c: _Candidates, sel: _Selection, t_nodes: np.ndarray, township_names: list[str]
) -> None:
    """Secondary roads between neighbouring townships (spanning tree of the seats)."""
    if len(t_nodes) <= 1:
        return
    txy = c.pts[t_nodes]
    tri_t = None
    if len(t_nodes) > 3:
        try:
            tri_t = Delaunay(txy)
        except Exception:
            tri_t = None
    if tri_t is not None:
        ts = tri_t.simplices
        te = np.unique(
            np.sort(np.vstack([ts[:, [0, 1]], ts[:, [1, 2]], ts[:, [2, 0]]]), axis=1), axis=0
        )
    else:
        te = np.array([(i, j) for i in range(len(t_nodes)) for j in range(i + 1, len(t_nodes))])
    tw = np.hypot(*(txy[te[:, 1]] - txy[te[:, 0]]).T) + 1e-6
    mst_t = minimum_spanning_tree(
        coo_matrix((tw, (te[:, 0], te[:, 1])), shape=(len(t_nodes),) * 2)
    ).tocoo()
    links = sorted(zip(mst_t.row.tolist(), mst_t.col.tolist(), strict=True))
    srcs = sorted({a for a, _ in links})
    for chunk in range(0, len(srcs), 16):
        group = srcs[chunk : chunk + 16]
        limit = 3.0 * max(float(np.hypot(*(txy[b] - txy[a]))) for a, b in links if a in group) + 1.0
        _, preds = dijkstra(
            c.main, directed=False, indices=t_nodes[group], return_predecessors=True, limit=limit
        )
        for gi, a in enumerate(group):
            for a2, b in links:
                if a2 == a:
                    name = f"{township_names[a]}至{township_names[b]}公路"
                    sel.add(c.path_edges(_walk(preds[gi], int(t_nodes[b]))), SECONDARY, name)


def _connect_villages(c: _Candidates, sel: _Selection, n_village: int, seat_node: int) -> None:
    """Every village joined to the roads chosen so far by its shortest candidate path."""
    on_net = np.zeros(c.n, dtype=bool)
    chosen = np.flatnonzero(sel.cls >= 0)
    on_net[c.ea[chosen]] = True
    on_net[c.eb[chosen]] = True
    if not on_net.any():
        on_net[seat_node] = True
    _, pred, _ = dijkstra(
        c.main,
        directed=False,
        indices=np.flatnonzero(on_net),
        return_predecessors=True,
        min_only=True,
    )
    for v in range(n_village):
        if not on_net[v]:
            sel.add(c.path_edges(_walk(pred, v)), UNCLASSIFIED)


def _fill(
    c: _Candidates,
    sel: _Selection,
    village_xy: np.ndarray,
    bidx: LineIndex,
    extra_share: float,
    rng: np.random.Generator,
) -> None:
    """Fill roads: a spanning tree for connectivity (chosen roads first), then short extra edges.

    The class of a fill road comes from its distance to the nearest village
    (residential) and to the border (more tracks near it).
    """
    mid = (c.pts[c.ea] + c.pts[c.eb]) / 2.0
    near_village = cKDTree(village_xy).query(mid)[0] < 700.0
    near_border = bidx.within(mid[:, 0], mid[:, 1], 3000.0)
    u = rng.uniform(size=c.ne)
    fill_cls = np.where(
        near_village,
        RESIDENTIAL,
        np.where(u < np.where(near_border, 0.6, 0.25), TRACK, UNCLASSIFIED),
    ).astype(np.int8)
    w = c.elen.copy()
    w[sel.cls >= 0] *= 1e-6
    w = w + 1e-9
    me = c.main_edge
    mst = minimum_spanning_tree(csr_matrix((w[me], (c.ea[me], c.eb[me])), shape=(c.n, c.n))).tocoo()
    pos = c.lookup(mst.row, mst.col)
    pos = pos[pos >= 0]
    sel.add(pos, fill_cls[pos])
    n_main_pts = int((~c.end).sum())
    free = np.flatnonzero((sel.cls < 0) & me)
    n_extra = min(len(free), max(round(extra_share * n_main_pts), 0))
    if n_extra:
        short = free[np.argsort(c.elen[free], kind="stable")][: max(n_extra, len(free) * 6 // 10)]
        pick = np.sort(rng.choice(len(short), size=min(n_extra, len(short)), replace=False))
        sel.add(short[pick], fill_cls[short[pick]])


def _hang_ends(
    c: _Candidates, sel: _Selection, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Trail and crossing ends hang from their nearest main neighbour; their final points."""
    end, ea, eb = c.end, c.ea, c.eb
    end_edge = np.flatnonzero(end[ea] ^ end[eb])
    if not len(end_edge):
        return np.empty((0, 2)), np.empty((0, 2))
    tip = np.where(end[ea[end_edge]], ea[end_edge], eb[end_edge])
    order = np.lexsort((c.elen[end_edge], tip))
    tip_sorted = tip[order]
    first = np.r_[True, tip_sorted[1:] != tip_sorted[:-1]]
    best = end_edge[order[first]]
    best_tip = tip_sorted[first]
    is_trail = c.role[best_tip] == R_TRAIL
    end_cls = np.where(
        is_trail, np.where(rng.uniform(size=len(best)) < 0.5, PATH, TRACK), UNCLASSIFIED
    )
    sel.add(best, end_cls.astype(np.int8))
    return c.pts[best_tip[is_trail]], c.pts[best_tip[~is_trail]]


def build_roads(
    area: shapely.Geometry,
    border: shapely.Geometry,
    *,
    seat_xy: np.ndarray | None,
    seat_name: str,
    seat_township: int,
    township_xy: np.ndarray,
    township_border: np.ndarray,
    township_names: list[str],
    village_xy: np.ndarray,
    target_edges: int,
    extra_share: float,
    n_trail: int,
    n_crossing: int,
    rng: np.random.Generator,
) -> RoadNet:
    """Build the planar, already-simplified road network (see the module docstring).

    ``township_xy`` rows are township seats and must also be rows of
    ``village_xy`` (township seats are villages). ``target_edges`` counts
    undirected edges. The steps draw from ``rng`` in a fixed order.
    """
    bidx = LineIndex.of(border)
    shapely.prepare(area)
    frame = _inward_frame(border, area, spacing=200.0, smooth_m=2500.0)
    special = village_xy if seat_xy is None else np.vstack([village_xy, seat_xy[None, :]])
    special_tree = cKDTree(special)
    runs = _border_road(frame, bidx, area, rng, special_tree)
    br_xy = np.vstack(runs) if runs else np.empty((0, 2))
    br_idx = (
        LineIndex(
            shapely.STRtree(
                shapely.linestrings(
                    np.vstack(runs), indices=np.repeat(np.arange(len(runs)), [len(r) for r in runs])
                )
            )
        )
        if runs
        else None
    )
    avoid: list[tuple[LineIndex | cKDTree, float]] = [(special_tree, 150.0)]
    if br_idx is not None:
        avoid.append((br_idx, 250.0))
    crossing_xy = _points_near_border(frame, bidx, area, n_crossing, 30.0, 200.0, rng, avoid)
    trail_xy = _points_near_border(
        frame, bidx, area, n_trail, 100.0, 800.0, rng, [*avoid, (cKDTree(crossing_xy), 300.0)]
    )
    # random junctions: enough main points for the target edge count
    n_main = max(round(target_edges / EDGES_PER_POINT), 8)
    n_rand = max(n_main - len(special) - len(br_xy), 0)
    rand_xy = _random_junctions(area, border, bidx, special_tree, br_idx, n_rand, rng)
    n_village = len(village_xy)
    seat = n_village if seat_xy is not None else None
    br_start = n_village + (0 if seat_xy is None else 1)
    fixed = [
        (village_xy, R_VILLAGE),
        (np.empty((0, 2)) if seat_xy is None else seat_xy[None, :], R_SEAT),
        (br_xy, R_BORDER_ROAD),
        (trail_xy, R_TRAIL),
        (crossing_xy, R_CROSSING),
    ]
    c = _candidate_graph(fixed, rand_xy, area, border, bidx, rng)
    sel = _Selection(c.ne)
    t_nodes = cKDTree(c.pts[:n_village]).query(township_xy)[1]
    seat_node = seat if seat is not None else int(t_nodes[seat_township])
    _trunk_roads(c, sel, t_nodes, seat_node, township_border, seat_name, township_names)
    _secondary_roads(c, sel, t_nodes, township_names)
    if len(br_xy):  # the border road, run by run
        a = np.arange(br_start, br_start + len(br_xy) - 1)
        run_id = np.repeat(np.arange(len(runs)), [len(r) for r in runs])
        same = run_id[:-1] == run_id[1:]
        pos = c.lookup(a[same], a[same] + 1)
        sel.add(pos[pos >= 0], TERTIARY, BORDER_ROAD_NAME)
    _connect_villages(c, sel, n_village, seat_node)
    _fill(c, sel, village_xy, bidx, extra_share, rng)
    trail_xy, crossing_xy = _hang_ends(c, sel, rng)
    chosen = np.flatnonzero(sel.cls >= 0)
    br_used = np.flatnonzero(
        sel.name == (sel.names.index(BORDER_ROAD_NAME) if BORDER_ROAD_NAME in sel.names else -2)
    )
    ea, eb = c.ea, c.eb
    br_xy = c.pts[np.unique(np.r_[ea[br_used], eb[br_used]])] if len(br_used) else np.empty((0, 2))
    return _finish(
        c.pts, c.role, ea[chosen], eb[chosen], c.elen[chosen], sel.cls[chosen],
        [sel.names[i] if i >= 0 else None for i in sel.name[chosen]],
        area, border, rng, trail_xy, crossing_xy, br_xy,
    )  # fmt: skip


def _wiggle(
    pts: np.ndarray, a: np.ndarray, b: np.ndarray, length: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Intermediate points for each straight segment: (coords, ptr), endpoints included."""
    k = np.minimum(length // 300.0, 4).astype(np.int64)
    amp = np.minimum(0.05 * length, 50.0)
    c1 = rng.standard_normal(len(a)) * amp
    c2 = rng.standard_normal(len(a)) * amp * 0.5
    counts = k + 2
    ptr = np.r_[0, np.cumsum(counts)]
    seg = np.repeat(np.arange(len(a)), counts)
    j = np.arange(ptr[-1]) - ptr[seg]
    t = j / (k[seg] + 1.0)
    d = pts[b] - pts[a]
    dl = np.maximum(length, 1e-9)
    nxv, nyv = -d[:, 1] / dl, d[:, 0] / dl
    off = c1[seg] * np.sin(np.pi * t) + c2[seg] * np.sin(2 * np.pi * t)
    x = pts[a, 0][seg] + t * d[seg, 0] + off * nxv[seg]
    y = pts[a, 1][seg] + t * d[seg, 1] + off * nyv[seg]
    return np.column_stack([x, y]), ptr


def _straighten(
    coords: np.ndarray, ptr: np.ndarray, which: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Drop the intermediate points of the segments ``which``."""
    counts = np.diff(ptr)
    keep = np.ones(len(coords), dtype=bool)
    for s in which:
        keep[ptr[s] + 1 : ptr[s + 1] - 1] = False
    counts = counts.copy()
    counts[which] = 2
    return coords[keep], np.r_[0, np.cumsum(counts)]


def _remove_conflicts(
    a: np.ndarray, b: np.ndarray, coords: np.ndarray, ptr: np.ndarray, walls: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Straighten wiggled segments that touch another segment or the area edge."""
    wall_tree = shapely.STRtree(walls)
    for _ in range(4):
        seg_id = np.repeat(np.arange(len(a)), np.diff(ptr))
        lines = shapely.linestrings(coords, indices=seg_id)
        wiggled = np.diff(ptr) > 2
        tree = shapely.STRtree(lines)
        i, j = tree.query(lines, predicate="intersects")
        m = i < j
        i, j = i[m], j[m]
        share = (a[i] == a[j]) | (a[i] == b[j]) | (b[i] == a[j]) | (b[i] == b[j])
        bad = ~share
        if share.any():
            si, sj = i[share], j[share]
            check = wiggled[si] | wiggled[sj]
            crossed = np.zeros(len(si), dtype=bool)
            crossed[check] = shapely.crosses(lines[si[check]], lines[sj[check]])
            bad[np.flatnonzero(share)] = crossed
        conflict = np.unique(np.r_[i[bad], j[bad]])
        w_idx = np.flatnonzero(wiggled)
        if len(w_idx):
            hit = wall_tree.query(lines[w_idx], predicate="intersects")[0]
            conflict = np.unique(np.r_[conflict, w_idx[hit]])
        conflict = conflict[wiggled[conflict]]
        if len(conflict) == 0:
            break
        coords, ptr = _straighten(coords, ptr, conflict)
    return coords, ptr


def _merge_chains(
    n: int, a: np.ndarray, b: np.ndarray
) -> tuple[list[list[int]], list[list[int]], np.ndarray]:
    """Merge chains through degree-2 nodes.

    Returns node sequences, segment sequences (signed: ``s`` forward, ``~s``
    reversed) and a mask of segments kept (segments of isolated rings and the
    closing segment of loops are dropped).
    """
    kept = np.ones(len(a), dtype=bool)
    for _ in range(10):
        idx = np.flatnonzero(kept)
        deg = np.bincount(np.r_[a[idx], b[idx]], minlength=n)
        inc_node = np.r_[a[idx], b[idx]]
        inc_seg = np.r_[idx, idx]
        order = np.argsort(inc_node, kind="stable")
        inc_node, inc_seg = inc_node[order], inc_seg[order]
        start = np.searchsorted(inc_node, np.arange(n + 1))
        inc = inc_seg.tolist()
        st = start.tolist()
        dg = deg.tolist()
        al, bl = a.tolist(), b.tolist()
        used = np.zeros(len(a), dtype=bool)
        node_seqs: list[list[int]] = []
        seg_seqs: list[list[int]] = []
        loops: list[int] = []
        for s in np.flatnonzero((deg != 2) & (deg > 0)).tolist():
            for k in range(st[s], st[s + 1]):
                e0 = inc[k]
                if used[e0]:
                    continue
                nodes = [s]
                segs = []
                cur, e = s, e0
                while True:
                    used[e] = True
                    nxt = bl[e] if al[e] == cur else al[e]
                    segs.append(e if al[e] == cur else ~e)
                    nodes.append(nxt)
                    if dg[nxt] != 2:
                        break
                    k0 = st[nxt]
                    e = inc[k0] if inc[k0] != e else inc[k0 + 1]
                    cur = nxt
                if nodes[-1] == s:
                    loops.append(segs[-1] if segs[-1] >= 0 else ~segs[-1])
                node_seqs.append(nodes)
                seg_seqs.append(segs)
        rings = kept & ~used
        if not loops and not rings.any():
            return node_seqs, seg_seqs, kept
        kept[rings] = False
        kept[np.asarray(loops, dtype=np.int64)] = False
    raise RuntimeError("could not merge road chains")  # pragma: no cover


def _finish(
    pts: np.ndarray,
    role: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    length: np.ndarray,
    cls: np.ndarray,
    names: list[str | None],
    area: shapely.Geometry,
    border: shapely.Geometry,
    rng: np.random.Generator,
    trail_xy: np.ndarray,
    crossing_xy: np.ndarray,
    br_xy: np.ndarray,
) -> RoadNet:
    n = len(pts)
    coords, ptr = _wiggle(pts, a, b, length, rng)
    walls = np.concatenate([segments(area), segments(border)])
    coords, ptr = _remove_conflicts(a, b, coords, ptr, walls)
    node_seqs, seg_seqs, _ = _merge_chains(n, a, b)

    # junctions -> ids 1..M in point order
    ends = np.array([[ns[0], ns[-1]] for ns in node_seqs], dtype=np.int64).reshape(-1, 2)
    junction = np.unique(ends.ravel())
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[junction] = np.arange(1, len(junction) + 1)

    counts = np.diff(ptr)
    n_chain = len(seg_seqs)
    clen = np.fromiter(map(len, seg_seqs), dtype=np.int64, count=n_chain)
    flat = np.fromiter(
        itertools.chain.from_iterable(seg_seqs), dtype=np.int64, count=int(clen.sum())
    )
    fwd = flat >= 0
    si = np.where(fwd, flat, ~flat)
    cstart = np.r_[0, np.cumsum(clen)]
    chain_of = np.repeat(np.arange(n_chain), clen)
    # each segment gives its points but the last, the chain's last segment all of them
    is_last = np.zeros(len(flat), dtype=bool)
    is_last[cstart[1:] - 1] = True
    npts = counts[si] - 1 + is_last
    occ = np.repeat(np.arange(len(flat)), npts)
    k = np.arange(int(npts.sum())) - np.r_[0, np.cumsum(npts)][occ]
    idx = np.where(fwd[occ], ptr[si[occ]] + k, ptr[si[occ] + 1] - 1 - k)
    chain_pts = np.bincount(chain_of, weights=npts, minlength=n_chain).astype(np.int64)
    cp = np.r_[0, np.cumsum(chain_pts)]

    eu = new_id[ends[:, 0]]
    ev = new_id[ends[:, 1]]
    flip = eu > ev
    # the longest segment of a chain gives its class and name
    best_occ = np.lexsort((np.arange(len(flat)), -length[si], chain_of))
    first_occ = np.r_[True, chain_of[best_occ][1:] != chain_of[best_occ][:-1]]
    best = si[best_occ[first_occ]]
    first_seg = si[cstart[:-1]]
    u = np.where(flip, ev, eu)
    v = np.where(flip, eu, ev)
    order = np.lexsort((first_seg, v, u))
    u, v = u[order], v[order]
    same = np.r_[False, (u[1:] == u[:-1]) & (v[1:] == v[:-1])]
    pos = np.arange(len(u))
    key = pos - np.maximum.accumulate(np.where(same, 0, pos))

    # gather the coordinates chain by chain in output order, flipped where u > v
    lens = chain_pts[order]
    out_ptr = np.r_[0, np.cumsum(lens)]
    out_chain = np.repeat(order, lens)
    j = np.arange(int(lens.sum())) - np.repeat(out_ptr[:-1], lens)
    src = np.where(flip[out_chain], cp[out_chain + 1] - 1 - j, cp[out_chain] + j)
    out_coords = coords[idx[src]]
    out_cls = cls[best][order]
    out_name = [names[i] for i in best[order]]
    return RoadNet(
        node_xy=pts[junction],
        node_role=role[junction],
        edge_u=u,
        edge_v=v,
        edge_key=key,
        edge_class=out_cls,
        edge_name=out_name,
        coords=out_coords.reshape(-1, 2),
        ptr=out_ptr,
        trail_xy=trail_xy,
        crossing_xy=crossing_xy,
        border_road_xy=br_xy,
    )
