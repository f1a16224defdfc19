"""Benchmark: reading the Ningming roads (OSM XML through osmnx) without and with the road-graph cache.

In one process: the read with the cache off (the baseline), the first read with
an empty cache (parse, simplify, write the entry) and a second read (from the
entry); prints seconds (best of ``--repeat``), the ratio baseline / cached,
and whether the graphs are equal.

Usage::

    python benchmarks/road_cache.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from borderwatch.data import road_cache
    from borderwatch.data.load import resolve_scenario_path
    from borderwatch.data.roads import find_road_file, read_roads

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    path = find_road_file(resolve_scenario_path("ningming"))
    best: dict[str, float] = {}

    def timed(name: str) -> object:
        t = time.perf_counter()
        graph = read_roads(path)
        best[name] = min(best.get(name, float("inf")), time.perf_counter() - t)
        return graph

    with tempfile.TemporaryDirectory() as tmp:
        os.environ[road_cache.CACHE_ENV] = tmp
        for i in range(args.repeat):
            os.environ[road_cache.NO_CACHE_ENV] = "1"
            plain = timed("cache off")
            os.environ[road_cache.NO_CACHE_ENV] = "0"
            for entry in Path(tmp).rglob("*.pickle"):
                entry.unlink()
            timed("first read (writes the entry)")
            cached = timed("second read (from the entry)")
            if i == 0:
                same = (
                    list(plain.nodes(data=True)) == list(cached.nodes(data=True))  # type: ignore[attr-defined]
                    and list(plain.edges(keys=True, data=True))  # type: ignore[attr-defined]
                    == list(cached.edges(keys=True, data=True))  # type: ignore[attr-defined]
                )
    print(
        f"Ningming roads ({path.name}, {path.stat().st_size / 1e6:.1f} MB), best of {args.repeat}:"
    )
    for name, secs in best.items():
        print(f"  {name:<30} {secs:6.2f} s")
    ratio = best["cache off"] / best["second read (from the entry)"]
    print(f"  ratio cache off / from the entry: {ratio:.1f}x")
    print(f"  graphs equal: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
