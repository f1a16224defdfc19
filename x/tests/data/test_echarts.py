"""Tests of borderwatch.data.echarts: decoding ECharts-compressed GeoJSON."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.data.echarts import decode_echarts_geojson, read_echarts_js
from borderwatch.errors import ScenarioError

SCALE = 1024
# the real county outline, copied into the repository (see files/PROVENANCE.md)
NINGMING_JS = Path(__file__).resolve().parent / "files" / "ningming_echarts.js"


# ---------------------------------------------------------------------------
# a tiny encoder: the inverse of what ECharts' decoder does
# ---------------------------------------------------------------------------
def _zigzag(v: int) -> int:
    return 2 * v if v >= 0 else -2 * v - 1


def encode_ring(units: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """Encode integer coordinates (degrees * 1024) as ECharts does.

    The offsets are the first point, so the first pair of deltas is ``@@``.
    """
    x0, y0 = units[0]
    chars = []
    px, py = x0, y0
    for x, y in units:
        chars.append(chr(_zigzag(x - px) + 64))
        chars.append(chr(_zigzag(y - py) + 64))
        px, py = x, y
    return "".join(chars), [x0, y0]


def encode_fc(geometry_type: str, rings_units: list, **extra: object) -> dict:
    """A FeatureCollection with one encoded feature."""
    if geometry_type == "LineString":
        coords, offsets = encode_ring(rings_units)
    elif geometry_type in ("Polygon", "MultiLineString"):
        enc = [encode_ring(r) for r in rings_units]
        coords, offsets = [c for c, _ in enc], [o for _, o in enc]
    else:  # MultiPolygon
        enc = [[encode_ring(r) for r in poly] for poly in rings_units]
        coords = [[c for c, _ in poly] for poly in enc]
        offsets = [[o for _, o in poly] for poly in enc]
    return {
        "type": "FeatureCollection",
        "UTF8Encoding": True,
        **extra,
        "features": [
            {
                "type": "Feature",
                "id": "1",
                "properties": {"name": "测试", "cp": [107.0, 22.0]},
                "geometry": {
                    "type": geometry_type,
                    "coordinates": coords,
                    "encodeOffsets": offsets,
                },
            }
        ],
    }


def _degrees(units: list[tuple[int, int]]) -> list[list[float]]:
    return [[x / SCALE, y / SCALE] for x, y in units]


# A small square near Ningming, with a hole (units of 1/1024 degree).
SQUARE = [(109568, 22528), (109578, 22528), (109578, 22538), (109568, 22538), (109568, 22528)]
HOLE = [(109570, 22530), (109570, 22532), (109572, 22532), (109572, 22530), (109570, 22530)]


# ---------------------------------------------------------------------------
# decoding
# ---------------------------------------------------------------------------
def test_first_point_is_offsets_plus_first_deltas() -> None:
    # "BA": x delta +1 ('B' = 66 -> 2 -> +1), y delta -1 ('A' = 65 -> 1 -> -1)
    fc = encode_fc("LineString", [(0, 0)])
    fc["features"][0]["geometry"]["coordinates"] = "BAA@"
    fc["features"][0]["geometry"]["encodeOffsets"] = [1024, 2048]
    out = decode_echarts_geojson(fc)
    assert out["features"][0]["geometry"]["coordinates"] == [
        [1025 / 1024, 2047 / 1024],
        [1024 / 1024, 2047 / 1024],
    ]


def test_polygon_round_trip_keeps_hole_id_and_properties() -> None:
    fc = encode_fc("Polygon", [SQUARE, HOLE])
    out = decode_echarts_geojson(fc)
    feat = out["features"][0]
    assert feat["geometry"] == {
        "type": "Polygon",
        "coordinates": [_degrees(SQUARE), _degrees(HOLE)],
    }
    assert feat["id"] == "1"
    assert feat["properties"] == {"name": "测试", "cp": [107.0, 22.0]}
    assert "UTF8Encoding" not in out
    assert "encodeOffsets" not in feat["geometry"]


def test_multipolygon_and_multilinestring_round_trip() -> None:
    other = [(x + 20, y - 5) for x, y in SQUARE]
    out = decode_echarts_geojson(encode_fc("MultiPolygon", [[SQUARE, HOLE], [other]]))
    assert out["features"][0]["geometry"]["coordinates"] == [
        [_degrees(SQUARE), _degrees(HOLE)],
        [_degrees(other)],
    ]
    out = decode_echarts_geojson(encode_fc("MultiLineString", [SQUARE[:3], HOLE[:2]]))
    assert out["features"][0]["geometry"]["coordinates"] == [
        _degrees(SQUARE[:3]),
        _degrees(HOLE[:2]),
    ]


def test_utf8scale_is_honoured() -> None:
    fc = encode_fc("LineString", [(100, 200), (110, 190)], UTF8Scale=10)
    out = decode_echarts_geojson(fc)
    assert out["features"][0]["geometry"]["coordinates"] == [[10.0, 20.0], [11.0, 19.0]]
    assert "UTF8Scale" not in out


def test_input_is_not_mutated() -> None:
    fc = encode_fc("Polygon", [SQUARE])
    before = copy.deepcopy(fc)
    decode_echarts_geojson(fc)
    assert fc == before


def test_plain_geojson_passes_through() -> None:
    plain = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [107.0, 22.0]},
            }
        ],
    }
    assert decode_echarts_geojson(plain) == plain


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-184320, 184320), st.integers(-92160, 92160)),
        min_size=1,
        max_size=30,
    )
)
def test_round_trip_property(units: list[tuple[int, int]]) -> None:
    out = decode_echarts_geojson(encode_fc("LineString", units))
    assert out["features"][0]["geometry"]["coordinates"] == _degrees(units)


# ---------------------------------------------------------------------------
# malformed input
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda g: g.update(coordinates=["@@A"]), "even number"),
        (lambda g: g.update(coordinates=["@?"]), "below 64"),
        (lambda g: g.pop("encodeOffsets"), "no encodeOffsets"),
        (lambda g: g.update(encodeOffsets=[[1, 2], [3, 4]]), "1 parts but encodeOffsets has 2"),
        (lambda g: g.update(encodeOffsets=[[1.5, 2]]), "pair of integers"),
        (lambda g: g.update(type="Blob"), "unknown geometry type"),
        (lambda g: g.update(coordinates="@@@@"), "nested lists"),
    ],
)
def test_malformed_geometry_raises(mutate, match: str) -> None:
    fc = encode_fc("Polygon", [SQUARE])
    mutate(fc["features"][0]["geometry"])
    with pytest.raises(ScenarioError, match=match) as info:
        decode_echarts_geojson(fc, file="map.js")
    assert info.value.file == "map.js"
    assert info.value.field is not None and info.value.field.startswith("features[0].geometry")


def test_not_a_feature_collection_raises() -> None:
    with pytest.raises(ScenarioError, match="FeatureCollection"):
        decode_echarts_geojson({"type": "Feature"})
    with pytest.raises(ScenarioError, match="list of features"):
        decode_echarts_geojson({"type": "FeatureCollection", "features": None})


# ---------------------------------------------------------------------------
# the JS wrapper
# ---------------------------------------------------------------------------
def _write_js(path: Path, name: str, obj: dict) -> Path:
    body = json.dumps(obj, ensure_ascii=False)
    path.write_text(
        "(function (root, factory) {factory({}, root.echarts);}(this, function (exports, echarts) "
        f"{{if (!echarts) {{return;}}echarts.registerMap('{name}', {body});}}));",
        encoding="utf-8",
    )
    return path


def test_read_echarts_js(tmp_path: Path) -> None:
    path = _write_js(tmp_path / "abc.js", "宁明县", encode_fc("Polygon", [SQUARE]))
    out = read_echarts_js(path)
    assert out["name"] == "宁明县"
    assert out["features"][0]["geometry"]["coordinates"] == [_degrees(SQUARE)]


def test_read_echarts_js_without_register_map_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.js"
    path.write_text("console.log('no map here');", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.js") as info:
        read_echarts_js(path)
    assert info.value.file == str(path)


def test_read_echarts_js_bad_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.js"
    path.write_text("echarts.registerMap('x', {\"type\": FeatureCollection});", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.js.*not valid JSON"):
        read_echarts_js(path)


def test_read_echarts_js_bad_geometry_names_the_file(tmp_path: Path) -> None:
    fc = encode_fc("Polygon", [SQUARE])
    fc["features"][0]["geometry"]["coordinates"] = ["@@@"]
    path = _write_js(tmp_path / "odd.js", "x", fc)
    with pytest.raises(ScenarioError, match=r"odd\.js") as info:
        read_echarts_js(path)
    assert info.value.file == str(path)


def test_read_echarts_js_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"missing\.js"):
        read_echarts_js(tmp_path / "missing.js")


# ---------------------------------------------------------------------------
# the real Ningming outline
# ---------------------------------------------------------------------------
def test_real_ningming_area() -> None:
    import numpy as np
    import pyproj
    import shapely
    from shapely.geometry import shape

    fc = read_echarts_js(NINGMING_JS)
    assert fc["name"] == "宁明县"
    geom = shapely.union_all([shape(f["geometry"]) for f in fc["features"]])
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    projected = shapely.transform(
        geom, lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1]))
    )
    area_km2 = shapely.make_valid(projected).area / 1e6
    assert area_km2 == pytest.approx(3710, rel=0.01)
    minx, miny, maxx, maxy = geom.bounds
    assert 106.8 < minx < maxx < 107.8
    assert 21.5 < miny < maxy < 22.5
