"""The patrol plan: required roads → min-max routes → night schedule, with the bound beside it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from borderwatch.coverage.timeline import revisits
from borderwatch.routing.patrol import PatrolInstance, TeamRoute, build_instance, route_teams
from borderwatch.routing.required import RequiredRoads, choose_required_edges
from borderwatch.routing.result import gap_pct
from borderwatch.routing.schedule import NightSchedule, schedule_night

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.result import RoutingResult

__all__ = ["PatrolPlan", "plan_patrols"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PatrolPlan:
    """Everything a night's patrol plan consists of.

    Attributes
    ----------
    required
        The required roads (set cover of the watch index).
    instance
        The arc-routing instance built from the network.
    routes
        One route per team (closed walk from its base).
    result
        The min-max solver's result (seconds).
    schedule
        Loop phases and the night timeline.
    revisits
        Per-unit revisit intervals under the schedule (the coverage engine's table).
    seconds
        Wall-clock seconds per step.
    seed
        The seed used.
    """

    required: RequiredRoads
    instance: PatrolInstance
    routes: tuple[TeamRoute, ...]
    result: RoutingResult
    schedule: NightSchedule
    revisits: pd.DataFrame
    seconds: dict[str, float]
    seed: int

    @property
    def max_loop_min(self) -> float:
        """The longest loop (minutes)."""
        return self.result.max_cost / 60.0

    @property
    def bound_min(self) -> float:
        """Lower bound on the longest loop (minutes)."""
        return self.result.lower_bound / 60.0

    @property
    def gap_pct(self) -> float:
        """Gap of the longest loop above the bound (%, never below 0)."""
        return max(0.0, gap_pct(self.result.max_cost, self.result.lower_bound))


def plan_patrols(
    network: PatrolNetwork,
    *,
    time_limit: float = 20.0,
    max_iterations: int | None = None,
    seed: int | None = None,
    always_patrol: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> PatrolPlan:
    """Plan the night patrols of every team of ``network``.

    Parameters
    ----------
    network
        The patrol network (teams, their vehicles, the watch index).
    time_limit
        Seconds for the min-max search.
    max_iterations
        Iteration cap of the search (deterministic across machines).
    seed
        Random seed (default: ``network.config.seed``).
    always_patrol
        Roads patrolled in any case (names, OSM ids or highway classes).
    progress
        Called with a short message before each step.

    Returns
    -------
    PatrolPlan
    """
    seed = network.config.seed if seed is None else seed
    say = progress or (lambda _msg: None)
    secs: dict[str, float] = {}
    t = time.perf_counter()
    say("choosing required roads")
    required = choose_required_edges(
        network, always_patrol=always_patrol, time_limit=min(time_limit, 30.0)
    )
    secs["required"] = time.perf_counter() - t
    t = time.perf_counter()
    say(f"routing {len(network.teams)} teams")
    instance = build_instance(network, required.edges)
    routes, result = route_teams(
        network, instance, time_limit=time_limit, max_iterations=max_iterations, seed=seed
    )
    secs["routing"] = time.perf_counter() - t
    t = time.perf_counter()
    say("scheduling the night")
    schedule = schedule_night(network, routes)
    table = revisits(network, schedule.timeline)
    secs["schedule"] = time.perf_counter() - t
    logger.info(
        "plan: max loop %.1f min, bound %.1f min, gap %.1f %%, worst revisit %.1f min",
        result.max_cost / 60,
        result.lower_bound / 60,
        gap_pct(result.max_cost, result.lower_bound),
        schedule.worst_revisit_min,
    )
    return PatrolPlan(
        required=required,
        instance=instance,
        routes=tuple(routes),
        result=result,
        schedule=schedule,
        revisits=table,
        seconds=secs,
        seed=seed,
    )
