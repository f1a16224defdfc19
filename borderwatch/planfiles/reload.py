"""Reload the :class:`~borderwatch.plan.patrols.PatrolPlan` that ``borderwatch plan`` wrote.

A plan folder holds the plan's decisions in ``plan.json``: per team its loop
(``steps``, with ``service`` flags since issue #14), the approach from its base,
its status, role and note; the required roads; the seed, the night window and
the figures of the min-max stage. Everything else of a
:class:`~borderwatch.plan.patrols.PatrolPlan` follows from those and the
scenario's network, and is recomputed here the way
:func:`~borderwatch.plan.patrols.plan_patrols` computes it: the routing
instance, the timeline (every loop starting at the window start), the
revisits table and the night objective. So a reloaded plan has the same
routes, worst revisit and revisits table as the plan that was written.

What ``plan.json`` does not hold is rebuilt as well as it can be, and said so:

* ``result`` and ``balanced`` (the min-max and take-over stages) keep the
  recorded longest loop and bound (to 0.01 min); their ``tasks`` are the links
  each route serves (each link given to one team, min-max and take-over routes
  first) and their ``walks`` the approach, the loop and the approach back, on
  network edges. They are not meant for :meth:`RoutingResult.validate`.
* ``required.fixed`` (the ``--always`` roads) is empty; ``required.cost_s``,
  ``gap_pct`` and ``method`` are as recorded.
* Plans written before ``service`` was recorded: a step serves a required road
  when it is the first traversal of that edge in the loop.

A plan made with ``--teams``, ``--n-teams`` or ``--night-window`` is reloaded
on the same teams (in the plan's order) and window (:func:`plan_network`);
a re-planned folder (``borderwatch replan``) also puts every team at its
recorded position, starts its loop when it was ready there and weights the
objective by the hot stretches (its ``plan.json`` ``replan`` section). A
``summary.json`` beside ``plan.json`` that counts other border units (another
unit length) is refused.

:func:`driven_from_gpx` reads what the teams drove tonight from GPS tracks:
the passes before a cut and each tracked team's position, for
:func:`~borderwatch.plan.replan.replan`.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from borderwatch.coverage.gpx import GpxTracks, read_gpx_tracks, timeline_from_gpx
from borderwatch.coverage.risk import risk_weights
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.errors import BorderwatchError, BorderwatchWarning, CoverageError
from borderwatch.plan.required import RequiredRoads, unwatchable_units
from borderwatch.planfiles.folders import read_plan_file
from borderwatch.routing.patrol import PatrolInstance, TeamRoute, build_instance
from borderwatch.routing.result import RoutingResult, Step

if TYPE_CHECKING:
    from borderwatch.config import NightWindow
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan
    from borderwatch.plan.replan import TeamPosition
    from borderwatch.planfiles.planfile import PlanFile

__all__ = ["driven_from_gpx", "load_plan", "plan_network", "plan_night", "window_start"]

logger = logging.getLogger(__name__)


class _Reader:
    """Typed access to the fields of one ``plan.json``; every error names file, field and value."""

    def __init__(self, path: Path, plan: PlanFile) -> None:
        self.path = path
        self.plan = plan
        self.data = plan.to_dict()  # the steps and replan positions, checked against the network

    def fail(self, message: str, field: str, value: Any) -> CoverageError:
        return CoverageError(message, file=self.path, field=field, value=value)

    def number(self, obj: Mapping[str, Any], key: str, where: str, *, default: Any = None) -> float:
        value = obj.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail("must be a finite number", where, value)
        return float(value)

    def text(self, obj: Mapping[str, Any], key: str, where: str, *, default: str = "") -> str:
        value = obj.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.fail("must be a text", where, value)
        return value

    def steps(self, value: Any, where: str, n_edges: int) -> tuple[Step, ...]:
        if not isinstance(value, list):
            raise self.fail("must be a list of [edge, forward] pairs", where, value)
        out: list[Step] = []
        for i, item in enumerate(value):
            if (
                not isinstance(item, list)
                or len(item) != 2
                or isinstance(item[0], bool)
                or not isinstance(item[0], int)
                or not isinstance(item[1], bool)
            ):
                raise self.fail("each step is [edge id, forward]", f"{where}[{i}]", item)
            if not 0 <= item[0] < n_edges:
                raise self.fail(
                    f"edge id outside 0..{n_edges - 1}: not a plan of this scenario's network",
                    f"{where}[{i}]",
                    item[0],
                )
            out.append((int(item[0]), bool(item[1])))
        return tuple(out)


def _reader(folder: str | Path) -> _Reader:
    folder = Path(folder)
    path = folder / "plan.json" if folder.is_dir() else folder
    return _Reader(path, read_plan_file(path))


def plan_night(folder: str | Path) -> date:
    """The date the plan's night starts on (``plan.json`` ``night``).

    Raises
    ------
    CoverageError
        The plan file is missing, of an older schema or not valid (:class:`PlanFile`).
    """
    return _reader(folder).plan.night


def _plan_network(r: _Reader, network: PatrolNetwork) -> PatrolNetwork:

    from borderwatch.plan.patrols import night_network

    ids = list(r.plan.teams)
    if not ids:
        raise r.fail("a plan has at least one route", "routes", ids)
    known = set(network.teams.index.astype(str))
    for i, team in enumerate(ids):
        if team not in known:
            raise r.fail(
                f"team not in the scenario (teams: {', '.join(sorted(known))}): "
                "not a plan of this scenario",
                f"routes[{i}].team",
                team,
            )
    if len(set(ids)) != len(ids):
        raise r.fail("a team has two routes", "routes", ids)
    window, night = r.plan.run_window()  # a re-plan's loops run from its cut
    net = night_network(network, teams=ids, night_window=window, night=night)
    net = _with_loop_rule(r, net)
    border_km = r.plan.border_km
    if border_km is not None:
        have = round(float(net.units["length_m"].sum()) / 1000.0, 3)
        if abs(have - border_km) > 1e-3 + 1e-6 * have:
            raise r.fail(
                f"the scenario's border is {have:g} km: not a plan of this scenario and config",
                "border_km",
                border_km,
            )
    _check_units(r.path.parent / "summary.json", net)
    replan = r.data.get("replan")
    if replan is None:
        return net
    if not isinstance(replan, dict) or not isinstance(replan.get("positions"), dict):
        raise r.fail("a replan section holds a 'positions' object", "replan.positions", replan)
    teams = net.teams.copy()
    teams["base_node"] = teams["node"].astype(np.int64)  # home, as remainder_network keeps it
    n_nodes = len(net.nodes)
    for team, pos in replan["positions"].items():
        where = f"replan.positions.{team}"
        node = pos.get("node") if isinstance(pos, dict) else None
        if team not in teams.index:
            raise r.fail("team has no route in this plan", where, team)
        if isinstance(node, bool) or not isinstance(node, int) or not 0 <= node < n_nodes:
            raise r.fail(f"node must be a node index 0..{n_nodes - 1}", f"{where}.node", node)
        teams.loc[team, "node"] = node
    return net.with_teams(teams)


def _with_loop_rule(r: _Reader, net: PatrolNetwork) -> PatrolNetwork:
    """``net`` under the plan's loop rule (``loops``, ``max_approach_min``; none written: ``"base"``).

    The rule is the plan's, not the config's the scenario is read with now: a
    plan made with ``--loops circuit`` reloads (and re-plans) as circuits.
    """
    import dataclasses

    loops = r.data.get("loops", "base")
    if loops not in ("base", "circuit"):
        raise r.fail("must be 'base' or 'circuit'", "loops", loops)
    cfg = net.config
    reach = (
        r.number(r.data, "max_approach_min", "max_approach_min")
        if loops == "circuit"
        else cfg.max_approach_min
    )
    if cfg.loops == loops and cfg.max_approach_min == reach:
        return net
    return dataclasses.replace(
        net, config=dataclasses.replace(cfg, loops=loops, max_approach_min=reach)
    )


def _check_units(path: Path, net: PatrolNetwork) -> None:
    """The folder's ``summary.json`` (if any) must count the units of ``net`` (same unit length)."""
    import json

    if not path.is_file():
        return
    try:
        n_units = json.loads(path.read_text(encoding="utf-8")).get("n_units")
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return  # summary.json is the coverage's file; plan.json is what is reloaded
    if isinstance(n_units, int) and not isinstance(n_units, bool) and n_units != len(net.units):
        raise CoverageError(
            f"the scenario's network has {len(net.units)} border units: not the scenario and "
            "config the plan was made with (give its --config)",
            file=path,
            field="n_units",
            value=n_units,
        )


