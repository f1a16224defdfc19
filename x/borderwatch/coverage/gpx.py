"""Driven GPS tracks (GPX) as a :class:`~borderwatch.coverage.timeline.PatrolTimeline`.

A team's GPX track carries no edges: a track point within ``patrol_view_m``
of a unit watches it; a run of consecutive track points in view is one pass,
timed at the point nearest the unit (tracks are first densified to one point
every ``min(100 m, patrol_view_m / 4)`` by linear interpolation in time). A pass
ends only when the track is 50 m beyond the view radius, or out of view for
two minutes: a track grazing the edge of the radius would otherwise flicker
in and out of it with GPS noise.

Which team drove a track: the first word of the track's ``<name>`` when it is
a team id (``"T01 Pingqiao border team"``, as ``borderwatch plan`` writes
them), else the file name (``T01.gpx``). So one file may hold every team's
track (``routes.gpx``), and a folder of per-team files works as well.

Real tracks are noisy and have holes. Noise of a few tens of metres hardly
moves a pass (the view radius is ``patrol_view_m``, 1 km by default). Where
a track falls silent for longer than ``max_gap_s`` (the logger lost the
satellites, or was off) while the team moved more than the densification step,
the straight line between the two fixes is not
densified and no pass spans the hole: the units the team may have passed
unseen count as not passed, which is what the record shows.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely

from borderwatch.atomic import not_regular
from borderwatch.coverage.timeline import PatrolTimeline, _empty_sightings
from borderwatch.errors import BorderwatchWarning, CoverageError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["gpx_files", "timeline_from_gpx"]

logger = logging.getLogger(__name__)

_REJOIN_MIN = 2.0
"""Minutes out of view after which a unit seen again from a track is a new pass."""
_HYSTERESIS_M = 50.0
"""A pass from a track ends only beyond ``patrol_view_m`` plus this (GPS noise)."""


def gpx_files(paths: Sequence[str | Path] | str | Path) -> list[Path]:
    """GPX files of ``paths``: files as given, folders expanded to their ``*.gpx`` (sorted).

    Raises
    ------
    CoverageError
        If a path does not exist, or a folder holds no GPX file.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() == ".gpx" and q.is_file())
            if not found:
                raise CoverageError("folder holds no .gpx file", file=p, field="gpx")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise CoverageError(not_regular(p) or "GPX file not found", file=p, field="gpx")
    return list(dict.fromkeys(out))


def timeline_from_gpx(
    network: PatrolNetwork,
    tracks: Mapping[str, str | Path] | Sequence[str | Path] | str | Path,
    *,
    window_start: datetime | None = None,
    window_min: float | None = None,
    max_gap_s: float = 300.0,
    skip_teams: Collection[str] = (),
) -> PatrolTimeline:
    """Build a timeline from driven GPS tracks (GPX files).

    Parameters
    ----------
    network
        The network whose units the tracks are matched to.
    tracks
        Team id to GPX file (every track of the file is that team's); or GPX
        files and folders of them, each track belonging to the team its name
        starts with, else to the team the file is named after.
    window_start
        The start of the night window as a time-zone aware datetime.
        Default: the start of the night (``network.config.night_start`` in
        the scenario's time zone) that contains the first timed point.
    window_min
        Window length in minutes (default ``network.config.night_minutes``).
    max_gap_s
        A silence between two fixes longer than this is a logging gap: not
        interpolated across, and no pass spans it.
    skip_teams
        Teams whose tracks are left out with a warning (for instance teams
        dropped earlier in the night, whose tracks sit in the night's folder),
        rather than refused as unknown.

    Returns
    -------
    PatrolTimeline
        With ``sightings`` and no ``traversals``. Points outside the window
        are dropped.

    Raises
    ------
    CoverageError
        If a file cannot be read or parsed, holds no points, or its points
        carry no timestamps (naming the file), or a track's team is unknown.
    """
    import gpxpy
    import gpxpy.gpx

    known = set(network.teams.index.astype(str))
    named = known | set(skip_teams)  # a track may name these; skipped ones are left out
    if isinstance(tracks, Mapping):
        items: list[tuple[str | None, Path]] = [(str(k), Path(v)) for k, v in tracks.items()]
    else:
        items = [(None, p) for p in gpx_files(tracks)]
    if not items:
        raise CoverageError("no GPX track given", field="tracks", value=[])
    window = float(network.config.night_minutes if window_min is None else window_min)
    per_team: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    first_time: datetime | None = None
    for forced, path in items:
        if forced is not None and forced not in known:
            raise CoverageError(
                f"GPX track of unknown team; known: {', '.join(sorted(known))}",
                file=path,
                field="team",
                value=forced,
            )
        try:
            gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise CoverageError(f"cannot read GPX file: {err.strerror or err}", file=path) from None
        except (gpxpy.gpx.GPXException, ValueError) as err:
            raise CoverageError(f"not a valid GPX file: {err}", file=path) from None
        segments: list[tuple[str, list[gpxpy.gpx.GPXTrackPoint]]] = []
        n_points = n_untimed = 0
        skipped: list[str] = []
        for k, trk in enumerate(gpx.tracks):
            team = forced or _track_team(trk.name, path, named, k)
            if team in skip_teams and team not in known:
                skipped.append(team)
                continue
            for trkseg in trk.segments:
                pts = list(trkseg.points)
                n_points += len(pts)
                timed = [p for p in pts if p.time is not None]
                n_untimed += len(pts) - len(timed)
                if timed:
                    segments.append((team, timed))
        if skipped:
            warnings.warn(
                f"{path}: track(s) of {', '.join(sorted(set(skipped)))} left out "
                f"(not on duty in this plan)",
                BorderwatchWarning,
                stacklevel=2,
            )
            if n_points == 0:  # the file holds only tracks left out
                continue
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
        for team, timed_pts in segments:
            times = [_utc(p.time) for p in timed_pts if p.time is not None]
            ts = np.array([t.timestamp() for t in times], dtype=float)
            lon = np.array([p.longitude for p in timed_pts], dtype=float)
            lat = np.array([p.latitude for p in timed_pts], dtype=float)
            t0 = min(times)
            first_time = t0 if first_time is None or t0 < first_time else first_time
            per_team.setdefault(team, []).append((ts, lon, lat))
    if first_time is None:
        raise CoverageError(
            "no GPX track of a team on duty", field="tracks", value=[str(p) for _, p in items]
        )
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
            frames.append(
                _sight(network, team, (ts - w0) / 60.0, lon, lat, window, max_gap_s / 60.0)
            )
    frames = [f for f in frames if len(f)]
    sightings = pd.concat(frames, ignore_index=True) if frames else _empty_sightings()
    logger.info(
        "GPX: %d passes over %d units by %d teams from %d files (window from %s)",
        len(sightings),
        sightings["unit"].nunique(),
        len(per_team),
        len(items),
        window_start.isoformat(),
    )
    return PatrolTimeline(
        window_min=window,
        teams=tuple(sorted(per_team)),
        sightings=sightings,
        source=";".join(str(p) for _, p in items),
    )


