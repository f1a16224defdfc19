"""Scenarios around real OpenStreetMap extracts (tests/data/files/PROVENANCE.md).

Each extract gets a border line drawn across its area, a few teams with
pickup, SUV and motorcycle bases and a checkpoint, so that ``plan`` runs on
real roads of many classes (tracks, paths, footways, gates, access tags).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILES = Path(__file__).parent / "files"


@dataclass(frozen=True)
class Extract:
    """A real extract and the scenario drawn around it."""

    name: str
    file: str
    timezone: str
    border: list[list[float]]
    #: (id, name, lon, lat, vehicle)
    teams: list[tuple[str, str, float, float, str]]
    #: (id, name, lon, lat)
    checkpoints: list[tuple[str, str, float, float]]

    @property
    def path(self) -> Path:
        return FILES / self.file


#: the extracts the real-roads tests and benchmarks/real_roads.py run
EXTRACTS: dict[str, Extract] = {
    e.name: e
    for e in (
        Extract(
            "andorra",
            "andorra.osm.pbf",
            "Europe/Andorra",
            [[1.4865, 42.4500], [1.5120, 42.4619], [1.5743, 42.4836]],
            [
                ("T1", "Santa Coloma", 1.49272, 42.46920, "pickup"),
                ("T2", "Engordany", 1.51196, 42.46115, "suv"),
                ("T3", "Aixovall", 1.51483, 42.46065, "motorcycle"),
            ],
            [("C1", "Carretera", 1.51947, 42.46065)],
        ),
        Extract(
            "north_bayreuth",
            "north_bayreuth.osm.pbf",
            "Europe/Berlin",
            [[11.5099, 49.9792], [11.5378, 49.9922], [11.5669, 50.0096]],
            [
                ("T1", "Bindlach", 11.54667, 49.99349, "pickup"),
                ("T2", "Wald", 11.53827, 49.99104, "suv"),
                ("T3", "Pfad", 11.53935, 49.99287, "motorcycle"),
                ("T4", "Bundesstrasse", 11.52085, 49.97926, "pickup"),
            ],
            [("C1", "Kreuzung", 11.54900, 50.00022)],
        ),
        Extract(
            "krems",
            "krems.osm.pbf",
            "Europe/Vienna",
            [[15.6073, 48.3969], [15.6236, 48.4069], [15.6549, 48.4119]],
            [
                ("T1", "Stadt", 15.62506, 48.40994, "pickup"),
                ("T2", "Weinberg", 15.62167, 48.40690, "suv"),
                ("T3", "Steig", 15.62547, 48.41136, "motorcycle"),
            ],
            [("C1", "Landstrasse", 15.61152, 48.41915)],
        ),
        Extract(
            "kouvola",
            "kouvola.osm.pbf",
            "Europe/Helsinki",
            [[26.9320, 60.5210], [26.9500, 60.5283], [26.9680, 60.5390]],
            [
                ("T1", "Keskusta", 26.95179, 60.53010, "pickup"),
                ("T2", "Metsa", 26.94684, 60.52935, "suv"),
                ("T3", "Polku", 26.94601, 60.53447, "motorcycle"),
            ],
            [("C1", "Risteys", 26.95332, 60.53352)],
        ),
    )
}

#: [defaults] that fit borders of a few kilometres
REAL_DEFAULTS = (
    "[defaults]\nunit_length_m = 100.0\ncheckpoint_radius_m = 600.0\npatrol_view_m = 300.0\n"
)


def write_real_scenario(
    folder: Path, name: str, *, roads: str = "pbf", extra_toml: str = ""
) -> Path:
    """Write a scenario folder around extract ``name``; ``roads`` is ``"pbf"`` or ``"xml"``.

    ``extra_toml`` is appended to scenario.toml (after the ``[defaults]`` table,
    so a ``[defaults.access]`` table may follow).
    """
    from tests.data.city import pbf_to_xml

    ex = EXTRACTS[name]
    folder.mkdir(parents=True, exist_ok=True)
    if roads == "pbf":
        shutil.copyfile(ex.path, folder / "roads.osm.pbf")
    else:
        pbf_to_xml(ex.path, folder / "roads.osm.bz2")
    (folder / "scenario.toml").write_text(
        f'name = "{name}"\ntimezone = "{ex.timezone}"\n\n[night]\nstart = "22:00"\n'
        f'end = "05:00"\n\n{REAL_DEFAULTS}{extra_toml}',
        encoding="utf-8",
    )
    border = {"type": "LineString", "coordinates": ex.border}
    (folder / "border.geojson").write_text(json.dumps(border), encoding="utf-8")
    (folder / "checkpoints.csv").write_text(
        "id,name,lon,lat,township,kind,radius_m\n"
        + "".join(f"{i},{n},{lon},{lat},,post,\n" for i, n, lon, lat in ex.checkpoints),
        encoding="utf-8",
    )
    (folder / "teams.csv").write_text(
        "id,name,base_lon,base_lat,vehicle,crew,township\n"
        + "".join(f"{i},{n},{lon},{lat},{veh},2,\n" for i, n, lon, lat, veh in ex.teams),
        encoding="utf-8",
    )
    return folder


@dataclass(frozen=True)
class DrivenStep:
    """One step of a team's GPX track matched to the raw OSM way it runs on."""

    team: str
    vehicle: str
    highway: str  #: the raw way's class, "(off OSM nodes)" when the step matches no way
    way: int  #: OSM way id (0 when unmatched)
    km: float
    #: why the vehicle may not drive it under the default [defaults.access] ("" when it may)
    closed: str
    #: the step runs against the way's ``oneway`` tag (one-way roads are planned two-way)
    against_oneway: bool = False