def plan_network(folder: str | Path, network: PatrolNetwork) -> PatrolNetwork:
    """The network a plan folder was planned on: its teams (in its order), its night window.

    Parameters
    ----------
    folder
        A plan folder (or its ``plan.json``).
    network
        The network of the scenario the plan was made from (as ``borderwatch
        plan`` builds it, same config).

    Returns
    -------
    PatrolNetwork
        ``network`` with the plan's team subset and night window
        (:func:`~borderwatch.plan.patrols.night_network`); for a re-planned
        folder with every team's ``node`` at its recorded position.

    Raises
    ------
    CoverageError
        Naming ``plan.json``, the field and the value: a team the scenario
        lacks, a bad night window, a border of another length.
    """
    return _plan_network(_reader(folder), network)


def _service(
    steps: tuple[Step, ...], recorded: Any, required: set[int], r: _Reader, where: str
) -> tuple[bool, ...]:
    if (
        not isinstance(recorded, list)
        or len(recorded) != len(steps)
        or any(x not in (0, 1) or isinstance(x, float) for x in recorded)
    ):
        raise r.fail(f"must be a list of {len(steps)} flags 0 or 1 (one per step)", where, recorded)
    return tuple(bool(x) for x in recorded)


def _check_walk(
    network: PatrolNetwork, steps: tuple[Step, ...], start: int, closed: bool
) -> int | None:
    """Index of the first step that does not continue the walk from ``start`` (None: it holds)."""
    u = network.edges["u"].to_numpy()
    v = network.edges["v"].to_numpy()
    node = start
    for i, (e, fwd) in enumerate(steps):
        a, b = (u[e], v[e]) if fwd else (v[e], u[e])
        if a != node:
            return i
        node = int(b)
    if closed and steps and node != start:
        return len(steps)
    return None


