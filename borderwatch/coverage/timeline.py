"""The night timeline of a plan or of driven GPS tracks.

A :class:`PatrolTimeline` says, for every team, which network edges it drives
and when, in minutes from the start of the night window. The routing step
produces one from its closed walks (:meth:`PatrolTimeline.from_walks`); a
commander can build one from the GPS tracks the teams actually drove
(:func:`borderwatch.coverage.gpx.timeline_from_gpx`) and compare the two with
:func:`~borderwatch.coverage.revisit.revisits`, which also holds the pass and
interval conventions.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from borderwatch.errors import CoverageError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["PatrolTimeline", "Step"]

logger = logging.getLogger(__name__)

Step = tuple[int, bool]
"""``(edge id, forward)``: an edge of ``network.edges`` driven ``u`` → ``v`` when ``forward``."""

_SIGHTING_COLUMNS = ("team", "unit", "t")
_TOL = 1e-9


def _typed_table(
    frame: pd.DataFrame,
    what: str,
    dtypes: Mapping[str, type],
    *,
    required: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The columns ``dtypes`` of ``frame``, each as its type (``str`` as object strings).

    Raises
    ------
    CoverageError
        When a column of ``required`` (default: all of ``dtypes``) is missing;
        the field is ``what``.
    """
    need = list(dtypes) if required is None else list(required)
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise CoverageError(f"{what} lack columns {missing}; need {need}", field=what)
    return pd.DataFrame(
        {
            c: frame[c].astype(str).to_numpy(dtype=object)
            if dt is str
            else np.asarray(frame[c], dtype=dt)
            for c, dt in dtypes.items()
        }
    )


def _empty_traversals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": pd.Series([], dtype=object),
            "edge": pd.Series([], dtype=np.int64),
            "t_start": pd.Series([], dtype=float),
            "t_end": pd.Series([], dtype=float),
            "forward": pd.Series([], dtype=bool),
        }
    )


def _traversal_table(
    frames: Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> pd.DataFrame:
    """One traversal table of per-team ``(team, edge, t_start, t_end, forward)`` arrays, in order."""
    return pd.DataFrame(
        {
            "team": np.repeat(
                np.array([f[0] for f in frames], dtype=object), [len(f[1]) for f in frames]
            ),
            "edge": np.concatenate([f[1] for f in frames]),
            "t_start": np.concatenate([f[2] for f in frames]),
            "t_end": np.concatenate([f[3] for f in frames]),
            "forward": np.concatenate([f[4] for f in frames]),
        }
    )


def _empty_sightings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": pd.Series([], dtype=object),
            "unit": pd.Series([], dtype=np.int64),
            "t": pd.Series([], dtype=float),
            "distance_m": pd.Series([], dtype=float),
        }
    )


