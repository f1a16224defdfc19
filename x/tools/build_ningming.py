"""Rebuild the embedded Ningming scenario (maintainer script, not an install step).

1. The real geometry: ``border.geojson`` and ``area.geojson`` as committed (made
   by ``tools/ningming_geometry.py`` from the ECharts county maps; pass
   ``--geometry`` to rebuild them first).
2. The synthetic layers, from borderwatch's own seeded generator with the
   county's published figures: 143 checkpoints, 17 teams, 4 border townships,
   grids of 16 / 191 / 1052 polygons, roads written as a real OSM XML file.

Run from a checkout::

    python tools/build_ningming.py            # synthetic layers only
    python tools/build_ningming.py --geometry # geometry first, then the layers

The output is deterministic: the same seed gives byte-identical files, except
``grids.gpkg`` (SQLite pages carry no timestamps of ours but are not promised
byte-stable across GDAL versions).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
from pathlib import Path

from shapely.geometry import shape

_REPO = Path(__file__).resolve().parents[1]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from borderwatch.data.scenario_io import write_scenario  # noqa: E402
from borderwatch.data.synthetic import generate_scenario  # noqa: E402

TARGET = _REPO / "borderwatch" / "data" / "scenarios" / "ningming"
SEED = 2026
OFFICIAL_BORDER_KM = 212.0
#: The four border townships, west to east along the chainage (names real, positions synthetic).
BORDER_TOWNSHIPS = ["寨安乡", "峙浪乡", "爱店镇", "那楠乡"]
#: Interior townships and farms (names of Ningming's real towns and farms; positions synthetic).
INTERIOR = [
    "城中镇",
    "明江镇",
    "海渊镇",
    "亭亮镇",
    "桐棉镇",
    "那堪镇",
    "北江乡",
    "东安乡",
    "板棍乡",
    "宁明华侨农场",
    "海渊农场",
    "明阳农场",
]
SEAT = (107.08, 22.14)


def _geometry(name: str):
    obj = json.loads((TARGET / name).read_text(encoding="utf-8"))
    feature = obj["features"][0] if obj.get("type") == "FeatureCollection" else obj
    return shape(feature["geometry"])


def build(seed: int = SEED) -> Path:
    """Generate the synthetic layers on the real geometry and write them into the package."""
    border = _geometry("border.geojson")
    area = _geometry("area.geojson")
    scenario = generate_scenario(
        seed=seed,
        border=border,
        area=area,
        name="ningming",
        title="宁明县 Ningming County, Guangxi",
        n_checkpoints=143,
        n_teams=17,
        n_border_townships=4,
        grid_counts=(16, 191, 1052),
        township_names=BORDER_TOWNSHIPS + INTERIOR,
        seat=SEAT,
        seat_name="城中镇",
    )
    provenance = dict(scenario.provenance)
    provenance["border"] = (
        "real: China–Vietnam border of Ningming derived from the ECharts county outlines "
        "(echarts-china-counties-pypkg 0.0.2), generalised; see PROVENANCE.md"
    )
    provenance["area"] = "real: Ningming county outline, same source; see PROVENANCE.md"
    provenance["township_names"] = (
        "names of Ningming's towns, townships and farms; positions synthetic"
    )
    provenance["people"] = "synthetic: tools/make_people.py seed 2026"
    scenario = dataclasses.replace(
        scenario, official_border_km=OFFICIAL_BORDER_KM, provenance=provenance
    )
    with tempfile.TemporaryDirectory(prefix="ningming-") as tmp:
        out = write_scenario(scenario, Path(tmp) / "ningming", roads_format="osm.gz")
        for path in sorted(out.iterdir()):
            if path.name in ("border.geojson", "area.geojson"):
                continue  # the committed real geometry stays as the geometry script wrote it
            shutil.copy2(path, TARGET / path.name)
    return TARGET


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--geometry", action="store_true", help="rebuild border/area first")
    args = parser.parse_args(argv)
    if args.geometry:
        import ningming_geometry

        ningming_geometry.main([])
    target = build(args.seed)
    for path in sorted(target.iterdir()):
        print(f"{path.stat().st_size:>10,}  {path.relative_to(_REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
