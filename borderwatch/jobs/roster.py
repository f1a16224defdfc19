"""The ``roster`` job: next week's roster from a scenario, its people and tonight's plan file."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch.errors import BorderwatchError, ConfigError, OutputExistsError, RosterWarning
from borderwatch.jobs._common import Progress, noop

if TYPE_CHECKING:
    from borderwatch.roster.build import WeekRoster

__all__ = ["run_roster"]


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
    from borderwatch.roster.people import load_people
    from borderwatch.roster.week import RosterSite, iso_week, week_label

    # every option is checked before the slow work
    label = week_label(iso_week(week))
    target = Path(out) / label
    if target.exists() and not force and not dry_run:
        raise OutputExistsError(f"{target}: week {label} exists already; use --force to replace it")
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
    )
    folder = None
    if not dry_run:
        progress("writing")
        folder = write_week(roster, out, force=force, formats=formats or FORMATS)
    return roster, folder
