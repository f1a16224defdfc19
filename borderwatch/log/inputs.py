"""What a night's record is made of: the plan folder, the driven GPX, incidents and inspections.

Each reader checks its file and raises :class:`~borderwatch.errors.LogError`
naming the file, the line and field, and the bad value.

``incidents.csv`` columns (one row per incident; ``cases``, ``people`` and
``note`` optional)::

    time,lon,lat,kind,outcome,cases,people,note
    2026-12-17T23:40+08:00,106.93,21.96,smuggling,caught,1,3,frozen meat

``time`` is ISO 8601 (a time without offset is in the scenario's time zone) or
``HH:MM`` (on the night: a time before noon is on the next morning).
``inspections.csv`` columns: ``leader,time,place[,lon,lat][,note]``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely

from borderwatch.errors import LogError

if TYPE_CHECKING:
    from borderwatch.coverage.gpx import ParsedGpx

__all__ = [
    "DrivenTrack",
    "PlanFolder",
    "PlannedTeam",
    "read_incidents",
    "read_inspections",
    "read_plan_folder",
    "read_tracks",
    "sha256",
]


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class PlannedTeam:
    """One team's planned night as the plan file states it."""

    team: str
    status: str
    loops: float
    loop_km: float
    loop_min: float
    leave_base: str


@dataclass(frozen=True)
class PlanFolder:
    """A plan output folder: its plan file (text, hash, parsed) and its per-team GPX."""

    path: Path
    text: str
    hash: str
    night: str
    window: tuple[str, str]
    scenario: str
    teams: tuple[PlannedTeam, ...]
    gpx: dict[str, Path] = field(default_factory=dict)
    #: minutes of the crews' duty before the night window's start and after its end (the
    #: earliest leave base, the latest back at base over every variant): the drives out and
    #: home, in the plan's own GPX and in the driven tracks, are not strays
    lead_min: float = 0.0
    tail_min: float = 0.0


def _absolute(scenario: str) -> str:
    """An embedded name as it is, a scenario folder as an absolute path.

    The log keeps it for its reports: a folder relative to the directory ``log
    record`` ran in (``plans/n1/../county``) was unknown to a ``log report`` run
    from another one (a cron job's), and the same night recorded from two
    directories had two contents.
    """
    from borderwatch.data.load import embedded_scenarios

    return scenario if scenario in embedded_scenarios() else str(Path(scenario).resolve())


def read_plan_folder(folder: str | Path) -> PlanFolder:
    """Read a ``borderwatch plan`` output folder (``plan.json`` and ``gpx/<team>.gpx``).

    Raises
    ------
    LogError
        If the folder has no ``plan.json`` or it lacks a field the log needs.
    """
    from borderwatch.planfiles.folders import scenario_of_folder
    from borderwatch.planfiles.planfile import PlanFile

    folder = Path(folder)
    path = folder / "plan.json"
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise LogError(f"cannot read the plan file: {err.strerror or err}", file=path) from None
    plan = PlanFile.read(path, error=LogError)
    if plan.is_replan:  # its loops start at the cut: every unit "unwatched" before it
        cut = (plan.replan or {}).get("at", f"{plan.cut_min:g} min")
        raise LogError(
            f"a re-plan folder (cut at {cut}): the log compares whole nights, and a re-plan "
            "plans nothing before its cut (its night would read 0 % watched as planned); "
            "record the night against tonight's plan folder",
            file=path,
            field="cut_min",
            value=plan.cut_min,
        )
    teams = [
        PlannedTeam(
            team=r.team,
            status=r.status,
            # the loops the plan lists for its own schedule (variant -f0)
            loops=float(len(r.start_times)) if r.on_patrol else 0.0,
            loop_km=r.loop_km,
            loop_min=r.loop_min,
            leave_base=r.leave_base.strftime("%H:%M") if r.leave_base else "",
        )
        for r in plan.routes
    ]
    gpx_dir = folder / "gpx"
    gpx = (
        {p.stem: p for p in sorted(gpx_dir.glob("*.gpx")) if p.is_file()}
        if gpx_dir.is_dir()
        else {}
    )
    if not gpx:
        raise LogError("the plan folder holds no gpx/<team>.gpx", file=gpx_dir, field="gpx")
    lead_min, tail_min = plan.duty_margins()
    return PlanFolder(
        path=folder,
        text=raw.decode("utf-8"),
        hash=sha256(raw),
        night=plan.night.isoformat(),
        window=plan.night_window.pair,
        scenario=_absolute(scenario_of_folder(folder)),
        teams=tuple(teams),
        gpx=gpx,
        lead_min=lead_min,
        tail_min=tail_min,
    )


