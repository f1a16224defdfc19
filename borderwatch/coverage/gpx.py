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
import math
import re
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely

from borderwatch.atomic import not_regular
from borderwatch.coverage.timeline import PatrolTimeline, _empty_sightings
from borderwatch.errors import BorderwatchWarning, CoverageError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = [
    "GpxTrack",
    "GpxTracks",
    "ParsedGpx",
    "check_strays",
    "gpx_files",
    "plain_gpx",
    "read_gpx_tracks",
    "timeline_from_gpx",
]

logger = logging.getLogger(__name__)

_REJOIN_MIN = 2.0
"""Minutes out of view after which a unit seen again from a track is a new pass."""
_HYSTERESIS_M = 50.0
#: GPS times are refused outside 1900-01-02 .. 9998-12-30 (UTC seconds): the night holding a
#: time and the next day must be dates.
_EARLIEST = datetime(1900, 1, 2, tzinfo=UTC).timestamp()
_LATEST = datetime(9998, 12, 30, tzinfo=UTC).timestamp()
"""A pass from a track ends only beyond ``patrol_view_m`` plus this (GPS noise)."""


def gpx_files(paths: Sequence[str | Path] | str | Path) -> list[Path]:
    """GPX files of ``paths``: files as given, folders expanded to their ``*.gpx`` (sorted).

    Parameters
    ----------
    paths
        A GPX file or a folder, or several of them.

    Returns
    -------
    list of Path
        The files in the order given, each folder's ``.gpx`` files (any case of
        the suffix) sorted by name; a file named twice is kept once.

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


@dataclass
class GpxTrack:
    """One track of a GPX file, its timed points in order, on one clock (UTC seconds).

    Attributes
    ----------
    path
        The file.
    index
        Position of the track in the file (0-based).
    name
        The track's ``<name>`` (may be empty).
    team
        The team that drove it.
    segments
        Per ``<trkseg>`` with timed points: ``(seconds, lon, lat)`` arrays, the
        seconds since the epoch (UTC).
    """

    path: Path
    index: int
    name: str
    team: str
    segments: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``"T01.gpx track 1 ('T01 Pingqiao')"``: where the track is, for messages."""
        return f"{self.path.name} track {self.index + 1} ({self.name or 'no name'!r})"

    @property
    def seconds(self) -> np.ndarray:
        """Every timed point's seconds (UTC), segments joined."""
        parts = [ts for ts, _, _ in self.segments]
        return np.concatenate(parts) if parts else np.zeros(0)


@dataclass
class GpxTracks:
    """The tracks of a set of GPX files, read and checked (:func:`read_gpx_tracks`)."""

    tracks: list[GpxTrack]
    files: list[Path]
    n_points: int = 0
    #: points whose time carried no zone: read in the scenario's zone
    n_naive: int = 0
    zone: str = "UTC"

    def first_time(self) -> datetime | None:
        """The earliest timed point, UTC (None without tracks)."""
        times = [float(t.seconds.min()) for t in self.tracks if len(t.seconds)]
        return datetime.fromtimestamp(min(times), UTC) if times else None

    def middle_time(self) -> datetime | None:
        """The median time of all points, UTC: the night most of the points belong to."""
        times = [t.seconds for t in self.tracks if len(t.seconds)]
        if not times:
            return None
        return datetime.fromtimestamp(float(np.median(np.concatenate(times))), UTC)


