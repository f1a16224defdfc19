"""``borderwatch brief``: the printable night briefing (PDF and HTML) of a plan folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from borderwatch.cli.app import app
from borderwatch.cli.common import (
    ConfigOpt,
    FolderScenarioOpt,
    ForceOpt,
    LangOpt,
    OutDirOpt,
    check_choice,
    check_files,
    guarded,
    load_network,
    out,
    parse_night_date,
    step,
)

__all__ = ["brief_command"]


@app.command("brief")
def brief_command(
    plan_dir: Annotated[Path, typer.Argument(help="Output folder of `borderwatch plan`.")],
    out_dir: OutDirOpt = Path("out/brief"),
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster", help="A week folder of `borderwatch roster` (crews, leader, shifts)."
        ),
    ] = None,
    lang: LangOpt = None,
    night: Annotated[
        str | None,
        typer.Option(help="Date the night starts, YYYY-MM-DD (default: the plan's night)."),
    ] = None,
    scenario: FolderScenarioOpt = None,
    config: ConfigOpt = None,
    force: ForceOpt = False,
) -> None:
    """Write brief.pdf (A4) and brief.html: commander page, township pages, a card per team."""
    from borderwatch.maps._i18n import LANGS
    from borderwatch.maps.brief import write_brief
    from borderwatch.maps.io import find_chromium
    from borderwatch.planfiles.folders import (
        check_output_folder,
        read_plan_file,
        scenario_of_folder,
    )

    with guarded():
        check_choice("--lang", lang, LANGS)
        check_files("--roster", [roster] if roster else None)
        day = parse_night_date(night)
        read_plan_file(plan_dir)
        source = scenario or scenario_of_folder(plan_dir)
        check_output_folder(out_dir, force=force, scenario=source, claim=True)
        find_chromium()
        net = load_network(source, config)
        with step("writing the briefing …"):
            pdf = write_brief(
                plan_dir, out_dir, roster_dir=roster, lang=lang, night=day, network=net
            )
        out.print(f"wrote {pdf} and {pdf.with_name('brief.html')}", highlight=False)
