"""A crossing simulator: replays crossings against GPX tracks, positions in time.

This is the check of :mod:`borderwatch.coverage.detection`, built apart from
it: it reads the teams' GPX tracks (``gpxpy``), moves each team along its
track minute by minute (linear interpolation between fixes, one position
every ``step_s`` seconds), and asks, for every simulated crossing, whether a
patrol came by while the crossing was under way. It never reads the pass
tables, the edges or the timeline the closed forms use.

What "came by" means is the project's pass convention, measured on
positions: the team is within ``patrol_view_m`` of the unit for a spell of
consecutive positions; the moment of the spell's closest position is when it
sees the unit. A crossing at a unit starting at ``s`` is seen when such a
moment falls in ``[s, s + τ]``, or when a checkpoint's circle holds the unit's
midpoint (every checkpoint staffed).

Three replays, one per intruder:

* :func:`replay_uninformed`: units and start times drawn at random;
* :func:`replay_informed`: at one unit and start (the best response the closed
  form names), each night's variant per team drawn with the odds, from the
  variants' own GPX tracks;
* :func:`replay_watching`: a unit and one of the moments a patrol came by drawn
  at random; the crossing starts right after it.
* :func:`replay_watching_draws`: one team's night driven by sealed direction
  cards (in-night draws): a crossing right after every moment it came by.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import Transformer

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = [
    "Sightings",
    "checkpoint_units",
    "replay_informed",
    "replay_uninformed",
    "replay_watching",
    "replay_watching_draws",
    "sightings_from_gpx",
]


@dataclass(frozen=True)
class Sightings:
    """When each unit was seen from the tracks: sorted minutes per unit (from the window start)."""

    times: dict[int, np.ndarray]

    def seen(self, unit: int, start: float, tau: float) -> bool:
        """A sighting of ``unit`` inside ``[start, start + tau]``."""
        t = self.times.get(unit)
        if t is None or not len(t):
            return False
        i = int(np.searchsorted(t, start - 1e-9, side="left"))
        return i < len(t) and t[i] <= start + tau + 1e-9


def _read_track(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lon, lat and time (seconds since the epoch) of every fix of every track in ``path``."""
    import gpxpy

    with path.open(encoding="utf-8") as fh:
        gpx = gpxpy.parse(fh)
    lon, lat, ts = [], [], []
    for track in gpx.tracks:
        for seg in track.segments:
            for p in seg.points:
                if p.time is None:  # a fix without a time cannot place the team in the night
                    continue
                lon.append(p.longitude)
                lat.append(p.latitude)
                ts.append(p.time.timestamp())
    return np.asarray(lon), np.asarray(lat), np.asarray(ts)


def sightings_from_gpx(
    network: PatrolNetwork,
    files: Sequence[str | Path],
    *,
    window_start: datetime,
    window_min: float,
    step_s: float = 3.0,
) -> Sightings:
    """The moments each unit is seen from the tracks of ``files`` (one team per file).

    Parameters
    ----------
    network
        Gives the units, the projected CRS and ``patrol_view_m``.
    files
        GPX files, one team each.
    window_start
        The night window's start (aware datetime).
    window_min
        Window length; sightings outside it are dropped.
    step_s
        Seconds between interpolated positions.
    """
    to_xy = Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    view = float(network.config.patrol_view_m)
    units = network.units.geometry.to_numpy()
    tree = shapely.STRtree(units)
    t0 = window_start.timestamp()
    times: dict[int, list[float]] = {}
    for f in files:
        lon, lat, ts = _read_track(Path(f))
        if len(ts) < 2:
            continue
        x, y = to_xy.transform(lon, lat)
        grid = np.arange(ts[0], ts[-1] + 1e-9, step_s)
        px, py = np.interp(grid, ts, x), np.interp(grid, ts, y)
        pts = shapely.points(px, py)
        pi, ui = tree.query(pts, predicate="dwithin", distance=view)
        if not len(pi):
            continue
        d = shapely.distance(pts[pi], units[ui])
        order = np.lexsort((pi, ui))
        pi, ui, d = pi[order], ui[order], d[order]
        # spells: consecutive positions in view of the same unit
        new = np.ones(len(pi), dtype=bool)
        new[1:] = (ui[1:] != ui[:-1]) | (pi[1:] != pi[:-1] + 1)
        spell = np.cumsum(new) - 1
        best = np.lexsort((pi, d, spell))
        first = np.ones(len(best), dtype=bool)
        first[1:] = spell[best][1:] != spell[best][:-1]
        pick = best[first]
        minutes = (grid[pi[pick]] - t0) / 60.0
        for u, m in zip(ui[pick].tolist(), minutes.tolist(), strict=True):
            if -1e-9 <= m <= window_min + 1e-9:
                times.setdefault(int(u), []).append(float(m))
    return Sightings({u: np.sort(np.asarray(v)) for u, v in times.items()})


