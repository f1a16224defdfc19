"""The ``gaps`` job: coverage gaps of a network into an output folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderwatch.atomic import atomic_folder
from borderwatch.coverage import coverage_report, write_coverage
from borderwatch.data.gpkg import fixed_gpkg_time
from borderwatch.jobs._common import Progress, describe_folder, night_detection_columns, noop
from borderwatch.jobs.maps import render_maps

if TYPE_CHECKING:
    from borderwatch.coverage import CoverageReport, PatrolTimeline
    from borderwatch.data.network import PatrolNetwork


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
    progress: Progress = noop,
) -> tuple[CoverageReport, dict[str, Any]]:
    """Coverage gaps of ``network``: write gaps.csv, gaps.geojson, units.gpkg, grids.csv, summary.json, map.html.

    The targets default to ``network.config.targets``.

    Parameters
    ----------
    network
        The patrol network.
    out_dir
        The output folder; it is written whole in a staging folder and swapped
        in (:func:`borderwatch.atomic.atomic_folder`).
    criterion
        Names of :data:`borderwatch.coverage.CRITERIA` a unit is watched by
        (a unit is a gap when it fails all); ``"revisit"`` needs ``timeline``.
    timeline
        The night timeline of a plan or of driven GPS tracks; with it the units
        and gaps also carry the night's detection figures.
    max_response_min
        Target of the ``response`` criterion in minutes (default the config's).
    max_revisit_min
        Target of the ``revisit`` criterion in minutes (default the config's).
    map_html
        Write ``map.html`` (:func:`render_maps`); False skips the map.
    lang
        Language of the map's labels, ``"zh"`` or ``"en"`` (default: from the
        scenario's time zone).
    offline
        Inline every script of the map so that it opens without a network.
    basemap
        The map's tile layer (as for :func:`borderwatch.maps.coverage_map`).
    progress
        Called with a short message before each step.

    Returns
    -------
    report : CoverageReport
        Per-unit coverage, the gaps, the grid table and the summary.
    summary : dict
        The content of ``summary.json`` as written (with ``files``).
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
        report = night_detection_columns(network, report, timeline)
    # the whole folder is staged beside out_dir and swapped in: a kill leaves the old or the new
    with atomic_folder(out_dir, kind="gaps") as stage, fixed_gpkg_time():
        summary = write_coverage(report, stage)
        if map_html:
            progress("drawing the map")
            render_maps(network, stage, report=report, lang=lang, offline=offline, basemap=basemap)
        summary = describe_folder(stage, "summary.json", "gaps")
    return report, summary
