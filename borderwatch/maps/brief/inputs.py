"""Read what the night briefing is made of: a plan folder and, optionally, a roster week.

The plan folder is the output of ``borderwatch plan`` (``plan.json``,
``summary.json``, ``units.gpkg``, ``gaps_after.csv``, ``routes.geojson``); the
roster week folder is one ``OUT/YYYY-Www`` of ``borderwatch roster``
(``roster.csv``). ``plan.json`` is read and checked by
:class:`~borderwatch.planfiles.planfile.PlanFile` (an older plan file without a
schema version is refused: plan the night again).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from borderwatch.atomic import not_regular
from borderwatch.errors import BriefWarning, CoverageError, MapInputError
from borderwatch.planfiles.planfile import PlanFile, is_replan

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = [
    "PLAN_FILES",
    "PlanFolder",
    "RosterNight",
    "read_plan_folder",
    "read_roster_night",
    "route_status",
]

logger = logging.getLogger(__name__)

#: Files of a plan folder the briefing reads (``report.txt`` is not needed).
PLAN_FILES: tuple[str, ...] = ("plan.json", "summary.json", "units.gpkg", "gaps_after.csv")


@dataclass(frozen=True)
class PlanFolder:
    """The files of one plan folder, parsed.

    Attributes
    ----------
    folder
        Where they were read from.
    plan
        ``plan.json`` as checked by :class:`~borderwatch.planfiles.planfile.PlanFile`
        (every field present; times ISO 8601).
    summary
        ``summary.json`` (coverage after the plan).
    units
        ``units.gpkg`` layer ``units``, indexed by ``unit``, in its own (projected) CRS.
    gaps
        ``gaps_after.csv``, one row per gap (``gap``, ``start_km``, ``end_km``, ...).
    plan_file
        The typed plan file (the source of ``plan``).
    """

    folder: Path
    plan: dict[str, Any]
    summary: dict[str, Any]
    units: gpd.GeoDataFrame
    gaps: pd.DataFrame
    plan_file: PlanFile | None = None

    @property
    def is_replan(self) -> bool:
        """Whether this is a re-plan folder (:func:`~borderwatch.planfiles.planfile.is_replan`)."""
        return is_replan(self.plan_file if self.plan_file is not None else self.plan)

    @property
    def routes(self) -> list[dict[str, Any]]:
        """The route entries of ``plan.json``, in its order."""
        return list(self.plan.get("routes", []))

    @property
    def target_min(self) -> float:
        """The revisit target (``summary.json`` ``targets.max_revisit_min``, default 120)."""
        value = (self.summary.get("targets") or {}).get("max_revisit_min", 120.0)
        try:
            out = float(value)
        except (TypeError, ValueError):
            out = math.nan
        return out if math.isfinite(out) and out > 0 else 120.0

    @property
    def night_window(self) -> tuple[str, str]:
        """``(start, end)`` as ``"HH:MM"`` of the window the loops run in (a re-plan: from its cut)."""
        if self.plan_file is not None:
            return self.plan_file.run_window()[0].pair
        return (str(self.plan["night_window"][0]), str(self.plan["night_window"][1]))


@dataclass(frozen=True)
class RosterNight:
    """What a roster week says about one night.

    Attributes
    ----------
    night
        The date the night starts on.
    leader
        The inspecting county leader: ``{"person", "name", "township"}``, or None.
    crews
        Team id → names of tonight's crew, in roster order.
    variants
        Team id → tonight's route variant code (e.g. ``"T05-r1"``).
    shifts
        Checkpoint id → shift name (``day``, ``evening``, ``night``) → names on duty.
    shift_times
        Shift name → ``(start, end)`` as ``"HH:MM"``.
    reserve
        Team id → role text for a crew the roster sends elsewhere (standby, reinforcement).
    starts
        Team id → the start of its patrol duty tonight, ``"YYYY-MM-DDTHH:MM"`` (leave base).
    scenario
        The scenario the week was rostered for (its ``summary.json``), or None.
    source
        The ``roster.csv`` read.
    """

    night: date
    leader: dict[str, str] | None
    crews: dict[str, list[str]] = field(default_factory=dict)
    variants: dict[str, str] = field(default_factory=dict)
    shifts: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    shift_times: dict[str, tuple[str, str]] = field(default_factory=dict)
    reserve: dict[str, str] = field(default_factory=dict)
    starts: dict[str, str] = field(default_factory=dict)
    scenario: str | None = None
    source: Path | None = field(default=None, compare=False)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MapInputError(f"{path}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
    if not isinstance(data, dict):
        raise MapInputError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def read_plan_folder(plan_dir: str | Path) -> PlanFolder:
    """Read a plan folder written by ``borderwatch plan``.

    Parameters
    ----------
    plan_dir
        The folder (holds :data:`PLAN_FILES`).

    Returns
    -------
    PlanFolder

    Raises
    ------
    MapInputError
        Naming the missing file, or the file, field and value that is wrong.
    """
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise MapInputError(f"{folder}: not a folder; give the output folder of borderwatch plan")
    for name in PLAN_FILES:
        if not (folder / name).is_file():
            raise MapInputError(
                f"{folder / name}: {not_regular(folder / name) or 'not found'}; a plan folder holds {', '.join(PLAN_FILES)}"
            )
    try:
        plan_file = PlanFile.read(folder / "plan.json")
    except CoverageError as err:  # the briefing's error class, same message
        raise MapInputError(str(err)) from None
    plan = plan_file.to_dict()
    summary = _read_json(folder / "summary.json")
    units = gpd.read_file(folder / "units.gpkg", layer="units")
    if "unit" in units.columns:
        units = units.set_index("unit")
    for col in ("start_m", "end_m", "length_m", "township", "worst_revisit_min"):
        if col not in units.columns:
            raise MapInputError(f"{folder / 'units.gpkg'}: layer 'units' lacks column {col!r}")
    gaps = pd.read_csv(folder / "gaps_after.csv", dtype={"gap": str, "township": str})
    for col in ("gap", "start_km", "end_km", "length_km"):
        if col not in gaps.columns:
            raise MapInputError(f"{folder / 'gaps_after.csv'}: lacks column {col!r}")
    return PlanFolder(
        folder=folder, plan=plan, summary=summary, units=units, gaps=gaps, plan_file=plan_file
    )


def route_status(route: dict[str, Any]) -> tuple[str, str]:
    """``(status, reason)`` of a plan route (``"patrol"`` or ``"standby"``, the standby reason)."""
    return str(route["status"]), str(route["standby_reason"])


def load_network_of(folder: PlanFolder) -> PatrolNetwork:
    """Build the network of the scenario a plan was made from (as its ``summary.json`` records).

    Raises
    ------
    BorderwatchError
        If the folder records no scenario or it cannot be loaded.
    MapInputError
        If the scenario's network does not match ``units.gpkg`` or the routes.
    """
    from borderwatch.data import build_network, load_scenario
    from borderwatch.planfiles.folders import scenario_of_folder

    network = build_network(load_scenario(scenario_of_folder(folder.folder)))
    check_network(folder, network)
    return network


def check_network(folder: PlanFolder, network: PatrolNetwork) -> None:
    """Raise :class:`MapInputError` unless ``network`` is the one ``folder`` was planned on."""
    if len(network.units) != len(folder.units):
        raise MapInputError(
            f"{folder.folder / 'units.gpkg'}: has {len(folder.units)} border units, the "
            f"scenario's network {len(network.units)}: brief with the scenario and config "
            "the plan was made with"
        )
    n_edges = len(network.edges)
    for r in folder.routes:
        for e, _ in r["steps"]:
            if not 0 <= int(e) < n_edges:
                raise MapInputError(
                    f"{folder.folder / 'plan.json'}: route of {r['team']} drives edge {e}, "
                    f"the network has {n_edges} edges: not the plan's scenario"
                )


def _hhmm(stamp: str) -> str:
    """``"HH:MM"`` of an ISO time stamp ``YYYY-MM-DDTHH:MM``."""
    return stamp[11:16] if len(stamp) >= 16 else stamp


def _no_week(folder: Path, path: Path, night: date) -> str:
    """Why ``folder`` gives no roster week for ``night``: the weeks it holds, or what is missing."""
    year, week, _ = night.isocalendar()
    weeks = (
        sorted(p.parent.name for p in folder.glob("*-W*/roster.csv") if p.is_file())
        if folder.is_dir()
        else []
    )
    if weeks:
        return (
            f"{folder}: holds roster weeks {', '.join(weeks)}, not {year}-W{week:02d} "
            f"(the week of {night.isoformat()})"
        )
    return f"{path}: {not_regular(path) or 'not found'}; give a week folder of borderwatch roster"


def read_roster_night(roster_dir: str | Path, night: date) -> RosterNight | None:
    """Tonight's part of a roster week folder (``roster.csv``), or None (with a warning) if absent.

    Parameters
    ----------
    roster_dir
        A week folder ``OUT/YYYY-Www`` (or ``OUT`` holding the week of ``night``).
    night
        The date the night starts on.

    Returns
    -------
    RosterNight or None
        None when the week does not hold ``night``.

    Raises
    ------
    MapInputError
        If there is no ``roster.csv`` or it lacks a column.
    """
    folder = Path(roster_dir)
    path = folder / "roster.csv"
    if not path.is_file():
        year, week, _ = night.isocalendar()
        nested = folder / f"{year}-W{week:02d}" / "roster.csv"
        if nested.is_file():
            path = nested
        else:
            raise MapInputError(_no_week(folder, path, night))
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        need = ("date", "shift", "start", "end", "person", "name", "role", "township", "place")
        missing = [c for c in need if c not in (reader.fieldnames or [])]
        if missing:
            raise MapInputError(f"{path}: lacks column(s) {', '.join(missing)}")
        rows = list(reader)
    day = night.isoformat()
    tonight = [r for r in rows if r["date"] == day]
    if not tonight:
        dates = sorted({r["date"] for r in rows})
        warnings.warn(
            f"{path}: holds no duty on {day} (the week runs {dates[0] if dates else '?'} .. "
            f"{dates[-1] if dates else '?'}); the briefing has no roster",
            BriefWarning,
            stacklevel=3,
        )
        return None
    leader = None
    crews: dict[str, list[str]] = {}
    variants: dict[str, str] = {}
    shifts: dict[str, dict[str, list[str]]] = {}
    times: dict[str, tuple[str, str]] = {}
    reserve: dict[str, str] = {}
    starts: dict[str, str] = {}
    for r in tonight:
        role = r["role"]
        if role == "county_leader" and leader is None:
            leader = {"person": r["person"], "name": r["name"], "township": r["place"]}
        elif role == "team_member":
            crews.setdefault(r["place"], []).append(r["name"])
            if r.get("variant"):
                variants.setdefault(r["place"], r["variant"])
            if r["shift"] != "patrol":
                reserve.setdefault(r["place"], r["shift"])
            else:
                starts.setdefault(r["place"], r["start"])
        elif role == "checkpoint_staff":
            shifts.setdefault(r["place"], {}).setdefault(r["shift"], []).append(r["name"])
            times.setdefault(r["shift"], (_hhmm(r["start"]), _hhmm(r["end"])))
    return RosterNight(
        night=night,
        leader=leader,
        crews=crews,
        variants=variants,
        shifts=shifts,
        shift_times=times,
        reserve=reserve,
        starts=starts,
        scenario=_roster_scenario(path.parent / "summary.json"),
        source=path,
    )


def _roster_scenario(path: Path) -> str | None:
    """The scenario a roster week's ``summary.json`` names, or None (no or unreadable file)."""
    try:
        scenario = _read_json(path).get("scenario")
    except (MapInputError, OSError, ValueError):
        return None
    return str(scenario) if scenario else None


