"""PlanConfig: defaults, validation, TOML loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderwatch import ConfigError, PlanConfig, load_config
from borderwatch.config import DEFAULT_PROFILES, VehicleProfile


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
        "checkpoint_radius_m = 2000\n[profiles.quad]\ntrack = 30\npath = 15\n", encoding="utf-8"
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
    bad.write_text("unit_length_m = 'long'", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml, option 'unit_length_m'"):
        load_config(bad)
