"""Routing: required roads, postman tours, min-max multi-team routes, bounds, the night schedule.

The data flow: :func:`choose_required_edges` (set cover of the watch index) →
:func:`build_instance` (links of required roads on the network) →
:func:`solve_minmax` (k teams, min-max) → :func:`schedule_night` (loop phases)
— or all of it in one call, :func:`plan_patrols`. The pure algorithms work on
an :class:`ArcInstance` and are benchmarked on CARPLIB instances.
"""

from __future__ import annotations

from borderwatch.routing.bounds import lower_bound
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.minmax import solve_minmax
from borderwatch.routing.patrol import PatrolInstance, TeamRoute, build_instance, route_teams
from borderwatch.routing.plan import PatrolPlan, plan_patrols
from borderwatch.routing.postman import chinese_postman, rural_postman
from borderwatch.routing.reload import load_plan
from borderwatch.routing.required import RequiredRoads, choose_required_edges
from borderwatch.routing.result import RoutingResult
from borderwatch.routing.schedule import NightSchedule, schedule_night
from borderwatch.routing.sizing import TeamSizing, size_teams
from borderwatch.routing.variants import RouteVariant, route_variants

__all__ = [
    "ArcInstance",
    "NightSchedule",
    "PatrolInstance",
    "PatrolPlan",
    "RequiredRoads",
    "RouteVariant",
    "RoutingResult",
    "TeamRoute",
    "TeamSizing",
    "build_instance",
    "chinese_postman",
    "choose_required_edges",
    "load_plan",
    "lower_bound",
    "plan_patrols",
    "route_teams",
    "route_variants",
    "rural_postman",
    "schedule_night",
    "size_teams",
    "solve_minmax",
]
