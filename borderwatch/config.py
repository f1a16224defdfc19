"""Typed, validated options for building networks, measuring coverage and planning.

:class:`PlanConfig` travels with every call down the data flow. Defaults come
from this module, are overridden by a scenario's ``[defaults]`` table, then by a
user's TOML file, then by explicit keyword arguments.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderwatch.errors import ConfigError

__all__ = [
    "DEFAULT_PROFILES",
    "SCALAR_FIELDS",
    "PlanConfig",
    "VehicleProfile",
    "load_config",
    "read_toml",
]


@dataclass(frozen=True)
class VehicleProfile:
    """How fast a vehicle moves on each OSM highway class, and where it may go.

    Parameters
    ----------
    name
        Profile name, e.g. ``"pickup"``.
    speeds_kmh
        Speed in km/h per OSM ``highway`` value. A class missing from this
        mapping may not be used by the vehicle.
    """

    name: str
    speeds_kmh: Mapping[str, float]

    def __post_init__(self) -> None:
        for cls, speed in self.speeds_kmh.items():
            if not (isinstance(speed, int | float) and math.isfinite(speed) and speed > 0):
                raise ConfigError(
                    f"speed of vehicle profile {self.name!r} on highway class {cls!r} "
                    "must be a positive number of km/h",
                    field=f"profiles.{self.name}.{cls}",
                    value=speed,
                )

    def allows(self, highway: str) -> bool:
        """Return whether the vehicle may drive on ``highway``."""
        return highway in self.speeds_kmh

    def speed_ms(self, highway: str) -> float:
        """Return the speed in m/s on ``highway`` (0.0 where not allowed)."""
        return float(self.speeds_kmh.get(highway, 0.0)) / 3.6


_CAR_ROADS = {
    "motorway": 90.0,
    "trunk": 70.0,
    "primary": 60.0,
    "secondary": 50.0,
    "tertiary": 40.0,
    "unclassified": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 20.0,
}
_LINKS = {
    f"{k}_link": v * 0.7
    for k, v in _CAR_ROADS.items()
    if k in {"motorway", "trunk", "primary", "secondary", "tertiary"}
}

#: Default vehicle profiles. Pickups stay on made roads; off-road SUVs also take tracks;
#: motorcycles take tracks and paths; people on foot go everywhere.
DEFAULT_PROFILES: dict[str, VehicleProfile] = {
    "pickup": VehicleProfile("pickup", {**_CAR_ROADS, **_LINKS}),
    "suv": VehicleProfile("suv", {**_CAR_ROADS, **_LINKS, "track": 20.0}),
    "motorcycle": VehicleProfile(
        "motorcycle",
        {
            **{k: min(v, 60.0) for k, v in {**_CAR_ROADS, **_LINKS}.items()},
            "track": 25.0,
            "path": 12.0,
            "bridleway": 12.0,
        },
    ),
    "foot": VehicleProfile(
        "foot",
        {
            **{k: 4.5 for k in {**_CAR_ROADS, **_LINKS} if k != "motorway"},
            "track": 4.0,
            "path": 3.5,
            "footway": 4.5,
            "bridleway": 3.5,
            "steps": 2.0,
            "pedestrian": 4.5,
        },
    ),
}


def _positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number", field=name, value=value)
    if value <= 0:
        raise ConfigError(f"{name} must be greater than 0", field=name, value=value)


def _hhmm(name: str, value: Any) -> None:
    ok = isinstance(value, str) and len(value) == 5 and value[2] == ":"
    if ok:
        try:
            h, m = int(value[:2]), int(value[3:])
        except ValueError:
            ok = False
        else:
            ok = 0 <= h < 24 and 0 <= m < 60
    if not ok:
        raise ConfigError(f"{name} must be a time of day as 'HH:MM'", field=name, value=value)


@dataclass(frozen=True)
class PlanConfig:
    """Options of the network, coverage and routing steps.

    Parameters
    ----------
    unit_length_m
        Length of a border unit, the atom of coverage.
    checkpoint_radius_m
        Watch radius of a checkpoint whose ``radius_m`` is not given.
    patrol_view_m
        A unit is watched by a patrol driving a road edge within this distance.
    max_snap_m
        Checkpoints and team bases farther than this from any road are an error.
    walk_speed_kmh
        Off-road walking speed for the last leg to the border.
    walk_detour
        Straight-line distances off road are multiplied by this factor.
    night_start, night_end
        The night window, local time ``HH:MM``; the end may be on the next day.
    min_loop_min
        Shortest loop a team is given (minutes): a team whose min-max loop is
        shorter takes on more work (co-patrol, take-over, extension) unless its
        short loop is all it can reach.
    profiles
        Vehicle profiles by name.
    seed
        Seed of every randomised step.
    """

    unit_length_m: float = 250.0
    checkpoint_radius_m: float = 1500.0
    patrol_view_m: float = 1000.0
    max_snap_m: float = 2000.0
    walk_speed_kmh: float = 4.0
    walk_detour: float = 1.4
    night_start: str = "20:00"
    night_end: str = "06:00"
    min_loop_min: float = 20.0
    profiles: Mapping[str, VehicleProfile] = field(default_factory=lambda: dict(DEFAULT_PROFILES))
    seed: int = 0

    def __post_init__(self) -> None:
        for name in (
            "unit_length_m",
            "checkpoint_radius_m",
            "patrol_view_m",
            "max_snap_m",
            "walk_speed_kmh",
            "walk_detour",
            "min_loop_min",
        ):
            _positive(name, getattr(self, name))
        if self.walk_detour < 1:
            raise ConfigError(
                "walk_detour must be at least 1", field="walk_detour", value=self.walk_detour
            )
        _hhmm("night_start", self.night_start)
        _hhmm("night_end", self.night_end)
        if self.night_start == self.night_end:
            raise ConfigError(
                "night window is empty: night_end equals night_start",
                field="night_end",
                value=self.night_end,
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("seed must be a non-negative integer", field="seed", value=self.seed)

    @property
    def night_minutes(self) -> float:
        """Length of the night window in minutes."""
        s = int(self.night_start[:2]) * 60 + int(self.night_start[3:])
        e = int(self.night_end[:2]) * 60 + int(self.night_end[3:])
        return float((e - s) % (24 * 60))

    def profile(self, name: str) -> VehicleProfile:
        """Return the vehicle profile ``name``.

        Raises
        ------
        ConfigError
            If no profile has that name.
        """
        try:
            return self.profiles[name]
        except KeyError:
            raise ConfigError(
                f"unknown vehicle profile; known: {', '.join(sorted(self.profiles))}",
                field="vehicle",
                value=name,
            ) from None

    def replace(self, **changes: Any) -> PlanConfig:
        """Return a copy with ``changes`` applied (validated like the constructor)."""
        return from_mapping(changes, base=self)


_FIELDS = {f.name for f in dataclasses.fields(PlanConfig)}

#: PlanConfig fields holding one scalar (all but ``profiles``), in declaration order.
SCALAR_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(PlanConfig) if f.name != "profiles"
)


def read_toml(
    path: str | Path, *, error: type[ConfigError] | Any = ConfigError, what: str = "file"
) -> dict[str, Any]:
    """Read a TOML file, raising ``error`` (a located error class) naming the file when it is missing or bad."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} not found", file=path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise error(f"not valid TOML: {err}", file=path) from None


