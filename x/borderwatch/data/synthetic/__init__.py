"""The seeded synthetic scenario generator, one module per step.

:func:`generate_scenario` builds a complete in-memory :class:`~borderwatch.data.scenario.Scenario`
— a border (or the one given), the area behind it, an osmnx-style road graph,
checkpoints, teams, a nested grid and incidents — of any size, from a 5 km toy
for unit tests to a 2,000 km border with about a million edges for benchmarks.
The same arguments and seed give the same scenario, value for value.

=============  ================================================================
module         step
=============  ================================================================
``geometry``   border line, the area behind it, point sampling (metres)
``roads``      the planar road network and its highway classes
``graph``      the osmnx-style ``MultiDiGraph`` of those roads (lon/lat)
``grids``      the nested township / village / cell partition
``names``      seeded place and person names (public: the roster uses them)
``generate``   :func:`generate_scenario`: the steps above, then checkpoints,
               teams and incidents, as one :class:`Scenario`
=============  ================================================================

Examples
--------
>>> from borderwatch.data.synthetic import generate_scenario
>>> sc = generate_scenario(5.0, seed=1)
>>> len(sc.checkpoints), len(sc.teams), sc.crs
(3, 1, 'EPSG:32648')
"""

from __future__ import annotations

from borderwatch.data.synthetic import geometry, graph, grids, names, roads
from borderwatch.data.synthetic.generate import (
    DEFAULT_ROAD_DENSITY,
    generate_scenario,
    great_circle_lengths,
    roads_graph,
)

__all__ = [
    "DEFAULT_ROAD_DENSITY",
    "generate_scenario",
    "geometry",
    "graph",
    "great_circle_lengths",
    "grids",
    "names",
    "roads",
    "roads_graph",
]
