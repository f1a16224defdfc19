"""Write a :class:`~borderwatch.plan.patrols.PatrolPlan` to files.

``routes.geojson`` (one feature per team, lon/lat), ``routes.gpx`` (one timed
track per team named ``"<team id> <name>"`` with its whole night: the drive out
from ``leave_base``, every loop of the window, the drive home to ``back_base``;
via gpxpy) and ``gpx/<team>.gpx`` (the same, one
file per team), ``plan.json`` (everything needed
to re-render or audit the plan) and ``report.txt`` (the planners' summary).
Every file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import geopandas as gpd
import numpy as np

from borderwatch.atomic import atomic_file, safe_name, write_text
from borderwatch.data.scenario_io import source_record
from borderwatch.data.summary import border_lengths, border_lengths_text
from borderwatch.data.units import unit_runs
from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.fmt import pct as fmt_pct
from borderwatch.i18n import (
    METHOD,
    VEHICLE,
    criterion_text,
    pad,
    plan_note,
    report_labels,
    role_text,
    term,
    window_text,
)
from borderwatch.identity import team_styles
from borderwatch.plan.laps import Laps, laps
from borderwatch.plan.variants import detour_added_steps, route_variants, variant_steps

if TYPE_CHECKING:
    from borderwatch.config import NightWindow
    from borderwatch.coverage.timeline import PatrolTimeline
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.duty import DutyTimes, HomeDrive
    from borderwatch.plan.patrols import PatrolPlan
    from borderwatch.plan.variants import RouteVariant
    from borderwatch.planfiles.planfile import PlanFile, PlanRoute, PlanVariant
    from borderwatch.routing.patrol import TeamRoute

__all__ = [
    "drawn_variant_gpx",
    "plan_file",
    "plan_summary",
    "report_language",
    "report_text",
    "routes_frame",
    "scenario_styles",
    "write_plan_files",
    "write_plan_tracks",
]

logger = logging.getLogger(__name__)


def _clock(network: PatrolNetwork, offset_min: float) -> str:
    return network.config.clock(offset_min)


def _leave_base(network: PatrolNetwork, approach_s: float, set_out: float | None = None) -> str:
    """Clock time a team must leave base to be on its loop at the window start (rounded down).

    In a re-plan (``set_out``, minutes after the cut) the team sets out from where
    it is then (a circuit team drives its approach after the cut).
    """
    if set_out is not None:
        return network.config.clock(set_out, floor=True)
    return network.config.clock(-approach_s / 60.0, floor=True)


def _on_loop(plan: PatrolPlan, route: TeamRoute) -> float:
    """Minutes after the window start at which ``route``'s first loop starts.

    0 for a plan (the approach is driven before the window); in a re-plan the
    set-out plus the approach (:meth:`NightSchedule.set_out`).
    """
    set_out = plan.schedule.set_out(route.team)
    return 0.0 if set_out is None else set_out + route.approach_s / 60.0


def scenario_styles(network: PatrolNetwork) -> dict[str, tuple[str, str]]:
    """``{team: (colour, dash)}`` fixed by the scenario's teams.csv order (:mod:`borderwatch.identity`).

    Tonight's teams may be a subset (``--teams``, a re-plan): a team keeps its
    scenario colour.
    """
    order = list(network.scenario.teams.index.astype(str))
    extra = [str(t) for t in network.teams.index if str(t) not in set(order)]
    return team_styles([*order, *extra])


def routes_frame(network: PatrolNetwork, plan: PatrolPlan) -> gpd.GeoDataFrame:
    """One row per team: ``team``, ``name``, ``vehicle``, ``status``, ``leave_base``, ``loop_km``, ``loop_min``, ``start_times``, geometry (projected).

    Every loop starts at the window start (where the team is then) and again
    every loop duration; ``leave_base`` is when the team must leave its base
    to be there. Standby teams have an empty ``start_times`` and the reason in
    ``standby_reason``.
    """
    rows = []
    window = network.config.night_minutes
    styles = scenario_styles(network)
    for route in plan.routes:
        loop_min = route.loop_s / 60.0
        fit = laps(loop_min, window, _on_loop(plan, route))
        if route.on_patrol and loop_min > 0:
            start_times = fit.text(network.config.night_start_min)
            leave = _leave_base(network, route.approach_s, plan.schedule.set_out(route.team))
        else:
            start_times = ""
            leave = ""
        rows.append(
            {
                "team": route.team,
                "name": str(network.teams.loc[route.team, "name"]),
                "vehicle": route.vehicle,
                "status": route.status if route.on_patrol else "standby",
                "standby_reason": route.standby_reason,
                "role": route.role,
                "leave_base": leave,
                "approach_min": round(route.approach_s / 60.0, 2),
                "loop_km": round(route.length_m(network) / 1000.0, 3),
                "loop_min": round(loop_min, 2),
                "start_times": start_times,
                "full_loops": fit.full if route.on_patrol else 0,
                "partial_min": round(fit.partial_min, 2) if route.on_patrol else 0.0,
                "longer_than_night": bool(route.on_patrol and fit.longer_than_night),
                "service_km": round(
                    float(
                        sum(
                            network.edges["length"].iat[e]
                            for (e, _), s in zip(route.steps, route.service, strict=True)
                            if s
                        )
                    )
                    / 1000.0,
                    3,
                ),
                "note": route.note,
                "colour": styles[route.team][0],
                "dash": styles[route.team][1],
                "geometry": route.geometry(network),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=network.crs)


def worst_stretch(network: PatrolNetwork, plan: PatrolPlan) -> dict[str, Any] | None:
    """Where the worst revisit interval among patrolled units is: km range, township, teams."""
    table = plan.revisits
    passed = table["n_passes"].to_numpy() > 0
    if not passed.any():
        return None
    worst = table["worst_revisit_min"].to_numpy()
    value = float(worst[passed].max())
    at = passed & (worst >= value - 1e-6)
    units = network.units
    i, j = next(iter(unit_runs(at, units["part"].to_numpy())))
    teams = sorted({t for k in range(i, j + 1) for t in str(table["teams"].iat[k]).split(";") if t})
    return {
        "worst_revisit_min": round(value, 2),
        "start_km": round(float(units["start_m"].iat[i]) / 1000.0, 3),
        "end_km": round(float(units["end_m"].iat[j]) / 1000.0, 3),
        "township": str(units["township"].iat[i]),
        "teams": teams,
        "n_units": int(at.sum()),
    }


def never_passed(network: PatrolNetwork, plan: PatrolPlan) -> dict[str, Any]:
    """Units no patrol passes all night, split by why: no road within view, or no team reaches the road."""
    lengths = network.units["length_m"].to_numpy()
    never = plan.revisits["n_passes"].to_numpy() == 0
    no_road = np.zeros(len(never), dtype=bool)
    no_road[plan.required.uncoverable] = True
    no_road &= never
    other = never & ~no_road
    view_km = network.config.patrol_view_m / 1000.0
    return {
        "km": round(float(lengths[never].sum()) / 1000.0, 3),
        "no_road_km": round(float(lengths[no_road].sum()) / 1000.0, 3),
        "unreached_km": round(float(lengths[other].sum()) / 1000.0, 3),
        "why": f"no road within {view_km:g} km"
        if not other.any()
        else (f"no road within {view_km:g} km, or no team's vehicle reaches the road"),
    }


def plan_summary(
    network: PatrolNetwork, plan: PatrolPlan, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The plan's figures as JSON-ready values.

    ``worst_revisit_min`` is the worst revisit interval among the patrolled
    units (passed at least once), the same figure as in ``summary.json``,
    ``report.txt`` and the map; units no patrol passes are counted apart in
    ``never_passed``. ``opt_gap_pct`` (also under its old name ``gap_pct``) is
    the optimality gap of the min-max loop above the lower bound, not a
    coverage gap. A plan made with ``loops = "circuit"`` records ``loops`` and
    ``max_approach_min`` (a plan through the base writes neither). A plan whose
    assignment bound was stopped by its wall-clock safety cap records
    ``bound_stopped_by_time: true`` (its bound may differ between runs).
    """
    scn = network.scenario
    watched_by_route = plan.revisits["n_passes"].to_numpy() > 0
    lengths = network.units["length_m"].to_numpy()
    patrol = [r for r in plan.routes if r.on_patrol]
    out: dict[str, Any] = {
        "scenario": scn.name,
        "source": str(scn.source) if scn.source else None,
        "seed": plan.seed,
        "night_window": [network.config.night_start, network.config.night_end],
        "teams": len(plan.routes),
        "teams_on_patrol": len(patrol),
        "teams_on_standby": [
            {"team": r.team, "reason": r.standby_reason} for r in plan.routes if not r.on_patrol
        ],
        "shortest_loop_min": round(min((r.loop_s for r in patrol), default=0.0) / 60.0, 2),
        "max_loop_min": round(plan.max_loop_min, 2),
        "minmax_loop_min": round(plan.minmax_loop_min, 2),
        "bound_min": round(plan.bound_min, 2),
        "gap_pct": round(plan.gap_pct, 2),
        "opt_gap_pct": round(plan.opt_gap_pct, 2),
        "total_loop_min": round(sum(r.loop_s for r in patrol) / 60.0, 2),
        "driving_min": round(plan.objective.driving_min, 2),
        "worst_revisit_min": round(plan.objective.worst_revisit_min, 2),
        "mean_revisit_min": round(plan.objective.mean_revisit_min, 2),
        "worst_revisit_at": worst_stretch(network, plan),
        "never_passed": never_passed(network, plan),
        "patrolled_km": round(float(lengths[watched_by_route].sum()) / 1000.0, 3),
        "patrolled_pct": round(
            100.0 * float(lengths[watched_by_route].sum()) / float(lengths.sum()), 2
        ),
        "border_km": round(float(lengths.sum()) / 1000.0, 3),
        "required_roads": {
            "edges": len(plan.required.edges),
            "links": len(plan.instance.links),
            "drive_min": round(plan.required.cost_s / 60.0, 2),
            "method": plan.required.method,
            "gap_pct": round(plan.required.gap_pct, 3),
            "unwatchable_units": len(plan.required.uncoverable),
        },
        "required_edges": [int(e) for e in plan.required.edges],
        "routes": [],
    }
    if network.config.loops != "base":  # the default rule (through the base) is not written
        out["loops"] = network.config.loops
        out["max_approach_min"] = float(network.config.max_approach_min)
    if plan.result.bound_by_time:  # written only then: a bound ended by its counts is the same
        out["bound_stopped_by_time"] = True  # on every run; this one may differ between runs
    frame = routes_frame(network, plan)
    for route, row in zip(plan.routes, frame.itertuples(), strict=True):
        out["routes"].append(_route_entry(route, row))
    # which loops fit the window (borderwatch.plan.laps): plan.json keeps it beside the routes
    out["loops_fit"] = _loops_fit(frame)
    out.update(extra or {})
    return out


