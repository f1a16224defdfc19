"""Test helpers: a tiny hand-written scenario folder, small enough to read at a glance.

The toy: a straight 10 km border along latitude 22.05 N from 107.00 E eastwards; a
road 500 m south of it with a junction every kilometre; a road south to the team
base; a track up towards the border; two checkpoints; one team.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

LAT_BORDER = 22.05
LON0 = 107.0
DLON_KM = 1 / 103.25  # degrees of longitude per km at 22 N
DLAT_KM = 1 / 110.75


def toy_osm_xml() -> str:
    nodes = []
    # border road: 11 junctions at 500 m south of the border
    for i in range(11):
        nodes.append((i + 1, LON0 + i * DLON_KM, LAT_BORDER - 0.5 * DLAT_KM))
    nodes.append((20, LON0 + 5 * DLON_KM, LAT_BORDER - 3 * DLAT_KM))  # base village
    nodes.append(
        (21, LON0 + 5 * DLON_KM, LAT_BORDER - 1.75 * DLAT_KM)
    )  # mid point of the access road
    nodes.append((30, LON0 + 8 * DLON_KM, LAT_BORDER - 0.1 * DLAT_KM))  # track end near the border
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="borderwatch-tests">',
    ]
    for nid, lon, lat in nodes:
        lines.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>')

    def way(wid: int, refs: list[int], highway: str, name: str = "") -> None:
        lines.append(f'  <way id="{wid}">')
        lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        lines.append(f'    <tag k="highway" v="{highway}"/>')
        if name:
            lines.append(f'    <tag k="name" v="{name}"/>')
        lines.append("  </way>")

    way(100, list(range(1, 12)), "unclassified", "边境公路")
    way(101, [6, 21, 20], "tertiary", "access road")
    way(102, [9, 30], "track")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_toy_scenario(folder: Path) -> Path:
    """Write the toy scenario folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.toml").write_text(
        'name = "toy"\ntitle = "Toy border"\ntimezone = "Asia/Shanghai"\n'
        'official_border_km = 12.0\n\n[night]\nstart = "20:00"\nend = "06:00"\n\n'
        "[defaults]\nunit_length_m = 250.0\ncheckpoint_radius_m = 1500.0\n\n"
        '[provenance]\nall = "hand-written test data"\n',
        encoding="utf-8",
    )
    border = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "toy border"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[LON0, LAT_BORDER], [LON0 + 10 * DLON_KM, LAT_BORDER]],
                },
            }
        ],
    }
    (folder / "border.geojson").write_text(json.dumps(border), encoding="utf-8")
    (folder / "roads.osm").write_text(toy_osm_xml(), encoding="utf-8")
    (folder / "checkpoints.csv").write_text(
        "id,name,lon,lat,township,kind,radius_m\n"
        f"CP1,West post,{LON0 + 1 * DLON_KM:.6f},{LAT_BORDER - 0.5 * DLAT_KM:.6f},Aidian,border_road,\n"
        f"CP2,East post,{LON0 + 8 * DLON_KM:.6f},{LAT_BORDER - 0.1 * DLAT_KM:.6f},Aidian,trail_end,1000\n",
        encoding="utf-8",
    )
    (folder / "teams.csv").write_text(
        "id,name,base_lon,base_lat,vehicle,crew,township\n"
        f"T1,Team one,{LON0 + 5 * DLON_KM:.6f},{LAT_BORDER - 3 * DLAT_KM:.6f},pickup,5,Aidian\n",
        encoding="utf-8",
    )
    return folder


# The CARPLIB reference instances are read-only shared data: read them from ../shared (CI lays a
# copy beside the clone); its README asks that they are not copied into the project.
SHARED_CARPLIB = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "arc-routing"


def carplib_path(name: str) -> Path:
    """A CARPLIB file (``gdb1.dat``, ``val1A.dat``, ``reference.csv``) of ``../shared``; skip without it.

    With ``BORDERWATCH_STRICT_SKIPS`` set (CI) the skip is a failure.
    """
    import pytest

    folder = SHARED_CARPLIB / (
        "gdb" if name.startswith("gdb") else "val" if name.startswith("val") else ""
    )
    path = folder / name
    if not path.is_file():
        pytest.skip(f"shared CARPLIB data not found: {path}")
    return path


def add_twin_team(folder: Path) -> Path:
    """Give the toy scenario at ``folder`` a second team T2 based where T1 is; return ``folder``."""
    teams = folder / "teams.csv"
    text = teams.read_text()
    teams.write_text(text + text.splitlines()[1].replace("T1,Team one", "T2,Team two") + "\n")
    return folder


def run_pytest_with(
    folder: Path, variable: str, value: str | None, *plugins: str
) -> subprocess.CompletedProcess[str]:
    """Run pytest on ``folder`` with our conftest, ``variable`` set to ``value`` (None: unset).

    ``plugins``: more ``-p`` options (e.g. ``"no:xdist"``). For the tests of the
    conftest's opt-in switches (strict skips, the thread check).
    """
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != variable}
    env["COLUMNS"] = "500"  # the short summary's lines whole (CI's terminal is narrow)
    if value is not None:
        env[variable] = value
    options = [x for p in ("no:cacheprovider", *plugins) for x in ("-p", p)]
    return subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", *options),
            *("-p", "tests.conftest", "--rootdir", str(folder), str(folder)),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def generated_instance(km: float = 20, seed: int = 2) -> tuple[Any, Any]:
    """A generated border's network and its patrol instance (the bound tests' small case)."""
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.patrol import build_instance

    net = build_network(generate_scenario(km, seed=seed))
    return net, build_instance(net, choose_required_edges(net).edges)