def _aware_times(times: Sequence[datetime], tz: ZoneInfo) -> tuple[list[datetime], int]:
    """Times of one segment as aware datetimes; times without a zone read in ``tz``.

    A wall time the autumn changeover repeats is read as its first occurrence
    unless that would run the track backwards (the second pass through the
    repeated hour: ``fold=1``), so a track logged in local time stays monotonic
    across the change. A wall time the spring changeover skips is read with the
    offset before the change (``zoneinfo``'s rule), i.e. an hour later.
    Returns the times and how many had no zone.
    """
    out: list[datetime] = []
    naive = 0
    second = False
    prev: float | None = None  # seconds (UTC): aware datetimes of one zone compare by wall time
    for t in times:
        if t.tzinfo is not None and t.utcoffset() is not None:
            aware = t
            second = False
        else:
            naive += 1
            first, later = t.replace(tzinfo=tz, fold=0), t.replace(tzinfo=tz, fold=1)
            a, b = first.timestamp(), later.timestamp()
            repeated = b > a  # the autumn hour (in the spring gap fold=1 is the earlier instant)
            if repeated and (second or (prev is not None and a < prev <= b)):
                aware, second = later, True
            else:
                aware, second = first, False
        out.append(aware)
        prev = aware.timestamp()
    return out, naive


def _check_coordinates(track: GpxTrack, lon: np.ndarray, lat: np.ndarray, offset: int) -> None:
    """Refuse a point whose latitude or longitude is not a number or out of range."""
    for name, values, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        bad = ~np.isfinite(values) | (np.abs(values) > limit)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            what = (
                "not a number"
                if not np.isfinite(values[i])
                else f"out of range -{limit:g}..{limit:g}"
            )
            raise CoverageError(
                f"{track.label}, point {offset + i + 1}: {name} is {what}",
                file=track.path,
                field=name,
                value=float(values[i]),
            )


def read_gpx_tracks(
    network: PatrolNetwork,
    items: Sequence[tuple[str | None, Path]],
    *,
    skip_teams: Collection[str] = (),
    parsed: Mapping[Path, ParsedGpx] | None = None,
) -> GpxTracks:
    """Read and check GPX files into tracks of timed points on one clock.

    Parameters
    ----------
    network
        Its teams name the tracks; its scenario's time zone reads times
        without a zone; its ``config.limits`` bound the files.
    items
        ``(team or None, file)``: a team forces every track of the file to it.
    skip_teams
        Teams whose tracks are left out with a warning.
    parsed
        Files already parsed by the caller (:func:`plain_gpx` of their text,
        decoded as UTF-8), by path as given in ``items``; the rest are read.

    Raises
    ------
    CoverageError
        A file unreadable or not GPX, without points or timestamps, a track of
        an unknown team, a coordinate not a number or out of range (naming
        file, track and point).
    InputLimitError
        A file larger than ``[limits] file_mb`` or with more than
        ``gpx_points`` track points (counted before it is parsed).
    """
    from borderwatch.limits import scan_stream

    zone = network.scenario.timezone or "UTC"
    tz = ZoneInfo(zone)
    known = set(network.teams.index.astype(str))
    named = known | set(skip_teams)  # a track may name these; skipped ones are left out
    out = GpxTracks([], [p for _, p in items], zone=zone)
    limits = network.config.limits
    for forced, path in items:
        if forced is not None and forced not in known:
            raise CoverageError(
                f"GPX track of unknown team; known: {', '.join(sorted(known))}",
                file=path,
                field="team",
                value=forced,
            )
        try:
            scan_stream(
                path,
                limits,
                what="GPX",
                elements={b"<trkpt": ("gpx_points", "GPX track points")},
            )
        except OSError as err:
            raise CoverageError(f"cannot read GPX file: {err.strerror or err}", file=path) from None
        n_points = n_untimed = 0
        skipped: list[str] = []
        file_tracks: list[GpxTrack] = []
        for k, (trk_name, trk_segments) in enumerate(_parse_gpx(path, parsed)):
            team = forced or _track_team(trk_name, path, named, k)
            if team in skip_teams and team not in known:
                skipped.append(team)
                continue
            track = GpxTrack(path, k, str(trk_name or ""), team)
            offset = 0
            for seg_lon, seg_lat, seg_time in trk_segments:
                n_points += len(seg_time)
                lon = np.array(seg_lon, dtype=float)
                lat = np.array(seg_lat, dtype=float)
                _check_coordinates(track, lon, lat, offset)
                offset += len(seg_time)
                timed = [i for i, t in enumerate(seg_time) if t is not None]
                n_untimed += len(seg_time) - len(timed)
                if not timed:
                    continue
                try:
                    times, naive = _aware_times([seg_time[i] for i in timed], tz)  # type: ignore[misc]
                    ts = np.array([t.timestamp() for t in times], dtype=float)
                except (OverflowError, ValueError) as err:
                    raise CoverageError(
                        f"{track.label}: a time cannot be placed on a clock ({err})",
                        file=path,
                        field="time",
                    ) from None
                out.n_naive += naive
                odd = np.flatnonzero(~((ts >= _EARLIEST) & (ts <= _LATEST)))
                if len(odd):  # a night runs into the next day: dates need room on both sides
                    i = int(odd[0])
                    raise CoverageError(
                        f"{track.label}, point {offset - len(seg_time) + timed[i] + 1}: the time "
                        "lies outside the years 1900-9998",
                        file=path,
                        field="time",
                        value=times[i].isoformat(),
                    )
                track.segments.append((ts, lon[timed], lat[timed]))
            if track.segments:
                file_tracks.append(track)
        if skipped:
            warnings.warn(
                f"{path}: track(s) of {', '.join(sorted(set(skipped)))} left out "
                f"(not on duty in this plan)",
                BorderwatchWarning,
                stacklevel=3,
            )
            if n_points == 0:  # the file holds only tracks left out
                continue
        if n_points == 0:
            raise CoverageError("GPX file holds no track points", file=path, field="trkpt")
        if not file_tracks:
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
                stacklevel=3,
            )
        out.n_points += n_points
        out.tracks.extend(file_tracks)
    return out


