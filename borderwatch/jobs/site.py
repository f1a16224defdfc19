"""The ``site`` job: new checkpoint sites into an output folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderwatch.atomic import atomic_folder
from borderwatch.config import default_language
from borderwatch.jobs._common import Progress, describe_folder, noop

if TYPE_CHECKING:
    from borderwatch.coverage.siting import SitingResult
    from borderwatch.data.network import PatrolNetwork


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
    progress: Progress = noop,
) -> tuple[SitingResult, dict[str, Any]]:
    """Propose ``add`` checkpoint sites; write sites.csv/.geojson, uncoverable.csv, siting.json, map.html.

    The folder is written whole (:func:`~borderwatch.atomic.atomic_folder`):
    a kill leaves the old folder or the new one.

    Parameters
    ----------
    network
        The patrol network; its checkpoints stay where they are.
    out_dir
        The output folder, written whole.
    add
        Number of new checkpoint sites to propose (>= 0).
    risk
        Weight the border units by incident risk
        (:func:`~borderwatch.coverage.risk_weights`) instead of plain length.
    radius_m
        Watch radius of a new site in metres (default the config's
        ``checkpoint_radius_m``).
    time_limit_s
        Time limit of each MILP solve in seconds.
    map_html
        Write ``map.html`` (the siting map); False skips the map.
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
    result : SitingResult
        The proposed sites, the fewest sites to watch everything and the
        units no site can watch.
    summary : dict
        The content of ``siting.json`` as written (with ``files``).
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
        summary = describe_folder(Path(stage), "siting.json", "site")
    return result, summary
