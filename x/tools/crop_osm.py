"""Crop an OSM file to the highway ways that touch a box, whole (every node they use).

Used to make the small real extracts of tests/data/files (PROVENANCE.md)::

    python tools/crop_osm.py andorra.osm.pbf tests/data/files/andorra.osm.pbf 1.40 42.38 1.60 42.50

Only ``highway`` ways are kept (the reader ignores the rest), each with all
its nodes and tags (barrier and ford nodes included), so the crop holds no
clipped ways. Written with pyosmium, the format chosen by the output name.
"""

from __future__ import annotations

import argparse

import osmium


def crop(
    src: str, out: str, west: float, south: float, east: float, north: float
) -> tuple[int, int]:
    """Write the highway ways of ``src`` that touch the box to ``out``; return (ways, nodes)."""
    inside = set()
    for nd in osmium.FileProcessor(src, osmium.osm.NODE):
        loc = nd.location
        if loc.valid() and west <= loc.lon <= east and south <= loc.lat <= north:
            inside.add(nd.id)
    ways: set[int] = set()
    need: set[int] = set()
    for way in osmium.FileProcessor(src, osmium.osm.WAY):
        if "highway" in way.tags and any(r.ref in inside for r in way.nodes):
            ways.add(way.id)
            need.update(r.ref for r in way.nodes)
    with osmium.SimpleWriter(out, overwrite=True) as writer:
        for node in osmium.FileProcessor(src, osmium.osm.NODE):
            if node.id in need:
                writer.add_node(node)
        for way in osmium.FileProcessor(src, osmium.osm.WAY):
            if way.id in ways:
                writer.add_way(way)
    return len(ways), len(need)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("box", nargs=4, type=float, metavar=("W", "S", "E", "N"))
    args = ap.parse_args()
    n_ways, n_nodes = crop(args.src, args.out, *args.box)
    print(f"{args.out}: {n_ways} highway ways, {n_nodes} nodes")


if __name__ == "__main__":
    main()
