"""Whole jobs: ``gaps`` and ``plan`` from a network to an output folder.

These are what the CLI commands (and a batch runner) call: each takes a built
:class:`~borderwatch.data.network.PatrolNetwork`, runs the steps of the data
flow, writes every output file atomically into one folder and returns the
summary. Like the CLI, this module may import every part of the package.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderwatch.atomic import atomic_folder, write_text
from borderwatch.config import default_language, renamed_time_limit
from borderwatch.coverage import coverage_report, write_coverage
from borderwatch.data.gpkg import fixed_gpkg_time
from borderwatch.data.safe_csv import neutralise_frame
from borderwatch.routing.export import write_plan_files
from borderwatch.routing.plan import plan_patrols

if TYPE_CHECKING:
    from borderwatch.coverage import CoverageReport, PatrolTimeline
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.plan import PatrolPlan

__all__ = ["render_maps", "run_gaps", "run_plan"]

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
    # the whole folder is staged beside out_dir and swapped in: a kill leaves the old or the new
    with atomic_folder(out_dir) as stage, fixed_gpkg_time():
        summary = write_coverage(report, stage)
        if map_html:
            progress("drawing the map")
            render_maps(network, stage, report=report, lang=lang, offline=offline, basemap=basemap)
    return report, summary


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
    from borderwatch.routing.export import routes_frame

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
    (:func:`borderwatch.routing.plan.night_network`).
    """
    from borderwatch.routing.plan import night_network

    time_limit_s = renamed_time_limit(time_limit_s, time_limit, where="run_plan")
    network = night_network(network, teams=teams, n_teams=n_teams, night_window=night_window)
    if max_revisit_min is None:
        max_revisit_min = network.config.targets.max_revisit_min
    progress("coverage before the plan")
    before = coverage_report(network, criterion=("checkpoint",), max_revisit_min=max_revisit_min)
    plan = plan_patrols(
        network,
        time_limit_s=time_limit_s,
        max_iterations=max_iterations,
        seed=seed,
        always_patrol=always_patrol,
        progress=progress,
    )
    progress("coverage after the plan")
    after = coverage_report(
        network,
        criterion=("checkpoint", "revisit"),
        timeline=plan.schedule.timeline,
        max_revisit_min=max_revisit_min,
    )
    # every file is written into a staging folder beside out_dir, then the folder is swapped
    # in (borderwatch.atomic): a kill leaves the complete old or the complete new folder
    with atomic_folder(out_dir) as out, fixed_gpkg_time():
        coverage_summary = write_coverage(after, out)
        (out / "gaps.csv").replace(out / "gaps_after.csv")
        write_text(
            out / "gaps_before.csv",
            neutralise_frame(before.gaps.drop(columns="geometry").round(3)).to_csv(index=True),
        )
        keep = ("criterion", "watched_km", "watched_pct", "gap_km", "n_gaps", "worst_revisit_min")
        extra = {
            "coverage_before": {k: before.summary[k] for k in keep if k in before.summary},
            "coverage_after": {k: coverage_summary[k] for k in keep if k in coverage_summary},
        }
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
    return plan, summary
