"""Routing: the arc-routing solver (no nights, no folders).

Pure algorithms on an :class:`ArcInstance`: postman tours (:func:`chinese_postman`,
:func:`rural_postman`), k teams min-max (:func:`solve_minmax`), lower bounds
(:func:`lower_bound`, the assignment bound), and the bridge from a patrol network
to an instance (:func:`build_instance`, :func:`route_teams`). The night plan over
the solver lives in :mod:`borderwatch.plan`; plan folders in :mod:`borderwatch.planfiles`.
"""

from __future__ import annotations

from borderwatch.routing.bounds import lower_bound
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.minmax import solve_minmax
from borderwatch.routing.patrol import PatrolInstance, TeamRoute, build_instance, route_teams
from borderwatch.routing.postman import chinese_postman, rural_postman
from borderwatch.routing.result import RoutingResult

__all__ = [
    "ArcInstance",
    "PatrolInstance",
    "RoutingResult",
    "TeamRoute",
    "build_instance",
    "chinese_postman",
    "lower_bound",
    "route_teams",
    "rural_postman",
    "solve_minmax",
]