def _routes(r: _Reader, net: PatrolNetwork, required: set[int]) -> list[TeamRoute]:
    n_edges = len(net.edges)
    u = net.edges["u"].to_numpy()
    v = net.edges["v"].to_numpy()
    out = []
    for i, entry in enumerate(r.data["routes"]):
        where = f"routes[{i}]"
        team = str(entry["team"])
        vehicle = str(net.teams.loc[team, "vehicle"])
        recorded_vehicle = entry.get("vehicle", vehicle)
        if recorded_vehicle != vehicle:
            raise r.fail(
                f"the scenario's team {team} drives a {vehicle}: not a plan of this scenario",
                f"{where}.vehicle",
                recorded_vehicle,
            )
        steps = r.steps(entry.get("steps", []), f"{where}.steps", n_edges)
        approach = r.steps(entry.get("approach", []), f"{where}.approach", n_edges)
        status = r.text(
            entry, "status", f"{where}.status", default="patrol" if steps else "standby"
        )
        if status not in ("patrol", "standby"):
            raise r.fail("must be 'patrol' or 'standby'", f"{where}.status", status)
        secs = net.edge_seconds(vehicle)
        seconds = tuple(float(secs[e]) for e, _ in steps)
        if steps and not all(
            math.isfinite(s) for s in seconds + tuple(secs[e] for e, _ in approach)
        ):
            bad = next(e for e, _ in (*steps, *approach) if not math.isfinite(secs[e]))
            raise r.fail(f"team {team}'s {vehicle} may not drive this edge", f"{where}.steps", bad)
        if steps:
            first, fwd = steps[0]
            start = int(u[first] if fwd else v[first])
            base = int(net.teams.loc[team, "node"])
            broken = _check_walk(net, steps, start, closed=True)
            if broken is not None:
                raise r.fail(
                    "the loop is not a closed walk on this network (breaks at that step): "
                    "not a plan of this scenario",
                    f"{where}.steps[{broken}]",
                    list(steps[broken]) if broken < len(steps) else "end",
                )
            if approach:
                broken = _check_walk(net, (*approach,), base, closed=False)
                end_a = approach[-1]
                end_node = int(v[end_a[0]] if end_a[1] else u[end_a[0]])
                if broken is not None or end_node != start:
                    raise r.fail(
                        "the approach does not lead from the team's base to its loop",
                        f"{where}.approach",
                        len(approach),
                    )
        out.append(
            TeamRoute(
                team=team,
                vehicle=vehicle,
                steps=steps,
                service=_service(steps, entry.get("service"), required, r, f"{where}.service"),
                seconds=seconds,
                approach=approach,
                approach_s=float(sum(float(secs[e]) for e, _ in approach)),
                status=status,
                standby_reason=r.text(entry, "standby_reason", f"{where}.standby_reason"),
                role=r.text(entry, "role", f"{where}.role", default="min-max" if steps else ""),
                note=r.text(entry, "note", f"{where}.note"),
            )
        )
    return out


