"""borderwatch: a geospatial patrol-coverage engine.

Model a land border, its roads and its checkpoints as one network graph; find
where the border is not watched; plan night patrols for many teams; recompute
weekly rosters; draw it all on folium maps.

The front door::

    import borderwatch as bw

    gaps = bw.find_gaps("ningming")                               # CoverageReport
    plan = bw.plan_night("ningming", night="2026-12-17", out="out/plan")  # PatrolPlan
    rp = bw.replan("out/plan", at="02:10", drop=["T05"], out="out/replan")

The rooms behind it are described in docs/architecture.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from borderwatch._version import __version__
from borderwatch.config import PlanConfig, VehicleProfile, load_config
from borderwatch.data import PatrolNetwork, Scenario, build_network, load_scenario
from borderwatch.errors import BorderwatchError, ConfigError, ScenarioError, ScenarioWarning

__all__ = [
    "BorderwatchError",
    "ConfigError",
    "PatrolNetwork",
    "PlanConfig",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "VehicleProfile",
    "__version__",
    "build_network",
    "find_gaps",
    "load_config",
    "load_scenario",
    "network_of",
    "plan_night",
    "replan",
]

if TYPE_CHECKING:
    from borderwatch.jobs.api import find_gaps, network_of, plan_night, replan

_FRONT_DOOR = ("find_gaps", "network_of", "plan_night", "replan")


def __getattr__(name: str) -> Any:
    """The front door's jobs, imported on first use (``import borderwatch`` stays light)."""
    if name in _FRONT_DOOR:
        from borderwatch.jobs import api

        return getattr(api, name)
    raise AttributeError(f"module 'borderwatch' has no attribute {name!r}")