def _route_entry(route: TeamRoute, row: Any) -> dict[str, Any]:
    """One route of ``plan.json``: its ``routes_frame`` row and its steps."""
    return {
        "team": route.team,
        "name": row.name,
        "vehicle": route.vehicle,
        "status": row.status,
        "standby_reason": route.standby_reason,
        "role": route.role,
        "note": route.note,
        "leave_base": row.leave_base,
        "approach_min": row.approach_min,
        "loop_km": row.loop_km,
        "loop_min": row.loop_min,
        "service_km": row.service_km,
        "start_times": row.start_times,
        "colour": row.colour,
        "dash": row.dash,
        "approach": [[int(e), bool(f)] for e, f in route.approach],
        "steps": [[int(e), bool(f)] for e, f in route.steps],
        # 1 where the step serves a required road (reloading a plan needs it)
        "service": [int(bool(s)) for s in route.service],
        "variants": [
            {"variant": x.variant, "reverse": x.reverse, "phase_min": round(x.phase_min, 3)}
            for x in route_variants(route)
        ]
        if route.on_patrol
        else [],
    }


def _loops_fit(frame: gpd.GeoDataFrame) -> dict[str, dict[str, Any]]:
    """Per patrolling team: full loops in the window and the last partial one."""
    return {
        row.team: {
            "full_loops": int(row.full_loops),
            "last_partial_min": float(row.partial_min),
            "longer_than_night": bool(row.longer_than_night),
        }
        for row in frame.itertuples()
        if row.status == "patrol"
    }


def _stretches(network: PatrolNetwork, plan: PatrolPlan, lang: str = "en") -> list[str]:
    """The stretches no road reaches; a stretch's nearest road is the least over its units (as in the briefing)."""
    L = report_labels(lang)
    units = network.units
    bad = np.zeros(len(units), dtype=bool)
    bad[plan.required.uncoverable] = True
    reasons = dict(
        zip(plan.required.uncoverable.tolist(), plan.required.uncoverable_reason, strict=True)
    )
    near = np.asarray(network.watch.nearest_road_m, dtype=float)
    view_m = float(network.config.patrol_view_m)
    lines = []
    for i, j in unit_runs(bad, units["part"].to_numpy()):
        run = near[i : j + 1]
        why = (
            L["stretch_why"].format(view=f"{view_m / 1000:g}", near=fmt_km(float(run.min()) / 1000))
            if (run > view_m).all()
            else plan_note(reasons[i], lang)
        )
        a, b = float(units["start_m"].iat[i]) / 1000, float(units["end_m"].iat[j]) / 1000
        # no township grid: no empty field ("(3.20 km, )")
        place = L["list_sep"].join(x for x in (fmt_km(b - a), _name(units["township"].iat[i])) if x)
        lines.append(
            L["stretch_line"].format(
                a=f"{fmt_km(a, ''):>7}", b=f"{fmt_km(b, ''):>7}", place=place, why=why
            )
        )
    return lines


