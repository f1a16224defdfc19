"""The ``plan`` job, the planners' main one: gaps before, routes, schedule, gaps after, into a plan folder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from borderwatch import forking
from borderwatch.atomic import atomic_folder, write_text
from borderwatch.config import SearchParams
from borderwatch.coverage import coverage_report, write_coverage
from borderwatch.data.gpkg import fixed_gpkg_time
from borderwatch.data.safe_csv import neutralise_frame
from borderwatch.jobs._common import COVERAGE_KEEP, Progress, frozen_heap, noop
from borderwatch.jobs.beside import FilesBeside
from borderwatch.planfiles.export import write_plan_files

if TYPE_CHECKING:
    from borderwatch.coverage import CoverageReport
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan
    from borderwatch.plan.variants import RouteVariant


@frozen_heap()  # the network and modules out of the collector's passes (#24.5)
def run_plan(
    network: PatrolNetwork,
    out_dir: str | Path,
    *,
    night: date,
    search: SearchParams | None = None,
    always_patrol: Sequence[str] = (),
    max_revisit_min: float | None = None,
    teams: Sequence[str] | None = None,
    n_teams: int | None = None,
    night_window: str | tuple[str, str] | None = None,
    map_html: bool = True,
    lang: str | None = None,
    offline: bool = True,
    basemap: str | None = None,
    progress: Progress = noop,
    sectors: int | str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    crossing_min: float | None = None,
    risk_weights: np.ndarray | None = None,
    detours: bool | None = None,
    risk_from_log: dict[str, Any] | None = None,
) -> tuple[PatrolPlan, dict[str, Any]]:
    """The planners' main job: gaps before → required roads → routes → schedule → gaps after.

    Writes ``gaps_before.csv``, ``routes.geojson``, ``routes.gpx``,
    ``plan.json``, ``gaps_after.csv`` (and the coverage files of the plan:
    ``gaps.geojson``, ``units.gpkg``, ``grids.csv``, ``summary.json``),
    ``report.txt`` and ``map.html``. The revisit target defaults to
    ``network.config.targets.max_revisit_min``; ``search`` is the routing
    search's budget and seed (:class:`~borderwatch.config.SearchParams`).

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
    ``plan.json`` (``detection``), the lines to ``report.txt``. With ``detours``
    the odds may also draw *drawn detours* (a turn-back on the stretch of a
    team's weakest units, within the plan's worst revisit): every detour variant
    the odds give weight to is a variant of ``plan.json`` (its stretch, added
    steps, loop and duty times), drawn by the roster, shown on the briefing's
    route card, with its own track ``gpx/variants/<variant>.gpx``.

    Parameters
    ----------
    network
        The patrol network of the scenario (its teams, night window and targets
        are the defaults the knobs below replace).
    out_dir
        The plan folder; it is written whole in a staging folder and swapped in
        (:func:`borderwatch.atomic.atomic_folder`).
    night
        The date of the evening the night starts, for the clock times of the
        GPX tracks and the files' headers.
    search
        The route search's budget and seed (:class:`~borderwatch.config.SearchParams`;
        default a 20 s cap, 45 rounds of the assignment bound, the seed
        ``network.config.seed``).
    always_patrol
        Roads patrolled in any case (names, OSM ids or highway classes).
    max_revisit_min
        The revisit target in minutes the gaps are judged by, before and after
        (default ``network.config.targets.max_revisit_min``).
    teams
        Ids of the teams to plan with (default: all of the scenario's).
    n_teams
        Plan with that many teams, spread along the border.
    night_window
        The night's patrol window, ``"21:00-05:00"`` or a (start, end) pair of
        ``"HH:MM"`` (default: the scenario's).
    map_html
        Write ``map.html`` (:func:`render_maps`); False skips the map.
    lang
        Language of the map's labels, ``"zh"`` or ``"en"`` (default: from the
        scenario's time zone, :func:`borderwatch.config.default_language`).
    offline
        Inline every script of the map so that it opens without a network.
    basemap
        The map's tile layer (as for :func:`borderwatch.maps.coverage_map`).
    progress
        Called with a short message before each step.
    sectors
        ``"auto"`` or a number of sectors to plan the border in; None plans it whole.
    scheduler
        Address of a running Dask scheduler for the sectors (default: a local cluster).
    workers
        Processes of the local Dask cluster for the sectors; 0 plans them in this process.
    crossing_min
        Minutes a crossing is exposed, for the detection odds (default: the config's).
    risk_weights
        Risk weight per border unit for the night objective (``plan
        --risk-from-log``); default the scenario's incidents. Ignored with ``sectors``.
    detours
        Let the odds draw drawn detours (``plan --detours``; default the
        config's ``detours``, off).
    risk_from_log
        Where ``risk_weights`` came from (:meth:`borderwatch.log.risk.LogRisk.record`):
        ``plan.json`` keeps it as ``risk_from_log`` and ``report.txt`` says it.

    Returns
    -------
    plan : PatrolPlan
        The night's plan (a :class:`~borderwatch.plan.sectors.SectorPlan` with ``sectors``).
    summary : dict
        The plan's figures as written to ``plan.json`` (teams, loops, bound,
        revisit, patrolled km, coverage before and after, detection).
    """
    from borderwatch.plan.patrols import PlanDraft, draft_patrols, night_network

    network = night_network(
        network, teams=teams, n_teams=n_teams, night_window=night_window, night=night
    )
    if max_revisit_min is None:
        max_revisit_min = network.config.targets.max_revisit_min
    progress("coverage before the plan")
    before = coverage_report(network, criterion=("checkpoint",), max_revisit_min=max_revisit_min)
    if sectors is None:
        draft = draft_patrols(
            network,
            search,
            always_patrol=always_patrol,
            progress=progress,
            weights=risk_weights,  # plan --risk-from-log (a whole plan; sectors: the scenario's)
        )
    else:
        from borderwatch.plan.sectors import plan_sectors

        draft = PlanDraft(
            plan_sectors(
                network,
                sectors,
                search,
                always_patrol=always_patrol,
                progress=progress,
                scheduler=scheduler,
                workers=workers,
            )
        )
    # every file is written into a staging folder beside out_dir, then the folder is swapped
    # in (borderwatch.atomic): a kill leaves the complete old or the complete new folder
    with draft, atomic_folder(out_dir, kind="plan") as out, fixed_gpkg_time():
        # the tracks and the map in a forked process while this one computes the coverage
        # after the plan, the odds and plan.json (the same bytes either way): when the
        # bound's process runs, the core it holds passes to this one, else the bound's
        # rule decides. The coverage and the odds need the routes and the schedule only,
        # so they run while the bound's process ends (PlanDraft)
        beside = FilesBeside(
            network,
            draft.plan,
            out,
            night=night,
            map_html=map_html,
            # the core passes, not the fork's safety: a thread started since the bound's
            # fork keeps the files here (the bound's rule then says no)
            fork=True if draft.bound_forked and forking.other_threads() == 0 else None,
        )
        try:
            after, extra, variants = _after_plan(
                network, draft.plan, before, out, max_revisit_min=max_revisit_min,
                crossing_min=crossing_min, detours=detours, progress=progress,
                whole=sectors is None, risk_from_log=risk_from_log,
            )  # fmt: skip
            plan = draft.finish()
            if sectors is not None:
                from borderwatch.plan.sectors import SectorPlan

                assert isinstance(plan, SectorPlan)
                extra["sectors"] = plan.sectors_summary()

            def draw_map(figures: dict[str, Any]) -> None:
                # the map needs plan.json's figures only: its process draws it while this
                # one writes plan.json and report.txt (the same bytes either way)
                progress("drawing the map")
                beside.render_map(
                    report=after, plan_summary=figures, lang=lang, offline=offline, basemap=basemap
                )

            summary = write_plan_files(
                network, plan, out, night=night, extra=extra, lang=lang, variants=variants,
                tracks=not beside.forked, figures_ready=draw_map if map_html else None,
            )  # fmt: skip
            beside.finish()
        finally:
            beside.close()
        describe_plan_folder(out, summary, command="plan")
    return plan, summary


def _after_plan(
    network: PatrolNetwork,
    plan: PatrolPlan,
    before: CoverageReport,
    out: Path,
    *,
    max_revisit_min: float,
    crossing_min: float | None,
    detours: bool | None,
    progress: Progress,
    whole: bool = True,
    risk_from_log: dict[str, Any] | None = None,
) -> tuple[CoverageReport, dict[str, Any], dict[str, list[RouteVariant]] | None]:
    """:func:`run_plan` after the routes and the schedule: the coverage after, the odds.

    Needs the plan's routes and schedule only, not its bound (it runs while the bound's
    process ends: :class:`~borderwatch.plan.patrols.PlanDraft`). Writes the coverage
    files and ``gaps_before.csv`` into the staging folder ``out``; returns the coverage
    report after the plan, ``plan.json``'s coverage and detection entries (and
    ``risk_from_log``, a whole plan's) and the variants of the odds (:func:`_detection`).
    """
    progress("coverage after the plan")
    after = coverage_report(
        network,
        criterion=("checkpoint", "revisit"),
        timeline=plan.schedule.timeline,
        max_revisit_min=max_revisit_min,
        # the network's columns are the coverage before's, the revisits the plan's own table
        # (finish_plan's, of this timeline): the same values, not computed again
        static=before.units,
        revisit_table=plan.revisits if whole else None,
    )
    progress("detection probabilities")
    if detours is None:
        detours = network.config.detours
    after, detection, variants = _detection(
        network, plan, after, crossing_min, max_revisit_min, detours=detours
    )
    coverage_summary = write_coverage(after, out)
    (out / "gaps.csv").replace(out / "gaps_after.csv")
    write_text(
        out / "gaps_before.csv",
        neutralise_frame(before.gaps.drop(columns="geometry").round(3)).to_csv(index=True),
    )
    keep = COVERAGE_KEEP
    extra = {
        "coverage_before": {k: before.summary[k] for k in keep if k in before.summary},
        "coverage_after": {k: coverage_summary[k] for k in keep if k in coverage_summary},
        "detection": detection,
    }
    if risk_from_log is not None and whole:
        extra["risk_from_log"] = risk_from_log
    return after, extra, variants


def describe_plan_folder(out: Path, summary: dict[str, Any], *, command: str) -> dict[str, Any]:
    """Re-write a plan folder's ``summary.json`` last: its files and the plan's headline figures.

    ``files`` lists exactly the files of the folder (:func:`borderwatch.describe.rewrite_summary`);
    ``plan`` holds the headline figures of ``report.txt`` (the same values as
    ``plan.json``); a re-plan's worst revisit is that of the rest of the night
    across the cut (``revisit_window`` says so), the figure its radio text and map give.

    Parameters
    ----------
    out
        The plan folder (finished but for ``summary.json``, which is re-written).
    summary
        The plan's figures (what :func:`~borderwatch.planfiles.export.write_plan_files`
        returned, the content of ``plan.json``); the headline keys are taken from it.
    command
        The command that made the folder (``"plan"``, ``"replan"``), recorded
        as ``command``.

    Returns
    -------
    dict
        The summary as written to ``summary.json``.
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


def _detection(
    network: PatrolNetwork,
    plan: PatrolPlan,
    after: CoverageReport,
    crossing_min: float | None,
    max_revisit_min: float,
    *,
    detours: bool = False,
) -> tuple[CoverageReport, dict[str, Any], dict[str, list[RouteVariant]] | None]:
    """The plan's detection figures on the coverage report, the ``plan.json`` entry, the variants.

    With ``detours``, the variants are each team's plain ones and the drawn
    detours the odds give weight to (the others are left out of ``plan.json``
    and its odds); without, None (``route_variants`` of every loop).
    """
    from borderwatch.coverage.detection import with_detection
    from borderwatch.plan.odds import detect_night, scenario_crossing_csv

    det = detect_night(
        network,
        plan.routes,
        plan.schedule.timeline,
        crossing_min=crossing_min,
        stretches=scenario_crossing_csv(network),
        max_revisit_min=max_revisit_min,
        detours=detours,
        detour_cap_min=network.config.detour_max_min,
    )
    after = with_detection(after, det.units)
    figures = det.summary(after.units)
    after = with_detection(after, det.units, figures)
    odds = det.odds_of()
    if not detours:
        return after, {**figures, "odds": odds}, None
    variants = {
        team: [v for v in vs if v.detour is None or odds[v.variant] > 0]
        for team, vs in det.variants.items()
    }
    listed = {v.variant for vs in variants.values() for v in vs}
    drawn = {
        team: round(sum(odds[v.variant] for v in vs if v.detour is not None), 6)
        for team, vs in variants.items()
        if any(v.detour is not None for v in vs)
    }
    figures["detours"] = {
        "variants": sum(1 for vs in det.variants.values() for v in vs if v.detour is not None),
        "drawn_variants": sum(1 for vs in variants.values() for v in vs if v.detour is not None),
        "odds_by_team": dict(sorted(drawn.items())),
    }
    return after, {**figures, "odds": {k: p for k, p in odds.items() if k in listed}}, variants
