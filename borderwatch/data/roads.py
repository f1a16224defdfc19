"""Read road networks through osmnx: OSM XML (plain, gz, bz2, xz), OSM PBF and GeoPackage.

OSM XML is read with expat (``xml.sax``: no external entities), OSM PBF with
pyosmium (``pip install osmium``, the libosmium bindings maintained by the OSM
community). Both keep highway ways only and the nodes they use, are checked by
the same code (coordinates in range, node ids unique, one highway tag per way)
and cut the same way where an extract is clipped (ways that reference nodes
outside the file keep their present runs; what was cut is counted, logged and
warned about), then written as one clean OSM XML file for
:func:`osmnx.graph_from_xml`. So the same data gives the same network from
either format, and every error names the user's file, never a temporary one. A GeoPackage
with ``nodes`` and ``edges`` layers (as :func:`osmnx.save_graph_geopackage`
writes) goes through :func:`osmnx.graph_from_gdfs`.

The online osmnx download (:func:`download_roads`) exists for planners who
have network access; nothing in borderwatch calls it by default.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import logging
import lzma
import math
import tempfile
import xml.sax
import xml.sax.handler
import xml.sax.xmlreader
from pathlib import Path
from typing import IO, TYPE_CHECKING
from xml.sax import saxutils

import numpy as np

from borderwatch import access as acc
from borderwatch.atomic import not_regular
from borderwatch.data import validate as v
from borderwatch.errors import ScenarioError
from borderwatch.limits import DEFAULT_LIMITS, Limits, check_limit, file_bytes_limit, scan_stream

if TYPE_CHECKING:
    import networkx as nx
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "BUILT_UP_DENSITY_KM_PER_KM2",
    "BUILT_UP_KMH",
    "ROAD_FILE_NAMES",
    "built_up",
    "download_roads",
    "find_road_file",
    "maxspeed_kmh",
    "read_roads",
]

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


class _RoadData:
    """Highway ways and the nodes they use, read from OSM XML or PBF and checked.

    Both formats are read into this one structure, cleaned by the same code
    (:func:`_clean`) and handed to osmnx as the same OSM XML, so the same data
    gives the same network from either format.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        #: node id -> (lat text, lon text, where, tags); ``where`` is "line N" or ""
        self.nodes: dict[int, tuple[str, str, str, dict[str, str]]] = {}
        #: ids defined more than once -> (where of the first, where of the repeat)
        self.repeats: dict[int, list[tuple[str, str, str]]] = {}
        #: (way id, node refs, tags, where) of every highway way, in file order
        self.ways: list[tuple[int, list[int], dict[str, str], str]] = []
        self.other_ways = 0

    def add_node(self, nid: int, lat: str, lon: str, where: str, tags: dict[str, str]) -> None:
        old = self.nodes.get(nid)
        if old is None:
            self.nodes[nid] = (lat, lon, where, tags)
        else:
            self.repeats.setdefault(nid, []).append((lat, lon, where))

    def located(self, what: str, where: str) -> str:
        return f"{what} ({where})" if where else what


def _int_attr(data: _RoadData, value: str | None, what: str, field: str, where: str) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ScenarioError(
            f"{data.located(what, where)}: {field} is not a whole number",
            file=data.path,
            field=field,
            value=value,
        ) from None


