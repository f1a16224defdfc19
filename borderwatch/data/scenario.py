"""The :class:`Scenario`: everything a planner knows about one stretch of border.

A scenario is what :func:`borderwatch.data.load_scenario` returns and what the
synthetic generator produces. Geometries are in lon/lat (EPSG:4326), as read;
:func:`borderwatch.data.build_network` projects them to ``scenario.crs``.

Scenario folder format (all lon/lat, UTF-8)::

    scenario.toml     name, title, crs (optional), timezone, official_border_km (optional),
                      roads (optional path inside the folder), allow_outside_paths (optional),
                      [night] start/end, [defaults] PlanConfig overrides, [targets], [provenance]
                      (the planning tables are the format of borderwatch.config, shared with
                      ``--config`` files)
    border.geojson    the border line: one LineString or MultiLineString feature
    area.geojson      optional: the area (county) outline polygon behind the border
    roads.osm[.gz|.bz2|.xz] | roads.osm.pbf | roads.gpkg   the road network
    checkpoints.csv   id, name, lon, lat, township, kind, radius_m (radius_m optional/blank)
    teams.csv         id, name, base_lon, base_lat, vehicle, crew, township
    grids.gpkg        optional: layers township, village, cell with id, name, head, parent
                      (township rows also have ``border``: 1 for a border township)
    incidents.csv     optional: lon, lat, date, kind
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    from shapely import LineString, MultiLineString, MultiPolygon, Polygon

    from borderwatch.config import NightWindow, PlanConfig

__all__ = ["GRID_LEVELS", "Scenario"]

#: Grid layers below the county, from coarse to fine (levels 2, 3, 4).
GRID_LEVELS: tuple[str, ...] = ("township", "village", "cell")


def _default_window() -> NightWindow:
    from borderwatch.config import NightWindow

    return NightWindow()


@dataclass(frozen=True)
class Scenario:
    """A border, its roads, checkpoints, teams and grids.

    Parameters
    ----------
    name
        Short machine name, e.g. ``"ningming"``.
    border
        The border line in lon/lat. Chainage runs from its first coordinate;
        the parts of a MultiLineString follow one another in order.
    roads
        The road graph as osmnx builds it (``nx.MultiDiGraph``, lon/lat,
        ``graph["crs"] == "EPSG:4326"``), each edge with ``highway`` and ``length``.
    checkpoints
        Index ``id`` (str); columns ``name``, ``township``, ``kind``,
        ``radius_m`` (float, NaN for the config default); Point geometry.
    teams
        Index ``id`` (str); columns ``name``, ``vehicle``, ``crew`` (int),
        ``township``; Point geometry of the base.
    grids
        Level name (``township``, ``village``, ``cell``) to polygons with index
        ``id`` and columns ``name``, ``head``, ``parent``. May be empty.
    crs
        Projected metric CRS used inside (e.g. ``"EPSG:32648"``).
    timezone
        IANA time zone of the night window.
    night_window
        The local night window (:class:`~borderwatch.config.NightWindow`); a
        ``("HH:MM", "HH:MM")`` pair or ``"HH:MM-HH:MM"`` is read into one.
    area
        The area outline behind the border (a county), or None.
    incidents
        Optional incidents with columns ``date``, ``kind``; Point geometry.
    title
        Human title.
    official_border_km
        The border length that official sources give, where it differs from the
        modelled line (generalised geometry is shorter than the demarcated line).
    defaults
        PlanConfig overrides from ``scenario.toml`` (flat field names, as
        :func:`borderwatch.config.from_mapping` takes them; ``targets`` and
        ``profiles`` as tables); the night window is in ``night_window``.
    provenance
        What is real and what is synthetic, by layer.
    source
        The folder the scenario came from (None for an in-memory scenario).
    """

    name: str
    border: LineString | MultiLineString
    roads: nx.MultiDiGraph
    checkpoints: gpd.GeoDataFrame
    teams: gpd.GeoDataFrame
    grids: Mapping[str, gpd.GeoDataFrame]
    crs: str
    timezone: str = "UTC"
    night_window: NightWindow = field(default_factory=_default_window)
    area: Polygon | MultiPolygon | None = None
    incidents: gpd.GeoDataFrame | None = None
    title: str = ""
    official_border_km: float | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, str] = field(default_factory=dict)
    source: Path | None = None

    def __post_init__(self) -> None:
        from borderwatch.config import NightWindow

        window = NightWindow.of(self.night_window, field="night_window")
        object.__setattr__(self, "night_window", window)

    def default_config(self) -> PlanConfig:
        """The scenario's :class:`~borderwatch.config.PlanConfig`: built-in defaults, then ``defaults``, then ``night_window``.

        This is the one way a scenario's options become a PlanConfig (the
        command line, the loader, :func:`~borderwatch.data.build_network` and
        the batch tasks all use it); a ``--config`` file then applies over it
        (``load_config(path, base=scenario.default_config())``).

        Raises
        ------
        ConfigError
            If a default or the night window is invalid (an in-memory scenario;
            a loaded one was checked by the loader).
        """
        from borderwatch.config import from_mapping

        return from_mapping(
            {
                **dict(self.defaults),
                "night_start": self.night_window.start,
                "night_end": self.night_window.end,
            }
        )

    def resolve_config(self, file: str | Path | None = None, **options: Any) -> PlanConfig:
        """The PlanConfig of one run, resolved once: the scenario's, then ``file``, then ``options``.

        Parameters
        ----------
        file
            A ``--config`` TOML file applied over :meth:`default_config`.
        **options
            PlanConfig fields for this run (validated like a file's values).

        Raises
        ------
        ConfigError
            Naming the file or option and the value.
        """
        from borderwatch.config import load_config

        config = (
            self.default_config() if file is None else load_config(file, base=self.default_config())
        )
        return config.replace(**options) if options else config

    @property
    def night(self) -> NightWindow:
        """The scenario's night window (:class:`~borderwatch.config.NightWindow`)."""
        return self.night_window

    @property
    def townships(self) -> list[str]:
        """Border townships: those marked ``border`` in the grid, else those named by checkpoints and teams."""
        grid = self.grids.get("township")
        if grid is not None and "border" in grid.columns and len(grid):
            return [str(n) for n in grid.loc[grid["border"].astype(bool), "name"]]
        names = set(self.checkpoints["township"].dropna()) | set(self.teams["township"].dropna())
        return sorted(str(n) for n in names if str(n))
