"""Assemble the night briefing: commander page, township pages, a card per team; HTML and PDF."""

from __future__ import annotations

import base64
import logging
import math
import warnings
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from jinja2 import Environment, StrictUndefined

from borderwatch.atomic import atomic_folder, read_marker, safe_name, write_text
from borderwatch.config import default_language
from borderwatch.data.summary import border_lengths
from borderwatch.errors import BriefWarning
from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.fmt import pct as fmt_pct
from borderwatch.maps._i18n import labels as map_labels
from borderwatch.maps._i18n import plan_note
from borderwatch.maps.brief import charts
from borderwatch.maps.brief.content import (
    clock,
    commander_figures,
    detour_words,
    local_hhmm,
    minutes_of,
    nearest_checkpoints,
    no_road_stretches,
    road_label,
    route_geometry,
    staffing,
    township_rows,
    turn_list,
    variant_duty,
    variant_text,
    variant_walk,
)
from borderwatch.maps.brief.detection import detection_rows
from borderwatch.maps.brief.inputs import (
    PlanFolder,
    RosterNight,
    check_network,
    check_roster,
    load_network_of,
    read_plan_folder,
    read_roster_night,
    route_status,
)
from borderwatch.maps.brief.labels import VEHICLE, brief_labels
from borderwatch.maps.brief.pdf import page_starts, print_pdf, section_pages
from borderwatch.maps.builder import target_rows
from borderwatch.maps.colours import STATUS_COLOURS, team_style, team_styles

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["PAGE_CONTENT_MM", "brief_context", "brief_html", "section_ids", "write_brief"]

logger = logging.getLogger(__name__)

#: Longest turn list printed in one column; longer ones go in two, side by side.
TURNS_ONE_COLUMN = 16

_STATIC = Path(__file__).resolve().parent.parent / "_static"


