"""The coverage-gap map for commanders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderwatch.fmt import km as fmt_km
from borderwatch.maps._validate import check_gaps, check_summary, check_units_status
from borderwatch.maps.builder import (
    CHORO_COLOURS,
    MapBuilder,
    display_geoms,
    esc,
    feature_collection,
    ramp,
    revisit_target,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from borderwatch.data.network import PatrolNetwork

__all__ = ["coverage_map", "gap_km_by_grid"]


def _units_in_gaps(
    units: gpd.GeoDataFrame, gaps: pd.DataFrame, status: pd.Series | None
) -> np.ndarray:
    """Boolean mask of the units that lie in a gap of ``gaps``."""
    mask = np.zeros(len(units), dtype=bool)
    if len(gaps) == 0:
        return mask
    if "first_unit" in gaps.columns and "last_unit" in gaps.columns:
        for a, b in zip(gaps["first_unit"], gaps["last_unit"], strict=True):
            if pd.isna(a) or pd.isna(b):
                continue
            i, j = units.index.get_loc(a), units.index.get_loc(b)
            mask[min(i, j) : max(i, j) + 1] = True
        return mask
    if "geometry" in gaps.columns:
        geoms = gaps["geometry"]
        if isinstance(gaps, gpd.GeoDataFrame) and gaps.crs is not None:
            geoms = gaps.geometry.to_crs(units.crs)
        mid = shapely.line_interpolate_point(units.geometry.to_numpy(), 0.5, normalized=True)
        tree = shapely.STRtree(np.asarray([g for g in geoms if g is not None]))
        hit = tree.query(mid, predicate="dwithin", distance=1.0)
        mask[np.unique(hit[0])] = True
        return mask
    if status is not None:  # pragma: no cover - check_gaps requires one of the two
        mask = (status == "gap").to_numpy()
    return mask


def gap_km_by_grid(network: PatrolNetwork, gaps: pd.DataFrame, level: str) -> pd.Series:
    """Km of border in gaps per grid name of ``level`` (``"township"`` or ``"village"``).

    Every grid name that border units carry appears, with 0.0 where it has no gap.

    Parameters
    ----------
    network
        The patrol network; its units carry the grid names.
    gaps
        The gaps table (as for :func:`coverage_map`), by unit range or line geometry.
    level
        The grid level, the units' column ``"township"`` or ``"village"``.

    Returns
    -------
    pandas.Series
        ``gap_km`` indexed by grid name (index name ``level``), sorted by name;
        units without a name are left out.

    Raises
    ------
    MapInputError
        If ``gaps`` lacks a column or names an unknown unit.
    """
    units = network.units
    check_gaps(gaps, units)
    mask = _units_in_gaps(units, gaps, None)
    names = units[level].astype(str) if level in units.columns else pd.Series("", index=units.index)
    km = pd.Series(np.where(mask, units["length_m"].to_numpy(float) / 1000, 0.0), index=units.index)
    out = km.groupby(names.to_numpy()).sum()
    out.index.name = level
    out.name = "gap_km"
    return out[out.index != ""].sort_index()


def _choropleth(b: MapBuilder, gaps: pd.DataFrame) -> float:
    """Township and village layers of km in gaps; returns the colour scale's maximum."""
    t = b.t
    vmax = 0.0
    layers = []
    for level, label, show in (
        ("township", t["grid_township"], True),
        ("village", t["grid_village"], False),
    ):
        grid = b.network.grids.get(level)
        if grid is None or grid.empty or "name" not in grid.columns:
            continue
        km = gap_km_by_grid(b.network, gaps, level)
        polys = grid[grid["name"].astype(str).isin(km.index)]
        if polys.empty:
            continue
        values = km.reindex(polys["name"].astype(str)).to_numpy(float)
        vmax = max(vmax, float(np.nanmax(values)) if len(values) else 0.0)
        layers.append((level, label, show, polys, values))
    vmax = max(vmax, 1.0)
    for level, label, show, polys, values in layers:
        colours = ramp(values, vmax, CHORO_COLOURS)
        geoms = display_geoms(polys.geometry, b.crs, simplify_m=max(b.simplify_m, 25.0))
        props = [
            {"n": esc(n), "km": fmt_km(v, t["km"]), "c": c, "z": bool(v > 0)}
            for n, v, c in zip(polys["name"], values, colours, strict=True)
        ]
        fg = b.group(label, show=show)
        folium.GeoJson(
            feature_collection(geoms, props),
            style_function=lambda f: {
                "color": "#555555",
                "weight": 1,
                "opacity": 0.6,
                "fillColor": f["properties"]["c"],
                "fillOpacity": 0.45 if f["properties"]["z"] else 0.12,
                "className": "bw-grid",
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["n", "km"], aliases=[esc(t[level]), esc(t["gap_km"])], localize=False
            ),
        ).add_to(fg)
    if layers:
        b.legend.append(
            f"<h2>{esc(t['gap_km'])} ({esc(t['km'])})</h2>"
            f'<div class="bw-grad" style="background:linear-gradient(to right,{",".join(CHORO_COLOURS)})"></div>'
            '<div class="bw-ticks">'
            + "".join(f"<span>{v:.3g}</span>" for v in np.linspace(0, vmax, 5))
            + "</div>"
        )
    return vmax


