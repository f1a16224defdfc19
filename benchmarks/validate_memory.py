"""Benchmark: peak memory of ``borderwatch scenario validate`` per million OSM nodes.

Each run is the toy scenario (tests/helpers.py) with its roads file replaced by
a generated gzipped OSM XML of N extra nodes, in one of three shapes:

* ``offroad``: the toy roads plus N nodes in closed ``building`` ways (4 nodes a
  building): what a county extract mostly holds; the reader keeps them until it
  knows which nodes roads use.
* ``lines``: the toy roads plus N nodes along long tertiary roads (1,000 nodes a
  way, joined to the border road at one end): nodes osmnx simplifies away.
* ``grid``: the toy roads plus a square grid of N nodes, every node a junction
  (the worst case for the graph: every node stays).

Each run is a fresh ``python -m borderwatch scenario validate`` process under
``/usr/bin/time`` (peak resident memory, wall seconds), with the road cache off
and a ``--config`` raising ``[limits]`` so that the file is read. A last run
checks that the default limits refuse the largest file before parsing (its peak
and time).

Usage::

    python benchmarks/validate_memory.py [--sizes 100000,200000] [--shapes offroad,grid]
        [--out benchmarks/results/validate_memory.md]
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from borderwatch.limits import DEFAULT_LIMITS  # noqa: E402
from tests.helpers import DLAT_KM, DLON_KM, LAT_BORDER, LON0, toy_osm_xml, write_toy_scenario  # noqa: E402


def _write_osm(path: Path, shape: str, n: int) -> None:
    toy = toy_osm_xml().splitlines()
    head, body_end = toy[:2], toy[-1]
    nid, wid = 1_000_000, 1_000_000
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as fh:
        fh.write("\n".join(toy[:-1]) + "\n")
        del head
        # the extra area: 2..9 km south of the border, 10 km wide
        lat0, lon0 = LAT_BORDER - 9 * DLAT_KM, LON0
        ways: list[tuple[int, list[int], str]] = []
        if shape == "grid":
            side = max(2, round(n**0.5))
            step_lat, step_lon = 7 * DLAT_KM / side, 10 * DLON_KM / side
            ids = [[0] * side for _ in range(side)]
            for i in range(side):
                for j in range(side):
                    nid += 1
                    ids[i][j] = nid
                    lat, lon = lat0 + i * step_lat, lon0 + j * step_lon
                    fh.write(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
            for i in range(side):
                ways.append((wid + i, ids[i], "residential"))
                ways.append((wid + side + i, [ids[k][i] for k in range(side)], "residential"))
            ways.append((wid + 2 * side, [6, ids[side - 1][side // 2]], "tertiary"))
        elif shape == "lines":
            per = 1000
            n_ways = max(1, n // per)
            for w in range(n_ways):
                refs = [6]  # every road starts at the border road's middle junction
                for k in range(per):
                    nid += 1
                    frac = k / per
                    lat = lat0 + (w % 50) * 0.1 * DLAT_KM + 0.05 * DLAT_KM * ((k % 2) - 0.5)
                    lon = lon0 + frac * 10 * DLON_KM
                    fh.write(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
                    refs.append(nid)
                ways.append((wid + w, refs, "tertiary"))
        else:  # offroad: buildings
            n_b = max(1, n // 4)
            per_row = max(1, int(n_b**0.5))
            for b in range(n_b):
                r, c = divmod(b, per_row)
                lat = lat0 + r * 7 * DLAT_KM / per_row
                lon = lon0 + c * 10 * DLON_KM / per_row
                corners = []
                for dx, dy in ((0, 0), (1, 0), (1, 1), (0, 1)):
                    nid += 1
                    corners.append(nid)
                    fh.write(
                        f'  <node id="{nid}" lat="{lat + dy * 1e-5:.7f}" '
                        f'lon="{lon + dx * 1e-5:.7f}"/>\n'
                    )
                fh.write(f'  <way id="{wid + b}">\n')
                for ref in [*corners, corners[0]]:
                    fh.write(f'    <nd ref="{ref}"/>\n')
                fh.write('    <tag k="building" v="yes"/>\n  </way>\n')
        for w, refs, highway in ways:
            fh.write(f'  <way id="{w}">\n')
            for ref in refs:
                fh.write(f'    <nd ref="{ref}"/>\n')
            fh.write(f'    <tag k="highway" v="{highway}"/>\n  </way>\n')
        fh.write(body_end + "\n")


def _run(folder: Path, config: Path | None) -> tuple[float, float, int, str]:
    env = {**os.environ, "BORDERWATCH_NO_CACHE": "1"}
    cmd = ["/usr/bin/time", "-f", "%M %e", sys.executable, "-m", "borderwatch"]
    cmd += ["scenario", "validate", str(folder)]
    if config is not None:
        cmd += ["--config", str(config)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    last = proc.stderr.strip().splitlines()[-1].split()
    said = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "limit" in ln]
    return int(last[0]) / 1024, float(last[1]), proc.returncode, said[0] if said else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        default="offroad=500000,1000000,2000000;lines=100000,250000,500000;grid=100000,250000",
        help="shape=N,N;shape=N,...",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/validate_memory.md")
    args = parser.parse_args(argv)
    runs = {
        shape: [int(n) for n in sizes.split(",")]
        for shape, _, sizes in (r.partition("=") for r in args.runs.split(";"))
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.toml"
        big.write_text(
            "[limits]\nosm_nodes = 100000000\nosm_ways = 100000000\nfile_mb = 100000\n"
            "osm_road_nodes = 100000000\n",
            encoding="utf-8",
        )
        folder = write_toy_scenario(Path(tmp) / "scn")
        (folder / "roads.osm").unlink()
        road = folder / "roads.osm.gz"
        base = None
        for shape, sizes in runs.items():
            for n in sizes:
                t = time.perf_counter()
                _write_osm(road, shape, n)
                gen = time.perf_counter() - t
                mb = road.stat().st_size / 1e6
                peak, wall, rc, _ = _run(folder, big)
                if base is None:
                    _write_osm(road, shape, 0)
                    base = _run(folder, big)[0]
                    _write_osm(road, shape, n)
                per_m = (peak - base) / (n / 1e6)
                rows.append((shape, n, mb, peak, wall, rc, per_m))
                print(
                    f"{shape:8s} {n:>9,d} nodes {mb:6.1f} MB gz  peak {peak:7.0f} MB  "
                    f"{wall:6.1f} s  exit {rc}  (+{per_m:,.0f} MB per million; gen {gen:.0f} s)",
                    flush=True,
                )
        # the default limits against the largest file: refused before the parse
        big_n = 2_000_000
        _write_osm(road, "grid", big_n)
        peak, wall, rc, said = _run(folder, None)
        refused = (big_n, road.stat().st_size / 1e6, peak, wall, rc, said)
        print(
            f"default limits, grid of {big_n:,d} nodes: peak {peak:.0f} MB, {wall:.1f} s, exit {rc}"
        )
        print(f"  {said}")
    _report(args.out, rows, base or 0.0, refused)
    return 0


def _report(out: Path, rows: list, base: float, refused: tuple) -> None:
    lines = [
        "# Peak memory of `scenario validate` per million OSM nodes",
        "",
        "`python benchmarks/validate_memory.py` (one fresh process a row, `/usr/bin/time` peak",
        "RSS, road cache off, `[limits]` raised). Toy scenario with the roads file replaced",
        "by a gzipped OSM XML of N extra nodes (shapes in the script's docstring).",
        f"Toy scenario alone: {base:.0f} MB peak.",
        "",
        "| shape | nodes | gzip MB | peak MB | wall s | exit | MB per million nodes |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for shape, n, mb, peak, wall, rc, per_m in rows:
        lines.append(
            f"| {shape} | {n:,d} | {mb:.1f} | {peak:.0f} | {wall:.1f} | {rc} | {per_m:,.0f} |"
        )
    n, mb, peak, wall, rc, said = refused
    lines += [
        "",
        f"Default limits ({DEFAULT_LIMITS}) against a grid of {n:,d} road nodes ({mb:.1f} MB gzip):",
        f"peak {peak:.0f} MB, {wall:.1f} s, exit {rc}:",
        "",
        f"    {said}",
        "",
    ]
    out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
