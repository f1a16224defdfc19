"""Whole jobs: ``gaps`` and ``plan`` from a network to an output folder.

These are what the CLI commands (and a batch runner) call: each takes a built
:class:`~borderwatch.data.network.PatrolNetwork`, runs the steps of the data
flow, writes every output file atomically into one folder and returns the
summary. Like the CLI, this module may import every part of the package.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from borderwatch.atomic import atomic_folder, write_text
from borderwatch.config import default_language, renamed_time_limit
from borderwatch.coverage import coverage_report, write_coverage
from borderwatch.data.gpkg import fixed_gpkg_time
from borderwatch.data.safe_csv import neutralise_frame
from borderwatch.plan.patrols import plan_patrols
from borderwatch.planfiles.export import write_plan_files

if TYPE_CHECKING:
    from borderwatch.coverage import CoverageReport, PatrolTimeline
    from borderwatch.coverage.siting import SitingResult
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan
    from borderwatch.plan.replan import Replan

__all__ = ["render_maps", "replan_section", "run_gaps", "run_plan", "run_site", "write_replan"]

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _noop(_msg: str) -> None:
    return None


def run_gaps(
    network: PatrolNetwork,
    out_dir: str | Path,
    *,
    criterion: Sequence[str] = ("checkpoint",),
    timeline: PatrolTimeline | None = None,
    max_response_min: float | None = None,
    max_revisit_min: float | None = None,
    map_html: bool = True,
    lang: str | None = None,
    offline: bool = True,
    basemap: str | None = None,
    progress: Progress = _noop,
) -> tuple[CoverageReport, dict[str, Any]]:
    """Coverage gaps of ``network``: write gaps.csv, gaps.geojson, units.gpkg, grids.csv, summary.json, map.html.

    The targets default to ``network.config.targets``.
    """
    targets = network.config.targets
    max_response_min = targets.max_response_min if max_response_min is None else max_response_min
    max_revisit_min = targets.max_revisit_min if max_revisit_min is None else max_revisit_min
    progress("measuring coverage")
    report = coverage_report(
        network,
        criterion=tuple(criterion),
        timeline=timeline,
        max_response_min=max_response_min,
        max_revisit_min=max_revisit_min,
    )
    if timeline is not None:  # a plan's or a driven night's detection figures (issue #25)
        report = _night_detection(network, report, timeline)
    # the whole folder is staged beside out_dir and swapped in: a kill leaves the old or the new
    with atomic_folder(out_dir, kind="gaps") as stage, fixed_gpkg_time():
        summary = write_coverage(report, stage)
        if map_html:
            progress("drawing the map")
            render_maps(network, stage, report=report, lang=lang, offline=offline, basemap=basemap)
        summary = _describe(stage, "summary.json", "gaps")
    return report, summary


def _describe(folder: Path, name: str, command: str) -> dict[str, Any]:
    """The folder's JSON summary re-written last: ``files`` = its files, the command's name."""
    from borderwatch.describe import rewrite_summary

    return rewrite_summary(folder, name, {"command": command})


def render_maps(
    network: PatrolNetwork,
    out_dir: str | Path,
    *,
    report: CoverageReport,
    plan: PatrolPlan | None = None,
    plan_summary: dict[str, Any] | None = None,
    lang: str | None = None,
    offline: bool = True,
    basemap: str | None = None,
    focus_team: str | None = None,
    png: str | Path | None = None,
) -> Path:
    """Write ``map.html`` (the coverage map, or the plan map when a plan is given)."""
    from borderwatch.maps import coverage_map, plan_map, save_map, save_png
    from borderwatch.maps.adapters import map_gaps, map_summary, required_edge_labels, units_status
    from borderwatch.planfiles.export import routes_frame

    lang = lang or default_language(network.scenario.timezone)
    status = units_status(report.units)
    gaps = map_gaps(report.gaps)
    summary = map_summary(report.summary, plan_summary)
    if plan is None:
        m = coverage_map(
            network, status, gaps, summary, lang=lang, offline=offline, basemap=basemap
        )
    else:
        m = plan_map(
            network,
            routes_frame(network, plan),
            required_edge_labels(network, plan.required.edges),
            status,
            gaps=gaps,
            summary=summary,
            lang=lang,
            offline=offline,
            basemap=basemap,
            focus_team=focus_team,
        )
    path = save_map(m, Path(out_dir) / "map.html", offline=offline)
    if png is not None:
        save_png(path, png)
    return path


def run_plan(
    network: PatrolNetwork,
    out_dir: str | Path,
    *,
    night: date,
    time_limit_s: float = 20.0,
    max_iterations: int | None = None,
    seed: int | None = None,
    always_patrol: Sequence[str] = (),
    max_revisit_min: float | None = None,
    teams: Sequence[str] | None = None,
    n_teams: int | None = None,
    night_window: str | tuple[str, str] | None = None,
    map_html: bool = True,
    lang: str | None = None,
    offline: bool = True,
    basemap: str | None = None,
    progress: Progress = _noop,
    time_limit: float | None = None,
    sectors: int | str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    crossing_min: float | None = None,
    risk_weights: np.ndarray | None = None,
) -> tuple[PatrolPlan, dict[str, Any]]:
    """The planners' main job: gaps before → required roads → routes → schedule → gaps after.

    Writes ``gaps_before.csv``, ``routes.geojson``, ``routes.gpx``,
    ``plan.json``, ``gaps_after.csv`` (and the coverage files of the plan:
    ``gaps.geojson``, ``units.gpkg``, ``grids.csv``, ``summary.json``),
    ``report.txt`` and ``map.html``. The revisit target defaults to
    ``network.config.targets.max_revisit_min``; ``time_limit`` is the
    deprecated name of ``time_limit_s``.

    The planner's knobs: ``teams`` (ids to plan with), ``n_teams`` (that many
    of them, spread along the border) and ``night_window`` (``"21:00-05:00"``)
    replace the scenario's for this plan
    (:func:`borderwatch.plan.patrols.night_network`).

    With ``sectors`` (``"auto"`` or a number) the border is planned in sectors
    (:func:`borderwatch.plan.sectors.plan_sectors`, on a local Dask cluster
    of ``workers`` processes, the scheduler at ``scheduler``, or in this process
    with ``workers=0``); the files are those of a whole plan, and ``plan.json``
    and ``report.txt`` say it was made in sectors, with each sector's figures.

    Detection (:mod:`borderwatch.plan.odds`): ``crossing_min`` (default the
    config's, 15) is the exposure of a crossing, overridden per stretch by the
    scenario folder's ``crossing.csv``; the per-unit probabilities go to
    ``units.gpkg`` and the gaps, the figures and the variants' odds to
    ``plan.json`` (``detection``), the lines to ``report.txt``.
    """
    from borderwatch.plan.patrols import night_network

    time_limit_s = renamed_time_limit(time_limit_s, time_limit, where="run_plan")
    network = night_network(
        network, teams=teams, n_teams=n_teams, night_window=night_window, night=night
    )
    if max_revisit_min is None:
        max_revisit_min = network.config.targets.max_revisit_min
    progress("coverage before the plan")
    before = coverage_report(network, criterion=("checkpoint",), max_revisit_min=max_revisit_min)
    if sectors is None:
        plan = plan_patrols(
            network,
            time_limit_s=time_limit_s,
            max_iterations=max_iterations,
            seed=seed,
            always_patrol=always_patrol,
            progress=progress,
            weights=risk_weights,  # plan --risk-from-log (a whole plan; sectors: the scenario's)
        )
    else:
        from borderwatch.plan.sectors import plan_sectors

        plan = plan_sectors(
            network,
            sectors,
            time_limit_s=time_limit_s,
            max_iterations=max_iterations,
            seed=seed,
            always_patrol=always_patrol,
            progress=progress,
            scheduler=scheduler,
            workers=workers,
        )
    progress("coverage after the plan")
    after = coverage_report(
        network,
        criterion=("checkpoint", "revisit"),
        timeline=plan.schedule.timeline,
        max_revisit_min=max_revisit_min,
    )
    progress("detection probabilities")
    after, detection = _detection(network, plan, after, crossing_min, max_revisit_min)
    # every file is written into a staging folder beside out_dir, then the folder is swapped
    # in (borderwatch.atomic): a kill leaves the complete old or the complete new folder
    with atomic_folder(out_dir, kind="plan") as out, fixed_gpkg_time():
        coverage_summary = write_coverage(after, out)
        (out / "gaps.csv").replace(out / "gaps_after.csv")
        write_text(
            out / "gaps_before.csv",
            neutralise_frame(before.gaps.drop(columns="geometry").round(3)).to_csv(index=True),
        )
        keep = _COVERAGE_KEEP
        extra = {
            "coverage_before": {k: before.summary[k] for k in keep if k in before.summary},
            "coverage_after": {k: coverage_summary[k] for k in keep if k in coverage_summary},
            "detection": detection,
        }
        if sectors is not None:
            from borderwatch.plan.sectors import SectorPlan

            assert isinstance(plan, SectorPlan)
            extra["sectors"] = plan.sectors_summary()
        summary = write_plan_files(network, plan, out, night=night, extra=extra)
        if map_html:
            progress("drawing the map")
            render_maps(
                network,
                out,
                report=after,
                plan=plan,
                plan_summary=summary,
                lang=lang,
                offline=offline,
                basemap=basemap,
            )
        describe_plan_folder(out, summary, command="plan")
    return plan, summary


#: The coverage figures a plan.json carries (coverage_before / coverage_after).
_COVERAGE_KEEP = (
    "criterion",
    "watched_km",
    "watched_pct",
    "gap_km",
    "n_gaps",
    "worst_revisit_min",
    "target_check",
)


def describe_plan_folder(out: Path, summary: dict[str, Any], *, command: str) -> dict[str, Any]:
    """Re-write a plan folder's ``summary.json`` last: its files and the plan's headline figures.

    ``files`` lists exactly the files of the folder (:func:`borderwatch.describe.rewrite_summary`);
    ``plan`` holds the headline figures of ``report.txt`` (the same values as
    ``plan.json``); a re-plan's worst revisit is that of the rest of the night
    across the cut (``revisit_window`` says so), the figure its radio text and map give.
    """
    from borderwatch.describe import rewrite_summary

    keys = (
        "teams",
        "teams_on_patrol",
        "shortest_loop_min",
        "max_loop_min",
        "bound_min",
        "opt_gap_pct",
        "worst_revisit_min",
        "revisit_window",
        "mean_revisit_min",
        "patrolled_km",
        "patrolled_pct",
        "border_km",
    )
    headline = {k: summary[k] for k in keys if k in summary}
    never = summary.get("never_passed")
    if isinstance(never, dict):
        headline["never_passed_km"] = never.get("km")
    extra: dict[str, Any] = {"command": command, "plan": headline}
    if "revisit_window" in summary:  # a re-plan: one worst figure for the folder
        extra["worst_revisit_min"] = summary["worst_revisit_min"]
        extra["revisit_window"] = summary["revisit_window"]
        after = summary.get("coverage_after") or {}
        if "target_check" in after:
            extra["target_check"] = after["target_check"]
    return rewrite_summary(out, "summary.json", extra)


def _night_detection(
    network: PatrolNetwork, report: CoverageReport, timeline: PatrolTimeline
) -> CoverageReport:
    """``report`` with one night's uninformed and watching figures (no variants: no informed).

    Units and gaps only: ``summary.json`` keeps the coverage headline (the duty log
    compares it key by key).
    """
    from borderwatch.coverage.detection import night_detection, with_detection
    from borderwatch.plan.odds import scenario_crossing_csv

    table = night_detection(network, timeline, stretches=scenario_crossing_csv(network))
    return with_detection(report, table)


def _detection(
    network: PatrolNetwork,
    plan: PatrolPlan,
    after: CoverageReport,
    crossing_min: float | None,
    max_revisit_min: float,
) -> tuple[CoverageReport, dict[str, Any]]:
    """The plan's detection figures on the coverage report, and the ``plan.json`` entry."""
    from borderwatch.coverage.detection import with_detection
    from borderwatch.plan.odds import detect_night, scenario_crossing_csv

    det = detect_night(
        network,
        plan.routes,
        plan.schedule.timeline,
        crossing_min=crossing_min,
        stretches=scenario_crossing_csv(network),
        max_revisit_min=max_revisit_min,
    )
    after = with_detection(after, det.units)
    figures = det.summary(after.units)
    after = with_detection(after, det.units, figures)
    return after, {**figures, "odds": det.odds_of()}


def _finite(value: float, digits: int = 2) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def replan_section(rp: Replan, *, night: date | None = None) -> dict[str, Any]:
    """The ``replan`` section of a re-planned folder's ``plan.json`` (JSON-ready, no NaN).

    Times ``*_min`` are minutes after the ORIGINAL window start (``at_min``),
    except ``positions.*.start_min``: minutes after the cut at which the team
    starts its new loop (what :func:`borderwatch.planfiles.reload.load_plan`
    needs to rebuild the remainder's timeline).
    """
    import shapely

    from borderwatch.plan.replan_text import diff_lines

    def clock(minutes: float) -> str | None:
        return rp.clock(minutes) if math.isfinite(minutes) else None

    units = rp.network.units
    mid_km = (units["start_m"].to_numpy() + units["end_m"].to_numpy()) / 2000.0
    out: dict[str, Any] = {
        "at": rp.at_clock,
        "at_min": _finite(rp.at_min),
        "original_night_window": list(rp.window.pair),
        "original_night": night.isoformat() if night is not None else None,
        "dropped": list(rp.dropped),
        "hot": [
            {
                "label": h.label,
                "start_km": h.start_km,
                "end_km": h.end_km,
                "weight": h.weight,
                "passes_original": rp.hot_passes.get(h.label, (0, 0))[0],
                "passes_new": rp.hot_passes.get(h.label, (0, 0))[1],
                "units": len(h.units(rp.network)),
            }
            for h in rp.hot
        ],
        "positions": {},
        "takeovers": [
            {
                "team": tk.team,
                "from_team": tk.from_team,
                "edges": [int(e) for e in tk.edges],
                "km_from": _finite(tk.km_from, 3),
                "km_to": _finite(tk.km_to, 3),
                "first_pass": clock(tk.first_pass_min),
                "first_pass_min": _finite(tk.first_pass_min),
            }
            for tk in rp.takeovers
        ],
        "unserved_edges": [int(e) for e in rp.unserved],
        "worst_revisit_min": {
            "new": _finite(rp.worst_revisit_min),
            "original": _finite(rp.original_worst_revisit_min),
        },
        "weighted_worst_revisit_min": {
            "new": _finite(rp.weighted_worst_revisit_min),
            "original": _finite(rp.original_weighted_worst_revisit_min),
        },
        # km of border never passed after the cut (same units as the worst figures)
        "unpassed_km": {
            "new": _finite(rp.unpassed_km, 3),
            "original": _finite(rp.original_unpassed_km, 3),
        },
        "diff": diff_lines(rp),
    }
    xy = rp.network.nodes
    tree_geoms = units.geometry.to_numpy()
    for team, pos in sorted(rp.positions.items()):
        if team not in rp.network.teams.index:
            continue
        node_pt = xy.geometry.iloc[int(pos.node)]
        nearest = int(np.argmin(shapely.distance(tree_geoms, node_pt)))
        out["positions"][team] = {
            "node": int(pos.node),
            "ready": clock(pos.ready_min),
            "ready_min": _finite(pos.ready_min, 3),
            "start_min": float(pos.ready_min - rp.at_min),  # exact: load_plan times the loop by it
            "source": pos.source,
            "near_km": round(float(mid_km[nearest]), 2),
        }
    return out


def replan_worst(rp: Replan, target_min: float) -> dict[str, Any]:
    """The re-plan folder's worst revisit: the rest of the night across the cut (``Replan.worst_revisit_min``).

    Returns ``worst_revisit_min``, ``worst_revisit_at`` (km range, township,
    teams), ``revisit_window`` (what the figure covers) and ``target_check``
    (``revisit``: met or not, where, over the same units and intervals).
    """
    from borderwatch.coverage.gaps import target_check
    from borderwatch.data.units import unit_runs

    net = rp.network
    units = net.units
    table = rp.revisits
    worst = table["worst_revisit_min"].to_numpy(dtype=float)
    # the units the figure runs over: passed tonight before the cut or after it (units no one
    # passes all night, no road in view, are counted apart as never passed)
    passed = table["n_passes"].to_numpy() > 0
    if "last_before_cut_min" in table.columns:
        passed |= np.isfinite(table["last_before_cut_min"].to_numpy(dtype=float))
    counted = np.isfinite(worst) & passed
    frame = units[["part", "start_m", "end_m", "length_m"]].copy()
    frame["worst_revisit_min"] = np.where(counted, worst, np.nan)
    frame["never_passed"] = ~counted
    check = target_check(frame, max_revisit_min=target_min)
    value = float(rp.worst_revisit_min)
    if "revisit" in check and math.isfinite(value):  # the figure itself, as the radio says it
        check["revisit"]["worst_min"] = round(value, 2)
        check["revisit"]["over_min"] = round(max(value - target_min, 0.0), 2)
        check["revisit"]["met"] = bool(check["revisit"]["met"] and value <= target_min)
    at: dict[str, Any] | None = None
    hit = counted & (np.abs(worst - value) <= 1e-6)
    if hit.any() and math.isfinite(value):
        i, j = next(iter(unit_runs(hit, units["part"].to_numpy())))
        teams = sorted(
            {t for k in range(i, j + 1) for t in str(table["teams"].iat[k]).split(";") if t}
        )
        at = {
            "worst_revisit_min": round(value, 2),
            "start_km": round(float(units["start_m"].iat[i]) / 1000.0, 3),
            "end_km": round(float(units["end_m"].iat[j]) / 1000.0, 3),
            "township": str(units["township"].iat[i]),
            "teams": teams,
            "n_units": int(hit.sum()),
        }
    return {
        "worst_revisit_min": _finite(value),
        "worst_revisit_at": at,
        "revisit_window": f"{rp.at_clock}-{net.config.night_end}, the rest of the night "
        "with the passes before the cut counted",
        "target_check": {"revisit": check["revisit"]} if "revisit" in check else {},
    }


def write_replan(
    rp: Replan,
    out_dir: str | Path,
    *,
    night: date,
    map_html: bool = True,
    lang: str | None = None,
    offline: bool = True,
    basemap: str | None = None,
    progress: Progress = _noop,
) -> dict[str, Any]:
    """Write a re-plan into one folder, atomically: the ``plan`` files of the remainder, plus ``diff.txt``.

    ``routes.geojson``, ``routes.gpx`` and ``gpx/<team>.gpx`` (from the cut),
    ``plan.json`` (with a ``replan`` section, :func:`replan_section`),
    ``report.txt`` (the plan report of the remainder and the radio diff),
    ``diff.txt`` (:func:`borderwatch.plan.replan_text.diff_text`), the
    coverage files of the remainder (``gaps_after.csv``, ``gaps.geojson``,
    ``units.gpkg``, ``grids.csv``, ``summary.json``) and ``map.html`` with
    the roads taken over highlighted in the taker's colour.

    Parameters
    ----------
    rp
        The re-plan.
    out_dir
        The output folder (replaced as a whole).
    night
        The date the ORIGINAL night starts on; the remainder's GPX times are on
        the date of the cut (the next day when the cut is after midnight).

    Returns
    -------
    dict
        ``plan.json`` as written.
    """
    from borderwatch.plan.replan_text import diff_text

    rem = rp.network
    # the remainder starts on the date of the cut (the next day when the cut is after midnight)
    rem_night = rp.window.at(rp.at_min, night, rem.scenario.timezone).date()
    target = rem.config.targets.max_revisit_min
    progress("coverage of the rest of the night")
    after = coverage_report(
        rem,
        criterion=("checkpoint", "revisit"),
        timeline=rp.plan.schedule.timeline,
        max_revisit_min=target,
    )
    text = diff_text(rp)
    with atomic_folder(out_dir, kind="plan") as out, fixed_gpkg_time():
        coverage_summary = write_coverage(after, out)
        (out / "gaps.csv").replace(out / "gaps_after.csv")
        keep = _COVERAGE_KEEP
        extra = {
            "coverage_after": {k: coverage_summary[k] for k in keep if k in coverage_summary},
            "replan": replan_section(rp, night=night),
        }
        # one worst-revisit figure for the folder: the rest of the night across the cut (the
        # radio text's and the map's), not the remainder alone
        worst = replan_worst(rp, target)
        extra.update(worst)
        extra["coverage_after"]["worst_revisit_min"] = worst["worst_revisit_min"]
        extra["coverage_after"]["target_check"] = {
            **extra["coverage_after"].get("target_check", {}),
            **worst["target_check"],
        }
        del extra["target_check"]
        summary = write_plan_files(
            rem, rp.plan, out, night=rem_night, extra=extra, cut=(night, rp.window, rp.at_min)
        )
        write_text(out / "diff.txt", text)
        report = (out / "report.txt").read_text(encoding="utf-8")
        write_text(
            out / "report.txt",
            # the teams are out already: their loops start at the cut, where they are
            report.replace("borderwatch patrol plan:", "borderwatch re-plan:", 1).replace(
                " leave base ", " loop start ", 1
            )
            + "\nchanges (diff.txt):\n"
            + text,
        )
        if map_html:
            progress("drawing the map")
            _replan_map(
                rp,
                out,
                report=after,
                plan_summary=summary,
                lang=lang,
                offline=offline,
                basemap=basemap,
            )
        describe_plan_folder(out, summary, command="replan")
    return summary


def _replan_map(
    rp: Replan,
    out_dir: Path,
    *,
    report: CoverageReport,
    plan_summary: dict[str, Any],
    lang: str | None,
    offline: bool,
    basemap: str | None,
) -> Path:
    """``map.html`` of a re-plan: the plan map of the remainder with the roads taken over."""
    from borderwatch.maps import plan_map, save_map
    from borderwatch.maps._i18n import labels
    from borderwatch.maps.adapters import map_gaps, map_summary, required_edge_labels, units_status
    from borderwatch.maps.plan import replan_changes
    from borderwatch.planfiles.export import routes_frame

    net = rp.network
    lang = lang or default_language(net.scenario.timezone)
    changes = replan_changes(net, plan_summary["replan"]["takeovers"], lang)
    m = plan_map(
        net,
        routes_frame(net, rp.plan),
        required_edge_labels(net, rp.plan.required.edges),
        units_status(report.units),
        gaps=map_gaps(report.gaps),
        summary=map_summary(report.summary, plan_summary),
        lang=lang,
        offline=offline,
        basemap=basemap,
        title=f"{labels(lang)['replan_title']} {rp.at_clock}-{net.config.night_end}",
        changes=changes,
    )
    return save_map(m, out_dir / "map.html", offline=offline)


def run_site(
    network: PatrolNetwork,
    out_dir: str | Path,
    *,
    add: int,
    risk: bool = False,
    radius_m: float | None = None,
    time_limit_s: float = 60.0,
    map_html: bool = True,
    lang: str | None = None,
    offline: bool = True,
    basemap: str | None = None,
    progress: Progress = _noop,
) -> tuple[SitingResult, dict[str, Any]]:
    """Propose ``add`` checkpoint sites; write sites.csv/.geojson, uncoverable.csv, siting.json, map.html.

    The folder is written whole (:func:`~borderwatch.atomic.atomic_folder`):
    a kill leaves the old folder or the new one.
    """
    from borderwatch.coverage import site_checkpoints, write_siting

    progress(f"siting {add} checkpoints")
    result = site_checkpoints(network, add, risk=risk, radius_m=radius_m, time_limit_s=time_limit_s)
    with atomic_folder(out_dir, kind="site") as stage:
        summary = write_siting(result, stage)
        if map_html:
            from borderwatch.maps import save_map
            from borderwatch.maps.siting import siting_map

            progress("drawing the map")
            m = siting_map(
                network,
                result,
                lang=lang or default_language(network.scenario.timezone),
                offline=offline,
                basemap=basemap,
            )
            save_map(m, Path(stage) / "map.html", offline=offline)
        summary = _describe(Path(stage), "siting.json", "site")
    return result, summary