@dataclass(frozen=True)
class DrivenTrack:
    """A team's driven GPX file: text, hash, fixes and the line driven (lon/lat)."""

    team: str
    file_name: str
    text: str
    hash: str
    n_points: int
    first_fix: datetime | None
    last_fix: datetime | None
    geom: shapely.MultiLineString | None
    lonlat: np.ndarray
    """All timed fixes, (n, 2) lon/lat."""
    path: Path | None = None
    """The file as found (the key of its reading in ``parsed``)."""
    parsed: ParsedGpx | None = None
    """The file's reading for the replay (:func:`~borderwatch.coverage.gpx.plain_gpx`),
    None where the replay must read it itself (not plain GPX, or not valid UTF-8)."""


def read_tracks(
    folder: str | Path,
    known: set[str],
    *,
    window: tuple[datetime, datetime] | None = None,
    tz: ZoneInfo | None = None,
) -> dict[str, DrivenTrack]:
    """Read a folder of driven GPX (one file per team, ``<team>.gpx`` or named by its tracks).

    Parameters
    ----------
    folder
        A folder of ``*.gpx`` (or one GPX file).
    known
        Team ids; a track's team is the first word of its name, else the file stem.
    window
        If given, a track with no fix inside it is refused (a GPX of another night).
    tz
        The zone of times written without one (as the GPX replay reads them; default UTC).

    Raises
    ------
    LogError
        If a file cannot be parsed, names no known team, or two files hold one team.
    """
    from borderwatch.coverage.gpx import gpx_files, plain_gpx

    out: dict[str, DrivenTrack] = {}
    for path in gpx_files(folder):
        raw = path.read_bytes()
        try:  # the replay reads files as strict UTF-8: only such a reading is handed on
            text, strict = raw.decode("utf-8"), True
        except UnicodeDecodeError:
            text, strict = raw.decode("utf-8", errors="replace"), False
        plain = plain_gpx(text)
        team = None
        lines = []
        times: list[datetime] = []
        pts: list[tuple[float, float]] = []
        for name_text, segments in _gpx_tracks(text, path, tz or ZoneInfo("UTC"), plain):
            words = (name_text or "").split()
            name = words[0] if words and words[0] in known else path.stem
            if name not in known:
                raise LogError(
                    f"GPX track names no known team, nor does the file name; known: "
                    f"{', '.join(sorted(known))}",
                    file=path,
                    field="trk/name",
                    value=name_text,
                )
            if team is not None and name != team:
                raise LogError(
                    "one file per team: this file holds tracks of two teams",
                    file=path,
                    field="trk/name",
                    value=name,
                )
            team = name
            for seg in segments:
                times.extend(t for t, _x, _y in seg)
                seg_pts = [(x, y) for _t, x, y in seg]
                pts.extend(seg_pts)
                if len(seg_pts) >= 2:
                    lines.append(seg_pts)
        team = team or path.stem
        if team not in known:
            raise LogError("GPX file names no known team", file=path, field="team", value=team)
        if team in out:
            raise LogError(
                f"a second GPX file for team {team} (first: {out[team].file_name})",
                file=path,
                field="team",
                value=team,
            )
        first = min(times) if times else None
        last = max(times) if times else None
        if (
            window is not None
            and first is not None
            and last is not None
            and (last < window[0] or first > window[1])
        ):
            raise LogError(
                f"the track has no fix in the night {window[0].isoformat()} – "
                f"{window[1].isoformat()} (first fix {first.isoformat()})",
                file=path,
                field="time",
                value=first.isoformat(),
            )
        out[team] = DrivenTrack(
            team=team,
            file_name=path.name,
            text=text,
            hash=sha256(text.encode("utf-8")),
            n_points=len(pts),
            first_fix=first,
            last_fix=last,
            geom=shapely.MultiLineString(lines) if lines else None,
            lonlat=np.asarray(pts, dtype=float).reshape(-1, 2),
            path=path,
            parsed=plain if strict else None,
        )
    return dict(sorted(out.items()))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _gpx_tracks(
    text: str, path: Path, tz: ZoneInfo, plain: ParsedGpx | None
) -> list[tuple[str | None, list[list[tuple[datetime, float, float]]]]]:
    """The tracks of a GPX text: (name, segments of timed fixes); untimed fixes are left out.

    A lean reader for what the log keeps of a track (its line, first and last fix):
    the passes themselves are counted by :func:`borderwatch.coverage.gpx.timeline_from_gpx`,
    which checks the same files in full. ``plain`` is the text's
    :func:`borderwatch.coverage.gpx.plain_gpx` reading (then the record hands it to the
    replay, which parses no more); None for a file that is not plain GPX.
    """
    import xml.etree.ElementTree as ET

    if plain is not None:
        return [
            (
                name,
                [
                    [
                        (t if t.tzinfo is not None else t.replace(tzinfo=tz), x, y)
                        for x, y, t in zip(lon, lat, times, strict=True)
                        if t is not None
                    ]
                    for lon, lat, times in segments
                ],
            )
            for name, segments in plain
        ]
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise LogError(f"not a valid GPX file: {err}", file=path) from None
    if _local(root.tag) != "gpx":
        raise LogError("not a GPX file (no <gpx> root)", file=path, value=_local(root.tag))
    out = []
    for trk in root:
        if _local(trk.tag) != "trk":
            continue
        name = next((c.text for c in trk if _local(c.tag) == "name"), None)
        segs = []
        for seg in trk:
            if _local(seg.tag) != "trkseg":
                continue
            fixes = []
            for pt in seg:
                if _local(pt.tag) != "trkpt":
                    continue
                when = next((c.text for c in pt if _local(c.tag) == "time"), None)
                if not when:
                    continue
                try:
                    t = datetime.fromisoformat(when.strip())
                    x, y = float(pt.attrib["lon"]), float(pt.attrib["lat"])
                except (KeyError, ValueError):
                    raise LogError(
                        "a track point with a bad lon, lat or time",
                        file=path,
                        field="trkpt",
                        value=f"{pt.attrib.get('lon')},{pt.attrib.get('lat')} {when}",
                    ) from None
                fixes.append((t if t.tzinfo is not None else t.replace(tzinfo=tz), x, y))
            segs.append(fixes)
        out.append((name, segs))
    return out


