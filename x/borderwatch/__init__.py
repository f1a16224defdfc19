"""borderwatch: a geospatial patrol-coverage engine.

Model a land border, its roads and its checkpoints as one network graph; find
where the border is not watched; plan night patrols for many teams; recompute
weekly rosters; draw it all on folium maps.
"""

from __future__ import annotations

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
    "load_config",
    "load_scenario",
]
