"""ISO weeks, the roster site (what a roster needs from a scenario) and duty slots."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from borderwatch.config import NightWindow
from borderwatch.errors import ConfigError
from borderwatch.roster.config import RosterConfig

if TYPE_CHECKING:
    from borderwatch.data.scenario import Scenario

__all__ = ["RosterSite", "Slot", "iso_week", "make_slots", "week_label"]

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
DAY = 1440


def iso_week(text: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www`` (e.g. ``2026-W49``).

    Parameters
    ----------
    text
        The week, ``YYYY-Www`` (surrounding blanks are ignored), of a year
        from 1900 to 9998.

    Returns
    -------
    datetime.date
        The Monday of that week.

    Raises
    ------
    ConfigError
        On field ``week``: not ``YYYY-Www``, a year outside 1900-9998, or a
        week the year does not have.
    """
    m = _WEEK.match(str(text).strip())
    if not m:
        raise ConfigError("expected an ISO week YYYY-Www, e.g. 2026-W49", field="week", value=text)
    if not 1900 <= int(m.group(1)) <= 9998:  # the roster looks at weeks before and after
        raise ConfigError("a week of the years 1900-9998", field="week", value=text)
    try:
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise ConfigError("no such ISO week", field="week", value=text) from None


def week_label(monday: date) -> str:
    """``YYYY-Www`` of the week holding ``monday``.

    Parameters
    ----------
    monday
        Any day of the week (normally its Monday).

    Returns
    -------
    str
        The ISO week, e.g. ``"2026-W49"``; the inverse of :func:`iso_week`.
    """
    y, w, _ = monday.isocalendar()
    return f"{y}-W{w:02d}"


@dataclass(frozen=True)
class RosterSite:
    """What a roster needs from a scenario.

    Parameters
    ----------
    name
        Scenario name.
    checkpoints
        Checkpoint id → township, in scenario order.
    teams
        Team id → (name, crew per night), in scenario order.
    border_townships
        Townships the county leader inspects in turn.
    timezone
        IANA zone of all times.
    night_window
        The night window (:class:`~borderwatch.config.NightWindow`; a
        ``("HH:MM", "HH:MM")`` pair is read into one).
    checkpoint_names
        Checkpoint id → display name (optional).
    """

    name: str
    checkpoints: Mapping[str, str]
    teams: Mapping[str, tuple[str, int]]
    border_townships: tuple[str, ...]
    timezone: str = "Asia/Shanghai"
    night_window: NightWindow = field(default_factory=NightWindow)
    checkpoint_names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        window = NightWindow.of(self.night_window, field="night_window")
        object.__setattr__(self, "night_window", window)

    @property
    def night(self) -> NightWindow:
        """The night window (:class:`~borderwatch.config.NightWindow`)."""
        return self.night_window

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> RosterSite:
        """Take checkpoints, teams, border townships, zone and night window from a scenario."""
        cps = scenario.checkpoints
        teams = scenario.teams
        return cls(
            name=scenario.name,
            checkpoints={str(i): str(t) for i, t in zip(cps.index, cps["township"], strict=True)},
            teams={
                str(i): (str(n), int(c))
                for i, n, c in zip(teams.index, teams["name"], teams["crew"], strict=True)
            },
            border_townships=tuple(scenario.townships),
            timezone=scenario.timezone,
            night_window=scenario.night_window,
            checkpoint_names={str(i): str(n) for i, n in zip(cps.index, cps["name"], strict=True)},
        )

    @property
    def townships(self) -> list[str]:
        """Townships with checkpoints, in first-seen order."""
        return list(dict.fromkeys(self.checkpoints.values()))


@dataclass(frozen=True)
class Slot:
    """One duty to fill: a shift, a patrol night or an inspection night.

    ``start``/``end`` are minutes from the week's Monday 00:00 local time.
    """

    key: str
    kind: str  # checkpoint | patrol | inspect
    pool: str
    day: int
    shift: str
    start: int
    end: int
    night: bool
    demand: int
    place: str = ""

    def start_dt(self, monday: date) -> datetime:
        return datetime.combine(monday, datetime.min.time()) + timedelta(minutes=self.start)

    def end_dt(self, monday: date) -> datetime:
        return datetime.combine(monday, datetime.min.time()) + timedelta(minutes=self.end)


def night_minutes(site: RosterSite) -> tuple[int, int]:
    """Night window start and (nominal) length in minutes."""
    return site.night.start_min, site.night.minutes()


def _overlap_night(start: int, end: int, ns: int, nl: int) -> int:
    total = 0
    for d in range(start // DAY - 1, end // DAY + 1):
        a, b = d * DAY + ns, d * DAY + ns + nl
        total += max(0, min(end, b) - max(start, a))
    return total


def make_slots(
    site: RosterSite,
    config: RosterConfig,
    duty: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> list[Slot]:
    """All slots of a week: checkpoint shifts per township, patrol nights per team, inspections.

    Parameters
    ----------
    site, config
        The roster site and options.
    duty
        Team id -> for each night of the week ``(lead_min, tail_min)``: the
        crew's duty runs from ``lead_min`` before the window start (leaving the
        base) to ``tail_min`` after its end (back at the base), the plan's duty
        times of that night's route variant (:class:`~borderwatch.planfiles.planfile.PlanFile`).
        Default: the window itself.

    Returns
    -------
    list of Slot
        Per township and day, one checkpoint slot per shift (``demand``: its
        checkpoints times ``staff_per_shift``; ``night`` when at least half of
        the shift lies in the night window); per team and day, one patrol slot
        (``demand``: the team's crew) over the duty times. Times are minutes
        from the week's Monday 00:00.
    """
    from collections import Counter

    ns, nl = night_minutes(site)
    length = round(config.shift_hours * 60)
    n_cp = Counter(site.checkpoints.values())
    slots: list[Slot] = []
    for township in site.townships:
        for d in range(7):
            for name, st in zip(config.shift_names, config.shift_start_min, strict=True):
                s = d * DAY + st
                slots.append(
                    Slot(
                        key=f"{township}|{d}|{name}",
                        kind="checkpoint",
                        pool=f"township:{township}",
                        day=d,
                        shift=name,
                        start=s,
                        end=s + length,
                        night=2 * _overlap_night(s, s + length, ns, nl) >= length,
                        demand=n_cp[township] * config.staff_per_shift,
                        place=township,
                    )
                )
    for team, (_name, crew) in site.teams.items():
        for d in range(7):
            nights = duty.get(team, ()) if duty else ()
            lead, tail = nights[d] if d < len(nights) else (0, 0)
            s = d * DAY + ns
            slots.append(
                Slot(
                    f"{team}|{d}|patrol",
                    "patrol",
                    f"team:{team}",
                    d,
                    "patrol",
                    s - lead,
                    s + nl + tail,
                    True,
                    crew,
                    team,
                )
            )
    return slots