def _raw_osm(path: Path) -> tuple[Any, Any, dict, dict]:
    import numpy as np
    import osmium

    ids, lonlat, node_tags = [], [], {}
    for nd in osmium.FileProcessor(str(path), osmium.osm.NODE):
        ids.append(nd.id)
        lonlat.append((nd.location.lon, nd.location.lat))
        if len(nd.tags):
            node_tags[nd.id] = {t.k: t.v for t in nd.tags}
    steps: dict[frozenset[int], tuple[int, str, dict[str, str], int]] = {}
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if "highway" not in way.tags:
            continue
        tags = {t.k: t.v for t in way.tags}
        refs = [n.ref for n in way.nodes]
        for a, b in zip(refs, refs[1:], strict=False):
            steps.setdefault(frozenset((a, b)), (way.id, tags["highway"], tags, a))
    return np.array(ids), np.array(lonlat), steps, node_tags


def driven_steps(plan_folder: Path, name: str) -> list[DrivenStep]:
    """Every step of every team GPX of a plan on extract ``name``, matched to raw OSM ways.

    GPX points are snapped to the extract's OSM nodes (within 1 m); a step
    between two consecutive nodes of a way is that way's. Independent of the
    reader under test: raw classes and raw tags (:mod:`borderwatch.access`
    rules at their defaults).
    """
    import gpxpy
    import numpy as np
    from scipy.spatial import cKDTree

    from borderwatch.access import AccessRules, node_attributes, way_attributes

    ex = EXTRACTS[name]
    ids, lonlat, steps, node_tags = _raw_osm(ex.path)
    lat0 = float(np.median(lonlat[:, 1]))

    def metres(ll: Any) -> Any:
        k = 111_320.0
        return np.column_stack([ll[:, 0] * k * np.cos(np.radians(lat0)), ll[:, 1] * k])

    tree = cKDTree(metres(lonlat))
    vehicle = {t[0]: t[4] for t in ex.teams}
    rules = AccessRules()
    out: list[DrivenStep] = []
    for gpx_file in sorted((plan_folder / "gpx").glob("*.gpx")):
        team = gpx_file.stem
        prof = vehicle[team]
        gpx = gpxpy.parse(gpx_file.read_text(encoding="utf-8"))
        for trk in gpx.tracks:
            for seg in trk.segments:
                if len(seg.points) < 2:
                    continue
                xy = metres(np.array([(p.longitude, p.latitude) for p in seg.points]))
                dist, pos = tree.query(xy)
                for i in range(len(xy) - 1):
                    km = float(np.hypot(*(xy[i + 1] - xy[i]))) / 1000
                    if km == 0:
                        continue
                    a, b = int(ids[pos[i]]), int(ids[pos[i + 1]])
                    hit = steps.get(frozenset((a, b))) if max(dist[i], dist[i + 1]) < 1 else None
                    if hit is None:
                        out.append(DrivenStep(team, prof, "(off OSM nodes)", 0, km, ""))
                        continue
                    wid, cls, tags, first = hit
                    attrs = way_attributes(tags)
                    barriers = [
                        node_attributes(node_tags.get(n, {})).get("barrier", "") for n in (a, b)
                    ]
                    closed = rules.reason(
                        prof,
                        attrs.get("access_car", ""),
                        attrs.get("access_motorcycle", ""),
                        next((x for x in barriers if x), ""),
                        "ford" in attrs,
                    )
                    oneway = tags.get("oneway", "").strip().lower()
                    against = (oneway in ("yes", "true", "1") and a != first) or (
                        oneway == "-1" and a == first
                    )
                    out.append(DrivenStep(team, prof, cls, wid, km, closed, against))
    return out