@dataclass(frozen=True, eq=False)
class PatrolTimeline:
    """Timed edge traversals of every team through one night window.

    Parameters
    ----------
    window_min
        Length of the night window in minutes; times run from 0 (window start).
    teams
        Ids of the teams on patrol (``network.teams`` index). A team may have no
        traversal (it stayed at base); the tuple itself must not be empty.
    traversals
        One row per driven edge: ``team`` (str), ``edge`` (int, row of
        ``network.edges``), ``t_start`` and ``t_end`` (minutes from window
        start), ``forward`` (bool, driven ``u`` → ``v``). ``t_start`` must lie in
        ``[0, window_min]``; the last traversal of a team may end after the window
        (it is under way when the night ends). Rows are sorted by team and time;
        the order of a team's rows is its driving order.
    sightings
        Direct observations from GPS tracks: ``team``, ``unit`` (int),
        ``t`` (minutes, in the window), ``distance_m``. Each row is one pass.
        Empty for a plan.
    source
        Where the timeline came from (``"plan"``, or the GPX files).

    Raises
    ------
    CoverageError
        If there is no team, a time is outside the window or not finite, a
        traversal ends before it starts, or a row names a team not in ``teams``.
    """

    window_min: float
    teams: tuple[str, ...]
    traversals: pd.DataFrame = field(default_factory=_empty_traversals)
    sightings: pd.DataFrame = field(default_factory=_empty_sightings)
    source: str = "plan"

    def __post_init__(self) -> None:
        w = self.window_min
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w <= 0:
            raise CoverageError(
                "window_min must be a positive number of minutes", field="window_min", value=w
            )
        object.__setattr__(self, "window_min", float(w))
        teams = tuple(str(t) for t in self.teams)
        if not teams:
            raise CoverageError(
                "empty plan: a timeline needs at least one team", field="teams", value=self.teams
            )
        if len(set(teams)) != len(teams):
            raise CoverageError("team ids must be unique", field="teams", value=teams)
        object.__setattr__(self, "teams", teams)
        object.__setattr__(self, "traversals", self._check_traversals(self.traversals))
        object.__setattr__(self, "sightings", self._check_sightings(self.sightings))

    # ------------------------------------------------------------------ validation
    def _check_teams(self, column: pd.Series, what: str) -> None:
        # the distinct ids first (a set of the whole column iterates it in Python: ~25 ms a night)
        unknown = sorted(set(column.astype(str).unique()) - set(self.teams))
        if unknown:
            raise CoverageError(
                f"{what} names a team that is not in the timeline's teams ({', '.join(self.teams)})",
                field="team",
                value=unknown[0],
            )

    def _check_traversals(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = _typed_table(
            frame,
            "traversals",
            {"team": str, "edge": np.int64, "t_start": float, "t_end": float, "forward": bool},
        )
        self._check_teams(out["team"], "a traversal")
        ts, te = out["t_start"].to_numpy(), out["t_end"].to_numpy()
        for bad, problem, column, value in (
            (
                ~(np.isfinite(ts) & np.isfinite(te)),
                "has a time that is not a finite number",
                "t_start",
                ts,
            ),
            (
                (ts < -_TOL) | (ts > self.window_min + _TOL),
                f"starts outside the night window [0, {self.window_min:g}] min",
                "t_start",
                ts,
            ),
            (te < ts, "ends before it starts ({start:g} min)", "t_end", te),
        ):
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise CoverageError(
                    f"traversal of edge {out['edge'].iloc[i]} by team {out['team'].iloc[i]!r} "
                    + problem.format(start=ts[i]),
                    field=column,
                    value=float(value[i]),
                )
        if (out["edge"] < 0).any():
            raise CoverageError(
                "edge ids must be non-negative", field="edge", value=int(out["edge"].min())
            )
        # stable: a team's rows keep their driving order
        order = np.lexsort(
            (np.arange(len(out)), out["t_start"].to_numpy(), out["team"].to_numpy().astype(str))
        )
        return out.iloc[order].reset_index(drop=True)

    def _check_sightings(self, frame: pd.DataFrame) -> pd.DataFrame:
        if "distance_m" not in frame.columns:
            frame = frame.assign(distance_m=0.0)
        out = _typed_table(
            frame,
            "sightings",
            {"team": str, "unit": np.int64, "t": float, "distance_m": float},
            required=_SIGHTING_COLUMNS,
        )
        self._check_teams(out["team"], "a sighting")
        t = out["t"].to_numpy()
        bad = ~np.isfinite(t) | (t < -_TOL) | (t > self.window_min + _TOL)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CoverageError(
                f"sighting of unit {out['unit'].iloc[i]} by team {out['team'].iloc[i]!r} lies outside "
                f"the night window [0, {self.window_min:g}] min",
                field="t",
                value=float(t[i]),
            )
        order = np.lexsort((out["unit"].to_numpy(), t, out["team"].to_numpy().astype(str)))
        return out.iloc[order].reset_index(drop=True)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_walks(
        cls,
        network: PatrolNetwork,
        walks: Mapping[str, Sequence[Step]],
        *,
        start_min: Mapping[str, float] | float = 0.0,
        window_min: float | None = None,
        loop: bool = True,
    ) -> PatrolTimeline:
        """Time the closed walks of a plan through the night window.

        Each team starts its walk at its start time and, with ``loop``, drives
        it again and again until the window ends. Edge times come from
        :meth:`PatrolNetwork.edge_seconds` of the team's vehicle profile.

        Parameters
        ----------
        network
            The network the walks run on.
        walks
            Team id (``network.teams`` index) to its walk as ``(edge id,
            forward)`` steps, e.g. ``RoutingResult.walks`` keyed by team id. A
            team with an empty walk stays at base.
        start_min
            Minutes after the window start at which each team starts its first
            loop (one number for all teams, or a mapping; teams missing from
            the mapping start at 0). With ``loop``, a start may be negative (by
            less than one loop): the team set out before the night and is that
            far into its loop at the window start; traversals begun before the
            window start are left out.
        window_min
            Window length in minutes (default ``network.config.night_minutes``).
        loop
            Repeat each walk until the window ends (default), or drive it once.

        Returns
        -------
        PatrolTimeline

        Raises
        ------
        CoverageError
            If ``walks`` is empty or every walk is empty, a team is unknown,
            an edge id is out of range or not drivable by the team's vehicle,
            or a start time is outside the window.
        """
        window = float(network.config.night_minutes if window_min is None else window_min)
        if not walks:
            raise CoverageError("empty plan: no team has a walk", field="walks", value={})
        if all(len(w) == 0 for w in walks.values()):
            raise CoverageError(
                "empty plan: every walk is empty", field="walks", value=sorted(walks)
            )
        known = set(network.teams.index.astype(str))
        n_edges = len(network.edges)
        # per team: (team, edges, starts, ends, forward); one table of them all at the end
        frames: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for team, walk in walks.items():
            team = str(team)
            if team not in known:
                raise CoverageError(
                    f"unknown team; known: {', '.join(sorted(known))}", field="team", value=team
                )
            s0 = float(start_min.get(team, 0.0) if isinstance(start_min, Mapping) else start_min)
            if not (math.isfinite(s0) and (0 <= s0 < window or (loop and s0 < 0))):
                raise CoverageError(
                    f"start time of team {team!r} is outside the night window [0, {window:g}) min",
                    field="start_min",
                    value=s0,
                )
            if len(walk) == 0:
                continue
            edges = np.asarray([int(e) for e, _ in walk], dtype=np.int64)
            fwd = np.asarray([bool(f) for _, f in walk], dtype=bool)
            bad = (edges < 0) | (edges >= n_edges)
            if bad.any():
                raise CoverageError(
                    f"team {team!r}: edge id out of range 0..{n_edges - 1}",
                    field="walks",
                    value=int(edges[bad][0]),
                )
            profile = str(network.teams.loc[team, "vehicle"])
            minutes = network.edge_seconds(profile)[edges] / 60.0
            if not np.isfinite(minutes).all():
                e = int(edges[~np.isfinite(minutes)][0])
                raise CoverageError(
                    f"team {team!r}: its vehicle ({profile}) may not drive edge {e} "
                    f"({network.edges.loc[e, 'highway']})",
                    field="walks",
                    value=e,
                )
            loop_min = float(minutes.sum())
            n_loops = 1
            if loop and loop_min > 0:
                n_loops = max(1, math.ceil((window - s0) / loop_min))
            elif loop:
                logger.warning("team %s: walk takes no time; driven once", team)
            ends = s0 + np.cumsum(np.tile(minutes, n_loops))
            starts = np.concatenate([[s0], ends[:-1]])
            if s0 < 0 and s0 <= -loop_min:
                raise CoverageError(
                    f"start time of team {team!r} is a whole loop ({loop_min:.1f} min) or more "
                    "before the window start",
                    field="start_min",
                    value=s0,
                )
            # a traversal under way at the window end is kept; one begun before the window
            # start (negative start: the team set out before the night) is left out
            keep = (starts < window - _TOL) & (starts >= -_TOL)
            frames.append(
                (
                    team,
                    np.tile(edges, n_loops)[keep],
                    starts[keep],
                    ends[keep],
                    np.tile(fwd, n_loops)[keep],
                )
            )
        trav = _traversal_table(frames) if frames else _empty_traversals()
        return cls(
            window_min=window, teams=tuple(str(t) for t in walks), traversals=trav, source="plan"
        )
