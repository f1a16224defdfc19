"""Re-render the map of a ``gaps`` or ``plan`` output folder from its files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio

from borderwatch.atomic import atomic_folder
from borderwatch.config import default_language
from borderwatch.maps._i18n import labels
from borderwatch.maps._validate import MapInputError
from borderwatch.maps.adapters import map_summary, units_status
from borderwatch.maps.coverage import coverage_map
from borderwatch.maps.io import save_map, save_png
from borderwatch.maps.plan import plan_map, replan_changes

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["rerender_map"]


def rerender_map(
    network: PatrolNetwork,
    folder: str | Path,
    *,
    out_file: str | Path | None = None,
    offline: bool = True,
    lang: str | None = None,
    basemap: str | None = None,
    focus_team: str | None = None,
    png: str | Path | None = None,
) -> Path:
    """Draw the map of an output folder again: the plan map if it holds a plan, else the coverage map.

    Parameters
    ----------
    network
        The network of the scenario the folder was made from (same config).
    folder
        Holds ``units.gpkg`` and ``summary.json`` (and ``plan.json``,
        ``routes.geojson`` for a plan).
    out_file
        HTML file to write (default ``folder/map.html``). A file in ``folder`` (and a
        ``png`` there) goes in through the folder's staged swap, so that its marker
        records it and the next run into the folder drops it with its own old files.
    """
    folder = Path(folder)
    units_file = folder / "units.gpkg"
    if not units_file.is_file():
        raise MapInputError(f"{units_file}: not found; give the output folder of gaps or plan")
    units = gpd.read_file(units_file, layer="units").set_index("unit")
    if len(units) != len(network.units):
        raise MapInputError(
            f"{units_file}: has {len(units)} border units, the scenario's network {len(network.units)}: "
            "re-render with the scenario and config the folder was made with"
        )
    layers = {name for name, _ in pyogrio.list_layers(units_file)}
    gaps = gpd.read_file(units_file, layer="gaps") if "gaps" in layers else pd.DataFrame()
    if "gap" in gaps.columns:
        gaps = gaps.rename(columns={"gap": "gap_id"})
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    plan_file = folder / "plan.json"
    lang = lang or default_language(network.scenario.timezone)
    status = units_status(units)
    if plan_file.is_file():
        from borderwatch.planfiles.planfile import PlanFile

        plan = PlanFile.read(plan_file)
        routes = gpd.read_file(folder / "routes.geojson").to_crs(network.crs)
        replan = plan.replan
        m = plan_map(
            network,
            routes,
            [network.edges.index[int(e)] for e in plan.figure("required_edges")],
            status,
            gaps=gaps if len(gaps) else None,
            summary=map_summary(summary, plan.to_dict()),
            lang=lang,
            offline=offline,
            basemap=basemap,
            focus_team=focus_team,
            # a re-planned folder: its take-overs highlighted, as `borderwatch replan` drew them
            changes=replan_changes(network, replan.get("takeovers", []), lang) if replan else (),
            title=(f"{labels(lang)['replan_title']} {plan.run_window()[0]}" if replan else None),
        )
    else:
        m = coverage_map(
            network, status, gaps, map_summary(summary), lang=lang, offline=offline, basemap=basemap
        )
    html = Path("map.html") if out_file is None else _inside(folder, Path(out_file))
    shot = None if png is None else _inside(folder, Path(png))
    if html is None:  # a file elsewhere: written on its own
        path = save_map(m, Path(str(out_file)), offline=offline)
    if html is not None or shot is not None:
        # into the output folder: through its staged swap, its marker records the files
        with atomic_folder(folder, kind="map", keep="all") as stage:
            if html is not None:
                (stage / html).parent.mkdir(parents=True, exist_ok=True)
                save_map(m, stage / html, offline=offline)
            if shot is not None:  # of the map just written, here or elsewhere
                (stage / shot).parent.mkdir(parents=True, exist_ok=True)
                save_png(path if html is None else stage / html, stage / shot)
        if html is not None:
            path = folder / html
    if png is not None and shot is None:
        save_png(path, png)
    return path


def _inside(folder: Path, file: Path) -> Path | None:
    """``file`` relative to ``folder`` when it lies in it (the folder's marker records it)."""
    try:
        return file.resolve().relative_to(folder.resolve())
    except ValueError:
        return None
