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
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing map.html (or --out, --png file).")
    ] = False,
) -> None:
    """Re-render map.html (and a PNG) from a gaps or plan output folder.

    An existing map (FOLDER/map.html, the --out file, the --png file) is replaced
    only with --force: a map in another language goes to another file (--out).
    """
    from borderwatch.maps._i18n import LANGS
    from borderwatch.maps.rerender import rerender_map
    from borderwatch.planfiles.folders import read_plan_file, scenario_of_folder

    with guarded():
        check_choice("--lang", lang, LANGS)
        _check_map_targets(folder, out_file, png, force=force)
        source = scenario or scenario_of_folder(folder)
        if focus is not None:
            plan = read_plan_file(folder)
            teams = list(plan.teams)
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


def _check_map_targets(
    folder: Path, out_file: Path | None, png: Path | None, *, force: bool
) -> None:
    """Refuse a map or PNG target that is a folder, or that exists without ``--force``."""
    from borderwatch.errors import BorderwatchError, OutputExistsError

    targets = [("--out", out_file or folder / "map.html"), ("--png", png)]
    for option, path in targets:
        if path is None:
            continue
        if path.is_dir():
            raise BorderwatchError(
                f"{path}: {option} is a folder; give the name of a file, e.g. {path / 'map.html'}"
                if option == "--out"
                else f"{path}: {option} is a folder; give the name of a file, e.g. {path / 'map.png'}"
            )
        if path.exists() and not force:
            raise OutputExistsError(
                f"{path}: exists already; use --force to replace it, or --out/--png to write "
                "another file (e.g. map-en.html for a map in another language)"
            )
