"""A city-scale scenario on the real clipped Helsinki extract (tests/data/files/helsinki.osm.pbf)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HELSINKI_PBF = Path(__file__).parent / "files" / "helsinki.osm.pbf"

#: a border line crossing the extract from south-west to north-east (about 1.9 km)
BORDER = [[24.9365, 60.1655], [24.9440, 60.1720], [24.9520, 60.1780]]


#: [defaults] that fit the city's 1.6 km border (what the scale check suggests)
CITY_DEFAULTS = (
    "\n[defaults]\nunit_length_m = 20.0\ncheckpoint_radius_m = 120.0\npatrol_view_m = 80.0\n"
)


def pbf_to_xml(pbf: Path, out: Path) -> Path:
    """Convert an OSM PBF file to OSM XML (``.osm`` or ``.osm.bz2``) with pyosmium."""
    import osmium

    with osmium.SimpleWriter(str(out), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(pbf)):
            writer.add(obj)
    return out


def write_city_scenario(folder: Path, *, roads: str = "pbf", defaults: str = "") -> Path:
    """Write a Helsinki city-centre scenario folder; ``roads`` is ``"pbf"`` or ``"xml"``."""
    folder.mkdir(parents=True, exist_ok=True)
    if roads == "pbf":
        shutil.copyfile(HELSINKI_PBF, folder / "roads.osm.pbf")
    else:
        pbf_to_xml(HELSINKI_PBF, folder / "roads.osm.bz2")
    (folder / "scenario.toml").write_text(
        'name = "helsinki"\ntimezone = "Europe/Helsinki"\n\n[night]\nstart = "22:00"\n'
        f'end = "05:00"\n{defaults}',
        encoding="utf-8",
    )
    border = {"type": "LineString", "coordinates": BORDER}
    (folder / "border.geojson").write_text(json.dumps(border), encoding="utf-8")
    (folder / "checkpoints.csv").write_text(
        "id,name,lon,lat,township,kind,radius_m\nC1,Rautatientori,24.9440,60.1710,Kluuvi,post,\n",
        encoding="utf-8",
    )
    (folder / "teams.csv").write_text(
        "id,name,base_lon,base_lat,vehicle,crew,township\n"
        "T1,Kamppi,24.9380,60.1680,pickup,2,Kamppi\n"
        "T2,Kruununhaka,24.9500,60.1760,pickup,2,Kruununhaka\n",
        encoding="utf-8",
    )
    return folder
