"""Fuzzing every input parser (issue #22): a BorderwatchError or a valid result, never another exception.

Each test builds a mostly valid document and breaks it in drawn ways (hostile
values, missing and unknown keys, wrong types, cut or spliced text), then reads
it with the parser as the command line does. The number of examples comes from
the Hypothesis profile (tests/conftest.py): a few dozen by default, 10,000 per
parser in CI (``HYPOTHESIS_PROFILE=ci``, set by .ci/run); examples are
derandomised, so a failure repeats.

Parsers: OSM XML (data/roads.py: the size scan, the SAX read and the clean-up
before osmnx), GPX (coverage/gpx.py: the whole replay on the toy network), the
CSVs (checkpoints, teams, incidents, people), TOML config (config.py), batch
specs (batch/spec.py) and plan.json (planfiles/planfile.py).
"""

from __future__ import annotations

import copy
import json
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderwatch.config import SearchParams
from borderwatch.errors import BorderwatchError

pytestmark = pytest.mark.filterwarnings("ignore")

# one folder for the whole module: a fresh file name per example
_DIR = Path(tempfile.mkdtemp(prefix="borderwatch-fuzz-"))
_COUNT = iter(range(10**9))

# values that broke readers before, or might
HOSTILE_TEXT = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e-320",
    "-1",
    "0",
    "95",
    "200",
    "-0",
    "25:00",
    "24:00",
    "20:00",
    "06:00",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "../x",
    "/etc/passwd",
    "CON",
    "T1",
    "T01",
    "a,b",
    '"',
    "=1+1",
    "\x00",
    "\u202e",
    "💥",
    "x" * 300,
    "1,5",
    "０",
    "٣",
    "true",
    "[]",
    "{}",
]
TOML_SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=12),
    st.dates(),
)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=12),
)


def _values(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    )


# built once: a strategy built per draw costs more than the parsers
TOML_VALUES = _values(TOML_SCALARS)
JSON_VALUES = _values(JSON_SCALARS)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


def _set(doc: Any, path: tuple[Any, ...], change: Callable[[Any], None]) -> Any:
    """A copy of ``doc`` whose containers along ``path`` are copied and ``change``d at its end."""
    top = copy.copy(doc)
    node = top
    for key in path[:-1]:
        if not isinstance(node, dict | list):
            return doc  # an earlier change replaced a container on the way by a value
        try:
            child = copy.copy(node[key])
        except (KeyError, IndexError, TypeError):
            return doc  # an earlier change removed the way there
        node[key] = child
        node = child
    if isinstance(node, dict | list):
        change(node)
    return top


@st.composite
def mutated(draw: st.DrawFn, base: Any, values: st.SearchStrategy[Any]) -> Any:
    """``base`` with 1-4 drawn changes: a value replaced, a key dropped or added, a type changed.

    Only the containers on a changed path are copied (plan.json is large).
    """
    paths = _PATHS.setdefault(id(base), [p for p in _paths(base) if p])
    doc = base
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        value = draw(values)
        key = path[-1]
        extra = draw(st.text(max_size=8)) if action == "add" else ""

        def change(
            node: Any, action: str = action, key: Any = key, value: Any = value, extra: str = extra
        ) -> None:
            try:
                if action == "replace":
                    node[key] = value
                elif action == "drop":
                    del node[key]
                elif isinstance(node, dict):
                    node[extra] = value
                else:
                    node.append(value)
            except (KeyError, IndexError, TypeError):
                pass  # the key went with an earlier change

        doc = _set(doc, path, change)
    return doc


_PATHS: dict[int, list[tuple[Any, ...]]] = {}


def _file(suffix: str, content: str | bytes) -> Path:
    path = _DIR / f"f{next(_COUNT)}{suffix}"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    return path


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _read(parse: Callable[[], Any]) -> Any:
    """Run ``parse``: a BorderwatchError is a fine answer, any other exception fails the test."""
    try:
        with _quiet():
            return parse()
    except BorderwatchError as err:
        assert str(err)  # the message names something
        return None


@st.composite
def text_damage(draw: st.DrawFn, text: str) -> str:
    """``text`` cut, with a slice repeated or a drawn snippet spliced in (or as it was)."""
    kind = draw(st.sampled_from(["none", "cut", "splice", "repeat"]))
    if kind == "none" or not text:
        return text
    i = draw(st.integers(0, len(text)))
    if kind == "cut":
        return text[:i]
    if kind == "repeat":
        j = draw(st.integers(i, min(len(text), i + 200)))
        return text[:j] + text[i:j] + text[j:]
    return (
        text[:i] + draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20))) + text[i:]
    )


FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------------------------------------
# OSM XML
# ---------------------------------------------------------------------------------------------
ATTR = st.one_of(
    st.sampled_from(HOSTILE_TEXT), st.from_regex(r"-?\d{1,3}(\.\d{1,7})?", fullmatch=True)
)
HIGHWAY = st.sampled_from(["track", "unclassified", "residential", "path", "motorway", "", "x"])


@st.composite
def osm_xml(draw: st.DrawFn) -> str:
    n = draw(st.integers(0, 8))
    ids = draw(st.lists(st.integers(-2, 12), min_size=n, max_size=n))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for nid in ids:
        lat = draw(st.one_of(ATTR, st.just(f"{22 + draw(st.floats(0, 0.05)):.6f}")))
        lon = draw(st.one_of(ATTR, st.just(f"{107 + draw(st.floats(0, 0.05)):.6f}")))
        lines.append(f'<node id="{nid}" lat="{lat}" lon="{lon}"/>')
    for _w in range(draw(st.integers(0, 4))):
        refs = draw(
            st.lists(st.one_of(st.integers(-2, 14), st.sampled_from(HOSTILE_TEXT)), max_size=6)
        )
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        tags = "".join(
            f'<tag k="{k}" v="{v}"/>'
            for k, v in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(
                            ["highway", "maxspeed", "oneway", "access", "name", "ford"]
                        ),
                        st.one_of(HIGHWAY, st.sampled_from(HOSTILE_TEXT)),
                    ),
                    max_size=3,
                )
            )
        )
        wid = draw(st.one_of(st.integers(0, 5), st.sampled_from(HOSTILE_TEXT)))
        lines.append(f'<way id="{wid}">{body}{tags}</way>')
    lines.append("</osm>")
    xml = "\n".join(lines).replace("&", "&amp;").replace('<tag k="name" v="""/>', "")
    return draw(text_damage(xml))


@FUZZ
@given(osm_xml(), st.sampled_from([".osm", ".osm.gz", ".osm.bz2"]))
def test_osm_xml_reader(xml: str, suffix: str) -> None:
    import bz2
    import gzip

    from borderwatch.data import roads
    from borderwatch.limits import Limits

    raw = xml.encode("utf-8", errors="surrogatepass")
    data = (
        gzip.compress(raw)
        if suffix == ".osm.gz"
        else bz2.compress(raw)
        if suffix.endswith("bz2")
        else raw
    )
    path = _file(suffix, data)

    def parse() -> Any:
        roads._scan_xml(path, Limits(osm_nodes=6, osm_ways=3))
        data = roads._parse_xml(path)
        nodes, ways, stats = roads._clean(data)
        roads._report(data, stats)
        return nodes, ways

    got = _read(parse)
    if got is not None:
        nodes, ways = got
        for _nid, (lat, lon, _tags) in nodes.items():
            assert -90 <= lat <= 90 and -180 <= lon <= 180
        assert all(len(refs) >= 2 for _wid, refs, _tags in ways)


# ---------------------------------------------------------------------------------------------
# GPX
# ---------------------------------------------------------------------------------------------
TIMES = st.one_of(
    st.sampled_from(
        [
            "2026-01-05T21:00:00",
            "2026-01-05T21:00:00Z",
            "2026-01-05T21:00:00+08:00",
            "2026-01-05T13:00:00",
            "1970-01-01T00:00:00",
            "9999-12-31T23:59:59",
            "0001-01-01T00:00:00Z",
            "2026-13-01T00:00:00",
            "",
            "nan",
            "21:00",
        ]
    ),
    st.datetimes(
        min_value=__import__("datetime").datetime(2026, 1, 5, 18),
        max_value=__import__("datetime").datetime(2026, 1, 6, 8),
    ).map(lambda t: t.isoformat()),
)


