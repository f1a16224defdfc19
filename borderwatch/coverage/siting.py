"""Where to add checkpoints: maximal new coverage for ``k`` sites, and the fewest sites to cover all.

Both problems are solved on the border units not yet watched by an existing
checkpoint (existing checkpoints stay fixed). A candidate site watches a unit
when the unit's midpoint is within ``radius_m`` of it (the rule of
:func:`~borderwatch.coverage.checkpoint_watch`).

* **Maximal coverage** (MCLP): choose ``k`` candidates maximising the newly
  watched length (optionally times a risk weight). Greedy first; then the
  exact MILP with HiGHS (:func:`scipy.optimize.milp`). scipy's interface takes
  no start solution, so the greedy answer is the fallback incumbent: when the
  MILP stops on its time limit the better of the two is kept, and the gap is
  measured against the MILP's dual bound. Past ``max_milp_size`` (variables
  plus nonzeros) the MILP is skipped and the gap is measured against the
  simple bound "sum of the ``k`` largest single-site gains".
* **Set cover** (LSCP): the fewest candidates that watch every unit any
  candidate can watch. Units no candidate can watch are *listed*, not an error.

Before the MILP, units with identical candidate sets are merged (their weights
add up) and candidates watching identical unit sets are kept once (the lowest
index), which shrinks border instances several-fold.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from borderwatch.atomic import not_regular
from borderwatch.coverage.geometry import unit_midpoints
from borderwatch.coverage.risk import risk_weights
from borderwatch.coverage.static import checkpoint_watch
from borderwatch.errors import CoverageError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = [
    "SitingResult",
    "candidate_sites",
    "coverage_matrix",
    "greedy_max_coverage",
    "site_checkpoints",
]

logger = logging.getLogger(__name__)


def _unit_tree(network: PatrolNetwork) -> shapely.STRtree:
    return shapely.STRtree(network.units.geometry.to_numpy())


def candidate_sites(
    network: PatrolNetwork,
    *,
    max_border_m: float | None = None,
    file: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """Candidate checkpoint sites: road nodes near the border, or a user file.

    Parameters
    ----------
    network
        The patrol network.
    max_border_m
        Road nodes within this distance of the border are candidates
        (default ``checkpoint_radius_m``: a node farther away watches nothing).
    file
        A CSV with columns ``id``, ``lon``, ``lat`` (optional ``name``) to use
        instead of the road nodes.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``candidate`` (``N<node>`` for road nodes, the file's ids
        otherwise); columns ``node`` (-1 for file sites), ``to_border_m``
        (distance from the site to the border line, m); Point geometry in ``network.crs``.
    """
    if file is not None:
        path = Path(file)
        if not path.is_file():
            raise CoverageError(not_regular(path) or "candidate file not found", file=path)
        try:
            frame = pd.read_csv(path, dtype={"id": str}, encoding="utf-8")
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
            raise CoverageError(f"not a readable CSV: {err}", file=path) from None
        for col in ("id", "lon", "lat"):
            if col not in frame.columns:
                raise CoverageError("missing column; need id, lon, lat", file=path, field=col)
        lon = pd.to_numeric(frame["lon"], errors="coerce")
        lat = pd.to_numeric(frame["lat"], errors="coerce")
        bad = lon.isna() | lat.isna() | ~lon.between(-180, 180) | ~lat.between(-90, 90)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise CoverageError(
                f"row {i + 2}: lon/lat must be numbers in degrees",
                file=path,
                field="lon/lat",
                value=f"{frame['lon'].iloc[i]}, {frame['lat'].iloc[i]}",
            )
        if frame["id"].duplicated().any():
            raise CoverageError(
                "duplicate id",
                file=path,
                field="id",
                value=frame["id"][frame["id"].duplicated()].iloc[0],
            )
        pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(network.crs).to_numpy()
        out = gpd.GeoDataFrame(
            {"node": np.full(len(frame), -1, dtype=np.int64)},
            geometry=pts,
            crs=network.crs,
            index=pd.Index(frame["id"].astype(str).to_numpy(), name="candidate"),
        )
    else:
        dist = float(network.config.checkpoint_radius_m if max_border_m is None else max_border_m)
        nodes = network.nodes
        # through the short unit lines: a long border line makes each distance O(vertices)
        pairs = _unit_tree(network).query(
            nodes.geometry.to_numpy(), predicate="dwithin", distance=dist
        )
        idx = np.unique(pairs[0])
        out = gpd.GeoDataFrame(
            {"node": idx.astype(np.int64)},
            geometry=nodes.geometry.to_numpy()[idx],
            crs=network.crs,
            index=pd.Index([f"N{i}" for i in idx], name="candidate"),
        )
    if len(out):
        _, border_m = _unit_tree(network).query_nearest(
            out.geometry.to_numpy(), return_distance=True, all_matches=False
        )
    else:
        border_m = np.zeros(0)
    out["to_border_m"] = np.asarray(border_m, dtype=float)
    return out


def coverage_matrix(
    network: PatrolNetwork, candidates: gpd.GeoDataFrame, *, radius_m: float | None = None
) -> sparse.csr_array:
    """Boolean units × candidates matrix: the candidate would watch the unit (midpoint rule).

    Parameters
    ----------
    network
        The patrol network; its border units are the rows, in order.
    candidates
        Candidate sites (:func:`candidate_sites`), Point geometries in the
        network's projected CRS; the columns, in order.
    radius_m
        Watch radius of a site in metres: a unit is watched when its midpoint
        lies within it (default the config's ``checkpoint_radius_m``).

    Returns
    -------
    scipy.sparse.csr_array
        Shape ``(n_units, n_candidates)``, dtype bool, sorted indices; True
        where the candidate watches the unit.

    Raises
    ------
    CoverageError
        If the radius is not positive.
    """
    r = float(network.config.checkpoint_radius_m if radius_m is None else radius_m)
    if not r > 0:
        raise CoverageError("radius_m must be positive", field="radius_m", value=radius_m)
    mid = unit_midpoints(network)
    if len(candidates) == 0:
        return sparse.csr_array((len(mid), 0), dtype=bool)
    tree = shapely.STRtree(candidates.geometry.to_numpy())
    ui, ci = tree.query(mid, predicate="dwithin", distance=r)
    m = sparse.csr_array(
        (np.ones(len(ui), dtype=bool), (ui, ci)), shape=(len(mid), len(candidates))
    )
    m.sort_indices()
    return m


def greedy_max_coverage(
    cover: sparse.csr_array, value: np.ndarray, k: int | None
) -> tuple[list[int], np.ndarray]:
    """Greedy maximal coverage: repeatedly take the candidate with the largest new value.

    Parameters
    ----------
    cover
        Units × candidates boolean matrix.
    value
        Value of each unit (0 for units already watched).
    k
        Number of sites; ``None`` runs until nothing more can be covered
        (the greedy set cover).

    Returns
    -------
    (list of int, numpy.ndarray)
        The chosen candidate columns in order, and the value each added.
        Ties go to the lowest column, so the result is deterministic.
    """
    csc = sparse.csc_array(cover, dtype=np.float64)
    csr = sparse.csr_array(cover, dtype=np.float64)
    left = np.asarray(value, dtype=float).copy()
    gains = csc.T @ left
    chosen: list[int] = []
    added: list[float] = []
    limit = csc.shape[1] if k is None else min(k, csc.shape[1])
    while len(chosen) < limit:
        c = int(np.argmax(gains)) if len(gains) else -1
        if c < 0 or gains[c] <= 1e-12:
            break
        chosen.append(c)
        added.append(float(gains[c]))
        rows = csc.indices[csc.indptr[c] : csc.indptr[c + 1]]
        rows = rows[left[rows] > 0]
        if len(rows):
            # subtract the covered units' value from every candidate that covers them
            sub = csr[rows]
            dec = sub.T @ left[rows]
            gains -= dec
            left[rows] = 0.0
        gains[c] = -np.inf
    return chosen, np.asarray(added)


def _compress(cover: sparse.csr_array, value: np.ndarray) -> tuple[sparse.csr_array, np.ndarray]:
    """Merge rows with identical candidate sets (summing their value); drop empty rows."""
    rows = [
        tuple(cover.indices[cover.indptr[i] : cover.indptr[i + 1]]) for i in range(cover.shape[0])
    ]
    groups: dict[tuple[int, ...], float] = {}
    for r, v in zip(rows, value, strict=True):
        if r and v > 0:
            groups[r] = groups.get(r, 0.0) + float(v)
    keys = sorted(groups)
    indptr = np.concatenate([[0], np.cumsum([len(k) for k in keys])]).astype(np.int64)
    indices = np.asarray([c for k in keys for c in k], dtype=np.int64)
    m = sparse.csr_array(
        (np.ones(len(indices)), indices, indptr), shape=(len(keys), cover.shape[1])
    )
    return m, np.asarray([groups[k] for k in keys])


def _dedup_columns(cover: sparse.csr_array) -> tuple[sparse.csr_array, np.ndarray]:
    """Keep one column of each distinct non-empty pattern (the lowest index); return it and the kept columns.

    Candidates that watch exactly the same units are interchangeable in both
    problems; on dense road networks most candidates have a twin.
    """
    csc = sparse.csc_array(cover)
    csc.sort_indices()
    seen: dict[bytes, int] = {}
    keep = []
    for c in range(csc.shape[1]):
        rows = csc.indices[csc.indptr[c] : csc.indptr[c + 1]]
        if len(rows) == 0:
            continue
        key = rows.astype(np.int64).tobytes()
        if key not in seen:
            seen[key] = c
            keep.append(c)
    cols = np.asarray(keep, dtype=np.int64)
    return sparse.csr_array(csc[:, cols]), cols


def _milp_max_coverage(
    cover: sparse.csr_array, value: np.ndarray, k: int, time_limit_s: float
) -> tuple[list[int], float, float, str]:
    """Exact MCLP. Returns (columns, objective, upper bound, status)."""
    n_r, n_c = cover.shape
    # variables: x (n_c binaries) then y (n_r in [0, 1]); maximise value . y
    c = np.concatenate([np.zeros(n_c), -value])
    a_link = sparse.hstack([-cover, sparse.eye_array(n_r)], format="csr")  # y_u - sum x <= 0
    a_k = sparse.hstack(
        [sparse.csr_array(np.ones((1, n_c))), sparse.csr_array((1, n_r))], format="csr"
    )
    cons = [LinearConstraint(a_link, -np.inf, 0.0), LinearConstraint(a_k, -np.inf, float(k))]
    integrality = np.concatenate([np.ones(n_c), np.zeros(n_r)])
    res = milp(
        c,
        constraints=cons,
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-9, "disp": False},
    )
    bound = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else math.inf
    if res.x is None:
        return [], 0.0, bound, str(res.message)
    x = res.x[:n_c]
    cols = [int(i) for i in np.flatnonzero(x > 0.5)]
    covered = (cover[:, cols].sum(axis=1) > 0) if cols else np.zeros(n_r, dtype=bool)
    obj = float(value[np.asarray(covered).ravel()].sum())
    return cols, obj, max(bound, obj), "optimal" if res.status == 0 else str(res.message)


def _milp_set_cover(cover: sparse.csr_array, time_limit_s: float) -> tuple[list[int], float, str]:
    """Exact LSCP on rows that can be covered. Returns (columns, lower bound, status)."""
    n_c = cover.shape[1]
    res = milp(
        np.ones(n_c),
        constraints=[LinearConstraint(cover, 1.0, np.inf)],
        integrality=np.ones(n_c),
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-9, "disp": False},
    )
    bound = float(res.mip_dual_bound) if res.mip_dual_bound is not None else 0.0
    if res.x is None:
        return [], bound, str(res.message)
    return (
        [int(i) for i in np.flatnonzero(res.x > 0.5)],
        bound,
        "optimal" if res.status == 0 else str(res.message),
    )


@dataclass(frozen=True, eq=False)
class SitingResult:
    """New checkpoint sites and what they add.

    Attributes
    ----------
    sites
        The ``k`` chosen sites (index ``candidate``): ``rank`` (greedy order of
        marginal gain, 1 = most), ``node``, ``to_border_m`` (distance from the
        site to the border line, m), ``new_km`` (length only this site newly
        watches, in ``rank`` order), ``new_value`` (risk-weighted value added),
        ``from_km`` and ``to_km`` (chainage of the first and last unit it newly
        watches), ``stretches`` (those units as km ranges, ``"5.25-6.00; 7.00-7.50"``),
        ``township`` (of the units it newly watches, the most km; else of the
        nearest unit), ``lon`` and ``lat`` (WGS 84); Point geometry.
    cover_sites
        The fewest sites that watch every coverable unit, same columns.
    uncoverable
        Units that no existing checkpoint and no candidate can watch: index
        ``unit``; ``start_km``, ``end_km``, ``township``, ``village``,
        ``nearest_candidate_m``.
    summary
        ``k``, ``method`` (``"milp"`` or ``"greedy"``), ``status``,
        ``watched_before_km``, ``new_km``, ``watched_after_km``,
        ``objective`` (value, km or risk-weighted km), ``greedy_objective``,
        ``upper_bound``, ``gap_pct``, ``min_sites`` and ``min_sites_bound``
        (set cover), ``uncoverable_km``, ``seconds``.
    """

    sites: gpd.GeoDataFrame
    cover_sites: gpd.GeoDataFrame
    uncoverable: pd.DataFrame
    summary: dict[str, Any]


def _runs_text(start_m: np.ndarray, end_m: np.ndarray) -> str:
    """Units (sorted by chainage) as merged km ranges: ``"5.25-6.00; 7.00-7.50"``."""
    out: list[list[float]] = []
    for a, b in zip(start_m, end_m, strict=True):
        if out and a <= out[-1][1] + 1e-6:
            out[-1][1] = max(out[-1][1], float(b))
        else:
            out.append([float(a), float(b)])
    return "; ".join(f"{a / 1000:.2f}-{b / 1000:.2f}" for a, b in out)


def _where(
    network: PatrolNetwork, sites: gpd.GeoDataFrame, newly: list[np.ndarray]
) -> gpd.GeoDataFrame:
    """Chainage, township and lon/lat of each site (``newly``: the units each newly watches)."""
    units = network.units
    start = units["start_m"].to_numpy(dtype=float)
    end = units["end_m"].to_numpy(dtype=float)
    length = units["length_m"].to_numpy(dtype=float)
    towns = (
        units["township"].astype(str).to_numpy()
        if "township" in units
        else np.full(len(units), "", dtype=object)
    )
    nearest = (
        _unit_tree(network).query_nearest(sites.geometry.to_numpy(), all_matches=False)[1]
        if len(sites)
        else np.zeros(0, dtype=int)
    )
    from_km, to_km, stretches, township = [], [], [], []
    for k, rows in enumerate(newly):
        rows = np.sort(rows)
        if len(rows):
            from_km.append(float(start[rows].min()) / 1000)
            to_km.append(float(end[rows].max()) / 1000)
            stretches.append(_runs_text(start[rows], end[rows]))
            by_town = pd.Series(length[rows]).groupby(towns[rows]).sum()
            township.append(str(by_town.sort_values(ascending=False, kind="stable").index[0]))
        else:
            from_km.append(math.nan)
            to_km.append(math.nan)
            stretches.append("")
            township.append(str(towns[int(nearest[k])]) if len(nearest) else "")
    out = sites.copy()
    out["from_km"] = from_km
    out["to_km"] = to_km
    out["stretches"] = stretches
    out["township"] = township
    ll = sites.geometry.to_crs(4326) if len(sites) else gpd.GeoSeries([], crs=4326)
    out["lon"] = np.round(ll.x.to_numpy(dtype=float), 6)
    out["lat"] = np.round(ll.y.to_numpy(dtype=float), 6)
    return out


def _site_table(
    candidates: gpd.GeoDataFrame,
    cols: list[int],
    cover: sparse.csr_array,
    value: np.ndarray,
    length: np.ndarray,
    network: PatrolNetwork | None = None,
) -> gpd.GeoDataFrame:
    """Order ``cols`` greedily by marginal gain and tabulate what each adds (and where)."""
    sub = cover[:, cols] if cols else sparse.csr_array((cover.shape[0], 0), dtype=bool)
    order, _ = greedy_max_coverage(sub, value, None)
    order += [i for i in range(len(cols)) if i not in order]  # sites adding nothing go last
    ordered = [cols[i] for i in order]
    left = value > 0
    new_km, new_val, newly = [], [], []
    csc = sparse.csc_array(cover)
    for c in ordered:
        rows = csc.indices[csc.indptr[c] : csc.indptr[c + 1]]
        rows = rows[left[rows]]
        new_km.append(float(length[rows].sum()) / 1000)
        new_val.append(float(value[rows].sum()))
        newly.append(rows)
        left[rows] = False
    out = candidates.iloc[ordered].copy()
    out.insert(0, "rank", np.arange(1, len(ordered) + 1))
    out["new_km"] = new_km
    out["new_value"] = new_val
    return out if network is None else _where(network, out, newly)


def site_checkpoints(
    network: PatrolNetwork,
    k: int,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    radius_m: float | None = None,
    risk: bool | np.ndarray = False,
    method: str = "auto",
    time_limit_s: float = 60.0,
    max_milp_size: int = 2_000_000,
    cover_all: bool = True,
) -> SitingResult:
    """Propose ``k`` new checkpoint sites, and the fewest sites to watch everything.

    Parameters
    ----------
    network
        The patrol network; its checkpoints stay where they are.
    k
        Number of new sites (>= 0).
    candidates
        From :func:`candidate_sites` (default: road nodes within the radius
        of the border).
    radius_m
        Watch radius of a new site (default ``checkpoint_radius_m``).
    risk
        Weight units by risk: ``True`` for :func:`~borderwatch.coverage.risk_weights`,
        or an array of one weight per unit; ``False`` (default): plain length.
    method
        ``"auto"`` (MILP up to ``max_milp_size``, else greedy), ``"milp"`` or
        ``"greedy"``.
    time_limit_s
        Time limit of each MILP solve.
    max_milp_size
        Variables plus nonzeros above which ``"auto"`` uses greedy only.
    cover_all
        Also solve the set cover (the fewest sites to watch every coverable unit).

    Returns
    -------
    SitingResult
    """
    t0 = time.perf_counter()
    _check_siting_args(k, method)
    cands = candidate_sites(network) if candidates is None else candidates
    cover = coverage_matrix(network, cands, radius_m=radius_m)
    length = network.units["length_m"].to_numpy(dtype=float)
    weight = _unit_weights(network, risk, length)
    watched = checkpoint_watch(network)["watched"].to_numpy(dtype=bool)
    value = np.where(watched, 0.0, length * weight / 1000.0)  # km (x risk)
    coverable = np.asarray(cover.sum(axis=1)).ravel() > 0

    pick = _pick_sites(cover, value, coverable, int(k), method, time_limit_s, max_milp_size)
    sites = _site_table(cands, pick.cols, cover, value, length, network)

    min_sites: int | None = None
    min_bound: float | None = None
    cover_sites = cands.iloc[[]].copy()
    if cover_all:
        min_sites, min_bound, cover_sites = _cover_everything(
            network, cands, cover, watched, coverable, length, method, time_limit_s, max_milp_size
        )

    unc = (~watched) & (~coverable)
    uncoverable = _uncoverable_table(network, cands, unc)
    before = float(length[watched].sum()) / 1000
    new_km = float(sites["new_km"].sum()) if len(sites) else 0.0
    summary: dict[str, Any] = {
        "k": int(k),
        "n_candidates": len(cands),
        "radius_m": float(network.config.checkpoint_radius_m if radius_m is None else radius_m),
        "risk_weighted": bool(risk is True or isinstance(risk, np.ndarray)),
        "method": pick.used,
        "status": pick.status,
        "border_km": round(float(length.sum()) / 1000, 3),
        "watched_before_km": round(before, 3),
        "new_km": round(new_km, 3),
        "watched_after_km": round(before + new_km, 3),
        "objective": round(pick.obj, 6),
        "greedy_objective": round(pick.greedy_obj, 6),
        "upper_bound": round(pick.bound, 6),
        "gap_pct": round(pick.gap, 4),
        "min_sites": min_sites,
        "min_sites_bound": min_bound,
        "uncoverable_km": round(float(length[unc].sum()) / 1000, 3),
        "milp_size": int(pick.size),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    logger.info(
        "siting: k=%d adds %.2f km (%s, gap %.2f %%); %s sites would watch all coverable units",
        k,
        new_km,
        pick.used,
        pick.gap,
        min_sites,
    )
    return SitingResult(
        sites=sites, cover_sites=cover_sites, uncoverable=uncoverable, summary=summary
    )


def _check_siting_args(k: Any, method: str) -> None:
    """Reject a bad ``k`` or ``method`` of :func:`site_checkpoints`."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise CoverageError("k must be a non-negative integer", field="k", value=k)
    if method not in ("auto", "milp", "greedy"):
        raise CoverageError(
            "method must be 'auto', 'milp' or 'greedy'", field="method", value=method
        )


def _unit_weights(
    network: PatrolNetwork, risk: bool | np.ndarray, length: np.ndarray
) -> np.ndarray:
    """One weight per unit: the given array, risk weights, or ones."""
    if isinstance(risk, np.ndarray):
        if risk.shape != length.shape:
            raise CoverageError(
                f"risk must hold one weight per unit ({len(length)})",
                field="risk",
                value=risk.shape,
            )
        return risk.astype(float)
    return risk_weights(network) if risk else np.ones(len(length))


@dataclass(frozen=True)
class _Pick:
    """The chosen max-coverage columns and how they were found."""

    cols: list[int]
    obj: float
    used: str
    status: str
    bound: float
    greedy_obj: float
    size: int
    gap: float


def _pick_sites(
    cover: sparse.csr_array,
    value: np.ndarray,
    coverable: np.ndarray,
    k: int,
    method: str,
    time_limit_s: float,
    max_milp_size: int,
) -> _Pick:
    """Greedy max coverage, then the MILP where allowed (kept when not worse)."""
    g_cols, g_added = greedy_max_coverage(cover, value, k)
    greedy_obj = float(g_added.sum())
    comp, comp_val = _compress(cover, value)
    comp, comp_cols = _dedup_columns(comp)
    size = comp.shape[0] + comp.shape[1] + comp.nnz
    use_milp = method == "milp" or (method == "auto" and size <= max_milp_size)
    status = "greedy"
    if use_milp and k > 0 and comp.shape[0] > 0:
        m_cols, m_obj, bound, status = _milp_max_coverage(comp, comp_val, k, time_limit_s)
        m_cols = [int(comp_cols[c]) for c in m_cols]
        cols, obj, used = (
            (m_cols, m_obj, "milp")
            if m_obj >= greedy_obj - 1e-12
            else (g_cols, greedy_obj, "greedy")
        )
    else:
        single = np.sort(np.asarray(sparse.csc_array(cover, dtype=float).T @ value))[::-1]
        bound = float(min(single[:k].sum(), value[coverable].sum())) if k else 0.0
        cols, obj, used = g_cols, greedy_obj, "greedy"
    gap = 0.0 if bound <= 0 else max(0.0, 100.0 * (bound - obj) / bound)
    return _Pick(cols, obj, used, status, bound, greedy_obj, size, gap)


def _cover_everything(
    network: PatrolNetwork,
    cands: gpd.GeoDataFrame,
    cover: sparse.csr_array,
    watched: np.ndarray,
    coverable: np.ndarray,
    length: np.ndarray,
    method: str,
    time_limit_s: float,
    max_milp_size: int,
) -> tuple[int, float | None, gpd.GeoDataFrame]:
    """The set cover: fewest sites watching every coverable unit, its bound and table."""
    min_bound: float | None = None
    need = (~watched) & coverable
    sc_cover, _ = _compress(cover, need.astype(float))
    sc_cover, sc_keep = _dedup_columns(sc_cover)
    sc_size = sc_cover.shape[0] + sc_cover.shape[1] + sc_cover.nnz
    g_sc, _ = greedy_max_coverage(cover, need.astype(float), None)
    sc_cols = g_sc
    if not sc_cover.shape[0]:
        min_bound = 0.0
    elif method == "milp" or (method == "auto" and sc_size <= max_milp_size):
        m_sc, sc_bound, _ = _milp_set_cover(sc_cover, time_limit_s)
        m_sc = [int(sc_keep[c]) for c in m_sc]
        min_bound = float(math.ceil(sc_bound - 1e-6))
        if m_sc and len(m_sc) <= len(g_sc):
            sc_cols = m_sc
    cover_sites = _site_table(
        cands, sc_cols, cover, need.astype(float) * length / 1000, length, network
    )
    return len(sc_cols), min_bound, cover_sites


def _uncoverable_table(
    network: PatrolNetwork, cands: gpd.GeoDataFrame, unc: np.ndarray
) -> pd.DataFrame:
    """Units no site can watch, with the distance to the nearest candidate."""
    u = network.units.loc[unc]
    mid = unit_midpoints(network)[unc]
    if len(cands) and len(u):
        _, d = shapely.STRtree(cands.geometry.to_numpy()).query_nearest(
            mid, return_distance=True, all_matches=False
        )
    else:
        d = np.full(len(u), np.inf)
    return pd.DataFrame(
        {
            "start_km": u["start_m"].to_numpy() / 1000,
            "end_km": u["end_m"].to_numpy() / 1000,
            "township": u["township"].to_numpy() if "township" in u else "",
            "village": u["village"].to_numpy() if "village" in u else "",
            "nearest_candidate_m": np.asarray(d, dtype=float),
        },
        index=u.index,
    )