def _name(value: Any) -> str:
    """A grid name for the report: ``""`` where the scenario has no such grid."""
    text = "" if value is None else str(value)
    return "" if text in ("nan", "None") else text


def report_language(network: PatrolNetwork, lang: str | None = None) -> str:
    """The language of a plan's texts: ``lang``, or the scenario's (:func:`~borderwatch.config.default_language`)."""
    from borderwatch.config import default_language

    return lang or default_language(network.scenario.timezone)


def _risk_log_lines(summary: dict[str, Any], L: dict[str, str]) -> list[str]:
    """The line saying the risk weights came from the duty log (``plan --risk-from-log``)."""
    risk = summary.get("risk_from_log")
    if not risk:
        return []
    return [
        L["risk_log_line"].format(
            log=risk["log"],
            nights=risk["nights"],
            first=risk["first_night"] or "-",
            last=risk["last_night"] or "-",
            incidents=risk["incidents"],
            low=f"{risk['weights'][0]:.2f}",
            high=f"{risk['weights'][1]:.2f}",
        )
    ]


def report_text(
    network: PatrolNetwork,
    plan: PatrolPlan,
    summary: dict[str, Any],
    *,
    lang: str | None = None,
    replan: bool = False,
) -> str:
    """The planners' short text report (its figures are those of ``plan.json``).

    Parameters
    ----------
    network, plan
        The plan.
    summary
        Its figures (:func:`plan_summary`).
    lang
        ``"zh"`` or ``"en"`` (default: the scenario's language,
        :func:`report_language`); every word from :data:`borderwatch.i18n.REPORT`.
    replan
        The report of a re-plan: its title says so and the teams' first column
        is the loop start at the cut (they are out already), not leave base.

    Returns
    -------
    str
        The report, a line each, ending in a newline.
    """
    lang = report_language(network, lang)
    L = report_labels(lang)
    night = L["starting"].format(night=summary["night"]) if summary.get("night") else ""
    lines = [
        L["title_replan" if replan else "title"].format(
            title=network.scenario.title or network.scenario.name
        ),
        L["night"].format(
            start=network.config.night_start,
            end=network.config.night_end,
            starting=night,
            seed=plan.seed,
        ),
        *_risk_log_lines(summary, L),
        "",
        f"{pad(L['col_team'], 6)} {pad(L['col_vehicle'], 11)} "
        f"{pad(L['col_start' if replan else 'col_leave'], 10, '>')} "
        f"{pad(L['col_loop_km'], 8, '>')} {pad(L['col_loop_min'], 9, '>')} "
        f"{pad(L['col_service_km'], 10, '>')}  {L['col_loops']}",
    ]
    lines += _route_lines(summary["routes"], _loop_texts(network, plan, lang), lang)
    if not replan:
        lines += _variants_note(summary["routes"], lang)
    lines += [
        "",
        L["teams_line"].format(
            n=summary["teams_on_patrol"],
            total=summary["teams"],
            short=fmt_min(summary["shortest_loop_min"]),
            long=fmt_min(summary["max_loop_min"]),
        ),
        L["minmax_line"].format(
            mm=fmt_min(summary["minmax_loop_min"]),
            bound=fmt_min(summary["bound_min"]),
            gap=fmt_pct(summary["opt_gap_pct"]),
        ),
    ]
    if summary.get("bound_stopped_by_time"):
        lines.append(L["bound_time_line"])
    if summary.get("loops") == "circuit":  # the rule is said where the loops are judged
        lines.append(
            L["circuit_line"].format(
                approach=fmt_min(max((r["approach_min"] for r in summary["routes"]), default=0.0)),
                limit=fmt_min(summary["max_approach_min"]),
            )
        )
    lines += _revisit_lines(network, summary, lang)
    # the modelled and the official border length side by side, and why they differ
    border_line = border_lengths_text(border_lengths(network), lang=lang)
    if border_line:
        lines.append(border_line)
    if plan.instance.unreachable:
        lines.append(_unreachable_line(network, plan, lang))
    if "sectors" in summary:  # a plan made in sectors (borderwatch.plan.sectors)
        lines += _sector_lines(summary["sectors"], lang)
    stretches = _stretches(network, plan, lang)
    if stretches:
        lines += ["", L["stretches_head"], *stretches]
    lines.append("")
    for key, when in (("coverage_before", "before"), ("coverage_after", "after")):
        if key in summary:
            c = summary[key]
            lines.append(
                L["coverage_line"].format(
                    when=L[when],
                    criterion=criterion_text(c["criterion"], lang),
                    watched=fmt_pct(c["watched_pct"]),
                    gap=fmt_km(c["gap_km"]),
                    n=c["n_gaps"],
                )
            )
    lines += _target_section(summary, network, lang)
    if summary.get("detection"):  # issue #25: the chance a crossing is seen
        from borderwatch.plan.odds import report_lines

        lines += ["", *report_lines(summary["detection"], lang=lang)]
    return "\n".join(lines) + "\n"


def _loop_texts(network: PatrolNetwork, plan: PatrolPlan, lang: str) -> dict[str, str]:
    """Each patrolling team's loop column in ``lang`` (:meth:`~borderwatch.plan.laps.Laps.text`)."""
    window = network.config.night_minutes
    start = network.config.night_start_min
    return {
        r.team: laps(r.loop_s / 60.0, window, _on_loop(plan, r)).text(start, lang=lang)
        for r in plan.routes
        if r.on_patrol and r.loop_s > 0
    }


def _variants_note(routes: list[dict[str, Any]], lang: str) -> list[str]:
    """One line under the route table when the roster may draw other variants than the base.

    The table's leave-base times are those of each team's first variant (``plan.json``
    ``routes[].leave_base``); a team with several variants may leave at another time on a
    night the roster gives it another one, so the report says where that night's time is.
    """
    several = [r for r in routes if len(r.get("variants") or []) > 1]
    if not several:
        return []
    base = str(several[0]["variants"][0]["variant"])  # an id, e.g. "T01-f0"
    return [report_labels(lang)["variants_note"].format(base=base)]


