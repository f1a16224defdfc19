"""``borderwatch scenario info | validate | generate`` and ``borderwatch network export``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from borderwatch.cli.app import network_app, scenario_app
from borderwatch.cli.common import ConfigOpt, ScenarioArg, guarded, load_network, out, step
from borderwatch.data.export import write_network_gpkg

__all__ = ["network_export", "scenario_generate", "scenario_info", "scenario_validate"]


@scenario_app.command("info")
def scenario_info(
    scenario: ScenarioArg = "ningming",
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print a scenario's figures: border length, roads, checkpoints, teams, grids."""
    from borderwatch.data.summary import scenario_summary

    with guarded():
        summary = scenario_summary(load_network(scenario, config))
        if as_json:
            out.print_json(json.dumps(summary, ensure_ascii=False))
        else:
            _print_summary(summary)


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
        "grids", ", ".join(f"{grids.get(k, 0)} {k}" for k in ("township", "village", "cell"))
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
    with guarded():
        net = load_network(path, config)
        _check_optional_files(net)
        out.print(
            f"[green]ok[/]: {net.scenario.name}: {net.border_m / 1000:.1f} km of border, "
            f"{len(net.edges):,} road edges, {len(net.checkpoints)} checkpoints, {len(net.teams)} teams"
        )


def _check_optional_files(net: Any) -> None:
    """Read the scenario folder's files the loader leaves to later commands.

    ``crossing.csv`` (read by ``plan``'s detection odds) and ``people.csv`` (read by
    ``roster``, its team members' teams against the scenario's): a folder that
    ``validate`` calls ok must not fail in them later.
    """
    from borderwatch.coverage.detection import read_crossing_csv
    from borderwatch.roster.people import check_people_teams, load_people

    source = net.scenario.source
    if source is None:
        return
    crossing = Path(source) / "crossing.csv"
    if crossing.is_file():
        read_crossing_csv(crossing)
    people = Path(source) / "people.csv"
    if people.is_file():
        check_people_teams(load_people(people), map(str, net.scenario.teams.index), file=people)


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
        int | None, typer.Option(help="Number of teams (default scales with length).", min=1)
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
    """Generate a synthetic scenario folder of any size (with people.csv), deterministic per seed."""
    from borderwatch.cli.common import check_choice
    from borderwatch.data.scenario_io import ROADS_FORMATS, write_scenario
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.roster.io import people_csv_text
    from borderwatch.roster.synthetic import synthetic_people
    from borderwatch.roster.week import RosterSite

    with guarded():
        check_choice("--roads-format", roads_format, list(ROADS_FORMATS))
        _check_generate_out(out_dir, force)
        with step(f"generating {border_km:g} km scenario (seed {seed}) …"):
            scn = generate_scenario(
                border_km, seed, n_checkpoints=checkpoints, n_teams=teams, road_density=road_density
            )
        with step(f"writing {out_dir} …"):
            # people.csv too, so that every generated scenario can be rostered
            people = synthetic_people(RosterSite.from_scenario(scn), seed=seed)
            write_scenario(
                scn, out_dir, roads_format=roads_format, overwrite=force,
                extra_files={"people.csv": people_csv_text(people)},
            )  # fmt: skip
        out.print(
            f"wrote {out_dir}: {border_km:g} km border, {scn.roads.number_of_nodes():,} road nodes, "
            f"{len(scn.checkpoints)} checkpoints, {len(scn.teams)} teams",
            highlight=False,
        )


def _check_generate_out(out_dir: Path, force: bool) -> None:
    """Refuse a non-empty ``--out`` without ``--force`` before generating (exit 4).

    ``write_scenario`` refused it only after the generation (minutes for a long
    border), saying "pass overwrite=True", which no command line can.
    """
    from borderwatch.errors import BorderwatchError, OutputExistsError

    if out_dir.exists() and not out_dir.is_dir():
        raise BorderwatchError(f"{out_dir}: --out exists and is not a folder")
    if not force and out_dir.is_dir() and any(out_dir.iterdir()):
        raise OutputExistsError(
            f"{out_dir}: --out is not empty; use --force to replace the scenario's files "
            "in it (files of other names are kept)"
        )


@network_app.command("export")
def network_export(
    scenario: ScenarioArg = "ningming",
    gpkg: Annotated[Path, typer.Option("--gpkg", help="GeoPackage file to write.")] = Path(
        "network.gpkg"
    ),
    config: ConfigOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write nodes, edges, units, checkpoints and teams as GeoPackage layers."""
    from borderwatch.errors import BorderwatchError, OutputExistsError

    with guarded():
        if gpkg.is_dir():
            raise BorderwatchError(
                f"{gpkg}: --gpkg is a folder; give the name of a file, e.g. {gpkg / 'network.gpkg'}"
            )
        if gpkg.exists() and not force:
            raise OutputExistsError(f"{gpkg}: exists already; use --force to replace it")
        net = load_network(scenario, config)
        with step(f"writing {gpkg} …"):
            write_network_gpkg(net, gpkg)
        out.print(
            f"wrote {gpkg}: {len(net.nodes):,} nodes, {len(net.edges):,} edges, "
            f"{len(net.units):,} units, {len(net.checkpoints)} checkpoints, {len(net.teams)} teams",
            highlight=False,
        )