def _required(r: _Reader, net: PatrolNetwork) -> RequiredRoads:
    edges = r.data.get("required_edges")
    n_edges = len(net.edges)
    if not isinstance(edges, list) or any(
        isinstance(e, bool) or not isinstance(e, int) or not 0 <= e < n_edges for e in edges
    ):
        bad = (
            next(
                (
                    e
                    for e in edges
                    if isinstance(e, bool) or not isinstance(e, int) or not 0 <= e < n_edges
                ),
                edges,
            )
            if isinstance(edges, list)
            else edges
        )
        raise r.fail(f"must be a list of edge ids 0..{n_edges - 1}", "required_edges", bad)
    info = r.data.get("required_roads") or {}
    if not isinstance(info, dict):
        raise r.fail("must be an object", "required_roads", info)
    cost_s = r.number(info, "drive_min", "required_roads.drive_min", default=0.0) * 60.0
    gap = r.number(info, "gap_pct", "required_roads.gap_pct", default=0.0)
    uncoverable, reasons = unwatchable_units(net)
    return RequiredRoads(
        edges=np.asarray(sorted(set(edges)), dtype=np.int64),
        fixed=np.empty(0, dtype=np.int64),
        cost_s=cost_s,
        lower_bound_s=cost_s * (1.0 - gap / 100.0),
        gap_pct=gap,
        method=r.text(info, "method", "required_roads.method", default="milp"),
        uncoverable=uncoverable,
        uncoverable_reason=reasons,
        seconds=0.0,
    )


def _replan_starts(r: _Reader, net: PatrolNetwork) -> tuple[dict[str, float], np.ndarray]:
    """A re-planned folder's loop starts (minutes into its window) and hot-stretch weights."""
    from borderwatch.plan.replan import HotStretch

    hot_w = np.ones(len(net.units))
    replan = r.data.get("replan")
    if not isinstance(replan, dict):
        return {}, hot_w
    starts = {}
    for team, pos in replan["positions"].items():
        where = f"replan.positions.{team}.start_min"
        value = r.number(pos, "start_min", where, default=0.0)
        if value < 0.0:
            raise r.fail("must be 0 or more (minutes after the cut)", where, value)
        starts[str(team)] = value
    hot = replan.get("hot", [])
    if not isinstance(hot, list):
        raise r.fail("must be a list", "replan.hot", hot)
    for i, h in enumerate(hot):
        where = f"replan.hot[{i}]"
        if not isinstance(h, dict):
            raise r.fail("must be an object with start_km, end_km, weight", where, h)
        stretch = HotStretch(
            r.number(h, "start_km", f"{where}.start_km"),
            r.number(h, "end_km", f"{where}.end_km"),
            r.number(h, "weight", f"{where}.weight"),
        )
        hot_w[stretch.units(net)] *= stretch.weight
    return starts, hot_w


def _stage(
    patrol: PatrolInstance,
    routes: list[TeamRoute],
    *,
    max_cost: float | None,
    lower_bound: float,
    seed: int,
) -> RoutingResult:
    """A :class:`RoutingResult` rebuilt from the routes (see the module notes)."""
    link_of: dict[int, tuple[int, int]] = {}
    for k, link in enumerate(patrol.links):
        for j, e in enumerate(link.edges):
            link_of[e] = (k, j)
    order = sorted(
        range(len(routes)),
        key=lambda i: (routes[i].role not in ("min-max", "take-over"), i),
    )
    given: set[int] = set()
    tasks: list[tuple[Step, ...]] = [() for _ in routes]
    for i in order:
        mine: list[Step] = []
        for (e, fwd), serve in zip(routes[i].steps, routes[i].service, strict=True):
            hit = link_of.get(e)
            if not serve or hit is None or hit[0] in given:
                continue
            k, j = hit
            given.add(k)
            mine.append((patrol.n_network_edges + k, fwd == patrol.links[k].forward[j]))
        tasks[i] = tuple(mine)
    walks = []
    costs = []
    for route in routes:
        back = tuple((e, not f) for e, f in reversed(route.approach))
        walks.append((*route.approach, *route.steps, *back) if route.steps else ())
        costs.append(route.loop_s + 2.0 * route.approach_s if route.steps else 0.0)
    longest = max(costs, default=0.0)
    return RoutingResult(
        tasks=tuple(tasks),
        walks=tuple(walks),
        team_cost=tuple(costs),
        max_cost=longest if max_cost is None else max_cost,
        total_cost=float(sum(costs)),
        lower_bound=lower_bound,
        seconds=0.0,
        iterations=0,
        seed=seed,
    )


