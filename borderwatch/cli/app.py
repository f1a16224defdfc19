"""The Typer application and its global options; the command modules register on it."""

from __future__ import annotations

import atexit
import gc
import logging
from typing import Annotated

import typer

from borderwatch._version import __version__
from borderwatch.cli.common import out

__all__ = ["app", "network_app", "scenario_app"]

# At exit the interpreter's last collections walk every object a command left (~180,000
# after a Ningming plan): 0.3-0.8 s after its output was written (#24.5). Frozen there,
# they are skipped; the process ends and its memory goes with it. Module teardown runs as
# before; only objects already garbage in reference cycles go without their finalizers
# (every output file is written and closed by borderwatch.atomic before that).
atexit.register(gc.freeze)

# Plain click help (no rich boxes): it reads the same in a terminal, a pipe and a cron log,
# and flags show no "<bool>" value.
app = typer.Typer(
    name="borderwatch",
    help="Border patrol coverage: gaps, night-patrol routes, rosters and maps.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
scenario_app = typer.Typer(
    help="Inspect, validate and generate scenarios.", no_args_is_help=True, rich_markup_mode=None
)
network_app = typer.Typer(
    help="Build and export the patrol network.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(scenario_app, name="scenario")
app.add_typer(network_app, name="network")


def _version(value: bool) -> None:
    if value:
        out.print(f"borderwatch {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[
        int,
        typer.Option("--verbose", "-v", count=True, help="More log output (-v info, -vv debug)."),
    ] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Border patrol coverage engine.

    Exit codes: 0 ok, 1 internal error, 2 bad input, 3 infeasible, 4 output exists or
    locked, 5 a required program (Chromium) is missing.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # the terminal shows the level asked for, also of libraries that set their loggers'
    # own level (distributed's are INFO: `batch` printed 25 lines of its cluster's log)
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:
            handler.setLevel(level)
