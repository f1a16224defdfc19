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
