"""routes.gpx and gpx/<team>.gpx: the fast point writer gives gpxpy's own bytes (issue #24.5)."""

from __future__ import annotations

from datetime import date

import gpxpy.gpx
import pytest

from borderwatch import build_network
from borderwatch.config import SearchParams
from borderwatch.data.synthetic import generate_scenario
from borderwatch.plan.patrols import plan_patrols
from borderwatch.planfiles.export import _gpx, _gpx_tracks

NIGHT = date(2026, 12, 6)


def _gpxpy(tracks, teams=None) -> str:
    """The files as gpxpy alone writes them: every point a GPXTrackPoint (the former writer)."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "borderwatch"
    for team, tr in tracks.items():
        if teams is not None and team not in teams:
            continue
        head = tr.head.clone()
        head.segments[0].points = [
            gpxpy.gpx.GPXTrackPoint(latitude=a, longitude=o, time=t)
            for a, o, t in zip(tr.lat, tr.lon, tr.times, strict=True)
        ]
        gpx.tracks.append(head)
    return gpx.to_xml()


@pytest.fixture(scope="module")
def planned():
    net = build_network(generate_scenario(20, seed=2))
    return net, plan_patrols(net, SearchParams(max_iterations=100, seed=1, bound_rounds=0))


def test_fast_gpx_is_gpxpys_bytes(planned) -> None:
    net, plan = planned
    tracks = _gpx_tracks(net, plan, NIGHT)
    assert len(tracks) >= 2 and sum(len(t.lat) for t in tracks.values()) > 500
    whole = _gpx(tracks)
    assert whole == _gpxpy(tracks)
    assert whole.count("<trkpt ") == sum(len(t.lat) for t in tracks.values())
    for team in tracks:  # the per-team files, after the whole file shared the tracks
        assert _gpx(tracks, [team]) == _gpxpy(tracks, [team])
    assert _gpx(tracks) == whole  # rendering leaves the shared tracks as they were


def test_odd_coordinates_and_times_as_gpxpy_writes_them(planned) -> None:
    net, plan = planned
    tracks = _gpx_tracks(net, plan, NIGHT)
    team, tr = next(iter(tracks.items()))
    # values gpxpy formats specially: whole degrees, tiny values (no scientific notation),
    # negative coordinates, whole seconds and UTC times
    tr.lat[:4] = [21.0, 1e-05, -33.5, 0.0]
    tr.lon[:4] = [107.0, -1e-06, -70.25, 180.0]
    tr.times[1] = tr.times[1].replace(microsecond=0)
    tr._xml.clear()
    assert _gpx(tracks, [team]) == _gpxpy(tracks, [team])
    tracks[team].lat.clear()  # a track without points: gpxpy's empty segment
    tracks[team].lon.clear()
    tracks[team].times.clear()
    tr._xml.clear()
    assert _gpx(tracks) == _gpxpy(tracks)
