"""Write an osmnx-style road graph as an OSM XML 0.6 file.

The file reads back with :func:`osmnx.graph_from_xml` (``bidirectional=True,
simplify=True, retain_all=True``) to a graph with the same junctions, the same
undirected edges and the same lengths — provided the graph was already
simplified (no junction with exactly two neighbours), as the synthetic
generator's graphs are. Each undirected edge becomes one way; its intermediate
geometry points become OSM nodes of their own.
"""

from __future__ import annotations

import gzip
import io
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from borderwatch.atomic import write_bytes

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["write_osm_xml"]

logger = logging.getLogger(__name__)

_TAGS = ("highway", "name", "ref", "maxspeed", "lanes", "bridge", "tunnel", "access", "service")


def _tag_value(value: Any) -> str | None:
    """The OSM tag value of an edge attribute (first item of a list, None for missing/NaN)."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text if text else None


def _undirected_edges(G: nx.MultiDiGraph) -> list[tuple[Any, Any, Any, dict[str, Any]]]:
    """Each undirected edge once: ``u < v`` (by node order), or the one direction present."""
    order = {n: i for i, n in enumerate(sorted(G.nodes, key=_sort_key))}
    out = []
    for u, v, k, d in G.edges(keys=True, data=True):
        ou, ov = order[u], order[v]
        if (
            ou < ov
            or (ou == ov and not d.get("reversed", False))
            or (ou > ov and not G.has_edge(v, u))
        ):
            out.append((u, v, k, d))
    out.sort(key=lambda e: (order[e[0]], order[e[1]], _sort_key(e[2])))
    return out


def _sort_key(x: Any) -> tuple[int, Any]:
    return (0, x) if isinstance(x, int | float) else (1, str(x))


def _xml(G: nx.MultiDiGraph) -> str:
    nodes = sorted(G.nodes, key=_sort_key)
    positive_ints = all(isinstance(n, int) and n > 0 for n in nodes)
    if positive_ints:
        node_id = {n: n for n in nodes}
        next_id = (max(nodes) if nodes else 0) + 1
    else:
        node_id = {n: i + 1 for i, n in enumerate(nodes)}
        next_id = len(nodes) + 1
    node_lines = [
        f'  <node id="{node_id[n]}" lat="{G.nodes[n]["y"]:.7f}" lon="{G.nodes[n]["x"]:.7f}"/>'
        for n in nodes
    ]
    way_lines: list[str] = []
    for way_id, (u, v, _k, d) in enumerate(_undirected_edges(G), start=1):
        refs = [node_id[u]]
        g = d.get("geometry")
        if g is not None:
            coords = list(g.coords)
            ux, uy = G.nodes[u]["x"], G.nodes[u]["y"]
            vx, vy = G.nodes[v]["x"], G.nodes[v]["y"]
            if (coords[0][0] - ux) ** 2 + (coords[0][1] - uy) ** 2 > (coords[0][0] - vx) ** 2 + (
                coords[0][1] - vy
            ) ** 2:
                coords = coords[::-1]
            for x, y in coords[1:-1]:
                node_lines.append(f'  <node id="{next_id}" lat="{y:.7f}" lon="{x:.7f}"/>')
                refs.append(next_id)
                next_id += 1
        refs.append(node_id[v])
        way_lines.append(f'  <way id="{way_id}">')
        way_lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        for tag in _TAGS:
            value = _tag_value(d.get(tag))
            if value is not None:
                way_lines.append(f"    <tag k={quoteattr(tag)} v={quoteattr(value)}/>")
        way_lines.append('    <tag k="oneway" v="no"/>')
        way_lines.append("  </way>")
    head = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="borderwatch">']
    return "\n".join([*head, *node_lines, *way_lines, "</osm>", ""])


def write_osm_xml(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """Write ``G`` as OSM XML 0.6, gzip-compressed if ``path`` ends in ``.gz``.

    Parameters
    ----------
    G
        An osmnx-style graph in lon/lat: nodes with ``x``/``y``, edges with
        ``highway`` (and optionally ``name`` and a ``geometry`` LineString).
    path
        Target file, ``*.osm`` or ``*.osm.gz``. Written atomically (temporary
        file, then rename); gzip output has no name or time stamp, so the bytes
        depend only on ``G``.

    Returns
    -------
    pathlib.Path
        The path written.

    Notes
    -----
    Junction node ids are kept where they are positive integers (else they are
    renumbered ``1..n`` in sorted order); intermediate points get the next
    free ids; ways are numbered ``1..m`` with each undirected edge written once
    (``u < v``) in sorted order; every way is tagged ``oneway=no``.
    Coordinates have 7 decimals.
    """
    path = Path(path)
    data = _xml(G).encode("utf-8")
    if path.suffix == ".gz":
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as gz:
            gz.write(data)
        data = buf.getvalue()
    write_bytes(path, data)
    logger.info("wrote %s (%d nodes, %d edges)", path, G.number_of_nodes(), G.number_of_edges())
    return path
