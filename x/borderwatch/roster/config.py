"""Roster options: shift pattern, rest and workload rules, objective weights, salt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from borderwatch.config import parse_hhmm
from borderwatch.errors import ConfigError

__all__ = ["SALT_ENV", "RosterConfig"]

SALT_ENV = "BORDERWATCH_ROSTER_SALT"
"""Environment variable holding the secret of the route rotation."""


@dataclass(frozen=True)
class RosterConfig:
    """Typed, validated options of the weekly roster.

    Parameters
    ----------
    shift_starts
        Local start times of the checkpoint shifts (default three 8 h shifts).
    shift_names
        One name per shift, in the same order.
    shift_hours
        Length of a checkpoint shift.
    staff_per_shift
        People at each checkpoint in each shift.
    rest_hours
        Least rest between the end of one duty and the start of the next.
    max_shifts
        Most duties (shifts, patrol nights, inspection nights) per person per week.
    max_night_shifts
        Most night duties per person per week. A checkpoint shift is a night
        shift when at least half of it lies inside the night window; patrols and
        inspections are always night duties.
    salt
        Secret mixed with the ISO week to seed the route-variant rotation:
        reproducible for whoever holds it, unpredictable for anyone else.
    time_limit_s
        HiGHS time limit per pool (township, team, leaders).
    w_fair_total, w_fair_week, w_shift_week, w_change
        Objective weights: spread of cumulative night duties (history + this
        week), spread of this week's night duties, spread of this week's duties,
        and one changed assignment against last week.
    """

    shift_starts: tuple[str, ...] = ("06:00", "14:00", "22:00")
    shift_names: tuple[str, ...] = ("day", "evening", "night")
    shift_hours: float = 8.0
    staff_per_shift: int = 2
    rest_hours: float = 12.0
    max_shifts: int = 5
    max_night_shifts: int = 3
    salt: str = ""
    time_limit_s: float = 60.0
    w_fair_total: float = 10000.0
    w_fair_week: float = 1000.0
    w_shift_week: float = 100.0
    w_change: float = 1.0

    def __post_init__(self) -> None:
        if not self.shift_starts:
            raise ConfigError("at least one shift is needed", field="shift_starts", value=())
        if len(self.shift_names) != len(self.shift_starts):
            raise ConfigError(
                f"needs one name per shift ({len(self.shift_starts)})",
                field="shift_names",
                value=self.shift_names,
            )
        if len(set(self.shift_names)) != len(self.shift_names):
            raise ConfigError(
                "shift names must differ", field="shift_names", value=self.shift_names
            )
        starts = [parse_hhmm(s, field="shift_starts") for s in self.shift_starts]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ConfigError(
                "shift starts must be increasing", field="shift_starts", value=self.shift_starts
            )
        if not 0 < self.shift_hours <= 24:
            raise ConfigError("must be in (0, 24]", field="shift_hours", value=self.shift_hours)
        if self.staff_per_shift < 1:
            raise ConfigError(
                "must be at least 1", field="staff_per_shift", value=self.staff_per_shift
            )
        if self.rest_hours < 0:
            raise ConfigError("must be 0 or more", field="rest_hours", value=self.rest_hours)
        if self.max_shifts < 1:
            raise ConfigError("must be at least 1", field="max_shifts", value=self.max_shifts)
        if not 0 <= self.max_night_shifts <= self.max_shifts:
            raise ConfigError(
                f"must be between 0 and max_shifts ({self.max_shifts})",
                field="max_night_shifts",
                value=self.max_night_shifts,
            )
        if self.time_limit_s <= 0:
            raise ConfigError("must be positive", field="time_limit_s", value=self.time_limit_s)

    @classmethod
    def from_options(
        cls,
        *,
        salt: str | None = None,
        time_limit_s: float | None = None,
        max_shifts: int | None = None,
        max_night_shifts: int | None = None,
        rest_hours: float | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> RosterConfig:
        """The config of a roster run: given options over the defaults; the salt from ``$BORDERWATCH_ROSTER_SALT`` when not given.

        ``None`` keeps a default. The command line and cron scripts use this one way.
        """
        import os

        env = os.environ if environ is None else environ
        options: dict[str, Any] = {"salt": salt if salt is not None else env.get(SALT_ENV, "")}
        for name, value in (
            ("time_limit_s", time_limit_s),
            ("max_shifts", max_shifts),
            ("max_night_shifts", max_night_shifts),
            ("rest_hours", rest_hours),
        ):
            if value is not None:
                options[name] = value
        return cls(**options)

    @property
    def shift_start_min(self) -> tuple[int, ...]:
        """Shift starts in minutes after midnight."""
        return tuple(parse_hhmm(s, field="shift_starts") for s in self.shift_starts)

    def public(self) -> dict[str, object]:
        """The options as written to ``summary.json`` (the salt left out)."""
        return {
            "shift_starts": list(self.shift_starts),
            "shift_names": list(self.shift_names),
            "shift_hours": self.shift_hours,
            "staff_per_shift": self.staff_per_shift,
            "rest_hours": self.rest_hours,
            "max_shifts": self.max_shifts,
            "max_night_shifts": self.max_night_shifts,
            "salted": bool(self.salt),
        }