def checkpoint_units(network: PatrolNetwork) -> np.ndarray:
    """Units whose midpoint lies within a checkpoint's radius (the staffed checkpoints)."""
    mids = shapely.line_interpolate_point(network.units.geometry.to_numpy(), 0.5, normalized=True)
    cps = network.checkpoints
    if not len(cps):
        return np.zeros(len(mids), dtype=bool)
    xy = cps.to_crs(network.crs).geometry.to_numpy()
    radius = cps["radius_m"].to_numpy(dtype=float)
    d = shapely.distance(mids[:, None], xy[None, :])
    return np.asarray((d <= radius[None, :]).any(axis=1))


def replay_uninformed(
    sightings: Sightings,
    checkpoint: np.ndarray,
    tau: np.ndarray,
    window_min: float,
    units: np.ndarray,
    *,
    n: int = 10_000,
    seed: int = 0,
) -> float:
    """Share seen of ``n`` crossings at units drawn from ``units``, start uniform on ``[0, W - τ]``."""
    rng = np.random.default_rng(seed)
    u = rng.choice(units, size=n)
    s = rng.random(n) * (window_min - tau[u])
    seen = [
        bool(checkpoint[a]) or sightings.seen(int(a), float(b), float(tau[a]))
        for a, b in zip(u, s, strict=True)
    ]
    return float(np.mean(seen))


def replay_informed(
    variant_sightings: Mapping[str, Sequence[Sightings]],
    odds: Mapping[str, np.ndarray],
    unit: int,
    start: float,
    tau: float,
    *,
    n: int = 10_000,
    seed: int = 0,
) -> float:
    """Share seen of ``n`` crossings at ``unit`` from ``start``, each night's variants drawn with ``odds``.

    ``variant_sightings`` maps a team to the sightings of each of its variants
    (from each variant's own GPX track), ``odds`` the team to their odds.
    """
    rng = np.random.default_rng(seed)
    seen = np.zeros(n, dtype=bool)
    for team in sorted(variant_sightings):
        sights = variant_sightings[team]
        p = np.asarray(odds[team], dtype=float)
        draw = rng.choice(len(sights), size=n, p=p / p.sum())
        hit = np.array([s.seen(unit, start, tau) for s in sights])
        seen |= hit[draw]
    return float(seen.mean())


def replay_watching(
    sightings: Sightings,
    tau: np.ndarray,
    window_min: float,
    units: np.ndarray,
    *,
    n: int = 10_000,
    seed: int = 0,
) -> tuple[float, dict[int, float]]:
    """The watching intruder: a unit of ``units`` drawn, one of its sightings drawn, start right after.

    Returns
    -------
    (float, dict)
        The share of ``n`` such crossings seen, and per unit the worst over its
        sightings (1 if a patrol comes again within τ after every one, else 0).
    """
    rng = np.random.default_rng(seed)
    usable = {}
    for u in units.tolist():
        t = sightings.times.get(int(u), np.zeros(0))
        starts = t[t <= window_min - tau[u] + 1e-9]
        if len(starts):
            usable[int(u)] = (t, starts)
    worst = {}
    for u, (t, starts) in usable.items():
        nxt = np.searchsorted(t, starts, side="right")
        ok = (nxt < len(t)) & (t[np.minimum(nxt, len(t) - 1)] - starts <= tau[u] + 1e-9)
        worst[u] = float(ok.all())
    keys = sorted(usable)
    if not keys:
        return 0.0, worst
    pick = rng.choice(len(keys), size=n)
    seen = 0
    for k in pick.tolist():
        u = keys[k]
        t, starts = usable[u]
        s = float(starts[rng.integers(len(starts))])
        j = int(np.searchsorted(t, s, side="right"))
        seen += int(j < len(t) and t[j] - s <= tau[u] + 1e-9)
    return seen / n, worst


def replay_watching_draws(
    sightings: Sightings,
    loop_min: float,
    cards: Sequence[str],
    tau: np.ndarray,
    window_min: float,
    units: np.ndarray,
) -> dict[tuple[int, str, str], tuple[int, int]]:
    """A crossing right after every sighting of one team whose loops follow sealed cards.

    Loop ``j`` runs from ``j · D`` in the direction of ``cards[j]`` (``"F"`` or
    ``"R"``); a sighting belongs to the loop it falls in (3 s of slack at the
    loop start, the position step). Only sightings whose next loop lies
    entirely inside the window count (the night's end is not the draws').

    Returns
    -------
    dict
        ``(unit, card of the loop before, card of the loop under way)`` →
        ``(crossings, seen)``; the first loop (no loop before) is left out.
    """
    out: dict[tuple[int, str, str], tuple[int, int]] = {}
    d = float(loop_min)
    for u in units.tolist():
        t = sightings.times.get(int(u))
        if t is None or not len(t):
            continue
        for i, s in enumerate(t.tolist()):
            j = int(np.floor((s + 0.05) / d))
            if j < 1 or (j + 2) * d > window_min + 1e-9 or j >= len(cards):
                continue
            hit = i + 1 < len(t) and float(t[i + 1]) - s <= float(tau[u]) + 1e-9
            key = (int(u), str(cards[j - 1]), str(cards[j]))
            n, k = out.get(key, (0, 0))
            out[key] = (n + 1, k + int(hit))
    return out
