"""Folium maps for commanders and planners, and the printable night briefing.

:func:`coverage_map` draws where the border is watched and where it is not;
:func:`plan_map` draws the night-patrol routes. Both are built with
:class:`~borderwatch.maps.builder.MapBuilder` and return a :class:`folium.Map`;
:func:`save_map` writes it (``offline=True``: one self-contained file, no
request to any CDN) and :func:`save_png` takes a screenshot with headless
Chromium. Colours (status, revisit scale, colour-blind-safe team palette) are in
:mod:`borderwatch.maps.colours`; the night briefing (PDF and HTML) in
:mod:`borderwatch.maps.brief`. The input contract is documented in
``docs/maps.md`` and on each function.
"""

from __future__ import annotations

from borderwatch.maps._assets import OfflineAssetError
from borderwatch.maps._i18n import LANGS
from borderwatch.maps._validate import (
    GAP_COLUMNS,
    ROUTE_COLUMNS,
    STATUSES,
    SUMMARY_KEYS,
    MapInputError,
)
from borderwatch.maps.builder import DEFAULT_BASEMAP, MapBuilder, gap_runs
from borderwatch.maps.colours import STATUS_COLOURS, TEAM_COLOURS, team_style
from borderwatch.maps.coverage import coverage_map, gap_km_by_grid
from borderwatch.maps.io import ChromiumNotFoundError, find_chromium, save_map, save_png, to_html
from borderwatch.maps.plan import plan_map, route_arrows

__all__ = [
    "DEFAULT_BASEMAP",
    "GAP_COLUMNS",
    "LANGS",
    "ROUTE_COLUMNS",
    "STATUSES",
    "STATUS_COLOURS",
    "SUMMARY_KEYS",
    "TEAM_COLOURS",
    "ChromiumNotFoundError",
    "MapBuilder",
    "MapInputError",
    "OfflineAssetError",
    "coverage_map",
    "find_chromium",
    "gap_km_by_grid",
    "gap_runs",
    "plan_map",
    "route_arrows",
    "save_map",
    "save_png",
    "team_style",
    "to_html",
]
