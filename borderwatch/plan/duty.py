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

__all__ = ["DutyTimes", "duty_times", "team_duties"]


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
    re-plan of a circuit plan, whose team sets out from where it is that many
    minutes after the cut and drives its approach then (the loop starts
    ``approach`` later); None: the approach is driven before the window.
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
    t = patrol.teams.index(route.team)
    row = int(inst.team_profile[t])
    teams = network.teams
    home = (
        int(teams.loc[route.team, "base_node"])
        if "base_node" in teams.columns
        else int(inst.depots[t])
    )
    return np.asarray(inst.shortest_paths(row).distances_from(home))


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
    steps = variant_steps(route, variant)  # direction and turn-back, as the crew drives it
    secs = variant_seconds(route, variant) / 60.0
    ends = np.cumsum(secs)
    at = (window_min - on_min) % float(ends[-1]) if ends[-1] > 0 else 0.0
    k = min(int(np.searchsorted(ends, at - 1e-9)), len(steps) - 1)
    e, fwd = steps[k]
    node = int(network.edges["v"].iat[e] if fwd else network.edges["u"].iat[e])
    home = float(home_s[node]) / 60.0
    return float(ends[k] - at) + (home if math.isfinite(home) else route.approach_s / 60.0)
