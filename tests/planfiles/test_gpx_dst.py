"""A crew track's described drives on a daylight-saving night: elapsed minutes, not clock ones.

``brief --roster``'s crews' tracks say ``leave base HH:MM ... back at base HH:MM``
in the scenario's wall clock; replayed with ``gaps --gpx``, the drives out and home
(minutes before the window start and after its end) are those of aware instants in
the scenario's zone on the track's night. A drive over the changeover was an hour off
as a clock difference: a drive home of 30 minutes over the fall-back hour counted 0 (its
points warned about as strays), one of 20 over the spring-forward hour counted 80.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from borderwatch.config import NightWindow
from borderwatch.planfiles.reload import gpx_duty_margins

BERLIN = ZoneInfo("Europe/Berlin")


def _crew_gpx(
    path: Path,
    leave: datetime,
    window: NightWindow,
    back: str,
    home: datetime | None = None,
    between: int = 0,
) -> Path:
    """A crew's whole-night track as the briefing writes it: its description and first point
    (leave base); ``home``: its last point (back at base) after ``between`` points."""
    start, end = window.pair
    desc = (
        f"team T01, pickup: leave base {leave:%H:%M}, loop 47.5 min, 3 loops from {start} "
        f"to {end}, back at base {back} (T01-f0); colour #E69F00, solid"
    )
    times = [leave] if home is None else [leave] * (between + 1) + [home]
    points = "".join(
        f'      <trkpt lat="22.0" lon="107.0">\n        <time>{t.isoformat()}</time>\n'
        "      </trkpt>\n"
        for t in times
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="borderwatch">\n'
        f"  <trk>\n    <name>T01 Team one</name>\n    <desc>{desc}</desc>\n    <trkseg>\n"
        f"{points}    </trkseg>\n  </trk>\n</gpx>\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("leave", "window", "back", "margins"),
    [
        # 2026-10-25 03:00 CEST -> 02:00 CET: end 02:50 CEST (00:50 UTC), home 01:20 UTC = 02:20 CET
        (datetime(2026, 10, 24, 21, 40, tzinfo=BERLIN), NightWindow("22:00", "02:50"), "02:20",
         (20.0, 30.0)),
        # 2026-03-29 02:00 CET -> 03:00 CEST: end 01:50 CET (00:50 UTC), home 01:10 UTC = 03:10 CEST
        (datetime(2026, 3, 28, 19, 45, tzinfo=BERLIN), NightWindow("20:00", "01:50"), "03:10",
         (15.0, 20.0)),
        # leave 01:40 CET (00:40 UTC) for a window from 03:10 CEST (01:10 UTC): 30 min, not 90
        (datetime(2026, 3, 29, 1, 40, tzinfo=BERLIN), NightWindow("03:10", "06:00"), "06:25",
         (30.0, 25.0)),
        # no changeover near the drives: the clock's minutes
        (datetime(2026, 10, 24, 18, 35, tzinfo=BERLIN), NightWindow("20:00", "06:00"), "07:01",
         (85.0, 61.0)),
    ],
)  # fmt: skip
def test_the_drives_are_elapsed_minutes_in_the_scenarios_zone(
    tmp_path: Path,
    leave: datetime,
    window: NightWindow,
    back: str,
    margins: tuple[float, float],
) -> None:
    track = _crew_gpx(tmp_path / "T01.gpx", leave, window, back)
    assert gpx_duty_margins(track, window, "Europe/Berlin") == margins
    assert gpx_duty_margins(tmp_path, window, "Europe/Berlin") == margins


def test_another_zone_reads_the_same_clock_as_its_own_wall_time(tmp_path: Path) -> None:
    """The track's instants are absolute; the description's clock is the scenario's: on
    Ningming's Asia/Shanghai (no DST) the fall-back night's drives are the clock's minutes."""
    window = NightWindow("22:00", "02:50")
    leave = datetime(2026, 10, 24, 21, 40, tzinfo=ZoneInfo("Asia/Shanghai"))
    track = _crew_gpx(tmp_path / "T01.gpx", leave, window, "03:20")
    assert gpx_duty_margins(track, window, "Asia/Shanghai") == (20.0, 30.0)


#: 2026-10-25 in Berlin: 03:00 CEST (01:00 UTC) falls back to 02:00 CET, 02:xx comes twice
_FALL = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("between", [0, 2_000])
def test_a_drive_over_an_hour_across_the_fall_back_hour_is_the_tracks(
    tmp_path: Path, between: int
) -> None:
    """A drive longer than the repeated hour: both readings of its clock lie on its side of
    the window, and the nearest is an hour short (its points then strays). The track's own
    first and last points (leave base and back at base) say which reading is meant; with
    2,000 points between them the last lies past the first 64 KiB of the file."""
    # the window ends 01:50 CEST (23:50 UTC); home at 02:10 CET (01:10 UTC): 80 min, not 20
    window = NightWindow("20:00", "01:50")
    leave = datetime(2026, 10, 24, 19, 30, tzinfo=BERLIN)
    home = (_FALL + timedelta(hours=1, minutes=9, seconds=42.5)).astimezone(BERLIN)
    assert f"{home:%H:%M %Z}" == "02:09 CET"
    track = _crew_gpx(tmp_path / "T01.gpx", leave, window, "02:10", home, between)
    assert (tmp_path / "T01.gpx").stat().st_size > (65_536 if between else 0)
    assert gpx_duty_margins(track, window, "Europe/Berlin") == (30.0, 80.0)
    # home at 02:10 CEST (00:10 UTC), the first reading: 20 min, as before
    home = (_FALL + timedelta(minutes=9, seconds=42.5)).astimezone(BERLIN)
    track = _crew_gpx(tmp_path / "T01.gpx", leave, window, "02:10", home, between)
    assert gpx_duty_margins(track, window, "Europe/Berlin") == (30.0, 20.0)


def test_a_drive_out_over_an_hour_across_the_fall_back_hour_is_the_tracks(
    tmp_path: Path,
) -> None:
    """Leave base 02:10 CEST (00:10 UTC) for a window from 03:10 CET (02:10 UTC): 120 min,
    where the nearest reading (02:10 CET) says 60; leaving at 02:10 CET says 60."""
    window = NightWindow("03:10", "06:00")
    home = datetime(2026, 10, 25, 6, 20, tzinfo=BERLIN)
    for leave, lead in (
        (_FALL + timedelta(minutes=10), 120.0),
        (_FALL + timedelta(hours=1, minutes=10), 60.0),
    ):
        track = _crew_gpx(tmp_path / "T01.gpx", leave.astimezone(BERLIN), window, "06:20", home)
        assert gpx_duty_margins(track, window, "Europe/Berlin") == (lead, 20.0)
