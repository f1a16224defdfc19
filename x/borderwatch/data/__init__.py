"""Scenarios: loading, the embedded Ningming scenario, the synthetic generator, the PatrolNetwork."""

from __future__ import annotations

from borderwatch.data.load import embedded_scenarios, load_scenario, resolve_scenario_path, utm_crs
from borderwatch.data.network import PatrolNetwork, WatchIndex, build_network
from borderwatch.data.roads import read_roads
from borderwatch.data.scenario import GRID_LEVELS, Scenario
from borderwatch.data.units import split_border

__all__ = [
    "GRID_LEVELS",
    "PatrolNetwork",
    "Scenario",
    "WatchIndex",
    "build_network",
    "embedded_scenarios",
    "load_scenario",
    "read_roads",
    "resolve_scenario_path",
    "split_border",
    "utm_crs",
]
