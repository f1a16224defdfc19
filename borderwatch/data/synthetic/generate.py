"""The last step of the synthetic generator: :func:`generate_scenario`.

It runs the steps of :mod:`borderwatch.data.synthetic` in order (border and area,
counts, grids and names, roads and graph) and places checkpoints, teams and
incidents on the result (:mod:`~borderwatch.data.synthetic.placement`). Each step
draws from its own random stream, spawned from the seed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
from scipy.spatial import cKDTree
from shapely import LineString, MultiLineString, MultiPolygon, Polygon

from borderwatch.config import NightWindow
from borderwatch.data.scenario import Scenario
from borderwatch.data.synthetic import geometry as geom
from borderwatch.data.synthetic.graph import great_circle_lengths, roads_graph
from borderwatch.data.synthetic.grids import Partition, partition
from borderwatch.data.synthetic.names import person_names, place_names
from borderwatch.data.synthetic.placement import (
    WGS84,
    Places,
    place_checkpoints,
    place_incidents,
    place_teams,
    seq_ids,
)
from borderwatch.data.synthetic.roads import RoadNet, build_roads
from borderwatch.errors import ScenarioError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DEFAULT_ROAD_DENSITY", "generate_scenario", "great_circle_lengths", "roads_graph"]

logger = logging.getLogger(__name__)

#: Default road density: graph edges (both directions, as ``G.number_of_edges()``
#: counts them) per km² of area; about 1.3·10⁴ edges for a 3,700 km² county.
DEFAULT_ROAD_DENSITY = 3.5


def _check_count(name: str, value: int | None, minimum: int = 1) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ScenarioError(f"must be an integer >= {minimum}", field=name, value=value)


def _round7(geom_: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom_, lambda xy: np.round(xy, 7))


def _exact_lonlat(
    border_m: LineString, area_m: Polygon, crs: str, length_m: float
) -> tuple[LineString, Polygon]:
    """Border and area in lon/lat with 7 decimals, the border 0–2 cm shorter than ``length_m``.

    Rounding to 7 decimals changes the length by millimetres to decimetres; the
    last vertex (shared with the area outline) absorbs that, so a border of
    30 km is cut into 120 whole units of 250 m rather than 120 and a sliver.
    """
    border_ll = _round7(geom.transform(border_m, crs, WGS84))
    ring = np.asarray(_round7(geom.transform(area_m, crs, WGS84)).exterior.coords)
    coords = np.asarray(border_ll.coords)
    corner = np.flatnonzero((ring == coords[-1]).all(axis=1))
    target = length_m - 0.01
    for _ in range(6):
        xy = shapely.get_coordinates(geom.transform(LineString(coords), WGS84, crs))
        excess = float(np.hypot(*np.diff(xy, axis=0).T).sum()) - target
        if abs(excess) <= 0.008:
            break
        step = xy[-1] - xy[-2]
        end = xy[-1] - step / np.hypot(*step) * excess
        ex, ey = geom.transform_xy(end[:1], end[1:], crs, WGS84)
        coords[-1] = np.round([ex[0], ey[0]], 7)
    ring[corner] = coords[-1]
    return LineString(coords), Polygon(ring)


def _border_area(
    border_km: float,
    border: LineString | MultiLineString | None,
    area: Polygon | MultiPolygon | None,
    depth_km: float | None,
    origin: tuple[float, float],
    r_border: np.random.Generator,
) -> tuple[str, shapely.Geometry, shapely.Geometry, shapely.Geometry, shapely.Geometry]:
    """``(crs, border_m, area_m, border_ll, area_ll)``: generated or given, projected and lon/lat."""
    if border is None:
        if not (isinstance(border_km, int | float) and math.isfinite(border_km) and border_km > 0):
            raise ScenarioError(
                "must be a positive number of km", field="border_km", value=border_km
            )
        depth = 1000.0 * depth_km if depth_km else geom.default_depth_m(border_km)
        local_border, local_area = geom.make_border_area(1000.0 * border_km, depth, r_border)
        # short edges: straight in UTM and straight in lon/lat then agree to < 1e-8 of the area
        local_area = shapely.segmentize(local_area, 200.0)
        crs = geom.utm_crs(*origin)
        for _ in range(2):
            ox, oy = geom.transform_xy(np.array([origin[0]]), np.array([origin[1]]), WGS84, crs)
            shift = (float(ox[0]), float(oy[0]))
            border_m = shapely.affinity.translate(local_border, *shift)
            area_m = shapely.affinity.translate(local_area, *shift)
            c = geom.transform(area_m.centroid, crs, WGS84)
            crs2 = geom.utm_crs(c.x, c.y)
            if crs2 == crs:
                break
            crs = crs2
        border_ll, area_ll = _exact_lonlat(border_m, area_m, crs, 1000.0 * border_km)
        # work on exactly the geometry that is stored (and written with 7 decimals)
        border_m = geom.transform(border_ll, WGS84, crs)
        area_m = geom.transform(area_ll, WGS84, crs)
    else:
        if not isinstance(border, LineString | MultiLineString) or border.is_empty:
            raise ScenarioError(
                "border must be a non-empty (Multi)LineString",
                field="border",
                value=border.geom_type if border is not None else None,
            )
        c = (area if area is not None else border).centroid
        crs = geom.utm_crs(c.x, c.y)
        border_m = geom.transform(border, WGS84, crs)
        if area is None:
            depth = (
                1000.0 * depth_km if depth_km else geom.default_depth_m(border_m.length / 1000.0)
            )
            area_m = shapely.segmentize(geom.area_behind(border_m, depth), 200.0)
            area_ll = _round7(geom.transform(area_m, crs, WGS84))
        else:
            if not isinstance(area, Polygon | MultiPolygon) or area.is_empty:
                raise ScenarioError(
                    "area must be a non-empty (Multi)Polygon", field="area", value=area.geom_type
                )
            area_m = shapely.make_valid(geom.transform(shapely.segmentize(area, 0.002), WGS84, crs))
            area_m = geom.polygonal(area_m)
            area_ll = area
        border_ll = border
    return crs, border_m, area_m, border_ll, area_ll


def _counts(
    area_km2: float,
    border_len_km: float,
    grid_counts: Sequence[int] | None,
    n_border_townships: int | None,
    n_checkpoints: int | None,
    n_teams: int | None,
) -> tuple[int, int, int, int, int, int]:
    """``(townships, villages, cells, border townships, checkpoints, teams)``, given or scaled."""
    if grid_counts is None:
        n_t = max(2, round(area_km2 / 230.0))
        n_v = max(3 * n_t, round(area_km2 / 19.4))
        n_c = max(4 * n_v, round(area_km2 / 3.52))
    else:
        if len(grid_counts) != 3:
            raise ScenarioError(
                "needs three counts: township, village, cell",
                field="grid_counts",
                value=grid_counts,
            )
        for lvl, val in zip(("township", "village", "cell"), grid_counts, strict=True):
            _check_count(f"grid_counts.{lvl}", val)
        n_t, n_v, n_c = (int(v) for v in grid_counts)
        if not n_t <= n_v <= n_c:
            raise ScenarioError(
                "counts must not decrease from township to cell",
                field="grid_counts",
                value=tuple(grid_counts),
            )
    k_b = max(1, round(n_t / 4)) if n_border_townships is None else int(n_border_townships)
    if k_b > n_t:
        raise ScenarioError(
            f"cannot exceed the {n_t} townships", field="n_border_townships", value=k_b
        )
    n_cp = max(1, round(0.675 * border_len_km)) if n_checkpoints is None else int(n_checkpoints)
    n_tm = max(1, round(border_len_km * 17 / 212)) if n_teams is None else int(n_teams)
    return n_t, n_v, n_c, k_b, n_cp, n_tm


def _seat(
    seat: tuple[float, float] | None,
    part: Partition,
    area_m: shapely.Geometry,
    crs: str,
) -> tuple[np.ndarray | None, int]:
    """``(seat_xy, seat_town)``: the given county seat, or the interior township nearest the centre."""
    vxy, village_town, cell_village, tseed = (
        part.village_xy, part.village_town, part.cell_village, part.town_seed,
    )  # fmt: skip
    k_b, n_t = part.n_border, len(part.towns)
    if seat is not None:
        sx, sy = geom.transform_xy(np.array([seat[0]]), np.array([seat[1]]), WGS84, crs)
        seat_xy = np.array([sx[0], sy[0]])
        if not shapely.contains_xy(area_m, seat_xy[0], seat_xy[1]):
            raise ScenarioError("the county seat lies outside the area", field="seat", value=seat)
        seat_town = int(cKDTree(part.cell_xy).query(seat_xy)[1])
        seat_town = int(village_town[cell_village[seat_town]])
    else:
        seat_xy = None
        cand = np.arange(k_b, n_t) if n_t > k_b else np.arange(n_t)
        rp = area_m.point_on_surface()
        d = np.hypot(vxy[tseed[cand], 0] - rp.x, vxy[tseed[cand], 1] - rp.y)
        seat_town = int(cand[np.argmin(d)])
    return seat_xy, seat_town


def _grid_tables(
    part: Partition,
    crs: str,
    seat_town: int,
    seat_name: str | None,
    township_names: Sequence[str] | None,
    scen_name: str,
    r_grid: np.random.Generator,
) -> tuple[dict[str, gpd.GeoDataFrame], list[str], list[str], np.ndarray]:
    """``(grids, township names, village names, border townships)`` of the partition."""
    cells, cell_village, villages, towns = part.cells, part.cell_village, part.villages, part.towns
    village_town, k_b = part.village_town, part.n_border
    n_t, n_v, n_c = len(towns), len(villages), len(cells)
    taken: set[str] = set()
    given_names = [str(s) for s in (township_names or [])]
    taken.update(given_names)
    if seat_name:
        taken.add(seat_name)
    gen = place_names(r_grid, n_t, ("镇", "乡", "镇"), taken)
    t_names: list[str] = []
    for i in range(n_t):
        if i < len(given_names):
            t_names.append(given_names[i])
        elif i == seat_town and seat_name:
            t_names.append(seat_name)
        else:
            farm = i >= k_b and i != seat_town and r_grid.uniform() < 0.12
            t_names.append(gen[i][:-1] + "农场" if farm else gen[i])
    v_names = place_names(r_grid, n_v, ("村",), taken)
    c_rank = np.zeros(n_c, dtype=np.int64)
    starts = np.searchsorted(cell_village, np.arange(n_v))
    c_rank = np.arange(n_c) - starts[cell_village] + 1
    c_names = [f"{v_names[cell_village[i]]}第{c_rank[i]}网格" for i in range(n_c)]
    t_ids, v_ids, c_ids = seq_ids("TS", n_t, 2), seq_ids("VG", n_v, 3), seq_ids("CL", n_c, 4)
    heads = person_names(r_grid, n_t + n_v + n_c)

    def _grid(
        polys: np.ndarray, ids: list[str], names: list[str], hd: list[str], parent: list[str]
    ) -> gpd.GeoDataFrame:
        g = _round7(geom.transform(polys, crs, WGS84))
        bad = ~shapely.is_valid(g)
        g[bad] = [geom.polygonal(shapely.make_valid(x)) for x in g[bad]]
        index = pd.Index(ids, name="id", dtype=object)
        return gpd.GeoDataFrame(
            {"name": names, "head": hd, "parent": parent},
            index=index, geometry=gpd.GeoSeries(g, index=index), crs=WGS84,
        )  # fmt: skip

    t_touch = np.zeros(n_t, dtype=bool)
    t_touch[:k_b] = True
    grids = {
        "township": _grid(towns, t_ids, t_names, heads[:n_t], [scen_name] * n_t),
        "village": _grid(
            villages, v_ids, v_names, heads[n_t : n_t + n_v], [t_ids[i] for i in village_town]
        ),
        "cell": _grid(cells, c_ids, c_names, heads[n_t + n_v :], [v_ids[i] for i in cell_village]),
    }
    grids["township"]["border"] = t_touch.astype(np.int64)
    return grids, t_names, v_names, t_touch


def _check_generate_args(
    seed: int,
    n_checkpoints: int | None,
    n_teams: int | None,
    n_border_townships: int | None,
    road_density: float | None,
    incident_rate: float,
    area: Polygon | MultiPolygon | None,
    border: LineString | MultiLineString | None,
) -> None:
    """Reject out-of-range :func:`generate_scenario` arguments (before any work)."""
    if seed < 0:
        raise ScenarioError("seed must be a non-negative integer", field="seed", value=seed)
    for arg, val in (
        ("n_checkpoints", n_checkpoints),
        ("n_teams", n_teams),
        ("n_border_townships", n_border_townships),
    ):
        _check_count(arg, val, 0 if arg == "n_checkpoints" else 1)
    if road_density is not None and not (math.isfinite(road_density) and road_density > 0):
        raise ScenarioError("must be a positive number", field="road_density", value=road_density)
    if incident_rate < 0 or not math.isfinite(incident_rate):
        raise ScenarioError("must be >= 0", field="incident_rate", value=incident_rate)
    if area is not None and border is None:
        raise ScenarioError("an area needs its border", field="area", value=None)


def _road_net(
    area_m: shapely.Geometry,
    border_m: shapely.Geometry,
    part: Partition,
    seat: tuple[np.ndarray | None, str, int],
    t_touch: np.ndarray,
    t_names: list[str],
    target: int,
    extra_edge_share: float,
    n_trail: int,
    n_crossing: int,
    r_roads: np.random.Generator,
) -> RoadNet:
    """The road network: trunk roads from the seat, then villages, trails and crossings."""
    seat_xy, county_seat_name, seat_town = seat
    vxy = part.village_xy
    return build_roads(
        area_m,
        border_m,
        seat_xy=seat_xy,
        seat_name=county_seat_name,
        seat_township=seat_town,
        township_xy=vxy[part.town_seed],
        township_border=t_touch,
        township_names=t_names,
        village_xy=vxy,
        target_edges=target,
        extra_share=extra_edge_share,
        n_trail=n_trail,
        n_crossing=n_crossing,
        rng=r_roads,
    )


def _target_edges(road_density: float | None, area_km2: float) -> int:
    """Road graph edges to aim for (one direction): density times area, at least 10."""
    density = DEFAULT_ROAD_DENSITY if road_density is None else float(road_density)
    return max(round(density * area_km2 / 2), 10)


def _provenance(tag: str, border_given: bool, area_given: bool) -> Mapping[str, str]:
    """Where each layer comes from: supplied, or the generator's tag."""
    return {
        "border": "supplied" if border_given else tag,
        "area": "supplied" if area_given else tag,
        "roads": tag,
        "checkpoints": tag,
        "teams": tag,
        "grids": tag,
        "incidents": tag,
    }


