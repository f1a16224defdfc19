"""When each crew is where: the duty times of every team and route variant of a night.

For each team and each of its route variants (:mod:`borderwatch.plan.variants`)
a night's duty runs: leave the base, drive to the loop (the plan's approach),
start the loop ``phase_min`` minutes before the window start (so that the team
is ``phase_min`` into its loop when the window opens), pass the loop every
``loop_min`` minutes, leave it at the window end, finish the road in progress and
drive the shortest way back to the base. The times are elapsed minutes from the
window start (:class:`~borderwatch.config.NightWindow` turns them into wall
clocks, DST-correct); they are computed once here, written into ``plan.json``
and read by the roster, its calendars and the briefing.

Rounding: leaving the base is rounded down and being back rounded up to the
minute (a crew is never told to leave late nor promised home early).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from borderwatch.plan.laps import laps
from borderwatch.plan.variants import (
    RouteVariant,
    route_variants,
    variant_seconds,
    variant_steps,
)

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan
    from borderwatch.routing.patrol import TeamRoute

__all__ = ["DutyTimes", "HomeDrive", "drive_home", "duty_times", "team_duties"]


@dataclass(frozen=True)
class DutyTimes:
    """One crew's night on one route variant, in elapsed minutes from the window start.

    Attributes
    ----------
    variant, reverse, phase_min
        The route variant (``"T09-r2"``), its direction and its phase.
    leave_base_min
        Leaving the base (negative: before the window; whole minutes, rounded down).
    on_loop_min
        Starting the loop (``-phase_min``).
    loop_starts_min
        Every start of the loop before the window end (the first is ``on_loop_min``).
    off_loop_min
        Leaving the loop: the window end.
    back_base_min
        Back at the base (whole minutes, rounded up).
    loop_min
        The variant's loop (with its turn-back, for a drawn detour).
    detour
        ``None``, or the drawn detour's stretch ``(i, j)`` of the plan's loop
        (:class:`~borderwatch.plan.variants.RouteVariant`).
    """

    variant: str
    reverse: bool
    phase_min: float
    leave_base_min: int
    on_loop_min: float
    loop_starts_min: tuple[float, ...]
    off_loop_min: float
    back_base_min: int
    loop_min: float = 0.0
    detour: tuple[int, int] | None = None


def duty_times(
    network: PatrolNetwork,
    plan: PatrolPlan,
    variants: Mapping[str, Sequence[RouteVariant]] | None = None,
) -> dict[str, list[DutyTimes]]:
    """Team id -> the duty of each of its route variants (``route_variants`` order); standby: [].

    Parameters
    ----------
    network
        The network the plan was made on (its config gives the window length).
    plan
        The night plan (routes with approach and loop; the instance's shortest paths).
    variants
        Team id -> its variants, when they are not just ``route_variants`` of its
        loop (drawn detours, :func:`borderwatch.plan.odds.detect_night`); teams
        missing from it get ``route_variants``.

    Returns
    -------
    dict
        One list per team of the plan, in plan order.
    """
    window = float(network.config.night_minutes)
    out: dict[str, list[DutyTimes]] = {}
    for route in plan.routes:
        if not route.on_patrol:
            out[route.team] = []
            continue
        home = _home_seconds(network, plan, route)
        mine = None if variants is None else variants.get(route.team)
        set_out = plan.schedule.set_out(route.team)
        out[route.team] = team_duties(network, route, window, home, mine, set_out_min=set_out)
    return out


def team_duties(
    network: PatrolNetwork,
    route: TeamRoute,
    window_min: float,
    home_s: np.ndarray,
    variants: Sequence[RouteVariant] | None = None,
    *,
    set_out_min: float | None = None,
) -> list[DutyTimes]:
    """The duties of ``route``'s variants; ``home_s[node]`` is the drive from ``node`` to its base.

    ``variants`` default to ``route_variants(route)``; a drawn detour's loop is
    its own ``loop_min`` (the loop with the turn-back). ``set_out_min``: a
    re-plan, whose team sets out from where it is that many minutes after the
    cut (a circuit re-plan drives its approach then, the loop starts
    ``approach`` later); None: a plan, the approach is driven before the window.
    """
    approach = route.approach_s / 60.0
    shift = 0.0 if set_out_min is None else set_out_min + approach
    out = []
    for v in route_variants(route) if variants is None else variants:
        loop = route.loop_s / 60.0 if v.detour is None else float(v.loop_min)
        on = shift - v.phase_min
        back = window_min + _back_after_min(network, route, v, window_min, home_s, on)
        out.append(
            DutyTimes(
                variant=v.variant,
                reverse=v.reverse,
                phase_min=v.phase_min,
                leave_base_min=math.floor(on - approach + 1e-9),
                on_loop_min=on,
                # the loops that fit the window (borderwatch.plan.laps: no last-minute fragment)
                loop_starts_min=laps(loop, window_min, on).starts or (on,),
                off_loop_min=window_min,
                back_base_min=math.ceil(back - 1e-9),
                loop_min=loop,
                detour=v.detour,
            )
        )
    return out


def _home_seconds(network: PatrolNetwork, plan: PatrolPlan, route: TeamRoute) -> np.ndarray:
    """Seconds of the team's shortest drive from every node to its base (roads are two-way).

    In a re-plan the routing depot is where the team was at the cut; its base is
    the teams' ``base_node`` (:func:`~borderwatch.plan.replan.cut.remainder_network`).
    """
    patrol = plan.instance
    inst = patrol.instance
    row = int(inst.team_profile[patrol.teams.index(route.team)])
    home = _home_node(network, plan, route)
    return np.asarray(inst.shortest_paths(row).distances_from(home))


def _home_node(network: PatrolNetwork, plan: PatrolPlan, route: TeamRoute) -> int:
    """The team's base node: ``base_node`` in a re-plan, else its routing depot."""
    teams = network.teams
    if "base_node" in teams.columns:
        return int(teams.loc[route.team, "base_node"])
    return int(plan.instance.instance.depots[plan.instance.teams.index(route.team)])


def _back_after_min(
    network: PatrolNetwork,
    route: TeamRoute,
    variant: RouteVariant,
    window_min: float,
    home_s: np.ndarray,
    on_min: float,
) -> float:
    """Minutes from the window end to the base: finish the road under way, then drive home.

    ``on_min``: when the variant's loop starts (minutes after the window start).
    """
    _k, rest, node = _under_way(network, route, variant, window_min, on_min)
    home = float(home_s[node]) / 60.0
    return rest + (home if math.isfinite(home) else route.approach_s / 60.0)


def _under_way(
    network: PatrolNetwork,
    route: TeamRoute,
    variant: RouteVariant,
    window_min: float,
    on_min: float,
) -> tuple[int, float, int]:
    """The road under way at the window end: its step in :func:`variant_steps`, minutes left, end node."""
    steps = variant_steps(route, variant)  # direction and turn-back, as the crew drives it
    secs = variant_seconds(route, variant) / 60.0
    ends = np.cumsum(secs)
    at = (window_min - on_min) % float(ends[-1]) if ends[-1] > 0 else 0.0
    k = min(int(np.searchsorted(ends, at - 1e-9)), len(steps) - 1)
    e, fwd = steps[k]
    node = int(network.edges["v"].iat[e] if fwd else network.edges["u"].iat[e])
    return k, float(ends[k] - at), node


@dataclass(frozen=True)
class HomeDrive:
    """A crew's drive home at the window end (:func:`drive_home`), the one ``back_base`` counts.

    Attributes
    ----------
    duty
        The variant's duty times (``back_base_min`` is this drive's end, rounded up).
    step
        The road under way at the window end, ``(edge, forward)``.
    rest_min
        Minutes left on that road at the window end.
    path
        The shortest drive from the road's end to the base, network edges in
        driving order (empty when the road ends at the base, or when the base
        cannot be reached: then ``home_min`` is the approach's time, as
        ``back_base`` counts it).
    home_min
        Minutes of ``path`` (the distance ``back_base`` counts).
    reached
        Whether the base can be reached from the road's end.
    """

    duty: DutyTimes
    step: tuple[int, bool]
    rest_min: float
    path: tuple[tuple[int, bool], ...]
    home_min: float
    reached: bool

    @property
    def back_min(self) -> float:
        """Minutes after the window start at which the crew is back at its base (not rounded)."""
        # summed as team_duties sums back_base (window + (rest + home)), so both round alike
        return self.duty.off_loop_min + (self.rest_min + self.home_min)


def drive_home(
    network: PatrolNetwork,
    plan: PatrolPlan,
    route: TeamRoute,
    variant: RouteVariant | None = None,
) -> HomeDrive:
    """The drive home of ``route``'s ``variant`` (default: the plan's own schedule, ``-f0``).

    The road under way at the window end is finished, then the team drives the
    shortest way to its base: the path of the same shortest-path run
    (:meth:`~borderwatch.routing.instance.ShortestPaths.predecessors_from` the
    base) whose distance :func:`duty_times` counts in ``back_base``, so the
    times and the roads of the drive are one computation.

    Parameters
    ----------
    network
        The network the plan was made on.
    plan
        The night plan.
    route
        A route of ``plan`` on patrol.
    variant
        One of its route variants (default the first of ``route_variants``).

    Returns
    -------
    HomeDrive
        The duty times of the variant with the road under way and the drive home.
    """
    v = route_variants(route)[0] if variant is None else variant
    home_s = _home_seconds(network, plan, route)
    window = float(network.config.night_minutes)
    set_out = plan.schedule.set_out(route.team)
    (duty,) = team_duties(network, route, window, home_s, [v], set_out_min=set_out)
    k, rest, node = _under_way(network, route, v, window, duty.on_loop_min)
    step = variant_steps(route, v)[k]
    home = float(home_s[node]) / 60.0
    if not math.isfinite(home):
        return HomeDrive(duty, step, rest, (), route.approach_s / 60.0, reached=False)
    path = _path_home(network, plan, route, node)
    return HomeDrive(duty, step, rest, path, home, reached=True)


def _path_home(
    network: PatrolNetwork, plan: PatrolPlan, route: TeamRoute, node: int
) -> tuple[tuple[int, bool], ...]:
    """Network edges of the shortest drive from ``node`` to the team's base.

    Traced back along the predecessors of the single-source run from the base
    whose distances :func:`_home_seconds` gives (roads are two-way: the path
    from the base to ``node``, driven backwards).
    """
    patrol = plan.instance
    inst = patrol.instance
    t = patrol.teams.index(route.team)
    sp = inst.shortest_paths(int(inst.team_profile[t]))
    home = _home_node(network, plan, route)
    pred = sp.predecessors_from(home)
    steps: list[tuple[int, bool]] = []
    at = int(node)
    while at != home:
        prev = int(pred[at])
        e = sp.edge_between(at, prev)
        steps.append((e, bool(inst.u[e] == at)))
        at = prev
    return tuple(patrol.expand(steps))
