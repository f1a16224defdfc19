"""GPX clocks and places (issue #22): zone-less times, tracks of another night, off-road fixes, bad coordinates, DST."""

from __future__ import annotations

import dataclasses
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from borderwatch.coverage.gpx import _aware_times, timeline_from_gpx
from borderwatch.errors import BorderwatchWarning, CoverageError, InputLimitError
from borderwatch.limits import Limits
from borderwatch.planfiles.reload import _snap
from tests.helpers import DLAT_KM, DLON_KM, LAT_BORDER, LON0

ROAD_LAT = LAT_BORDER - 0.5 * DLAT_KM  # the toy's border road


def _points(start: datetime, n: int = 20, *, step_min: float = 1.0, lat: float = ROAD_LAT) -> list:
    """``n`` fixes eastwards along the border road, one a minute (500 m a minute)."""
    return [
        (LON0 + 0.5 * DLON_KM * i, lat, start + timedelta(minutes=step_min * i)) for i in range(n)
    ]


def _gpx(path: Path, tracks: dict[str, list], *, fmt: str = "%Y-%m-%dT%H:%M:%S%z") -> Path:
    body = []
    for name, pts in tracks.items():
        body.append(f"<trk><name>{name}</name><trkseg>")
        for lon, lat, t in pts:
            when = t.strftime(fmt) if isinstance(t, datetime) else t
            body.append(f'<trkpt lat="{lat}" lon="{lon}"><time>{when}</time></trkpt>')
        body.append("</trkseg></trk>")
    path.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="test">' + "".join(body) + "</gpx>",
        encoding="utf-8",
    )
    return path


