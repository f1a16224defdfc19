"""Read road networks through osmnx: OSM XML (plain, gz, bz2, xz), OSM PBF and GeoPackage.

OSM XML goes straight to :func:`osmnx.graph_from_xml`. OSM PBF is first
filtered to highway ways and their nodes with pyosmium (``pip install osmium``,
the libosmium bindings maintained by the OSM community) and written as OSM XML
into a temporary file, so both take exactly the same osmnx path. A GeoPackage
with ``nodes`` and ``edges`` layers (as :func:`osmnx.save_graph_geopackage`
writes) goes through :func:`osmnx.graph_from_gdfs`.

The online osmnx download (:func:`download_roads`) exists for planners who
have network access; nothing in borderwatch calls it by default.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import shutil
import tempfile
import xml.sax
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch.errors import ScenarioError

if TYPE_CHECKING:
    import networkx as nx
    from shapely.geometry.base import BaseGeometry

__all__ = ["ROAD_FILE_NAMES", "download_roads", "find_road_file", "read_roads"]

logger = logging.getLogger(__name__)

#: Road file names looked for in a scenario folder, in this order.
ROAD_FILE_NAMES = (
    "roads.osm",
    "roads.osm.gz",
    "roads.osm.bz2",
    "roads.osm.xz",
    "roads.osm.pbf",
    "roads.gpkg",
)

_XML_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.xz", ".xml", ".xml.gz", ".xml.bz2", ".xml.xz")


def find_road_file(folder: Path) -> Path:
    """Return the road file of a scenario folder."""
    for name in ROAD_FILE_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise ScenarioError(
        f"no road file; expected one of {', '.join(ROAD_FILE_NAMES)}", file=folder, field="roads"
    )


def _check_xml(path: Path) -> None:
    """Parse the XML once with SAX to report malformed files with line and column."""
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix, open)
    try:
        with opener(path, "rb") as fh:  # type: ignore[operator]
            xml.sax.parse(fh, xml.sax.ContentHandler())
    except xml.sax.SAXParseException as err:
        raise ScenarioError(
            f"malformed OSM XML at line {err.getLineNumber()}, column {err.getColumnNumber()}: "
            f"{err.getMessage()}",
            file=path,
            field="xml",
            value=f"line {err.getLineNumber()}",
        ) from None
    except (OSError, EOFError, lzma.LZMAError) as err:
        raise ScenarioError(f"cannot read compressed file: {err}", file=path, field="xml") from None


def _read_xml(path: Path) -> nx.MultiDiGraph:
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    _check_xml(path)
    with tempfile.TemporaryDirectory(prefix="borderwatch-osm-") as tmp:
        source = path
        if path.suffix == ".xz":  # osmnx reads .osm, .gz and .bz2 itself
            source = Path(tmp) / path.with_suffix("").name
            with lzma.open(path, "rb") as src, source.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        try:
            graph = ox.graph_from_xml(source, bidirectional=True, simplify=True, retain_all=True)
        except InsufficientResponseError:
            raise ScenarioError("OSM XML holds no nodes or ways", file=path, field="xml") from None
        except (ValueError, KeyError, TypeError) as err:
            raise ScenarioError(
                f"OSM XML could not be turned into a graph: {err}", file=path
            ) from None
    return graph


def _pbf_to_xml(path: Path, out: Path) -> None:
    try:
        import osmium
    except ImportError:  # pragma: no cover - depends on the environment
        raise ScenarioError(
            "reading .osm.pbf needs pyosmium: pip install 'borderwatch[pbf]' (or pip install osmium)",
            file=path,
        ) from None
    node_ids: set[int] = set()
    try:
        for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
            if "highway" in way.tags:
                node_ids.update(n.ref for n in way.nodes)  # type: ignore[union-attr]
        with osmium.SimpleWriter(str(out)) as writer:
            for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
                if obj.is_node() and obj.id in node_ids:  # type: ignore[union-attr]
                    writer.add_node(obj)
                elif obj.is_way() and "highway" in obj.tags:  # type: ignore[union-attr]
                    writer.add_way(obj)
    except RuntimeError as err:
        raise ScenarioError(f"malformed OSM PBF: {err}", file=path, field="pbf") from None


def _read_pbf(path: Path) -> nx.MultiDiGraph:
    with tempfile.TemporaryDirectory(prefix="borderwatch-pbf-") as tmp:
        out = Path(tmp) / "roads.osm"
        _pbf_to_xml(path, out)
        return _read_xml(out)


def _read_gpkg(path: Path) -> nx.MultiDiGraph:
    import geopandas as gpd
    import osmnx as ox
    import pyogrio

    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
    except Exception as err:  # pyogrio raises DataSourceError and friends
        raise ScenarioError(f"not a readable GeoPackage: {err}", file=path) from None
    for layer in ("nodes", "edges"):
        if layer not in layers:
            raise ScenarioError(
                f"GeoPackage lacks layer {layer!r}; found: {', '.join(sorted(layers))}",
                file=path,
                field="layer",
                value=layer,
            )
    nodes = gpd.read_file(path, layer="nodes")
    edges = gpd.read_file(path, layer="edges")
    for col in ("osmid", "x", "y"):
        if col not in nodes.columns:
            raise ScenarioError("nodes layer lacks a column", file=f"{path}:nodes", field=col)
    for col in ("u", "v", "key", "highway", "length"):
        if col not in edges.columns:
            raise ScenarioError("edges layer lacks a column", file=f"{path}:edges", field=col)
    nodes = nodes.set_index("osmid")
    edges = edges.set_index(["u", "v", "key"])
    if nodes.crs is None or nodes.crs.to_epsg() != 4326:
        raise ScenarioError(
            "road GeoPackage must be in lon/lat (EPSG:4326)",
            file=path,
            field="crs",
            value=str(nodes.crs),
        )
    return ox.graph_from_gdfs(nodes, edges)


def read_roads(path: str | Path) -> nx.MultiDiGraph:
    """Read a road network file into an osmnx ``MultiDiGraph`` in lon/lat.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.xz``, ``.osm.pbf`` or ``.gpkg``.

    Returns
    -------
    networkx.MultiDiGraph
        Simplified graph with every way two-way (patrol vehicles use roads in
        both directions), all components retained.

    Raises
    ------
    ScenarioError
        If the file is missing, of an unknown kind or malformed.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError("road file not found", file=path, field="roads")
    name = path.name.lower()
    if name.endswith(".pbf"):
        graph = _read_pbf(path)
    elif name.endswith(".gpkg"):
        graph = _read_gpkg(path)
    elif name.endswith(_XML_SUFFIXES):
        graph = _read_xml(path)
    else:
        raise ScenarioError(
            "unknown road file kind; use .osm, .osm.gz, .osm.bz2, .osm.xz, .osm.pbf or .gpkg",
            file=path,
            field="roads",
            value=path.suffix,
        )
    logger.info("read %s: %d nodes, %d edges", path, len(graph), graph.number_of_edges())
    return graph


def download_roads(polygon: BaseGeometry, *, network_type: str = "all") -> nx.MultiDiGraph:
    """Download roads inside ``polygon`` (lon/lat) from the Overpass API through osmnx.

    This is the optional online path: it needs network access and is never
    called by default or in tests. Save the result as OSM XML or GeoPackage
    and point a scenario at that file for reproducible runs.
    """
    import osmnx as ox  # pragma: no cover - online only

    return ox.graph_from_polygon(
        polygon, network_type=network_type, retain_all=True
    )  # pragma: no cover
