"""Weekly rosters: team route variants, checkpoint shifts and the inspecting leader.

The week splits into independent pools (each township's checkpoint staff, each
team's members, the county leaders); each pool is one small MILP solved by
scipy's HiGHS (:mod:`borderwatch.roster.model`). Typical use::

    from borderwatch.roster import RosterSite, build_week, load_people, write_week
    site = RosterSite.from_scenario(load_scenario("ningming"))
    week = build_week(site, load_people("people.csv"), "2026-W49", plan=plan, history="rosters")
    write_week(week, "rosters")
"""

from __future__ import annotations

from borderwatch.roster.build import WeekRoster, build_week, plan_variants, week_diff
from borderwatch.roster.config import RosterConfig
from borderwatch.roster.history import History, WorkedDuty, read_history
from borderwatch.roster.io import (
    FORMATS,
    RosterExistsError,
    roster_csv_text,
    week_files,
    write_week,
)
from borderwatch.roster.model import Pool, PoolResult, RosterInfeasibleError, solve_pool
from borderwatch.roster.people import ROLES, Person, load_people, parse_leave, people_from_rows
from borderwatch.roster.rotation import leader_townships, rotate_variants, seed_for
from borderwatch.roster.synthetic import synthetic_people
from borderwatch.roster.week import RosterSite, Slot, iso_week, make_slots, week_label

__all__ = [
    "FORMATS",
    "ROLES",
    "History",
    "Person",
    "Pool",
    "PoolResult",
    "RosterConfig",
    "RosterExistsError",
    "RosterInfeasibleError",
    "RosterSite",
    "Slot",
    "WeekRoster",
    "WorkedDuty",
    "build_week",
    "iso_week",
    "leader_townships",
    "load_people",
    "make_slots",
    "parse_leave",
    "people_from_rows",
    "plan_variants",
    "read_history",
    "roster_csv_text",
    "rotate_variants",
    "seed_for",
    "solve_pool",
    "synthetic_people",
    "week_diff",
    "week_files",
    "week_label",
    "write_week",
]
