"""The ``roster`` job: next week's roster from a scenario, its people and tonight's plan file."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch.errors import BorderwatchError, ConfigError, OutputExistsError, RosterWarning
from borderwatch.jobs._common import Progress, noop

if TYPE_CHECKING:
    from datetime import date

    from borderwatch.roster.build import WeekRoster
    from borderwatch.roster.history import WorkedDuty

__all__ = ["run_roster", "worked_duties"]


def run_roster(
    week: str,
    scenario: str,
    *,
    out: Path,
    people: Path | None = None,
    plan: Path | None = None,
    history: Path | None = None,
    salt: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    formats: Sequence[str] | None = None,
    time_limit_s: float = 60.0,
    max_shifts: int | None = None,
    max_night_shifts: int | None = None,
    rest_hours: float | None = None,
    from_log: bool = False,
    db: str | None = None,
    progress: Progress = noop,
    pool_progress: Callable[[str, int, int], None] | None = None,
) -> tuple[WeekRoster, Path | None]:
    """Build (and unless ``dry_run``, write) one week's roster.

    Parameters
    ----------
    week
        ISO week ``YYYY-Www``.
    scenario
        Embedded scenario name or scenario folder.
    out
        Output folder; the week goes to ``out/YYYY-Www``.
    people
        Personnel file; default ``people.csv`` in the scenario folder.
    plan
        ``plan.json`` of ``borderwatch plan`` (route variants, their odds and duty
        times); without it every team drives its base route and a warning says so.
    history
        Folder of earlier weeks (``YYYY-Www/roster.csv``); default ``out``.
    salt
        Secret for the variant draws; default ``$BORDERWATCH_ROSTER_SALT``.
    force
        Replace an existing week.
    dry_run
        Solve and report; write nothing.
    formats
        Subset of ``csv json diff xlsx ics`` (csv is always written).
    time_limit_s, max_shifts, max_night_shifts, rest_hours
        The roster MILP's options (:class:`~borderwatch.roster.config.RosterConfig`).
    from_log
        Count the patrol nights the duty log recorded as worked, instead of as
        planned, in the night-duty fairness and the rest rule of the history
        (:func:`worked_duties`). Off by default: a roster then depends on its
        folders only.
    db
        The duty log's URL for ``from_log`` (default: the user's log,
        :func:`borderwatch.log.db.default_url`).
    progress
        Called with a message before each step.
    pool_progress
        Called with (pool name, index, count) as the pools are solved.

    Returns
    -------
    tuple
        The roster and the week's folder (None for a dry run).

    Raises
    ------
    OutputExistsError
        The week exists and ``force`` is not given.
    BorderwatchError
        Bad input (named), or an infeasible week (:class:`~borderwatch.errors.RosterInfeasibleError`).
    """
    from borderwatch.data import load_scenario
    from borderwatch.planfiles.folders import read_plan_file
    from borderwatch.roster.build import build_week
    from borderwatch.roster.config import SALT_ENV, RosterConfig
    from borderwatch.roster.io import FORMATS, write_week
    from borderwatch.roster.people import check_people_teams, load_people
    from borderwatch.roster.week import RosterSite, iso_week, week_label

    # every option is checked before the slow work
    label = week_label(iso_week(week))
    target = Path(out) / label
    if target.exists() and not force and not dry_run:
        raise OutputExistsError(f"{target}: week {label} exists already; use --force to replace it")
    if db is not None and not from_log:
        raise ConfigError("names the duty log of --from-log; give --from-log too", field="--db")
    if people is not None and not Path(people).exists():
        raise ConfigError("no such file or folder", field="--people", value=str(people))
    config = RosterConfig.from_options(
        salt=salt,
        time_limit_s=time_limit_s,
        max_shifts=max_shifts,
        max_night_shifts=max_night_shifts,
        rest_hours=rest_hours,
    )
    plan_data = read_plan_file(plan) if plan is not None else None
    if not config.salt:
        warnings.warn(
            f"no salt (--salt or ${SALT_ENV}): the route rotation is predictable from the week alone",
            RosterWarning,
            stacklevel=2,
        )
    progress(f"loading scenario {scenario}")
    scn = load_scenario(scenario)
    site = RosterSite.from_scenario(scn)
    people_path = people or (scn.source / "people.csv" if scn.source is not None else None)
    if people_path is None:
        raise BorderwatchError("--people: no personnel file given and the scenario has none")
    staff = load_people(people_path)
    check_people_teams(staff, site.teams, file=people_path)
    if plan_data is None:
        warnings.warn(
            "no --plan: every team drives its base route every night", RosterWarning, stacklevel=2
        )
    elif plan_data.scenario != site.name:
        warnings.warn(
            f"{plan}: plan is for scenario {plan_data.scenario!r}, not {site.name!r}",
            RosterWarning,
            stacklevel=2,
        )
    worked = None
    if from_log:
        progress("reading the duty log")
        names = {site.name, scenario}
        if scn.source is not None:
            names.add(str(Path(scn.source).resolve()))
        worked = worked_duties(db, names, iso_week(label), site.timezone)
    progress("solving")
    roster = build_week(
        site,
        staff,
        label,
        plan=plan_data,
        history=history if history is not None else out,
        config=config,
        progress=pool_progress,
        plan_file=plan,
        worked=worked,
    )
    folder = None
    if not dry_run:
        progress("writing")
        folder = write_week(roster, out, force=force, formats=formats or FORMATS)
    return roster, folder


def worked_duties(
    db: str | None, scenario: Collection[str], monday: date, timezone: str
) -> list[WorkedDuty]:
    """The patrol nights before ``monday`` as the duty log recorded them, for the roster.

    Parameters
    ----------
    db
        The duty log's URL (None: the user's log).
    scenario
        The names the scenario goes by (its name, and for a folder its resolved
        path, as a plan file records it): nights of other scenarios are left out.
    monday
        The Monday of the week being rostered; nights from it on are not read.
    timezone
        The scenario's zone: the last fix in local time, as ``roster.csv`` has it.

    Returns
    -------
    list of WorkedDuty
        One per team that was on duty on a recorded night (teams the plan held
        on standby keep their planned duty and are left out).

    Raises
    ------
    LogError
        The log cannot be opened, or a SQLite log file does not exist.
    """
    from zoneinfo import ZoneInfo

    from borderwatch.log.db import open_log
    from borderwatch.log.query import team_nights
    from borderwatch.roster.history import WorkedDuty

    tz = ZoneInfo(timezone or "UTC")
    engine = open_log(db, create=False)
    try:
        rows = team_nights(engine, monday)
    finally:
        engine.dispose()
    return [
        WorkedDuty(
            night=t.night,
            team=t.team,
            worked=t.status == "drove",
            late_min=t.late_min,
            early_min=t.early_min,
            last_fix=None if t.last_fix is None else t.last_fix.astimezone(tz).replace(tzinfo=None),
        )
        for t in rows
        if t.status in ("drove", "no track") and _same_scenario(t.scenario, scenario)
    ]


def _same_scenario(logged: str, names: Collection[str]) -> bool:
    """Whether the log's scenario (a name, or a plan's path to a folder) is one of ``names``."""
    if logged in names:
        return True
    try:
        return str(Path(logged).resolve()) in names
    except OSError:
        return False
