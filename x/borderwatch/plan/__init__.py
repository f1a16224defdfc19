"""The night plan over the routing solver.

Required roads (set cover of the watch index) → routes for every team
(:mod:`borderwatch.routing`) → the night objective (every team works or is on
standby with a reason) → the night schedule → coverage after; route variants for
the roster, team sizing, sectors for long borders, and re-planning in flight.
:func:`plan_patrols` does the whole night in one call.
"""

from __future__ import annotations

from borderwatch.plan.patrols import PatrolPlan, plan_patrols
from borderwatch.plan.required import RequiredRoads, choose_required_edges
from borderwatch.plan.schedule import NightSchedule, schedule_night
from borderwatch.plan.sizing import TeamSizing, size_teams
from borderwatch.plan.variants import RouteVariant, route_variants

__all__ = [
    "NightSchedule",
    "PatrolPlan",
    "RequiredRoads",
    "RouteVariant",
    "TeamSizing",
    "choose_required_edges",
    "plan_patrols",
    "route_variants",
    "schedule_night",
    "size_teams",
]
