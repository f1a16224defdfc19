"""The one night-window type: parsing, lengths over DST changeovers, clocks, instants."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from borderwatch.config import NightWindow, PlanConfig
from borderwatch.errors import ConfigError

W = NightWindow("20:00", "06:00")


def test_parse_and_forms() -> None:
    assert NightWindow.parse("21:00-05:00") == NightWindow("21:00", "05:00")
    assert NightWindow.of(["20:00", "06:00"]) == W
    assert NightWindow.of(W) is W
    assert str(W) == "20:00-06:00" and W.pair == ("20:00", "06:00")
    assert PlanConfig().night == W


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("20:00", "--night-window"),
        ("25:00-06:00", "--night-window"),
        ("20:00-20:00", "--night-window"),
    ],
)
def test_parse_refuses(value: str, field: str) -> None:
    with pytest.raises(ConfigError) as err:
        NightWindow.parse(value)
    assert err.value.field == field and err.value.value == value


def test_of_names_the_field_and_value() -> None:
    with pytest.raises(ConfigError) as err:
        NightWindow.of(["20:00", "6:00"], field="night_window")
    assert err.value.field == "night_window[1]" and err.value.value == "6:00"
    with pytest.raises(ConfigError, match="empty"):
        NightWindow.of(("20:00", "20:00"))


@pytest.mark.parametrize(
    ("zone", "night", "minutes"),
    [
        ("Asia/Shanghai", date(2026, 12, 17), 600),
        ("Europe/Berlin", date(2026, 3, 28), 540),  # spring forward 02:00 -> 03:00
        ("Europe/Berlin", date(2026, 10, 24), 660),  # fall back 03:00 -> 02:00
        ("Europe/Berlin", date(2026, 10, 25), 600),
        ("America/New_York", date(2026, 3, 7), 540),
        ("America/New_York", date(2026, 10, 31), 660),
    ],
)
def test_length_in_wall_time(zone: str, night: date, minutes: int) -> None:
    assert W.minutes(night, zone) == minutes
    assert W.minutes() == 600
    end = W.at(minutes, night, zone)
    assert end.strftime("%H:%M") == "06:00" and end == W.end_at(night, zone)


def test_clock_of_an_offset_on_a_changeover_night() -> None:
    night, zone = date(2026, 3, 28), "Europe/Berlin"
    assert [W.clock(m, night, zone) for m in (0, 300, 360, 539)] == [
        "20:00",
        "01:00",
        "03:00",
        "05:59",
    ]
    assert W.clock(-45.5, night, zone, floor=True) == "19:14"
    assert W.clock(-45.5, floor=True) == "19:14" and W.clock(-45.5) == "19:14"
    assert W.clock(0.6) == "20:01" and W.clock(0.6, floor=True) == "20:00"
    # the fall-back night passes 02:00-03:00 twice: offsets stay one instant each
    fall = date(2026, 10, 24)
    a, b = W.at(360, fall, zone), W.at(420, fall, zone)
    assert a.strftime("%H:%M") == b.strftime("%H:%M") == "02:00"
    assert b.astimezone(UTC) > a.astimezone(UTC) and b.utcoffset() != a.utcoffset()


def test_instants_and_containing() -> None:
    zone = "Asia/Shanghai"
    start = W.start_at(date(2026, 12, 17), zone)
    assert start.isoformat() == "2026-12-17T20:00:00+08:00"
    assert W.end_at(date(2026, 12, 17), zone).isoformat() == "2026-12-18T06:00:00+08:00"
    at_2am = datetime(2026, 12, 17, 18, 0, tzinfo=UTC)  # 02:00 on the 18th in Shanghai
    assert W.containing(at_2am, zone) == date(2026, 12, 17)
    assert W.offset_of(at_2am, date(2026, 12, 17), zone) == 360.0
    assert W.containing(datetime(2026, 12, 18, 4, 0, tzinfo=UTC), zone) is None  # 12:00
    assert W.containing(start, zone) == date(2026, 12, 17)  # the start belongs to the night
    assert W.containing(W.end_at(date(2026, 12, 17), zone), zone) is None
    day = NightWindow("08:00", "16:00")  # a window not over midnight
    assert day.end_at(date(2026, 1, 1), "UTC").date() == date(2026, 1, 1)
    assert day.containing(datetime(2026, 1, 1, 9, tzinfo=UTC), "UTC") == date(2026, 1, 1)


def test_plan_config_on_a_dated_night() -> None:
    cfg = PlanConfig()
    assert cfg.on_night(date(2026, 12, 17), "Asia/Shanghai") is cfg
    dst = cfg.on_night(date(2026, 3, 28), "Europe/Berlin")
    assert dst.night_minutes == 540.0 and cfg.night_minutes == 600.0
    with pytest.raises(ConfigError) as err:
        W.minutes(date(2026, 1, 1), "Mars/Olympus")
    assert err.value.field == "timezone"


def test_plan_config_clock_reads_the_dated_night() -> None:
    cfg = PlanConfig()
    assert cfg.clock(360) == "02:00" and cfg.clock(-45.5, floor=True) == "19:14"
    dst = cfg.on_night(date(2026, 3, 28), "Europe/Berlin")
    assert dst.clock(360) == "03:00" and dst.clock(539) == "05:59"