def load_plan(folder: str | Path, network: PatrolNetwork) -> PatrolPlan:
    """Rebuild the :class:`~borderwatch.plan.patrols.PatrolPlan` of a plan folder.

    Parameters
    ----------
    folder
        Output folder of ``borderwatch plan`` (or ``replan``), or its ``plan.json``.
    network
        The network of the scenario the plan was made from, built with the
        same config (``borderwatch plan`` builds it from the scenario and
        ``--config``); the plan's teams and night window are applied here
        (:func:`plan_network`). Use ``plan_network(folder, network)`` for the
        network the returned plan runs on.

    Returns
    -------
    PatrolPlan
        Same routes, timeline, revisits table and worst revisit as the plan
        written; ``result``/``balanced`` rebuilt as the module notes say.

    Raises
    ------
    BorderwatchError
        No ``plan.json`` in ``folder``.
    CoverageError
        Naming ``plan.json``, the field and the value: not JSON, not a plan,
        a team, edge or vehicle this scenario's network does not have, a loop
        that is not a closed walk on it, a bad number or flag.
    """
    from borderwatch.plan.patrols import finish_plan
    from borderwatch.plan.replan.cut import remainder_timeline

    r = _reader(folder)
    seed = r.plan.seed
    net = _plan_network(r, network)
    required = _required(r, net)
    routes = _routes(r, net, set(required.edges.tolist()))
    with warnings.catch_warnings():
        # a team that reaches no road was warned about when planning; plan.json says standby
        warnings.simplefilter("ignore", BorderwatchWarning)
        instance = build_instance(net, required.edges)
    active = [x for x in routes if x.on_patrol]
    if not active:
        raise r.fail("no team is on patrol in this plan", "routes", [x.team for x in routes])
    window = net.config.night_minutes
    starts, hot_w = _replan_starts(r, net)
    # in a re-plan, a team still finishing its road at the window end starts no loop
    starters = [x for x in active if starts.get(x.team, 0.0) < window - 1e-6]
    # a re-plan: each team sets out from where it is when it is ready (every team on patrol,
    # finish_plan reads it for each); a re-plan of a circuit plan drives its approach then
    set_out = (
        {x.team: starts.get(x.team, 0.0) for x in active} if r.plan.cut_min is not None else None
    )
    timeline = (
        remainder_timeline(net, starters, {x.team: starts.get(x.team, 0.0) for x in starters})
        if starters and set_out is not None and net.config.loops == "circuit"
        else PatrolTimeline.from_walks(
            net,
            {x.team: list(x.steps) for x in starters},
            start_min={x.team: starts.get(x.team, 0.0) for x in starters},
            window_min=window,
        )
        if starters
        else PatrolTimeline(window_min=window, teams=tuple(x.team for x in active))
    )
    minmax = r.number(r.data, "minmax_loop_min", "minmax_loop_min") * 60.0
    bound = r.number(r.data, "bound_min", "bound_min", default=0.0) * 60.0
    plan = finish_plan(
        net,
        required=required,
        instance=instance,
        routes=routes,
        result=_stage(instance, routes, max_cost=minmax, lower_bound=bound, seed=seed),
        balanced=_stage(instance, routes, max_cost=None, lower_bound=bound, seed=seed),
        timeline=timeline,
        weights=risk_weights(net) * hot_w,
        seconds={},
        seed=seed,
        set_out=set_out,
    )
    logger.info(
        "reloaded plan %s: %d teams on patrol, worst revisit %.1f min",
        r.path,
        len(active),
        plan.objective.worst_revisit_min,
    )
    return plan


def window_start(network: PatrolNetwork, night: date) -> datetime:
    """The start of ``network``'s night window on ``night``, in the scenario's time zone."""
    return network.config.night.start_at(night, network.scenario.timezone)


def _last_points(
    tracks: GpxTracks, until: datetime | None
) -> dict[str, tuple[datetime, float, float]]:
    """Per team, the last timed point of its tracks up to ``until``: ``(time, lon, lat)``."""
    last: dict[str, tuple[datetime, float, float]] = {}
    limit = until.timestamp() if until is not None else math.inf
    for track in tracks.tracks:
        for ts, lon, lat in track.segments:
            ok = np.flatnonzero(ts <= limit)
            if not len(ok):
                continue
            i = int(ok[np.argmax(ts[ok])])
            when = datetime.fromtimestamp(float(ts[i]), UTC)
            if track.team not in last or when >= last[track.team][0]:
                last[track.team] = (when, float(lon[i]), float(lat[i]))
    return last


