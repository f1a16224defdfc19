"""The ``borderwatch`` command line (Typer).

Every command prints a short human summary; ``--json`` where offered prints
machine-readable output instead. Exit codes: 0 ok, 2 bad input.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from borderwatch import __version__
from borderwatch.errors import BorderwatchError, ScenarioWarning

app = typer.Typer(
    name="borderwatch",
    help="Border patrol coverage: gaps, night-patrol routes, rosters and maps.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenario_app = typer.Typer(help="Inspect, validate and generate scenarios.", no_args_is_help=True)
network_app = typer.Typer(help="Build and export the patrol network.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
app.add_typer(network_app, name="network")

out = Console()
err = Console(stderr=True, soft_wrap=True)

ScenarioArg = Annotated[
    str, typer.Argument(help="Embedded scenario name (ningming) or a scenario folder.")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML file of PlanConfig options.", exists=False),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"borderwatch {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output.")
    ] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Border patrol coverage engine."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@contextmanager
def _errors() -> Iterator[None]:
    """Turn borderwatch errors into a one-line message and exit code 2; show warnings plainly."""

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, ScenarioWarning):
            err.print(f"[yellow]warning:[/] {message}", highlight=False)
        else:
            err.print(f"[yellow]{category.__name__}:[/] {message}", highlight=False)

    previous = warnings.showwarning
    warnings.showwarning = show
    try:
        yield
    except BorderwatchError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        warnings.showwarning = previous


def _step(message: str) -> Any:
    return err.status(message, spinner="dots") if sys.stderr.isatty() else _null()


@contextmanager
def _null() -> Iterator[None]:
    yield


def _load(scenario: str, config: Path | None) -> tuple[Any, Any]:
    from borderwatch.config import from_mapping, load_config
    from borderwatch.data import load_scenario

    with _step(f"loading scenario {scenario} …"):
        scn = load_scenario(scenario)
    base = from_mapping(
        {**dict(scn.defaults), "night_start": scn.night_window[0], "night_end": scn.night_window[1]}
    )
    cfg = load_config(config, base=base) if config else base
    return scn, cfg


def _network(scenario: str, config: Path | None) -> Any:
    from borderwatch.data import build_network

    scn, cfg = _load(scenario, config)
    with _step("building the patrol network …"):
        return build_network(scn, cfg)


def _guarded(fn: Callable[[], None]) -> None:
    with _errors():
        fn()


@scenario_app.command("info")
def scenario_info(
    scenario: ScenarioArg = "ningming",
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print a scenario's figures: border length, roads, checkpoints, teams, grids."""
    from borderwatch.data.summary import scenario_summary

    def run() -> None:
        net = _network(scenario, config)
        summary = scenario_summary(net)
        if as_json:
            out.print_json(json.dumps(summary, ensure_ascii=False))
            return
        _print_summary(summary)

    _guarded(run)