def _route_lines(routes: list[dict[str, Any]], loops: dict[str, str], lang: str) -> list[str]:
    """The report's route table, one line per team, then the standby warning."""
    L = report_labels(lang)
    lines = []
    standby = []
    for r in routes:
        # the profile id in English (as plan.json has it), its word in Chinese
        vehicle = pad(r["vehicle"] if lang == "en" else term(VEHICLE, r["vehicle"], lang), 11)
        if r["status"] != "patrol":
            standby.append(r)
            lines.append(
                f"{r['team']:<6} {vehicle} {pad(L['standby'], 10, '>')}  "
                f"{plan_note(r['standby_reason'], lang)}"
            )
            continue
        how = loops.get(r["team"], r["start_times"])
        if r["role"] and r["role"] != "min-max":
            how += L["role"].format(role=role_text(r["role"], lang))
        if r["note"]:
            how += L["note"].format(note=plan_note(r["note"], lang))
        lines.append(
            f"{r['team']:<6} {vehicle} {r['leave_base']:>10} {fmt_km(r['loop_km'], ''):>8} "
            f"{fmt_min(r['loop_min'], ''):>9} {fmt_km(r['service_km'], ''):>10}  {how}"
        )
    if standby:
        lines += [
            "",
            L["standby_warning"].format(n=len(standby))
            + L["sep"].join(
                L["team_reason"].format(team=r["team"], reason=plan_note(r["standby_reason"], lang))
                for r in standby
            ),
        ]
    return lines


def _revisit_lines(network: PatrolNetwork, summary: dict[str, Any], lang: str) -> list[str]:
    """Worst and mean revisit, never-passed, patrolled share and required roads."""
    L = report_labels(lang)
    at = summary.get("worst_revisit_at")
    where = (
        L["worst_where"].format(
            a=fmt_km(at["start_km"], ""),
            b=fmt_km(at["end_km"], ""),
            what=L["list_sep"].join(
                x
                for x in (
                    _name(at["township"]),
                    L["list_sep"].join(at["teams"]) or L["no_team"],
                )
                if x
            ),
        )
        if at
        else ""
    )
    window = window_text(summary.get("revisit_window", _window(network)), lang)
    lines = [
        L["worst_line"].format(
            worst=fmt_min(summary["worst_revisit_min"]), window=window, where=where
        ),
        L["mean_line"].format(mean=fmt_min(summary["mean_revisit_min"])),
    ]
    never = summary["never_passed"]
    if never["km"] > 0:
        lines.append(
            L["never_line"].format(km=fmt_km(never["km"]), why=plan_note(never["why"], lang))
        )
    req = summary["required_roads"]
    lines += [
        L["patrolled_line"].format(
            km=fmt_km(summary["patrolled_km"], ""),
            border=fmt_km(summary["border_km"]),
            pct=fmt_pct(summary["patrolled_pct"]),
        ),
        L["required_line"].format(
            edges=req["edges"],
            links=req["links"],
            drive=fmt_min(req["drive_min"]),
            method=term(METHOD, req["method"], lang),
            gap=fmt_pct(req["gap_pct"]),
        ),
    ]
    return lines


def _unreachable_line(network: PatrolNetwork, plan: PatrolPlan, lang: str) -> str:
    """The required roads no team can reach: links and km."""
    km = (
        sum(
            network.edges["length"].iat[e] for link in plan.instance.unreachable for e in link.edges
        )
        / 1000
    )
    return report_labels(lang)["unreachable_line"].format(
        links=len(plan.instance.unreachable), km=f"{km:.1f}"
    )


def _sector_lines(sec: dict[str, Any], lang: str) -> list[str]:
    """A plan made in sectors: the split's bound, its losses and one line per sector."""
    L = report_labels(lang)
    lines = [
        "",
        L["sectors_head"].format(
            n=sec["n_sectors"],
            s="s" if sec["n_sectors"] != 1 else "",
            bound=f"{sec['sector_bound_min']:.1f} min",
            gap=f"{sec['sector_gap_pct']:.1f} %",
        ),
    ]
    if sec.get("lost_units"):
        lines.append(L["sectors_lost"].format(km=f"{sec['lost_km']:.1f} km", n=sec["lost_units"]))
    for s in sec["sectors"]:
        lines.append(
            L["sector_line"].format(
                k=s["sector"] + 1,
                a=f"{s['start_km']:.1f}",
                b=f"{s['end_km']:.1f}",
                teams=len(s["teams"]),
                loop=f"{s['max_loop_min']:.1f} min",
                bound=f"{s['bound_min']:.1f} min",
                gap=f"{s['opt_gap_pct']:.1f} %",
                worst=f"{s['worst_revisit_min']:.1f} min",
            )
        )
    return lines


def _window(network: PatrolNetwork) -> str:
    return f"{network.config.night_start}-{network.config.night_end}"


def _target_section(summary: dict[str, Any], network: PatrolNetwork, lang: str) -> list[str]:
    """Targets met or not (where and by how much), and what the two coverage shares mean."""
    from borderwatch.coverage.gaps import target_lines

    L = report_labels(lang)
    check = (summary.get("coverage_after") or {}).get("target_check")
    out: list[str] = []
    if check:
        window = window_text(summary.get("revisit_window", _window(network)), lang)
        out += [
            "",
            L["targets"],
            *(f"  {x}" for x in target_lines(check, window=window, lang=lang)),
        ]
    if "coverage_after" in summary:
        out += ["", L["terms_note"]]
    return out


def _night_start(network: PatrolNetwork, night: date) -> datetime:
    return network.config.night.start_at(night, network.scenario.timezone)


