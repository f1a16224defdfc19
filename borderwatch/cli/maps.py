"""``borderwatch map``: draw the map of a gaps or plan output folder again (HTML, PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from borderwatch.cli.app import app
from borderwatch.cli.common import (
    BasemapOpt,
    ConfigOpt,
    FolderScenarioOpt,
    LangOpt,
    OfflineOpt,
    check_choice,
    guarded,
    load_network,
    out,
)

__all__ = ["map_command"]


@app.command("map")
def map_command(
    folder: Annotated[
        Path, typer.Argument(help="Output folder of `borderwatch gaps` or `borderwatch plan`.")
    ],
    scenario: FolderScenarioOpt = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="HTML file (default FOLDER/map.html).")
    ] = None,
    lang: LangOpt = None,
    offline: OfflineOpt = True,
    basemap: BasemapOpt = None,
    focus: Annotated[
        str | None, typer.Option("--focus", help="Show only this team (route card).")
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Also save a PNG screenshot (needs chromium).")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Re-render map.html (and a PNG) from a gaps or plan output folder."""
    from borderwatch.maps._i18n import LANGS
    from borderwatch.maps.rerender import rerender_map
    from borderwatch.planfiles.folders import read_plan_file, scenario_of_folder

    with guarded():
        check_choice("--lang", lang, LANGS)
        source = scenario or scenario_of_folder(folder)
        if focus is not None:
            plan = read_plan_file(folder)
            teams = [str(r["team"]) for r in plan["routes"]]
            check_choice("--focus", focus, teams)
        if png is not None:
            from borderwatch.maps.io import find_chromium

            find_chromium()
        net = load_network(source, config)
        path = rerender_map(
            net,
            folder,
            out_file=out_file,
            lang=lang,
            offline=offline,
            basemap=basemap,
            focus_team=focus,
            png=png,
        )
        out.print(f"wrote {path}" + (f" and {png}" if png else ""), highlight=False)