@st.composite
def gpx_doc(draw: st.DrawFn) -> str:
    parts = ['<?xml version="1.0"?><gpx version="1.1" creator="fuzz">']
    for _ in range(draw(st.integers(0, 3))):
        name = draw(
            st.one_of(st.sampled_from(["T1", "T1 west", "", "T9", "T1\x00"]), st.text(max_size=6))
        )
        parts.append(f"<trk><name>{name}</name>")
        for _ in range(draw(st.integers(0, 2))):
            parts.append("<trkseg>")
            for _ in range(draw(st.integers(0, 6))):
                lat = draw(st.one_of(ATTR, st.floats(22.0, 22.1).map(lambda x: f"{x:.6f}")))
                lon = draw(st.one_of(ATTR, st.floats(107.0, 107.1).map(lambda x: f"{x:.6f}")))
                t = draw(st.one_of(st.none(), TIMES))
                when = "" if t is None else f"<time>{t}</time>"
                parts.append(f'<trkpt lat="{lat}" lon="{lon}">{when}</trkpt>')
            parts.append("</trkseg>")
        parts.append("</trk>")
    parts.append("</gpx>")
    text = "".join(parts).replace("&", "&amp;")
    return draw(text_damage(text))


@FUZZ
@given(gpx_doc())
def test_gpx_reader(toy_net, doc: str) -> None:
    from borderwatch.coverage.gpx import read_gpx_tracks

    path = _file(".gpx", doc)
    got = _read(lambda: read_gpx_tracks(toy_net, [(None, path)]))
    if got is not None:
        for track in got.tracks:
            assert track.team == "T1"
            for ts, lon, lat in track.segments:
                assert np.isfinite(ts).all() and (np.abs(lat) <= 90).all()
                assert (np.abs(lon) <= 180).all()


# the whole replay (window, strays, passes) costs ~40 ms an example: a thirtieth of the count
REPLAY = settings(FUZZ, max_examples=max(20, settings.default.max_examples // 30))


@REPLAY
@given(gpx_doc())
def test_gpx_replay(toy_net, doc: str) -> None:
    from borderwatch.coverage.gpx import timeline_from_gpx

    path = _file(".gpx", doc)
    tl = _read(lambda: timeline_from_gpx(toy_net, path))
    if tl is not None:
        assert tl.window_min > 0
        assert set(tl.teams) <= {"T1"}
        assert tl.sightings["t"].between(0, tl.window_min).all()


# ---------------------------------------------------------------------------------------------
# CSVs
# ---------------------------------------------------------------------------------------------
CSV_CELL = st.one_of(
    st.sampled_from(HOSTILE_TEXT), st.text(max_size=8), st.just("22.04"), st.just("107.02")
)


@st.composite
def csv_text(draw: st.DrawFn, header: list[str], good: list[str]) -> str:
    cols = draw(
        st.one_of(
            st.just(header),
            st.permutations(header),
            st.lists(st.sampled_from([*header, "x"]), max_size=8),
        )
    )
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        row = [
            draw(st.one_of(st.just(good[header.index(c)] if c in header else ""), CSV_CELL))
            for c in cols
        ]
        if draw(st.booleans()):
            row = row[: draw(st.integers(0, len(row)))]
        rows.append(",".join(row))
    text = "\n".join([",".join(cols), *rows]) + "\n"
    return draw(text_damage(text))


CHECKPOINTS = (
    ["id", "name", "lon", "lat", "township", "kind", "radius_m"],
    ["CP1", "Post", "107.01", "22.04", "Aidian", "border_road", "1000"],
)
TEAMS = (
    ["id", "name", "base_lon", "base_lat", "vehicle", "crew", "township"],
    ["T1", "One", "107.05", "22.02", "pickup", "5", "Aidian"],
)
INCIDENTS = (["lon", "lat", "date", "kind"], ["107.01", "22.04", "2025-03-01", "smuggling"])
PEOPLE = (
    ["id", "name", "role", "team", "township", "leave", "source"],
    ["P1", "Li", "team_member", "T1", "", "2026-01-01..2026-01-03", "x"],
)


@FUZZ
@given(
    st.sampled_from(["checkpoints", "teams", "incidents", "people"]).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            csv_text(
                *{
                    "checkpoints": CHECKPOINTS,
                    "teams": TEAMS,
                    "incidents": INCIDENTS,
                    "people": PEOPLE,
                }[kind]
            ),
        )
    ),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_csv_readers(kind_text: tuple[str, str], encoding: str) -> None:
    from borderwatch.config import PlanConfig
    from borderwatch.data import load
    from borderwatch.roster.people import load_people

    kind, text = kind_text
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8", errors="surrogatepass")
    path = _file(".csv", raw)
    readers: dict[str, Callable[[], Any]] = {
        "checkpoints": lambda: load._read_checkpoints(path),
        "teams": lambda: load._read_teams(path, PlanConfig()),
        "incidents": lambda: load._read_incidents(path),
        "people": lambda: load_people(path),
    }
    got = _read(readers[kind])
    if got is not None and kind != "people":
        assert got.geometry.x.between(-180, 180).all() and got.geometry.y.between(-90, 90).all()


# ---------------------------------------------------------------------------------------------
# TOML: config files and batch specs
# ---------------------------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items())
            + "}"
        )
    return json.dumps(str(value))


