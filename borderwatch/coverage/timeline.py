"""The night timeline of a plan or of driven GPS tracks, and the revisit intervals it gives.

A :class:`PatrolTimeline` says, for every team, which network edges it drives
and when, in minutes from the start of the night window. The routing step
produces one from its closed walks (:meth:`PatrolTimeline.from_walks`); a
commander can build one from the GPS tracks the teams actually drove
(:meth:`PatrolTimeline.from_gpx`) and compare the two with :func:`revisits`.

Pass convention
---------------
A unit is *passed* while a team drives an edge that watches it
(``network.watch.unit_edge``). Consecutive traversals of one team that all
watch the unit, joined at a node that is itself within ``patrol_view_m`` of
the unit, are one pass (a drive along a border road watches a unit from
several short edges in a row, and a turn at a dead end in view of it is one
visit, not two); but a run that drives an edge again in the same direction
starts a new pass there (a team looping a short route that stays in view
passes the unit once per loop, not once all night). The time of a
pass is the moment of closest approach: on the traversal whose edge comes
nearest the unit, the time at which the team is at the edge's point nearest
the unit, interpolated linearly between the traversal's start and end.

GPS tracks carry no edges: a track point within ``patrol_view_m`` of a unit
watches it; a run of consecutive track points in view is one pass, timed at
the point nearest the unit (tracks are first densified to one point every
``min(100 m, patrol_view_m / 4)`` by linear interpolation in time).

Interval convention
-------------------
For passes at ``t1 <= ... <= tn`` inside a window ``[0, W]`` the intervals are
``t1 - 0``, ``t2 - t1``, ..., ``W - tn`` (the window start and end count as
boundaries, not as passes). The *worst* interval is their maximum, the *mean*
interval their mean, ``W / (n + 1)``. A unit never passed has one interval,
the whole window. A team looping a closed route of ``D`` minutes from the
window start, with ``W`` a multiple of ``D``, therefore gives every unit on
its route a worst interval of exactly ``D``.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely

from borderwatch.errors import BorderwatchWarning, CoverageError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["PatrolTimeline", "Step", "pass_times", "revisits"]

logger = logging.getLogger(__name__)

Step = tuple[int, bool]
"""``(edge id, forward)``: an edge of ``network.edges`` driven ``u`` → ``v`` when ``forward``."""

_TRAVERSAL_COLUMNS = ("team", "edge", "t_start", "t_end", "forward")
_SIGHTING_COLUMNS = ("team", "unit", "t")
_TOL = 1e-9


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
        unknown = sorted(set(column.astype(str)) - set(self.teams))
        if unknown:
            raise CoverageError(
                f"{what} names a team that is not in the timeline's teams ({', '.join(self.teams)})",
                field="team",
                value=unknown[0],
            )

    def _check_traversals(self, frame: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in _TRAVERSAL_COLUMNS if c not in frame.columns]
        if missing:
            raise CoverageError(
                f"traversals lack columns {missing}; need {list(_TRAVERSAL_COLUMNS)}",
                field="traversals",
            )
        out = pd.DataFrame(
            {
                "team": frame["team"].astype(str).to_numpy(dtype=object),
                "edge": np.asarray(frame["edge"], dtype=np.int64),
                "t_start": np.asarray(frame["t_start"], dtype=float),
                "t_end": np.asarray(frame["t_end"], dtype=float),
                "forward": np.asarray(frame["forward"], dtype=bool),
            }
        )
        self._check_teams(out["team"], "a traversal")
        ts, te = out["t_start"].to_numpy(), out["t_end"].to_numpy()
        bad = ~(np.isfinite(ts) & np.isfinite(te))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CoverageError(
                f"traversal of edge {out['edge'].iloc[i]} by team {out['team'].iloc[i]!r} has a time "
                "that is not a finite number",
                field="t_start",
                value=float(ts[i]),
            )
        bad = (ts < -_TOL) | (ts > self.window_min + _TOL)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CoverageError(
                f"traversal of edge {out['edge'].iloc[i]} by team {out['team'].iloc[i]!r} starts outside "
                f"the night window [0, {self.window_min:g}] min",
                field="t_start",
                value=float(ts[i]),
            )
        bad = te < ts
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CoverageError(
                f"traversal of edge {out['edge'].iloc[i]} by team {out['team'].iloc[i]!r} ends before "
                f"it starts ({ts[i]:g} min)",
                field="t_end",
                value=float(te[i]),
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
        missing = [c for c in _SIGHTING_COLUMNS if c not in frame.columns]
        if missing:
            raise CoverageError(
                f"sightings lack columns {missing}; need {list(_SIGHTING_COLUMNS)}",
                field="sightings",
            )
        out = pd.DataFrame(
            {
                "team": frame["team"].astype(str).to_numpy(dtype=object),
                "unit": np.asarray(frame["unit"], dtype=np.int64),
                "t": np.asarray(frame["t"], dtype=float),
                "distance_m": np.asarray(frame["distance_m"], dtype=float),
            }
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
        frames = []
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
                pd.DataFrame(
                    {
                        "team": team,
                        "edge": np.tile(edges, n_loops)[keep],
                        "t_start": starts[keep],
                        "t_end": ends[keep],
                        "forward": np.tile(fwd, n_loops)[keep],
                    }
                )
            )
        trav = pd.concat(frames, ignore_index=True) if frames else _empty_traversals()
        return cls(
            window_min=window, teams=tuple(str(t) for t in walks), traversals=trav, source="plan"
        )

    @classmethod
    def from_gpx(
        cls,
        network: PatrolNetwork,
        tracks: Mapping[str, str | Path] | Sequence[str | Path],
        *,
        window_start: datetime | None = None,
        window_min: float | None = None,
    ) -> PatrolTimeline:
        """Build a timeline from driven GPS tracks (GPX files).

        Parameters
        ----------
        network
            The network whose units the tracks are matched to.
        tracks
            Team id to GPX file, or a list of GPX files each named after its
            team (``T1.gpx``). All tracks and segments of a file belong to
            its team.
        window_start
            The start of the night window as a time-zone aware datetime.
            Default: the start of the night (``network.config.night_start`` in
            the scenario's time zone) that contains the first timed point.
        window_min
            Window length in minutes (default ``network.config.night_minutes``).

        Returns
        -------
        PatrolTimeline
            With ``sightings`` and no ``traversals``. Points outside the window
            are dropped.

        Raises
        ------
        CoverageError
            If a file cannot be read or parsed, holds no points, or its points
            carry no timestamps (naming the file), or a team is unknown.
        """
        import gpxpy
        import gpxpy.gpx

        if isinstance(tracks, Mapping):
            items = [(str(k), Path(v)) for k, v in tracks.items()]
        else:
            items = [(Path(p).stem, Path(p)) for p in tracks]
        if not items:
            raise CoverageError("no GPX track given", field="tracks", value=[])
        known = set(network.teams.index.astype(str))
        window = float(network.config.night_minutes if window_min is None else window_min)
        per_team: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        first_time: datetime | None = None
        for team, path in items:
            if team not in known:
                raise CoverageError(
                    f"GPX track of unknown team; known: {', '.join(sorted(known))}",
                    file=path,
                    field="team",
                    value=team,
                )
            try:
                gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
            except OSError as err:
                raise CoverageError(
                    f"cannot read GPX file: {err.strerror or err}", file=path
                ) from None
            except (gpxpy.gpx.GPXException, ValueError) as err:
                raise CoverageError(f"not a valid GPX file: {err}", file=path) from None
            segments = []
            n_points = n_untimed = 0
            for trk in gpx.tracks:
                for trkseg in trk.segments:
                    pts = list(trkseg.points)
                    n_points += len(pts)
                    timed = [p for p in pts if p.time is not None]
                    n_untimed += len(pts) - len(timed)
                    if timed:
                        segments.append(timed)
            if n_points == 0:
                raise CoverageError("GPX file holds no track points", file=path, field="trkpt")
            if not segments:
                raise CoverageError(
                    f"GPX track points carry no timestamps (<time>), so no revisit can be timed "
                    f"({n_points} points)",
                    file=path,
                    field="time",
                )
            if n_untimed:
                warnings.warn(
                    f"{path}: {n_untimed} of {n_points} GPX track points carry no timestamp; dropped",
                    BorderwatchWarning,
                    stacklevel=2,
                )
            for timed_pts in segments:
                times = [_utc(p.time) for p in timed_pts if p.time is not None]
                ts = np.array([t.timestamp() for t in times], dtype=float)
                lon = np.array([p.longitude for p in timed_pts], dtype=float)
                lat = np.array([p.latitude for p in timed_pts], dtype=float)
                t0 = min(times)
                first_time = t0 if first_time is None or t0 < first_time else first_time
                per_team.setdefault(team, []).append((ts, lon, lat))
        assert first_time is not None
        if window_start is None:
            window_start = _night_start_containing(network, first_time)
        elif window_start.tzinfo is None:
            raise CoverageError(
                "window_start must be time-zone aware",
                field="window_start",
                value=window_start.isoformat(),
            )
        w0 = window_start.timestamp()
        frames = []
        for team, segs in per_team.items():
            for ts, lon, lat in segs:
                frames.append(_sight(network, team, (ts - w0) / 60.0, lon, lat, window))
        sightings = pd.concat(frames, ignore_index=True) if frames else _empty_sightings()
        logger.info(
            "GPX: %d passes over %d units from %d files (window from %s)",
            len(sightings),
            sightings["unit"].nunique(),
            len(items),
            window_start.isoformat(),
        )
        return cls(
            window_min=window,
            teams=tuple(dict.fromkeys(t for t, _ in items)),
            sightings=sightings,
            source=";".join(str(p) for _, p in items),
        )


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def _night_start_containing(network: PatrolNetwork, moment: datetime) -> datetime:
    """Return the start of the night window that contains ``moment`` (or the next one)."""
    tz = ZoneInfo(network.scenario.timezone or "UTC")
    local = moment.astimezone(tz)
    cfg = network.config
    sh, sm = divmod(cfg.night_start_min, 60)
    start_today = datetime.combine(local.date(), time(sh, sm), tzinfo=tz)
    # the window containing the moment started at most one day earlier
    for start in (start_today - timedelta(days=1), start_today):
        if start <= local < start + timedelta(minutes=cfg.night_minutes):
            return start
    return start_today if local < start_today else start_today + timedelta(days=1)


def _sight(
    network: PatrolNetwork,
    team: str,
    t_min: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    window: float,
) -> pd.DataFrame:
    """Passes of one GPS track segment over the border units."""
    import pyproj

    order = np.argsort(t_min, kind="stable")
    t_min, lon, lat = t_min[order], lon[order], lat[order]
    tf = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    x, y = tf.transform(lon, lat)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    view = network.config.patrol_view_m
    step = min(100.0, view / 4.0)
    if len(x) > 1:  # densify: linear in time between points
        seg = np.hypot(np.diff(x), np.diff(y))
        n = np.maximum(1, np.ceil(seg / step).astype(np.int64))
        idx = np.repeat(np.arange(len(seg)), n)
        frac = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
        x = np.concatenate([x[idx] + frac * np.diff(x)[idx], x[-1:]])
        y = np.concatenate([y[idx] + frac * np.diff(y)[idx], y[-1:]])
        t_min = np.concatenate([t_min[idx] + frac * np.diff(t_min)[idx], t_min[-1:]])
    inside = (t_min >= 0) & (t_min <= window)
    pts = shapely.points(x, y)
    tree = shapely.STRtree(network.units.geometry.to_numpy())
    pi, ui = tree.query(pts, predicate="dwithin", distance=view)
    keep = inside[pi]
    pi, ui = pi[keep], ui[keep]
    if len(pi) == 0:
        return _empty_sightings()
    dist = shapely.distance(pts[pi], network.units.geometry.to_numpy()[ui])
    frame = pd.DataFrame({"unit": ui, "point": pi, "d": dist}).sort_values(["unit", "point"])
    brk = (frame["unit"].diff() != 0) | (frame["point"].diff() != 1)
    frame["run"] = np.cumsum(brk.to_numpy())
    best = frame.loc[frame.groupby("run")["d"].idxmin()]
    return pd.DataFrame(
        {
            "team": team,
            "unit": best["unit"].to_numpy(dtype=np.int64),
            "t": t_min[best["point"].to_numpy()],
            "distance_m": best["d"].to_numpy(),
        }
    )


def pass_times(network: PatrolNetwork, timeline: PatrolTimeline) -> pd.DataFrame:
    """Every pass of every team over every border unit.

    Parameters
    ----------
    network
        The network the timeline runs on.
    timeline
        Traversals and/or sightings.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit``, ``team``, ``t`` (minutes from window start, inside the
        window), ``distance_m`` (closest approach), sorted by unit and time. See
        the module notes for what one pass is.

    Raises
    ------
    CoverageError
        If a team is not in ``network.teams`` or an edge id is out of range.
    """
    known = set(network.teams.index.astype(str))
    unknown = sorted(set(timeline.teams) - known)
    if unknown:
        raise CoverageError(
            f"unknown team; known: {', '.join(sorted(known))}", field="team", value=unknown[0]
        )
    trav = timeline.traversals
    n_edges = len(network.edges)
    if len(trav) and int(trav["edge"].max()) >= n_edges:
        raise CoverageError(
            f"edge id out of range 0..{n_edges - 1}", field="edge", value=int(trav["edge"].max())
        )
    frames = [timeline.sightings[["unit", "team", "t", "distance_m"]]]
    if len(trav):
        frames.append(_traversal_passes(network, trav, timeline.window_min))
    passes = (
        pd.concat([f for f in frames if len(f)], ignore_index=True)
        if any(len(f) for f in frames)
        else None
    )
    if passes is None:
        return pd.DataFrame(
            {
                "unit": pd.Series([], dtype=np.int64),
                "team": pd.Series([], dtype=object),
                "t": pd.Series([], dtype=float),
                "distance_m": pd.Series([], dtype=float),
            }
        )
    passes = passes.sort_values(["unit", "t", "team"], kind="stable").reset_index(drop=True)
    return passes


def _traversal_passes(network: PatrolNetwork, trav: pd.DataFrame, window: float) -> pd.DataFrame:
    ue = network.watch.unit_edge.tocsc()
    ue.sort_indices()
    edge = trav["edge"].to_numpy()
    used = np.unique(edge)
    counts_all = np.diff(ue.indptr)
    # geometry of the (unit, edge) pairs of the used edges: distance and position of closest approach
    cnt = counts_all[used]
    pos = np.repeat(ue.indptr[used], cnt) + (
        np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    )
    p_unit = ue.indices[pos]
    p_edge = np.repeat(used, cnt)
    eg = network.edges.geometry.to_numpy()[p_edge]
    ug = network.units.geometry.to_numpy()[p_unit]
    near = shapely.get_point(shapely.shortest_line(eg, ug), 0)
    length = shapely.length(eg)
    frac = np.where(
        length > 0, shapely.line_locate_point(eg, near) / np.maximum(length, 1e-12), 0.5
    )
    dist = shapely.distance(eg, ug)
    frac_at = np.zeros(len(ue.indices))
    dist_at = np.zeros(len(ue.indices))
    frac_at[pos] = frac
    dist_at[pos] = dist

    # expand every traversal to the units its edge watches
    c = counts_all[edge]
    k = np.repeat(np.arange(len(trav)), c)
    p = np.repeat(ue.indptr[edge], c) + (np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c))
    f = frac_at[p]
    fwd = trav["forward"].to_numpy()[k]
    ts, te = trav["t_start"].to_numpy()[k], trav["t_end"].to_numpy()[k]
    t = ts + np.where(fwd, f, 1.0 - f) * (te - ts)
    team = trav["team"].to_numpy()[k]
    u_node, v_node = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    end_node = np.where(fwd, v_node[edge[k]], u_node[edge[k]])
    frame = pd.DataFrame(
        {
            "unit": ue.indices[p],
            "team": team,
            "seq": k,
            "t": t,
            "distance_m": dist_at[p],
            "end": end_node,
            "key": edge[k] * 2 + fwd.astype(np.int64),
        }
    )
    # one pass per run of consecutive traversals (same team) that all watch the unit and
    # whose joining node is in view of it (the team never leaves the view in between)
    frame = frame.sort_values(["unit", "seq"], kind="stable")
    f_unit, f_seq, f_team = (
        frame["unit"].to_numpy(),
        frame["seq"].to_numpy(),
        frame["team"].to_numpy(),
    )
    linked = (
        (f_unit[1:] == f_unit[:-1]) & (f_seq[1:] == f_seq[:-1] + 1) & (f_team[1:] == f_team[:-1])
    )
    if linked.any():
        li = np.flatnonzero(linked)
        node_pt = network.nodes.geometry.to_numpy()[frame["end"].to_numpy()[li]]
        unit_g = network.units.geometry.to_numpy()[f_unit[li]]
        in_view = shapely.distance(node_pt, unit_g) <= network.config.patrol_view_m
        linked[li[~in_view]] = False
    brk = ~linked
    frame["run"] = _split_repeats(
        np.cumsum(np.concatenate([[True], brk])), frame["key"].to_numpy(dtype=np.int64)
    )
    # closest approach: smallest distance, earliest on ties
    frame = frame.sort_values(["run", "distance_m", "t"], kind="stable")
    best = frame.drop_duplicates("run", keep="first")
    best = best[(best["t"] >= -_TOL) & (best["t"] <= window + _TOL)]
    return best[["unit", "team", "t", "distance_m"]].reset_index(drop=True)


def _split_repeats(run: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Start a new run where a run drives an edge again in the same direction.

    A team that stays in view of a unit while it loops (a short loop all within
    ``patrol_view_m``) would otherwise make one pass of the whole night; each
    time round the loop is a pass. A dead-end turn (the edge back the other
    way) stays one pass.
    """
    pairs = pd.DataFrame({"run": run, "key": key})
    dup = pairs.duplicated(["run", "key"]).to_numpy()
    if not dup.any():
        return run
    out = run.copy()
    rows = np.flatnonzero(np.isin(run, np.unique(run[dup])))
    next_id = int(run.max()) + 1
    current, cur_id = -1, -1
    seen: set[int] = set()
    # rows of the few runs with a repeat only; plain Python is fast enough there
    for i in rows:
        r, kk = int(run[i]), int(key[i])
        if r != current:
            current, cur_id, seen = r, r, set()
        elif kk in seen:
            cur_id, next_id, seen = next_id, next_id + 1, set()
        seen.add(kk)
        out[i] = cur_id
    return out


def revisits(network: PatrolNetwork, timeline: PatrolTimeline) -> pd.DataFrame:
    """Revisit intervals of every border unit under ``timeline``.

    Parameters
    ----------
    network
        The network the timeline runs on.
    timeline
        A plan's or the GPS tracks' timeline.

    Returns
    -------
    pandas.DataFrame
        Index ``unit`` (aligned to ``network.units``); columns ``n_passes``,
        ``first_pass_min``, ``last_pass_min`` (NaN if never passed),
        ``worst_interval_min``, ``mean_interval_min``, ``never_passed`` (bool),
        ``teams`` (ids of the passing teams joined by ``;``). Intervals follow
        the module's convention: the window start and end are boundaries.

    Examples
    --------
    A unit passed at 30, 90 and 150 minutes of a 180 minute window has the
    intervals 30, 60, 60, 30: worst 60, mean 45.
    """
    passes = pass_times(network, timeline)
    return _intervals(passes, len(network.units), timeline.window_min, index=network.units.index)


def _intervals(
    passes: pd.DataFrame, n_units: int, window: float, *, index: pd.Index | None = None
) -> pd.DataFrame:
    unit = passes["unit"].to_numpy(dtype=np.int64)
    t = np.clip(passes["t"].to_numpy(dtype=float), 0.0, window)
    n = np.bincount(unit, minlength=n_units)
    worst = np.full(n_units, window)
    first = np.full(n_units, np.nan)
    last = np.full(n_units, np.nan)
    if len(unit):
        order = np.lexsort((t, unit))
        unit, t = unit[order], t[order]
        starts = np.concatenate([[True], unit[1:] != unit[:-1]])
        ends = np.concatenate([unit[1:] != unit[:-1], [True]])
        first[unit[starts]] = t[starts]
        last[unit[ends]] = t[ends]
        gaps = np.diff(t)
        inner = ~starts[1:]  # consecutive passes of the same unit
        between = np.zeros(n_units)
        np.maximum.at(between, unit[1:][inner], gaps[inner])
        passed = n > 0
        worst[passed] = np.maximum.reduce([first[passed], window - last[passed], between[passed]])
    mean = window / (n + 1)
    teams = (
        passes.groupby("unit")["team"].agg(lambda s: ";".join(sorted(set(map(str, s)))))
        if len(passes)
        else pd.Series(dtype=object)
    )
    out = pd.DataFrame(
        {
            "n_passes": n.astype(np.int64),
            "first_pass_min": first,
            "last_pass_min": last,
            "worst_interval_min": worst,
            "mean_interval_min": mean,
            "never_passed": n == 0,
            "teams": pd.Series(teams).reindex(np.arange(n_units)).fillna("").to_numpy(dtype=object),
        },
        index=index if index is not None else pd.RangeIndex(n_units, name="unit"),
    )
    out.index.name = "unit"
    return out
