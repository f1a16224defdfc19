"""Building a folium map: :class:`MapBuilder` and the helpers the coverage and plan maps share.

Geometry for display (projected to lon/lat, simplified, rounded), GeoJSON
feature collections, colour ramps, the gap runs of a status table, and the
builder itself: basemaps, the border unit by unit, gaps (labelled), km marks,
checkpoints, team bases, the title box, the legend and the controls.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from borderwatch.config import TARGETS
from borderwatch.errors import BorderwatchWarning
from borderwatch.fmt import gap_ids
from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.fmt import minutes_over as fmt_min_over
from borderwatch.fmt import pct as fmt_pct
from borderwatch.maps._assets import LEAFLET_CSS_URL, LEAFLET_JS_URL, js_json, own_css, own_js
from borderwatch.maps._i18n import CHECKPOINT_KIND, VEHICLE, criterion_text, labels, term
from borderwatch.maps._validate import GAP_COLUMNS, MapInputError
from borderwatch.maps.colours import NO_DATA, REVISIT_COLOURS, STATUS_COLOURS, TEAM_COLOURS

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = [
    "DEFAULT_BASEMAP",
    "NO_DATA",
    "STATUS_COLOURS",
    "TEAM_COLOURS",
    "MapBuilder",
    "esc",
    "gap_runs",
    "summary_from_units",
]

#: Basemap of an online map when none is given (an xyzservices name).
DEFAULT_BASEMAP = "OpenStreetMap.Mapnik"

GAP_EMPHASIS = "#b10026"
RESPONSE_COLOURS = ("#1a9850", "#a6d96a", "#fdae61", "#d7191c")
CHORO_COLOURS = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
PRECISION = 6  # decimals of lon/lat on the map: about 0.1 m


def esc(value: Any) -> str:
    """``value`` as HTML-escaped text; None and NaN become ``""``."""
    if value is None:
        return ""
    if isinstance(value, float | np.floating) and math.isnan(value):
        return ""
    return html.escape(str(value), quote=True)


def _local_why(row: Any, lang: str) -> Any:
    """A gap's reason in the map's language: ``why_<lang>`` when the table has it, else ``why``."""
    local = row.get(f"why_{lang}") if lang != "en" else None
    if isinstance(local, str) and local:
        return local
    return row["why"]


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def fmt(value: Any, digits: int = 1, unit: str = "") -> str:
    """A number rounded for display, or ``—`` for a missing value."""
    x = _num(value)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return f"{'' if x > 0 else '-'}∞ {unit}".strip()
    text = f"{x:,.{digits}f}"
    return f"{text} {unit}".strip()


def display_geoms(geoms: Iterable[Any], crs: Any, *, simplify_m: float) -> np.ndarray:
    """Projected geometries simplified by ``simplify_m``, in lon/lat rounded to 6 decimals."""
    series = gpd.GeoSeries(list(geoms), crs=crs)
    if simplify_m > 0:
        series = series.simplify(simplify_m, preserve_topology=True)
    arr = series.to_crs("EPSG:4326").to_numpy()
    return np.asarray(shapely.transform(arr, lambda c: np.round(c, PRECISION)))


def text_label(
    point: Any,
    crs: Any,
    html: str,
    size: tuple[int, int],
    anchor: tuple[int, int],
    *,
    tooltip: str | None = None,
) -> folium.Marker:
    """A text label (a ``bw-label-icon`` marker) at ``point``, given in ``crs``.

    Parameters
    ----------
    point
        A shapely point in the network CRS.
    crs
        That CRS.
    html
        The label's HTML.
    size, anchor
        ``icon_size`` and ``icon_anchor`` of the label, in pixels.
    tooltip
        The tooltip; a label without one is not interactive.

    Returns
    -------
    folium.Marker
    """
    ll = display_geoms([point], crs, simplify_m=0)[0]
    options: dict[str, Any] = {"interactive": False} if tooltip is None else {"tooltip": tooltip}
    return folium.Marker(
        [float(ll.y), float(ll.x)],
        icon=folium.DivIcon(
            html=html, icon_size=size, icon_anchor=anchor, class_name="bw-label-icon"
        ),
        **options,
    )


def feature_collection(
    geoms: Sequence[Any] | np.ndarray, props: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection with ids 0..n-1 (empty geometries skipped)."""
    feats = []
    for i, (g, p) in enumerate(zip(geoms, props, strict=True)):
        if g is None or shapely.is_empty(g):
            continue
        feats.append(
            {
                "type": "Feature",
                "id": i,
                "properties": dict(p),
                "geometry": shapely.geometry.mapping(g),
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def ramp(values: np.ndarray, vmax: float, colours: Sequence[str]) -> list[str]:
    """Colours of ``values`` on a linear ramp from 0 to ``vmax`` (NaN: grey)."""
    from branca.colormap import LinearColormap

    cmap = LinearColormap(list(colours), vmin=0.0, vmax=max(vmax, 1e-9))
    out = []
    for v in values:
        if v is None or not np.isfinite(v):
            out.append(NO_DATA)
        else:
            out.append(cmap.rgb_hex_str(min(max(float(v), 0.0), vmax)))
    return out


def target_rows(check: Mapping[str, Any], t: Mapping[str, str]) -> list[tuple[str, str]]:
    """One row per target of a ``target_check``: ``(label, "met")`` or ``(label, "NOT met, over by …: km …")``.

    The map header and the briefing's commander page print the same rows.
    """
    rows = []
    for key, label in (("revisit", "target_revisit"), ("response", "target_response")):
        c = check.get(key)
        if not c:
            continue
        head = f"{t[label]} {fmt_min(c['target_min'], t['min'])}"
        if c["met"]:
            rows.append((head, t["target_met"]))
            continue
        where = t["list_sep"].join(
            f"{fmt_km(w['start_km'], '')}–{fmt_km(w['end_km'], t['km'])}" for w in c["where"][:3]
        )
        more = f" +{len(c['where']) - 3}" if len(c["where"]) > 3 else ""
        over = (
            fmt_min_over(c["worst_min"], c["target_min"], t["min"])
            if c.get("over_min") is not None
            else "∞"
        )
        detail = t["target_detail"].format(
            verdict=t["target_not_met"], over_by=t["over_by"], over=over, where=where + more
        )
        rows.append((head, detail))
    return rows


def gap_runs(units: gpd.GeoDataFrame, status: pd.Series) -> pd.DataFrame:
    """The gaps table (:data:`GAP_COLUMNS` + ``first_unit``, ``last_unit``) of the runs of gap units.

    Runs break where the status changes or where the border part changes.

    Parameters
    ----------
    units
        The border units in border order (``start_m``, ``end_m``,
        ``length_m``; ``part``, ``township``, ``village`` when present).
    status
        Status per unit (``"checkpoint"``, ``"patrol"`` or ``"gap"``), indexed
        like ``units``; only ``"gap"`` counts.

    Returns
    -------
    pandas.DataFrame
        One row per run of consecutive gap units: km range and length, the
        township and village of its first unit, ``criterion`` = ``"status"``,
        an empty ``gap_id``, and the labels of its first and last unit; the
        fields the status cannot tell (``worst_value``, nearest checkpoint)
        are NaN or empty.
    """
    is_gap = (status.reindex(units.index) == "gap").to_numpy()
    part = units["part"].to_numpy() if "part" in units.columns else np.zeros(len(units))
    rows: list[dict[str, Any]] = []
    i, n = 0, len(units)
    while i < n:
        if not is_gap[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and is_gap[j + 1] and part[j + 1] == part[i]:
            j += 1
        first, last = units.iloc[i], units.iloc[j]
        start_km, end_km = float(first["start_m"]) / 1000, float(last["end_m"]) / 1000
        rows.append(
            {
                "gap_id": "",
                "start_km": start_km,
                "end_km": end_km,
                "length_km": float(units["length_m"].iloc[i : j + 1].sum()) / 1000,
                "criterion": "status",
                "worst_value": math.nan,
                "township": str(first.get("township", "")),
                "village": str(first.get("village", "")),
                "nearest_checkpoint": "",
                "nearest_checkpoint_km": math.nan,
                "why": "",
                "first_unit": units.index[i],
                "last_unit": units.index[j],
            }
        )
        i = j + 1
    frame = pd.DataFrame(rows, columns=[*GAP_COLUMNS, "first_unit", "last_unit"])
    # ids by chainage, as the coverage tables name the same stretches (borderwatch.fmt.gap_id)
    frame["gap_id"] = gap_ids(frame["start_km"].tolist(), frame["end_km"].tolist())
    return frame


def summary_from_units(units: gpd.GeoDataFrame, units_status: pd.DataFrame) -> dict[str, float]:
    """Key figures computed from the per-unit table (when no summary is given)."""
    length = units["length_m"].to_numpy(dtype=float)
    gap = (units_status["status"] == "gap").to_numpy()
    runs = gap_runs(units, units_status["status"])
    revisit = pd.to_numeric(units_status["worst_revisit_min"], errors="coerce").to_numpy(
        dtype=float
    )
    total = float(length.sum())
    return {
        "watched_pct": 100.0 * float(length[~gap].sum()) / total if total else math.nan,
        "gap_km": float(length[gap].sum()) / 1000,
        "longest_gap_km": float(runs["length_km"].max()) if len(runs) else 0.0,
        "worst_revisit_min": float(np.nanmax(revisit)) if np.isfinite(revisit).any() else math.nan,
        "border_km": total / 1000,
    }


def revisit_target(
    network: PatrolNetwork, summary: Mapping[str, Any] | None, given: float | None
) -> float:
    """The revisit target of a map: ``given``, else the summary's ``revisit_target_min``, else
    the network's config (``network.config.targets.max_revisit_min``)."""
    if given is not None:
        return float(given)
    if summary is not None and summary.get("revisit_target_min") is not None:
        return float(summary["revisit_target_min"])
    return float(network.config.targets.max_revisit_min)


def resolve_basemaps(basemap: str | Sequence[str] | None, *, offline: bool) -> list[str]:
    """The list of basemap names (``[]`` for none)."""
    if basemap is None:
        return [] if offline else [DEFAULT_BASEMAP]
    names = [basemap] if isinstance(basemap, str) else list(basemap)
    if any(not isinstance(n, str) for n in names):
        raise MapInputError(f"basemap must be a name or a list of names, not {basemap!r}")
    if any(n.lower() == "none" for n in names):
        return []
    return names


def _tile_layer(name: str, *, offline: bool, show: bool) -> folium.TileLayer:
    if "{z}" in name:  # a local tile folder or a URL template
        return folium.TileLayer(
            tiles=name, attr="local tiles", name="tiles", overlay=False, control=True, show=show
        )
    import xyzservices

    try:
        provider = xyzservices.providers.query_name(name)
    except ValueError:
        raise MapInputError(
            f"basemap {name!r} is not an xyzservices provider name; use e.g. "
            "'OpenStreetMap.Mapnik', 'CartoDB.Positron', 'Esri.WorldImagery', "
            "a tile URL template with {z}/{x}/{y}, or 'none'"
        ) from None
    if offline and provider.requires_token():
        raise MapInputError(f"basemap {name!r} needs an API key")
    if offline:
        warnings.warn(
            f"offline map with the web basemap {name!r}: its tiles load only where there is "
            "internet; use basemap='none' or a local tile folder for a fully offline map",
            BorderwatchWarning,
            stacklevel=4,
        )
    return folium.TileLayer(
        tiles=provider, name=provider.name, overlay=False, control=True, show=show
    )


class _Setup(MacroElement):
    """Inlines our controls and calls ``borderwatch.init`` after every layer exists."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
borderwatch.init({{ this._parent.get_name() }}, {{ this.config }});
{% endmacro %}
"""
    )

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "BorderwatchSetup"
        self.config = js_json(config)

    def render(self, **kwargs: Any) -> Any:
        figure = self.get_root()
        if isinstance(figure, Figure):
            figure.header.add_child(Element(f"<style>{own_css()}</style>"), name="bw_css")
            figure.header.add_child(
                Element("<script>" + own_js().replace("</", "<\\/") + "</script>"), name="bw_js"
            )
        return super().render(**kwargs)


def _stable_ids(root: Any) -> None:
    """Give every element a sequential id so that the same inputs give the same HTML."""
    counter = 0
    stack = [root]
    seen: set[int] = set()
    while stack:
        el = stack.pop(0)
        if id(el) in seen:
            continue
        seen.add(id(el))
        if hasattr(el, "_id"):
            el._id = f"{counter:04x}"
            counter += 1
        stack.extend(getattr(el, "_children", {}).values())


class MapBuilder:
    """Builds one folium map: basemaps, layers, title box, legend, controls."""

    def __init__(
        self,
        network: PatrolNetwork,
        *,
        lang: str,
        basemap: str | Sequence[str] | None,
        offline: bool,
        simplify_m: float,
    ) -> None:
        if not isinstance(offline, bool):
            raise MapInputError(f"offline must be True or False, not {offline!r}")
        if not (isinstance(simplify_m, int | float) and simplify_m >= 0):
            raise MapInputError(f"simplify_m must be a number >= 0, not {simplify_m!r}")
        self.t = labels(lang)
        self.lang = lang
        self.network = network
        self.crs = network.crs
        self.offline = offline
        self.simplify_m = float(simplify_m)
        west, south, east, north = (
            gpd.GeoSeries([network.units.union_all()], crs=network.crs)
            .to_crs("EPSG:4326")
            .total_bounds
        )
        m = folium.Map(
            location=[(south + north) / 2, (west + east) / 2],
            zoom_start=10,
            tiles=None,
            # a metric scale bar is added by bw.js (folium's also prints miles)
            control_scale=False,
            zoom_snap=0.25,
            zoom_delta=0.5,
        )
        m.default_js = [("leaflet", LEAFLET_JS_URL)]
        m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
        m.fit_bounds(
            [[south, west], [north, east]],
            padding_top_left=(50, 20),
            padding_bottom_right=(300, 20),
        )
        names = resolve_basemaps(basemap, offline=offline)
        for i, name in enumerate(names):
            _tile_layer(name, offline=offline, show=i == 0).add_to(m)
        self.nobase = not names
        self.m = m
        self.m.borderwatch_offline = offline  # type: ignore[attr-defined]
        self.config: dict[str, Any] = {
            "t": {
                k: self.t[k]
                for k in (
                    "fullscreen",
                    "measure",
                    "measure_hint",
                    "km",
                    "m",
                    "zoom_in",
                    "zoom_out",
                    "layers",
                    "leaflet",
                )
            },
            "scale": True,
            "fullscreen": True,
            "measure": True,
            "nobase": self.nobase,
        }
        self.legend: list[str] = []
        self.units_geo = display_geoms(network.units.geometry, self.crs, simplify_m=self.simplify_m)

    # ---- layers -------------------------------------------------------------------------
    def group(self, name: str, *, show: bool = True, control: bool = True) -> folium.FeatureGroup:
        fg = folium.FeatureGroup(name=esc(name), show=show, control=control)
        fg.add_to(self.m)
        return fg

    def units_layer(
        self,
        units_status: pd.DataFrame,
        *,
        response_bands_min: Sequence[float] = (),
        name: str | None = None,
        revisit_target_min: float = TARGETS.max_revisit_min,
    ) -> folium.FeatureGroup:
        """The border unit by unit, coloured by status, with colour modes for revisit and response.

        The revisit colour scale runs from 0 to twice ``revisit_target_min`` (longer
        intervals take the last colour), so the target sits in its middle.
        """
        if not (isinstance(revisit_target_min, int | float) and revisit_target_min > 0):
            raise MapInputError(
                f"revisit_target_min must be a number > 0, not {revisit_target_min!r}"
            )
        units = self.network.units
        t = self.t
        status = units_status["status"].astype(str).to_numpy()
        revisit = pd.to_numeric(units_status["worst_revisit_min"], errors="coerce").to_numpy(float)
        self.revisit_target = float(revisit_target_min)
        self.revisit_max = 2.0 * self.revisit_target
        c_rev = ramp(revisit, self.revisit_max, REVISIT_COLOURS)
        has_resp = "response_min" in units_status.columns and len(response_bands_min) > 0
        if has_resp:
            resp = pd.to_numeric(units_status["response_min"], errors="coerce").to_numpy(float)
            bands = sorted(float(b) for b in response_bands_min)
            idx = np.searchsorted(np.asarray(bands), resp, side="left")
            palette = _band_palette(len(bands) + 1)
            c_resp = [
                palette[i] if np.isfinite(r) else NO_DATA for i, r in zip(idx, resp, strict=True)
            ]
            self.response_bands = bands
        start = units["start_m"].to_numpy(float) / 1000
        end = units["end_m"].to_numpy(float) / 1000
        twn = units["township"].to_numpy() if "township" in units.columns else [""] * len(units)
        vil = units["village"].to_numpy() if "village" in units.columns else [""] * len(units)
        props = []
        for i in range(len(units)):
            p = {
                "s": status[i],
                "c0": STATUS_COLOURS[status[i]],
                "c1": c_rev[i],
                "km": f"{start[i]:.2f}–{end[i]:.2f} {t['km']}",
                "st": esc(t[status[i]]),
                "rv": fmt_min(revisit[i], t["min"])
                if np.isfinite(revisit[i])
                else esc(t["not_patrolled"]),
                "tw": esc(twn[i]),
                "vi": esc(vil[i]),
            }
            if has_resp:
                p["c2"] = c_resp[i]
                p["rs"] = fmt_min(resp[i], t["min"])
            props.append(p)
        data = feature_collection(self.units_geo, props)
        fields = ["km", "st", "rv", "tw", "vi"]
        aliases = [t["chainage"], t["status"], t["revisit_min"], t["township"], t["village"]]
        if has_resp:
            fields.append("rs")
            aliases.append(t["response_min"])
        fg = self.group(name or t["units_status"], control=False)
        gj = folium.GeoJson(
            data,
            name=esc(name or t["units_status"]),
            style_function=lambda f: {
                "color": f["properties"]["c0"],
                "weight": 5,
                "opacity": 0.95,
                "lineCap": "butt",
                "className": f"bw-unit bw-unit-{f['properties']['s']}",
            },
            tooltip=folium.GeoJsonTooltip(
                fields=fields, aliases=[esc(a) for a in aliases], localize=False, sticky=True
            ),
            smooth_factor=0.5,
        )
        gj.add_to(fg)
        self.units_geojson = gj
        modes = {"status": "c0", "revisit": "c1"}
        if has_resp:
            modes["response"] = "c2"
        self.config["colour"] = {"layer": gj, "props": modes, "initial": "status"}
        self.colour_modes = list(modes)
        return fg

    def gaps_layer(self, gaps: pd.DataFrame, *, name: str) -> folium.FeatureGroup | None:
        """Gap stretches emphasised, each with a popup."""
        geoms = self._gap_geoms(gaps)
        shown = display_geoms(
            [g if g is not None else shapely.LineString() for g in geoms],
            self.crs,
            simplify_m=self.simplify_m,
        )
        props = [self._gap_popup(row) for _, row in gaps.iterrows()]
        fg = self.group(name)
        if not props:
            return fg
        self._gap_geojson(shown, props, name).add_to(fg)
        for g, p in zip(geoms, props, strict=True):
            if g is None or shapely.is_empty(g):
                continue
            mid = shapely.line_interpolate_point(g, 0.5, normalized=True)
            text_label(
                mid, self.crs, f'<div class="bw-gap-label">{p["id"]}</div>', (44, 16), (-6, 20)
            ).add_to(fg)
        self.legend_gap = True
        return fg

    def _gap_geoms(self, gaps: pd.DataFrame) -> list[Any]:
        """Each gap's line in the map's CRS: its geometry, else its units merged (None: neither)."""
        units = self.network.units
        geoms: list[Any] = []
        for _, row in gaps.iterrows():
            g = row.get("geometry") if "geometry" in gaps.columns else None
            if g is None or (isinstance(g, float) and math.isnan(g)):
                if "first_unit" not in gaps.columns:
                    geoms.append(None)
                    continue
                a = units.index.get_loc(row["first_unit"])
                b = units.index.get_loc(row["last_unit"])
                a, b = min(a, b), max(a, b)
                g = shapely.line_merge(shapely.union_all(units.geometry.to_numpy()[a : b + 1]))
            geoms.append(g)
        if isinstance(gaps, gpd.GeoDataFrame) and gaps.crs is not None and "first_unit" not in gaps:
            geoms = list(gpd.GeoSeries(geoms, crs=gaps.crs).to_crs(self.crs))
        return geoms

    def _gap_popup(self, row: Any) -> dict[str, str]:
        """A gap row's popup fields, escaped and formatted."""
        t = self.t
        worst = row["worst_value"]
        worst_txt = fmt(worst, 1) if isinstance(worst, int | float | np.number) else esc(worst)
        cp = esc(row["nearest_checkpoint"])
        cp_km = _num(row["nearest_checkpoint_km"])
        if cp and np.isfinite(cp_km):
            cp = f"{cp} ({fmt_km(cp_km, t['km'])})"
        return {
            "id": esc(row["gap_id"]),
            "rng": f"{fmt(row['start_km'], 2)}–{fmt(row['end_km'], 2)} {t['km']}",
            "len": fmt_km(row["length_km"], t["km"]),
            "cr": esc(criterion_text(row["criterion"], self.lang)),
            "wv": worst_txt,
            "tw": esc(row["township"]),
            "vi": esc(row["village"]),
            "cp": cp,
            "why": esc(_local_why(row, self.lang)),
        }

    def _gap_geojson(
        self, shown: np.ndarray, props: list[dict[str, str]], name: str
    ) -> folium.GeoJson:
        """The gap lines as one GeoJson layer with popup and tooltip."""
        t = self.t
        fields = ["id", "rng", "len", "cr", "wv", "tw", "vi", "cp", "why"]
        aliases = [
            t["gap_id"],
            t["km_range"],
            t["length"],
            t["criterion"],
            t["worst_value"],
            t["township"],
            t["village"],
            t["nearest_checkpoint"],
            t["why"],
        ]
        return folium.GeoJson(
            feature_collection(shown, props),
            name=esc(name),
            style_function=lambda f: {
                "color": GAP_EMPHASIS,
                "weight": 13,
                "opacity": 0.45,
                "lineCap": "butt",
                "className": "bw-gap",
            },
            popup=folium.GeoJsonPopup(
                fields=fields,
                aliases=[esc(a) for a in aliases],
                localize=False,
                class_name="bw-popup",
                max_width=360,
            ),
            tooltip=folium.GeoJsonTooltip(
                fields=["id", "len"], aliases=[esc(t["gap_id"]), esc(t["length"])], localize=False
            ),
        )

    def km_marks_layer(self, *, step_km: float | None = None) -> folium.FeatureGroup:
        """Chainage marks along the border (every 10 km, or 5 / 1 km on shorter borders)."""
        units = self.network.units
        start = units["start_m"].to_numpy(float)
        end = units["end_m"].to_numpy(float)
        total = float(end.max()) if len(end) else 0.0
        if step_km is None:
            step_km = 10.0 if total > 40_000 else (5.0 if total > 10_000 else 1.0)
        fg = self.group(self.t["km_marks"])
        geoms = units.geometry.to_numpy()
        k = 1
        while k * step_km * 1000 < total:
            c = k * step_km * 1000
            i = int(np.searchsorted(start, c, side="right") - 1)
            if 0 <= i < len(units) and start[i] <= c <= end[i] and end[i] > start[i]:
                frac = (c - start[i]) / (end[i] - start[i])
                p = shapely.line_interpolate_point(geoms[i], frac, normalized=True)
                html = f'<div class="bw-km">{k * step_km:g}</div>'
                text_label(p, self.crs, html, (30, 14), (15, -4)).add_to(fg)
            k += 1
        return fg

    def radii_layer(self) -> None:
        """Checkpoint watch radii (a toggle layer, off at first)."""
        cps = self.network.checkpoints
        if not len(cps) or "radius_m" not in cps:
            return
        pts = display_geoms(cps.geometry, self.crs, simplify_m=0)
        radius = cps["radius_m"].to_numpy(float)
        fg = self.group(self.t["watch_radii"], show=False)
        folium.GeoJson(
            feature_collection(pts, [{"r": float(r)} for r in radius]),
            marker=folium.Circle(radius=1, interactive=False),
            style_function=lambda f: {
                "radius": f["properties"]["r"],
                "color": "#1a9850",
                "weight": 1,
                "opacity": 0.7,
                "fillColor": "#1a9850",
                "fillOpacity": 0.08,
                "className": "bw-radius",
                "interactive": False,
            },
        ).add_to(fg)

    def checkpoints_layer(self, *, radius_px: float = 4.0) -> None:
        """Checkpoints as circle markers with a tooltip."""
        cps = self.network.checkpoints
        t = self.t
        pts = display_geoms(cps.geometry, self.crs, simplify_m=0)
        radius = cps["radius_m"].to_numpy(float) if "radius_m" in cps else np.full(len(cps), np.nan)
        props = [
            {
                "n": esc(row.get("name", ident)),
                "id": esc(ident),
                "k": esc(term(CHECKPOINT_KIND, row.get("kind", ""), self.lang)),
                "tw": esc(row.get("township", "")),
                "r": fmt(r, 0, t["m"]),
            }
            for (ident, row), r in zip(cps.iterrows(), radius, strict=True)
        ]
        fg = self.group(t["checkpoints"])
        if not props:
            return
        folium.GeoJson(
            feature_collection(pts, props),
            marker=folium.CircleMarker(radius=radius_px, fill=True, className="bw-checkpoint"),
            style_function=lambda f: {
                "color": "#1b3d1b",
                "weight": 1.5,
                "fill": True,
                "fillColor": "#ffffff",
                "fillOpacity": 1.0,
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["n", "id", "k", "tw", "r"],
                aliases=[esc(t[k]) for k in ("name", "ident", "kind", "township", "radius")],
                localize=False,
            ),
        ).add_to(fg)

    def bases_layer(self) -> None:
        teams = self.network.teams
        t = self.t
        if not len(teams):
            return
        pts = display_geoms(teams.geometry, self.crs, simplify_m=0)
        props = [
            {
                "n": esc(row.get("name", ident)),
                "v": esc(term(VEHICLE, row.get("vehicle", ""), self.lang)),
                "c": esc(row.get("crew", "")),
                "tw": esc(row.get("township", "")),
            }
            for ident, row in teams.iterrows()
        ]
        fg = self.group(t["team_bases"])
        folium.GeoJson(
            feature_collection(pts, props),
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html="<div>\u2691</div>", icon_size=(18, 18), class_name="bw-base-icon"
                )
            ),
            tooltip=folium.GeoJsonTooltip(
                fields=["n", "v", "c", "tw"],
                aliases=[esc(t[k]) for k in ("team", "vehicle", "crew", "township")],
                localize=False,
            ),
        ).add_to(fg)

    # ---- boxes --------------------------------------------------------------------------
    def title_box(self, title: str, summary: Mapping[str, Any]) -> None:
        t = self.t
        sub = self.network.scenario.title or self.network.scenario.name
        rows = [
            (t["watched_pct"], fmt_pct(summary["watched_pct"])),
            (t["gap_km_total"], fmt_km(summary["gap_km"], t["km"])),
            (t["longest_gap"], fmt_km(summary["longest_gap_km"], t["km"])),
            (t["worst_revisit"], fmt_min(summary["worst_revisit_min"], t["min"])),
            (t["border_km"], fmt_km(summary["border_km"], t["km"])),
        ]
        if summary.get("patrolled_pct") is not None:
            rows.insert(1, (t["patrolled_pct"], fmt_pct(summary["patrolled_pct"])))
        body = "".join(
            f'<tr><td>{esc(k)}</td><td class="bw-num">{esc(v)}</td></tr>' for k, v in rows
        )
        # a target's verdict may name several stretches: one row across the box that wraps
        # (as one unbroken cell it pushed every figure's column past the box, off the screen)
        body += "".join(
            f'<tr><td colspan="2" class="bw-wrap">{esc(k)} <b>{esc(v)}</b></td></tr>'
            for k, v in self._target_rows(summary.get("target_check") or {})
        )
        note = (
            f'<div class="bw-sub bw-terms">{esc(t["watched_note"])}</div>'
            if summary.get("patrolled_pct") is not None
            else ""
        )
        self.config["title"] = (
            f'<h1>{esc(title)}</h1><div class="bw-sub">{esc(sub)}</div><table>{body}</table>' + note
        )

    def _target_rows(self, check: Mapping[str, Any]) -> list[tuple[str, str]]:
        return target_rows(check, self.t)

    def legend_units(self) -> None:
        t = self.t
        radio = "bw-colour"
        parts = [f"<h2>{esc(t['colour_by'])}</h2>"]
        if len(self.colour_modes) > 1:
            labels_ = {
                "status": t["by_status"],
                "revisit": t["by_revisit"],
                "response": t["response"],
            }
            parts.append('<div class="bw-row bw-radios">')
            for key in self.colour_modes:
                checked = " checked" if key == "status" else ""
                parts.append(
                    f'<label><input type="radio" name="{radio}" data-bw-colour value="{key}"{checked}>'
                    f"{esc(labels_[key])}</label>"
                )
            parts.append("</div>")
        parts.append('<div data-bw-mode="status">')
        for key in ("checkpoint", "patrol", "gap"):
            parts.append(
                f'<div class="bw-row"><span class="bw-sw" style="background:{STATUS_COLOURS[key]}"></span>'
                f"{esc(t[key])}</div>"
            )
        parts.append("</div>")
        vmax = self.revisit_max
        parts.append(
            '<div data-bw-mode="revisit" style="display:none">'
            f"<div>{esc(t['revisit_min'])} ({esc(t['min'])})</div>"
            f'<div class="bw-grad" style="background:linear-gradient(to right,{",".join(REVISIT_COLOURS)})"></div>'
            '<div class="bw-ticks">'
            + "".join(
                f'<span class="bw-target-tick">\u25b2 {v:g}</span>'
                if k == 2
                else f"<span>{'≥ ' if k == 4 else ''}{v:g}</span>"
                for k, v in enumerate(np.linspace(0, vmax, 5))
            )
            + "</div>"
            f'<div class="bw-row bw-target">\u25b2 {esc(t["target"])} {self.revisit_target:g} {esc(t["min"])}</div>'
            f'<div class="bw-row"><span class="bw-sw" style="background:{NO_DATA}"></span>{esc(t["not_patrolled"])}</div>'
            "</div>"
        )
        if "response" in self.colour_modes:
            bands = self.response_bands
            palette = _band_palette(len(bands) + 1)
            edges = [0.0, *bands]
            parts.append('<div data-bw-mode="response" style="display:none">')
            for i, colour in enumerate(palette):
                label = (
                    f"≤ {bands[0]:g}"
                    if i == 0
                    else (f"> {bands[-1]:g}" if i == len(bands) else f"{edges[i]:g}–{bands[i]:g}")
                )
                parts.append(
                    f'<div class="bw-row"><span class="bw-sw" style="background:{colour}"></span>'
                    f"{esc(label)} {esc(t['min'])}</div>"
                )
            parts.append("</div>")
        self.legend.extend(parts)

    def legend_symbols(self, *, gaps_label: str) -> None:
        t = self.t
        self.legend.append(
            f"<h2>{esc(t['legend'])}</h2>"
            f'<div class="bw-row"><span class="bw-sw" style="background:{GAP_EMPHASIS};height:10px;opacity:.6"></span>{esc(gaps_label)}</div>'
            f'<div class="bw-row"><span class="bw-dot"></span>{esc(t["checkpoints"])}</div>'
            f'<div class="bw-row"><span class="bw-fill" style="background:rgba(26,152,80,.12);border-color:#1a9850;border-radius:50%"></span>{esc(t["watch_radii"])}</div>'
            f'<div class="bw-row"><span style="color:#5e3c99;width:22px;text-align:center">\u2691</span>{esc(t["team_bases"])}</div>'
        )

    def finish(self) -> folium.Map:
        folium.LayerControl(collapsed=True, position="topright").add_to(self.m)
        if self.legend:
            self.config["legend"] = "".join(self.legend)
        setup = _Setup({})
        setup.add_to(self.m)
        _stable_ids(self.m)
        # names are final only now: fill in the layer names the script refers to
        setup.config = js_json(self._resolve(self.config))
        return self.m

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._resolve(v) for v in value]
        if isinstance(value, MacroElement):
            return value.get_name()
        return value


def _band_palette(n: int) -> list[str]:
    """``n`` band colours from green to red (the last band always red)."""
    if n <= 1:
        return [RESPONSE_COLOURS[0]]
    if n <= len(RESPONSE_COLOURS):
        return [*RESPONSE_COLOURS[: n - 1], RESPONSE_COLOURS[-1]]
    return ramp(np.linspace(0, 1, n), 1.0, RESPONSE_COLOURS)
