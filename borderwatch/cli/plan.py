"""``borderwatch plan`` and ``borderwatch teams``: night-patrol routes, and how many teams they need."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from borderwatch.cli.app import app
from borderwatch.cli.common import (
    BasemapOpt,
    ConfigOpt,
    ForceOpt,
    LangOpt,
    MaxIterationsOpt,
    MaxRevisitOpt,
    NoMapOpt,
    OfflineOpt,
    OutDirOpt,
    ScenarioArg,
    adding_to,
    check_choice,
    guarded,
    load_network,
    out,
    parse_night_date,
    step,
)
from borderwatch.config import LOOP_RULES, SearchParams
from borderwatch.errors import ConfigError, PlanWarning

if TYPE_CHECKING:
    from datetime import date

    import numpy as np

    from borderwatch.data.network import PatrolNetwork

__all__ = ["plan_command", "teams_command"]


def _check_sector_options(sectors: str | None, scheduler: str | None, workers: int | None) -> None:
    """``--sectors`` parses; ``--scheduler`` and ``--workers`` only with it, not both."""
    if sectors is not None:
        from borderwatch.plan.sectors import parse_sectors

        parse_sectors(sectors)
    elif scheduler is not None or workers is not None:
        raise ConfigError(
            "only with --sectors",
            field="--scheduler" if scheduler is not None else "--workers",
            value=scheduler if scheduler is not None else workers,
        )
    if scheduler is not None and workers is not None:
        raise ConfigError(
            "give --workers (a local cluster) or --scheduler, not both",
            field="--workers",
            value=workers,
        )


def _log_weights(
    net: PatrolNetwork, db: str | None, day: date
) -> tuple[np.ndarray, dict[str, Any]]:
    """Risk weights from the duty log (``--risk-from-log``), announced on the terminal.

    Also what was read, for ``plan.json`` and ``report.txt`` (:meth:`LogRisk.record`): a
    plan made from the log differs from one made from the scenario's incidents.
    """
    from borderwatch.log.db import open_log
    from borderwatch.log.risk import risk_from_log as log_risk

    engine = open_log(db, create=False)
    risk = log_risk(engine, net, day)
    weights = risk.weights
    out.print(
        f"risk from the duty log: {risk.nights} nights, {risk.incidents} incidents; "
        f"weights {weights.min():.2f}-{weights.max():.2f}",
        highlight=False,
    )
    return weights, risk.record(engine.url.render_as_string(hide_password=True))


@app.command("plan")
def plan_command(
    scenario: ScenarioArg = "ningming",
    out_dir: OutDirOpt = Path("out/plan"),
    time_limit: Annotated[
        float,
        typer.Option(
            help="Size of the routing search, in seconds of an idle core; counted in "
            "iterations (the same files on any machine), 10x it caps the wall time.",
            min=0.1,
        ),
    ] = 20.0,
    max_iterations: MaxIterationsOpt = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: config seed).", min=0)
    ] = None,
    night: Annotated[
        str | None,
        typer.Option(help="Date the night starts, YYYY-MM-DD (GPX times; default: today)."),
    ] = None,
    always: Annotated[
        list[str] | None,
        typer.Option("--always", help="Road name, OSM id or class patrolled in any case."),
    ] = None,
    max_revisit: MaxRevisitOpt = None,
    teams: Annotated[
        str | None,
        typer.Option("--teams", help="Plan with these teams only, e.g. T01,T03."),
    ] = None,
    n_teams: Annotated[
        int | None,
        typer.Option(
            "--n-teams", help="Plan with this many teams, spread along the border.", min=1
        ),
    ] = None,
    night_window: Annotated[
        str | None,
        typer.Option("--night-window", help="Night window HH:MM-HH:MM (default: the scenario's)."),
    ] = None,
    config: ConfigOpt = None,
    lang: LangOpt = None,
    offline: OfflineOpt = True,
    basemap: BasemapOpt = None,
    no_map: NoMapOpt = False,
    brief: Annotated[
        bool,
        typer.Option(
            "--brief", help="Also write the night briefing brief.pdf and brief.html (chromium)."
        ),
    ] = False,
    force: ForceOpt = False,
    sectors: Annotated[
        str | None,
        typer.Option(
            "--sectors",
            help="Plan a long border in sectors: 'auto' (about 50 teams or 500 km each) or a "
            "number; the sectors run in parallel on Dask.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler for --sectors, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Local Dask workers for --sectors (default: one per sector, at most the "
            "usable CPUs); 0 plans the sectors one after another in this process.",
            min=0,
        ),
    ] = None,
    crossing_min: Annotated[
        float | None,
        typer.Option(
            "--crossing-min",
            help="Minutes a crossing is in view of the roads that watch it, for the detection "
            "probabilities (default: the scenario's, 15; crossing.csv overrides per stretch).",
            min=0.5,
            max=600,
        ),
    ] = None,
    risk_from_log: Annotated[
        bool,
        typer.Option(
            "--risk-from-log",
            help="Weight stretches by the duty log's recorded incidents (decayed Gamma-Poisson "
            "estimate) and repeatedly missed stretches, instead of incidents.csv.",
        ),
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Duty log URL for --risk-from-log (default: the user's log)."),
    ] = None,
    loops: Annotated[
        str | None,
        typer.Option(
            "--loops",
            help="The loop rule: 'base' (every loop passes the team's base) or 'circuit' "
            "(drive out once, then circle roads within max_approach_min of the base); "
            "default the config's loops, 'base'.",
        ),
    ] = None,
    detours: Annotated[
        bool,
        typer.Option(
            "--detours",
            help="Let the detection odds draw turn-backs on the stretch of each team's weakest "
            "units (within the plan's worst revisit) as route variants: listed in plan.json, "
            "drawn by the roster, on the briefing's card, gpx/variants/<variant>.gpx "
            "(default: the config's detours, off).",
        ),
    ] = False,
    detour_max: Annotated[
        float | None,
        typer.Option(
            "--detour-max-min",
            help="Longest loop a drawn detour may make, in minutes, at most the revisit "
            "target (default: the config's detour_max_min, else the plan's worst revisit).",
        ),
    ] = None,
) -> None:
    """Plan the night patrols: required roads, min-max routes for every team, the night schedule."""
    from datetime import date

    from borderwatch.i18n import LANGS  # not borderwatch.maps': that package imports folium
    from borderwatch.jobs import run_plan
    from borderwatch.planfiles.folders import check_output_folder

    with guarded():
        day = parse_night_date(night) or date.today()
        if night is None:  # say which night the GPX times and the report are for
            warnings.warn(
                f"no --night: planning for tonight, {day.isoformat()}", PlanWarning, stacklevel=2
            )
        check_choice("--lang", lang, LANGS)
        check_choice("--loops", loops, LOOP_RULES)
        _check_sector_options(sectors, scheduler, workers)
        check_output_folder(out_dir, force=force, kind="plan", scenario=scenario, claim=True)
        if brief:
            from borderwatch.maps.io import find_chromium

            find_chromium()
        net = load_network(scenario, config)
        if loops is not None and loops != net.config.loops:
            net = net.with_config(net.config.replace(loops=loops))
        if detour_max is not None:
            net = net.with_config(net.config.replace(detour_max_min=detour_max))
        if risk_from_log and sectors is not None:
            raise ConfigError(
                "a plan in sectors takes the scenario's incidents: plan the whole border "
                "to weigh it by the duty log",
                field="--risk-from-log",
                value=sectors,
            )
        weights, risk_record = _log_weights(net, db, day) if risk_from_log else (None, None)
        with step("planning …") as status:
            run_plan(
                net,
                out_dir,
                night=day,
                search=SearchParams(
                    time_limit_s=time_limit, max_iterations=max_iterations, seed=seed
                ),
                always_patrol=always or (),
                max_revisit_min=max_revisit,
                teams=teams.split(",") if teams else None,
                n_teams=n_teams,
                night_window=night_window,
                sectors=sectors,
                scheduler=scheduler,
                workers=workers,
                crossing_min=crossing_min,
                risk_weights=weights,
                risk_from_log=risk_record,
                detours=True if detours else None,
                map_html=not no_map,
                lang=lang,
                offline=offline,
                basemap=basemap,
                progress=lambda msg: status.update(f"{msg} …"),
            )
        # markup=False: the report holds literal brackets ("[extension]") that rich would eat
        out.print(
            (out_dir / "report.txt").read_text(encoding="utf-8"), highlight=False, markup=False
        )
        if brief:
            from borderwatch.maps.brief import write_brief

            # the plan folder is in place: a Ctrl-C now says the briefing is not in it
            with (
                adding_to(out_dir, "the briefing (brief.html, brief.pdf)"),
                step("writing the briefing …"),
            ):
                write_brief(out_dir, out_dir, lang=lang, night=day, network=net)
        out.print(f"wrote {out_dir}", highlight=False)


@app.command("teams")
def teams_command(
    scenario: ScenarioArg = "ningming",
    target: Annotated[
        float | None,
        typer.Option("--target", help="Worst revisit target, minutes (default 120).", min=1),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            help="Most seconds of routing search per plan: a safety cap; the search stops "
            "by --max-iterations.",
            min=0.1,
        ),
    ] = 10.0,
    max_iterations: Annotated[
        int | None,
        typer.Option(
            help="Iterations of each plan's routing search (default 1000): the same answer "
            "on any machine.",
            min=0,
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: config seed).", min=0)
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also write teams.json and teams.csv to this folder."),
    ] = None,
    config: ConfigOpt = None,
    force: ForceOpt = False,
) -> None:
    """Team sizing: the fewest teams reaching a worst-revisit target, and the stretches that bind."""
    from borderwatch.plan.sizing import SIZING_ITERATIONS, size_teams, write_sizing
    from borderwatch.planfiles.folders import check_output_folder

    with guarded():
        if out_dir is not None:
            check_output_folder(out_dir, force=force, kind="teams", scenario=scenario, claim=True)
        net = load_network(scenario, config)
        goal = net.config.targets.max_revisit_min if target is None else target
        with step("sizing teams …") as status:
            result = size_teams(
                net,
                target_min=goal,
                search=SearchParams(
                    time_limit_s=time_limit,
                    max_iterations=SIZING_ITERATIONS if max_iterations is None else max_iterations,
                    seed=seed,
                    bound_rounds=0,
                ),
                progress=lambda msg: status.update(f"{msg} …"),
            )
        table = Table(
            title=f"worst revisit by number of teams (target {goal:g} min)", title_justify="left"
        )
        table.add_column("teams", justify="right")
        table.add_column("worst revisit, min", justify="right")
        for k, worst in result.worst_by_k.items():
            table.add_row(str(k), f"{worst:.1f}")
        out.print(table)
        if result.fewest is None:
            out.print(
                f"the {len(result.order)} teams reach at best {result.best_min:.1f} min: "
                f"the target of {goal:g} min needs more teams or shorter loops",
                highlight=False,
            )
        else:
            out.print(
                f"fewest teams: {result.fewest} ({', '.join(result.order[: result.fewest])})",
                highlight=False,
            )
        for a, b, township, worst in result.binding:
            out.print(f"  binds: km {a:.2f}-{b:.2f} {township} ({worst:.1f} min)", highlight=False)
        its = SIZING_ITERATIONS if max_iterations is None else max_iterations
        out.print(
            f"(each count planned with a {its:,}-iteration search: `borderwatch plan` with the "
            "chosen teams searches longer and may come out a little shorter)",
            highlight=False,
        )
        if out_dir is not None:
            files = write_sizing(result, out_dir)
            out.print(f"wrote {', '.join(str(f) for f in files)}", highlight=False)
