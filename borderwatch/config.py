"""Typed, validated options for building networks, measuring coverage and planning.

:class:`PlanConfig` travels with every call down the data flow. Defaults come
from this module, are overridden by a scenario's ``scenario.toml``
(:meth:`borderwatch.data.Scenario.default_config`), then by a user's
``--config`` file (:func:`load_config`), then by explicit keyword arguments.

The TOML format
---------------
``scenario.toml`` and a ``--config`` file share one format for the planning
options; a scenario file adds its own keys (``name``, ``timezone``, ...) at the
top::

    [night]                 # the night window, local time HH:MM
    start = "20:00"
    end = "06:00"           # an end before the start is on the next day (10 h here)

    [defaults]              # PlanConfig options
    unit_length_m = 250
    checkpoint_radius_m = 1500
    seed = 0

    [defaults.profiles.quad]   # a vehicle profile: highway class = km/h
    track = 30
    path = 15

    [defaults.access]          # beyond OSM access tags (borderwatch.access)
    allow = ["private", "military"]   # closed-to-public roads the patrol may use
    gate_keys = true                  # teams open gates, lift gates, chains
    fords = ["suv", "motorcycle"]     # profiles that may cross fords

    [targets]               # coverage targets (minutes)
    max_response_min = 30
    max_revisit_min = 120

Rules: a night whose end equals its start is refused; an end before the start
is an overnight night (``20:00``-``06:00`` is 10 h); a night longer than 16 h
(``06:00``-``05:00`` is 23 h) is accepted with a warning; times are
``00:00``-``23:59``, so no night is 24 h or longer. Lengths and speeds must lie
in :data:`RANGES`. Unknown keys are errors that name the nearest known key.
The old flat form (``night_start = "20:00"``, options and ``[profiles.*]`` at
the top level of a config file) is still read, with a
:class:`~borderwatch.errors.ConfigWarning` (a
:class:`~borderwatch.errors.ScenarioWarning` in ``scenario.toml``).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from borderwatch.access import AccessRules, access_from_mapping
from borderwatch.errors import ConfigError, ConfigWarning, unknown_key
from borderwatch.limits import Limits, limits_from_mapping

__all__ = [
    "DEFAULT_PROFILES",
    "LONG_NIGHT_MIN",
    "LOOP_RULES",
    "OPTION_FIELDS",
    "PLAN_TABLES",
    "RANGES",
    "SCALAR_FIELDS",
    "TARGETS",
    "NightWindow",
    "PlanConfig",
    "PlanOptions",
    "SearchParams",
    "Targets",
    "VehicleProfile",
    "check_range",
    "default_language",
    "format_hhmm",
    "from_mapping",
    "load_config",
    "night_length_min",
    "parse_hhmm",
    "parse_night_window",
    "plan_options",
    "read_toml",
]

#: Allowed range (inclusive) of each length, speed and target option, with its unit.
#: A value outside is refused with the range: a checkpoint radius of 1e9 m is a typo,
#: not a design.
RANGES: dict[str, tuple[float, float, str]] = {
    "unit_length_m": (5.0, 5_000.0, "m"),
    "checkpoint_radius_m": (10.0, 50_000.0, "m"),
    "patrol_view_m": (5.0, 20_000.0, "m"),
    "max_snap_m": (1.0, 100_000.0, "m"),
    "walk_speed_kmh": (0.5, 20.0, "km/h"),
    "walk_detour": (1.0, 10.0, ""),
    "speed_kmh": (0.5, 300.0, "km/h"),
    "max_response_min": (1.0, 1440.0, "min"),
    "max_revisit_min": (1.0, 1440.0, "min"),
    "crossing_min": (0.5, 600.0, "min"),
    "gpx_off_road_m": (10.0, 100_000.0, "m"),
    "gpx_max_stray_share": (0.0, 1.0, ""),
    "max_approach_min": (1.0, 600.0, "min"),
    "detour_max_min": (1.0, 1440.0, "min"),
}

#: The loop rules (``PlanConfig.loops``): ``"base"``, every loop passes the team's
#: base; ``"circuit"``, a loop need not (the drive out is made once, before the window).
LOOP_RULES = ("base", "circuit")

#: A night window longer than this (minutes) is accepted with a warning.
LONG_NIGHT_MIN = 16 * 60

_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_DAY_MIN = 24 * 60

#: IANA time zones of mainland China (with their legacy aliases): maps are in Chinese there.
_CHINESE_TIMEZONES = frozenset(
    {
        "Asia/Shanghai",
        "Asia/Urumqi",
        "Asia/Chongqing",
        "Asia/Chungking",
        "Asia/Harbin",
        "Asia/Kashgar",
        "PRC",
    }
)


def parse_hhmm(
    text: Any, *, field: str, file: str | Path | None = None, error: type[ConfigError] | Any = None
) -> int:
    """Return the minutes after midnight of a time of day ``"HH:MM"`` (00:00-23:59).

    This is the one HH:MM parser of the package.

    Parameters
    ----------
    text
        The value as read (anything: a non-string is refused).
    field
        The option or key named in the error.
    file
        The file named in the error, if any.
    error
        A located error class (default :class:`~borderwatch.errors.ConfigError`).

    Raises
    ------
    ConfigError
        (or ``error``) naming the field and the value when it is not a time of day.

    Examples
    --------
    >>> parse_hhmm("20:30", field="night.start")
    1230
    """
    m = _HHMM.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise (error or ConfigError)(
            f"{field} must be a time of day as 'HH:MM' (00:00-23:59)",
            field=field,
            value=text,
            file=file,
        )
    return int(m.group(1)) * 60 + int(m.group(2))


def format_hhmm(minutes: float) -> str:
    """Return the time of day ``"HH:MM"`` of ``minutes`` after midnight (rounded, wrapped at 24 h).

    Examples
    --------
    >>> format_hhmm(1230), format_hhmm(24 * 60 + 75.4)
    ('20:30', '01:15')
    """
    m = round(minutes) % _DAY_MIN
    return f"{m // 60:02d}:{m % 60:02d}"


def night_length_min(start: str, end: str) -> int:
    """Length in minutes of the night from ``start`` to ``end`` (an earlier end is the next day).

    Returns 0 when ``end`` equals ``start`` (an empty night, which
    :class:`PlanConfig` refuses).

    Examples
    --------
    >>> night_length_min("20:00", "06:00")
    600
    """
    s = parse_hhmm(start, field="night.start")
    e = parse_hhmm(end, field="night.end")
    return (e - s) % _DAY_MIN


def parse_night_window(text: Any, *, field: str = "--night-window") -> tuple[str, str]:
    """Read a night window ``"HH:MM-HH:MM"`` (e.g. a ``--night-window`` option) as ``(start, end)``.

    The rules are those of the TOML ``[night]`` table: an end before the start
    is on the next day (``20:00-06:00`` is 10 h), an end equal to the start is
    refused, a night longer than :data:`LONG_NIGHT_MIN` warns
    (:class:`~borderwatch.errors.ConfigWarning`). Cheap: call it before any slow work.

    Raises
    ------
    ConfigError
        Naming ``field`` and the text.

    Examples
    --------
    >>> parse_night_window("21:00-05:00")
    ('21:00', '05:00')
    """
    parts = text.split("-") if isinstance(text, str) else []
    if len(parts) != 2:
        raise ConfigError(
            "must be a night window 'HH:MM-HH:MM' (e.g. '20:00-06:00')", field=field, value=text
        )
    start, end = (s.strip() for s in parts)
    for value in (start, end):
        if _HHMM.fullmatch(value) is None:
            raise ConfigError(
                "must be a night window 'HH:MM-HH:MM' with times 00:00-23:59",
                field=field,
                value=text,
            )
    length = night_length_min(start, end)
    if length == 0:
        raise ConfigError(
            "night window is empty: the end equals the start", field=field, value=text
        )
    if length > LONG_NIGHT_MIN:
        warnings.warn(
            ConfigWarning(
                f"{field} {start}-{end} is {length / 60:g} h long "
                "(an end before the start is on the next day)"
            ),
            stacklevel=2,
        )
    return start, end


def _zone(timezone: str | None) -> Any:
    """The ``ZoneInfo`` of ``timezone`` (UTC when ``None``), a :class:`ConfigError` naming it when unknown."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            "unknown time zone (an IANA name such as 'Asia/Shanghai')",
            field="timezone",
            value=timezone,
        ) from None


