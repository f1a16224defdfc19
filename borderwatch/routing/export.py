"""Write a :class:`~borderwatch.routing.plan.PatrolPlan` to files.

``routes.geojson`` (one feature per team, lon/lat), ``routes.gpx`` (one timed
track per team for handheld GPS, via gpxpy), ``plan.json`` (everything needed
to re-render or audit the plan) and ``report.txt`` (the planners' summary).
Every file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np

from borderwatch.atomic import atomic_file, write_text
from borderwatch.data.units import unit_runs
from borderwatch.routing.variants import route_variants

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.plan import PatrolPlan

__all__ = ["plan_summary", "routes_frame", "write_plan_files"]


def _hhmm(minutes: float) -> str:
    m = round(minutes) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _clock(network: PatrolNetwork, offset_min: float) -> str:
    start = network.config.night_start
    base = int(start[:2]) * 60 + int(start[3:])
    return _hhmm(base + offset_min)


def routes_frame(network: PatrolNetwork, plan: PatrolPlan) -> gpd.GeoDataFrame:
    """One row per team: ``team``, ``name``, ``vehicle``, ``loop_km``, ``loop_min``, ``start_times``, geometry (projected)."""
    rows = []
    phases = dict(zip(plan.schedule.teams, plan.schedule.phase_min, strict=True))
    for route in plan.routes:
        loop_min = route.loop_s / 60.0
        if route.team in phases and loop_min > 0:
            first = -phases[route.team]
            n_loops = math.ceil((network.config.night_minutes - first) / loop_min - 1e-9)
            if n_loops <= 6:
                start_times = ", ".join(
                    _clock(network, first + i * loop_min) for i in range(n_loops)
                )
            else:
                start_times = (
                    f"{_clock(network, first)}, then every {loop_min:.0f} min ({n_loops} loops)"
                )
        else:
            start_times = ""
        rows.append(
            {
                "team": route.team,
                "name": str(network.teams.loc[route.team, "name"]),
                "vehicle": route.vehicle,
                "loop_km": round(route.length_m(network) / 1000.0, 3),
                "loop_min": round(loop_min, 2),
                "start_times": start_times,
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
                "geometry": route.geometry(network),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=network.crs)


def plan_summary(
    network: PatrolNetwork, plan: PatrolPlan, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The plan's figures as JSON-ready values."""
    scn = network.scenario
    watched_by_route = plan.revisits["n_passes"].to_numpy() > 0
    lengths = network.units["length_m"].to_numpy()
    out: dict[str, Any] = {
        "scenario": scn.name,
        "source": str(scn.source) if scn.source else None,
        "seed": plan.seed,
        "night_window": [network.config.night_start, network.config.night_end],
        "teams": len(plan.routes),
        "max_loop_min": round(plan.max_loop_min, 2),
        "bound_min": round(plan.bound_min, 2),
        "gap_pct": round(plan.gap_pct, 2),
        "total_loop_min": round(plan.result.total_cost / 60.0, 2),
        "worst_revisit_min": round(float(plan.schedule.worst_revisit_min), 2),
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
    frame = routes_frame(network, plan)
    for route, row in zip(plan.routes, frame.itertuples(), strict=True):
        out["routes"].append(
            {
                "team": route.team,
                "name": row.name,
                "vehicle": route.vehicle,
                "loop_km": row.loop_km,
                "loop_min": row.loop_min,
                "service_km": row.service_km,
                "start_times": row.start_times,
                "steps": [[int(e), bool(f)] for e, f in route.steps],
                "variants": [
                    {"variant": x.variant, "reverse": x.reverse, "phase_min": round(x.phase_min, 3)}
                    for x in route_variants(route)
                ],
            }
        )
    out.update(extra or {})
    return out


def _stretches(network: PatrolNetwork, plan: PatrolPlan) -> list[str]:
    units = network.units
    bad = np.zeros(len(units), dtype=bool)
    bad[plan.required.uncoverable] = True
    reasons = dict(
        zip(plan.required.uncoverable.tolist(), plan.required.uncoverable_reason, strict=True)
    )
    lines = []
    for i, j in unit_runs(bad, units["part"].to_numpy()):
        lines.append(
            f"  km {units['start_m'].iat[i] / 1000:7.2f}-{units['end_m'].iat[j] / 1000:7.2f} "
            f"({(units['end_m'].iat[j] - units['start_m'].iat[i]) / 1000:.2f} km, {units['township'].iat[i]}): "
            f"{reasons[i]}"
        )
    return lines


def report_text(network: PatrolNetwork, plan: PatrolPlan, summary: dict[str, Any]) -> str:
    """The planners' short text report."""
    lines = [
        f"borderwatch patrol plan: {network.scenario.title or network.scenario.name}",
        f"night {network.config.night_start}-{network.config.night_end}, seed {plan.seed}",
        "",
        f"{'team':<6} {'vehicle':<11} {'loop km':>8} {'loop min':>9} {'service km':>10}  start times",
    ]
    for r in summary["routes"]:
        lines.append(
            f"{r['team']:<6} {r['vehicle']:<11} {r['loop_km']:>8.1f} {r['loop_min']:>9.1f} "
            f"{r['service_km']:>10.1f}  {r['start_times']}"
        )
    lines += [
        "",
        f"max loop {summary['max_loop_min']:.1f} min, lower bound {summary['bound_min']:.1f} min, "
        f"gap {summary['gap_pct']:.1f} %",
        f"worst revisit interval {summary['worst_revisit_min']:.1f} min",
        f"border patrolled {summary['patrolled_km']:.1f} of {summary['border_km']:.1f} km "
        f"({summary['patrolled_pct']:.1f} %)",
        f"required roads: {summary['required_roads']['edges']} edges in "
        f"{summary['required_roads']['links']} links, {summary['required_roads']['drive_min']:.0f} min of driving "
        f"({summary['required_roads']['method']}, gap {summary['required_roads']['gap_pct']:.2f} %)",
    ]
    if plan.instance.idle:
        lines.append(
            "teams that can reach no required road with their vehicle (they stay at base): "
            + ", ".join(plan.instance.idle)
        )
    if plan.instance.unreachable:
        km = (
            sum(
                network.edges["length"].iat[e]
                for link in plan.instance.unreachable
                for e in link.edges
            )
            / 1000
        )
        lines.append(
            f"required roads no team can reach: {len(plan.instance.unreachable)} links, {km:.1f} km"
        )
    stretches = _stretches(network, plan)
    if stretches:
        lines += ["", "stretches no road reaches:", *stretches]
    lines.append("")
    for key, when in (("coverage_before", "before the plan"), ("coverage_after", "after the plan")):
        if key in summary:
            c = summary[key]
            lines.append(
                f"{when} ({c['criterion']}): {c['watched_pct']:.1f} % watched, "
                f"{c['gap_km']:.1f} km in {c['n_gaps']} gaps"
            )
    return "\n".join(lines) + "\n"


def _gpx(network: PatrolNetwork, plan: PatrolPlan, night: date) -> str:
    import gpxpy.gpx

    tz = ZoneInfo(network.scenario.timezone)
    start = network.config.night_start
    t0 = datetime.combine(night, time(int(start[:2]), int(start[3:])), tzinfo=tz)
    lonlat = network.edges.to_crs("EPSG:4326").geometry.to_numpy()
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "borderwatch"
    phases = dict(zip(plan.schedule.teams, plan.schedule.phase_min, strict=True))
    for route in plan.routes:
        track = gpxpy.gpx.GPXTrack(name=f"{route.team} {network.teams.loc[route.team, 'name']}")
        track.description = (
            f"{route.vehicle}, loop {route.loop_s / 60:.1f} min; one loop from the base"
        )
        segment = gpxpy.gpx.GPXTrackSegment()
        clock = -phases.get(route.team, 0.0) * 60.0
        for (e, fwd), secs in zip(route.steps, route.seconds, strict=True):
            coords = np.asarray(lonlat[e].coords)
            if not fwd:
                coords = coords[::-1]
            seg = np.r_[0.0, np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]
            frac = seg / seg[-1] if seg[-1] > 0 else np.zeros(len(seg))
            first = 1 if segment.points else 0
            for (x, y), f in zip(coords[first:], frac[first:], strict=True):
                when = t0 + timedelta(seconds=clock + f * secs)
                segment.points.append(
                    gpxpy.gpx.GPXTrackPoint(
                        latitude=round(float(y), 7), longitude=round(float(x), 7), time=when
                    )
                )
            clock += secs
        track.segments.append(segment)
        gpx.tracks.append(track)
    return gpx.to_xml()


def write_plan_files(
    network: PatrolNetwork,
    plan: PatrolPlan,
    out_dir: str | Path,
    *,
    night: date,
    extra: dict[str, Any] | None = None,
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

    Returns
    -------
    dict
        The plan summary as written to ``plan.json``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = plan_summary(network, plan, {**(extra or {}), "night": night.isoformat()})
    frame = routes_frame(network, plan).to_crs("EPSG:4326")
    frame["geometry"] = frame.geometry.set_precision(1e-6)
    with atomic_file(out / "routes.geojson") as tmp:
        frame.to_file(tmp, driver="GeoJSON", layer="routes")
    write_text(out / "routes.gpx", _gpx(network, plan, night))
    write_text(
        out / "plan.json",
        json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True, default=_json_default)
        + "\n",
    )
    write_text(out / "report.txt", report_text(network, plan, summary))
    return summary


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
