"""The siting map: proposed checkpoint sites, the border they newly watch, and what stays a gap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import folium
import numpy as np
import pandas as pd

from borderwatch.coverage.siting import coverage_matrix
from borderwatch.coverage.static import checkpoint_watch
from borderwatch.fmt import km as fmt_km
from borderwatch.maps.builder import (
    MapBuilder,
    display_geoms,
    esc,
    feature_collection,
    fmt,
    gap_runs,
    summary_from_units,
)
from borderwatch.maps.colours import TEAM_COLOURS

if TYPE_CHECKING:
    from borderwatch.coverage.siting import SitingResult
    from borderwatch.data.network import PatrolNetwork

__all__ = ["SITE_COLOUR", "siting_map"]

#: Proposed sites and the border they newly watch (indigo: apart from every status colour).
SITE_COLOUR = TEAM_COLOURS[1]


def newly_watched(network: PatrolNetwork, result: SitingResult) -> tuple[np.ndarray, np.ndarray]:
    """``(watched_before, newly_watched)`` masks over ``network.units`` (checkpoint midpoint rule)."""
    before = checkpoint_watch(network)["watched"].to_numpy(dtype=bool)
    cover = coverage_matrix(network, result.sites, radius_m=float(result.summary["radius_m"]))
    by_sites = np.asarray(cover.sum(axis=1)).ravel() > 0
    return before, by_sites & ~before


def siting_map(
    network: PatrolNetwork,
    result: SitingResult,
    *,
    lang: str = "zh",
    basemap: str | Sequence[str] | None = None,
    offline: bool = False,
    simplify_m: float = 5.0,
) -> folium.Map:
    """The map of :func:`~borderwatch.coverage.site_checkpoints`' proposal.

    The border is coloured by checkpoint watch with the proposed sites in
    place (watched / gap), the stretches the sites newly watch are drawn over
    it, every site is a numbered marker (its rank: the order of marginal gain)
    with its watch radius, and the gaps left are listed as on the coverage map.

    Parameters
    ----------
    network
        The patrol network the sites were chosen on.
    result
        The siting result.
    lang, basemap, offline, simplify_m
        As for :func:`~borderwatch.maps.coverage_map`.

    Returns
    -------
    folium.Map
    """
    units = network.units
    before, new = newly_watched(network, result)
    status = pd.Series(np.where(before | new, "checkpoint", "gap"), index=units.index)
    units_status = pd.DataFrame({"status": status, "worst_revisit_min": np.nan})
    summary = summary_from_units(units, units_status)
    b = MapBuilder(network, lang=lang, basemap=basemap, offline=offline, simplify_m=simplify_m)
    t = b.t
    b.radii_layer()
    b.units_layer(units_status)
    _newly_watched_layer(b, new)
    b.gaps_layer(gap_runs(units, status), name=t["gaps"])
    b.km_marks_layer()
    b.checkpoints_layer()
    b.bases_layer()
    _sites_layer(b, result)
    b.title_box(t["siting_title"], summary)
    b.legend_units()
    b.legend_symbols(gaps_label=t["gaps"])
    b.legend.append(
        f'<div class="bw-row"><span class="bw-sw" style="background:{SITE_COLOUR};height:6px">'
        f"</span>{esc(t['newly_watched'])}</div>"
        f'<div class="bw-row"><span class="bw-site-key" style="color:{SITE_COLOUR};'
        f'width:22px;text-align:center">\u2605</span>{esc(t["new_sites"])}</div>'
    )
    return b.finish()


def _newly_watched_layer(b: MapBuilder, new: np.ndarray) -> None:
    units = b.network.units
    if not new.any():
        return
    shown = display_geoms(units.geometry.to_numpy()[new], b.crs, simplify_m=b.simplify_m)
    starts = units["start_m"].to_numpy(float)[new] / 1000
    ends = units["end_m"].to_numpy(float)[new] / 1000
    props = [
        {"rng": f"{fmt(a, 2)}–{fmt(e, 2)} {b.t['km']}"} for a, e in zip(starts, ends, strict=True)
    ]
    fg = b.group(b.t["newly_watched"])
    folium.GeoJson(
        feature_collection(shown, props),
        style_function=lambda f: {
            "color": SITE_COLOUR,
            "weight": 5,
            "opacity": 0.9,
            "dashArray": "8 5",
            "className": "bw-newly-watched",
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["rng"], aliases=[esc(b.t["newly_watched"])], localize=False
        ),
    ).add_to(fg)


def _stretch_text(row: pd.Series, t: dict[str, str]) -> str:
    """The km ranges a site newly watches (``stretches``), with the page's km unit."""
    text = str(row.get("stretches", "") or "")
    if not text or text == "nan":
        return "—"
    return f"{text.replace('-', '–')} {t['km']}"


def _sites_layer(b: MapBuilder, result: SitingResult) -> None:
    sites = result.sites
    t = b.t
    fg = b.group(t["new_sites"])
    if not len(sites):
        return
    pts = display_geoms(sites.geometry.to_crs(b.network.crs), b.crs, simplify_m=0)
    radius = float(result.summary["radius_m"])
    folium.GeoJson(
        feature_collection(pts, [{"r": radius} for _ in range(len(sites))]),
        marker=folium.Circle(radius=1, interactive=False),
        style_function=lambda f: {
            "radius": f["properties"]["r"],
            "color": SITE_COLOUR,
            "weight": 1.5,
            "dashArray": "4 4",
            "fillColor": SITE_COLOUR,
            "fillOpacity": 0.06,
            "className": "bw-site-radius",
            "interactive": False,
        },
    ).add_to(fg)
    for pt, (ident, row) in zip(pts, sites.iterrows(), strict=True):
        tip = (
            f"{esc(t['site_rank'])} {int(row['rank'])} · {esc(ident)}<br>"
            f"{esc(t['border_chainage'])} {esc(_stretch_text(row, t))}<br>"
            f"{esc(t['to_border'])} {fmt(float(row['to_border_m']), 0, t['m'])}<br>"
            f"{esc(t['site_new_km'])} {fmt_km(float(row['new_km']), t['km'])}"
        )
        folium.Marker(
            location=(pt.y, pt.x),
            icon=folium.DivIcon(
                html=(f'<div style="color:{SITE_COLOUR}">\u2605<b>{int(row["rank"])}</b></div>'),
                icon_size=(30, 18),
                class_name="bw-site",
            ),
            tooltip=tip,
        ).add_to(fg)
