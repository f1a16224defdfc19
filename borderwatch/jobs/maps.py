"""The map of a gaps or plan folder (``map.html``, optionally a PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderwatch.config import default_language

if TYPE_CHECKING:
    from borderwatch.coverage import CoverageReport
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan


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
    """Write ``map.html`` (the coverage map, or the plan map when a plan is given).

    Parameters
    ----------
    network
        The patrol network the report and plan were made on.
    out_dir
        The folder ``map.html`` is written into.
    report
        The coverage report whose unit status and gaps the map shows.
    plan
        The night's plan; with it the plan map (one layer per team, the
        required roads), without it the coverage map.
    plan_summary
        The plan's figures (``plan.json``), merged into the map's key figures.
    lang
        Language of the labels, ``"zh"`` or ``"en"`` (default: from the
        scenario's time zone, :func:`borderwatch.config.default_language`).
    offline
        Inline every script so that the map opens without a network.
    basemap
        The tile layer (as for :func:`borderwatch.maps.coverage_map`).
    focus_team
        Open the plan map focused on this team's route.
    png
        Also screenshot the map to this PNG path with headless Chromium
        (:func:`borderwatch.maps.save_png`).

    Returns
    -------
    Path
        The path of ``map.html``.
    """
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
