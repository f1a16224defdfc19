"""``borderwatch roster``: next week's roster, for cron.

Exit codes (the classes' codes, :mod:`borderwatch.errors`): 0 ok (or dry run),
2 bad input, 3 infeasible week, 4 the week exists (without ``--force``) or the
history folder is locked by another run.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from borderwatch.cli.app import app
from borderwatch.cli.common import ScenarioArg, err, shown_warnings, step, typed_error
from borderwatch.cli.common import out as stdout
from borderwatch.errors import (
    BorderwatchError,
    RosterInfeasibleError,
)

__all__ = ["roster", "roster_command"]

EXIT_OK = 0


def roster_command(
    week: str,
    scenario: str = "ningming",
    *,
    people: Path | None = None,
    plan: Path | None = None,
    history: Path | None = None,
    out: Path = Path("out/roster"),
    salt: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    formats: Sequence[str] | None = None,
    time_limit: float = 60.0,
    max_shifts: int | None = None,
    max_night_shifts: int | None = None,
    rest_hours: float | None = None,
    from_log: bool = False,
    db: str | None = None,
    as_json: bool = False,
    console: Console | None = None,
    err_console: Console | None = None,
) -> int:
    """Build (and unless ``dry_run``, write) one week's roster; return the exit code.

    Parameters
    ----------
    week
        ISO week ``YYYY-Www``.
    scenario
        Embedded scenario name or scenario folder.
    people
        Personnel file; default ``people.csv`` in the scenario folder.
    plan
        ``plan.json`` of ``borderwatch plan`` (route variants); without it every
        team drives its base route and a warning says so.
    history
        Folder of earlier weeks (``YYYY-Www/roster.csv``); default ``out``.
    out
        Output folder; the week goes to ``out/YYYY-Www``.
    salt
        Secret for the variant rotation; default ``$BORDERWATCH_ROSTER_SALT``.
    force
        Replace an existing week.
    dry_run
        Solve and report; write nothing.
    formats
        Subset of ``csv json diff xlsx ics`` (csv is always written).
    from_log, db
        Count the patrol nights the duty log (``db``, default the user's log)
        recorded as worked, not as planned, in fairness and rest.
    """
    con = console or stdout
    errc = err_console or err
    from borderwatch.roster.io import lock_history

    try:
        from borderwatch.planfiles.folders import check_not_scenario

        check_not_scenario(out, scenario)  # before the lock file is made in it
        # one run at a time per output folder: a second one exits 4 (OutputLockedError)
        with contextlib.nullcontext() if dry_run else lock_history(out):
            roster, folder = _run(
                week, scenario, people=people, plan=plan, history=history, out=out, salt=salt,
                force=force, dry_run=dry_run, formats=formats, time_limit_s=time_limit,
                max_shifts=max_shifts, max_night_shifts=max_night_shifts, rest_hours=rest_hours,
                from_log=from_log, db=db,
            )  # fmt: skip
    except RosterInfeasibleError as exc:
        errc.print(f"[red]infeasible:[/] {exc}", highlight=False)
        return exc.exit_code
    except BorderwatchError as exc:
        errc.print(f"[red]error:[/] {typed_error(exc)}", highlight=False)
        return exc.exit_code
    _report(con, roster, folder, dry_run=dry_run, as_json=as_json)
    return EXIT_OK


def _run(week: str, scenario: str, **options: Any) -> tuple[Any, Path | None]:
    """The roster job (:func:`borderwatch.jobs.roster.run_roster`) with a spinner or progress lines."""
    from borderwatch.jobs.roster import run_roster

    with step("rostering …") as status:

        def pools(name: str, i: int, n: int) -> None:
            status.update(f"solving {i + 1}/{n}: {name} …" if i < n else "writing …")

        return run_roster(
            week,
            scenario,
            progress=lambda msg: status.update(f"{msg} …"),
            pool_progress=pools,
            **options,
        )


def _report(
    con: Console, roster: Any, folder: Path | None, *, dry_run: bool, as_json: bool
) -> None:
    s = roster.summary
    if as_json:
        con.print_json(
            json.dumps(
                {**s, "solve_s": roster.timings, "folder": str(folder) if folder else None},
                ensure_ascii=False,
            )
        )
        return
    total = sum(roster.timings.values())
    slowest = max(roster.timings.items(), key=lambda kv: kv[1])
    con.print(
        f"roster {s['week']} ({s['dates'][0]} .. {s['dates'][-1]}) for {s['scenario']}: "
        f"{s['duties']} duties, {sum(s['people'].values())} people, "
        f"{len(s['pools'])} pools solved in {total:.1f} s (slowest {slowest[0]} {slowest[1]:.1f} s)",
        highlight=False,
    )
    f = s["fairness"]
    con.print(
        f"fairness: night duties spread ≤ {f['night_week_max_spread']} this week, "
        f"≤ {f['night_total_max_spread']} over {len(s['history']['weeks']) + 1} week(s)",
        highlight=False,
    )
    ch = s["changes"]
    if s["history"]["previous"]:
        reasons = ", ".join(f"{k} {v}" for k, v in ch["moved_reasons"].items()) or "none"
        con.print(
            f"changes vs {s['history']['previous']}: {ch['duties_moved']} of {ch['duties']} "
            f"duties moved to another person or place ({reasons}); {ch['people']} people "
            f"affected, {ch['rows']} rows in diff.csv (who left a duty, who took it)",
            highlight=False,
        )
    ins = " · ".join(f"{i['date'][5:]} {i['township']} {i['leader']}" for i in s["inspections"])
    con.print(f"inspections: {ins}", highlight=False)
    con.print("dry run: nothing written" if dry_run else f"wrote {folder}", highlight=False)


@app.command("roster")
def roster(
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
    from_log: Annotated[
        bool,
        typer.Option(
            "--from-log",
            help="Count the patrol nights of earlier weeks as the duty log recorded them "
            "(a team that did not drive: its crew worked no duty; cut short: the hours driven) "
            "in fairness and rest, instead of as rostered.",
        ),
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Duty log URL for --from-log (default: the user's log)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Weekly roster: team route variants, checkpoint shifts, the inspecting leader.

    Exit 0 ok, 2 bad input, 3 infeasible, 4 week exists or history locked.
    """
    with shown_warnings():
        code = roster_command(
            week, scenario, people=people, plan=plan, history=history, out=out_dir, salt=salt,
            force=force, dry_run=dry_run, formats=formats, time_limit=time_limit,
            max_shifts=max_shifts, max_night_shifts=max_night_shifts, rest_hours=rest_hours,
            from_log=from_log, db=db, as_json=as_json,
        )  # fmt: skip
    if code:
        raise typer.Exit(code)
