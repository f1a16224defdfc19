"""Simulated driven nights: a plan's GPX replayed on other dates with injected deviations.

For tests and benchmarks of the duty log. Each night's tracks are the plan's own
``gpx/<team>.gpx`` moved to that night (the drive out, the loops, the drive home),
with the deviations asked for; minutes count from the team's loop start (the
plan's own schedule, ``plan.json``: the window start; the track's first fix when
the folder has no ``plan.json``):

=============  ==============================================================
``late``       the team leaves ``minutes`` late (its track shifted, cut at the
               window end: no drive home)
``skip_loop``  the team's fixes of loop ``loop`` (0-based) are dropped: it stands
               at the loop's start point for one loop
``detour``     from ``at_min`` for ``minutes`` the team drives 3 km inland of
               its route (its positions moved south), missing its stretch
``noise``      Gaussian GPS noise of ``sigma_m`` on every fix (seeded)
``stop``       the team stops driving ``at_min`` minutes after its loop start
               (dropped mid-night): its fixes from then on are dropped
``drop``       the team drives nothing: no GPX file
=============  ==============================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from borderwatch.atomic import write_text

__all__ = ["Deviation", "TeamTrack", "read_plan_tracks", "simulate_night", "write_gpx"]

_M_PER_DEG_LAT = 110_750.0


@dataclass(frozen=True)
class Deviation:
    """One injected deviation (see the module table)."""

    kind: str
    team: str
    params: dict[str, float] = field(default_factory=dict)

    def label(self) -> str:
        """How the log names it (the ``kind`` of a stretch row)."""
        return {
            "late": "late start",
            "skip_loop": "skipped loop",
            "detour": "off route",
            "noise": "gps noise",
            "stop": "early end",
            "drop": "no track",
        }[self.kind]


@dataclass
class TeamTrack:
    """A team's fixes: name, times (UTC seconds), lon, lat; ``start``: its loop start (UTC s)."""

    name: str
    t: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    start: float | None = None

    @property
    def loop_start(self) -> float:
        """When the team starts its loop (UTC seconds): ``start``, else the first fix."""
        return float(self.t[0]) if self.start is None else self.start


def read_plan_tracks(plan_dir: str | Path) -> dict[str, TeamTrack]:
    """The plan's ``gpx/<team>.gpx`` as arrays (one track per team, segments joined).

    Each track's ``start`` is the team's loop start in ``plan.json`` (its own
    schedule, variant ``-f0``): the track begins earlier, with the drive out.
    """
    import gpxpy

    from borderwatch.planfiles.planfile import PlanFile

    starts: dict[str, float] = {}
    if (Path(plan_dir) / "plan.json").is_file():
        plan = PlanFile.read(Path(plan_dir) / "plan.json")
        starts = {r.team: r.variants[0].on_loop.timestamp() for r in plan.routes if r.variants}
    out = {}
    for path in sorted((Path(plan_dir) / "gpx").glob("*.gpx")):
        gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
        pts = [p for trk in gpx.tracks for seg in trk.segments for p in seg.points if p.time]
        name = gpx.tracks[0].name if gpx.tracks and gpx.tracks[0].name else path.stem
        out[path.stem] = TeamTrack(
            name=name,
            t=np.array([p.time.timestamp() for p in pts if p.time is not None]),
            lon=np.array([p.longitude for p in pts]),
            lat=np.array([p.latitude for p in pts]),
            start=starts.get(path.stem),
        )
    return out


def write_gpx(path: Path, track: TeamTrack, tz: Any) -> None:
    """Write one team's track as GPX 1.1 (times in ``tz``, millisecond precision)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="borderwatch-sim">',
        "  <trk>",
        f"    <name>{_esc(track.name)}</name>",
        "    <trkseg>",
    ]
    for t, lon, lat in zip(track.t, track.lon, track.lat, strict=True):
        when = datetime.fromtimestamp(round(float(t), 3), tz).isoformat(timespec="milliseconds")
        lines.append(f'      <trkpt lat="{lat:.7f}" lon="{lon:.7f}"><time>{when}</time></trkpt>')
    lines += ["    </trkseg>", "  </trk>", "</gpx>", ""]
    write_text(path, "\n".join(lines))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def simulate_night(
    plan_tracks: dict[str, TeamTrack],
    plan_night: date,
    night: date,
    out_dir: str | Path,
    deviations: list[Deviation],
    *,
    tz: Any,
    window_end: datetime,
    loop_min: dict[str, float],
    seed: int = 0,
) -> Path:
    """Write the driven GPX of ``night`` (one file per team) into ``out_dir``.

    Parameters
    ----------
    plan_tracks
        From :func:`read_plan_tracks`.
    plan_night, night
        The plan's own night and the simulated one (tracks move by the difference).
    out_dir
        Folder to write ``<team>.gpx`` into (created).
    deviations
        What to inject.
    tz
        Time zone of the written times.
    window_end
        End of the simulated night's window (a late team's track is cut there).
    loop_min
        Each team's loop length, minutes (for ``skip_loop``).
    seed
        Seed of the GPS noise.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shift = (night - plan_night).days * 86400.0
    rng = np.random.default_rng(seed)
    by_team: dict[str, list[Deviation]] = {}
    for d in deviations:
        by_team.setdefault(d.team, []).append(d)
    end_s = window_end.timestamp()
    for team, tr in sorted(plan_tracks.items()):
        devs = by_team.get(team, [])
        if any(d.kind == "drop" for d in devs):
            continue
        t, lon, lat = tr.t + shift, tr.lon.copy(), tr.lat.copy()
        start = tr.loop_start + shift
        for d in devs:
            if d.kind == "late":
                t = t + 60.0 * d.params["minutes"]
                start += 60.0 * d.params["minutes"]
                keep = t <= end_s
                t, lon, lat = t[keep], lon[keep], lat[keep]
            elif d.kind == "skip_loop":
                a = start + 60.0 * loop_min[team] * d.params["loop"]
                b = a + 60.0 * loop_min[team]
                keep = (t < a) | (t >= b)
                t, lon, lat = t[keep], lon[keep], lat[keep]
            elif d.kind == "detour":
                a = start + 60.0 * d.params["at_min"]
                b = a + 60.0 * d.params["minutes"]
                on = (t >= a) & (t < b)
                lat = np.where(on, lat - 3000.0 / _M_PER_DEG_LAT, lat)
            elif d.kind == "stop":
                keep = t < start + 60.0 * d.params["at_min"]
                t, lon, lat = t[keep], lon[keep], lat[keep]
            elif d.kind == "noise":
                sigma = d.params["sigma_m"]
                lat = lat + rng.normal(0, sigma, len(lat)) / _M_PER_DEG_LAT
                lon = lon + rng.normal(0, sigma, len(lon)) / (
                    _M_PER_DEG_LAT * math.cos(math.radians(float(np.mean(tr.lat))))
                )
        write_gpx(out / f"{team}.gpx", TeamTrack(tr.name, t, lon, lat), tz)
    return out


def window_end(start: datetime, minutes: float) -> datetime:
    """The end of a window."""
    return start + timedelta(minutes=minutes)
