"""The re-plan's data model: hot stretches, team positions, take-over lines and the re-plan itself."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from borderwatch.config import NightWindow, format_hhmm
from borderwatch.errors import ConfigError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan
    from borderwatch.routing.patrol import TeamRoute

__all__ = ["HotStretch", "Replan", "Takeover", "TeamPosition"]

TOL = 1e-9
"""Tolerance of time comparisons (minutes)."""

_NUM = r"\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"
_HOT_RE = re.compile(rf"^\s*(?P<a>{_NUM})\s*-\s*(?P<b>{_NUM})\s*(?::\s*(?P<w>[-+]?{_NUM}))?\s*$")
#: Largest weight of a hot stretch (a weight of 1e308 is a typo, not a priority).
MAX_HOT_WEIGHT = 100.0


@dataclass(frozen=True)
class HotStretch:
    """A stretch of the border that turned hot: its units weigh ``weight`` times more.

    Attributes
    ----------
    start_km, end_km
        Border chainage (km) of the stretch; a unit is on it when its midpoint
        lies in ``[start_km, end_km]``.
    weight
        Factor on the units' risk weight (> 0; 2 asks for about twice the passes).
    """

    start_km: float
    end_km: float
    weight: float = 2.0

    def __post_init__(self) -> None:
        for name in ("start_km", "end_km", "weight"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ConfigError("must be a finite number", field=f"hot.{name}", value=v)
            object.__setattr__(self, name, float(v))
        if self.start_km < 0 or self.end_km <= self.start_km:
            raise ConfigError(
                "a hot stretch runs from a km to a larger km (e.g. 40.5-42.0)",
                field="hot",
                value=self.label,
            )
        if not 0 < self.weight <= MAX_HOT_WEIGHT:
            raise ConfigError(
                f"the weight must be above 0 and at most {MAX_HOT_WEIGHT:g}",
                field="hot",
                value=self.weight,
            )

    @property
    def label(self) -> str:
        """``"40.5-42.0"``: the stretch as written on the command line (without the weight)."""
        return f"{self.start_km:.1f}-{self.end_km:.1f}"

    @classmethod
    def parse(cls, text: str, *, field: str = "--hot") -> HotStretch:
        """Read ``"40.5-42.0"`` or ``"40.5-42.0:3"`` (km from, km to, optional weight, default 2).

        Raises
        ------
        ConfigError
            Naming ``field`` and the text: not of that form, an empty stretch,
            or a weight not above 0.
        """
        m = _HOT_RE.match(str(text)) if isinstance(text, str) else None
        if m is None:
            raise ConfigError(
                "a hot stretch is KM-KM or KM-KM:WEIGHT, e.g. 40.5-42.0 or 40.5-42.0:3",
                field=field,
                value=text,
            )
        a, b = float(m.group("a")), float(m.group("b"))
        w = 2.0 if m.group("w") is None else float(m.group("w"))
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ConfigError(
                "the km of a hot stretch is too large to be a km of a border",
                field=field,
                value=text,
            )
        if b <= a:
            raise ConfigError(
                "a hot stretch runs from a km to a larger km (e.g. 40.5-42.0)",
                field=field,
                value=text,
            )
        if not (0 < w <= MAX_HOT_WEIGHT):  # 1e308 is a number, but no weight
            raise ConfigError(
                f"the weight must be above 0 and at most {MAX_HOT_WEIGHT:g} "
                "(2 asks for about twice the passes)",
                field=field,
                value=text,
            )
        return cls(a, b, w)

    def units(self, network: PatrolNetwork) -> np.ndarray:
        """Positions (``network.units`` order) of the units on the stretch."""
        mid = (network.units["start_m"].to_numpy() + network.units["end_m"].to_numpy()) / 2000.0
        return np.flatnonzero((mid >= self.start_km - TOL) & (mid <= self.end_km + TOL))


@dataclass(frozen=True)
class TeamPosition:
    """Where a team is at the cut.

    Attributes
    ----------
    team
        Team id.
    node
        Network node (position in ``network.nodes``) the team is at, or reaches
        next, at the cut.
    ready_min
        Minutes after the original window start at which it is at ``node``
        (at or after the cut: a team driving a road at the cut finishes it).
    source
        ``"plan"`` (from the plan's timeline), ``"gpx"`` (last point of its
        driven track) or ``"given"`` (a node passed in by the caller).
    """

    team: str
    node: int
    ready_min: float
    source: str = "plan"


@dataclass(frozen=True)
class Takeover:
    """One line of the radio diff: a team takes over part of a dropped team's roads.

    Attributes
    ----------
    team
        Who takes over.
    from_team
        Whose roads (the dropped team).
    edges
        Required network edges taken over (ids of ``network.edges``).
    km_from, km_to
        Border chainage span (km) of the units those edges watch.
    first_pass_min
        Minutes after the original window start of the taker's first pass over
        those units after the cut (NaN if its loop passes none of them).
    """

    team: str
    from_team: str
    edges: tuple[int, ...]
    km_from: float
    km_to: float
    first_pass_min: float


@dataclass(frozen=True)
class Replan:
    """The rest of the night, re-planned (see the module notes).

    Attributes
    ----------
    original
        Tonight's plan.
    network
        The remainder's network: the surviving teams, window ``[at, end]``,
        each team's ``node`` its position at the cut.
    plan
        The remainder as an ordinary plan on ``network`` (each loop a closed
        walk from the team's position, no approach; a circuit plan's loops are
        circuits reached by an approach driven after the cut; each team's set-out,
        when it is ready, is ``plan.schedule.set_out_min``); its timeline and revisits run on the
        remainder window (0 = the cut), each team starting when it is ready at
        its position.
    at_min
        The cut, minutes after the original window start.
    dropped
        The teams that dropped out.
    hot
        The hot stretches.
    positions
        Each surviving team's position at the cut.
    takeovers
        Who takes over which of the dropped teams' roads.
    revisits
        Per unit (``network.units`` index), the rest of the night with what was
        driven before the cut counted; times in minutes after the original
        window start. Columns ``n_passes`` (after the cut), ``first_pass_min``
        and ``last_pass_min`` (after the cut, NaN if none),
        ``last_before_cut_min`` (NaN if none), ``worst_revisit_min`` (the worst
        interval ending after the cut: from the last pass before it, or the
        window start, to the next pass, ...), ``mean_revisit_min`` (mean of
        those intervals), ``never_passed`` (no pass after the cut), ``teams``
        (passing after the cut, ``;``-joined), ``weight`` (risk x hot weight).
    worst_revisit_min
        Worst of ``revisits.worst_revisit_min`` over the units tonight's plan
        passes or the new or kept plan passes (before or after the cut); a
        unit not passed after the cut counts from its last pass before it (or
        the window start) to the window end.
    original_worst_revisit_min
        The same figure, over the same units, had tonight's plan been kept
        with the dropped teams gone (what the commander gets by doing
        nothing: the units only the dropped teams passed count, unpassed).
    hot_passes
        Per hot stretch label, the passes after the cut over its least-passed
        unit (of those either plan passes; units no road watches do not
        count): ``(original plan with the dropped teams gone, new plan)``.
    seconds
        Wall-clock seconds per step and ``"total"``.
    weighted_worst_revisit_min, original_weighted_worst_revisit_min
        The worst of interval x hot weight (the hot stretches' target is
        ``T / w``), new and kept plan.
    unserved
        Required edges of tonight's plan that no surviving team patrols in
        the rest of the night: none can reach them from where it is with its
        vehicle, or the team given them is still on its road at the window
        end (standby); they stay unpatrolled.
    changed
        The surviving teams whose loop is not tonight's loop continued from
        where they are (the others keep theirs: nothing to radio to them).
    unpassed_km, original_unpassed_km
        Km of border (units of the worst-revisit figures) never passed after
        the cut by the new plan, and by tonight's plan kept with the dropped
        teams gone.
    window
        Tonight's ORIGINAL night window (the remainder's ``network`` runs from
        the cut): every clock "after the original window start" is read from it.
    """

    original: PatrolPlan
    network: PatrolNetwork
    plan: PatrolPlan
    at_min: float
    dropped: tuple[str, ...]
    hot: tuple[HotStretch, ...]
    positions: Mapping[str, TeamPosition]
    takeovers: tuple[Takeover, ...]
    revisits: pd.DataFrame
    worst_revisit_min: float
    original_worst_revisit_min: float
    hot_passes: Mapping[str, tuple[int, int]]
    seconds: Mapping[str, float]
    window: NightWindow
    weighted_worst_revisit_min: float = math.nan
    original_weighted_worst_revisit_min: float = math.nan
    unserved: tuple[int, ...] = field(default=())
    changed: tuple[str, ...] = field(default=())
    unpassed_km: float = 0.0
    original_unpassed_km: float = 0.0

    def clock(self, minutes: float) -> str:
        """Clock time of ``minutes`` after the ORIGINAL window start (rounded down)."""
        return self.window.clock(minutes, floor=True)

    @property
    def at_clock(self) -> str:
        """The cut as a time of day, ``"02:10"``."""
        return format_hhmm(self.network.config.night_start_min)

    def route(self, team: str) -> TeamRoute:
        """The new route of ``team``."""
        for r in self.plan.routes:
            if r.team == team:
                return r
        raise KeyError(team)