def _naive(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = datetime(2026, 1, 5, 20, 0, tzinfo=SHANGHAI)


def test_times_without_a_zone_are_local_time_with_one_warning(toy_net, tmp_path: Path) -> None:
    start = NIGHT + timedelta(hours=3)  # 23:00 local
    aware = timeline_from_gpx(toy_net, _gpx(tmp_path / "a.gpx", {"T1": _points(start)}))
    naive_pts = [(x, y, _naive(t)) for x, y, t in _points(start)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        naive = timeline_from_gpx(toy_net, _gpx(tmp_path / "n.gpx", {"T1": naive_pts}))
    said = [str(w.message) for w in caught if issubclass(w.category, BorderwatchWarning)]
    assert said == [
        "20 of 20 GPX track points (n.gpx) carry a time without a zone (no Z or offset): read as "
        "local time in the scenario's zone Asia/Shanghai, not as UTC; write the times with their "
        "offset to be sure"
    ]
    assert len(aware.sightings) > 0
    assert naive.sightings.equals(aware.sightings)  # not shifted by 8 h


def test_the_same_clock_read_as_utc_lies_outside_the_night_and_is_refused(
    toy_net, tmp_path: Path
) -> None:
    # 23:00 written as UTC is 07:00 in Shanghai: after the night; the track is refused, not
    # silently counted as nothing driven
    pts = [(x, y, _naive(t) + "Z") for x, y, t in _points(NIGHT + timedelta(hours=3))]
    with pytest.raises(CoverageError) as err:
        timeline_from_gpx(toy_net, _gpx(tmp_path / "z.gpx", {"T1": pts}))
    assert str(err.value) == (
        f"{tmp_path / 'z.gpx'}, field 'trkpt', value 'T1': T1 (z.gpx track 1 ('T1')): 20 of 20 "
        "points outside the night 2026-01-06 20:00-06:00 Asia/Shanghai (track 2026-01-06 "
        "07:00-07:19), 0 more than 500 m from any road: 100% of the track is outside the night "
        "or off road, more than [defaults] gpx_max_stray_share = 0.5; is it a track of another "
        "night or day, or is the logger's clock or zone wrong? (give --night for another night, "
        "or raise the share)"
    )


def test_a_midday_track_beside_the_nights_tracks_is_reported(toy_net, tmp_path: Path) -> None:
    night = _gpx(tmp_path / "night.gpx", {"T1": _points(NIGHT + timedelta(hours=2), n=40)})
    midday = _gpx(tmp_path / "midday.gpx", {"T1 noon": _points(NIGHT - timedelta(hours=8))})
    with pytest.raises(
        CoverageError,
        match=r"T1 \(midday.gpx track 1 \('T1 noon'\)\): 20 of 20 points outside the night 2026-01-05 20:00-06:00",
    ):
        timeline_from_gpx(toy_net, [night, midday])
    # the night's own track alone: fine, and the window is that night's (median point)
    tl = timeline_from_gpx(toy_net, [night])
    assert tl.window_min == 600.0
    assert tl.sightings["t"].between(120, 160).all()


def test_a_track_partly_outside_the_night_and_off_road_is_counted(toy_net, tmp_path: Path) -> None:
    pts = _points(NIGHT - timedelta(minutes=5), n=20)  # 5 fixes before 20:00
    far = [(x, LAT_BORDER + 20 * DLAT_KM, t + timedelta(seconds=30)) for x, _, t in pts[10:13]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tl = timeline_from_gpx(toy_net, _gpx(tmp_path / "p.gpx", {"T1 evening": pts + far}))
    said = [str(w.message) for w in caught if "not counted" in str(w.message)]
    assert said == [
        "GPX points not counted as patrol: T1 (p.gpx track 1 ('T1 evening')): 5 of 23 points "
        "outside the night 2026-01-05 20:00-06:00 Asia/Shanghai (track 2026-01-05 19:55-20:14), "
        "3 more than 500 m from any road"
    ]
    assert len(tl.sightings) > 0


def test_the_stray_share_and_off_road_distance_are_options(toy_net, tmp_path: Path) -> None:
    pts = _points(NIGHT - timedelta(minutes=5), n=20)
    strict = dataclasses.replace(toy_net, config=toy_net.config.replace(gpx_max_stray_share=0.1))
    with pytest.raises(CoverageError, match=r"25% of the track .* gpx_max_stray_share = 0.1"):
        timeline_from_gpx(strict, _gpx(tmp_path / "s.gpx", {"T1": pts}))
    north = [(x, ROAD_LAT + 0.3 * DLAT_KM, t) for x, _, t in _points(NIGHT + timedelta(hours=1))]
    near = dataclasses.replace(toy_net, config=toy_net.config.replace(gpx_off_road_m=100.0))
    with pytest.raises(
        CoverageError, match=r"0 of 20 points outside .*, 19 more than 100 m from any road"
    ):
        timeline_from_gpx(near, _gpx(tmp_path / "o.gpx", {"T1": north}))


@pytest.mark.parametrize(
    "lat,lon,field,what",
    [
        ("nan", "107.01", "lat", "not a number"),
        ("95", "107.01", "lat", "out of range -90..90"),
        ("22.04", "200", "lon", "out of range -180..180"),
        ("22.04", "inf", "lon", "not a number"),
    ],
)
def test_coordinates_out_of_range_name_file_track_and_point(
    toy_net, tmp_path: Path, lat: str, lon: str, field: str, what: str
) -> None:
    pts = [(x, y, t) for x, y, t in _points(NIGHT + timedelta(hours=1), n=3)]
    pts[2] = (lon, lat, pts[2][2])
    with pytest.raises(CoverageError) as err:
        timeline_from_gpx(toy_net, _gpx(tmp_path / "bad.gpx", {"T1 west": pts}))
    assert str(err.value).startswith(f"{tmp_path / 'bad.gpx'}, field {field!r}, value ") and str(
        err.value
    ).endswith(f": bad.gpx track 1 ('T1 west'), point 3: {field} is {what}")


def test_gpx_point_limit_counted_before_the_parse(toy_net, tmp_path: Path) -> None:
    small = dataclasses.replace(toy_net, config=toy_net.config.replace(limits=Limits(gpx_points=5)))
    path = _gpx(tmp_path / "big.gpx", {"T1": _points(NIGHT + timedelta(hours=1))})
    with pytest.raises(
        InputLimitError,
        match=r"GPX track points: more than 5 exceeds the limit of 5 \(limits.gpx_points\)",
    ):
        timeline_from_gpx(small, path)


def test_a_last_fix_far_from_any_road_is_no_position(toy_net) -> None:
    lon, lat = LON0 + 5 * DLON_KM, LAT_BORDER + 10 * DLAT_KM  # 10 km north of the border
    when = datetime(2026, 1, 5, 18, 10, tzinfo=UTC)
    with pytest.raises(CoverageError) as err:
        _snap(toy_net, "T1", lon, lat, when)
    assert str(err.value) == (
        "field 'gpx', value 'T1': the last GPS fix of team T1 before the cut at 02:10 "
        f"(lon {lon:.5f}, lat {lat:.5f}) is 10.5 km from the nearest road, more than [defaults] "
        "gpx_off_road_m = 500: where the team is is not known; check the track, or leave it out "
        "and give the team's position another way"
    )
    assert _snap(toy_net, "T1", LON0 + 5 * DLON_KM, ROAD_LAT) >= 0


BERLIN = ZoneInfo("Europe/Berlin")


def test_local_times_stay_monotonic_across_the_autumn_change() -> None:
    # 2026-10-25: 03:00 CEST -> 02:00 CET; a logger on local time writes 02:00-02:59 twice
    first = [datetime(2026, 10, 25, 1, 50) + timedelta(minutes=10 * i) for i in range(7)]
    again = [datetime(2026, 10, 25, 2, 0) + timedelta(minutes=10 * i) for i in range(8)]
    wall = first + again  # 01:50 ... 02:50 (CEST), 02:00 ... 03:10 (CET)
    times, naive = _aware_times(wall, BERLIN)
    seconds = np.array([t.timestamp() for t in times])
    assert naive == len(wall)
    assert (np.diff(seconds) > 0).all()
    assert np.allclose(np.diff(seconds), 600.0)  # ten minutes apart, no hour jump back


def test_local_times_across_the_spring_change_have_no_hole() -> None:
    # 2026-03-29: 02:00 CET -> 03:00 CEST; wall clocks 01:50, 03:00, 03:10 are 10 minutes apart
    wall = [datetime(2026, 3, 29, 1, 50), datetime(2026, 3, 29, 3, 0), datetime(2026, 3, 29, 3, 10)]
    times, _ = _aware_times(wall, BERLIN)
    assert np.diff([t.timestamp() for t in times]).tolist() == [600.0, 600.0]


@pytest.fixture(scope="module")
def berlin_net(tmp_path_factory: pytest.TempPathFactory):
    from borderwatch import build_network, load_scenario
    from tests.helpers import write_toy_scenario

    folder = write_toy_scenario(tmp_path_factory.mktemp("b") / "toy")
    toml = folder / "scenario.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("Asia/Shanghai", "Europe/Berlin"),
        encoding="utf-8",
    )
    return build_network(load_scenario(folder))


@pytest.mark.parametrize(
    "night,minutes", [((2026, 10, 24), 660.0), ((2026, 3, 28), 540.0), ((2026, 1, 5), 600.0)]
)
def test_the_window_of_a_dst_night_has_its_wall_clock_length(
    berlin_net, tmp_path: Path, night: tuple[int, int, int], minutes: float
) -> None:
    start = datetime(*night, 23, 0)
    pts = [(x, y, _naive(t)) for x, y, t in _points(start)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderwatchWarning)
        tl = timeline_from_gpx(berlin_net, _gpx(tmp_path / "d.gpx", {"T1": pts}))
    assert tl.window_min == minutes
    assert tl.sightings["t"].between(180, 200).all()


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "9999-12-31T23:59:59Z"])
def test_a_time_outside_the_calendar_is_bad_input(toy_net, tmp_path: Path, when: str) -> None:
    pts = _points(NIGHT + timedelta(hours=1), n=3)
    pts[1] = (pts[1][0], pts[1][1], when)
    with pytest.raises(CoverageError) as err:
        timeline_from_gpx(toy_net, _gpx(tmp_path / "y.gpx", {"T1": pts}))
    assert str(err.value).startswith(f"{tmp_path / 'y.gpx'}, field 'time'")
    assert "y.gpx track 1 ('T1')" in str(err.value)
    assert str(err.value).endswith("the time lies outside the years 1900-9998") or (
        "cannot be placed on a clock" in str(err.value)
    )