def _print_summary(s: dict[str, Any]) -> None:
    table = Table(title=f"{s['title']} ({s['name']})", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    official = s["border_km_official"]
    table.add_row(
        "border",
        f"{s['border_km_modelled']:.1f} km modelled"
        + (f", {official:.0f} km official" if official else "")
        + f" ({s['units']} units of {s['unit_length_m']:.0f} m)",
    )
    table.add_row("CRS / time zone", f"{s['crs']} / {s['timezone']}, night {s['night_window']}")
    table.add_row(
        "road graph", f"{s['nodes']:,} nodes, {s['edges']:,} edges, {s['roads_km']:,.1f} km"
    )
    if s["components"] > 1:
        table.add_row("road components", str(s["components"]))
    for cls, km in s["roads_km_by_class"].items():
        table.add_row(f"  {cls}", f"{km:,.1f} km")
    table.add_row("checkpoints", str(s["checkpoints"]))
    vehicles = ", ".join(f"{k} {v}" for k, v in s["teams_by_vehicle"].items())
    table.add_row("teams", f"{s['teams']} ({vehicles})")
    table.add_row(
        "border townships", f"{len(s['border_townships'])}: {', '.join(s['border_townships'])}"
    )
    grids = s["grids"]
    table.add_row(
        "grids",
        ", ".join(f"{grids.get(k, 0)} {k}" for k in ("township", "village", "cell")),
    )
    if s["incidents"]:
        table.add_row("incidents", str(s["incidents"]))
    out.print(table)
    for layer, text in s["provenance"].items():
        out.print(f"[dim]{layer}: {text}[/]", highlight=False)


@scenario_app.command("validate")
def scenario_validate(
    path: Annotated[str, typer.Argument(help="Scenario folder (or embedded name) to check.")],
    config: ConfigOpt = None,
) -> None:
    """Check a scenario folder: files, fields, geometry, snapping, connectivity."""

    def run() -> None:
        net = _network(path, config)
        out.print(
            f"[green]ok[/]: {net.scenario.name}: {net.border_m / 1000:.1f} km of border, "
            f"{len(net.edges):,} road edges, {len(net.checkpoints)} checkpoints, {len(net.teams)} teams"
        )

    _guarded(run)


@scenario_app.command("generate")
def scenario_generate(
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write (must not exist or be empty).")
    ],
    border_km: Annotated[float, typer.Option(help="Border length in km.", min=0.5)] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed.", min=0)] = 7,
    checkpoints: Annotated[
        int | None, typer.Option(help="Number of checkpoints (default scales with length).")
    ] = None,
    teams: Annotated[
        int | None, typer.Option(help="Number of teams (default scales with length).")
    ] = None,
    road_density: Annotated[
        float | None,
        typer.Option(
            help="Directed road edges per km² of area (default 3.5, about Ningming's density)."
        ),
    ] = None,
    roads_format: Annotated[str, typer.Option(help="osm.gz, osm or gpkg.")] = "osm.gz",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing folder.")] = False,
) -> None:
    """Generate a synthetic scenario folder of any size, deterministic per seed."""
    from borderwatch.data.scenario_io import write_scenario
    from borderwatch.data.synthetic import generate_scenario

    def run() -> None:
        with _step(f"generating {border_km:g} km scenario (seed {seed}) …"):
            scn = generate_scenario(
                border_km, seed, n_checkpoints=checkpoints, n_teams=teams, road_density=road_density
            )
        with _step(f"writing {out_dir} …"):
            write_scenario(scn, out_dir, roads_format=roads_format, overwrite=force)
        out.print(
            f"wrote {out_dir}: {border_km:g} km border, {scn.roads.number_of_nodes():,} road nodes, "
            f"{len(scn.checkpoints)} checkpoints, {len(scn.teams)} teams"
        )

    _guarded(run)


@network_app.command("export")
def network_export(
    scenario: ScenarioArg = "ningming",
    gpkg: Annotated[Path, typer.Option("--gpkg", help="GeoPackage file to write.")] = Path(
        "network.gpkg"
    ),
    config: ConfigOpt = None,
) -> None:
    """Write nodes, edges, units, checkpoints and teams as GeoPackage layers."""

    def run() -> None:
        net = _network(scenario, config)
        with _step(f"writing {gpkg} …"):
            net.to_gpkg(gpkg)
        out.print(
            f"wrote {gpkg}: {len(net.nodes):,} nodes, {len(net.edges):,} edges, "
            f"{len(net.units):,} units, {len(net.checkpoints)} checkpoints, {len(net.teams)} teams"
        )

    _guarded(run)


LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Map language: zh or en (default: zh for Chinese scenarios)."),
]
OfflineOpt = Annotated[
    bool,
    typer.Option(
        "--offline/--online", help="Inline every script in map.html (no CDN; default) or link them."
    ),
]
OutDirOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Write into a non-empty folder.")]
NoMapOpt = Annotated[bool, typer.Option("--no-map", help="Do not write map.html.")]
MaxRevisitOpt = Annotated[float, typer.Option(help="Revisit-interval target, minutes.")]
BasemapOpt = Annotated[
    str | None,
    typer.Option("--basemap", help="xyzservices name, a {z}/{x}/{y} URL/folder, or none."),
]