def _img(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _num(value: Any, digits: int = 1) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(x):
        return "—"
    return f"{x:,.{digits}f}"


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _env() -> Environment:
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["num"] = _num
    # one text per figure (borderwatch.fmt), as in report.txt and the map
    env.filters["km"] = lambda x, unit="": fmt_km(_float(x), unit)
    env.filters["mins"] = lambda x, unit="": fmt_min(_float(x), unit)
    env.filters["pct"] = lambda x, unit="%": fmt_pct(_float(x), unit)
    return env


def _team_cards(
    folder: PlanFolder,
    network: PatrolNetwork,
    roster: RosterNight | None,
    lang: str,
    t: dict[str, str],
) -> list[dict[str, Any]]:
    start, _end = folder.night_window
    geoms = {r["team"]: route_geometry(network, r["steps"]) for r in folder.routes}
    gap_lines = _gap_lines(folder, network)
    cards = []
    styles = team_styles(network.scenario.teams.index.astype(str))
    for i, route in enumerate(folder.routes):
        team = str(route["team"])
        status, reason = route_status(route)
        # the scenario-fixed style (borderwatch.identity); plan.json's colour where recorded
        colour, dash = styles.get(team, team_style(i))
        if isinstance(route.get("colour"), str) and route["colour"]:
            colour = route["colour"]
        card = _card_head(network, route, team, status, colour, dash, geoms, roster, lang)
        others = [g for k, g in geoms.items() if k != team and not g.is_empty]
        # what the card map of a standby and of an active team share
        drawing: dict[str, Any] = {
            "colour": colour,
            "dash": dash,
            "labels": t,
            "base": card["base_point"],
            "others": others,
            "gaps": gap_lines,
        }
        if status == "standby":
            _standby_card(card, network, roster, reason, drawing, lang, t)
        else:
            _active_card(card, network, roster, route, start, drawing, lang, t)
        cards.append(card)
    return cards


def _card_head(
    network: PatrolNetwork,
    route: dict[str, Any],
    team: str,
    status: str,
    colour: str,
    dash: str,
    geoms: dict[Any, Any],
    roster: RosterNight | None,
    lang: str,
) -> dict[str, Any]:
    """What every team card shows: name, status, style, base, vehicle, crew."""
    teams = network.teams
    name = str(route.get("name") or (teams.loc[team, "name"] if team in teams.index else team))
    base = teams.geometry.loc[team] if team in teams.index else shapely.Point()
    township = str(teams.loc[team, "township"]) if team in teams.index else ""
    crew_n = teams.loc[team, "crew"] if team in teams.index and "crew" in teams else ""
    crew = roster.crews.get(team, []) if roster is not None else []
    vehicle = str(route["vehicle"])
    return {
        "team": team,
        "name": name,
        "status": status,
        "colour": colour,
        "dash": dash,
        "route_line": geoms.get(team, shapely.LineString()),
        "base_point": base,
        "vehicle": VEHICLE[lang].get(vehicle, vehicle),
        "township": township,
        "crew": crew,
        "crew_n": str(crew_n),
        "reserve": roster.reserve.get(team, "") if roster is not None else "",
    }


def _standby_card(
    card: dict[str, Any],
    network: PatrolNetwork,
    roster: RosterNight | None,
    reason: str,
    drawing: dict[str, Any],
    lang: str,
    t: dict[str, str],
) -> None:
    """A standby team's card: the reason, nearby checkpoints, a map of its surroundings."""
    base = card["base_point"]
    card["reason"] = plan_note(reason, lang) or t["standby_default"]
    card["cps"] = _with_staff(nearest_checkpoints(network, base), roster)
    card["map"] = _img(
        charts.route_map(
            network,
            None,
            **drawing,
            label_cps=[c["id"] for c in card["cps"]],
            width_mm=120,
            height_mm=95,
            min_span_m=6000.0,
        )
    )


def _active_card(
    card: dict[str, Any],
    network: PatrolNetwork,
    roster: RosterNight | None,
    route: dict[str, Any],
    start: str,
    drawing: dict[str, Any],
    lang: str,
    t: dict[str, str],
) -> None:
    """A patrolling team's card: tonight's variant, times, turn list, checkpoints, route map."""
    code = roster.variants.get(card["team"]) if roster is not None else None
    words, leave, reverse = variant_text(route, code, start, t)
    duty = variant_duty(route, code)  # the plan's duty times of tonight's variant
    mine = duty if duty is not None and duty["variant"] == code else None
    # the loop as driven tonight: direction, and a drawn detour's turn-back (issue #25)
    steps, _ = variant_walk(route, mine if mine else {"reverse": reverse})
    geom = route_geometry(network, steps)
    loop_min = float(mine["loop_min"]) if mine and mine.get("detour") else float(route["loop_min"])
    turns = turn_list(network, steps, str(route["vehicle"]), lang)
    approach_min = float(route["approach_min"])
    loop_start = minutes_of(local_hhmm(duty["on_loop"])) if duty else minutes_of(start)
    loops = len(duty["loop_starts"]) if duty else 0
    turn_back = detour_words(network, route, mine, loop_start, t, lang) if mine else ""
    if turn_back:
        words = f"{words}{'；' if t['north'] == '北' else '; '}{turn_back}"
    card.update(
        {
            "leave": leave,
            "loop_min": loop_min,
            # a drawn detour's loop is longer: its km are those of the walk driven
            "loop_km": turns[-1].cum_km if turn_back and turns else float(route["loop_km"]),
            "service_km": route.get("service_km"),
            "loops": loops,
            "approach_min": approach_min,
            "loop_start": clock(loop_start),
            "note": plan_note(route.get("note"), lang),
            "start_times": ", ".join(local_hhmm(x) for x in route["start_times"]),
            "variant_code": code or "",
            "variant": words,
            "turns": [
                {
                    "i": k + 1,
                    "road": x.road,
                    "named": x.named,
                    "km": x.km,
                    "cum_km": x.cum_km,
                    "cum_min": x.cum_min,
                    "clock": clock(loop_start + x.cum_min),
                }
                for k, x in enumerate(turns)
            ],
            "cps": _with_staff(nearest_checkpoints(network, geom), roster),
        }
    )
    rows = card["turns"]
    half = (len(rows) + 1) // 2
    card["turn_cols"] = [rows] if len(rows) <= TURNS_ONE_COLUMN else [rows[:half], rows[half:]]
    card["map"] = _img(
        charts.route_map(
            network,
            geom,
            **drawing,
            label_cps=[c["id"] for c in card["cps"]],
            road_names=_road_names(network, steps, lang)[:8],
            approach=route_geometry(network, route.get("approach") or []),
        )
    )


def _road_names(network: PatrolNetwork, steps: list[Any], lang: str) -> list[tuple[str, Any]]:
    """``(name, longest piece)`` of each named road on the route, by name."""
    edges = network.edges
    names: dict[str, list[Any]] = {}
    for e, _ in steps:
        label, named = road_label(edges["name"].iat[int(e)], "", lang)
        if named:
            names.setdefault(label, []).append(edges.geometry.iat[int(e)])
    return [(n, max(parts, key=lambda g: g.length)) for n, parts in sorted(names.items())]


def _with_staff(cps: list[dict[str, Any]], roster: RosterNight | None) -> list[dict[str, Any]]:
    for c in cps:
        c["staff"] = roster.shifts.get(c["id"], {}).get("night", []) if roster is not None else []
    return cps


def _gap_reason(gap: Any, lang: str) -> str:
    """A gap's reason in the briefing's language (``why_zh`` for Chinese when present)."""
    for key in (f"why_{lang}", "why") if lang != "en" else ("why",):
        text = gap.get(key)
        if isinstance(text, str) and text and text != "nan":
            return text
    return ""


def _gap_lines(folder: PlanFolder, network: PatrolNetwork) -> list[Any]:
    units = folder.units
    out = []
    start = units["start_m"].to_numpy(dtype=float) / 1000
    end = units["end_m"].to_numpy(dtype=float) / 1000
    geoms = network.units.geometry.to_numpy()
    for _, g in folder.gaps.iterrows():
        sel = (start >= float(g["start_km"]) - 1e-6) & (end <= float(g["end_km"]) + 1e-6)
        if sel.any():
            out.append(shapely.line_merge(shapely.union_all(geoms[sel])))
    return out


#: Printable width and height of an A4 page of the briefing, mm (brief.css ``@page`` margins).
PAGE_CONTENT_MM = (210.0 - 11.0 - 11.0, 297.0 - 10.0 - 11.0)


def section_ids(context: dict[str, Any]) -> list[str]:
    """The briefing's sections in print order: commander, overview, townships, cards."""
    return [
        "commander",
        "overview",
        *(f"town-{k + 1}" for k in range(len(context["towns"]))),
        *(f"card-{c['team']}" for c in context["cards"]),
    ]


def _render(context: dict[str, Any], pages: list[int] | None = None) -> str:
    """The HTML of a briefing context; ``pages``: the printed pages each section takes."""
    ids = section_ids(context)
    counts = pages if pages is not None and len(pages) == len(ids) else [1] * len(ids)
    starts = dict(zip(ids, page_starts(counts), strict=True))
    template = _env().from_string((_STATIC / "brief.html.j2").read_text(encoding="utf-8"))
    return template.render(**context, pages=starts)


def brief_html(
    folder: PlanFolder,
    network: PatrolNetwork,
    *,
    roster: RosterNight | None = None,
    lang: str = "zh",
    night: date | None = None,
    pages: list[int] | None = None,
) -> str:
    """The briefing as one HTML document (print it to A4 with :func:`print_pdf`).

    ``pages`` is how many printed pages each section takes (:func:`section_pages`,
    in :func:`section_ids` order), for the page numbers of the contents; by
    default one each (the layout's aim).
    """
    context = brief_context(folder, network, roster=roster, lang=lang, night=night)
    return _render(context, pages)


def _border_note(network: PatrolNetwork, t: dict[str, str]) -> str:
    """The modelled and the official border length side by side, in the briefing's words."""
    lengths = border_lengths(network)
    if lengths["official_km"] is None:
        return ""
    note = t["border_note"].format(
        m=f"{lengths['modelled_km']:.1f}", o=f"{lengths['official_km']:,.0f}"
    )
    return note + (t["border_note_why"] if lengths["generalised"] else "")


def brief_context(
    folder: PlanFolder,
    network: PatrolNetwork,
    *,
    roster: RosterNight | None = None,
    lang: str = "zh",
    night: date | None = None,
) -> dict[str, Any]:
    """Everything the briefing template shows (charts drawn), before page numbers.

    Parameters
    ----------
    folder
        The plan folder (:func:`read_plan_folder`).
    network
        The network the plan was made on.
    roster
        Tonight's roster (:func:`read_roster_night`), or None.
    lang
        ``"zh"`` or ``"en"``.
    night
        The date the night starts on (default ``plan.json`` ``night``).
    """
    t = brief_labels(lang)
    plan = folder.plan
    night = night or (date.fromisoformat(plan["night"]) if plan.get("night") else None)
    start, end = folder.night_window
    figures = commander_figures(folder)
    # met / not met, by how much and where: the same rows as the map header
    figures["targets"] = target_rows(folder.summary.get("target_check") or {}, map_labels(lang))
    # the chance a crossing is seen (issue #25): plan.json's detection entry
    figures["detection"] = detection_rows(plan.get("detection"), lang)
    towns = township_rows(folder)
    staff = staffing(network, roster, [r["township"] for r in towns])
    chart = _img(
        charts.revisit_chart(
            folder.units,
            folder.gaps,
            target_min=folder.target_min,
            labels=t,
            townships=towns,
            # the commander page fits one A4 sheet (tiles, targets, chart, townships, contents)
            height_mm=54,
        )
    )
    cards = _team_cards(folder, network, roster, lang, t)
    by_team = {c["team"]: c for c in cards}
    for tw in towns:
        _town_page(tw, folder, cards, by_team, staff, lang, t)
    scn = network.scenario
    return dict(
        t=t,
        overview=_overview(folder, network, cards, t),
        border_note=_border_note(network, t),
        lang=lang,
        title=scn.title or scn.name,
        night=night.isoformat() if night else "",
        window=f"{start}–{end}",
        fig=figures,
        chart=chart,
        towns=towns,
        no_road=no_road_stretches(folder),
        roster=roster,
        staff=staff,
        cards=cards,
        status_colours=STATUS_COLOURS,
        css=(_STATIC / "brief.css").read_text(encoding="utf-8"),
    )


def _town_page(
    tw: dict[str, Any],
    folder: PlanFolder,
    cards: list[dict[str, Any]],
    by_team: dict[str, dict[str, Any]],
    staff: list[dict[str, Any]],
    lang: str,
    t: dict[str, str],
) -> None:
    """Add a township page's chart, gap rows, team cards and staffing to its row."""
    gaps = folder.gaps
    span = tw["end_km"] - tw["start_km"]
    pad = max(0.5, 0.02 * span)
    tw["chart"] = _img(
        charts.revisit_chart(
            folder.units,
            gaps,
            target_min=folder.target_min,
            labels=t,
            townships=[tw],
            km_range=(tw["start_km"] - pad, tw["end_km"] + pad),
            height_mm=70,
        )
    )
    tw["gap_rows"] = [
        {
            "gap": str(g["gap"]),
            "start_km": g["start_km"],
            "end_km": g["end_km"],
            "length_km": g["length_km"],
            "village": "" if str(g.get("village", "")) == "nan" else str(g.get("village", "")),
            "cp": ""
            if str(g.get("nearest_checkpoint", "")) == "nan"
            else str(g.get("nearest_checkpoint", "")),
            "cp_km": g.get("nearest_checkpoint_km"),
            "why": _gap_reason(g, lang),
        }
        for _, g in gaps.iterrows()
        if tw["township"] in str(g.get("township", "")).split(";")
    ]
    based = [c["team"] for c in cards if c["township"] == tw["township"]]
    tw["team_cards"] = [by_team[k] for k in sorted(set(tw["teams"]) | set(based)) if k in by_team]
    tw["staff"] = next((s for s in staff if s["township"] == tw["township"]), None)


def _overview(
    folder: PlanFolder, network: PatrolNetwork, cards: list[dict[str, Any]], t: dict[str, str]
) -> str:
    """The overview map of every team's loop, as an image URL."""
    return _img(
        charts.overview_map(
            network,
            [
                {
                    "team": c["team"],
                    "colour": c["colour"],
                    "dash": c["dash"],
                    "route": c["route_line"],
                    "base": c["base_point"],
                }
                for c in cards
            ],
            labels=t,
            gaps=_gap_lines(folder, network),
        )
    )


def _crew_file(team: str) -> str:
    """``crews/<team>.gpx``: a crew's track of tonight's drawn variant (the one way to name it)."""
    return f"crews/{safe_name(team, '.gpx', what='team id')}"


def _crew_tracks(
    folder: PlanFolder, network: PatrolNetwork, roster: RosterNight, night: date
) -> dict[str, str]:
    """Team -> the GPX of the variant the roster drew for it tonight (its whole night).

    The plan is rebuilt from its folder (:func:`~borderwatch.planfiles.reload.load_plan`)
    and each drawn variant's track made as the plan's own are
    (:func:`~borderwatch.planfiles.export.drawn_variant_gpx`): leave base to back at
    base at the times of the crew's roster row, calendar and card. A plan folder that
    cannot be rebuilt gives no tracks (a warning; the briefing is written).
    """
    from borderwatch.errors import BorderwatchError
    from borderwatch.planfiles.export import drawn_variant_gpx
    from borderwatch.planfiles.planfile import PlanFile
    from borderwatch.planfiles.reload import load_plan, plan_network

    if not roster.variants or folder.is_replan:
        # a re-plan's crews drive its gpx/<team>.gpx from the cut (the roster drew the
        # variants of the plan it cuts, not of the re-plan's loops)
        return {}
    try:
        plan = load_plan(folder.folder, network)
        pnet = plan_network(folder.folder, network)
        typed = folder.plan_file or PlanFile.read(folder.folder / "plan.json")
        return drawn_variant_gpx(pnet, plan, typed, roster.variants, night=night)
    except BorderwatchError as exc:
        warnings.warn(
            BriefWarning(f"{folder.folder}: no crew tracks (crews/*.gpx): {exc}"), stacklevel=3
        )
        return {}


def write_brief(
    plan_dir: str | Path,
    out_dir: str | Path,
    *,
    roster_dir: str | Path | None = None,
    lang: str | None = None,
    night: date | None = None,
    network: PatrolNetwork | None = None,
    pdf: bool = True,
    chromium: str | None = None,
) -> Path:
    """Write the night briefing of a plan folder: ``brief.html`` and ``brief.pdf`` (A4).

    Parameters
    ----------
    plan_dir
        Output folder of ``borderwatch plan``.
    out_dir
        Where to write (made if missing; may be ``plan_dir``).
    roster_dir
        A roster week folder of ``borderwatch roster`` (crews, variants, the
        inspecting leader and checkpoint shifts of the night). With it, each
        crew's track of the variant drawn for it tonight is written too,
        ``crews/<team>.gpx``: its whole night, leave base to back at base, at
        the times of its roster row, calendar and card (``gpx/<team>.gpx`` of the
        plan folder is the base variant ``-f0``).
    lang
        ``"zh"`` or ``"en"``; default Chinese for scenarios in China's time zones.
    night
        The date the night starts on; default ``plan.json`` ``night``.
    network
        The plan's network, if at hand; default: built again from the scenario
        ``plan.json`` names.
    pdf
        Also print ``brief.pdf`` with headless Chromium.
    chromium
        The Chromium executable (default :func:`borderwatch.maps.io.find_chromium`).

    Returns
    -------
    Path
        ``brief.pdf`` (``brief.html`` when ``pdf`` is False).

    Raises
    ------
    MapInputError
        If a file of the plan or roster folder is missing or wrong.
    ChromiumNotFoundError
        If ``pdf`` and no Chromium is installed.
    """
    folder = read_plan_folder(plan_dir)
    if network is None:
        network = load_network_of(folder)
    else:
        check_network(folder, network)
    if night is None and folder.plan.get("night"):
        night = date.fromisoformat(str(folder.plan["night"]))
    roster = None
    if roster_dir is not None and night is not None:
        roster = read_roster_night(roster_dir, night)
        if roster is not None:
            check_roster(folder, roster)
    lang = lang or default_language(network.scenario.timezone)
    context = brief_context(folder, network, roster=roster, lang=lang, night=night)
    html = _render(context)
    crews = {} if roster is None or night is None else _crew_tracks(folder, network, roster, night)
    out = Path(out_dir)
    # brief.html, brief.pdf and the crews' tracks are staged together and swapped in with the
    # folder's other files (a plan folder keeps them): a kill leaves the old set or the new set
    # every crews/ track an earlier briefing wrote here is this one's to replace or drop (of
    # teams this plan has or not: a briefing of another plan left its crews' tracks beside)
    earlier = (read_marker(out) or {}).get("files", [])
    owned = ("brief.html", "brief.pdf", *(f for f in earlier if f.startswith("crews/")))
    with atomic_folder(out, kind="brief", keep="all", drop=owned) as stage:
        for team, text in crews.items():
            (stage / "crews").mkdir(exist_ok=True)
            write_text(stage / _crew_file(team), text)
        html_path = write_text(stage / "brief.html", html)
        if pdf:
            # the contents' page numbers: as laid out for print (a section may take two pages)
            pages = section_pages(html_path, content_mm=PAGE_CONTENT_MM, chromium=chromium)
            if pages is not None and pages != [1] * len(pages):
                logger.info("brief: sections over one page: %s", pages)
                html_path = write_text(stage / "brief.html", _render(context, pages))
            print_pdf(html_path, stage / "brief.pdf", chromium=chromium)
    return out / ("brief.pdf" if pdf else "brief.html")
