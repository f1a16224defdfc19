"""The catalogue of bad scenario inputs: each gets a clear error naming file, field and value."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from borderwatch import ScenarioError, ScenarioWarning, build_network, load_scenario
from tests.helpers import DLAT_KM, DLON_KM, LAT_BORDER, LON0


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _border(geometry: dict) -> Callable[[Path], None]:
    def edit(d: Path) -> None:
        (d / "border.geojson").write_text(json.dumps({"type": "Feature", "geometry": geometry}))

    return edit


def _append(name: str, line: str) -> Callable[[Path], None]:
    def edit(d: Path) -> None:
        with (d / name).open("a", encoding="utf-8") as fh:
            fh.write(line)

    return edit


CASES: dict[str, tuple[Callable[[Path], None], str, str | None, str | None]] = {
    # name: (edit, file name in message, field, pinned message pattern)
    "missing scenario.toml": (
        lambda d: (d / "scenario.toml").unlink(),
        "scenario.toml",
        None,
        "file not found",
    ),
    "bad toml": (
        lambda d: _append("scenario.toml", "oops = = 1\n")(d),
        "scenario.toml",
        None,
        "not valid TOML",
    ),
    "missing border": (
        lambda d: (d / "border.geojson").unlink(),
        "border.geojson",
        None,
        "file not found",
    ),
    "border not JSON": (
        lambda d: (d / "border.geojson").write_text("{not json"),
        "border.geojson",
        None,
        "not valid JSON",
    ),
    "border is a polygon": (
        _border(
            {"type": "Polygon", "coordinates": [[[107, 22], [107.1, 22], [107.1, 22.1], [107, 22]]]}
        ),
        "border.geojson",
        "geometry",
        "geometry must be LineString or MultiLineString",
    ),
    "border empty": (
        _border({"type": "LineString", "coordinates": []}),
        "border.geojson",
        "geometry",
        "geometry is empty",
    ),
    "border projected coordinates": (
        _border(
            {"type": "LineString", "coordinates": [[706406.1, 2439214.0], [716406.1, 2439314.0]]}
        ),
        "border.geojson",
        "geometry",
        "coordinates out of range for lon/lat",
    ),
    "border of one point": (  # GEOS refused it: a traceback, exit 1 (walk12)
        _border({"type": "LineString", "coordinates": [[107, 22]]}),
        "border.geojson",
        "geometry",
        r"feature 0: malformed geometry \(IllegalArgumentException: point array must contain",
    ),
    "border of one repeated point": (
        _border({"type": "LineString", "coordinates": [[107, 22], [107, 22]]}),
        "border.geojson",
        "geometry",
        "line has zero length",
    ),
    "area self-intersecting": (
        lambda d: (d / "area.geojson").write_text(
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[107, 22], [107.1, 22.1], [107.1, 22], [107, 22.1], [107, 22]]
                    ],
                }
            )
        ),
        "area.geojson",
        "geometry",
        "invalid geometry: Self-intersection",
    ),
    "checkpoints missing column": (
        lambda d: _replace(d / "checkpoints.csv", "id,name,lon,lat", "id,name,lon,latitude"),
        "checkpoints.csv",
        "lat",
        r"missing column\(s\) lat",
    ),
    "checkpoint lon not a number": (
        _append("checkpoints.csv", "CP9,Bad,abc,22.0,Aidian,trail_end,\n"),
        "checkpoints.csv",
        "lon",
        r"row 4 \(id 'CP9'\): is not a number",
    ),
    "checkpoint lat out of range": (
        _append("checkpoints.csv", "CP9,Bad,107.0,95.0,Aidian,trail_end,\n"),
        "checkpoints.csv",
        "lat",
        "is above 90",
    ),
    "checkpoint negative radius": (
        _append("checkpoints.csv", "CP9,Bad,107.0,22.0,Aidian,trail_end,-5\n"),
        "checkpoints.csv",
        "radius_m",
        "is below 10",
    ),
    "duplicate checkpoint id": (
        _append("checkpoints.csv", "CP1,Again,107.0,22.0,Aidian,trail_end,\n"),
        "checkpoints.csv",
        "id",
        "row 4: duplicate id",
    ),
    "empty checkpoints file": (
        lambda d: (d / "checkpoints.csv").write_text(""),
        "checkpoints.csv",
        None,
        "file is empty",
    ),
    "unknown vehicle": (
        lambda d: _replace(d / "teams.csv", "pickup", "tank"),
        "teams.csv",
        "vehicle",
        "unknown vehicle",
    ),
    "crew zero": (
        lambda d: _replace(d / "teams.csv", "pickup,5", "pickup,0"),
        "teams.csv",
        "crew",
        "must be at least 1",
    ),
    "crew not whole": (
        lambda d: _replace(d / "teams.csv", "pickup,5", "pickup,4.5"),
        "teams.csv",
        "crew",
        "not a whole number",
    ),
    "geographic crs": (
        _append("scenario.toml", ""),  # replaced below: crs must come before the tables
        "scenario.toml",
        "crs",
        "must be a projected metric CRS",
    ),
    "unknown crs": (lambda d: None, "scenario.toml", "crs", "unknown CRS"),
    "unknown time zone": (
        lambda d: _replace(d / "scenario.toml", "Asia/Shanghai", "Asia/Atlantis"),
        "scenario.toml",
        "timezone",
        "unknown IANA time zone",
    ),
    "bad night window": (
        lambda d: _replace(d / "scenario.toml", 'start = "20:00"', 'start = "25:00"'),
        "scenario.toml",
        "night.start",
        "time of day",
    ),
    "unknown default option": (
        lambda d: _replace(d / "scenario.toml", "unit_length_m", "unit_lenght_m"),
        "scenario.toml",
        "defaults.unit_lenght_m",
        "unknown option",
    ),
    "no road file": (lambda d: (d / "roads.osm").unlink(), "toy", "roads", "no road file"),
    "malformed OSM XML": (
        lambda d: (d / "roads.osm").write_text(
            (d / "roads.osm").read_text().replace("</way>", "</wya>", 1)
        ),
        "roads.osm",
        "xml",
        "malformed OSM XML at line",
    ),
    "OSM XML without ways": (
        lambda d: (d / "roads.osm").write_text(
            '<?xml version="1.0"?>\n<osm version="0.6"></osm>\n'
        ),
        "roads.osm",
        "highway",
        "holds no highway ways",
    ),
    "incident bad date": (
        lambda d: (d / "incidents.csv").write_text(
            "lon,lat,date,kind\n107.01,22.04,2026-13-45,smuggling\n"
        ),
        "incidents.csv",
        "date",
        "not an ISO date",
    ),
}


def _crs(value: str) -> Callable[[Path], None]:
    return lambda d: _replace(
        d / "scenario.toml",
        'timezone = "Asia/Shanghai"\n',
        f'timezone = "Asia/Shanghai"\ncrs = "{value}"\n',
    )


CASES["geographic crs"] = (_crs("EPSG:4326"), *CASES["geographic crs"][1:])
CASES["unknown crs"] = (_crs("EPSG:999999"), *CASES["unknown crs"][1:])


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_catalogue(toy_dir: Path, case: str) -> None:
    edit, file_name, field, pattern = CASES[case]
    edit(toy_dir)
    with pytest.raises(ScenarioError, match=pattern) as info:
        load_scenario(toy_dir)
    exc = info.value
    assert exc.file is not None and Path(exc.file).name == file_name
    assert file_name in str(exc)
    if field is not None:
        assert exc.field == field
        assert repr(field) in str(exc)


def test_unknown_scenario_name() -> None:
    with pytest.raises(ScenarioError, match=r"value 'atlantis': unknown scenario.*embedded"):
        load_scenario("atlantis")


def test_gzip_and_xz_roads_load_the_same(toy_dir: Path) -> None:
    import lzma

    plain = build_network(load_scenario(toy_dir))
    raw = (toy_dir / "roads.osm").read_bytes()
    (toy_dir / "roads.osm").unlink()
    (toy_dir / "roads.osm.gz").write_bytes(gzip.compress(raw, mtime=0))
    gz = build_network(load_scenario(toy_dir))
    (toy_dir / "roads.osm.gz").unlink()
    (toy_dir / "roads.osm.xz").write_bytes(lzma.compress(raw))
    xz = build_network(load_scenario(toy_dir))
    for other in (gz, xz):
        assert len(other.edges) == len(plain.edges)
        assert other.edges["length"].sum() == pytest.approx(plain.edges["length"].sum())


def test_corrupt_gzip_names_the_file(toy_dir: Path) -> None:
    (toy_dir / "roads.osm").unlink()
    (toy_dir / "roads.osm.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ScenarioError, match=r"roads\.osm\.gz.*cannot read compressed file"):
        load_scenario(toy_dir)


def test_checkpoint_far_from_road(toy_dir: Path) -> None:
    far = f"CP9,Far,{LON0 + 5 * DLON_KM:.6f},{LAT_BORDER + 5 * DLAT_KM:.6f},Aidian,trail_end,\n"
    _append("checkpoints.csv", far)(toy_dir)
    scenario = load_scenario(toy_dir)
    with pytest.raises(
        ScenarioError,
        match=r"checkpoints\.csv, field 'lon/lat', value 'CP9': checkpoint 'CP9' is 5,\d{3} m",
    ):
        build_network(scenario)


def test_team_base_far_from_a_road_its_vehicle_may_use(toy_dir: Path) -> None:
    # on the track end: a pickup may not drive tracks, and the nearest other road is 2.1 km away
    _replace(
        toy_dir / "teams.csv",
        f"{LON0 + 5 * DLON_KM:.6f},{LAT_BORDER - 3 * DLAT_KM:.6f},pickup",
        f"{LON0 + 8 * DLON_KM:.6f},{LAT_BORDER + 1.7 * DLAT_KM:.6f},pickup",
    )
    scenario = load_scenario(toy_dir)
    with pytest.raises(ScenarioError, match=r"teams\.csv.*'T1'.*nearest road (its vehicle|)"):
        build_network(scenario)


def _add_island(d: Path, base_on_island: bool) -> None:
    # a separate road 20 km south of the border, not joined to anything
    lat = LAT_BORDER - 20 * DLAT_KM
    island = (
        f'  <node id="900" lat="{lat:.7f}" lon="{LON0:.7f}"/>\n'
        f'  <node id="901" lat="{lat:.7f}" lon="{LON0 + 2 * DLON_KM:.7f}"/>\n'
        '  <way id="990"><nd ref="900"/><nd ref="901"/><tag k="highway" v="unclassified"/></way>\n'
    )
    _replace(d / "roads.osm", "</osm>", island + "</osm>")
    if base_on_island:
        _replace(
            d / "teams.csv",
            f"{LON0 + 5 * DLON_KM:.6f},{LAT_BORDER - 3 * DLAT_KM:.6f}",
            f"{LON0 + 1 * DLON_KM:.6f},{lat:.6f}",
        )


def test_disconnected_roads_warn_and_report(toy_dir: Path) -> None:
    _add_island(toy_dir, base_on_island=False)
    with pytest.warns(ScenarioWarning, match=r"road network has 2 separate components"):
        net = build_network(load_scenario(toy_dir))
    assert set(net.nodes["component"]) == {0, 1}


def test_team_cut_off_from_the_border_is_an_error(toy_dir: Path) -> None:
    _add_island(toy_dir, base_on_island=True)
    scenario = load_scenario(toy_dir)
    with (
        pytest.warns(ScenarioWarning),
        pytest.raises(
            ScenarioError, match=re.escape("team 'T1' (pickup) is cut off from the border")
        ) as info,
    ):
        build_network(scenario)
    assert info.value.file is not None and info.value.file.endswith("teams.csv")