def _check_out(out_dir: Path, force: bool) -> None:
    from borderwatch.errors import BorderwatchError

    if out_dir.exists() and not out_dir.is_dir():
        raise BorderwatchError(f"{out_dir}: --out exists and is not a folder")
    ours = (out_dir / "summary.json").is_file() or (out_dir / "siting.json").is_file()
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (force or ours):
        raise BorderwatchError(
            f"{out_dir}: output folder is not empty and holds no earlier borderwatch output; "
            "use --force to write into it"
        )


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
        list[Path] | None, typer.Option("--gpx", help="GPS tracks (GPX) of a night, for 'revisit'.")
    ] = None,
    max_response: Annotated[float, typer.Option(help="Response-time target, minutes.")] = 30.0,
    max_revisit: MaxRevisitOpt = 120.0,
    config: ConfigOpt = None,
    lang: LangOpt = None,
    offline: OfflineOpt = True,
    basemap: BasemapOpt = None,
    no_map: NoMapOpt = False,
    force: ForceOpt = False,
) -> None:
    """Find where the border is not watched; write gaps.csv/.geojson, units.gpkg, grids.csv, summary.json, map.html."""
    from borderwatch.coverage import PatrolTimeline, format_summary
    from borderwatch.jobs import run_gaps

    def run() -> None:
        _check_out(out_dir, force)
        net = _network(scenario, config)
        timeline = PatrolTimeline.from_gpx(net, gpx) if gpx else None
        names = [c.strip() for c in criterion.split(",") if c.strip()]
        with _step("measuring coverage …"):
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
        out.print(f"wrote {out_dir}")

    _guarded(run)


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
    radius: Annotated[float | None, typer.Option(help="Watch radius of a new site, m.")] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds per MILP solve.")] = 60.0,
    config: ConfigOpt = None,
    force: ForceOpt = False,
) -> None:
    """Propose K new checkpoint sites (max coverage) and the fewest sites to watch everything."""
    from borderwatch.coverage import site_checkpoints, write_siting

    def run() -> None:
        _check_out(out_dir, force)
        net = _network(scenario, config)
        with _step(f"siting {add} checkpoints …"):
            result = site_checkpoints(net, add, risk=risk, radius_m=radius, time_limit_s=time_limit)
        summary = write_siting(result, out_dir)
        out.print_json(
            json.dumps(
                {k: v for k, v in summary.items() if k != "files"}, ensure_ascii=False, default=str
            )
        )
        out.print(f"wrote {out_dir}")

    _guarded(run)


@app.command("plan")
def plan_command(
    scenario: ScenarioArg = "ningming",
    out_dir: OutDirOpt = Path("out/plan"),
    time_limit: Annotated[float, typer.Option(help="Seconds of routing search.", min=0.1)] = 20.0,
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
    max_revisit: MaxRevisitOpt = 120.0,
    config: ConfigOpt = None,
    lang: LangOpt = None,
    offline: OfflineOpt = True,
    basemap: BasemapOpt = None,
    no_map: NoMapOpt = False,
    force: ForceOpt = False,
) -> None:
    """Plan the night patrols: required roads, min-max routes for every team, the night schedule."""
    from datetime import date

    from borderwatch.errors import BorderwatchError
    from borderwatch.jobs import run_plan

    def run() -> None:
        try:
            day = date.fromisoformat(night) if night else date.today()
        except ValueError:
            raise BorderwatchError(f"--night: not a date YYYY-MM-DD: {night!r}") from None
        _check_out(out_dir, force)
        net = _network(scenario, config)
        status = err.status("planning …", spinner="dots") if sys.stderr.isatty() else _null()
        with status as s:

            def progress(msg: str) -> None:
                if s is not None:
                    s.update(f"{msg} …")
                else:
                    logging.getLogger("borderwatch").info(msg)

            run_plan(
                net,
                out_dir,
                night=day,
                time_limit=time_limit,
                seed=seed,
                always_patrol=always or (),
                max_revisit_min=max_revisit,
                map_html=not no_map,
                lang=lang,
                offline=offline,
                basemap=basemap,
                progress=progress,
            )
        out.print((out_dir / "report.txt").read_text(encoding="utf-8"), highlight=False)
        out.print(f"wrote {out_dir}")

    _guarded(run)


@app.command("map")
def map_command(
    folder: Annotated[
        Path, typer.Argument(help="Output folder of `borderwatch gaps` or `borderwatch plan`.")
    ],
    scenario: Annotated[
        str | None,
        typer.Option(help="Scenario the folder was made from (default: as recorded in it)."),
    ] = None,
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
    from borderwatch.maps.rerender import rerender_map

    def run() -> None:
        from borderwatch.errors import BorderwatchError

        summary_path = folder / "summary.json"
        if not summary_path.is_file():
            raise BorderwatchError(
                f"{summary_path}: not found; give the output folder of gaps or plan"
            )
        recorded = json.loads(summary_path.read_text(encoding="utf-8"))
        net = _network(scenario or str(recorded.get("source") or recorded["scenario"]), config)
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
        out.print(f"wrote {path}" + (f" and {png}" if png else ""))

    _guarded(run)


@app.command("batch")
def batch(
    spec: Annotated[
        Path, typer.Argument(help="Batch spec (TOML): scenarios x a grid of variants.")
    ],
    out_dir: OutDirOpt,
    local: Annotated[
        int | None,
        typer.Option(
            "--local", min=1, help="Start a LocalCluster of N worker processes (default: cores)."
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler, tcp://HOST:8786."),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume", help="Skip tasks whose output exists with the same inputs."
        ),
    ] = True,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds to reach the scheduler.")
    ] = 10.0,
) -> None:
    """Run many gaps/plan tasks (scenarios x variants) on a Dask cluster; write summary.parquet and .csv."""
    from borderwatch.batch.cli_command import batch_command

    with _errors():
        code = batch_command(
            spec,
            out_dir,
            local=local,
            scheduler=scheduler,
            resume=resume,
            timeout=timeout,
            console=err,
        )
    if code:
        raise typer.Exit(code)