class _OsmXmlHandler(xml.sax.ContentHandler):
    """SAX handler that keeps highway ways and every node (coordinates as text, checked later)."""

    def __init__(self, data: _RoadData, node_tags: frozenset[str], way_tags: frozenset[str]):
        super().__init__()
        self.data = data
        self.node_tags = node_tags
        self.way_tags = way_tags
        self._locator: xml.sax.xmlreader.Locator | None = None
        self._node: tuple[int, str, str, str, dict[str, str]] | None = None
        self._way: tuple[int, list[int], dict[str, str], str] | None = None
        self._highway_line = ""

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:
        self._locator = locator

    def _where(self) -> str:
        return f"line {self._locator.getLineNumber()}" if self._locator is not None else ""

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        data = self.data
        if name == "node":
            where = self._where()
            nid = _int_attr(data, attrs.get("id"), "node", "id", where)
            self._node = (nid, attrs.get("lat", ""), attrs.get("lon", ""), where, {})
        elif name == "way":
            where = self._where()
            wid = _int_attr(data, attrs.get("id"), "way", "id", where)
            self._way = (wid, [], {}, where)
            self._highway_line = ""
        elif name == "nd" and self._way is not None:
            ref = _int_attr(data, attrs.get("ref"), f"way {self._way[0]}", "nd ref", self._where())
            self._way[1].append(ref)
        elif name == "tag":
            key, value = attrs.get("k", ""), attrs.get("v", "")
            if self._node is not None and key in self.node_tags:
                self._node[4][key] = value
            elif self._way is not None:
                tags = self._way[2]
                if key == "highway":
                    if "highway" in tags:
                        raise ScenarioError(
                            f"way {self._way[0]} ({self._way[3]}) has two highway tags: "
                            f"{tags['highway']!r} ({self._highway_line}) and {value!r} "
                            f"({self._where()}); keep one",
                            file=data.path,
                            field="highway",
                            value=value,
                        )
                    self._highway_line = self._where()
                if key in self.way_tags:
                    tags[key] = value

    def endElement(self, name: str) -> None:
        if name == "node" and self._node is not None:
            nid, lat, lon, where, tags = self._node
            self.data.add_node(nid, lat, lon, where, tags)
            self._node = None
        elif name == "way" and self._way is not None:
            if "highway" in self._way[2]:
                self.data.ways.append(self._way)
            else:
                self.data.other_ways += 1
            self._way = None