def _toml(doc: dict[str, Any]) -> str:
    lines = [
        f"{json.dumps(str(k))} = {_toml_value(v)}"
        for k, v in doc.items()
        if not isinstance(v, dict)
    ]
    for k, v in doc.items():
        if isinstance(v, dict):
            lines.append(f"[{json.dumps(str(k))}]")
            lines.extend(f"{json.dumps(str(kk))} = {_toml_value(vv)}" for kk, vv in v.items())
    return "\n".join(lines) + "\n"


CONFIG_BASE = {
    "night": {"start": "20:00", "end": "06:00"},
    "defaults": {
        "unit_length_m": 250.0,
        "checkpoint_radius_m": 1500,
        "seed": 0,
        "gpx_off_road_m": 500.0,
        "profiles": {"quad": {"track": 30, "path": 15}},
    },
    "targets": {"max_response_min": 30, "max_revisit_min": 120},
    "limits": {"osm_nodes": 1000, "file_mb": 10.5},
}


@FUZZ
@given(mutated(CONFIG_BASE, TOML_VALUES), st.booleans())
def test_config_reader(doc: dict[str, Any], as_text: bool) -> None:
    from borderwatch.config import PlanConfig, load_config, plan_options

    if as_text:
        text = _toml(doc)
        got = _read(lambda: load_config(_file(".toml", text)))
    else:
        got = _read(lambda: plan_options(doc).to_config())
    if got is not None:
        assert isinstance(got, PlanConfig)
        assert 0 < got.night_minutes < 24 * 60


@FUZZ
@given(st.text(max_size=200).map(lambda t: "[night]\n" + t))
def test_config_reader_raw_text(text: str) -> None:
    from borderwatch.config import load_config

    _read(lambda: load_config(_file(".toml", text)))


SPEC_BASE = {
    "job": "plan",
    "max_iterations": 50,
    "time_limit_s": 10.0,
    "night": "2026-01-05",
    "scenario": [{"name": "ningming"}, {"generate": {"border_km": 20, "seed": 3}, "label": "g20"}],
    "config": {"unit_length_m": 250.0},
    "grid": {"n_teams": [4, 6], "max_revisit_min": [90, 120]},
    "limits": {"batch_tasks": 100, "border_km": 500},
}


@FUZZ
@given(mutated(SPEC_BASE, TOML_VALUES))
def test_batch_spec_reader(doc: dict[str, Any]) -> None:
    from borderwatch.batch.spec import BatchSpec, parse_spec

    got = _read(lambda: parse_spec(doc, base_dir=_DIR))
    if got is not None:
        assert isinstance(got, BatchSpec)
        assert got.n_tasks >= 1


# ---------------------------------------------------------------------------------------------
# plan.json
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plan_doc(toy_net, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from borderwatch.jobs import run_plan

    out = tmp_path_factory.mktemp("plan") / "p"
    with _quiet():
        run_plan(
            toy_net,
            out,
            night=date(2026, 1, 5),
            map_html=False,
            search=SearchParams(max_iterations=20, seed=0),
        )
    doc: dict[str, Any] = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    return doc


def test_plan_doc_fixture_reads(plan_doc: dict[str, Any]) -> None:
    from borderwatch.planfiles.planfile import PlanFile

    assert PlanFile.from_dict(plan_doc).teams


@FUZZ
@given(data=st.data())
def test_plan_json_reader(plan_doc: dict[str, Any], data: st.DataObject) -> None:
    from borderwatch.planfiles.planfile import PlanFile

    doc = data.draw(mutated(plan_doc, JSON_VALUES))
    if data.draw(st.booleans()):
        text = data.draw(text_damage(json.dumps(doc, allow_nan=True)))
        got = _read(lambda: PlanFile.read(_file(".json", text)))
    else:
        got = _read(lambda: PlanFile.from_dict(doc))
    if got is not None:
        assert got.night_window.minutes() > 0
