"""PlanConfig: defaults, validation, TOML loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderwatch import ConfigError, PlanConfig, load_config
from borderwatch.config import (
    DEFAULT_PROFILES,
    RANGES,
    TARGETS,
    Targets,
    VehicleProfile,
    default_language,
    format_hhmm,
    night_length_min,
    parse_hhmm,
)
from borderwatch.errors import nearest_key


def test_defaults() -> None:
    cfg = PlanConfig()
    assert cfg.unit_length_m == 250
    assert cfg.night_minutes == 600
    assert cfg.profile("motorcycle").allows("track")
    assert not cfg.profile("pickup").allows("track")
    assert not cfg.profile("pickup").allows("path")
    assert cfg.profile("suv").allows("track")


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        (
            {"unit_length_m": 0},
            "option 'unit_length_m', value 0: unit_length_m must be greater than 0",
        ),
        ({"patrol_view_m": float("nan")}, "patrol_view_m must be a finite number"),
        ({"night_start": "8pm"}, "night_start must be a time of day"),
        ({"night_end": "20:00"}, "night window is empty"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"walk_detour": 0.5}, "walk_detour must be at least 1"),
        (
            {"detour_max_min": 121},
            r"option 'detour_max_min', value 121: .*not exceed the revisit target \(120 min\)",
        ),
        ({"detour_max_min": 0}, "option 'detour_max_min', value 0: detour_max_min must be"),
        ({"detour_max_min": "long"}, "detour_max_min must be a number"),
        ({"colour": "red"}, "unknown option"),
        ({"profiles": {"boat": {"river": -3}}}, "speed of vehicle profile 'boat'"),
    ],
)
def test_bad_values(changes: dict, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        PlanConfig().replace(**changes)


def test_unknown_profile_lists_known() -> None:
    with pytest.raises(ConfigError, match="known: foot, motorcycle, pickup, suv"):
        PlanConfig().profile("tank")


def test_load_toml(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        "[defaults]\ncheckpoint_radius_m = 2000\n[defaults.profiles.quad]\ntrack = 30\npath = 15\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.checkpoint_radius_m == 2000
    assert cfg.profile("quad") == VehicleProfile("quad", {"track": 30.0, "path": 15.0})
    assert cfg.profile("pickup") == DEFAULT_PROFILES["pickup"]


def test_load_toml_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("x = = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml.*not valid TOML"):
        load_config(bad)
    bad.write_text("[defaults]\nunit_length_m = 'long'", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml, option 'defaults\.unit_length_m'"):
        load_config(bad)


@pytest.mark.parametrize(
    ("text", "minutes"), [("00:00", 0), ("06:00", 360), ("20:30", 1230), ("23:59", 1439)]
)
def test_parse_hhmm(text: str, minutes: int) -> None:
    assert parse_hhmm(text, field="t") == minutes
    assert format_hhmm(minutes) == text


@pytest.mark.parametrize("text", ["24:00", "7:00", "07:60", "0700", " 07:00", "07:00 ", 700, None])
def test_parse_hhmm_refuses(text: object) -> None:
    with pytest.raises(ConfigError, match=r"option 'x\.y'.*x\.y must be a time of day"):
        parse_hhmm(text, field="x.y")


def test_format_hhmm_wraps_and_rounds() -> None:
    assert format_hhmm(24 * 60 + 75.4) == "01:15"
    assert format_hhmm(-30) == "23:30"


def test_night_length() -> None:
    assert night_length_min("20:00", "06:00") == 600
    assert night_length_min("06:00", "05:00") == 23 * 60
    assert night_length_min("21:00", "23:00") == 120
    assert night_length_min("20:00", "20:00") == 0
    assert PlanConfig(night_start="21:00", night_end="05:00").night_minutes == 480


@pytest.mark.parametrize(
    ("timezone", "lang"),
    [
        ("Asia/Shanghai", "zh"),
        ("Asia/Urumqi", "zh"),
        ("Asia/Chongqing", "zh"),
        ("PRC", "zh"),
        ("Asia/Ho_Chi_Minh", "en"),
        ("UTC", "en"),
        (None, "en"),
    ],
)
def test_default_language(timezone: str | None, lang: str) -> None:
    assert default_language(timezone) == lang


def test_targets() -> None:
    assert TARGETS == Targets(30.0, 120.0) == PlanConfig().targets
    cfg = PlanConfig().replace(targets={"max_revisit_min": 90})
    assert cfg.targets == Targets(30.0, 90)
    with pytest.raises(ConfigError, match=r"option 'targets\.max_response_min', value -5"):
        Targets(max_response_min=-5)
    with pytest.raises(ConfigError, match="unknown key; did you mean 'max_revisit_min'"):
        PlanConfig().replace(targets={"max_revisit": 90})


def test_ranges_refuse_with_the_range() -> None:
    with pytest.raises(ConfigError, match="checkpoint_radius_m must be between 10 and 50000 m"):
        PlanConfig(checkpoint_radius_m=1e9)
    # detour_max_min may not exceed the revisit target: its range's top needs a target as long
    wide = PlanConfig(targets=Targets(max_revisit_min=RANGES["max_revisit_min"][1]))
    for name, (lo, hi, _unit) in RANGES.items():
        if name in ("speed_kmh", "max_response_min", "max_revisit_min"):
            continue
        wide.replace(**{name: lo}).replace(**{name: hi})  # the bounds are allowed


def test_unknown_option_names_nearest() -> None:
    with pytest.raises(ConfigError, match="unknown option; did you mean 'patrol_view_m'"):
        PlanConfig().replace(patrol_veiw_m=800)
    assert nearest_key("timezoen", ["timezone", "title"]) == "timezone"
    assert nearest_key("colour", ["timezone", "title"]) is None


def test_scenario_default_config(toy_dir: Path) -> None:
    from borderwatch import load_scenario

    scenario = load_scenario(toy_dir)
    cfg = scenario.default_config()
    assert (cfg.unit_length_m, cfg.night_start, cfg.night_end) == (250.0, "20:00", "06:00")
    assert cfg == PlanConfig(night_start="20:00", night_end="06:00")


def test_written_scenario_keeps_targets(toy_dir: Path, tmp_path: Path) -> None:
    from borderwatch import load_scenario
    from borderwatch.data.scenario_io import write_scenario

    text = (toy_dir / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace("[provenance]", "[targets]\nmax_revisit_min = 90\n\n[provenance]")
    (toy_dir / "scenario.toml").write_text(text, encoding="utf-8")
    scenario = load_scenario(toy_dir)
    again = load_scenario(write_scenario(scenario, tmp_path / "copy"))
    assert again.default_config() == scenario.default_config()
    assert again.default_config().targets.max_revisit_min == 90


def test_search_params_one_object_for_the_budget() -> None:
    from borderwatch.config import SearchParams

    search = SearchParams()
    assert (search.time_limit_s, search.max_iterations, search.seed) == (20.0, None, None)
    assert search.bound_rounds == 45 and search.bound_time_s is None
    assert search.seeded(7) == 7 and search.replace(seed=3).seeded(7) == 3
    for field, value in (("max_iterations", -1), ("seed", -1), ("bound_rounds", -2)):
        with pytest.raises(ConfigError, match=field):
            SearchParams(**{field: value})


def test_batch_spec_old_time_limit_key_warns() -> None:
    from borderwatch.batch import parse_spec
    from borderwatch.errors import ConfigWarning

    base = {"scenario": [{"name": "ningming"}]}
    with pytest.warns(ConfigWarning) as record:
        spec = parse_spec({**base, "time_limit": 7, "grid": {"time_limit": [3, 4]}})
    assert [str(w.message) for w in record] == [
        "time_limit is now called time_limit_s (seconds)",
        "grid.time_limit is now called grid.time_limit_s (seconds)",
    ]
    assert spec.time_limit_s == 7.0 and spec.grid["time_limit_s"] == (3, 4)
    assert parse_spec({**base, "time_limit_s": 9}).time_limit_s == 9.0
    with pytest.raises(ConfigError, match="given twice"):
        parse_spec({**base, "time_limit": 7, "time_limit_s": 8})
    with pytest.raises(ConfigError, match="unknown key; did you mean 'job'"):
        parse_spec({**base, "jobb": "plan"})


def test_parse_night_window() -> None:
    from borderwatch.config import parse_night_window
    from borderwatch.errors import ConfigWarning

    assert parse_night_window("21:00-05:00") == ("21:00", "05:00")
    assert parse_night_window(" 20:00 - 06:00 ") == ("20:00", "06:00")
    assert parse_night_window("22:00-23:30") == ("22:00", "23:30")
    for bad in ("21:00", "21:00-25:00", "9pm-5am", "21:00-05:00-06:00", None):
        with pytest.raises(ConfigError, match=r"option '--night-window'.*must be a night window"):
            parse_night_window(bad)
    with pytest.raises(ConfigError, match="night window is empty"):
        parse_night_window("21:00-21:00")
    with pytest.warns(ConfigWarning, match="--night-window 06:00-05:00 is 23 h long"):
        assert parse_night_window("06:00-05:00") == ("06:00", "05:00")