def _snap(
    network: PatrolNetwork, team: str, lon: float, lat: float, when: datetime | None = None
) -> int:
    """The node nearest ``(lon, lat)`` on a road the team's vehicle may drive, joined to its base.

    Only nodes of the team's road component (the roads its vehicle may drive
    that connect to its base, or in a re-planned network to its recorded
    position) count: the nearest node of a stub cut off from the team's
    roads would leave it nowhere to drive.

    Raises
    ------
    CoverageError
        If the fix is farther than ``config.gpx_off_road_m`` from every road:
        the team's position is not known, and a node kilometres away would
        plan from where the team is not.
    """
    import pyproj
    import shapely

    from borderwatch.routing.patrol import node_components

    secs = network.edge_seconds(str(network.teams.loc[team, "vehicle"]))
    ok = np.isfinite(secs)
    u, v = network.edges["u"].to_numpy()[ok], network.edges["v"].to_numpy()[ok]
    labels = node_components(len(network.nodes), u, v)
    home = labels[int(network.teams.loc[team, "node"])]
    nodes = np.unique(np.concatenate([u, v]))
    nodes = nodes[labels[nodes] == home]
    x, y = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True).transform(lon, lat)
    roads = network.edges.geometry.to_numpy()  # any road: the fix may lie on a cut-off stub
    far = float(shapely.distance(shapely.points(x, y), roads).min()) if len(roads) else math.inf
    limit = float(network.config.gpx_off_road_m)
    if far > limit:
        at = (
            f" at {when.astimezone(ZoneInfo(network.scenario.timezone or 'UTC')):%H:%M}"
            if when
            else ""
        )
        raise CoverageError(
            f"the last GPS fix of team {team} before the cut{at} (lon {lon:.5f}, lat {lat:.5f}) "
            f"is {far / 1000:.1f} km from the nearest road, more than "
            f"[defaults] gpx_off_road_m = {limit:g}: where the team is is not known; check the "
            "track, or leave it out and give the team's position another way",
            field="gpx",
            value=team,
        )
    d = np.hypot(network.nodes["x"].to_numpy()[nodes] - x, network.nodes["y"].to_numpy()[nodes] - y)
    return int(nodes[int(np.argmin(d))])


def gpx_duty_margins(
    paths: Sequence[str | Path] | str | Path,
    window: NightWindow | None = None,
    timezone: str | None = None,
) -> tuple[float, float]:
    """The drives out and home (minutes) of the whole-night tracks among these GPX paths.

    A plan folder's tracks hold each team's whole night (leave base to back at
    base), its drawn detours' tracks (``gpx/variants/``) each variant's, a
    briefing's crews' tracks (``crews/``, ``brief --roster``) the night of the
    variant the roster drew: replayed, their points before and after the window
    are the duty's drives, not strays. Beside a plan folder's plan.json (``gpx/``,
    ``gpx/variants/``, ``crews/`` of a briefing written into the plan folder): the
    longest over every variant of plan.json. Elsewhere (a briefing's own folder),
    with ``window``: what each borderwatch track says of itself, its description
    naming its leave base, the night's end, back at base and its variant
    (:func:`_described_margins`). A logger's files give 0; an unreadable plan.json
    too (the replay does not need the plan).

    Parameters
    ----------
    paths
        The GPX files or folders replayed.
    window
        The night window they are replayed in (tracks that describe themselves);
        None: plan.json beside them only.
    timezone
        The scenario's time zone, whose wall clock the descriptions' times are: the
        drives are elapsed minutes on the night of each track's first point (a drive
        over a daylight-saving changeover is not an hour off). None: UTC.

    Returns
    -------
    tuple of float
        Minutes before the window start and after its end that are duty.
    """
    lead = tail = 0.0
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    for item in items:
        p = Path(item)
        folder = p if p.is_dir() else p.parent
        if folder.name == "variants" and folder.parent.name == "gpx":
            folder = folder.parent  # <plan>/gpx/variants/<variant>.gpx: a drawn detour's night
        # <plan>/gpx/<team>.gpx, <plan>/gpx, <plan>/crews/<team>.gpx, or <plan>/routes.gpx
        beside = folder.name in ("gpx", "crews")
        plan_json = folder.parent / "plan.json" if beside else folder / "plan.json"
        margins: tuple[float, float] | None = None
        if plan_json.is_file():
            try:
                margins = read_plan_file(plan_json).duty_margins()
            except BorderwatchError as exc:
                logger.debug("no duty margins from %s: %s", plan_json, exc)
        elif window is not None:
            margins = _described_margins(p, window, timezone)
        if margins is not None:
            lead, tail = max(lead, margins[0]), max(tail, margins[1])
    return lead, tail


#: a whole-night track's description (:func:`borderwatch.planfiles.export._night_description`):
#: its leave base, the night's end, back at base and the variant whose night it is
_NIGHT_DESC = re.compile(
    r"leave base (\d{2}:\d{2}), .* to (\d{2}:\d{2}), back at base (\d{2}:\d{2}) \(([^()\s]+)\)"
)
#: a track's name and description as borderwatch writes them (gpxpy: name, then desc)
_TRK_HEAD = re.compile(r"<trk>\s*<name>([^<]*)</name>\s*<desc>([^<]*)</desc>")
#: a track's first point's time (after its description: the leave base instant)
_FIRST_TIME = re.compile(r"<time>([^<]+)</time>")
#: how much of a file is read for its tracks' descriptions (a crew's file: one track, ~1 KB in)
_HEAD_BYTES = 65_536


