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

import importlib
from typing import TYPE_CHECKING, Any

from borderwatch._version import __version__

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
    from borderwatch.config import PlanConfig, VehicleProfile, load_config
    from borderwatch.data import PatrolNetwork, Scenario, build_network, load_scenario
    from borderwatch.errors import BorderwatchError, ConfigError, ScenarioError, ScenarioWarning
    from borderwatch.jobs.api import find_gaps, network_of, plan_night, replan

#: where each name of the front door is (imported on first use)
_FRONT_DOOR = {
    **dict.fromkeys(("PlanConfig", "VehicleProfile", "load_config"), "config"),
    **dict.fromkeys(("PatrolNetwork", "Scenario", "build_network", "load_scenario"), "data"),
    **dict.fromkeys(
        ("BorderwatchError", "ConfigError", "ScenarioError", "ScenarioWarning"), "errors"
    ),
    **dict.fromkeys(("find_gaps", "network_of", "plan_night", "replan"), "jobs.api"),
}


def __getattr__(name: str) -> Any:
    """The front door's names and the package's modules, imported on first use.

    ``import borderwatch`` stays light (the program's entry, :mod:`borderwatch._entry`,
    is in place before the heavy imports start); ``from borderwatch import
    build_network`` and ``borderwatch.data`` import what they name.
    """
    where = _FRONT_DOOR.get(name)
    if where is not None:
        value = getattr(importlib.import_module(f"borderwatch.{where}"), name)
        globals()[name] = value  # the next look-up is the module's own
        return value
    if not name.startswith("__"):
        try:
            return importlib.import_module(f"borderwatch.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"borderwatch.{name}":
                raise
    raise AttributeError(f"module 'borderwatch' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The package's names with the front door's (not imported yet)."""
    return sorted({*globals(), *__all__})