def _heat(b: MapBuilder, incidents: gpd.GeoDataFrame | None) -> None:
    if incidents is None or len(incidents) == 0:
        return
    from folium.plugins import HeatMap

    pts = incidents.geometry
    if incidents.crs is not None:
        pts = pts.to_crs("EPSG:4326")
    pts = pts[pts.notna() & ~pts.is_empty & (pts.geom_type == "Point")]
    data = [[round(float(p.y), 5), round(float(p.x), 5)] for p in pts]
    if not data:
        return
    HeatMap(
        data, name=esc(b.t["incidents"]), show=False, radius=18, blur=14, min_opacity=0.3
    ).add_to(b.m)


def coverage_map(
    network: PatrolNetwork,
    units_status: pd.DataFrame,
    gaps: pd.DataFrame,
    summary: Mapping[str, Any],
    *,
    incidents: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
    basemap: str | Sequence[str] | None = None,
    offline: bool = False,
    title: str | None = None,
    response_bands_min: Sequence[float] = (15.0, 30.0, 60.0),
    simplify_m: float = 5.0,
    revisit_target_min: float | None = None,
) -> folium.Map:
    """The coverage-gap map for commanders.

    Parameters
    ----------
    network
        The patrol network: border units, checkpoints (``name``, ``radius_m``,
        ``kind``, ``township``), teams and grids are read from it.
    units_status
        One row per border unit, index equal to ``network.units.index``;
        columns ``status`` (``"checkpoint"``, ``"patrol"`` or ``"gap"``),
        ``worst_revisit_min`` (float, NaN where no patrol passes) and
        optionally ``response_min`` (float).
    gaps
        One row per gap; columns ``gap_id``, ``start_km``, ``end_km``,
        ``length_km``, ``criterion``, ``worst_value``, ``township``,
        ``village``, ``nearest_checkpoint``, ``nearest_checkpoint_km``,
        ``why``, and either the unit range ``first_unit``, ``last_unit``
        (labels of ``network.units.index``) or a line ``geometry`` (in the
        GeoDataFrame's CRS, or ``network.crs`` for a plain frame).
    summary
        Key figures: ``watched_pct``, ``gap_km``, ``longest_gap_km``,
        ``worst_revisit_min``, ``border_km``.
    incidents
        Points for the heat layer; None takes ``network.scenario.incidents``
        (pass an empty frame for no heat layer).
    lang
        ``"zh"`` or ``"en"`` for every label; names from the data are shown as given.
    basemap
        An xyzservices name (``"CartoDB.Positron"``), a tile URL template with
        ``{z}/{x}/{y}`` (a local tile folder), a list of these (the first is
        shown), or ``"none"``. Default: ``"OpenStreetMap.Mapnik"`` online,
        ``"none"`` offline.
    offline
        Build for :func:`save_map` with every script inlined (also the
        default of ``save_map``'s ``offline``).
    title
        Title of the title box (default: the translated "Border coverage").
    response_bands_min
        Band limits of the response-time colour mode (used when
        ``units_status`` has ``response_min``).
    simplify_m
        Tolerance of the display geometry simplification in metres.
    revisit_target_min
        The revisit target in minutes: the revisit colour scale runs from 0 to
        twice it, so that the target sits in its middle. Default: the
        summary's ``revisit_target_min``, else
        ``network.config.targets.max_revisit_min``.

    Returns
    -------
    folium.Map
        The map; save it with :func:`borderwatch.maps.save_map`.

    Raises
    ------
    MapInputError
        If a table lacks a column, a status is unknown, or an option is bad.
    """
    units = network.units
    units_status = check_units_status(units_status, units, name="units_status")
    gaps = check_gaps(gaps, units)
    summary = check_summary(summary)
    b = MapBuilder(network, lang=lang, basemap=basemap, offline=offline, simplify_m=simplify_m)
    t = b.t
    _choropleth(b, gaps)
    b.radii_layer()
    b.units_layer(
        units_status,
        response_bands_min=response_bands_min,
        revisit_target_min=revisit_target(network, summary, revisit_target_min),
    )
    b.gaps_layer(gaps, name=t["gaps"])
    b.km_marks_layer()
    b.checkpoints_layer()
    b.bases_layer()
    _heat(b, network.scenario.incidents if incidents is None else incidents)
    b.title_box(title if title is not None else t["coverage_title"], summary)
    b.legend_units()
    b.legend_symbols(gaps_label=t["gaps"])
    return b.finish()
