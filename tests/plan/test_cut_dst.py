"""The re-plan's cut ``--at`` on daylight-saving changeover nights (issue #22): skipped and repeated wall times."""

from __future__ import annotations

from datetime import date

import pytest

from borderwatch.config import NightWindow
from borderwatch.errors import ConfigError
from borderwatch.plan.replan.cut import cut_offset

W = NightWindow("20:00", "06:00")
SPRING, AUTUMN, PLAIN = date(2026, 3, 28), date(2026, 10, 24), date(2026, 1, 5)
BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(
    "at,night,minutes",
    [
        ("04:00", SPRING, 420.0),  # 8 wall hours, 7 elapsed
        ("01:59", SPRING, 359.0),
        ("03:00", SPRING, 360.0),  # one minute after 01:59
        ("04:00", AUTUMN, 540.0),  # 8 wall hours, 9 elapsed
        ("02:30+02:00", AUTUMN, 390.0),  # the first 02:30 (summer time)
        ("02:30+01:00", AUTUMN, 450.0),  # the second 02:30, an hour later
        ("02:10", PLAIN, 370.0),
        ("21:15", PLAIN, 75.0),
    ],
)
def test_elapsed_minutes_of_a_wall_clock(at: str, night: date, minutes: float) -> None:
    assert cut_offset(at, W, night, BERLIN, field="--at") == minutes


def test_a_time_the_spring_change_skips_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        cut_offset("02:30", W, SPRING, BERLIN, field="--at")
    assert str(err.value) == (
        "option '--at', value '02:30': 02:30 does not exist on 2026-03-29 in Europe/Berlin: "
        "the clocks skip from 02:00 to 03:00 that night; give a time before or after the change"
    )


def test_a_time_the_autumn_change_repeats_needs_its_offset() -> None:
    with pytest.raises(ConfigError) as err:
        cut_offset("02:30", W, AUTUMN, BERLIN, field="--at")
    assert str(err.value) == (
        "option '--at', value '02:30': 02:30 happens twice on 2026-10-25 in Europe/Berlin "
        "(the clocks go back an hour): give 02:30+02:00 for the first, 02:30+01:00 for the second"
    )
    with pytest.raises(
        ConfigError,
        match=r"02:30 on 2026-10-25 in Europe/Berlin is at UTC\+02:00 or \+01:00, not at the offset given",
    ):
        cut_offset("02:30+05:00", W, AUTUMN, BERLIN, field="--at")


def test_without_a_dated_night_the_nominal_clock() -> None:
    assert cut_offset("02:30", W, None, None) == 390.0
    with pytest.raises(
        ConfigError, match="an offset is only read on a night of known date and zone"
    ):
        cut_offset("02:30+01:00", W, None, None)
    with pytest.raises(ConfigError, match=r"at must be a time of day as 'HH:MM'"):
        cut_offset("2:30", W, None, None)