@dataclass(frozen=True)
class NightWindow:
    """The night window: a start and an end time of day, local wall time, the end maybe next day.

    This is the one representation of the window: parsing, its length, the
    clock of an offset and the window's instants in a scenario's time zone all
    live here. Offsets are elapsed minutes from the start of the window, so on a
    daylight-saving changeover night (a 20:00-06:00 window is then 9 or 11 h
    long) an offset still names one instant and its wall clock is read in the zone.
    Without a date and a zone the nominal length and clock are used (no DST).

    Parameters
    ----------
    start, end
        Local times of day ``"HH:MM"``; an end before the start is on the next
        day, an end equal to the start is refused.

    Raises
    ------
    ConfigError
        Naming ``night.start`` / ``night.end`` and the value.

    Examples
    --------
    >>> from datetime import date
    >>> w = NightWindow.parse("20:00-06:00")
    >>> w.minutes(), w.clock(75), str(w)
    (600, '21:15', '20:00-06:00')
    >>> w.minutes(date(2026, 3, 28), "Europe/Berlin"), w.minutes(date(2026, 10, 24), "Europe/Berlin")
    (540, 660)
    >>> w.clock(360, date(2026, 3, 28), "Europe/Berlin")  # clocks went 02:00 -> 03:00
    '03:00'
    """

    start: str = "20:00"
    end: str = "06:00"

    def __post_init__(self) -> None:
        parse_hhmm(self.start, field="night.start")
        parse_hhmm(self.end, field="night.end")
        if self.start == self.end:
            raise ConfigError(
                "night window is empty: the end equals the start", field="night.end", value=self.end
            )

    @classmethod
    def parse(cls, text: Any, *, field: str = "--night-window") -> NightWindow:
        """Read ``"HH:MM-HH:MM"`` (rules and warnings of :func:`parse_night_window`)."""
        start, end = parse_night_window(text, field=field)
        return cls(start, end)

    @classmethod
    def of(cls, value: Any, *, field: str = "night_window") -> NightWindow:
        """A window from a :class:`NightWindow`, ``"HH:MM-HH:MM"`` or a ``(start, end)`` pair.

        Raises
        ------
        ConfigError
            Naming ``field`` and the value.
        """
        if isinstance(value, NightWindow):
            return value
        if isinstance(value, str):
            return cls.parse(value, field=field)
        if isinstance(value, list | tuple) and len(value) == 2:
            for i, part in enumerate(value):
                parse_hhmm(part, field=f"{field}[{i}]")
            return cls.parse(f"{value[0]}-{value[1]}", field=field)
        raise ConfigError(
            "must be a night window 'HH:MM-HH:MM' or [start, end]", field=field, value=value
        )

    @property
    def start_min(self) -> int:
        """Start in minutes after midnight."""
        return parse_hhmm(self.start, field="night.start")

    @property
    def end_min(self) -> int:
        """End in minutes after midnight (of the next day when before the start)."""
        return parse_hhmm(self.end, field="night.end")

    @property
    def pair(self) -> tuple[str, str]:
        """``(start, end)`` as ``"HH:MM"`` (the plan file's and scenario's form)."""
        return (self.start, self.end)

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"

    def start_at(self, night: date, timezone: str | None) -> datetime:
        """The window's start on the evening of ``night``, an aware datetime in ``timezone``."""
        s = self.start_min
        return datetime.combine(night, time(s // 60, s % 60), tzinfo=_zone(timezone))

    def end_at(self, night: date, timezone: str | None) -> datetime:
        """The window's end for the night starting on ``night`` (aware, in ``timezone``)."""
        e = self.end_min
        day = night + timedelta(days=1) if e <= self.start_min else night
        return datetime.combine(day, time(e // 60, e % 60), tzinfo=_zone(timezone))

    def minutes(self, night: date | None = None, timezone: str | None = None) -> int:
        """Length in elapsed minutes; of the dated night in ``timezone`` when ``night`` is given.

        A window over a daylight-saving changeover is an hour shorter or longer
        than its nominal length (``20:00``-``06:00``: 540 or 660 minutes).
        """
        if night is None:
            return (self.end_min - self.start_min) % _DAY_MIN
        span = self.end_at(night, timezone).astimezone(UTC) - self.start_at(
            night, timezone
        ).astimezone(UTC)
        return round(span.total_seconds() / 60.0)

    def at(self, offset_min: float, night: date, timezone: str | None) -> datetime:
        """The instant ``offset_min`` elapsed minutes after the start, aware, in ``timezone``."""
        start = self.start_at(night, timezone)
        return (start.astimezone(UTC) + timedelta(minutes=offset_min)).astimezone(start.tzinfo)

    def clock(
        self,
        offset_min: float,
        night: date | None = None,
        timezone: str | None = None,
        *,
        floor: bool = False,
    ) -> str:
        """Local ``"HH:MM"`` of ``offset_min`` minutes after the start (rounded, or floored).

        Without ``night`` the nominal clock (no DST); with it, the wall clock of
        that instant in ``timezone``. ``floor`` rounds down (a time to leave by).
        """
        m = math.floor(offset_min + 1e-9) if floor else round(offset_min)
        if night is None:
            return format_hhmm(self.start_min + m)
        return self.at(m, night, timezone).strftime("%H:%M")

    def offset_of(self, moment: datetime, night: date, timezone: str | None) -> float:
        """Elapsed minutes from the start of the night of ``night`` to the aware ``moment``."""
        start = self.start_at(night, timezone).astimezone(UTC)
        return (moment.astimezone(UTC) - start).total_seconds() / 60.0

    def containing(self, moment: datetime, timezone: str | None) -> date | None:
        """The date of the night whose window holds the aware ``moment`` (start included), or ``None``."""
        local = moment.astimezone(_zone(timezone)).date()
        for night in (local - timedelta(days=1), local):
            if 0.0 <= self.offset_of(moment, night, timezone) < self.minutes(night, timezone):
                return night
        return None


def default_language(timezone: str | None) -> str:
    """The default map and report language of a scenario in ``timezone``.

    Chinese (``"zh"``) for mainland China's time zones, English (``"en"``)
    elsewhere. This is the one rule; the jobs and the map re-renderer both use it.

    Examples
    --------
    >>> default_language("Asia/Urumqi"), default_language("Europe/Berlin")
    ('zh', 'en')
    """
    return "zh" if timezone in _CHINESE_TIMEZONES else "en"


@dataclass(frozen=True)
class SearchParams:
    """The routing search's budget and seed: one object for every planning call.

    Like PyVRP's ``SolveParams`` with its stopping criteria: the min-max search
    stops when it converges, after ``max_iterations`` (a fixed length, so the same
    result on any machine) or at ``time_limit_s`` (a safety cap on wall-clock
    seconds), whichever comes first.

    Attributes
    ----------
    time_limit_s
        Without ``max_iterations`` (the plan's default, the population search of
        ``routing.population``): the size of the search as a count, 27 iterations per
        task per 20 s (at least 2,000, up to 4,000 with over 10 tasks per team; past
        600 tasks 4,000,000 / tasks per 20 s, run by one annealing), and 10 x this
        is a wall-clock safety cap (in proportion to the tasks past 600).
        With it (``solve_minmax``): the wall-clock cap of the search, in seconds
        (counted after its setup).
    max_iterations
        A fixed number of search iterations (None: the population search's count;
        ``solve_minmax`` alone: until it converges or the cap).
    seed
        Random seed (None: the config's ``seed``; in a re-plan, the plan's).
    bound_rounds
        Rounds of the assignment-MILP lower bound (0: the simple bounds only). It stops
        earlier when no subset cut is violated: Ningming converges at round 41 and its
        plan is proven optimal (25 rounds: gap 1.2 %; benchmarks/results/bound_scale.md).
        Beyond 150 links the rounds are scaled down with the instance (routing.assignment).
    bound_time_s
        Wall-clock cap of that bound (None: it grows with the instance).
    """

    time_limit_s: float = 20.0
    max_iterations: int | None = None
    seed: int | None = None
    bound_rounds: int = 45
    bound_time_s: float | None = None

    def __post_init__(self) -> None:
        if self.max_iterations is not None and not (
            isinstance(self.max_iterations, int) and self.max_iterations >= 0
        ):
            raise ConfigError(
                "a whole number >= 0 (0: the start solution only)",
                field="max_iterations",
                value=self.max_iterations,
            )
        if self.seed is not None and not (isinstance(self.seed, int) and self.seed >= 0):
            raise ConfigError("a whole number >= 0", field="seed", value=self.seed)
        if not (isinstance(self.bound_rounds, int) and self.bound_rounds >= 0):
            raise ConfigError("a whole number >= 0", field="bound_rounds", value=self.bound_rounds)

    def replace(self, **changes: Any) -> SearchParams:
        """A copy with ``changes`` applied (validated)."""
        return dataclasses.replace(self, **changes)

    def seeded(self, default: int) -> int:
        """The seed, or ``default`` when none is given."""
        return default if self.seed is None else self.seed


def check_range(
    name: str,
    value: float,
    *,
    field: str | None = None,
    file: str | Path | None = None,
    error: type[ConfigError] | Any = None,
) -> None:
    """Refuse ``value`` of option ``name`` when it lies outside ``RANGES[name]``, naming the range."""
    lo, hi, unit = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise (error or ConfigError)(
            f"{name} must be a number", field=field or name, value=value, file=file
        )
    if not lo <= value <= hi:
        unit = f" {unit}" if unit else ""
        raise (error or ConfigError)(
            f"{name} must be between {lo:g} and {hi:g}{unit}",
            field=field or name,
            value=value,
            file=file,
        )


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
            if not (
                isinstance(speed, int | float)
                and not isinstance(speed, bool)
                and math.isfinite(speed)
                and speed > 0
            ):
                raise ConfigError(
                    f"speed of vehicle profile {self.name!r} on highway class {cls!r} "
                    "must be a positive number of km/h",
                    field=f"profiles.{self.name}.{cls}",
                    value=speed,
                )
            check_range("speed_kmh", speed, field=f"profiles.{self.name}.{cls}")

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


def _positive(name: str, value: Any, *, field: str | None = None) -> None:
    where = field or name
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number", field=where, value=value)
    if value <= 0:
        raise ConfigError(f"{name} must be greater than 0", field=where, value=value)


@dataclass(frozen=True)
class Targets:
    """The coverage targets: what counts as watched by response time and by revisits.

    Parameters
    ----------
    max_response_min
        A unit is watched by response when a team or checkpoint crew reaches
        it within this many minutes.
    max_revisit_min
        A unit is watched by revisits when its worst revisit interval in the
        night window is at most this many minutes.
    """

    max_response_min: float = 30.0
    max_revisit_min: float = 120.0

    def __post_init__(self) -> None:
        for name in ("max_response_min", "max_revisit_min"):
            value = getattr(self, name)
            _positive(name, value, field=f"targets.{name}")
            check_range(name, value, field=f"targets.{name}")


#: The default coverage targets: every default of a ``max_response_min`` or
#: ``max_revisit_min`` argument in the package comes from here.
TARGETS = Targets()


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
    crossing_min
        Exposure τ of a crossing: minutes a person crossing at a border unit is in
        view of the roads and checkpoints that watch it
        (:mod:`borderwatch.coverage.detection`).
    gpx_off_road_m
        A GPS fix farther than this from every road is off road: counted and
        reported per track, and a re-plan refuses it as a team's position.
    gpx_max_stray_share
        A GPS track with a larger share of its points outside the night or off
        road is refused (a track of midday or of another night, a wrong clock).
    loops
        The county's loop rule (docs/routing.md, "Circuits"): ``"base"`` (the
        default), every loop starts and ends at the team's base and is repeated all
        night; ``"circuit"``, each team drives from its base once before the window
        (the approach), repeats a closed walk over its roads that need not pass the
        base, and drives home after the window.
    max_approach_min
        Longest drive from a team's base to a loop it co-patrols; with ``loops =
        "circuit"`` also to every road its circuit serves (a road no base reaches in
        that time goes to its nearest teams).
    detours
        Let the detection odds draw *drawn detours* (issue #25, ``plan --detours``):
        a turn-back on the stretch of a team's weakest units, within the plan's
        worst revisit, as a route variant of ``plan.json``, the roster and the
        briefing (docs/detection.md). Off by default.
    detour_max_min
        Longest loop a drawn detour may make (min). Unset: the plan's worst
        revisit, so no drawn night revisits a road later than the plan does. A
        county may allow drawn nights up to its revisit target
        (``targets.max_revisit_min``; never above it) for a less predictable
        patrol: on Ningming the informed minimum rises 0.167 -> 0.182 with loops
        through the base at 120 min (docs/detection.md).
    targets
        The coverage targets (``[targets]`` in TOML).
    limits
        Input size limits (``[limits]`` in TOML, :mod:`borderwatch.limits`).
    access
        Roads closed to the public that the patrol may use, gate keys and
        fords (``[defaults.access]`` in TOML, :class:`borderwatch.access.AccessRules`).
    night_date, timezone
        The date the planned night starts on and the scenario's zone, set only
        when that night's wall-clock length differs from the nominal one (a
        daylight-saving changeover): :attr:`night_minutes` is then 540 or 660
        for a 20:00-06:00 window. Not options of a TOML file.
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
    crossing_min: float = 15.0
    gpx_off_road_m: float = 500.0
    gpx_max_stray_share: float = 0.5
    loops: str = "base"
    max_approach_min: float = 60.0
    detours: bool = False
    detour_max_min: float | None = None
    targets: Targets = field(default_factory=Targets)
    limits: Limits = field(default_factory=Limits)
    access: AccessRules = field(default_factory=AccessRules)
    night_date: date | None = None
    timezone: str | None = None

    def __post_init__(self) -> None:
        for name in (
            "unit_length_m",
            "checkpoint_radius_m",
            "patrol_view_m",
            "max_snap_m",
            "walk_speed_kmh",
            "walk_detour",
            "min_loop_min",
            "crossing_min",
            "max_approach_min",
        ):
            _positive(name, getattr(self, name))
        if self.loops not in LOOP_RULES:
            raise ConfigError(
                f"loops must be one of {', '.join(repr(x) for x in LOOP_RULES)}",
                field="loops",
                value=self.loops,
            )
        if self.walk_detour < 1:
            raise ConfigError(
                "walk_detour must be at least 1", field="walk_detour", value=self.walk_detour
            )
        for name in RANGES:
            if getattr(self, name, None) is not None:
                check_range(name, getattr(self, name))
        parse_hhmm(self.night_start, field="night_start")
        parse_hhmm(self.night_end, field="night_end")
        if not isinstance(self.targets, Targets):
            raise ConfigError(
                "targets must be a Targets object", field="targets", value=self.targets
            )
        if self.night_start == self.night_end:
            raise ConfigError(
                "night window is empty: night_end equals night_start",
                field="night_end",
                value=self.night_end,
            )
        if not isinstance(self.detours, bool):
            raise ConfigError("detours must be true or false", field="detours", value=self.detours)
        self._check_detour_max()
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError("seed must be a non-negative integer", field="seed", value=self.seed)

    @property
    def night_start_min(self) -> int:
        """Start of the night window in minutes after midnight."""
        return parse_hhmm(self.night_start, field="night_start")

    def _check_detour_max(self) -> None:
        """``detour_max_min``: unset, or a number of minutes within the revisit target."""
        cap = self.detour_max_min
        if cap is None:
            return
        _positive("detour_max_min", cap)
        target = self.targets.max_revisit_min
        if cap > target:
            raise ConfigError(
                f"detour_max_min must not exceed the revisit target ({target:g} min)",
                field="detour_max_min",
                value=cap,
            )

    @property
    def night(self) -> NightWindow:
        """The night window (:class:`NightWindow`) of ``night_start`` and ``night_end``."""
        return NightWindow(self.night_start, self.night_end)

    @property
    def night_minutes(self) -> float:
        """Length of the night window in minutes (an end before the start is on the next day).

        Of the dated night in ``timezone`` when ``night_date`` is set (a DST changeover).
        """
        return float(self.night.minutes(self.night_date, self.timezone))

    def clock(self, offset_min: float, *, floor: bool = False) -> str:
        """Local ``"HH:MM"`` of ``offset_min`` elapsed minutes after the window start.

        The wall clock of the dated night on a DST changeover night
        (:meth:`on_night`), else the nominal clock (:meth:`NightWindow.clock`).
        """
        return self.night.clock(offset_min, self.night_date, self.timezone, floor=floor)

    def on_night(self, night: date, timezone: str | None) -> PlanConfig:
        """This config for the night starting on ``night`` in ``timezone``.

        ``self`` when that night is as long as the nominal window (no DST
        changeover), else a copy whose :attr:`night_minutes` is the wall-clock length.
        """
        if self.night.minutes(night, timezone) == self.night.minutes():
            return self
        return dataclasses.replace(self, night_date=night, timezone=timezone)

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

#: PlanConfig fields holding one scalar (all but ``profiles`` and ``targets``), in declaration order.
SCALAR_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in dataclasses.fields(PlanConfig)
    if f.name not in ("profiles", "targets", "limits", "access", "night_date", "timezone")
)

#: PlanConfig fields written in a TOML file's ``[defaults]`` table (``profiles`` as
#: ``[defaults.profiles.NAME]``); the night and the targets have tables of their own.
OPTION_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in dataclasses.fields(PlanConfig)
    if f.name not in ("night_start", "night_end", "targets", "limits", "night_date", "timezone")
)

_TARGET_FIELDS = tuple(f.name for f in dataclasses.fields(Targets))
_NIGHT_KEYS = {"start": "night_start", "end": "night_end"}
#: The planning tables shared by scenario.toml and a --config file.
PLAN_TABLES = ("night", "defaults", "targets", "limits")


def read_toml(
    path: str | Path, *, error: type[ConfigError] | Any = ConfigError, what: str = "file"
) -> dict[str, Any]:
    """Read a TOML file, raising ``error`` (a located error class) naming the file when it is missing or bad."""
    path = Path(path)
    if not path.is_file():
        if path.is_dir():
            raise error(f"{what} is a folder, not a file", file=path)
        if path.exists():  # never opened: a FIFO or a device could block the read forever
            raise error(f"{what} is not a regular file (a FIFO, device or socket)", file=path)
        raise error(f"{what} not found", file=path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise error(f"not valid TOML: {err}", file=path) from None


def _profiles(value: Any, base: Mapping[str, VehicleProfile], file: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            "profiles must be a table of profile name = {highway = km/h}",
            field="profiles",
            value=value,
            file=file,
        )
    profiles: dict[str, VehicleProfile] = dict(base)
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
        checked = VehicleProfile(str(pname), {str(k): s for k, s in speeds.items()})
        profiles[pname] = VehicleProfile(
            checked.name, {k: float(s) for k, s in checked.speeds_kmh.items()}
        )
    return profiles


def _targets(value: Any, base: Targets) -> Targets:
    if isinstance(value, Targets):
        return value
    if not isinstance(value, Mapping):
        raise ConfigError(
            "targets must be a table of max_response_min, max_revisit_min",
            field="targets",
            value=value,
        )
    for key, val in value.items():
        if key not in _TARGET_FIELDS:
            raise unknown_key(key, val, _TARGET_FIELDS, where=f"targets.{key}")
    return dataclasses.replace(base, **dict(value))


def from_mapping(
    values: Mapping[str, Any], *, base: PlanConfig | None = None, file: str | Path | None = None
) -> PlanConfig:
    """Build a :class:`PlanConfig` from flat values (field name = value), over ``base``.

    A ``profiles`` value maps a profile name to ``{highway: km/h}``; a profile
    given there replaces the default profile of that name entirely. A
    ``targets`` value is a :class:`Targets` or a table of its fields (merged
    over ``base.targets``).

    Raises
    ------
    ConfigError
        Naming the option (and ``file``) of the first bad value or unknown option.
    """
    base = base or PlanConfig()
    kwargs: dict[str, Any] = {}
    try:
        for key, value in values.items():
            if key not in _FIELDS:
                raise unknown_key(key, value, sorted(_FIELDS), what="option")
            if key == "profiles":
                value = _profiles(value, base.profiles, file)
            elif key == "targets":
                value = _targets(value, base.targets)
            elif key == "limits":
                value = limits_from_mapping(value, base=base.limits)
            elif key == "access":
                value = access_from_mapping(value, base=base.access)
            kwargs[key] = value
        return dataclasses.replace(base, **kwargs)
    except ConfigError as err:
        if file is not None and err.file is None:
            raise ConfigError(err.message, field=err.field, value=err.value, file=file) from None
        raise


@dataclass(frozen=True)
class PlanOptions:
    """The planning options read from one TOML document, before they become a PlanConfig.

    Parameters
    ----------
    values
        Flat :class:`PlanConfig` field values (``night_start``, ``profiles``,
        ``targets`` as a table, ...), for :func:`from_mapping`.
    keys
        For each field in ``values``, the dotted key it was written as in the
        file (``night.start``, ``defaults.unit_length_m``), named in errors.
    file
        The file read.
    error
        The located error class raised for bad values.
    warning
        The warning class issued for old forms and doubtful values.
    """

    values: Mapping[str, Any]
    keys: Mapping[str, str]
    file: str | Path | None = None
    error: type[ConfigError] | Any = ConfigError
    warning: type[Warning] = ConfigWarning

    def to_config(self, base: PlanConfig | None = None) -> PlanConfig:
        """Validate the values over ``base`` into a :class:`PlanConfig`.

        Errors name the file and the key as written in it; a night longer
        than :data:`LONG_NIGHT_MIN` given here is accepted with a warning.
        """
        try:
            cfg = from_mapping(self.values, base=base)
        except ConfigError as err:
            raise self.error(
                err.message, file=self.file, field=self._key(err.field), value=err.value
            ) from None
        if "night_start" in self.values or "night_end" in self.values:
            length = cfg.night_minutes
            if length > LONG_NIGHT_MIN:
                where = f"{self.file}: " if self.file is not None else ""
                warnings.warn(
                    self.warning(
                        f"{where}night {cfg.night_start}-{cfg.night_end} is {length / 60:g} h long "
                        "(an end before the start is on the next day); check [night] start and end"
                    ),
                    stacklevel=2,
                )
        return cfg

    def _key(self, field: str | None) -> str | None:
        if field is None:
            return None
        head, _, rest = field.partition(".")
        key = self.keys.get(field) or self.keys.get(head)
        if key is None:
            return field
        return f"{key}.{rest}" if rest and key != field else key


def _table(
    value: Any, key: str, hint: str, file: str | Path | None, error: Any
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise error(f"[{key}] must be a table ({hint})", field=key, value=value, file=file)
    return value


def plan_options(
    doc: Mapping[str, Any],
    *,
    file: str | Path | None = None,
    error: type[ConfigError] | Any = ConfigError,
    warning: type[Warning] = ConfigWarning,
    other_keys: tuple[str, ...] = (),
) -> PlanOptions:
    """Read the planning tables (``[night]``, ``[defaults]``, ``[targets]``) of a TOML document.

    This is the one reader of the shared format (module docstring): used for
    ``scenario.toml`` (with its scenario keys as ``other_keys``) and for a
    ``--config`` file.

    Parameters
    ----------
    doc
        The parsed TOML document.
    file
        The file, named in errors and warnings.
    error
        The located error class to raise (``ScenarioError`` for a scenario).
    warning
        The warning class for the old flat form (``ScenarioWarning`` for a scenario).
    other_keys
        Top-level keys that belong to the caller (skipped here, allowed).

    Returns
    -------
    PlanOptions
        Call :meth:`PlanOptions.to_config` to validate the values.

    Raises
    ------
    ConfigError
        (or ``error``) for a table that is not a table, an unknown key (naming
        the nearest known key) or an option given twice.
    """
    values: dict[str, Any] = {}
    keys: dict[str, str] = {}
    old: list[str] = []

    def put(name: str, value: Any, key: str) -> None:
        if name in values:
            raise error(
                f"given twice: as {keys[name]} and as {key}", field=key, value=value, file=file
            )
        values[name] = value
        keys[name] = key

    def unknown(key: str, value: Any, known: Any, where: str, what: str = "key") -> Any:
        return unknown_key(key, value, known, where=where, file=file, error=error, what=what)

    for key, value in doc.items():
        if key in other_keys:
            continue
        if key == "night":
            for k, v in _table(value, key, 'start = "HH:MM", end = "HH:MM"', file, error).items():
                if k not in _NIGHT_KEYS:
                    raise unknown(k, v, _NIGHT_KEYS, f"night.{k}")
                put(_NIGHT_KEYS[k], v, f"night.{k}")
        elif key == "defaults":
            for k, v in _table(value, key, "option = value", file, error).items():
                if k in ("night_start", "night_end"):
                    old.append(f"[defaults] {k} as [night] {k[6:]}")
                elif k not in OPTION_FIELDS:
                    raise unknown(k, v, OPTION_FIELDS, f"defaults.{k}", what="option")
                put(k, v, f"defaults.{k}")
        elif key == "targets":
            table = _table(value, key, "max_response_min, max_revisit_min", file, error)
            for k, v in table.items():
                if k not in _TARGET_FIELDS:
                    raise unknown(k, v, _TARGET_FIELDS, f"targets.{k}")
            put("targets", dict(table), "targets")
        elif key == "limits":
            table = _table(value, key, "input size limits, see borderwatch.limits", file, error)
            limits_from_mapping(table, file=file)  # unknown keys and bad values: limits.KEY
            put("limits", dict(table), "limits")
        elif key in ("night_start", "night_end"):
            old.append(f"{key} as [night] {key[6:]}")
            put(key, value, key)
        elif key == "profiles":
            old.append("[profiles.NAME] as [defaults.profiles.NAME]")
            put(key, value, key)
        elif key in OPTION_FIELDS:
            old.append(f"{key} as [defaults] {key}")
            put(key, value, key)
        else:
            raise unknown(key, value, (*other_keys, *PLAN_TABLES), key)
    if old:
        where = f"{file}: " if file is not None else ""
        warnings.warn(
            warning(
                f"{where}old flat form: write {', '.join(old)} (README, section Configuration)"
            ),
            stacklevel=2,
        )
    return PlanOptions(values, keys, file=file, error=error, warning=warning)


def load_config(path: str | Path, *, base: PlanConfig | None = None) -> PlanConfig:
    """Read a :class:`PlanConfig` from a TOML file in the shared format (module docstring).

    Parameters
    ----------
    path
        TOML file with ``[night]``, ``[defaults]`` and ``[targets]`` tables.
    base
        Values not in the file come from here (default: the built-in
        defaults); the command line passes ``scenario.default_config()``.

    Returns
    -------
    PlanConfig
        ``base`` (or the built-in defaults) with the values the file sets
        replaced, validated.

    Raises
    ------
    ConfigError
        Naming the file, the key and the value.

    Warns
    -----
    ConfigWarning
        For the old flat form, and for a night longer than 16 h.
    """
    doc = read_toml(path, what="config file")
    return plan_options(doc, file=path).to_config(base)