_Segment = tuple[list[float], list[float], list[datetime | None]]
"""One ``<trkseg>``: longitudes, latitudes and times (None where a point has none)."""

_GPX_URIS = ("http://www.topografix.com/GPX/1/1", "http://www.topografix.com/GPX/1/0")
_PLAIN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?")


class _NotPlain(Exception):
    """A GPX file the fast reader leaves to gpxpy."""


def _parse_gpx(path: Path, parsed: Mapping[Path, ParsedGpx] | None = None) -> ParsedGpx:
    """The tracks of a GPX file: ``(name, segments)`` each, as gpxpy reads them.

    A plain GPX 1.0/1.1 file (the GPX namespace as the default one or none, every
    point with a number ``lat`` and ``lon``, times as ISO 8601 ``YYYY-MM-DDTHH:MM:SS``
    with up to 6 decimals and ``Z`` or an offset) is read by ElementTree directly,
    about ten times faster than gpxpy's object model (the duty log reads 34 files a
    night). Anything else goes to gpxpy as before, so its errors and its reading of
    unusual files stay exactly gpxpy's; ``tests/coverage/test_gpx_fast.py`` checks
    that both readings agree. A file in ``parsed`` (read by the caller already) is
    not read again.
    """
    if parsed is not None and path in parsed:
        return parsed[path]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CoverageError(f"cannot read GPX file: {err.strerror or err}", file=path) from None
    except (ValueError, UnicodeDecodeError) as err:
        raise CoverageError(f"not a valid GPX file: {err}", file=path) from None
    plain = plain_gpx(text)
    if plain is not None:
        return plain
    import gpxpy.gpx

    try:
        return _gpxpy_tracks(text)
    except (gpxpy.gpx.GPXException, ValueError, UnicodeDecodeError) as err:
        raise CoverageError(f"not a valid GPX file: {err}", file=path) from None


def _gpxpy_tracks(text: str) -> ParsedGpx:
    """The tracks of a GPX text as gpxpy reads them."""
    import gpxpy

    gpx = gpxpy.parse(text)
    return [
        (
            trk.name,
            [
                (
                    [_float(p.longitude) for p in seg.points],
                    [_float(p.latitude) for p in seg.points],
                    [p.time for p in seg.points],
                )
                for seg in trk.segments
            ],
        )
        for trk in gpx.tracks
    ]