def _parse_time(text: str, night: date, tz: ZoneInfo, path: Path, line: int, col: str) -> datetime:
    """An instant from ISO 8601 or ``HH:MM`` on the night (before noon: next morning)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", text):
            t = time.fromisoformat(text.zfill(5))
            day = night + timedelta(days=1) if t.hour < 12 else night
            return datetime.combine(day, t, tzinfo=tz)
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise LogError(
            "not a time (ISO 8601 or HH:MM)", file=path, field=f"line {line}, {col}", value=text
        ) from None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=tz)


def _rows(path: Path, required: tuple[str, ...]) -> tuple[bytes, list[tuple[int, dict[str, str]]]]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise LogError(f"cannot read: {err.strerror or err}", file=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LogError("not UTF-8 text", file=path) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise LogError(
            f"missing column(s) {', '.join(missing)}; columns: {', '.join(header)}",
            file=path,
            field=missing[0],
        )
    rows = [
        (k + 2, {(a or "").strip(): (b or "").strip() for a, b in row.items() if a})
        for k, row in enumerate(reader)
    ]
    return raw, rows


def _float(
    row: dict[str, str], col: str, path: Path, line: int, lo: float, hi: float
) -> float | None:
    text = row.get(col, "")
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (lo <= value <= hi):
        raise LogError(
            f"must be a number in [{lo:g}, {hi:g}]",
            file=path,
            field=f"line {line}, {col}",
            value=text,
        )
    return value


def _count(row: dict[str, str], col: str, path: Path, line: int) -> int:
    text = row.get(col, "") or "0"
    if not text.isdigit():
        raise LogError(
            "must be a whole number ≥ 0", file=path, field=f"line {line}, {col}", value=text
        )
    return int(text)


def read_incidents(
    path: str | Path, night: date, tz: ZoneInfo
) -> tuple[bytes, list[dict[str, Any]]]:
    """Read ``incidents.csv``: (file bytes, one dict per incident, in file order)."""
    path = Path(path)
    raw, rows = _rows(path, ("time", "lon", "lat", "kind", "outcome"))
    out = []
    for line, row in rows:
        lon = _float(row, "lon", path, line, -180, 180)
        lat = _float(row, "lat", path, line, -90, 90)
        if lon is None or lat is None:
            raise LogError(
                "an incident needs lon and lat", file=path, field=f"line {line}, lon/lat", value=""
            )
        if not row.get("kind"):
            raise LogError("empty", file=path, field=f"line {line}, kind", value="")
        out.append(
            {
                "time": _parse_time(row["time"], night, tz, path, line, "time"),
                "lon": lon,
                "lat": lat,
                "kind": row["kind"],
                "outcome": row.get("outcome", ""),
                "cases": _count(row, "cases", path, line),
                "people": _count(row, "people", path, line),
                "note": row.get("note", ""),
            }
        )
    return raw, out


def read_inspections(
    path: str | Path, night: date, tz: ZoneInfo
) -> tuple[bytes, list[dict[str, Any]]]:
    """Read ``inspections.csv``: (file bytes, one dict per inspection, in file order)."""
    path = Path(path)
    raw, rows = _rows(path, ("leader", "time", "place"))
    out = []
    for line, row in rows:
        if not row.get("leader"):
            raise LogError("empty", file=path, field=f"line {line}, leader", value="")
        out.append(
            {
                "leader": row["leader"],
                "time": _parse_time(row["time"], night, tz, path, line, "time"),
                "place": row.get("place", ""),
                "lon": _float(row, "lon", path, line, -180, 180),
                "lat": _float(row, "lat", path, line, -90, 90),
                "note": row.get("note", ""),
            }
        )
    return raw, out
