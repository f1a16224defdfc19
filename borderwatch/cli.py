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
        float | None, typer.Option(help="Road edges per km² (default ~3).")
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
