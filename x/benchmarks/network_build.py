"""Benchmark: generate, load and build the PatrolNetwork at several sizes.

For each size, a synthetic scenario is generated (in memory) and its network
built; the script prints nodes, edges, units, seconds per step and the peak
memory of the process doing it (each size runs in a fresh child process so the
peaks do not mix). The watch index is also built a second way — a geopandas
``sjoin(predicate="dwithin")`` — in the same process, and the ratio printed.

Usage::

    python benchmarks/network_build.py                      # 60, 500, 2000 km
    python benchmarks/network_build.py --sizes 60,212 --density 3
    python benchmarks/network_build.py --xml                # also time the OSM XML round trip
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_size(border_km: float, density: float | None, seed: int, xml: bool) -> dict[str, Any]:
    import geopandas as gpd
    import numpy as np

    from borderwatch import build_network, load_scenario
    from borderwatch.data.network import _watch_index
    from borderwatch.data.synthetic import generate_scenario

    row: dict[str, Any] = {"border_km": border_km}
    t = time.perf_counter()
    scenario = generate_scenario(border_km, seed, road_density=density)
    row["generate_s"] = time.perf_counter() - t
    if xml:
        from borderwatch.data.scenario_io import write_scenario

        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            write_scenario(scenario, Path(tmp) / "s", roads_format="osm.gz")
            row["write_s"] = time.perf_counter() - t
            t = time.perf_counter()
            scenario = load_scenario(Path(tmp) / "s")
            row["load_xml_s"] = time.perf_counter() - t
    t = time.perf_counter()
    net = build_network(scenario)
    row["build_s"] = time.perf_counter() - t
    row["nodes"], row["edges"], row["units"] = len(net.nodes), len(net.edges), len(net.units)

    t = time.perf_counter()
    _watch_index(net.units, net.edges, net.checkpoints, net.config)
    row["watch_s"] = time.perf_counter() - t
    # baseline: the same three parts of the watch index through geopandas' spatial joins
    # (edges in view, nearest road, checkpoints within their radius)
    t = time.perf_counter()
    units = net.units[["geometry"]]
    joined = gpd.sjoin(
        units, net.edges[["geometry"]], predicate="dwithin", distance=net.config.patrol_view_m
    )
    gpd.sjoin_nearest(units, net.edges[["geometry"]], distance_col="d")
    cps = net.checkpoints[["radius_m", "geometry"]].reset_index(drop=True)
    near = gpd.sjoin(units, cps, predicate="dwithin", distance=float(cps["radius_m"].max()))
    dist = units.geometry.loc[near.index].distance(
        cps.geometry.loc[near["index_right"]], align=False
    )
    _ = near[dist.to_numpy() <= near["radius_m"].to_numpy()]
    row["watch_sjoin_s"] = time.perf_counter() - t
    assert len(joined) == net.watch.unit_edge.nnz, "sjoin and the watch index disagree"
    t = time.perf_counter()
    from scipy.sparse import csgraph

    csgraph.dijkstra(net.csr("pickup"), indices=np.asarray(net.teams["node"]), min_only=True)
    row["dijkstra_s"] = time.perf_counter() - t
    row["peak_mb"] = _peak_mb()
    return row


def _child(args: tuple[float, float | None, int, bool], queue: Any) -> None:
    queue.put(run_size(*args))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="60,500,2000", help="border lengths in km, comma-separated"
    )
    parser.add_argument(
        "--density", type=float, default=None, help="road edges per km² (generator default)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--xml", action="store_true", help="also write and read the OSM XML")
    parser.add_argument("--out", type=Path, default=None, help="CSV file for the rows")
    args = parser.parse_args(argv)
    ctx = mp.get_context("spawn")
    rows = []
    header = (
        f"{'km':>6} {'nodes':>9} {'edges':>9} {'units':>7} {'gen s':>7} {'build s':>8} "
        f"{'watch s':>8} {'sjoin s':>8} {'ratio':>6} {'dijkstra s':>10} {'peak MB':>8}"
    )
    print(header)
    for km in (float(s) for s in args.sizes.split(",")):
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=((km, args.density, args.seed, args.xml), queue))
        proc.start()
        row = queue.get()
        proc.join()
        rows.append(row)
        print(
            f"{row['border_km']:>6.0f} {row['nodes']:>9,} {row['edges']:>9,} {row['units']:>7,} "
            f"{row['generate_s']:>7.2f} {row['build_s']:>8.2f} {row['watch_s']:>8.3f} "
            f"{row['watch_sjoin_s']:>8.3f} {row['watch_sjoin_s'] / row['watch_s']:>6.2f} "
            f"{row['dijkstra_s']:>10.3f} {row['peak_mb']:>8.0f}"
            + (
                f"  (xml write {row['write_s']:.1f} s, load {row['load_xml_s']:.1f} s)"
                if args.xml
                else ""
            ),
            flush=True,
        )
    if args.out:
        import csv

        with args.out.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    print(
        "ratio = geopandas sjoin time / borderwatch watch-index time (same three joins, same process, "
        "same data; > 1 means ours is faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
