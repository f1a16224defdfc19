"""The fast GPX reader (ElementTree) reads a plain file exactly as gpxpy does, and leaves
everything else to gpxpy (``borderwatch.coverage.gpx._parse_gpx``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from borderwatch.coverage.gpx import _gpxpy_tracks, _NotPlain, _parse_gpx, _plain_gpx
from borderwatch.errors import CoverageError

NS11 = 'xmlns="http://www.topografix.com/GPX/1/1" version="1.1"'
NS10 = 'xmlns="http://www.topografix.com/GPX/1/0" version="1.0"'


def gpx(body: str, head: str = NS11) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx {head} creator="t">{body}</gpx>\n'


def pt(lat: str, lon: str, inner: str = "") -> str:
    return f'<trkpt lat="{lat}" lon="{lon}">{inner}</trkpt>'


def t(text: str) -> str:
    return f"<time>{text}</time>"


PLAIN = {
    "plan-like": gpx(
        "<trk><name>T01 平桥村 team</name><desc>loop</desc>"
        "<extensions><color>#E69F00</color></extensions><trkseg>"
        + pt("21.9640939", "106.9334338", t("2026-12-14T20:00:00+08:00"))
        + pt("21.9641493", "106.9349197", t("2026-12-14T20:00:18.400000+08:00"))
        + "</trkseg></trk>",
        NS11 + ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    ),
    "utc, millis, ele, speed, no time": gpx(
        "<trk><name>T02</name><trkseg>"
        + pt("1.5", "2.5", "<ele>120.5</ele>" + t("2026-12-14T12:00:00.123Z") + "<speed>3</speed>")
        + pt(" 1.6 ", "2.6")
        + pt("1.7", "2.7", t("2026-12-14T12:00:02.5Z") + "<sat>7</sat>")
        + "</trkseg><trkseg>"
        + pt("1.8", "2.8", t("2026-12-14T12:05:00Z"))
        + "</trkseg></trk><trk><trkseg>"
        + pt("0", "0", t("2026-12-14T12:00:00Z"))
        + "</trkseg></trk>"
    ),
    "naive times, GPX 1.0, empty name": gpx(
        "<trk><name></name><trkseg>"
        + pt("10", "20", t("2026-12-14T21:00:00"))
        + pt("10.1", "20.1", t("2026-12-14T21:00:30"))
        + "</trkseg></trk>",
        NS10,
    ),
    "no namespace, metadata, negative offset": gpx(
        "<metadata><name>x</name><time>garbage</time></metadata><trk><trkseg>"
        + pt("-33.5", "-70.6", t("2026-12-14T21:00:00-03:00"))
        + "</trkseg></trk>",
        'version="1.1"',
    ),
    "no tracks": gpx(""),
}

PLAIN_BODY = gpx("<trk><trkseg>" + pt("1", "2") + "</trkseg></trk>").split("\n", 1)[1]

NOT_PLAIN = {
    "waypoint": gpx('<wpt lat="1" lon="2"/><trk><trkseg>' + pt("1", "2") + "</trkseg></trk>"),
    "bad elevation": gpx("<trk><trkseg>" + pt("1", "2", "<ele>high</ele>") + "</trkseg></trk>"),
    "spaced time": gpx(
        "<trk><trkseg>" + pt("1", "2", t(" 2026-12-14T12:00:00Z ")) + "</trkseg></trk>"
    ),
    "date only": gpx("<trk><trkseg>" + pt("1", "2", t("2026-12-14")) + "</trkseg></trk>"),
    # found by tests/test_fuzz_parsers.py: gpxpy reads an impossible time as no time
    "month 13": gpx("<trk><trkseg>" + pt("1", "2", t("2026-13-01T00:00:00")) + "</trkseg></trk>"),
    "hour 24": gpx("<trk><trkseg>" + pt("1", "2", t("2026-12-01T24:00:00Z")) + "</trkseg></trk>"),
    "offset 25 h": gpx(
        "<trk><trkseg>" + pt("1", "2", t("2026-12-01T20:00:00+25:00")) + "</trkseg></trk>"
    ),
    "no lat": gpx('<trk><trkseg><trkpt lon="2"/></trkseg></trk>'),
    "lat not a number": gpx("<trk><trkseg>" + pt("north", "2") + "</trkseg></trk>"),
    "other namespace": gpx("<trk/>", 'xmlns="http://example.com/gpx" version="1.1"'),
    "prefixed GPX": '<g:gpx xmlns:g="http://www.topografix.com/GPX/1/1" version="1.1"></g:gpx>',
    "version 2": gpx("<trk/>", 'version="2.0"'),
    "a default namespace below the root": gpx(
        '<trk xmlns="http://example.com/x"><trkseg>' + pt("1", "2") + "</trkseg></trk>",
        'version="1.1"',
    ),
    "another default namespace first": '<!-- xmlns="http://example.com/x" -->' + PLAIN_BODY,
    "not XML": "<gpx><trk>",
    "not GPX": "<kml/>",
    "fix kind": gpx("<trk><trkseg>" + pt("1", "2", "<fix>3d</fix>") + "</trkseg></trk>"),
}


def _same(a: list, b: list) -> None:  # type: ignore[type-arg]
    assert len(a) == len(b)
    for (name_a, segs_a), (name_b, segs_b) in zip(a, b, strict=True):
        assert name_a == name_b
        assert len(segs_a) == len(segs_b)
        for (lon_a, lat_a, ta), (lon_b, lat_b, tb) in zip(segs_a, segs_b, strict=True):
            assert lon_a == lon_b and lat_a == lat_b
            assert [x is None for x in ta] == [x is None for x in tb]
            for x, y in zip(ta, tb, strict=True):
                if x is None:
                    continue
                assert isinstance(x, datetime) and isinstance(y, datetime)
                assert x.replace(tzinfo=None) == y.replace(tzinfo=None)
                assert x.utcoffset() == y.utcoffset()


@pytest.mark.parametrize("case", sorted(PLAIN))
def test_plain_files_read_as_gpxpy_reads_them(case: str) -> None:
    text = PLAIN[case]
    _same(_plain_gpx(text), _gpxpy_tracks(text))


@pytest.mark.parametrize("case", sorted(NOT_PLAIN))
def test_other_files_go_to_gpxpy(case: str) -> None:
    with pytest.raises(_NotPlain):
        _plain_gpx(NOT_PLAIN[case])


def test_written_plan_and_simulated_files_are_plain(tmp_path: Path) -> None:
    """What borderwatch writes (gpxpy for plans, simulate.write_gpx) takes the fast path."""
    import gpxpy.gpx
    import numpy as np

    from borderwatch.log.simulate import TeamTrack, write_gpx
    from borderwatch.planfiles.export import _gpx, _Track

    trk = gpxpy.gpx.GPXTrack(name="T1 one")
    trk.segments.append(gpxpy.gpx.GPXTrackSegment())  # the points are rendered by _Track
    lat = [1.0 + k / 1e4 for k in range(3)]
    times = [datetime(2026, 12, 14, 12, 0, k) for k in range(3)]
    text = _gpx({"T1": _Track(head=trk, lat=lat, lon=[2.0] * 3, times=times)})
    _same(_plain_gpx(text), _gpxpy_tracks(text))
    from zoneinfo import ZoneInfo

    path = tmp_path / "T1.gpx"
    write_gpx(path, TeamTrack("T1 one", np.array([1.8e9, 1.8e9 + 1.5]), np.array([2.0, 2.1]),
                              np.array([1.0, 1.1])), ZoneInfo("Asia/Shanghai"))  # fmt: skip
    text = path.read_text(encoding="utf-8")
    _same(_plain_gpx(text), _gpxpy_tracks(text))


def test_errors_stay_gpxpy_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.gpx"
    path.write_text(NOT_PLAIN["bad elevation"], encoding="utf-8")
    with pytest.raises(CoverageError, match="not a valid GPX file"):
        _parse_gpx(path)
    path.write_text(NOT_PLAIN["not XML"], encoding="utf-8")
    with pytest.raises(CoverageError, match="not a valid GPX file"):
        _parse_gpx(path)
    with pytest.raises(CoverageError, match="cannot read GPX file"):
        _parse_gpx(tmp_path / "absent.gpx")


def test_plain_reading_is_not_remembered() -> None:
    """No module-level cache: each call parses, and a file not plain is left to gpxpy."""
    from borderwatch.coverage.gpx import plain_gpx

    text = PLAIN["utc, millis, ele, speed, no time"]
    first = plain_gpx(text)
    assert first is not None and plain_gpx(text) == first and plain_gpx(text) is not first
    assert plain_gpx(NOT_PLAIN["waypoint"]) is None
