"""Read ECharts map files: compressed GeoJSON inside an ``echarts.registerMap`` call.

ECharts ships its map outlines as GeoJSON whose coordinates are packed into
strings (``"UTF8Encoding": true``). Each ring (or line) is a string plus an
``encodeOffsets`` pair ``(x0, y0)``. The string is read two characters at a
time: from each character code subtract 64, zigzag-decode
(``(v >> 1) ^ -(v & 1)``) and add it to the running x, then y. The running
values start at the offsets, so the first point is the offsets *plus* the first
pair of deltas. Dividing by the scale (``UTF8Scale``, 1024 unless given) gives
degrees. This module undoes that packing and returns plain GeoJSON.

Examples
--------
>>> fc = {
...     "type": "FeatureCollection",
...     "UTF8Encoding": True,
...     "features": [{
...         "type": "Feature",
...         "properties": {"name": "a"},
...         "geometry": {"type": "LineString", "coordinates": "@@BB",
...                      "encodeOffsets": [1024, 2048]},
...     }],
... }
>>> decode_echarts_geojson(fc)["features"][0]["geometry"]["coordinates"]
[[1.0, 2.0], [1.0009765625, 2.0009765625]]
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from borderwatch.errors import ScenarioError

__all__ = ["decode_echarts_geojson", "read_echarts_js"]

#: Default ECharts coordinate scale: units per degree.
_DEFAULT_SCALE = 1024

#: Nesting depth of the encoded strings in ``coordinates`` per geometry type.
#: 0 means ``coordinates`` itself is one encoded string.
_DEPTH = {"LineString": 0, "MultiLineString": 1, "Polygon": 1, "MultiPolygon": 2}

_REGISTER_RE = re.compile(r"registerMap\s*\(\s*(?P<q>['\"])(?P<name>.*?)(?P=q)\s*,\s*")


def _decode_string(
    encoded: Any, offsets: Any, scale: float, *, file: str | None, field: str
) -> list[list[float]]:
    """Decode one encoded ring or line into ``[[lon, lat], ...]``."""
    if not isinstance(encoded, str):
        raise ScenarioError(
            "an encoded ring must be a string", file=file, field=field, value=encoded
        )
    if len(encoded) % 2:
        raise ScenarioError(
            f"an encoded ring must have an even number of characters, got {len(encoded)}",
            file=file,
            field=field,
            value=encoded,
        )
    if (
        not isinstance(offsets, list | tuple)
        or len(offsets) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in offsets)
    ):
        raise ScenarioError(
            "encodeOffsets must be a pair of integers [x0, y0]",
            file=file,
            field=field.replace("coordinates", "encodeOffsets"),
            value=offsets,
        )
    x, y = int(offsets[0]), int(offsets[1])
    out: list[list[float]] = []
    for i in range(0, len(encoded), 2):
        dx = ord(encoded[i]) - 64
        dy = ord(encoded[i + 1]) - 64
        if dx < 0 or dy < 0:
            raise ScenarioError(
                f"character code below 64 at position {i} of an encoded ring",
                file=file,
                field=field,
                value=encoded[i : i + 2],
            )
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        out.append([x / scale, y / scale])
    return out


def _decode_nested(
    coords: Any, offsets: Any, depth: int, scale: float, *, file: str | None, field: str
) -> Any:
    """Walk ``coords`` and ``offsets`` in step down to the encoded strings."""
    if depth == 0:
        return _decode_string(coords, offsets, scale, file=file, field=field)
    if not isinstance(coords, list) or not isinstance(offsets, list):
        raise ScenarioError(
            "coordinates and encodeOffsets must be nested lists of the same shape",
            file=file,
            field=field,
            value=coords if not isinstance(coords, list) else offsets,
        )
    if len(coords) != len(offsets):
        raise ScenarioError(
            f"coordinates has {len(coords)} parts but encodeOffsets has {len(offsets)}",
            file=file,
            field=field,
            value=len(offsets),
        )
    return [
        _decode_nested(c, o, depth - 1, scale, file=file, field=f"{field}[{i}]")
        for i, (c, o) in enumerate(zip(coords, offsets, strict=True))
    ]


def _decode_geometry(
    geom: Any, scale: float, *, file: str | None, field: str
) -> dict[str, Any] | None:
    if geom is None:
        return None
    if not isinstance(geom, dict):
        raise ScenarioError("a geometry must be an object", file=file, field=field, value=geom)
    gtype = geom.get("type")
    if gtype == "GeometryCollection":
        parts = geom.get("geometries")
        if not isinstance(parts, list):
            raise ScenarioError(
                "a GeometryCollection needs a list of geometries",
                file=file,
                field=f"{field}.geometries",
                value=parts,
            )
        return {
            "type": gtype,
            "geometries": [
                _decode_geometry(g, scale, file=file, field=f"{field}.geometries[{i}]")
                for i, g in enumerate(parts)
            ],
        }
    if gtype in ("Point", "MultiPoint"):
        # ECharts never encodes points; pass them through.
        return {k: v for k, v in geom.items() if k != "encodeOffsets"}
    if gtype not in _DEPTH:
        raise ScenarioError(
            "unknown geometry type; allowed: Point, MultiPoint, LineString, "
            "MultiLineString, Polygon, MultiPolygon, GeometryCollection",
            file=file,
            field=f"{field}.type",
            value=gtype,
        )
    if "coordinates" not in geom:
        raise ScenarioError(
            "geometry has no coordinates", file=file, field=f"{field}.coordinates", value=None
        )
    if "encodeOffsets" not in geom:
        raise ScenarioError(
            "encoded geometry has no encodeOffsets",
            file=file,
            field=f"{field}.encodeOffsets",
            value=None,
        )
    coords = _decode_nested(
        geom["coordinates"],
        geom["encodeOffsets"],
        _DEPTH[gtype],
        scale,
        file=file,
        field=f"{field}.coordinates",
    )
    return {"type": gtype, "coordinates": coords}


def decode_echarts_geojson(
    obj: dict[str, Any], *, file: str | Path | None = None
) -> dict[str, Any]:
    """Decode an ECharts-compressed GeoJSON FeatureCollection.

    Parameters
    ----------
    obj
        The object passed to ``echarts.registerMap``: a FeatureCollection,
        usually with ``"UTF8Encoding": true`` and per-geometry
        ``encodeOffsets``. Not modified.
    file
        The file ``obj`` came from, named in error messages.

    Returns
    -------
    dict
        A new plain GeoJSON FeatureCollection (lon/lat degrees), without
        ``UTF8Encoding``, ``UTF8Scale`` or ``encodeOffsets``. Feature ids and
        properties are copied. If ``obj`` is not encoded (no ``UTF8Encoding`` or
        it is false), a deep copy is returned unchanged.

    Raises
    ------
    ScenarioError
        If ``obj`` is not a FeatureCollection, or a geometry is malformed (odd
        string length, character below ``@``, offsets missing or of the wrong
        shape, unknown geometry type).
    """
    where = None if file is None else str(file)
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        got = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
        raise ScenarioError(
            "expected a GeoJSON FeatureCollection", file=where, field="type", value=got
        )
    features = obj.get("features")
    if not isinstance(features, list):
        raise ScenarioError(
            "a FeatureCollection needs a list of features",
            file=where,
            field="features",
            value=features,
        )
    if not obj.get("UTF8Encoding"):
        return copy.deepcopy(obj)
    scale = obj.get("UTF8Scale", _DEFAULT_SCALE)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0:
        raise ScenarioError(
            "UTF8Scale must be a positive number", file=where, field="UTF8Scale", value=scale
        )
    out_features = []
    for i, feat in enumerate(features):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise ScenarioError(
                "expected a GeoJSON Feature", file=where, field=f"features[{i}]", value=feat
            )
        new = {k: copy.deepcopy(v) for k, v in feat.items() if k != "geometry"}
        new["geometry"] = _decode_geometry(
            feat.get("geometry"), float(scale), file=where, field=f"features[{i}].geometry"
        )
        out_features.append(new)
    out = {
        k: copy.deepcopy(v)
        for k, v in obj.items()
        if k not in ("features", "UTF8Encoding", "UTF8Scale")
    }
    out["features"] = out_features
    return out


def read_echarts_js(path: str | Path) -> dict[str, Any]:
    """Read an ECharts map script and return its decoded FeatureCollection.

    Parameters
    ----------
    path
        A ``.js`` file that calls ``echarts.registerMap(name, {...})`` (the UMD
        wrapper that ECharts map packages use), or a bare JSON file holding the
        FeatureCollection.

    Returns
    -------
    dict
        The plain GeoJSON FeatureCollection. When the file names the map, the
        name is stored under the top-level key ``"name"`` (unless the
        collection already has one).

    Raises
    ------
    ScenarioError
        If the file cannot be read, holds no ``registerMap`` call, its object is
        not valid JSON, or the geometry is malformed.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the ECharts map file: {exc}", file=path) from exc
    match = _REGISTER_RE.search(text)
    name: str | None = None
    if match is not None:
        name = match.group("name")
        start = match.end()
    else:
        start = len(text) - len(text.lstrip())
        if not text[start:].startswith("{"):
            raise ScenarioError(
                "no echarts.registerMap(name, {...}) call and not a JSON object",
                file=path,
                field="registerMap",
                value=text[:40],
            )
    try:
        obj, _ = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"the map object is not valid JSON: {exc.msg} at character {exc.pos}",
            file=path,
            field="registerMap",
            value=text[exc.pos : exc.pos + 20],
        ) from exc
    out = decode_echarts_geojson(obj, file=path)
    if name is not None:
        out.setdefault("name", name)
    return out
