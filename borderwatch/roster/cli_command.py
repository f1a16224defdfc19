"""The body of ``borderwatch roster``: parsed arguments in, exit code out.

Exit codes: 0 ok (or dry run), 2 bad input (including an existing week without
``force``), 3 infeasible week. ``cli.py`` wraps :func:`roster_command` in a
Typer command; cron scripts can also call it directly.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from borderwatch.errors import BorderwatchError, RosterWarning

__all__ = ["EXIT_BAD_INPUT", "EXIT_INFEASIBLE", "EXIT_OK", "roster_command"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 2, 3
SALT_ENV = "BORDERWATCH_ROSTER_SALT"
log = logging.getLogger(__name__)


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
    as_json: bool = False,
    console: Any = None,
    err_console: Any = None,
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
    """
    from rich.console import Console

    from borderwatch.roster.build import build_week
    from borderwatch.roster.config import RosterConfig
    from borderwatch.roster.io import FORMATS, RosterExistsError, write_week
    from borderwatch.roster.model import RosterInfeasibleError
    from borderwatch.roster.people import load_people
    from borderwatch.roster.week import RosterSite, iso_week, week_label

    con = console or Console()
    err = err_console or Console(stderr=True, soft_wrap=True)
    try:
        monday = iso_week(week)
        label = week_label(monday)
        target = Path(out) / label
        if target.exists() and not force and not dry_run:
            raise RosterExistsError(
                f"{target}: week {label} exists already; use --force to replace it"
            )
        options: dict[str, Any] = {
            "salt": salt if salt is not None else os.environ.get(SALT_ENV, ""),
            "time_limit_s": time_limit,
        }
        if max_shifts is not None:
            options["max_shifts"] = max_shifts
        if max_night_shifts is not None:
            options["max_night_shifts"] = max_night_shifts
        if rest_hours is not None:
            options["rest_hours"] = rest_hours
        config = RosterConfig(**options)
        if not config.salt:
            warnings.warn(
                f"no salt (--salt or ${SALT_ENV}): the route rotation is predictable from the week alone",
                RosterWarning,
                stacklevel=2,
            )
        from borderwatch.data import load_scenario

        with _status(err, f"loading scenario {scenario} …"):
            scn = load_scenario(scenario)
        site = RosterSite.from_scenario(scn)
        people_path = people or (scn.source / "people.csv" if scn.source is not None else None)
        if people_path is None:
            raise BorderwatchError("--people: no personnel file given and the scenario has none")
        staff = load_people(people_path)
        plan_data = None
        if plan is not None:
            try:
                plan_data = json.loads(Path(plan).read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise BorderwatchError(f"{plan}: plan file not found") from None
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise BorderwatchError(f"{plan}: not a JSON plan: {exc}") from None
            if plan_data.get("scenario") not in (None, site.name):
                warnings.warn(
                    f"{plan}: plan is for scenario {plan_data.get('scenario')!r}, not {site.name!r}",
                    RosterWarning,
                    stacklevel=2,
                )
        else:
            warnings.warn(
                "no --plan: every team drives its base route every night", RosterWarning, stacklevel=2
            )
        with _status(err, "solving …") as st:

            def progress(name: str, i: int, n: int) -> None:
                if st is not None:
                    st.update(f"solving {i + 1}/{n}: {name} …" if i < n else "writing …")

            roster = build_week(
                site,
                staff,
                label,
                plan=plan_data,
                history=history if history is not None else out,
                config=config,
                progress=progress,
                plan_file=plan,
            )
        folder = None
        if not dry_run:
            folder = write_week(roster, out, force=force, formats=formats or FORMATS)
    except RosterInfeasibleError as exc:
        err.print(f"[red]infeasible:[/] {exc}", highlight=False)
        return EXIT_INFEASIBLE
    except BorderwatchError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        return EXIT_BAD_INPUT
    s = roster.summary
    if as_json:
        con.print_json(
            json.dumps(
                {**s, "solve_s": roster.timings, "folder": str(folder) if folder else None},
                ensure_ascii=False,
            )
        )
        return EXIT_OK
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
        reasons = ", ".join(f"{k} {v}" for k, v in ch["reasons"].items()) or "none"
        con.print(
            f"changes vs {s['history']['previous']}: {ch['assignments']} assignments of {ch['people']} people ({reasons})",
            highlight=False,
        )
    ins = " · ".join(f"{i['date'][5:]} {i['township']} {i['leader']}" for i in s["inspections"])
    con.print(f"inspections: {ins}", highlight=False)
    con.print("dry run: nothing written" if dry_run else f"wrote {folder}", highlight=False)
    return EXIT_OK


class _status:
    """A rich spinner on a terminal, nothing otherwise."""

    def __init__(self, console: Any, message: str) -> None:
        self._ctx = console.status(message, spinner="dots") if sys.stderr.isatty() else None

    def __enter__(self) -> Any:
        return self._ctx.__enter__() if self._ctx is not None else None

    def __exit__(self, *exc: object) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(*exc)