def generate_scenario(
    border_km: float = 60.0,
    seed: int = 7,
    *,
    border: LineString | MultiLineString | None = None,
    area: Polygon | MultiPolygon | None = None,
    name: str | None = None,
    title: str | None = None,
    n_checkpoints: int | None = None,
    n_teams: int | None = None,
    n_border_townships: int | None = None,
    grid_counts: Sequence[int] | None = None,
    township_names: Sequence[str] | None = None,
    seat: tuple[float, float] | None = None,
    seat_name: str | None = None,
    road_density: float | None = None,
    extra_edge_share: float = 0.35,
    depth_km: float | None = None,
    incident_rate: float = 1.0,
    incident_year: int = 2025,
    origin: tuple[float, float] = (107.0, 22.0),
    timezone: str = "Asia/Shanghai",
    night_window: tuple[str, str] = ("20:00", "06:00"),
) -> Scenario:
    """Generate a synthetic scenario, deterministic per ``seed``.

    Parameters
    ----------
    border_km
        Length of the generated border (km, measured in the scenario's UTM
        CRS). Ignored when ``border`` is given (its own length is used).
    seed
        Seed of every random choice (``numpy.random.default_rng``).
    border
        A lon/lat border line to use as given instead of generating one.
    area
        A lon/lat area outline behind ``border``. Without it, a strip of
        ``depth_km`` on the right-hand side of ``border`` is used.
    name, title
        Scenario name and title (default: derived from size and seed).
    n_checkpoints
        Exact number of checkpoints (default about 0.675 per border km).
    n_teams
        Exact number of patrol teams (default about 17 per 212 border km).
    n_border_townships
        Exact number of townships touching the border (default a quarter).
    grid_counts
        Exact numbers of (township, village, cell) polygons (default scaled by
        area like Ningming's 16/191/1052 on 3,700 km²).
    township_names
        Names of the border townships in chainage order, then of the
        interior townships; missing names are generated.
    seat, seat_name
        Lon/lat and name of the county seat, the hub of the trunk roads
        (default: the seat of the interior township nearest the area centre).
    road_density
        Road graph edges (both directions) per km² of area
        (default :data:`DEFAULT_ROAD_DENSITY`).
    extra_edge_share
        Short extra roads added to the spanning tree, per junction.
    depth_km
        Depth of the generated area behind the border (default 4–40 km by length).
    incident_rate
        Incidents per border km over ``incident_year``.
    incident_year
        Year of the incident dates.
    origin
        Lon/lat of the south end of a generated border.
    timezone, night_window
        Local time zone and the ``("HH:MM", "HH:MM")`` night window.

    Returns
    -------
    Scenario
        In lon/lat, with ``crs`` the UTM zone of the area centroid and
        ``provenance`` labelling each layer.

    Raises
    ------
    ScenarioError
        If an argument is out of range or the counts cannot be realised on
        the area (e.g. more border townships than border villages).
    """
    seed = int(seed)
    _check_generate_args(
        seed, n_checkpoints, n_teams, n_border_townships, road_density, incident_rate, area, border
    )
    given = border is not None
    tag = f"synthetic: borderwatch generator seed {seed}"
    r_border, r_grid, r_roads, r_cp, r_team, r_inc = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)
    )

    crs, border_m, area_m, border_ll, area_ll = _border_area(
        border_km, border, area, depth_km, origin, r_border
    )
    # counts scale with the nominal length (the stored line is up to 2 cm shorter)
    border_len_km = float(border_km) if not given else border_m.length / 1000.0
    area_km2 = area_m.area / 1e6
    shapely.prepare(area_m)

    n_t, n_v, n_c, k_b, n_cp, n_tm = _counts(
        area_km2, border_len_km, grid_counts, n_border_townships, n_checkpoints, n_teams
    )
    chain = geom.Chainage(border_m)
    seg_tree = shapely.STRtree(geom.segments(border_m))

    # ---- grids ---------------------------------------------------------------------------
    part = partition(
        area_m, seg_tree, (n_t, n_v, n_c), k_b,
        k_b_fixed=n_border_townships is not None, chain=chain, r_grid=r_grid,
    )  # fmt: skip
    vxy, village_town = part.village_xy, part.village_town
    seat_xy, seat_town = _seat(seat, part, area_m, crs)
    scen_name = name or f"synthetic-{border_len_km:g}km-s{seed}"
    grids, t_names, v_names, t_touch = _grid_tables(
        part, crs, seat_town, seat_name, township_names, scen_name, r_grid
    )
    county_seat_name = t_names[seat_town]

    # ---- roads -----------------------------------------------------------------------------
    n_cross = round(0.2 * n_cp)
    n_trail = round(0.45 * n_cp)
    net = _road_net(
        area_m, border_m, part, (seat_xy, county_seat_name, seat_town), t_touch, t_names,
        _target_edges(road_density, area_km2), extra_edge_share,
        n_trail + round(0.15 * border_len_km), n_cross + 1, r_roads,
    )  # fmt: skip
    roads = roads_graph(net, crs)

    places = Places(crs, part.towns, part.villages, t_names, v_names)
    checkpoints = place_checkpoints(net, border_m, chain, n_cp, n_cross, n_trail, places, r_cp)

    teams = place_teams(
        net, border_m, chain, n_tm, vxy, part.village_near, village_town, places, r_team
    )
    incidents = place_incidents(
        net, area_m, chain, crs, border_len_km, incident_rate, incident_year, r_inc
    )

    provenance = _provenance(tag, given, area is not None)
    logger.info(
        "generated scenario %s: border %.1f km, area %.0f km2, %d nodes, %d edges",
        scen_name, border_len_km, area_km2, roads.number_of_nodes(), 2 * len(net.edge_u),
    )  # fmt: skip
    return Scenario(
        name=scen_name,
        border=border_ll,
        roads=roads,
        checkpoints=checkpoints,
        teams=teams,
        grids=grids,
        crs=crs,
        timezone=timezone,
        night_window=NightWindow.of(night_window, field="night_window"),
        area=area_ll,
        incidents=incidents,
        title=title or f"Synthetic border, {border_len_km:.1f} km (seed {seed})",
        provenance=dict(provenance),
    )