def _night_edges(
    window: NightWindow, first: str, timezone: str | None
) -> tuple[datetime, datetime]:
    """The aware start and end of the night of a track whose first point is at ``first``.

    That night is the one whose window start is nearest the point (its leave base).
    """
    moment = _aware(first)
    local = moment.astimezone(ZoneInfo(timezone or "UTC")).date()
    night = min(
        (local + timedelta(days=k) for k in (-1, 0, 1)),
        key=lambda d: abs((window.start_at(d, timezone) - moment).total_seconds()),
    )
    return window.start_at(night, timezone), window.end_at(night, timezone)


def _drive_min(clock: int, edge: datetime, *, before: bool, point: datetime | None = None) -> float:
    """Elapsed minutes between the wall clock ``clock`` (minutes after midnight in
    ``edge``'s zone) and ``edge``: its last instant at or before ``edge`` (``before``),
    else its first at or after; both readings of a clock the fall-back hour repeats. 0 for
    none within 12 hours (as the clocks' difference: a crew leaving after the start).

    ``point``: the track's instant of that clock (its first point, leave base, floored to
    the minute; its last, back at base, ceiled): of two readings within 12 hours, the one
    within a minute of it (a drive over 60 minutes across the fall-back hour), else the
    nearest ``edge``."""
    at = edge.astimezone(UTC)
    spans = []
    for d in (edge.date() - timedelta(days=1), edge.date(), edge.date() + timedelta(days=1)):
        for fold in (0, 1):
            wall = time(clock // 60, clock % 60, fold=fold)
            t = datetime.combine(d, wall, tzinfo=edge.tzinfo).astimezone(UTC)
            spans.append((at - t if before else t - at).total_seconds() / 60.0)
    near = sorted({s for s in spans if 0.0 <= s <= 720.0})
    if point is not None and len(near) > 1:
        # minutes from the edge to the point, on the clock's side of it
        gone = ((at - point) if before else (point - at)).total_seconds() / 60.0
        meant = [s for s in near if -1.0 <= gone - s <= 1.0]
        if meant:
            return meant[0]
    return near[0] if near else 0.0


def _last_time(file: Path, head: str, start: int) -> str | None:
    """The time of the last point of the track whose ``<trk>`` ends at ``start`` in ``head``
    (the file's first bytes; the whole file is read when the track runs past them)."""
    end = head.find("</trk>", start)
    if end < 0:
        try:
            head = file.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return None
        end = head.find("</trk>", start)
        if end < 0:
            return None
    times = _FIRST_TIME.findall(head, start, end)
    return times[-1] if times else None


def _aware(text: str) -> datetime:
    """A GPX time as an aware datetime (no offset: UTC)."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _described_margins(
    path: Path, window: NightWindow, timezone: str | None = None
) -> tuple[float, float] | None:
    """The drives out and home that borderwatch's whole-night tracks in ``path`` say they hold.

    Each track named by its variant (``T02-f1 ...``; or its team: ``T02 ...``, variant
    ``T02-f0``) whose description says ``leave base HH:MM, ... to <the window's end>,
    back at base HH:MM (<that variant>)`` (a crew's ``crews/<team>.gpx``): minutes
    from leaving the base to ``window``'s start and from its end to back at base
    (a description of another night's end says nothing), elapsed minutes between the
    instants of those wall clocks in ``timezone`` on the night of the track's first
    point (:func:`_night_edges`; a track without a time: the clocks' difference). None:
    no such track (a logger's file) in the first :data:`_HEAD_BYTES` of each file.
    """
    import html

    from borderwatch.config import parse_hhmm

    files = sorted(path.glob("*.gpx")) if path.is_dir() else [path]
    start, end = (parse_hhmm(t, field="night window") for t in window.pair)

    def since(a: int, b: int) -> float:  # minutes from clock a to clock b, within +-12 h
        return float((b - a + 720) % 1440 - 720)

    found: list[tuple[float, float]] = []
    for file in files:
        if not file.is_file():  # a FIFO or device would block the open: the reader refuses it
            continue
        try:
            with file.open("rb") as fh:
                head = fh.read(_HEAD_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        for trk in _TRK_HEAD.finditer(head):
            words = html.unescape(trk.group(1)).split()
            said = _NIGHT_DESC.search(html.unescape(trk.group(2)))
            if not words or said is None:
                continue
            leave, night_end, back, variant = said.groups()
            if words[0] != variant and not variant.startswith(f"{words[0]}-"):
                continue  # the track is not the night its description names
            if parse_hhmm(night_end, field="night end") != end:
                continue  # a night of another window
            out, home = (
                parse_hhmm(leave, field="leave base"),
                parse_hhmm(back, field="back at base"),
            )
            first = _FIRST_TIME.search(head, trk.end())
            try:
                edges = None if first is None else _night_edges(window, first.group(1), timezone)
            except ValueError:  # a time that is not ISO 8601: the clocks' difference
                edges = None
            if edges is None or first is None:
                lead, tail = since(out, start), since(end, home)
            else:
                last = _last_time(file, head, trk.end())
                try:
                    ends = _aware(first.group(1)), None if last is None else _aware(last)
                except ValueError:  # a last time that is not ISO 8601: the nearest readings
                    ends = _aware(first.group(1)), None
                lead = _drive_min(out, edges[0], before=True, point=ends[0])
                tail = _drive_min(home, edges[1], before=False, point=ends[1])
            found.append((max(lead, 0.0), max(tail, 0.0)))
    if not found:
        return None
    return max(a for a, _ in found), max(b for _, b in found)


def driven_from_gpx(
    network: PatrolNetwork,
    plan: PatrolPlan,
    paths: Sequence[str | Path] | str | Path,
    *,
    at_min: float,
    night: date | None = None,
    skip_teams: Collection[str] = (),
    lead_min: float = 0.0,
    tail_min: float = 0.0,
) -> tuple[PatrolTimeline, dict[str, TeamPosition]]:
    """What was driven tonight according to GPS tracks, and where each tracked team is at the cut.

    Parameters
    ----------
    network
        The network the plan runs on (:func:`plan_network`).
    plan
        Tonight's plan: teams without a track are taken to have driven it.
    paths
        GPX files, or folders of them (:func:`~borderwatch.coverage.gpx.gpx_files`);
        a track belongs to the team its name starts with, else the file's name.
    at_min
        The cut, minutes after the window start.
    night
        The date the night starts on (default: the night holding the first point).
    skip_teams
        Teams whose tracks are left out with a warning instead of refused:
        teams of the scenario that are not on duty in this plan (dropped by an
        earlier re-plan), whose tracks are in the night's folder.
    lead_min
        Minutes of tonight before this plan's window start (a re-planned
        folder's window starts at its cut) and of the drives out: tracks then are
        not strays.
    tail_min
        Minutes of the drives home after the window end: not strays either.

    Returns
    -------
    driven
        A timeline on the window's clock: the tracks' passes (sightings) for
        the tracked teams, the plan's traversals for the others.
    positions
        Per tracked team with a point at or before the cut, a
        :class:`~borderwatch.plan.replan.TeamPosition` at the node (of a road
        its vehicle may drive) nearest its last such point, ready at the cut,
        source ``"gpx"``.

    Raises
    ------
    CoverageError
        Naming the GPX file: missing, unreadable, no timed points, a track of a
        team not in the plan.
    """
    from borderwatch.coverage.gpx import gpx_files
    from borderwatch.plan.replan import TeamPosition

    files = gpx_files(paths)
    start = window_start(network, night) if night is not None else None
    tracks = timeline_from_gpx(
        network,
        files,
        window_start=start,
        skip_teams=skip_teams,
        lead_min=lead_min,
        tail_min=tail_min,
    )
    with warnings.catch_warnings():  # said once by timeline_from_gpx
        warnings.simplefilter("ignore", BorderwatchWarning)
        read = read_gpx_tracks(network, [(None, p) for p in files], skip_teams=skip_teams)
    if start is None:  # the same start timeline_from_gpx took: the night of the median point
        from borderwatch.coverage.gpx import _night_start_containing

        middle = read.middle_time()
        start = _night_start_containing(network, middle) if middle is not None else None
    cut = start + timedelta(minutes=at_min) if start is not None else None
    tracked = set(tracks.teams)
    plan_tl = plan.schedule.timeline
    trav = plan_tl.traversals[~plan_tl.traversals["team"].isin(tracked)]
    teams = tuple(dict.fromkeys([*plan_tl.teams, *tracks.teams]))
    driven = PatrolTimeline(
        window_min=plan_tl.window_min,
        teams=teams,
        traversals=trav,
        sightings=tracks.sightings,
        source=tracks.source,
    )
    positions = {
        team: TeamPosition(team, _snap(network, team, lon, lat, when), float(at_min), "gpx")
        for team, (when, lon, lat) in sorted(_last_points(read, cut).items())
        if team in tracked
    }
    untracked = [t for t in plan_tl.teams if t not in tracked]
    logger.info(
        "driven tonight: GPS tracks of %s; the plan's timeline of %s",
        ", ".join(sorted(tracked)),
        ", ".join(untracked) or "no other team",
    )
    return driven, positions