def from_mapping(
    values: Mapping[str, Any], *, base: PlanConfig | None = None, file: str | Path | None = None
) -> PlanConfig:
    """Build a :class:`PlanConfig` from plain values (a TOML table), over ``base``.

    A ``profiles`` table maps a profile name to ``{highway: km/h}``; a profile
    given there replaces the default profile of that name entirely.
    """
    base = base or PlanConfig()
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in _FIELDS:
            raise ConfigError(
                f"unknown option; known: {', '.join(sorted(_FIELDS))}",
                field=key,
                value=value,
                file=file,
            )
        if key == "profiles" and not isinstance(value, Mapping):
            raise ConfigError("profiles must be a table", field=key, value=value, file=file)
        if key == "profiles":
            profiles = dict(base.profiles)
            for pname, speeds in value.items():
                if isinstance(speeds, VehicleProfile):
                    profiles[pname] = speeds
                    continue
                if not isinstance(speeds, Mapping):
                    raise ConfigError(
                        "a profile must be a table of highway = km/h",
                        field=f"profiles.{pname}",
                        value=speeds,
                        file=file,
                    )
                profiles[pname] = VehicleProfile(
                    str(pname), {str(k): float(v) for k, v in speeds.items()}
                )
            value = profiles
        kwargs[key] = value
    try:
        return dataclasses.replace(base, **kwargs)
    except ConfigError as err:
        if file is not None and err.file is None:
            raise ConfigError(str(err), field=err.field, value=err.value, file=file) from None
        raise


def load_config(path: str | Path, *, base: PlanConfig | None = None) -> PlanConfig:
    """Read a :class:`PlanConfig` from a TOML file.

    Parameters
    ----------
    path
        TOML file whose top-level keys are :class:`PlanConfig` fields.
    base
        Values not in the file come from here (default: the built-in defaults).
    """
    return from_mapping(read_toml(path, what="config file"), base=base, file=path)