ParsedGpx = list[tuple[str | None, list[_Segment]]]
"""A GPX file as read: ``(track name, segments)`` per ``<trk>``, each segment
``(longitudes, latitudes, times)``."""


def plain_gpx(text: str) -> ParsedGpx | None:
    """The tracks of a plain GPX text, or None when gpxpy must read it.

    Plain: GPX 1.0/1.1 as the default namespace (or none), tracks only (with
    metadata and extensions), every point with a number ``lat`` and ``lon`` and an
    ISO 8601 time ``YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]`` or none. What the
    replay reads with gpxpy otherwise is read the same way (tested). A caller that
    reads files for its own purpose and then replays them (``log record``) hands
    these readings to :func:`timeline_from_gpx` (``parsed``), so each file is
    parsed once.

    Parameters
    ----------
    text
        The GPX file's text.

    Returns
    -------
    list or None
        ``(track name, segments)`` per ``<trk>``, each segment
        ``(longitudes, latitudes, times)`` (a time None where a point has none,
        naive where it has no zone); None for a file that is not plain.
    """
    try:
        return _plain_gpx(text)
    except _NotPlain:
        return None


def _plain_gpx(text: str) -> ParsedGpx:
    """The tracks of a plain GPX file by ElementTree; :class:`_NotPlain` for anything else."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, ValueError):
        raise _NotPlain from None
    tag = root.tag if isinstance(root.tag, str) else ""
    uri = tag[1 : tag.index("}")] if tag.startswith("{") else ""
    if tag.rpartition("}")[2] != "gpx" or (uri and uri not in _GPX_URIS):
        raise _NotPlain
    # gpxpy drops the first default namespace declaration of the text, whichever element
    # has it: plain only when that is the root's GPX namespace (or there is none at all)
    first = re.search(r"""\sxmlns=(['"])([^'"]+)\1""", text)
    if (first.group(2) if first else "") != uri:
        raise _NotPlain
    if root.get("version") not in (None, "1.0", "1.1"):
        raise _NotPlain
    ns = "{" + uri + "}" if uri else ""
    _plain_children(root, ns, _ROOT_KIDS)
    for meta in root.findall(ns + "metadata"):
        _plain_children(meta, ns, _META_KIDS)
    out: list[tuple[str | None, list[_Segment]]] = []
    for trk in root.findall(ns + "trk"):
        _plain_children(trk, ns, _TRK_KIDS)
        name_el = trk.find(ns + "name")
        segments = [_plain_segment(seg, ns) for seg in trk.findall(ns + "trkseg")]
        out.append((None if name_el is None else name_el.text, segments))
    return out


_ROOT_KIDS = {"trk": None, "extensions": None, "metadata": None}
"""What a plain GPX holds, and how gpxpy converts each text (None: it does not)."""
_TRK_KIDS = {
    "name": None, "cmt": None, "desc": None, "src": None, "type": None, "number": int,
    "extensions": None, "trkseg": None,
}  # fmt: skip
_META_KIDS = {"name": None, "desc": None, "time": None, "keywords": None, "extensions": None}
_SEG_KIDS = {"trkpt": None, "extensions": None}
_PT_KIDS = {
    "time": None, "ele": float, "speed": float, "course": float, "magvar": float,
    "geoidheight": float, "hdop": float, "vdop": float, "pdop": float, "sat": int,
    "name": None, "cmt": None, "desc": None, "src": None, "sym": None, "type": None,
    "extensions": None,
}  # fmt: skip


def _plain_children(el: Any, ns: str, allowed: Mapping[str, Any]) -> None:
    """:class:`_NotPlain` unless every child of ``el`` is one gpxpy reads without complaint."""
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        local = tag[len(ns) :] if ns and tag.startswith(ns) else tag
        if ns and not tag.startswith(ns) and tag.startswith("{"):
            continue  # another namespace's element: gpxpy keeps it as an extension, if at all
        if local not in allowed:
            raise _NotPlain
        convert = allowed[local]
        if convert is not None and child.text is not None:
            try:
                convert(child.text.strip())
            except ValueError:
                raise _NotPlain from None


def _plain_segment(seg: Any, ns: str) -> _Segment:
    """One ``<trkseg>`` of a plain GPX: its points' lon, lat and time."""
    _plain_children(seg, ns, _SEG_KIDS)
    lon: list[float] = []
    lat: list[float] = []
    times: list[datetime | None] = []
    match = _PLAIN_TIME.fullmatch
    time_tag = ns + "time"
    for pt in seg.findall(ns + "trkpt"):
        x, y = pt.get("lon"), pt.get("lat")
        if x is None or y is None:
            raise _NotPlain
        try:
            lon.append(float(x.strip()))
            lat.append(float(y.strip()))
        except ValueError:
            raise _NotPlain from None
        if len(pt) > 1 or (len(pt) == 1 and pt[0].tag != time_tag):
            _plain_children(pt, ns, _PT_KIDS)
        t_el = pt.find(time_tag)
        t = None if t_el is None else t_el.text
        if t is None:
            times.append(None)
        elif match(t):
            try:
                times.append(datetime.fromisoformat(t))
            except ValueError:  # month 13, hour 24, offset 25 h: gpxpy's reading of those
                raise _NotPlain from None
        else:
            raise _NotPlain
    return lon, lat, times


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def timeline_from_gpx(
    network: PatrolNetwork,
    tracks: Mapping[str, str | Path] | Sequence[str | Path] | str | Path,
    *,
    window_start: datetime | None = None,
    window_min: float | None = None,
    max_gap_s: float = 300.0,
    skip_teams: Collection[str] = (),
    lead_min: float = 0.0,
    parsed: Mapping[Path, ParsedGpx] | None = None,
    tail_min: float = 0.0,
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
        Default: the start of the night (``network.config.night`` in the
        scenario's time zone) that holds the median point (so one track of
        another night does not move the window), else the next night after it.
    window_min
        Window length in minutes. Default: the wall-clock length of that night
        in the scenario's zone (9 or 11 h over a daylight-saving changeover for
        20:00-06:00), or ``network.config.night_minutes`` when the config is
        dated.
    max_gap_s
        A silence between two fixes longer than this is a logging gap: not
        interpolated across, and no pass spans it.
    skip_teams
        Teams whose tracks are left out with a warning (for instance teams
        dropped earlier in the night, whose tracks sit in the night's folder),
        rather than refused as unknown.
    lead_min
        Minutes of tonight before the window start (a re-planned folder's
        window starts at its cut; the crews' drives out, a plan's GPX holds
        them): points then are tonight's, not strays. They are not counted.
    parsed
        Files the caller has parsed already (:func:`plain_gpx` of their UTF-8
        text), by path as the files are named in ``tracks`` (a folder's files
        as ``folder / name``): not parsed again. The checks (size limits,
        coordinates, clocks, strays) run on them all the same.
    tail_min
        Minutes of tonight after the window end (the crews' drives home, until
        the last is back at base, a plan's GPX holds them): points then are
        tonight's, not strays. They are not counted.

    Returns
    -------
    PatrolTimeline
        With ``sightings`` and no ``traversals``. Points outside the window
        are dropped.

    Raises
    ------
    CoverageError
        If a file cannot be read or parsed, holds no points, or its points
        carry no timestamps (naming the file), a track's team is unknown, a
        coordinate is not a number or out of range (naming file, track and
        point), or a track has more than ``gpx_max_stray_share`` of its points
        outside the night or farther than ``gpx_off_road_m`` from any road.

    Warns
    -----
    BorderwatchWarning
        Once, when times carry no zone (read in the scenario's zone); per
        track, the points outside the night and off road.

    Notes
    -----
    Times without a zone (``2026-01-05T21:10:00``, no ``Z`` or offset) are
    read as the scenario's local time, not as UTC: a logger set to local time
    writes them so, and reading them as UTC would shift a track in UTC+8 by
    eight hours, out of its night.
    """
    if isinstance(tracks, Mapping):
        items: list[tuple[str | None, Path]] = [(str(k), Path(v)) for k, v in tracks.items()]
    else:
        items = [(None, p) for p in gpx_files(tracks)]
    if not items:
        raise CoverageError("no GPX track given", field="tracks", value=[])
    read = read_gpx_tracks(network, items, skip_teams=skip_teams, parsed=parsed)
    if not read.tracks:
        raise CoverageError(
            "no GPX track of a team on duty", field="tracks", value=[str(p) for _, p in items]
        )
    _warn_naive(read)
    cfg = network.config
    if window_start is None:
        window_start = _night_start_containing(network, read.middle_time())  # type: ignore[arg-type]
    elif window_start.tzinfo is None:
        raise CoverageError(
            "window_start must be time-zone aware",
            field="window_start",
            value=window_start.isoformat(),
        )
    if window_min is None:
        if cfg.night_date is not None:
            window_min = cfg.night_minutes
        else:
            night = window_start.astimezone(ZoneInfo(read.zone)).date()
            window_min = cfg.night.minutes(night, read.zone)
    window = float(window_min)
    w0 = window_start.timestamp()
    check_strays(network, read, w0, window, lead_min=lead_min, tail_min=tail_min)
    frames = []
    per_team: set[str] = set()
    for track in read.tracks:
        per_team.add(track.team)
        for ts, lon, lat in track.segments:
            frames.append(
                _sight(network, track.team, (ts - w0) / 60.0, lon, lat, window, max_gap_s / 60.0)
            )
    frames = [f for f in frames if len(f)]
    sightings = pd.concat(frames, ignore_index=True) if frames else _empty_sightings()
    logger.info(
        "GPX: %d passes over %d units by %d teams from %d files (window from %s, %g min)",
        len(sightings),
        sightings["unit"].nunique(),
        len(per_team),
        len(items),
        window_start.isoformat(),
        window,
    )
    return PatrolTimeline(
        window_min=window,
        teams=tuple(sorted(per_team)),
        sightings=sightings,
        source=";".join(str(p) for _, p in items),
    )


def _warn_naive(read: GpxTracks) -> None:
    """One warning when times carry no zone: they were read in the scenario's zone."""
    if not read.n_naive:
        return
    files = sorted({t.path.name for t in read.tracks})
    shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    warnings.warn(
        f"{read.n_naive} of {read.n_points} GPX track points ({shown}) carry a time without "
        f"a zone (no Z or offset): read as local time in the scenario's zone {read.zone}, "
        "not as UTC; write the times with their offset to be sure",
        BorderwatchWarning,
        stacklevel=3,
    )


def _off_road(network: PatrolNetwork, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each fix is farther than ``gpx_off_road_m`` from every road of the network."""
    import pyproj

    limit = float(network.config.gpx_off_road_m)
    tf = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    x, y = tf.transform(lon, lat)
    pts = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    tree = shapely.STRtree(network.edges.geometry.to_numpy())
    near, _ = tree.query(pts, predicate="dwithin", distance=limit)
    far = np.ones(len(pts), dtype=bool)
    far[near] = False
    return far


def check_strays(
    network: PatrolNetwork,
    read: GpxTracks,
    w0: float,
    window_min: float,
    *,
    lead_min: float = 0.0,
    tail_min: float = 0.0,
) -> None:
    """Count, per track, the points outside the night and off road; warn, or refuse past the share.

    A point is outside the night before the window start or after its end; off
    road farther than ``config.gpx_off_road_m`` from every road; ``lead_min`` and
    ``tail_min`` widen the night by the duty before and after the window (the
    drives out and home, :func:`timeline_from_gpx`). A track whose
    share of such points exceeds ``config.gpx_max_stray_share`` is refused: a
    track of midday or of another night, or a logger on a wrong clock, would
    otherwise count as nothing driven tonight without a word.

    Raises
    ------
    CoverageError
        Naming the file, the track, the counts and the options that set them.
    """
    cfg = network.config
    tz = ZoneInfo(read.zone)
    night = datetime.fromtimestamp(w0 - lead_min * 60.0, UTC).astimezone(tz)
    end = datetime.fromtimestamp(w0 + (window_min + tail_min) * 60.0, UTC).astimezone(tz)
    span = f"{night:%Y-%m-%d %H:%M}-{end:%H:%M} {read.zone}"
    lines: list[str] = []
    for track in read.tracks:
        ts = track.seconds
        lon = np.concatenate([s[1] for s in track.segments])
        lat = np.concatenate([s[2] for s in track.segments])
        t = (ts - w0) / 60.0
        outside = (t < -lead_min) | (t > window_min + tail_min)
        off = _off_road(network, lon, lat)
        stray = outside | off
        if not stray.any():
            continue
        first = datetime.fromtimestamp(float(ts.min()), UTC).astimezone(tz)
        last = datetime.fromtimestamp(float(ts.max()), UTC).astimezone(tz)
        text = (
            f"{track.team} ({track.label}): {int(outside.sum())} of {len(ts)} points outside "
            f"the night {span} (track {first:%Y-%m-%d %H:%M}-{last:%H:%M}), "
            f"{int(off.sum())} more than {cfg.gpx_off_road_m:g} m from any road"
        )
        share = float(stray.mean())
        if share > cfg.gpx_max_stray_share:
            raise CoverageError(
                f"{text}: {share:.0%} of the track is outside the night or off road, more "
                f"than [defaults] gpx_max_stray_share = {cfg.gpx_max_stray_share:g}; is it a "
                "track of another night or day, or is the logger's clock or zone wrong? "
                "(give --night for another night, or raise the share)",
                file=track.path,
                field="trkpt",
                value=track.name or track.team,
            )
        lines.append(text)
    if lines:
        warnings.warn(
            "GPX points not counted as patrol: " + "; ".join(lines),
            BorderwatchWarning,
            stacklevel=3,
        )


#: A route variant id (``T02-f1``, ``T02-r11``, a drawn detour's ``T02-d0f1``): its team's track.
_VARIANT_ID = re.compile(r"(?P<team>.+)-(?:[fr]\d+|d\d+[fr]\d+)")


def _track_team(name: str | None, path: Path, known: set[str], k: int) -> str:
    """The team of a track: the first word of its name, else the file's stem.

    Either may be a route variant id of a known team (``gpx/variants/T02-d0f1.gpx``,
    track ``"T02-d0f1 ..."``, as ``borderwatch plan --detours`` writes them).
    """
    word = (name or "").split()[0] if (name or "").split() else ""
    for key in (word, path.stem):
        if key in known:
            return key
        variant = _VARIANT_ID.fullmatch(key)
        if variant is not None and variant["team"] in known:
            return variant["team"]
    raise CoverageError(
        f"GPX track {k + 1} ({name or 'no name'!r}) names no known team, nor does the file name; "
        f"known: {', '.join(sorted(known))}",
        file=path,
        field="team",
        value=word or path.stem,
    )


def _night_start_containing(network: PatrolNetwork, moment: datetime) -> datetime:
    """Return the start of the night window that contains ``moment`` (or the next one)."""
    zone = network.scenario.timezone or "UTC"
    window = network.config.night
    night = window.containing(moment, zone)
    if night is not None:
        return window.start_at(night, zone)
    local = moment.astimezone(ZoneInfo(zone))
    start_today = window.start_at(local.date(), zone)
    return (
        start_today
        if local < start_today
        else window.start_at(local.date() + timedelta(days=1), zone)
    )


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
