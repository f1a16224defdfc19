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
    from borderwatch.config import default_language
    from borderwatch.coverage import CRITERIA, format_summary
    from borderwatch.coverage.gpx import timeline_from_gpx
    from borderwatch.jobs import run_gaps
    from borderwatch.maps._i18n import LANGS
    from borderwatch.planfiles.folders import check_output_folder
    from borderwatch.planfiles.reload import gpx_duty_margins

    with guarded():
        names = [c.strip() for c in criterion.split(",") if c.strip()]
        for name in names or [criterion]:
            check_choice("--criterion", name, list(CRITERIA))
        check_choice("--lang", lang, LANGS)
        check_files("--gpx", gpx)
        check_output_folder(out_dir, force=force, kind="gaps", scenario=scenario, claim=True)
        net = load_network(scenario, config)
        timeline = None
        if gpx:  # a plan folder's tracks hold the drives out and home: not strays
            lead, tail = gpx_duty_margins(gpx, net.config.night, net.scenario.timezone)
            timeline = timeline_from_gpx(net, gpx, lead_min=lead, tail_min=tail)
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
        shown_lang = lang or default_language(net.scenario.timezone)
        out.print(format_summary(report, lang=shown_lang), highlight=False)
        _print_border_lengths(net, shown_lang)
        out.print(f"wrote {out_dir}", highlight=False)


def _print_border_lengths(net: Any, lang: str) -> None:
    """The modelled and official border lengths side by side (and why), when the scenario has both."""
    from borderwatch.data.summary import border_lengths, border_lengths_text

    line = border_lengths_text(border_lengths(net), lang=lang)
    if line:
        out.print(line, highlight=False, soft_wrap=True)


def _km_or_nan(value: Any) -> float:
    """A km cell of ``sites.csv`` as a number; NaN for an empty cell (no stretch)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def site_table(sites: Any, lang: str = "en") -> str:
    """The printed table of ``sites.csv``: where each site is and the border it newly watches.

    ``border km`` is the chainage of the stretch only this site adds (first to last
    unit); ``to border`` the distance from the site to the border line. The words
    come from :data:`borderwatch.i18n.REPORT` in ``lang`` (``"zh"`` or ``"en"``).
    """
    from borderwatch.i18n import pad, report_labels

    L = report_labels(lang)
    rank, site, township, border, new, to_border, lon, lat = L["site_cols"].split("|")
    lines = [
        L["site_head"].format(n=len(sites)),
        f"{pad(rank, 4, '>')}  {pad(site, 10)}{pad(township, 10)}{pad(border, 16)}"
        f"{pad(new, 7, '>')}{pad(to_border, 11, '>')}{pad(lon, 12, '>')}{pad(lat, 11, '>')}",
    ]
    for row in sites.itertuples():
        # a site that newly watches nothing has no stretch: sites.csv leaves it empty
        a, b = _km_or_nan(row.from_km), _km_or_nan(row.to_km)
        span = f"{a:.2f}–{b:.2f}" if a == a and b == b else "—"
        town = str(getattr(row, "township", ""))
        lines.append(
            f"{row.rank!s:>4}  {row.candidate!s:<10}{pad(town, 10)}{span:<16}"
            f"{float(row.new_km):>7.2f}{float(row.to_border_m):>9.0f} m"
            f"{float(row.lon):>12.5f}{float(row.lat):>11.5f}"
        )
    idle = [str(r.rank) for r in sites.itertuples() if float(r.new_km) <= 0]
    if idle:  # the MILP fills --add even when fewer sites watch all that any can
        lines.append(L["site_idle"].format(n=len(idle), ranks=", ".join(idle)))
    return "\n".join(lines)


def site_line(summary: dict[str, Any], lang: str = "en") -> str:
    """The printed line under the site table: watched before and after, fewest sites, the rest.

    The method and the solver's status are shown as given in English and in
    words of :data:`borderwatch.i18n.REPORT` in Chinese (a status the table
    does not know reads "not proven optimal").
    """
    from borderwatch.fmt import km as fmt_km
    from borderwatch.i18n import report_labels

    L = report_labels(lang)

    def word(value: object) -> str:
        text = str(value)
        return L.get(f"site_{text}", text if lang == "en" else L.get("site_other", text))

    return L["site_line"].format(
        before=fmt_km(summary["watched_before_km"], ""),
        after=fmt_km(summary["watched_after_km"], ""),
        border=fmt_km(summary["border_km"], ""),
        new=fmt_km(summary["new_km"], ""),
        method=word(summary["method"]),
        status=word(summary["status"]),
        min=summary["min_sites"],
        unc=fmt_km(summary["uncoverable_km"], ""),
    )


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

    from borderwatch.config import default_language
    from borderwatch.jobs import run_site
    from borderwatch.maps._i18n import LANGS
    from borderwatch.planfiles.folders import check_output_folder

    with guarded():
        check_choice("--lang", lang, LANGS)
        check_output_folder(out_dir, force=force, kind="site", scenario=scenario, claim=True)
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
        shown_lang = lang or default_language(net.scenario.timezone)
        out.print(site_table(sites, shown_lang), highlight=False, soft_wrap=True)
        out.print(site_line(summary, shown_lang), highlight=False)
        _print_border_lengths(net, shown_lang)
        out.print(f"wrote {out_dir}", highlight=False)