def _open_xml(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if name.endswith(".xz"):
        return lzma.open(path, "rb")
    return path.open("rb")


def _osmnx_tags() -> tuple[frozenset[str], frozenset[str]]:
    """The node and way tags the parsers keep: osmnx's useful tags and the access tags."""
    import osmnx as ox

    return (
        frozenset(ox.settings.useful_tags_node) | frozenset(acc.NODE_ACCESS_TAGS),
        frozenset(ox.settings.useful_tags_way) | frozenset(acc.WAY_ACCESS_TAGS),
    )


def _node_tags(tags: dict[str, str], keep: frozenset[str]) -> dict[str, str]:
    """osmnx's node tags plus the derived ``barrier``/``ford`` (raw access tags dropped)."""
    out = {k: val for k, val in tags.items() if k in keep and k not in ("barrier", "ford")}
    out.update(acc.node_attributes(tags))
    return out


def _way_tags(tags: dict[str, str], keep: frozenset[str]) -> dict[str, str]:
    """osmnx's way tags plus the derived access attributes (:mod:`borderwatch.access`)."""
    out = {k: val for k, val in tags.items() if k in keep and k != "ford"}
    out.update(acc.way_attributes(tags))
    return out


def _parse_xml(path: Path) -> _RoadData:
    """Read OSM XML with expat (no external entities, no entity expansion bombs)."""
    data = _RoadData(path)
    handler = _OsmXmlHandler(data, *_osmnx_tags())
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setFeature(xml.sax.handler.feature_external_pes, False)
    parser.setContentHandler(handler)
    try:
        with _open_xml(path) as fh:
            parser.parse(fh)
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
    except LookupError as err:  # <?xml encoding="..."?> names no codec Python knows
        raise ScenarioError(
            f"the XML declaration names an unknown text encoding ({err}); OSM XML is UTF-8",
            file=path,
            field="encoding",
        ) from None
    return data


def _parse_pbf(path: Path, limits: Limits = DEFAULT_LIMITS) -> _RoadData:
    """Read OSM PBF with pyosmium: highway ways first, then only the nodes they use."""
    try:
        import osmium
    except ImportError:  # pragma: no cover - depends on the environment
        raise ScenarioError(
            "reading .osm.pbf needs pyosmium: pip install 'borderwatch[pbf]' (or pip install osmium)",
            file=path,
        ) from None
    data = _RoadData(path)
    node_tags, way_tags = _osmnx_tags()
    needed: set[int] = set()
    file_bytes_limit(path, limits, what="OSM PBF")
    n_ways = n_nodes = 0
    try:
        for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
            n_ways += 1
            if n_ways > limits.osm_ways:
                check_limit(n_ways, limits, "osm_ways", what="OSM ways", file=path, at_least=True)
            values = [t.v for t in way.tags if t.k == "highway"]
            if not values:
                data.other_ways += 1
                continue
            if len(values) > 1:
                raise ScenarioError(
                    f"way {way.id} has two highway tags: {values[0]!r} and {values[1]!r}; keep one",
                    file=path,
                    field="highway",
                    value=values[1],
                )
            refs = [n.ref for n in way.nodes]  # type: ignore[union-attr]
            tags = {t.k: t.v for t in way.tags if t.k in way_tags}
            data.ways.append((way.id, refs, tags, ""))
            needed.update(refs)
        for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
            n_nodes += 1
            if n_nodes > limits.osm_nodes:
                check_limit(
                    n_nodes, limits, "osm_nodes", what="OSM nodes", file=path, at_least=True
                )
            if node.id not in needed:
                continue
            loc = node.location  # type: ignore[union-attr]
            lat = repr(loc.lat_without_check()) if loc.y != _OSMIUM_UNDEFINED else ""
            lon = repr(loc.lon_without_check()) if loc.x != _OSMIUM_UNDEFINED else ""
            tags = {t.k: t.v for t in node.tags if t.k in node_tags}
            data.add_node(node.id, lat, lon, "", tags)
    except RuntimeError as err:
        raise ScenarioError(f"malformed OSM PBF: {err}", file=path, field="pbf") from None
    return data


#: libosmium's "undefined" coordinate (a location without lat/lon)
_OSMIUM_UNDEFINED = 2147483647


def _coordinate(data: _RoadData, nid: int, text: str, where: str, field: str) -> float:
    limit = 90.0 if field == "lat" else 180.0
    what = data.located(f"node {nid}", where)
    if text == "":
        raise ScenarioError(f"{what}: missing {field}", file=data.path, field=field, value=text)
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise ScenarioError(
            f"{what}: {field} is not a number", file=data.path, field=field, value=text
        )
    if abs(x) > limit:
        raise ScenarioError(
            f"{what}: {field} out of range -{limit:g}..{limit:g}",
            file=data.path,
            field=field,
            value=text,
        )
    return x


def _clean(data: _RoadData) -> tuple[dict[int, tuple[float, float, dict[str, str]]], list, dict]:
    """Check the nodes the highway ways use and cut the ways at missing nodes.

    Returns the nodes to keep, the ways (pieces) to keep and the counts of what
    was cut. A way that references nodes absent from the file (an extract cut
    from a bigger map by a box or polygon) is cut there: each run of at least
    two present nodes becomes a way of its own (the first keeps the way id, the
    others get fresh ids above every id in the file).
    """
    path = data.path
    used: dict[int, tuple[float, float, dict[str, str]]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    stats = {"ways": len(data.ways), "clipped_ways": 0, "missing_refs": 0, "pieces": 0,
             "dropped_ways": 0, "multi_highway": 0, "repeated_nodes": 0}  # fmt: skip
    next_id = max((w[0] for w in data.ways), default=0) + 1
    import osmnx as ox

    keep_node = frozenset(ox.settings.useful_tags_node)
    keep_way = frozenset(ox.settings.useful_tags_way)
    for wid, refs, raw_tags, _where in data.ways:
        tags = _way_tags(raw_tags, keep_way)
        highway = tags.get("highway", "")
        if ";" in highway:
            # an OSM "a;b" list: the first value is the way's main class
            tags = {**tags, "highway": highway.split(";")[0].strip()}
            stats["multi_highway"] += 1
        present = [r in data.nodes for r in refs]
        if all(present):
            runs = [refs] if len(refs) >= 2 else []
        else:
            stats["clipped_ways"] += 1
            stats["missing_refs"] += present.count(False)
            runs, run = [], []
            for r, ok in zip(refs, present, strict=True):
                if ok:
                    run.append(r)
                else:
                    if len(run) >= 2:
                        runs.append(run)
                    run = []
            if len(run) >= 2:
                runs.append(run)
            stats["pieces"] += len(runs)
        if not runs:
            stats["dropped_ways"] += 1
            continue
        for k, run in enumerate(runs):
            ways.append((wid if k == 0 else next_id, run, tags))
            next_id += k > 0
            for r in run:
                if r in used:
                    continue
                lat_t, lon_t, where, ntags = data.nodes[r]
                lat = _coordinate(data, r, lat_t, where, "lat")
                lon = _coordinate(data, r, lon_t, where, "lon")
                for lat2_t, lon2_t, where2 in data.repeats.get(r, []):
                    lat2 = _coordinate(data, r, lat2_t, where2, "lat")
                    lon2 = _coordinate(data, r, lon2_t, where2, "lon")
                    if (lat2, lon2) != (lat, lon):
                        raise ScenarioError(
                            f"node {r} is defined twice at different places: "
                            f"{lat_t},{lon_t} ({where or 'first'}) and {lat2_t},{lon2_t} "
                            f"({where2 or 'again'}); node ids must be unique",
                            file=path,
                            field="id",
                            value=r,
                        )
                    stats["repeated_nodes"] += 1
                used[r] = (lat, lon, _node_tags(ntags, keep_node))
    # nodes in file order (as osmnx would have read them)
    return {k: used[k] for k in data.nodes if k in used}, ways, stats


def _report(data: _RoadData, stats: dict[str, int]) -> None:
    path = data.path
    if stats["clipped_ways"]:
        v.warn(
            f"{path}: clipped extract: {stats['clipped_ways']} of {stats['ways']} highway ways "
            f"reference {stats['missing_refs']} nodes outside the file; cut into "
            f"{stats['pieces']} pieces at the missing nodes, {stats['dropped_ways']} ways "
            "dropped (fewer than two nodes left)"
        )
    if stats["multi_highway"]:
        v.warn(
            f"{path}: {stats['multi_highway']} ways have a list of highway values "
            "(such as 'unclassified;track'); the first value is used"
        )
    if stats["repeated_nodes"]:
        v.warn(f"{path}: {stats['repeated_nodes']} nodes appear twice (same place); kept once")
    if data.other_ways:
        logger.info("%s: ignored %d ways without a highway tag", path, data.other_ways)


def _write_clean_xml(
    out: Path, nodes: dict[int, tuple[float, float, dict[str, str]]], ways: list
) -> None:
    q = saxutils.quoteattr
    with out.open("w", encoding="utf-8") as fh:
        fh.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="borderwatch">\n'
        )
        for nid, (lat, lon, tags) in nodes.items():
            if tags:
                fh.write(f'<node id="{nid}" lat="{lat!r}" lon="{lon!r}">')
                fh.writelines(f"<tag k={q(k)} v={q(val)}/>" for k, val in tags.items())
                fh.write("</node>\n")
            else:
                fh.write(f'<node id="{nid}" lat="{lat!r}" lon="{lon!r}"/>\n')
        for wid, refs, tags in ways:
            fh.write(f'<way id="{wid}">')
            fh.writelines(f'<nd ref="{r}"/>' for r in refs)
            fh.writelines(f"<tag k={q(k)} v={q(val)}/>" for k, val in tags.items())
            fh.write("</way>\n")
        fh.write("</osm>\n")


#: Edge attributes whose change along a road keeps a node: simplification never merges
#: ways of different classes or access (a vehicle may use one and not the other).
SIMPLIFY_EDGE_ATTRS = ("highway", "access_car", "access_motorcycle", "ford")
#: Node attributes that keep a node: barriers and fords close roads per profile.
SIMPLIFY_NODE_ATTRS = ("barrier", "ford")


def _graph_from_clean_xml(clean: Path) -> nx.MultiDiGraph:
    """Read the cleaned OSM XML two-way, then simplify without merging unlike roads."""
    import osmnx as ox

    settings = ox.settings
    saved = (settings.useful_tags_node, settings.useful_tags_way)
    settings.useful_tags_node = [*saved[0], *SIMPLIFY_NODE_ATTRS]
    settings.useful_tags_way = [*saved[1], *acc.ACCESS_COLUMNS[:2], "ford"]
    try:
        graph = ox.graph_from_xml(clean, bidirectional=True, simplify=False, retain_all=True)
    finally:
        settings.useful_tags_node, settings.useful_tags_way = saved
    return ox.simplify_graph(
        graph,
        edge_attrs_differ=list(SIMPLIFY_EDGE_ATTRS),
        node_attrs_include=list(SIMPLIFY_NODE_ATTRS),
    )


def _graph_from_data(data: _RoadData, limits: Limits = DEFAULT_LIMITS) -> nx.MultiDiGraph:
    from osmnx._errors import InsufficientResponseError

    path = data.path
    nodes, ways, stats = _clean(data)
    if not ways:
        raise ScenarioError(
            "holds no highway ways with two or more nodes in the file",
            file=path,
            field="highway",
        )
    _report(data, stats)
    check_limit(len(nodes), limits, "osm_road_nodes", what="OSM nodes on highway ways", file=path)
    with tempfile.TemporaryDirectory(prefix="borderwatch-osm-") as tmp:
        clean = Path(tmp) / "roads.osm"
        _write_clean_xml(clean, nodes, ways)
        try:
            graph = _graph_from_clean_xml(clean)
        except InsufficientResponseError:
            raise ScenarioError("holds no nodes or ways", file=path, field="xml") from None
        except (ValueError, KeyError, TypeError) as err:
            # never name the temporary file: the user's file is what they can fix
            text = str(err).replace(str(clean), str(path))
            raise ScenarioError(f"could not be turned into a graph: {text}", file=path) from None
    graph.graph.pop("created_date", None)  # a wall-clock time: outputs stay byte-stable
    graph.graph["clipped"] = {k: int(n) for k, n in stats.items()}
    return graph


#: OSM XML elements counted before the parse, with their limit and their words.
_XML_COUNTED = {b"<node": ("osm_nodes", "OSM nodes"), b"<way": ("osm_ways", "OSM ways")}


def _scan_xml(path: Path, limits: Limits) -> None:
    """Count decompressed bytes, nodes and ways before the parse (and before the cache)."""
    try:  # a compression bomb costs the time to decompress the limit, not memory
        scan_stream(path, limits, what="OSM XML", elements=_XML_COUNTED)
    except (OSError, EOFError, lzma.LZMAError) as err:
        raise ScenarioError(f"cannot read compressed file: {err}", file=path, field="xml") from None


def _read_xml(path: Path, limits: Limits = DEFAULT_LIMITS) -> nx.MultiDiGraph:
    return _graph_from_data(_parse_xml(path), limits)


def _read_pbf(path: Path, limits: Limits = DEFAULT_LIMITS) -> nx.MultiDiGraph:
    return _graph_from_data(_parse_pbf(path, limits), limits)


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


def read_roads(path: str | Path, *, limits: Limits | None = None) -> nx.MultiDiGraph:
    """Read a road network file into an osmnx ``MultiDiGraph`` in lon/lat.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.xz``, ``.osm.pbf`` or ``.gpkg``.
    limits
        Input size limits (default :data:`~borderwatch.limits.DEFAULT_LIMITS`):
        an OSM file's decompressed bytes, nodes and ways are counted before it
        is parsed.

    Returns
    -------
    networkx.MultiDiGraph
        Simplified graph with every way two-way (patrol vehicles use roads in
        both directions), all components retained.

    Raises
    ------
    ScenarioError
        If the file is missing, of an unknown kind or malformed.
    InputLimitError
        If the file is larger than ``limits`` allow (naming the limit).

    Notes
    -----
    OSM files (XML and PBF) are read once per content: the graph is kept in
    :mod:`borderwatch.data.road_cache` and a later read of the same bytes
    takes it from there, with the same warnings.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(not_regular(path) or "road file not found", file=path, field="roads")
    from borderwatch.data.road_cache import cached_graph

    lim = limits or DEFAULT_LIMITS
    name = path.name.lower()
    if name.endswith(".pbf"):
        graph = cached_graph(path, functools.partial(_read_pbf, limits=lim))
    elif name.endswith(".gpkg"):
        file_bytes_limit(path, lim, what="road GeoPackage")
        graph = _read_gpkg(path)
    elif name.endswith(_XML_SUFFIXES):
        _scan_xml(path, lim)  # the same limits whether the graph is parsed or cached
        graph = cached_graph(path, functools.partial(_read_xml, limits=lim))
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


#: Speed cap (km/h) of motor vehicles on roads in built-up areas (see :func:`built_up`).
BUILT_UP_KMH = 40.0
#: Road density (km of road per km²) above which a 500 m cell counts as built up; rural
#: counties have 1-3, town and city centres 10-30.
BUILT_UP_DENSITY_KM_PER_KM2 = 12.0
_BUILT_UP_CELL_M = 500.0
_ZONE_SPEEDS = {"urban": 50.0, "rural": 90.0, "living_street": 20.0, "walk": 7.0, "zone30": 30.0}


def maxspeed_kmh(value: object) -> float:
    """Parse an OSM ``maxspeed`` value to km/h (NaN where unknown or unlimited).

    Understands plain numbers (``"50"``), ``mph`` and ``knots`` units, lists
    (``"50;30"``: the lowest), the zone codes ``"XX:urban"``, ``"XX:rural"``,
    ``"XX:living_street"``, ``"XX:zone30"`` and ``"walk"``.

    Examples
    --------
    >>> maxspeed_kmh("30 mph"), maxspeed_kmh("FI:urban"), maxspeed_kmh("none")
    (48.28032, 50.0, nan)
    """
    if isinstance(value, list):
        speeds = [maxspeed_kmh(x) for x in value]
        finite = [s for s in speeds if math.isfinite(s)]
        return min(finite) if finite else math.nan
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return math.nan
    text = str(value).strip().lower()
    if ";" in text:
        return maxspeed_kmh(text.split(";"))
    zone = text.split(":", 1)[-1]
    if zone in _ZONE_SPEEDS:
        return _ZONE_SPEEDS[zone]
    factor = 1.0
    for unit, f in (("mph", 1.609344), ("knots", 1.852), ("km/h", 1.0), ("kmh", 1.0)):
        if text.endswith(unit):
            text, factor = text.removesuffix(unit).strip(), f
            break
    try:
        speed = float(text) * factor
    except ValueError:
        return math.nan
    return speed if math.isfinite(speed) and speed > 0 else math.nan


def built_up(x: np.ndarray, y: np.ndarray, length_m: np.ndarray) -> np.ndarray:
    """Which edges (midpoints ``x``, ``y`` in metres, lengths) lie in built-up areas.

    A 500 m cell is built up where its roads are denser than
    :data:`BUILT_UP_DENSITY_KM_PER_KM2`; an edge is built up where its cell is.
    (A density grid rather than a land-use layer: OSM extracts often lack
    ``landuse=residential`` polygons, but the streets are always there.)
    """
    if len(x) == 0:
        return np.zeros(0, dtype=bool)
    ix = np.floor((x - x.min()) / _BUILT_UP_CELL_M).astype(np.int64)
    iy = np.floor((y - y.min()) / _BUILT_UP_CELL_M).astype(np.int64)
    cell = ix * (int(iy.max()) + 1) + iy
    # an edge counts in its midpoint's cell with at most the length a cell can hold (its
    # diagonal), so one long rural road does not make its cell look like a town
    per_cell = np.bincount(cell, weights=np.minimum(length_m, _BUILT_UP_CELL_M * math.sqrt(2)))
    area_km2 = (_BUILT_UP_CELL_M / 1000.0) ** 2
    dense: np.ndarray = per_cell[cell] / 1000.0 / area_km2 > BUILT_UP_DENSITY_KM_PER_KM2
    return dense