def _team_track(
    plan: PatrolPlan,
    team: str,
    lonlat: np.ndarray,
    shapes: dict[tuple[int, bool], _Shape],
    timeline: PatrolTimeline | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lon, lat and minutes from the window start of every point a team drives in the window.

    Built from the plan's timeline (the same traversals the coverage counts; or
    ``timeline``, a variant's night), each edge's vertices timed linearly by
    distance along it; a traversal under way at the window end is cut there, so
    no point lies outside the window. ``shapes`` caches each (edge, direction)'s
    vertices and distance fractions: a loop drives the same edges every lap.
    """
    timeline = plan.schedule.timeline if timeline is None else timeline
    trav = timeline.traversals
    rows = trav[trav["team"] == team]
    window = timeline.window_min
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    ts: list[np.ndarray] = []
    for e, t0, t1, fwd in zip(
        rows["edge"].to_numpy(),
        rows["t_start"].to_numpy(),
        rows["t_end"].to_numpy(),
        rows["forward"].to_numpy(),
        strict=True,
    ):
        x, y, frac = _shape(shapes, lonlat, e, fwd)
        t = t0 + frac * (t1 - t0)
        if t1 > window:  # under way at the window end: cut the edge there
            keep = t < window
            xe, ye = np.interp(window, t, x), np.interp(window, t, y)
            x, y, t = np.r_[x[keep], xe], np.r_[y[keep], ye], np.r_[t[keep], window]
        first = 1 if xs else 0  # the previous edge ended on this point
        xs.append(x[first:])
        ys.append(y[first:])
        ts.append(t[first:])
    if not xs:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)


_Shape = tuple[np.ndarray, np.ndarray, np.ndarray]


def _approach_track(
    network: PatrolNetwork,
    route: TeamRoute,
    lonlat: np.ndarray,
    shapes: dict[tuple[int, bool], _Shape],
    on_min: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lon, lat and minutes (negative: before the window) of the drive from the base to the loop.

    The start of every plan's GPX track (:func:`_night_track`): its first point is the
    base, its last the loop's start at ``on_min`` (the plan's own schedule: the window
    start, minute 0; a phased variant: ``-phase_min``).
    """
    secs = network.edge_seconds(route.vehicle)
    xs, ys, ts = _drive(route.approach, on_min - route.approach_s / 60.0, secs, lonlat, shapes)
    t = np.concatenate(ts)
    t[-1] = on_min  # the loop starts at on_min (the sum of the steps, rounded)
    return np.concatenate(xs), np.concatenate(ys), t


def _edge_shape(line: Any, *, forward: bool) -> _Shape:
    """Lon, lat and fraction of the length along ``line`` of each vertex, in driving direction."""
    coords = np.asarray(line.coords)
    if not forward:
        coords = coords[::-1]
    seg = np.r_[0.0, np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]
    frac = seg / seg[-1] if seg[-1] > 0 else np.linspace(0.0, 1.0, len(seg))
    return coords[:, 0], coords[:, 1], frac


@dataclasses.dataclass
class _Track:
    """A team's GPX track: gpxpy's track without its points, and the points (rendered once).

    gpxpy renders a point through its generic field machinery, ~15 µs each; a Ningming
    plan has 57,000 points, written twice (``routes.gpx`` and ``gpx/<team>.gpx``). The
    points' XML is rendered here with gpxpy's own formatters (:func:`gpxpy.utils.make_str`
    for the coordinates, :func:`gpxpy.gpxfield.format_time` for the times) in gpxpy's
    layout, so the files are the same bytes (tests/planfiles/test_gpx_writer.py).
    """

    head: Any  # gpxpy.gpx.GPXTrack, its one segment empty
    lat: list[float]
    lon: list[float]
    times: list[datetime]
    _xml: dict[str, str] = dataclasses.field(default_factory=dict)

    def points_xml(self, indent: str) -> str:
        """The points as gpxpy writes them, each ``<trkpt>`` indented by ``indent``."""
        if indent not in self._xml:
            from gpxpy.gpxfield import format_time
            from gpxpy.utils import make_str

            inner = indent + "  "
            # typed for str only; floats are what it formats for gpxpy, and a zero
            # coordinate is the int 0 there (GPXTrackPoint stores ``latitude or 0``)
            text: Any = make_str
            self._xml[indent] = "\n".join(
                f'{indent}<trkpt lat="{text(a or 0)}" lon="{text(o or 0)}">\n'
                f"{inner}<time>{format_time(t)}</time>\n{indent}</trkpt>"
                for a, o, t in zip(self.lat, self.lon, self.times, strict=True)
            )
        return self._xml[indent]


def _gpx_tracks(network: PatrolNetwork, plan: PatrolPlan, night: date) -> dict[str, _Track]:
    """One GPX track per team on patrol, named ``"<team id> <name>"``: its whole night, timed.

    One ``<trkseg>``, driven without a break: the drive out (the plan's
    ``approach``, from the base, first point at ``leave_base``; none in a
    re-plan, whose team is out already), every loop of the window, then the
    drive home (the road under way at the window end finished, then the
    shortest drive to the base, :func:`~borderwatch.plan.duty.drive_home`; last
    point at ``back_base``). The times are the plan's own schedule (variant
    ``-f0``, as ``report.txt``). The description and ``<extensions><color>``
    carry the team's colour (the same as ``plan.json``, the map and the briefing).

    Built once and shared by ``routes.gpx`` and the per-team files (:func:`_gpx`).
    """
    import gpxpy.gpx

    from borderwatch.plan.duty import drive_home

    t0 = _night_start(network, night)
    lonlat = network.edges.to_crs("EPSG:4326").geometry.to_numpy()
    shapes: dict[tuple[int, bool], _Shape] = {}
    tracks: dict[str, _Track] = {}
    styles = scenario_styles(network)
    for route in plan.routes:
        if not route.on_patrol:
            continue
        track = gpxpy.gpx.GPXTrack(name=f"{route.team} {network.teams.loc[route.team, 'name']}")
        fit = laps(route.loop_s / 60.0, float(network.config.night_minutes), _on_loop(plan, route))
        colour, dash = styles[route.team]
        home = drive_home(network, plan, route)
        track.description = _night_description(
            network, route, home, fit, network.config.night_start, (colour, dash)
        )
        x, y, t, ends = _night_track(network, plan, route, home, lonlat, shapes)
        tracks[route.team] = _timed_track(track, colour, x, y, t, t0, ends=ends)
    return tracks


def _night_description(
    network: PatrolNetwork,
    route: TeamRoute,
    home: HomeDrive,
    fit: Laps,
    start: str,
    style: tuple[str, str],
    card: str = "",
) -> str:
    """A whole-night track's description: leave base, the loops from ``start``, back at base.

    The duty is ``home.duty`` (a variant's: its loop, leave base and back at base);
    ``card``: a drawn detour's sentence (:func:`~borderwatch.plan.variants.detour_card`).
    """
    clock = network.config.clock
    colour, dash = style
    return (
        f"team {route.team}, {route.vehicle}: leave base {clock(home.duty.leave_base_min)}, "
        f"loop {fmt_min(fit.loop_min)}, "
        f"{fit.full} loops"
        + (f" + 1 partial of {fmt_min(fit.partial_min)}" if fit.partial_min > 0 else "")
        + f" from {start} to {network.config.night_end}, "
        f"back at base {clock(home.duty.back_base_min)} ({home.duty.variant}); "
        + (f"{card}; " if card else "")
        + f"colour {colour}"
        + (f", dash {dash}" if dash else ", solid")
    )


def _night_track(
    network: PatrolNetwork,
    plan: PatrolPlan,
    route: TeamRoute,
    home: HomeDrive,
    lonlat: np.ndarray,
    shapes: dict[tuple[int, bool], _Shape],
    timeline: PatrolTimeline | None = None,
    variant: RouteVariant | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[bool, bool]]:
    """Lon, lat and minutes of a crew's whole night on one variant, and whether its ends are timed.

    The one track of the plan's own schedule (:func:`_gpx_tracks`, ``timeline`` and
    ``variant`` None) and of a drawn detour (:func:`_detour_tracks`, the variant's
    timeline): the drive out (the plan's ``approach``, ending when the loop starts,
    ``home.duty.on_loop_min``; none in a re-plan, whose team is out already), the
    loop driven before the window start (a phased variant starts it ``phase_min``
    early; the timeline holds the window only), the window's loops, then the drive
    home (:func:`_home_track`). ``ends``: the first point is leave base and the last
    back at base (for :func:`_timed_track`).
    """
    x, y, t = _team_track(plan, route.team, lonlat, shapes, timeline)
    on = home.duty.on_loop_min
    out = bool(route.approach) and plan.schedule.set_out(route.team) is None
    head = _approach_track(network, route, lonlat, shapes, on) if out else None
    # the loop's steps begun before the window start (its timeline leaves them out)
    secs = network.edge_seconds(route.vehicle)
    steps = () if variant is None else variant_steps(route, variant)
    begun = on + np.r_[0.0, np.cumsum([float(secs[e]) / 60.0 for e, _ in steps])][: len(steps)]
    early = steps[: int(np.count_nonzero(begun < t[0] - 1e-6))] if len(t) else ()
    xs, ys, ts = ([head[0]], [head[1]], [head[2]]) if head is not None else ([], [], [])
    px, py, pt = _drive(early, on, secs, lonlat, shapes, joined=head is not None)
    xs, ys, ts = xs + px, ys + py, ts + pt
    if xs:  # the window's first point is where the drive out or the early loop ends
        x, y, t = np.r_[*xs, x[1:]], np.r_[*ys, y[1:]], np.r_[*ts, t[1:]]
    hx, hy, ht = _home_track(network, route, home, lonlat, shapes)
    x, y, t = np.r_[x, hx], np.r_[y, hy], np.r_[t, ht]
    return x, y, t, (out or bool(early) or not t[0], home.reached and len(ht) > 0)


def _home_track(
    network: PatrolNetwork,
    route: TeamRoute,
    home: HomeDrive,
    lonlat: np.ndarray,
    shapes: dict[tuple[int, bool], _Shape],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lon, lat and minutes of the drive home, after the track's point at the window end.

    The rest of ``home.step`` (the road under way, cut at the window end by
    :func:`_team_track`), then ``home.path``; the last point is the base at
    ``home.back_min``, the time ``back_base`` rounds up. A base the team cannot
    reach (``back_base`` then counts the approach's time): the track ends with the
    road under way.
    """
    window = home.duty.off_loop_min
    secs = network.edge_seconds(route.vehicle)
    e, fwd = home.step
    x, y, frac = _shape(shapes, lonlat, e, fwd)
    dt = float(secs[e]) / 60.0
    f_end = 1.0 - home.rest_min / dt if dt > 0 else 1.0
    ahead = frac > f_end + 1e-12  # the vertices still to drive on the road under way
    if home.rest_min > 0:
        ahead[-1] = True  # its end, even when the cut fell a rounding short of it
    xs, ys, ts = [x[ahead]], [y[ahead]], [window + (frac[ahead] - f_end) * dt]
    px, py, pt = _drive(home.path, window + home.rest_min, secs, lonlat, shapes, joined=True)
    xs, ys, ts = xs + px, ys + py, ts + pt
    t = np.concatenate(ts)
    if home.reached and len(t):
        t[-1] = home.back_min  # the sum of the steps, rounded: back_base's own figure
    elif not home.reached:
        logger.warning(
            "%s cannot reach its base from where it is at the window end: its GPX track "
            "ends there, back at base counts the approach's time",
            route.team,
        )
    return np.concatenate(xs), np.concatenate(ys), t


def _drive(
    steps: Sequence[tuple[int, bool]],
    t_at: float,
    secs: np.ndarray,
    lonlat: np.ndarray,
    shapes: dict[tuple[int, bool], _Shape],
    *,
    joined: bool = False,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Lon, lat and minutes of the vertices of driving ``steps`` from minute ``t_at``, per step.

    Each step's first vertex is the previous step's last and is left out; ``joined``:
    the first step's too (the track already ends on it).
    """
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    ts: list[np.ndarray] = []
    for e, fwd in steps:
        x, y, frac = _shape(shapes, lonlat, e, fwd)
        dt = float(secs[int(e)]) / 60.0
        first = 1 if xs or joined else 0
        xs.append(x[first:])
        ys.append(y[first:])
        ts.append(t_at + frac[first:] * dt)
        t_at += dt
    return xs, ys, ts


def _shape(shapes: dict[tuple[int, bool], _Shape], lonlat: np.ndarray, e: int, fwd: bool) -> _Shape:
    """:func:`_edge_shape` of ``(e, fwd)``, cached in ``shapes``."""
    key = (int(e), bool(fwd))
    shape = shapes.get(key)
    if shape is None:
        shape = shapes[key] = _edge_shape(lonlat[key[0]], forward=key[1])
    return shape


def _timed_track(
    head: Any,
    colour: str,
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    t0: datetime,
    *,
    ends: tuple[bool, bool] = (False, False),
) -> _Track:
    """A track with its points: ``head`` (a gpxpy track) gets the colour and one segment.

    The scenario-fixed colour goes to ``<extensions><color>`` for GPX viewers;
    coordinates are rounded to 1e-7 degrees, times (minutes after ``t0``) to 0.1 s.
    ``ends``: whether the first time is rounded down and the last up (to 0.1 s),
    so that they floor and ceil to the minute as leave base and back at base do
    (:mod:`borderwatch.plan.duty`).
    """
    import gpxpy.gpx

    ext = ElementTree.Element("color")
    ext.text = colour
    head.extensions = [ext]
    head.number = None
    head.segments.append(gpxpy.gpx.GPXTrackSegment())
    secs = np.round(t * 60.0, 1).tolist()
    if ends[0] and secs:
        secs[0] = math.floor((float(t[0]) + 1e-9) * 600.0) / 10.0
    if ends[1] and secs:
        secs[-1] = math.ceil((float(t[-1]) - 1e-9) * 600.0) / 10.0
    return _Track(
        head=head,
        lat=np.round(y, 7).tolist(),
        lon=np.round(x, 7).tolist(),
        times=[t0 + timedelta(seconds=s) for s in secs],
    )


def _detour_tracks(
    network: PatrolNetwork,
    plan: PatrolPlan,
    night: date,
    variants: Mapping[str, Sequence[RouteVariant]],
) -> dict[str, _Track]:
    """One GPX track per drawn-detour variant, keyed by variant id: the night its crew drives.

    The variant's whole night as the plan's own tracks are built
    (:func:`_night_track`): the drive out from the variant's ``leave_base``, its
    walk (turn-back, direction and phase, :func:`borderwatch.plan.odds.variant_timeline`;
    the loop begun ``phase_min`` before the window start), the drive home to its
    ``back_base`` (:func:`~borderwatch.plan.duty.drive_home` of the variant: the
    road under way on the detoured walk). The description says both times and
    holds the crew's card (:func:`borderwatch.plan.variants.detour_card`); the
    colour is the team's.
    """
    teams = [r.team for r in plan.routes if r.on_patrol and r.steps]
    chosen = [v for team in teams for v in variants.get(team, ()) if v.detour is not None]
    return _variant_tracks(network, plan, night, chosen)


def _variant_tracks(
    network: PatrolNetwork, plan: PatrolPlan, night: date, chosen: Sequence[RouteVariant]
) -> dict[str, _Track]:
    """The whole-night track of each variant of ``chosen`` (:func:`_detour_tracks`), by variant id."""
    import gpxpy.gpx

    from borderwatch.plan.duty import drive_home
    from borderwatch.plan.odds import variant_timeline
    from borderwatch.plan.variants import detour_card

    by_team = {r.team: r for r in plan.routes if r.on_patrol and r.steps}
    if not chosen:
        return {}
    t0 = _night_start(network, night)
    lonlat = network.edges.to_crs("EPSG:4326").geometry.to_numpy()
    shapes: dict[tuple[int, bool], _Shape] = {}
    styles = scenario_styles(network)
    window = plan.schedule.timeline.window_min
    clock = network.config.clock
    tracks: dict[str, _Track] = {}
    for v in chosen:
        route = by_team[v.team]
        track = gpxpy.gpx.GPXTrack(name=f"{v.variant} {network.teams.loc[v.team, 'name']}")
        home = drive_home(network, plan, route, v)
        on = home.duty.on_loop_min
        fit = laps(home.duty.loop_min, float(network.config.night_minutes), on)
        card = detour_card(network, route, v)
        track.description = _night_description(
            network, route, home, fit, clock(on), styles[v.team], card
        )
        timeline = variant_timeline(network, [route], {v.team: v}, window)
        x, y, t, ends = _night_track(network, plan, route, home, lonlat, shapes, timeline, v)
        tracks[v.variant] = _timed_track(track, styles[v.team][0], x, y, t, t0, ends=ends)
    return tracks


def drawn_variant_gpx(
    network: PatrolNetwork,
    plan: PatrolPlan,
    plan_file: PlanFile,
    drawn: Mapping[str, str],
    *,
    night: date,
) -> dict[str, str]:
    """Each crew's GPX of the route variant drawn for it: its whole night on that variant.

    The track is built as every plan track is (:func:`_night_track`): the drive out
    from the variant's ``leave_base``, its loop (direction, phase, turn-back) begun
    when the variant starts it, the window, the drive home to its ``back_base``;
    named ``"<variant id> <team name>"``, described with both times.

    Parameters
    ----------
    network, plan
        The plan's network and the plan (:func:`borderwatch.planfiles.reload.load_plan`).
    plan_file
        Its ``plan.json`` (the listed variants: phase, direction, detour).
    drawn
        Team id -> the variant id drawn for it (e.g. a roster's night); a team on
        standby or a variant ``plan.json`` does not list is left out.
    night
        The date the night starts on (GPX times are absolute).

    Returns
    -------
    dict
        Team id -> the GPX file's text, in ``drawn`` order.
    """
    by_team = {r.team: r for r in plan.routes if r.on_patrol and r.steps}
    chosen: list[RouteVariant] = []
    for team, code in drawn.items():
        listed = plan_file.route(team)
        entry = listed.variant(code) if listed is not None else None
        if team in by_team and entry is not None:
            chosen.append(_route_variant(by_team[team], entry))
    tracks = _variant_tracks(network, plan, night, chosen)
    return {v.team: _gpx(tracks, [v.variant]) for v in chosen}


def _route_variant(route: TeamRoute, entry: PlanVariant) -> RouteVariant:
    """The variant a ``plan.json`` entry lists, its phase unrounded where the route gives it.

    ``plan.json`` rounds ``phase_min`` to 0.001 min; the route's own variants (plain:
    :func:`route_variants`; a detour: :func:`~borderwatch.plan.variants.detour_variants`
    of its stretch) with the phase count that puts the entry's phase index at its phase
    give the exact phase, so the duty times are plan.json's to the minute.
    """
    import re

    from borderwatch.plan.variants import RouteVariant, detour_variants

    def pool(n: int | None) -> list[RouteVariant]:
        if entry.detour is None:
            return route_variants(route, n)
        return detour_variants(route, [entry.detour], n)

    index = re.search(r"(\d+)$", entry.variant)
    j = int(index.group(1)) if index else 0
    loop = pool(1)[0].loop_min
    n = round(loop * j / entry.phase_min) if j > 0 and entry.phase_min > 0 else None
    for v in pool(n) if n is None or n > j else ():
        mine = v.reverse == entry.reverse and v.variant.endswith(f"{'r' if v.reverse else 'f'}{j}")
        if mine and abs(v.phase_min - entry.phase_min) < 1e-3:
            return dataclasses.replace(v, variant=entry.variant)
    loop = route.loop_s / 60.0 if entry.loop_min is None else float(entry.loop_min)
    return RouteVariant(
        route.team, entry.variant, entry.reverse, entry.phase_min, loop, entry.detour
    )


def _gpx(tracks: dict[str, _Track], teams: list[str] | None = None) -> str:
    """The GPX file of ``tracks`` (of ``teams``, default all, in plan order).

    gpxpy writes the document with one stand-in point per non-empty segment (the
    header, names, descriptions, extensions: gpxpy's bytes); each stand-in is then
    replaced by the track's points (:meth:`_Track.points_xml`).
    """
    import re

    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "borderwatch"
    chosen = [tr for team, tr in tracks.items() if teams is None or team in teams]
    for tr in chosen:
        (segment,) = tr.head.segments
        segment.points = [gpxpy.gpx.GPXTrackPoint(0.0, 0.0)] if tr.lat else []
        gpx.tracks.append(tr.head)
    try:
        skeleton = gpx.to_xml()
    finally:
        for tr in chosen:
            tr.head.segments[0].points = []
    filled = iter([tr for tr in chosen if tr.lat])
    return re.sub(
        r"([ \t]*)<trkpt [^>]*>.*?</trkpt>",  # the skeleton's points are all stand-ins
        lambda m: next(filled).points_xml(m.group(1)),
        skeleton,
        flags=re.DOTALL,
    )


def write_plan_tracks(
    network: PatrolNetwork, plan: PatrolPlan, out_dir: str | Path, *, night: date
) -> None:
    """Write ``routes.geojson``, ``routes.gpx`` and ``gpx/<team>.gpx`` of ``plan`` into ``out_dir``.

    The tracks of :func:`write_plan_files` (which calls this unless told not to):
    they depend on the plan and the night only, not on the coverage or the odds.

    Parameters
    ----------
    network, plan
        What to write.
    out_dir
        Output folder (created if missing).
    night
        The date the night window starts on (GPX times are absolute).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frame = routes_frame(network, plan).to_crs("EPSG:4326")
    frame["geometry"] = frame.geometry.set_precision(1e-6)
    with atomic_file(out / "routes.geojson") as tmp:
        frame.to_file(tmp, driver="GeoJSON", layer="routes")
    tracks = _gpx_tracks(network, plan, night)
    write_text(out / "routes.gpx", _gpx(tracks))
    teams_dir = out / "gpx"
    teams_dir.mkdir(exist_ok=True)
    for team in tracks:
        # the one way an id becomes a file name: never a path (issue #22)
        write_text(teams_dir / safe_name(team, ".gpx", what="team id"), _gpx(tracks, [team]))


def write_plan_files(
    network: PatrolNetwork,
    plan: PatrolPlan,
    out_dir: str | Path,
    *,
    night: date,
    extra: dict[str, Any] | None = None,
    cut: tuple[date, NightWindow, float] | None = None,
    lang: str | None = None,
    variants: Mapping[str, Sequence[RouteVariant]] | None = None,
    tracks: bool = True,
    figures_ready: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Write ``routes.geojson``, ``routes.gpx``, ``plan.json`` and ``report.txt`` into ``out_dir``.

    Parameters
    ----------
    network, plan
        What to write.
    out_dir
        Output folder (created if missing).
    night
        The date the night window starts on (GPX times are absolute).
    extra
        More top-level entries for ``plan.json`` (``coverage_before``,
        ``coverage_after``: coverage summaries, also shown in the report).
    cut
        For a re-plan (``network`` runs from the cut): ``(night, window,
        cut_min)`` of the night it cuts; ``plan.json`` keeps that night and
        window and records the cut (:attr:`PlanFile.cut_min`); ``report.txt``
        is then the re-plan's (:func:`report_text` ``replan``).
    lang
        Language of ``report.txt`` (default: the scenario's, :func:`report_language`).
    variants
        Team id -> its route variants, when the roster may draw more than the
        loop's directions and phases: drawn detours (``plan --detours``, issue
        #25). Each is listed in ``plan.json`` with its duty times, and each
        drawn detour gets its own track, ``gpx/variants/<variant>.gpx``. Default:
        ``route_variants`` of every loop (no detour, no variant files).
    tracks
        Also write the tracks (:func:`write_plan_tracks`: ``routes.geojson``,
        ``routes.gpx``, ``gpx/<team>.gpx``); False when another process writes them
        (the plan job's :class:`~borderwatch.jobs.beside.FilesBeside`). The drawn
        detours' tracks are written here in any case.
    figures_ready
        Called with ``plan.json``'s figures (:func:`plan_summary`: the returned dict's
        values but for the routes, which gain their duty times) before the files are
        written: the plan job hands them to the map's process, which draws the map
        while this one writes.

    Returns
    -------
    dict
        The plan summary as written to ``plan.json``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = plan_summary(network, plan, {**(extra or {}), "night": night.isoformat()})
    # embedded scenarios by name, folders relative to the output folder (portable)
    summary["source"] = source_record(network.scenario.source, out_dir)
    if figures_ready is not None:
        figures_ready(summary)
    if tracks:
        write_plan_tracks(network, plan, out, night=night)
    teams_dir = out / "gpx"
    detour_tracks = _detour_tracks(network, plan, night, variants or {})
    if detour_tracks:
        (teams_dir / "variants").mkdir(parents=True, exist_ok=True)
    for code in detour_tracks:
        path = teams_dir / "variants" / safe_name(code, ".gpx", what="variant id")
        write_text(path, _gpx(detour_tracks, [code]))
    written = plan_file(network, plan, summary, night=night, variants=variants)
    if cut is not None:
        written = dataclasses.replace(
            written, night=cut[0], night_window=cut[1], cut_min=round(cut[2], 3)
        )
    written.write(out / "plan.json")
    write_text(
        out / "report.txt",
        report_text(network, plan, summary, lang=lang, replan=cut is not None),
    )
    return written.to_dict()


def plan_file(
    network: PatrolNetwork,
    plan: PatrolPlan,
    summary: dict[str, Any],
    *,
    night: date,
    variants: Mapping[str, Sequence[RouteVariant]] | None = None,
) -> PlanFile:
    """The typed ``plan.json`` of ``plan`` for the night starting on ``night``.

    ``summary`` (:func:`plan_summary`) gives the figures; each route gets its
    start times and every variant's duty times (:mod:`borderwatch.plan.duty`)
    as local times of the scenario's zone, DST-correct. ``variants``: as for
    :func:`write_plan_files` (default ``route_variants`` of every loop).
    """
    from borderwatch.plan.duty import duty_times
    from borderwatch.planfiles.planfile import TYPED_FIELDS, PlanFile

    tz = network.scenario.timezone
    window = network.config.night
    duties = duty_times(network, plan, variants)
    routes = []
    for route, entry in zip(plan.routes, summary["routes"], strict=True):
        routes.append(_plan_route(entry, duties[route.team], window, night, tz, route.steps))
    figures = {k: v for k, v in summary.items() if k not in TYPED_FIELDS}
    return PlanFile(
        scenario=str(summary["scenario"]),
        night=night,
        night_window=window,
        timezone=tz,
        seed=int(summary["seed"]),
        routes=tuple(routes),
        figures=json.loads(json.dumps(figures, default=_json_default)),
    )


def _plan_route(
    entry: dict[str, Any],
    duties: list[DutyTimes],
    window: NightWindow,
    night: date,
    tz: str,
    steps: Sequence[tuple[int, bool]] = (),
) -> PlanRoute:
    """One route of the plan file: the summary's entry with ISO times and the variants' duties.

    ``steps`` (the loop) give a drawn detour's added steps.
    """
    from borderwatch.planfiles.planfile import PlanRoute, PlanVariant

    def at(offset_min: float) -> datetime:
        return window.at(offset_min, night, tz)

    variants = tuple(
        PlanVariant(
            variant=d.variant,
            reverse=d.reverse,
            phase_min=round(d.phase_min, 3),
            leave_base=at(d.leave_base_min),
            on_loop=at(round(d.on_loop_min)),
            loop_starts=tuple(at(round(t)) for t in d.loop_starts_min),
            off_loop=at(d.off_loop_min),
            back_base=at(d.back_base_min),
            detour=d.detour,
            detour_steps=()
            if d.detour is None
            else tuple((int(e), bool(f)) for e, f in detour_added_steps(tuple(steps), d.detour)),
            loop_min=None if d.detour is None else round(d.loop_min, 3),
        )
        for d in duties
    )
    own = variants[0] if variants else None  # variant f0: the plan's own schedule
    return PlanRoute(
        team=entry["team"],
        name=entry["name"],
        vehicle=entry["vehicle"],
        status=entry["status"],
        standby_reason=entry["standby_reason"],
        role=entry["role"],
        note=entry["note"],
        leave_base=own.leave_base if own else None,
        approach_min=entry["approach_min"],
        loop_km=entry["loop_km"],
        loop_min=entry["loop_min"],
        service_km=entry["service_km"],
        start_times=tuple(t for t in own.loop_starts if t >= at(0.0)) if own else (),
        approach=tuple((int(e), bool(f)) for e, f in entry["approach"]),
        steps=tuple((int(e), bool(f)) for e, f in entry["steps"]),
        service=tuple(entry["service"]),
        variants=variants,
        colour=entry.get("colour"),  # the scenario-fixed team colour (scenario_styles)
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