@app.command("teams")
def teams_command(
    scenario: ScenarioArg = "ningming",
    target: Annotated[
        float, typer.Option("--target", help="Worst revisit target, minutes.", min=1)
    ] = 120.0,
    time_limit: Annotated[
        float, typer.Option(help="Seconds of routing search per plan.", min=0.1)
    ] = 5.0,
    seed: Annotated[int, typer.Option(help="Random seed.", min=0)] = 0,
    config: ConfigOpt = None,
) -> None:
    """Team sizing: the fewest teams reaching a worst-revisit target, and the stretches that bind."""
    from borderwatch.routing.sizing import size_teams

    def run() -> None:
        net = _network(scenario, config)
        with _step("sizing teams …"):
            result = size_teams(net, target_min=target, time_limit=time_limit, seed=seed)
        table = Table(
            title=f"worst revisit by number of teams (target {target:g} min)", title_justify="left"
        )
        table.add_column("teams", justify="right")
        table.add_column("worst revisit, min", justify="right")
        for k, worst in result.worst_by_k.items():
            table.add_row(str(k), f"{worst:.1f}")
        out.print(table)
        if result.fewest is None:
            out.print(
                f"the {len(result.order)} teams reach at best {result.best_min:.1f} min: "
                f"the target of {target:g} min needs more teams or shorter loops"
            )
        else:
            out.print(f"fewest teams: {result.fewest} ({', '.join(result.order[: result.fewest])})")
        for a, b, township, worst in result.binding:
            out.print(f"  binds: km {a:.2f}-{b:.2f} {township} ({worst:.1f} min)", highlight=False)

    _guarded(run)


@app.command("roster")
def roster_command(
    week: Annotated[str, typer.Option("--week", "-w", help="ISO week, e.g. 2026-W49.")],
    scenario: ScenarioArg = "ningming",
    people: Annotated[
        Path | None, typer.Option(help="Personnel file (default: people.csv of the scenario).")
    ] = None,
    plan: Annotated[
        Path | None, typer.Option(help="plan.json of `borderwatch plan` (route variants).")
    ] = None,
    history: Annotated[
        Path | None, typer.Option(help="Folder of earlier weeks (default: --out).")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder; the week goes to OUT/YYYY-Www.")
    ] = Path("out/roster"),
    salt: Annotated[
        str | None,
        typer.Option(
            help="Secret of the route rotation.", envvar="BORDERWATCH_ROSTER_SALT", show_envvar=True
        ),
    ] = None,
    max_shifts: Annotated[
        int | None, typer.Option(help="Most duties per person per week (default 5).", min=1)
    ] = None,
    max_night_shifts: Annotated[
        int | None, typer.Option(help="Most night duties per person per week (default 3).", min=0)
    ] = None,
    rest_hours: Annotated[
        float | None, typer.Option(help="Least rest between duties, hours (default 12).", min=0)
    ] = None,
    formats: Annotated[
        list[str] | None,
        typer.Option("--format", help="csv, json, diff, xlsx, ics (repeat; default all)."),
    ] = None,
    time_limit: Annotated[float, typer.Option(help="HiGHS seconds per pool.", min=0.1)] = 60.0,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Solve and report; write nothing.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing week.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Weekly roster: team route variants, checkpoint shifts, the inspecting leader. Exit 0 ok, 2 bad input, 3 infeasible."""
    from borderwatch.roster.cli_command import roster_command as run

    with _errors():
        code = run(
            week, scenario, people=people, plan=plan, history=history, out=out_dir, salt=salt,
            force=force, dry_run=dry_run, formats=formats, time_limit=time_limit,
            max_shifts=max_shifts, max_night_shifts=max_night_shifts, rest_hours=rest_hours,
            as_json=as_json,
        )  # fmt: skip
    if code:
        raise typer.Exit(code)
