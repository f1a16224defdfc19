"""``borderwatch gaps`` and ``borderwatch site``: where the border is not watched, and where to add posts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from borderwatch.cli.app import app
from borderwatch.cli.common import (
    BasemapOpt,
    ConfigOpt,
    ForceOpt,
    LangOpt,
    MaxRevisitOpt,
    NoMapOpt,
    OfflineOpt,
    OutDirOpt,
    ScenarioArg,
    check_choice,
    check_files,
    guarded,
    load_network,
    out,
    step,
)

__all__ = ["gaps_command", "site_command"]


@app.command("gaps")
def gaps_command(
    scenario: ScenarioArg = "ningming",
    out_dir: OutDirOpt = Path("out/gaps"),
    criterion: Annotated[
        str,
        typer.Option(
            help="checkpoint, response, road, revisit or a comma list (watched if any holds)."
        ),
    ] = "checkpoint",
    gpx: Annotated[
        list[Path] | None,
        typer.Option(
            "--gpx", help="GPS tracks (GPX files or folders of them) of a night, for 'revisit'."
        ),
    ] = None,
    max_response: Annotated[
        float | None,
        typer.Option(help="Response-time target, minutes (default: the scenario's, 30).", min=1),
    ] = None,
    max_revisit: MaxRevisitOpt = None,
    config: ConfigOpt = None,
    lang: LangOpt = None,
    offline: OfflineOpt = True,
    basemap: BasemapOpt = None,
    no_map: NoMapOpt = False,
    force: ForceOpt = False,
) -> None:
    """Find where the border is not watched; write gaps.csv/.geojson, units.gpkg, grids.csv, summary.json, map.html."""
    from borderwatch.coverage import CRITERIA, format_summary
    from borderwatch.coverage.gpx import timeline_from_gpx
    from borderwatch.jobs import run_gaps
    from borderwatch.maps._i18n import LANGS
    from borderwatch.planfiles.folders import check_output_folder

    with guarded():
        names = [c.strip() for c in criterion.split(",") if c.strip()]
        for name in names or [criterion]:
            check_choice("--criterion", name, list(CRITERIA))
        check_choice("--lang", lang, LANGS)
        check_files("--gpx", gpx)
        check_output_folder(out_dir, force=force, kind="gaps", scenario=scenario)
        net = load_network(scenario, config)
        timeline = timeline_from_gpx(net, gpx) if gpx else None
        with step("measuring coverage …"):
            report, _ = run_gaps(
                net,
                out_dir,
                criterion=names,
                timeline=timeline,
                max_response_min=max_response,
                max_revisit_min=max_revisit,
                map_html=not no_map,
                lang=lang,
                offline=offline,
                basemap=basemap,
            )
        out.print(format_summary(report), highlight=False)
        _print_border_lengths(net)
        out.print(f"wrote {out_dir}", highlight=False)


def _print_border_lengths(net: Any) -> None:
    """The modelled and official border lengths side by side (and why), when the scenario has both."""
    from borderwatch.data.summary import border_lengths, border_lengths_text

    line = border_lengths_text(border_lengths(net))
    if line:
        out.print(line, highlight=False, soft_wrap=True)


def site_table(sites: Any) -> str:
    """The printed table of ``sites.csv``: where each site is and the border it newly watches.

    ``border km`` is the chainage of the stretch only this site adds (first to last
    unit); ``to border`` the distance from the site to the border line.
    """
    lines = [
        f"{len(sites)} new checkpoint sites (border km: the stretch each newly watches; "
        "to border: the site's distance from the border line)",
        f"{'rank':>4}  {'site':<10}{'township':<10}{'border km':<16}{'new km':>7}"
        f"{'to border':>11}{'lon':>12}{'lat':>11}",
    ]
    for row in sites.itertuples():
        a, b = float(row.from_km), float(row.to_km)
        span = f"{a:.2f}–{b:.2f}" if a == a and b == b else "—"
        town = str(getattr(row, "township", ""))
        # CJK characters take two columns on a terminal
        pad = max(0, 10 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in town))
        lines.append(
            f"{row.rank!s:>4}  {row.candidate!s:<10}{town}{' ' * pad}{span:<16}"
            f"{float(row.new_km):>7.2f}{float(row.to_border_m):>9.0f} m"
            f"{float(row.lon):>12.5f}{float(row.lat):>11.5f}"
        )
    return "\n".join(lines)


@app.command("site")
def site_command(
    scenario: ScenarioArg = "ningming",
    add: Annotated[
        int, typer.Option("--add", "-k", help="Number of new checkpoint sites.", min=0)
    ] = 5,
    out_dir: OutDirOpt = Path("out/site"),
    risk: Annotated[
        bool, typer.Option("--risk/--no-risk", help="Weight border km by incident risk.")
    ] = False,
    radius: Annotated[
        float | None, typer.Option(help="Watch radius of a new site, m.", min=1)
    ] = None,
    time_limit_s: Annotated[
        float, typer.Option("--time-limit", help="Seconds per MILP solve.", min=0.1)
    ] = 60.0,
    config: ConfigOpt = None,
    lang: LangOpt = None,
    offline: OfflineOpt = True,
    basemap: BasemapOpt = None,
    no_map: NoMapOpt = False,
    force: ForceOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Propose K new checkpoint sites (max coverage) and the fewest sites to watch everything.

    Writes sites.csv, sites.geojson, uncoverable.csv, siting.json and map.html
    (the sites numbered by rank, their radii, the border they newly watch).
    """
    import pandas as pd

    from borderwatch.jobs import run_site
    from borderwatch.maps._i18n import LANGS
    from borderwatch.planfiles.folders import check_output_folder

    with guarded():
        check_choice("--lang", lang, LANGS)
        check_output_folder(out_dir, force=force, kind="site", scenario=scenario)
        net = load_network(scenario, config)
        with step(f"siting {add} checkpoints …"):
            _result, summary = run_site(
                net,
                out_dir,
                add=add,
                risk=risk,
                radius_m=radius,
                time_limit_s=time_limit_s,
                map_html=not no_map,
                lang=lang,
                offline=offline,
                basemap=basemap,
            )
        if as_json:
            shown = {k: v for k, v in summary.items() if k != "files"}
            out.print_json(json.dumps(shown, ensure_ascii=False, default=str))
            return
        sites = pd.read_csv(Path(out_dir) / "sites.csv", keep_default_na=False)
        out.print(site_table(sites), highlight=False, soft_wrap=True)
        out.print(
            f"watched {summary['watched_before_km']:.2f} → {summary['watched_after_km']:.2f} of "
            f"{summary['border_km']:.2f} km (+{summary['new_km']:.2f} km; {summary['method']}, "
            f"{summary['status']}); fewest sites to watch all that any site can: "
            f"{summary['min_sites']}; {summary['uncoverable_km']:.2f} km no site can watch",
            highlight=False,
        )
        _print_border_lengths(net)
        out.print(f"wrote {out_dir}", highlight=False)
