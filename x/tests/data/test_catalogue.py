"""The catalogue of hostile inputs: each is a small mutation of the toy scenario (or a named
file) that either loads correctly (with a warning where accepting is right) or stops with a
clear ScenarioError naming the file, the field (or line) and the value.

Each case's message is pinned in ``PINNED`` (``{d}`` stands for the scenario folder). The
scenario.toml key and type cases are the config engineer's and live with the config tests.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from borderwatch import ScenarioError, ScenarioWarning, build_network, load_scenario
from tests.helpers import DLAT_KM, DLON_KM, LAT_BORDER, LON0, toy_osm_xml

Edit = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    kind: str
    edit: Edit
    #: "error": a ScenarioError; "warn": loads with a ScenarioWarning; "ok": loads silently
    outcome: str = "error"
    #: extra check on the built network of a case that loads
    check: Callable[[object], bool] | None = None


def _sub(name: str, old: str, new: str, count: int = 1) -> Edit:
    def edit(d: Path) -> None:
        text = (d / name).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        (d / name).write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def _append(name: str, text: str) -> Edit:
    def edit(d: Path) -> None:
        with (d / name).open("a", encoding="utf-8", newline="") as fh:
            fh.write(text)

    return edit


def _write(name: str, data: str | bytes) -> Edit:
    def edit(d: Path) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        (d / name).write_bytes(raw)

    return edit


def _recode(name: str, encoding: str, old: str = "", new: str = "") -> Edit:
    def edit(d: Path) -> None:
        text = (d / name).read_text(encoding="utf-8").replace(old, new) if old else None
        text = text if text is not None else (d / name).read_text(encoding="utf-8")
        (d / name).write_bytes(text.encode(encoding))

    return edit


def _node(nid: int, attrs: str) -> Edit:
    """Replace the attributes of toy node ``nid`` after its id."""

    def edit(d: Path) -> None:
        text = (d / "roads.osm").read_text(encoding="utf-8")
        new, n = re.subn(rf'<node id="{nid}" [^/]*/>', f'<node id="{nid}" {attrs}/>', text)
        assert n == 1
        (d / "roads.osm").write_text(new, encoding="utf-8")

    return edit


def _osm_before_end(extra: str) -> Edit:
    return _sub("roads.osm", "</osm>", extra + "</osm>")


def _border(coords: list, kind: str = "LineString") -> Edit:
    return _write("border.geojson", json.dumps({"type": kind, "coordinates": coords}))


def _pbf(build: Callable[[object, object, object], None]) -> Edit:
    def edit(d: Path) -> None:
        import osmium
        from osmium.osm.mutable import Node, Way

        (d / "roads.osm").unlink()
        with osmium.SimpleWriter(str(d / "roads.osm.pbf")) as writer:
            build(writer, Node, Way)

    return edit


def _toy_pbf(*, lat1: float = LAT_BORDER - 0.5 * DLAT_KM, twice: bool = False) -> Edit:
    def build(writer: object, Node: object, Way: object) -> None:
        w = writer
        w.add_node(Node(id=1, location=(LON0, lat1)))  # type: ignore[attr-defined, operator]
        for i in range(2, 12):
            w.add_node(  # type: ignore[attr-defined]
                Node(id=i, location=(LON0 + (i - 1) * DLON_KM, LAT_BORDER - 0.5 * DLAT_KM))  # type: ignore[operator]
            )
        if twice:
            w.add_node(Node(id=5, location=(LON0, LAT_BORDER - 9 * DLAT_KM)))  # type: ignore[attr-defined, operator]
        w.add_node(Node(id=20, location=(LON0 + 5 * DLON_KM, LAT_BORDER - 3 * DLAT_KM)))  # type: ignore[attr-defined, operator]
        w.add_way(Way(id=100, nodes=list(range(1, 12)), tags={"highway": "unclassified"}))  # type: ignore[attr-defined, operator]
        w.add_way(Way(id=101, nodes=[6, 20], tags={"highway": "tertiary"}))  # type: ignore[attr-defined, operator]

    return _pbf(build)


def _toml(old: str, new: str) -> Edit:
    return _sub("scenario.toml", old, new)


def _crs(code: str) -> Edit:
    return _toml('timezone = "Asia/Shanghai"\n', f'timezone = "Asia/Shanghai"\ncrs = "{code}"\n')


def _checkpoint(radius: str = "", lat: str = "", name: str = "Far post", lon: str = "") -> Edit:
    lon = lon or f"{LON0 + 3 * DLON_KM:.6f}"
    lat = lat or f"{LAT_BORDER - 0.5 * DLAT_KM:.6f}"
    return _append("checkpoints.csv", f"CP9,{name},{lon},{lat},Aidian,post,{radius}\n")


_TEAM = f"T1,Team one,{LON0 + 5 * DLON_KM:.6f},{LAT_BORDER - 3 * DLAT_KM:.6f},pickup,5,Aidian"


def _team(field: int, value: str) -> Edit:
    parts = _TEAM.split(",")
    parts[field] = value
    return _sub("teams.csv", _TEAM, ",".join(parts))


_CP1 = (
    f"CP1,West post,{LON0 + 1 * DLON_KM:.6f},{LAT_BORDER - 0.5 * DLAT_KM:.6f},Aidian,border_road,"
)
_B0, _B1 = [LON0, LAT_BORDER], [LON0 + 10 * DLON_KM, LAT_BORDER]
_BM = [LON0 + 5 * DLON_KM, LAT_BORDER]
_ENTITY_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE osm [\n<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\n'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 20}">\n'
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + ']>\n<osm version="0.6"><node id="1" lat="22" lon="107"><tag k="name" v="&i;"/></node></osm>\n'
)


def _has_name(name: str) -> Callable[[object], bool]:
    return lambda net: name in set(net.checkpoints["name"])  # type: ignore[attr-defined]


CASES: dict[str, Case] = {
    # -- OSM node coordinates ---------------------------------------------------------------
    "osm lat 95": Case("osm coordinates", _node(4, 'lat="95.0" lon="107.03"')),
    "osm lat -91": Case("osm coordinates", _node(4, 'lat="-91" lon="107.03"')),
    "osm lon 200": Case("osm coordinates", _node(4, 'lat="22.04" lon="200.5"')),
    "osm lat 1e20": Case("osm coordinates", _node(4, 'lat="1e20" lon="107.03"')),
    "osm lat nan": Case("osm coordinates", _node(4, 'lat="nan" lon="107.03"')),
    "osm lon inf": Case("osm coordinates", _node(4, 'lat="22.04" lon="inf"')),
    "osm lat missing": Case("osm coordinates", _node(4, 'lon="107.03"')),
    "osm lat empty": Case("osm coordinates", _node(4, 'lat="" lon="107.03"')),
    "osm lat text": Case("osm coordinates", _node(4, 'lat="north" lon="107.03"')),
    "osm lat with comma": Case("osm coordinates", _node(4, 'lat="22,04" lon="107.03"')),
    "osm node id text": Case("osm coordinates", _sub("roads.osm", '<node id="4"', '<node id="n4"')),
    "osm nd ref text": Case("osm coordinates", _sub("roads.osm", '<nd ref="4"/>', '<nd ref="x"/>')),
    "osm bad node off every road": Case(
        "osm coordinates",
        _osm_before_end('  <node id="777" lat="95" lon="nan"/>\n'),
        "ok",
        lambda net: len(net.nodes) > 0,  # type: ignore[attr-defined]
    ),
    "pbf lat 95": Case("osm coordinates", _toy_pbf(lat1=95.0)),
    "pbf lat -90.5": Case("osm coordinates", _toy_pbf(lat1=-90.5)),
    # -- XML syntax and entities --------------------------------------------------------------
    "xml undefined entity in a value": Case(
        "xml entities", _sub("roads.osm", 'v="access road"', 'v="access &road;"')
    ),
    "xml undefined entity in an attribute": Case(
        "xml entities", _sub("roads.osm", 'lat="22.0454853"', 'lat="&lat;"')
    ),
    "xml entity bomb": Case("xml entities", _write("roads.osm", _ENTITY_BOMB)),
    "xml external entity not read": Case(
        "xml entities",
        _write(
            "roads.osm",
            toy_osm_xml()
            .replace(
                '<osm version="0.6"',
                '<!DOCTYPE osm [<!ENTITY secret SYSTEM "file:///etc/hostname">]>\n<osm version="0.6"',
            )
            .replace('v="access road"', 'v="&secret;"'),
        ),
    ),  # expat refuses it: the file is never opened
    "xml cut in half": Case("xml entities", lambda d: _write("roads.osm", toy_osm_xml()[:900])(d)),
    "xml binary": Case("xml entities", _write("roads.osm", b"\x89PNG\r\n\x1a\n\x00\x00")),
    "xml not osm": Case("xml entities", _write("roads.osm", "<html><body>404</body></html>\n")),
    # -- node ids -----------------------------------------------------------------------------
    "osm node twice far apart": Case(
        "duplicate node ids", _osm_before_end('  <node id="4" lat="21.5" lon="107.03"/>\n')
    ),
    "osm node twice same place": Case(
        "duplicate node ids",
        lambda d: _osm_before_end(
            re.search(r'  <node id="4" [^\n]*\n', toy_osm_xml()).group(0)  # type: ignore[union-attr]
        )(d),
        "warn",
    ),
    "pbf node twice far apart": Case("duplicate node ids", _toy_pbf(twice=True)),
    # -- highway tags -------------------------------------------------------------------------
    "two highway tags": Case(
        "highway tags",
        _sub(
            "roads.osm",
            '<tag k="highway" v="track"/>',
            '<tag k="highway" v="track"/>\n    <tag k="highway" v="primary"/>',
        ),
    ),
    "highway list unclassified;track": Case(
        "highway tags",
        _sub("roads.osm", 'v="unclassified"', 'v="unclassified;track"'),
        "warn",
        lambda net: "unclassified" in set(net.edges["highway"]),  # type: ignore[attr-defined]
    ),
    "highway list with spaces": Case(
        "highway tags",
        _sub("roads.osm", 'v="tertiary"', 'v=" tertiary ; service"'),
        "warn",
        lambda net: "tertiary" in set(net.edges["highway"]),  # type: ignore[attr-defined]
    ),
    "no highway ways": Case(
        "highway tags", _sub("roads.osm", 'k="highway"', 'k="building"', count=3)
    ),
    "way of one node": Case(
        "highway tags",
        _osm_before_end('  <way id="555"><nd ref="1"/><tag k="highway" v="service"/></way>\n'),
        "ok",
    ),
    "way with a missing node": Case(
        "highway tags",
        _osm_before_end(
            '  <way id="556"><nd ref="1"/><nd ref="9999"/><tag k="highway" v="service"/></way>\n'
        ),
        "warn",
    ),
    # -- border lines -------------------------------------------------------------------------
    "border crosses itself": Case(
        "border lines",
        _border(
            [
                _B0,
                [LON0 + 6 * DLON_KM, LAT_BORDER + 0.01],
                [LON0 + 6 * DLON_KM, LAT_BORDER - 0.002],
                [LON0 + 3 * DLON_KM, LAT_BORDER + 0.005],
                _B1,
            ]
        ),
    ),
    "border goes back": Case("border lines", _border([_B0, _B1, _BM])),
    "border goes back at its start": Case("border lines", _border([_BM, _B0, _B1])),
    "border part repeated": Case(
        "border lines", _border([[_B0, _B1], [_B0, _B1]], "MultiLineString")
    ),
    "border parts overlap": Case(
        "border lines",
        _border([[_B0, _B1], [_BM, [LON0 + 12 * DLON_KM, LAT_BORDER]]], "MultiLineString"),
    ),
    "border parts cross": Case(
        "border lines",
        _border(
            [
                [_B0, _B1],
                [[LON0 + 5 * DLON_KM, LAT_BORDER + 0.01], [LON0 + 5 * DLON_KM, LAT_BORDER - 0.002]],
            ],
            "MultiLineString",
        ),
    ),
    "border repeated vertex": Case("border lines", _border([_B0, _BM, _BM, _B1]), "ok"),
    "border parts end to end": Case(
        "border lines", _border([[_B0, _BM], [_BM, _B1]], "MultiLineString"), "ok"
    ),
    # -- CSV rows -----------------------------------------------------------------------------
    "checkpoint name with unquoted comma": Case(
        "csv rows", _sub("checkpoints.csv", "West post", "West post, north gate")
    ),
    "checkpoint row cut short": Case(
        "csv rows", _sub("checkpoints.csv", _CP1, "CP1,West post,107.0")
    ),
    "team name with unquoted comma": Case("csv rows", _team(1, "Team one, Aidian")),
    "incident row with extra field": Case(
        "csv rows",
        _write("incidents.csv", "lon,lat,date,kind\n107.01,22.04,2026-11-01,smuggling,x\n"),
    ),
    "checkpoint name quoted comma": Case(
        "csv rows",
        _sub("checkpoints.csv", "West post", '"West post, north gate"'),
        "ok",
        _has_name("West post, north gate"),
    ),
    "checkpoint unterminated quote": Case(
        "csv rows", _sub("checkpoints.csv", "West post", '"West post')
    ),
    "checkpoint header named twice": Case(
        "csv rows", _sub("checkpoints.csv", "township,kind", "township,name")
    ),
    "checkpoint blank lines": Case(
        "csv rows", _sub("checkpoints.csv", "\nCP2", "\n\n\nCP2"), "ok", _has_name("East post")
    ),
    "bad lat after blank lines names the line": Case(
        "csv rows",
        lambda d: (_sub("checkpoints.csv", "\nCP2", "\n\nCP2")(d), _checkpoint(lat="x")(d)),
    ),
    "checkpoint crlf": Case(
        "csv rows",
        lambda d: (d / "checkpoints.csv").write_bytes(
            (d / "checkpoints.csv").read_bytes().replace(b"\n", b"\r\n")
        ),
        "ok",
        _has_name("East post"),
    ),
    "checkpoint semicolons": Case(
        "csv rows",
        lambda d: (d / "checkpoints.csv").write_text(
            (d / "checkpoints.csv").read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8"
        ),
        "warn",
        _has_name("East post"),
    ),
    "teams empty file": Case("csv rows", _write("teams.csv", "")),
    # -- encodings ----------------------------------------------------------------------------
    "checkpoints gbk from excel": Case(
        "csv encodings",
        _recode("checkpoints.csv", "gbk", "West post", "爱店西哨"),
        "warn",
        _has_name("爱店西哨"),
    ),
    "teams gb18030 from excel": Case(
        "csv encodings", _recode("teams.csv", "gb18030", "Team one", "峙浪巡逻队"), "warn"
    ),
    "incidents gbk": Case(
        "csv encodings",
        _write("incidents.csv", "lon,lat,date,kind\n107.01,22.04,2026-11-01,走私\n".encode("gbk")),
        "warn",
    ),
    "checkpoints utf-16 from excel": Case(
        "csv encodings",
        _recode("checkpoints.csv", "utf-16", "West post", "爱店西哨"),
        "warn",
        _has_name("爱店西哨"),
    ),
    "checkpoints utf-8 with bom": Case(
        "csv encodings",
        _recode("checkpoints.csv", "utf-8-sig", "West post", "爱店西哨"),
        "ok",
        _has_name("爱店西哨"),
    ),
    "checkpoints undecodable bytes": Case(
        "csv encodings",
        lambda d: (d / "checkpoints.csv").write_bytes(
            (d / "checkpoints.csv").read_bytes().replace(b"West", b"W\xff\xfest")
        ),
    ),
    # -- numbers out of any sense ---------------------------------------------------------------
    "crew 1e20": Case("numbers", _team(5, "1e20")),
    "crew 10**20": Case("numbers", _team(5, "100000000000000000000")),
    "crew 101": Case("numbers", _team(5, "101")),
    "crew 0": Case("numbers", _team(5, "0")),
    "crew -3": Case("numbers", _team(5, "-3")),
    "crew 2.5": Case("numbers", _team(5, "2.5")),
    "crew empty": Case("numbers", _team(5, "")),
    "crew nan": Case("numbers", _team(5, "nan")),
    "crew 5.0 is five": Case(
        "numbers",
        _team(5, "5.0"),
        "ok",
        lambda net: int(net.teams["crew"].iloc[0]) == 5,  # type: ignore[attr-defined]
    ),
    "checkpoint radius 1e9": Case("numbers", _checkpoint(radius="1e9")),
    "checkpoint radius 5": Case("numbers", _checkpoint(radius="5")),
    "checkpoint radius nan": Case("numbers", _checkpoint(radius="nan")),
    "checkpoint radius inf": Case("numbers", _checkpoint(radius="inf")),
    "checkpoint lat 1e20": Case("numbers", _checkpoint(lat="1e20")),
    "team base lon nan": Case("numbers", _team(2, "nan")),
    "team base lat 91": Case("numbers", _team(3, "91")),
    # -- projection -----------------------------------------------------------------------------
    "crs utm zone 1": Case("crs", _crs("EPSG:32601")),
    "crs southern zone 48": Case("crs", _crs("EPSG:32748")),
    "crs utm zone 18": Case("crs", _crs("EPSG:32618")),
    "crs next zone east": Case("crs", _crs("EPSG:32649"), "warn"),
    "crs right zone": Case("crs", _crs("EPSG:32648"), "ok"),
    # -- scale ----------------------------------------------------------------------------------
    "unit length 5 km on a 10 km border": Case(
        "scale", _toml("unit_length_m = 250.0", "unit_length_m = 5000.0")
    ),
    "checkpoint radius 4 km on a 10 km border": Case(
        "scale", _toml("checkpoint_radius_m = 1500.0", "checkpoint_radius_m = 4000.0")
    ),
    "patrol view 5 km on a 10 km border": Case(
        "scale",
        _toml(
            "checkpoint_radius_m = 1500.0", "checkpoint_radius_m = 1500.0\npatrol_view_m = 5000.0"
        ),
    ),
}


def _run(folder: Path) -> object:
    return build_network(load_scenario(folder))


def _message(exc: BaseException, folder: Path) -> str:
    return str(exc).replace(str(folder), "{d}")


@pytest.mark.parametrize("name", list(CASES))
def test_catalogue(toy_dir: Path, name: str) -> None:
    case = CASES[name]
    if "pbf" in name:
        pytest.importorskip("osmium")
    case.edit(toy_dir)
    pinned = PINNED[name]
    if case.outcome == "error":
        with pytest.raises(ScenarioError) as info:
            _run(toy_dir)
        exc = info.value
        assert _message(exc, toy_dir) == pinned
        assert exc.file is not None and (exc.field is not None or "line" in str(exc))
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = _run(toy_dir)
    found = [
        _message(w.message, toy_dir) for w in caught if issubclass(w.category, ScenarioWarning)
    ]
    if case.outcome == "warn":
        assert any(pinned in m for m in found), found
    else:
        assert pinned == "", "a case that loads silently pins no message"
        assert not [m for m in found if "components" not in m], found
    if case.check is not None:
        assert case.check(net)


def test_catalogue_is_large_and_covers_every_kind() -> None:
    kinds: dict[str, int] = {}
    for case in CASES.values():
        kinds[case.kind] = kinds.get(case.kind, 0) + 1
    assert set(PINNED) == set(CASES)
    assert len(CASES) >= 60
    assert min(kinds.values()) >= 3, kinds


PINNED: dict[str, str] = {
    "osm lat 95": "{d}/roads.osm, field 'lat', value '95.0': node 4 (line 6): lat out of range -90..90",
    "osm lat -91": "{d}/roads.osm, field 'lat', value '-91': node 4 (line 6): lat out of range -90..90",
    "osm lon 200": "{d}/roads.osm, field 'lon', value '200.5': node 4 (line 6): lon out of range -180..180",
    "osm lat 1e20": "{d}/roads.osm, field 'lat', value '1e20': node 4 (line 6): lat out of range -90..90",
    "osm lat nan": "{d}/roads.osm, field 'lat', value 'nan': node 4 (line 6): lat is not a number",
    "osm lon inf": "{d}/roads.osm, field 'lon', value 'inf': node 4 (line 6): lon is not a number",
    "osm lat missing": "{d}/roads.osm, field 'lat', value '': node 4 (line 6): missing lat",
    "osm lat empty": "{d}/roads.osm, field 'lat', value '': node 4 (line 6): missing lat",
    "osm lat text": "{d}/roads.osm, field 'lat', value 'north': node 4 (line 6): lat is not a number",
    "osm lat with comma": "{d}/roads.osm, field 'lat', value '22,04': node 4 (line 6): lat is not a number",
    "osm node id text": "{d}/roads.osm, field 'id', value 'n4': node (line 6): id is not a whole number",
    "osm nd ref text": "{d}/roads.osm, field 'nd ref', value 'x': way 100 (line 21): nd ref is not a whole number",
    "osm bad node off every road": "",
    "pbf lat 95": "{d}/roads.osm.pbf, field 'lat', value '95.0': node 1: lat out of range -90..90",
    "pbf lat -90.5": "{d}/roads.osm.pbf, field 'lat', value '-90.5': node 1: lat out of range -90..90",
    "xml undefined entity in a value": "{d}/roads.osm, field 'xml', value 'line 37': malformed OSM XML at line 37, column 4: undefined entity",
    "xml undefined entity in an attribute": "{d}/roads.osm, field 'xml', value 'line 3': malformed OSM XML at line 3, column 2: undefined entity",
    "xml entity bomb": "{d}/roads.osm, field 'xml', value 'line 13': malformed OSM XML at line 13, column 51: limit on input amplification factor (from DTD and entities) breached",
    "xml external entity not read": "{d}/roads.osm, field 'xml', value 'line 38': malformed OSM XML at line 38, column 21: reference to external entity in attribute",
    "xml cut in half": "{d}/roads.osm, field 'xml', value 'line 21': malformed OSM XML at line 21, column 4: unclosed token",
    "xml binary": "{d}/roads.osm, field 'xml', value 'line 1': malformed OSM XML at line 1, column 0: not well-formed (invalid token)",
    "xml not osm": "{d}/roads.osm, field 'highway': holds no highway ways with two or more nodes in the file",
    "osm node twice far apart": "{d}/roads.osm, field 'id', value 4: node 4 is defined twice at different places: 22.0454853,107.0290557 (line 6) and 21.5,107.03 (line 44); node ids must be unique",
    "osm node twice same place": "{d}/roads.osm: 1 nodes appear twice (same place); kept once",
    "pbf node twice far apart": "{d}/roads.osm.pbf, field 'id', value 5: node 5 is defined twice at different places: 22.0454853,107.0387409 (first) and 21.9687359,107.0 (again); node ids must be unique",
    "two highway tags": "{d}/roads.osm, field 'highway', value 'primary': way 102 (line 39) has two highway tags: 'track' (line 42) and 'primary' (line 43); keep one",
    "highway list unclassified;track": "{d}/roads.osm: 1 ways have a list of highway values (such as 'unclassified;track'); the first value is used",
    "highway list with spaces": "{d}/roads.osm: 1 ways have a list of highway values (such as 'unclassified;track'); the first value is used",
    "no highway ways": "{d}/roads.osm, field 'highway': holds no highway ways with two or more nodes in the file",
    "way of one node": "",
    "way with a missing node": "{d}/roads.osm: clipped extract: 1 of 4 highway ways reference 1 nodes outside the file; cut into 0 pieces at the missing nodes, 1 ways dropped (fewer than two nodes left)",
    "border crosses itself": "{d}/border.geojson, field 'geometry', value (107.05811, 22.05286): the border line crosses itself at lon 107.05811, lat 22.05286 (segments 1 and 3 of part 0); a border is a line that does not cross",
    "border goes back": "{d}/border.geojson, field 'geometry', value (107.04843, 22.05): the border line goes back over itself at lon 107.04843, lat 22.05000 (vertex 1 of part 0): that stretch would count twice; remove the repeat",
    "border goes back at its start": "{d}/border.geojson, field 'geometry', value (107.04843, 22.05): the border line goes back over itself at lon 107.04843, lat 22.05000 (vertex 1 of part 0): that stretch would count twice; remove the repeat",
    "border part repeated": "{d}/border.geojson, field 'geometry', value (107.0, 22.05): the border line runs twice over the stretch at lon 107.00000, lat 22.05000 (parts 0 and 1): that stretch would count twice; remove the repeat",
    "border parts overlap": "{d}/border.geojson, field 'geometry', value (107.04843, 22.05): the border line runs twice over the stretch at lon 107.04843, lat 22.05000 (parts 0 and 1): that stretch would count twice; remove the repeat",
    "border parts cross": "{d}/border.geojson, field 'geometry', value (107.04843, 22.05): the border line crosses itself at lon 107.04843, lat 22.05000 (segments 0 and 0 of parts 0 and 1); a border is a line that does not cross",
    "border repeated vertex": "",
    "border parts end to end": "",
    "checkpoint name with unquoted comma": "{d}/checkpoints.csv, field 'line 2', value 'CP1,West post, north gate,107.009685,22.045485,Aidian,border_road,': line 2: 8 fields, but the header has 7 (an unquoted comma inside a value? put that value in double quotes)",
    "checkpoint row cut short": "{d}/checkpoints.csv, field 'line 2', value 'CP1,West post,107.0': line 2: 3 fields, but the header has 7 (a row cut short?)",
    "team name with unquoted comma": "{d}/teams.csv, field 'line 2', value 'T1,Team one, Aidian,107.048426,22.022912,pickup,5,Aidian': line 2: 8 fields, but the header has 7 (an unquoted comma inside a value? put that value in double quotes)",
    "incident row with extra field": "{d}/incidents.csv, field 'line 2', value '107.01,22.04,2026-11-01,smuggling,x': line 2: 5 fields, but the header has 4 (an unquoted comma inside a value? put that value in double quotes)",
    "checkpoint name quoted comma": "",
    "checkpoint unterminated quote": "{d}/checkpoints.csv, field 'line 2', value 'CP1,West post,107.009685,22.045485,Aidian,border_road,\\nCP2,East post,107.07...: line 2: 2 fields, but the header has 7 (a double quote opened on line 2 is never closed)",
    "checkpoint header named twice": "{d}/checkpoints.csv, field 'name': column named twice in the header",
    "checkpoint blank lines": "",
    "bad lat after blank lines names the line": "{d}/checkpoints.csv, field 'lat', value 'x': row 5 (id 'CP9'): is not a number",
    "checkpoint crlf": "",
    "checkpoint semicolons": "{d}/checkpoints.csv: columns are separated by semicolons, not commas; read them so",
    "teams empty file": "{d}/teams.csv, field 'header': file is empty; expected a header row",
    "checkpoints gbk from excel": "{d}/checkpoints.csv: not UTF-8 (line 2); decoded as GB18030/GBK, what Excel writes on Chinese Windows. Save it as 'CSV UTF-8 (comma delimited)' to be sure of the names",
    "teams gb18030 from excel": "{d}/teams.csv: not UTF-8 (line 2); decoded as GB18030/GBK, what Excel writes on Chinese Windows. Save it as 'CSV UTF-8 (comma delimited)' to be sure of the names",
    "incidents gbk": "{d}/incidents.csv: not UTF-8 (line 2); decoded as GB18030/GBK, what Excel writes on Chinese Windows. Save it as 'CSV UTF-8 (comma delimited)' to be sure of the names",
    "checkpoints utf-16 from excel": "{d}/checkpoints.csv: decoded as UTF-16 (Excel 'Unicode text'); save it as 'CSV UTF-8'",
    "checkpoints utf-8 with bom": "",
    "checkpoints undecodable bytes": "{d}/checkpoints.csv, field 'encoding', value b'\\xff\\xfe': line 2: neither UTF-8 nor GB18030 (byte 0xff); save the file as 'CSV UTF-8 (comma delimited)'",
    "crew 1e20": "{d}/teams.csv, field 'crew', value '1e20': row 2 (id 'T1'): must be at most 100",
    "crew 10**20": "{d}/teams.csv, field 'crew', value '100000000000000000000': row 2 (id 'T1'): must be at most 100",
    "crew 101": "{d}/teams.csv, field 'crew', value '101': row 2 (id 'T1'): must be at most 100",
    "crew 0": "{d}/teams.csv, field 'crew', value '0': row 2 (id 'T1'): must be at least 1",
    "crew -3": "{d}/teams.csv, field 'crew', value '-3': row 2 (id 'T1'): must be at least 1",
    "crew 2.5": "{d}/teams.csv, field 'crew', value '2.5': row 2 (id 'T1'): is not a whole number",
    "crew empty": "{d}/teams.csv, field 'crew', value '': row 2 (id 'T1'): is not a whole number",
    "crew nan": "{d}/teams.csv, field 'crew', value 'nan': row 2 (id 'T1'): is not a whole number",
    "crew 5.0 is five": "",
    "checkpoint radius 1e9": "{d}/checkpoints.csv, field 'radius_m', value '1e9': row 4 (id 'CP9'): is above 50000",
    "checkpoint radius 5": "{d}/checkpoints.csv, field 'radius_m', value '5': row 4 (id 'CP9'): is below 10",
    "checkpoint radius nan": "{d}/checkpoints.csv, field 'radius_m', value 'nan': row 4 (id 'CP9'): is not a number",
    "checkpoint radius inf": "{d}/checkpoints.csv, field 'radius_m', value 'inf': row 4 (id 'CP9'): is not a number",
    "checkpoint lat 1e20": "{d}/checkpoints.csv, field 'lat', value '1e20': row 4 (id 'CP9'): is above 90",
    "team base lon nan": "{d}/teams.csv, field 'base_lon', value 'nan': row 2 (id 'T1'): is not a number",
    "team base lat 91": "{d}/teams.csv, field 'base_lat', value '91': row 2 (id 'T1'): is above 90",
    "crs utm zone 1": "{d}/scenario.toml, field 'crs', value 'EPSG:32601': EPSG:32601 is for lon -180..-174, lat 0..84; the border lies at lon 107.00..107.10, lat 22.05..22.05: wrong zone? use EPSG:32648 (the UTM zone of the border) or leave crs out",
    "crs southern zone 48": "{d}/scenario.toml, field 'crs', value 'EPSG:32748': EPSG:32748 is for lon 102..108, lat -80..0; the border lies at lon 107.00..107.10, lat 22.05..22.05: wrong zone? use EPSG:32648 (the UTM zone of the border) or leave crs out",
    "crs utm zone 18": "{d}/scenario.toml, field 'crs', value 'EPSG:32618': EPSG:32618 is for lon -78..-72, lat 0..84; the border lies at lon 107.00..107.10, lat 22.05..22.05: wrong zone? use EPSG:32648 (the UTM zone of the border) or leave crs out",
    "crs next zone east": "{d}/scenario.toml: EPSG:32649 is for lon 108..114, lat 0..84; the border lies at lon 107.00..107.10, lat 22.05..22.05; distances there are distorted, EPSG:32648 fits the border",
    "crs right zone": "",
    "unit length 5 km on a 10 km border": "{d}/scenario.toml, field 'unit_length_m', value 5000.0: the border is 10.00 km long, too short for these settings: unit_length_m = 5000 gives 2.0 units. Rural values (250 m units, a 1.5 km radius, a 1 km view) suit borders of tens of km; for this one set in [defaults] for example unit_length_m = 100, checkpoint_radius_m = 600, patrol_view_m = 400",
    "checkpoint radius 4 km on a 10 km border": "{d}/scenario.toml, field 'checkpoint_radius_m', value 4000.0: the border is 10.00 km long, too short for these settings: checkpoint_radius_m = 4000 lets one checkpoint watch more than a third of it. Rural values (250 m units, a 1.5 km radius, a 1 km view) suit borders of tens of km; for this one set in [defaults] for example unit_length_m = 100, checkpoint_radius_m = 600, patrol_view_m = 400",
    "patrol view 5 km on a 10 km border": "{d}/scenario.toml, field 'patrol_view_m', value 5000.0: the border is 10.00 km long, too short for these settings: patrol_view_m = 5000 lets one road watch more than a third of it. Rural values (250 m units, a 1.5 km radius, a 1 km view) suit borders of tens of km; for this one set in [defaults] for example unit_length_m = 100, checkpoint_radius_m = 600, patrol_view_m = 400",
}