def check_roster(folder: PlanFolder, roster: RosterNight) -> None:
    """Raise :class:`MapInputError` unless ``roster`` was made from this plan's scenario and night.

    The briefing prints the roster's crews and variant codes beside the plan's times of
    those variants: a week of another scenario (other people, another county's leader) or
    rostered from another plan (the roster's leave-base time is not the plan's time of the
    variant it names: the crews' calendars and the briefing would disagree) is refused.
    A re-plan folder's variants start at its cut, so only the scenario is checked there.
    """
    where = roster.source or "roster.csv"
    planned = folder.plan.get("scenario")
    if roster.scenario and planned and roster.scenario != planned:
        summary = roster.source.parent / "summary.json" if roster.source else "summary.json"
        raise MapInputError(
            f"{summary}: field 'scenario', value {roster.scenario!r}: a roster week of another "
            f"scenario than the plan's ({planned!r})"
        )
    if folder.is_replan:
        return
    routes = {str(r["team"]): r for r in folder.routes}
    for team, code in sorted(roster.variants.items()):
        start = roster.starts.get(team)
        route = routes.get(team)
        if start is None:
            continue
        if route is None:
            raise MapInputError(
                f"{where}: field 'place', value {team!r}: rostered to patrol on "
                f"{roster.night}, but the plan has no such team"
            )
        duty = next(
            (
                v
                for v in route.get("variants") or []
                if isinstance(v, dict) and v["variant"] == code
            ),
            None,
        )
        # the clock only: a plan briefed for another night (--night) keeps its times
        leave = str(duty.get("leave_base") or "")[11:16] if duty else ""
        if leave != start[11:16]:
            said = f"leaves base {leave}" if leave else "does not hold it"
            raise MapInputError(
                f"{where}: field 'variant', value {code!r}: {team} rostered to leave base "
                f"{start[11:16]} on {roster.night}, the plan's {code} {said}: the week was "
                "rostered from another plan (run roster with --plan of this plan's plan.json)"
            )
