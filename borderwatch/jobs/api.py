"""The front door: the main jobs as plain Python calls (``bw.find_gaps``, ``bw.plan_night``, ``bw.replan``).

Each takes what a user has at hand (an embedded scenario's name, a scenario
folder, a loaded :class:`~borderwatch.data.scenario.Scenario` or a built
:class:`~borderwatch.data.network.PatrolNetwork`) and returns the result
object; with ``out`` it also writes the command's output folder, the same files
as the command line.

>>> import borderwatch as bw
>>> plan = bw.plan_night("ningming", night="2026-12-17", out="out/plan")   # doctest: +SKIP
>>> plan.schedule.worst_revisit_min                                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch.config import PlanConfig, SearchParams
from borderwatch.data import PatrolNetwork, Scenario, build_network, load_scenario

if TYPE_CHECKING:
    from borderwatch.coverage import CoverageReport
    from borderwatch.plan.patrols import PatrolPlan
    from borderwatch.plan.replan import Replan

__all__ = ["find_gaps", "network_of", "plan_night", "replan"]

ScenarioLike = str | Path | Scenario | PatrolNetwork


def network_of(
    scenario: ScenarioLike, config: PlanConfig | str | Path | None = None
) -> PatrolNetwork:
    """The patrol network of ``scenario`` under ``config``.

    Parameters
    ----------
    scenario
        An embedded scenario's name, a scenario folder, a Scenario, or a built network
        (returned as it is when no ``config`` is given).
    config
        A :class:`PlanConfig`, or a TOML file applied over the scenario's defaults
        (:func:`borderwatch.config.load_config`); default the scenario's own.

    Returns
    -------
    PatrolNetwork
    """
    if isinstance(scenario, PatrolNetwork):
        if config is None:
            return scenario
        scenario = scenario.scenario
    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if config is None or isinstance(config, PlanConfig):
        return build_network(scn, config)
    return build_network(scn, scn.resolve_config(config))


def _day(night: date | str | None) -> date:
    if night is None:
        return date.today()
    return night if isinstance(night, date) else date.fromisoformat(night)


def find_gaps(
    scenario: ScenarioLike = "ningming",
    *,
    criterion: Sequence[str] = ("checkpoint",),
    gpx: Sequence[str | Path] | str | Path | None = None,
    config: PlanConfig | str | Path | None = None,
    out: str | Path | None = None,
    map_html: bool = True,
) -> CoverageReport:
    """Where the border is not watched: per-unit coverage and the gaps.

    Parameters
    ----------
    scenario, config
        See :func:`network_of`.
    criterion
        Any of ``checkpoint``, ``response``, ``road``, ``revisit``.
    gpx
        Driven GPS tracks (files or folders): the revisit criterion replays them.
    out
        Also write the ``gaps`` folder (gaps.csv, gaps.geojson, units.gpkg, summary.json, map.html).
    map_html
        Draw map.html into ``out``.

    Returns
    -------
    CoverageReport
    """
    from borderwatch.coverage import coverage_report
    from borderwatch.coverage.gpx import timeline_from_gpx
    from borderwatch.jobs.gaps import run_gaps
    from borderwatch.planfiles.reload import gpx_duty_margins

    net = network_of(scenario, config)
    timeline = None
    if gpx:  # a plan folder's tracks hold the drives out and home: not strays
        lead, tail = gpx_duty_margins(gpx, net.config.night, net.scenario.timezone)
        timeline = timeline_from_gpx(net, gpx, lead_min=lead, tail_min=tail)
    if out is None:
        return coverage_report(net, criterion=tuple(criterion), timeline=timeline)
    report, _ = run_gaps(net, out, criterion=criterion, timeline=timeline, map_html=map_html)
    return report


def plan_night(
    scenario: ScenarioLike = "ningming",
    *,
    night: date | str | None = None,
    teams: Sequence[str] | None = None,
    n_teams: int | None = None,
    night_window: str | None = None,
    search: SearchParams | None = None,
    config: PlanConfig | str | Path | None = None,
    out: str | Path | None = None,
    map_html: bool = True,
) -> PatrolPlan:
    """Plan one night: required roads, every team's loop, the schedule, the coverage after.

    Parameters
    ----------
    scenario, config
        See :func:`network_of`.
    night
        The date the night starts (``date`` or ``"YYYY-MM-DD"``; default today): its
        window in the scenario's zone (a daylight-saving night has its true length).
    teams, n_teams, night_window
        Plan with these teams, with that many spread along the border, or in
        another window (``"21:00-05:00"``).
    search
        The routing search (:class:`~borderwatch.config.SearchParams`): it stops
        when it converges, after ``max_iterations`` or at the time limit; the
        same seed gives the same plan.
    out
        Also write the plan folder (the ``plan`` command's files).
    map_html
        Draw map.html into ``out``.

    Returns
    -------
    PatrolPlan
    """
    from borderwatch.jobs.plan import run_plan
    from borderwatch.plan.patrols import night_network, plan_patrols

    net = network_of(scenario, config)
    day = _day(night)
    if out is not None:
        plan, _ = run_plan(
            net, out, night=day, search=search, teams=teams, n_teams=n_teams, night_window=night_window, map_html=map_html,
        )  # fmt: skip
        return plan
    tonight = night_network(net, teams=teams, n_teams=n_teams, night_window=night_window, night=day)
    return plan_patrols(tonight, search)


def replan(
    plan_dir: str | Path,
    *,
    at: str,
    drop: Sequence[str] = (),
    hot: Sequence[str] = (),
    gpx: Sequence[str | Path] | None = None,
    night: date | str | None = None,
    scenario: ScenarioLike | None = None,
    config: PlanConfig | str | Path | None = None,
    out: str | Path | None = None,
    map_html: bool = True,
) -> Replan:
    """Re-plan the rest of tonight from a plan folder: dropped teams, hot stretches, driven tracks.

    Parameters
    ----------
    plan_dir
        Output folder of ``plan`` (or :func:`plan_night` with ``out``).
    at
        The cut, ``HH:MM`` inside the plan's window.
    drop, hot
        Teams that drop out; stretches that turned hot (``"40.5-42.0:3"``).
    gpx
        What the teams drove tonight (positions and passes before the cut).
    night
        The date the night started (default: the plan's).
    scenario, config
        The plan's scenario (default: the one the folder records) and its config.
    out
        Also write the re-plan folder (plan files, diff.txt, map.html).
    map_html
        Draw map.html into ``out``.

    Returns
    -------
    Replan
    """
    from borderwatch.jobs.replan import write_replan
    from borderwatch.jobs.replan_run import replan_request, run_replan
    from borderwatch.planfiles.folders import scenario_of_folder

    request = replan_request(
        plan_dir, at=at, drop=drop, hot=hot, night=None if night is None else _day(night)
    )
    net = network_of(scenario if scenario is not None else scenario_of_folder(plan_dir), config)
    rp = run_replan(request, net, gpx=gpx)
    if out is not None:
        write_replan(rp, out, night=request.night, map_html=map_html)
    return rp
