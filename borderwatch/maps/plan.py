"""The patrol-plan map for planners and team leaders."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import shapely

from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.maps._i18n import HIGHWAY, VEHICLE, labels, plan_note, term
from borderwatch.maps._validate import (
    MapInputError,
    check_gaps,
    check_routes,
    check_summary,
    check_units_status,
)
from borderwatch.maps.builder import (
    MapBuilder,
    display_geoms,
    esc,
    feature_collection,
    gap_runs,
    revisit_target,
    summary_from_units,
    text_label,
)
from borderwatch.maps.colours import team_styles
from borderwatch.maps.detection import detection_layer

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd

    from borderwatch.data.network import PatrolNetwork

__all__ = ["plan_map", "replan_changes", "route_arrows", "start_times_text"]

#: The loop start times as ``routes_frame`` writes them (``borderwatch.plan.laps``, English):
#: "20:00, then every 27.9 min (21 loops + 1 partial: 14.1 min of 27.9 min)",
#: "20:00, 22:47 (last partial: 99.0 min of 167.0 min)", a flag "!! loop longer than the night".
_NUM = r"[\d.,]+"
_EVERY = re.compile(
    rf"^(?P<first>\d{{1,2}}:\d{{2}}), then every (?P<loop>{_NUM}) min \((?P<n>\d+) loops"
    rf"(?: \+ 1 partial: (?P<p>{_NUM}) min of (?P<l>{_NUM}) min)?\)"
)
_LIST = re.compile(
    r"^(?P<clocks>\d{1,2}:\d{2}(?:, \d{1,2}:\d{2})*)"
    rf"(?: \(last partial: (?P<p>{_NUM}) min of (?P<l>{_NUM}) min\))?"
)
_TOO_LONG = re.compile(
    rf"!! loop longer than the night \((?P<loop>{_NUM}) min > (?P<win>{_NUM}) min\)"
)
#: Most start times listed one by one; more are said as "first, then every N min".
LIST_TIMES = 6


def _clock(value: str) -> str:
    """``HH:MM`` of an ISO date-time or of a clock time."""
    m = re.search(r"(\d{1,2}:\d{2})(?::\d{2})?(?:[+-]\d{2}:?\d{2}|Z)?$", value.strip())
    return m.group(1) if m else value.strip()


def start_times_text(value: Any, loop_min: Any, lang: str) -> str:
    """A team's loop start times in the map's language, the same figures as the plan's text.

    ``value`` is a list of start times (ISO date-times or ``HH:MM``) or the text
    ``routes_frame`` writes (English, the numbers formatted once by the plan); the
    Chinese text says the same with the same numbers. A text of another shape is
    shown as written.

    Examples
    --------
    >>> start_times_text("20:00, then every 27.9 min (21 loops + 1 partial: 14.1 min of 27.9 min)", 27.9, "zh")
    '20:00 起每 27.9 分钟一圈（21 整圈，另最后一圈只巡 14.1 / 27.9 分钟）'
    >>> start_times_text(["2026-12-17T20:00:00+08:00", "2026-12-17T21:30:00+08:00"], 90, "en")
    '20:00, 21:30'
    """
    t = labels(lang)
    if isinstance(value, list | tuple):
        times = [_clock(str(v)) for v in value]
        if len(times) <= LIST_TIMES:
            return ", ".join(times)
        try:
            loop = f"{float(loop_min):.1f}"
        except (TypeError, ValueError):
            return ", ".join(times)
        return t["every_loop"].format(first=times[0], loop=loop, n=len(times), partial="")
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if lang == "en" or not text:
        return text
    out = ""
    m = _EVERY.match(text)
    if m:
        partial = t["every_partial"].format(p=m["p"], l=m["l"]) if m["p"] else ""
        out = t["every_loop"].format(first=m["first"], loop=m["loop"], n=m["n"], partial=partial)
    elif (m := _LIST.match(text)) is not None:
        out = m["clocks"] + (t["last_partial"].format(p=m["p"], l=m["l"]) if m["p"] else "")
    else:
        return text
    too_long = _TOO_LONG.search(text)
    if too_long:
        out += "  " + t["loop_too_long"].format(loop=too_long["loop"], win=too_long["win"])
    return out


def route_arrows(
    geom: shapely.LineString | shapely.MultiLineString, *, spacing_m: float, max_arrows: int = 40
) -> list[tuple[float, float, float]]:
    """Points along a projected route with their heading (degrees clockwise from grid north).

    Returns ``(x, y, heading)`` in the route's CRS, ``spacing_m`` apart
    (widened so that at most ``max_arrows`` fit), the first half a spacing in.

    Parameters
    ----------
    geom
        The route in driving order, in a projected CRS (metres); the parts of a
        MultiLineString are walked in turn, the spacing carried across them.
    spacing_m
        Distance between arrows along the route in metres.
    max_arrows
        Most arrows on the route; the spacing is widened to the route's length
        divided by it when needed.

    Returns
    -------
    list of (float, float, float)
        ``(x, y, heading)`` per arrow, the heading in degrees clockwise from
        grid north in [0, 360), measured over 10 m around the point; empty for
        a route of zero length.
    """
    parts = list(geom.geoms) if isinstance(geom, shapely.MultiLineString) else [geom]
    total = sum(p.length for p in parts)
    if total <= 0:
        return []
    spacing = max(spacing_m, total / max_arrows)
    out = []
    offset = spacing / 2
    for part in parts:
        d = offset
        while d < part.length:
            a = part.interpolate(max(d - 5.0, 0.0))
            b = part.interpolate(min(d + 5.0, part.length))
            dx, dy = b.x - a.x, b.y - a.y
            if dx or dy:
                p = part.interpolate(d)
                out.append((p.x, p.y, math.degrees(math.atan2(dx, dy)) % 360.0))
            d += spacing
        offset = d - part.length
    return out


def _is_standby(row: Any, shown: Any) -> bool:
    """A team on standby: the plan says so (``status``), or its loop is empty."""
    status = getattr(row, "status", None)
    if isinstance(status, str) and status:
        return status == "standby"
    loop = getattr(row, "loop_min", 0.0)
    return bool(shown is None or shapely.is_empty(shown) or not (float(loop or 0.0) > 0))


def _required_layer(b: MapBuilder, required_edges: Iterable[Any]) -> folium.FeatureGroup:
    t = b.t
    edges = b.network.edges
    ids = list(required_edges)
    unknown = [e for e in ids if e not in edges.index]
    if unknown:
        raise MapInputError(
            f"required_edges: edge {unknown[0]!r} is not in network.edges.index "
            f"(0..{len(edges) - 1})"
        )
    fg = b.group(t["required_roads"])
    if not ids:
        return fg
    sel = edges.loc[ids]
    geoms = display_geoms(sel.geometry, b.crs, simplify_m=b.simplify_m)
    props = [
        {
            "n": esc(n) or "—",
            "h": esc(term(HIGHWAY, h, b.lang)),
            "l": fmt_km(length / 1000, t["km"]),
        }
        for n, h, length in zip(sel["name"], sel["highway"], sel["length"], strict=True)
    ]
    folium.GeoJson(
        feature_collection(geoms, props),
        style_function=lambda f: {
            "color": "#444444",
            "weight": 7,
            "opacity": 0.35,
            "className": "bw-required",
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["n", "h", "l"],
            aliases=[esc(t["name"]), esc(t["kind"]), esc(t["length"])],
            localize=False,
        ),
    ).add_to(fg)
    return fg


def replan_changes(
    network: PatrolNetwork, takeovers: Iterable[Mapping[str, Any]], lang: str = "en"
) -> list[dict[str, Any]]:
    """The ``changes`` of :func:`plan_map` from the ``takeovers`` of a re-planned ``plan.json``.

    Each take-over (``team``, ``from_team``, ``edges``, ``km_from``, ``km_to``,
    ``first_pass``) becomes its taken roads' geometry with the legend text in
    ``lang``: ``"T03 takes T05's loop km 30.00-38.00, first pass 02:25"``,
    ``"T03 接替 T05 的路段（30.00–38.00 公里），首次经过 02:25"``.

    Raises
    ------
    MapInputError
        A take-over names an edge the network does not have.
    """
    t = labels(lang)
    geoms = network.edges.geometry.to_numpy()
    out = []
    for tk in takeovers:
        edges = [int(e) for e in tk.get("edges", [])]
        bad = [e for e in edges if not 0 <= e < len(geoms)]
        if bad:
            raise MapInputError(
                f"takeovers: edge {bad[0]!r} is not in network.edges (0..{len(geoms) - 1})"
            )
        a, b = tk.get("km_from"), tk.get("km_to")
        span = (
            t["takeover_span"].format(a=fmt_km(a, ""), b=fmt_km(b, ""))
            if a is not None and b is not None
            else ""
        )
        first = t["takeover_first"].format(clock=tk["first_pass"]) if tk.get("first_pass") else ""
        out.append(
            {
                "team": str(tk["team"]),
                "geometry": shapely.line_merge(shapely.union_all(geoms[edges]))
                if edges
                else shapely.LineString(),
                "text": t["takeover_text"].format(
                    team=tk["team"], from_team=tk["from_team"], span=span, first=first
                ),
            }
        )
    return out


def _styles(network: PatrolNetwork, routes: gpd.GeoDataFrame) -> dict[str, tuple[str, str]]:
    """Each route's ``(colour, dash)``: the routes' own ``colour``/``dash`` columns (plan.json's)
    where given, else fixed by the scenario's teams.csv order (:mod:`borderwatch.identity`)."""
    order = list(network.scenario.teams.index.astype(str))
    extra = [str(t) for t in routes["team"] if str(t) not in set(order)]
    styles = team_styles([*order, *extra])
    if "colour" in routes.columns:
        dashes = routes["dash"] if "dash" in routes.columns else [None] * len(routes)
        for team, colour, dash in zip(routes["team"], routes["colour"], dashes, strict=True):
            if isinstance(colour, str) and colour:
                styles[str(team)] = (
                    colour,
                    dash if isinstance(dash, str) else styles[str(team)][1],
                )
    return styles


def _changes_layer(
    b: MapBuilder,
    changes: Sequence[Mapping[str, Any]],
    team_ids: list[str],
    styles: Mapping[str, tuple[str, str]],
) -> folium.FeatureGroup:
    """The roads taken over in a re-plan: wide dotted lines in the taker's colour."""
    for c in changes:
        if str(c.get("team")) not in team_ids:
            raise MapInputError(
                f"changes: team {c.get('team')!r} has no route; teams: {', '.join(team_ids)}"
            )
    fg = b.group(b.t["changes"])
    geoms = display_geoms([c["geometry"] for c in changes], b.crs, simplify_m=b.simplify_m)
    for c, shown in zip(changes, geoms, strict=True):
        if shown is None or shapely.is_empty(shown):
            continue
        colour = styles[str(c["team"])][0]
        folium.GeoJson(
            feature_collection([shown], [{"x": esc(c["text"])}]),
            style_function=lambda f, col=colour: {
                "color": col,
                "weight": 10,
                "opacity": 0.8,
                "dashArray": "2 9",
                "lineCap": "round",
                "className": "bw-takeover",
            },
            tooltip=folium.GeoJsonTooltip(fields=["x"], labels=False, localize=False),
        ).add_to(fg)
    return fg


def plan_map(
    network: PatrolNetwork,
    routes: gpd.GeoDataFrame,
    required_edges: Iterable[Any],
    units_status: pd.DataFrame,
    *,
    gaps: pd.DataFrame | None = None,
    summary: Mapping[str, Any] | None = None,
    lang: str = "zh",
    basemap: str | Sequence[str] | None = None,
    offline: bool = False,
    title: str | None = None,
    focus_team: str | None = None,
    arrow_spacing_m: float = 2000.0,
    revisit_target_min: float | None = None,
    simplify_m: float = 5.0,
    changes: Sequence[Mapping[str, Any]] = (),
) -> folium.Map:
    """The patrol-plan map: one layer per team, required roads, gaps left after the plan.

    Parameters
    ----------
    network
        The patrol network (units, checkpoints, teams, edges).
    routes
        One row per team, in the network's projected CRS (any CRS is
        reprojected); columns ``team`` (a label of ``network.teams.index``, or
        any name), ``vehicle``, ``loop_km``, ``loop_min``, ``start_times``
        (text, e.g. ``"20:00, 22:10"``) and a LineString/MultiLineString
        geometry in driving order.
    required_edges
        Labels of ``network.edges.index`` that the plan must drive.
    units_status
        The per-unit table after the plan (as for :func:`coverage_map`).
    gaps
        The gaps after the plan (as for :func:`coverage_map`); default: the
        runs of units whose status is ``"gap"``.
    summary
        Key figures (as for :func:`coverage_map`); default: computed from
        ``units_status``.
    lang, basemap, offline, title, simplify_m
        As for :func:`coverage_map`.
    focus_team
        Open the map focused on this team (its route and the units it
        watches only); the reader can switch in the legend, or with
        ``#team=ID`` in the address.
    arrow_spacing_m
        Distance between direction arrows along a route (at most 40 per route).
    changes
        Roads a team takes over in a re-plan, highlighted in their own layer
        and legend section: each a mapping with ``team`` (a team of
        ``routes``, whose colour it is drawn in), ``geometry`` (projected
        LineString/MultiLineString) and ``text`` (the legend line and tooltip,
        e.g. ``"T03 takes T05's loop km 30.0-38.0"``).
    revisit_target_min
        The revisit target in minutes (as for :func:`coverage_map`): the
        revisit colour scale runs from 0 to twice it. Default: the summary's
        ``revisit_target_min``, else ``network.config.targets.max_revisit_min``.

    Returns
    -------
    folium.Map

    Raises
    ------
    MapInputError
        If a table lacks a column, an edge or team is unknown, or an option is bad.
    """
    units_status, routes, gaps, summary = _checked(
        network, routes, units_status, gaps, summary, focus_team, arrow_spacing_m
    )
    b = MapBuilder(network, lang=lang, basemap=basemap, offline=offline, simplify_m=simplify_m)
    t = b.t
    required = _required_layer(b, required_edges)
    units_fg = b.units_layer(
        units_status,
        response_bands_min=(),
        revisit_target_min=revisit_target(network, summary, revisit_target_min),
    )
    gaps_fg = b.gaps_layer(gaps, name=t["gaps_after"])
    b.km_marks_layer()
    detection_layer(b, units_status)  # issue #25: off at first, in the layer control
    styles = _styles(network, routes)
    teams_cfg, arrows_cfg, legend_rows = _team_layers(
        b, network, routes, styles, float(arrow_spacing_m)
    )
    team_ids = [str(x) for x in routes["team"]]
    changes_fg = _changes_layer(b, changes, team_ids, styles) if changes else None
    b.checkpoints_layer(radius_px=3.5)
    b.bases_layer()
    b.title_box(title if title is not None else t["plan_title"], summary)
    _plan_legend(b, legend_rows, changes if changes_fg is not None else (), styles)
    b.config["arrows"] = arrows_cfg
    b.config["focus"] = {
        "teams": teams_cfg,
        "hide": [required, units_fg, gaps_fg],
        "all": t["all_teams"],
        "label": t["focus"],
        "initial": None if focus_team is None else str(focus_team),
    }
    return b.finish()


def _checked(
    network: PatrolNetwork,
    routes: gpd.GeoDataFrame,
    units_status: pd.DataFrame,
    gaps: pd.DataFrame | None,
    summary: Mapping[str, Any] | None,
    focus_team: str | None,
    arrow_spacing_m: float,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, pd.DataFrame, Mapping[str, Any]]:
    """The plan map's inputs checked (and defaulted): units status, routes, gaps, summary."""
    units = network.units
    units_status = check_units_status(units_status, units, name="units_status")
    routes = check_routes(routes)
    if routes.crs != network.crs:
        routes = routes.to_crs(network.crs)
    gaps = gap_runs(units, units_status["status"]) if gaps is None else check_gaps(gaps, units)
    summary = summary_from_units(units, units_status) if summary is None else check_summary(summary)
    team_ids = [str(x) for x in routes["team"]]
    if focus_team is not None and str(focus_team) not in team_ids:
        raise MapInputError(
            f"focus_team {focus_team!r} has no route; teams with routes: {', '.join(team_ids)}"
        )
    if not (isinstance(arrow_spacing_m, int | float) and arrow_spacing_m > 0):
        raise MapInputError(f"arrow_spacing_m must be a number > 0, not {arrow_spacing_m!r}")
    return units_status, routes, gaps, summary


def _team_layers(
    b: MapBuilder,
    network: PatrolNetwork,
    routes: gpd.GeoDataFrame,
    styles: Mapping[str, tuple[str, str]],
    arrow_spacing_m: float,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """One layer per team (its route, arrows, the units it watches): focus, arrows and legend rows."""
    t = b.t
    names = network.teams["name"] if "name" in network.teams.columns else pd.Series(dtype=object)
    unit_tree = shapely.STRtree(network.units.geometry.to_numpy())
    route_geoms = display_geoms(routes.geometry, b.crs, simplify_m=b.simplify_m)
    teams_cfg, arrows_cfg, legend_rows = [], [], []
    for i, (row, shown) in enumerate(zip(routes.itertuples(index=False), route_geoms, strict=True)):
        team = str(row.team)
        colour, dash = styles[team]
        name = str(names.get(team, team)) if len(names) else team
        standby = _is_standby(row, shown)
        vehicle = term(VEHICLE, row.vehicle, b.lang)
        label = f"{name} · {vehicle}" + (f" · {t['standby']}" if standby else "")
        geom = routes.geometry.iloc[i]
        units_layer = _watched_layer(b, network, unit_tree, geom, label, colour)
        fg = b.group(label)
        if shown is not None and not shapely.is_empty(shown):
            _route_line(b, fg, row, shown, (name, vehicle), colour, dash)
            arrows = _arrows(b, fg, geom, colour, arrow_spacing_m)
            if arrows is not None:
                arrows_cfg.append(arrows)
        teams_cfg.append({"id": team, "name": name, "group": fg, "units": units_layer})
        shown_name = team if name == team else f"{team} {name}"
        if standby:
            legend_rows.append(_standby_row(b, network, fg, row, team, name, shown_name))
        else:
            legend_rows.append(_route_row(b, row, vehicle, shown_name, colour, dash))
    return teams_cfg, arrows_cfg, legend_rows


def _watched_layer(
    b: MapBuilder,
    network: PatrolNetwork,
    unit_tree: shapely.STRtree,
    geom: Any,
    label: str,
    colour: str,
) -> folium.FeatureGroup:
    """The units a team watches (within the patrol view of its route): shown in focus mode only."""
    view_m = float(network.config.patrol_view_m)
    watched = (
        np.unique(unit_tree.query(geom, predicate="dwithin", distance=view_m))
        if geom is not None and not geom.is_empty
        else np.array([], dtype=int)
    )
    units_layer = folium.FeatureGroup(name=esc(label), show=False, control=False)
    units_layer.add_to(b.m)
    if len(watched):
        folium.GeoJson(
            feature_collection(b.units_geo[watched], [{} for _ in watched]),
            style_function=lambda f, c=colour: {
                "color": c,
                "weight": 14,
                "opacity": 0.35,
                "lineCap": "butt",
                "className": "bw-team-unit",
                "interactive": False,
            },
        ).add_to(units_layer)
    return units_layer


def _route_line(
    b: MapBuilder,
    fg: folium.FeatureGroup,
    row: Any,
    shown: Any,
    who: tuple[str, str],
    colour: str,
    dash: str,
) -> None:
    """A team's route in its colour and dash, with its tooltip (team, vehicle, loop, starts)."""
    t = b.t
    name, vehicle = who
    props = {
        "tm": esc(name),
        "v": esc(vehicle),
        "lk": fmt_km(row.loop_km, t["km"]),
        "lm": fmt_min(row.loop_min, t["min"]),
        "st": esc(start_times_text(row.start_times, row.loop_min, b.lang)),
    }
    folium.GeoJson(
        feature_collection([shown], [props]),
        style_function=lambda f, c=colour, d=dash: {
            "color": c,
            "weight": 4,
            "opacity": 0.95,
            "dashArray": d or None,
            "className": "bw-route",
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["tm", "v", "lk", "lm", "st"],
            aliases=[esc(t[k]) for k in ("team", "vehicle", "loop_km", "loop_min", "start_times")],
            localize=False,
            sticky=True,
        ),
    ).add_to(fg)


def _arrows(
    b: MapBuilder, fg: folium.FeatureGroup, geom: Any, colour: str, spacing_m: float
) -> dict[str, Any] | None:
    """Direction arrows along a route (drawn by the map's script), or None when it has none."""
    pts = route_arrows(geom, spacing_m=spacing_m)
    if not pts:
        return None
    ll = display_geoms([shapely.Point(x, y) for x, y, _ in pts], b.crs, simplify_m=0)
    return {
        "group": fg,
        "colour": colour,
        "points": [
            [float(p.y), float(p.x), round(h, 1)] for p, (_, _, h) in zip(ll, pts, strict=True)
        ],
    }


def _standby_row(
    b: MapBuilder,
    network: PatrolNetwork,
    fg: folium.FeatureGroup,
    row: Any,
    team: str,
    name: str,
    shown_name: str,
) -> str:
    """The legend row of a team on standby (with its reason), and its label at the base."""
    t = b.t
    reason = plan_note(getattr(row, "standby_reason", ""), b.lang)
    if team in network.teams.index:
        text_label(
            network.teams.geometry.loc[team],
            b.crs,
            f'<div class="bw-standby-label">{esc(team)} {esc(t["standby"])}</div>',
            (80, 16),
            (-10, 8),
            tooltip=esc(f"{name} · {t['standby']}" + (f": {reason}" if reason else "")),
        ).add_to(fg)
    return (
        f'<div class="bw-row bw-standby" title="{esc(reason)}">'
        f'<span class="bw-sw" style="background:none;border:1px dashed #666"></span>'
        f'<span class="bw-name">{esc(shown_name)} · {esc(t["standby"])}</span></div>'
    )


def _route_row(
    b: MapBuilder, row: Any, vehicle: str, shown_name: str, colour: str, dash: str
) -> str:
    """The legend row of a team on patrol: its swatch (colour, dash) and loop figures."""
    t = b.t
    swatch = (
        f"background:repeating-linear-gradient(to right,{colour} 0 6px,transparent 6px 9px)"
        if dash
        else f"background:{colour}"
    )
    return (
        f'<div class="bw-row" title="{esc(vehicle)} · {fmt_km(row.loop_km, t["km"])} · '
        f'{fmt_min(row.loop_min, t["min"])}"><span class="bw-sw" style="{swatch}"></span>'
        f'<span class="bw-name">{esc(shown_name)}</span></div>'
    )


def _plan_legend(
    b: MapBuilder,
    legend_rows: list[str],
    changes: Sequence[Mapping[str, Any]],
    styles: Mapping[str, tuple[str, str]],
) -> None:
    """The plan map's legend: focus, routes, the re-plan's changes, units, symbols."""
    t = b.t
    b.legend.append(
        f"<h2>{esc(t['focus'])}</h2><div data-bw-focus></div>"
        f"<details open><summary><h2>{esc(t['routes'])} ({len(legend_rows)})</h2></summary>"
        + "".join(legend_rows)
        + "</details>"
    )
    if changes:
        b.legend.append(
            f"<h2>{esc(t['changes'])}</h2>"
            + "".join(
                f'<div class="bw-row bw-change-row"><span class="bw-sw" style="background:'
                f"repeating-linear-gradient(to right,{styles[str(c['team'])][0]} "
                f'0 3px,transparent 3px 6px);height:8px"></span>'
                # the whole sentence, wrapped: it is what the commander reads out
                f'<span class="bw-name" style="white-space:normal">{esc(c["text"])}</span></div>'
                for c in changes
            )
        )
    b.legend_units()
    b.legend.append(
        f'<div class="bw-row"><span class="bw-sw" style="background:#444;opacity:.4;height:8px"></span>'
        f"{esc(t['required_roads'])}</div>"
    )
    b.legend_symbols(gaps_label=t["gaps_after"])