def _track_team(name: str | None, path: Path, known: set[str], k: int) -> str:
    """The team of a track: the first word of its name, else the file's stem."""
    word = (name or "").split()[0] if (name or "").split() else ""
    if word in known:
        return word
    if path.stem in known:
        return path.stem
    raise CoverageError(
        f"GPX track {k + 1} ({name or 'no name'!r}) names no known team, nor does the file name; "
        f"known: {', '.join(sorted(known))}",
        file=path,
        field="team",
        value=word or path.stem,
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
    max_gap_min: float = 5.0,
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
        # a logging gap is not bridged: where the track falls silent for longer than
        # max_gap_min and the team moved meanwhile, the straight line between the fixes
        # is not where it drove (a team waiting in one place is not a gap)
        gap = (np.diff(t_min) > max_gap_min) & (seg > step)
        n[gap] = 1
        idx = np.repeat(np.arange(len(seg)), n)
        frac = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
        x = np.concatenate([x[idx] + frac * np.diff(x)[idx], x[-1:]])
        y = np.concatenate([y[idx] + frac * np.diff(y)[idx], y[-1:]])
        t_min = np.concatenate([t_min[idx] + frac * np.diff(t_min)[idx], t_min[-1:]])
    inside = (t_min >= 0) & (t_min <= window)
    pts = shapely.points(x, y)
    tree = shapely.STRtree(network.units.geometry.to_numpy())
    # hysteresis: a pass runs while the track stays within view + _HYSTERESIS_M and counts
    # if it comes within view, so GPS noise at the edge of the radius does not split it
    pi, ui = tree.query(pts, predicate="dwithin", distance=view + _HYSTERESIS_M)
    keep = inside[pi]
    pi, ui = pi[keep], ui[keep]
    if len(pi) == 0:
        return _empty_sightings()
    dist = shapely.distance(pts[pi], network.units.geometry.to_numpy()[ui])
    frame = pd.DataFrame({"unit": ui, "point": pi, "d": dist}).sort_values(["unit", "point"])
    # a pass does not span a logging gap
    silent = np.r_[
        False, (np.diff(t_min) > max_gap_min) & (np.hypot(np.diff(x), np.diff(y)) > step)
    ]
    # points in view of a unit, less than _REJOIN_MIN apart in time, are one pass: a track
    # grazing the edge of the view radius flickers in and out of it with GPS noise, and a
    # moment out of view is not a revisit
    pt = frame["point"].to_numpy()
    apart = np.r_[np.inf, t_min[pt[1:]] - t_min[pt[:-1]]]
    apart[np.r_[False, np.diff(pt) == 1]] = 0.0  # consecutive points in view: one pass
    # a pass also never spans a logging gap
    crossed = np.r_[False, np.cumsum(silent)[pt[1:]] != np.cumsum(silent)[pt[:-1]]]
    brk = (frame["unit"].diff() != 0).to_numpy() | (apart > _REJOIN_MIN) | crossed
    frame["run"] = np.cumsum(brk)
    best = frame.loc[frame.groupby("run")["d"].idxmin()]
    best = best[best["d"] <= view]
    return pd.DataFrame(
        {
            "team": team,
            "unit": best["unit"].to_numpy(dtype=np.int64),
            "t": t_min[best["point"].to_numpy()],
            "distance_m": best["d"].to_numpy(),
        }
    )
