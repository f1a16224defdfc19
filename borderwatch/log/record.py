"""``log record``: store a night (plan, tracks, incidents, inspections, figures) in one transaction.

Everything is read and computed first; then one transaction inserts the night
and all its rows. SQLite's ``BEGIN IMMEDIATE`` (or PostgreSQL's unique night)
serialises two stations: a kill at any point leaves the night absent (the
transaction never committed) or complete.

Re-recording: the night's *content hash* covers the date, the scenario, the plan
file, every GPX file (name and bytes) and the incidents and inspections files.
The same content again is a no-op; other content is refused with
:class:`~borderwatch.errors.NightRecordedError` (exit 6) unless ``replace``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time as _clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
import sqlalchemy as sa

from borderwatch.errors import LogError, NightRecordedError
from borderwatch.log import schema as S
from borderwatch.log.compare import NightFigures, compare_night, planned_gpx_paths
from borderwatch.log.db import open_log, transaction
from borderwatch.log.inputs import (
    read_incidents,
    read_inspections,
    read_plan_folder,
    read_tracks,
    sha256,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from borderwatch.data.network import PatrolNetwork

__all__ = ["Recorded", "night_window", "record_night"]

logger = logging.getLogger(__name__)

PAUSE_ENV = "BORDERWATCH_LOG_PAUSE_AT"
"""Test hook: ``STEP`` (or ``STEP:SECONDS``) makes ``record`` print ``paused at STEP`` to
stderr inside its transaction and sleep (default 600 s), so a test can kill it there."""
STEPS = ("begin", "night", "tracks", "incidents", "inspections", "teams", "units", "stretches")


def _pause(step: str) -> None:
    want = os.environ.get(PAUSE_ENV, "")
    if not want:
        return
    name, _, secs = want.partition(":")
    if name == step:
        print(f"paused at {step}", file=sys.stderr, flush=True)
        _clock.sleep(float(secs or 600))


@dataclass(frozen=True)
class PreparedNight:
    """A night read and computed, ready to store: rows per table and the content hash."""

    night: date
    content_hash: str
    night_row: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]]
    figures: NightFigures


@dataclass(frozen=True)
class Recorded:
    """What :func:`record_night` did: ``"recorded"``, ``"replaced"`` or ``"unchanged"``."""

    night: date
    action: str
    content_hash: str
    figures: NightFigures | None


def night_window(network: PatrolNetwork, night: date) -> tuple[datetime, float]:
    """The window start (aware, the scenario's time zone) and length (minutes) of ``night``.

    The wall-clock length of that night (a DST changeover night is 9 or 11 h).
    """
    window, tz = network.config.night, network.scenario.timezone
    return window.start_at(night, tz), float(window.minutes(night, tz))


def record_night(
    night: date,
    plan_dir: str | Path,
    gpx_dir: str | Path,
    *,
    incidents: str | Path | None = None,
    inspections: str | Path | None = None,
    db: str | None = None,
    engine: Engine | None = None,
    network: PatrolNetwork | None = None,
    replace: bool = False,
) -> Recorded:
    """Record one night in the duty log.

    Parameters
    ----------
    night
        The date the night starts.
    plan_dir
        The ``borderwatch plan`` output folder the teams drove.
    gpx_dir
        The driven tracks: a folder of GPX (one file per team) or one file.
    incidents, inspections
        Optional CSV files (see :mod:`borderwatch.log.inputs`).
    db, engine
        The log's URL (default :func:`~borderwatch.log.db.default_url`), or an open engine.
    network
        The plan's scenario network, if already built (else built from the plan folder).
    replace
        Replace a night recorded with other content.

    Returns
    -------
    Recorded

    Raises
    ------
    NightRecordedError
        The night is recorded with other content and ``replace`` is false.
    LogError
        Bad files (naming file, line, field and value).
    """
    plan, network, tracks, planned_tracks, inc, ins, content_hash, w0, wmin = _read(
        night, plan_dir, gpx_dir, incidents, inspections, network
    )
    engine = engine or open_log(db)
    existing = _existing(engine, night)
    if existing is not None and existing == content_hash:
        logger.info("night %s recorded already with the same content", night)
        return Recorded(night, "unchanged", content_hash, None)
    if existing is not None and not replace:
        raise NightRecordedError(
            f"night {night} is in the duty log already with other content "
            f"(plan, tracks, incidents or inspections differ); --replace to overwrite"
        )
    prepared = _compute(
        night, plan, network, gpx_dir, tracks, planned_tracks, inc, ins, content_hash, w0, wmin
    )
    return store_night(engine, prepared, replace=replace)


def _read(
    night: date,
    plan_dir: str | Path,
    gpx_dir: str | Path,
    incidents: str | Path | None,
    inspections: str | Path | None,
    network: PatrolNetwork | None,
) -> tuple[
    Any,
    PatrolNetwork,
    dict[str, Any],
    dict[str, Any],
    list[dict[str, Any]],
    list[dict[str, Any]],
    str,
    datetime,
    float,
]:
    """Read a night's files; the content hash of what is read."""
    plan = read_plan_folder(plan_dir)
    if network is None:
        from borderwatch.data import build_network
        from borderwatch.data.load import load_scenario

        network = build_network(load_scenario(plan.scenario))
    tz = ZoneInfo(network.scenario.timezone or "UTC")
    w0, wmin = night_window(network, night)
    w1 = w0 + timedelta(minutes=wmin)
    known = set(network.teams.index.astype(str))
    tracks = read_tracks(gpx_dir, known, window=(w0, w1), tz=tz)
    if not tracks:
        raise LogError("no driven GPX track", file=gpx_dir, field="gpx")
    planned_tracks = read_tracks_of(plan, known, tz)
    inc_raw, inc = read_incidents(incidents, night, tz) if incidents else (b"", [])
    ins_raw, ins = read_inspections(inspections, night, tz) if inspections else (b"", [])
    content = {
        "night": night.isoformat(),
        "scenario": plan.scenario,
        "plan": plan.hash,
        "gpx": [[t.file_name, t.hash] for t in tracks.values()],
        "incidents": sha256(inc_raw),
        "inspections": sha256(ins_raw),
    }
    content_hash = sha256(json.dumps(content, sort_keys=True).encode())
    return plan, network, tracks, planned_tracks, inc, ins, content_hash, w0, wmin


def prepare_night(
    night: date,
    plan_dir: str | Path,
    gpx_dir: str | Path,
    *,
    incidents: str | Path | None = None,
    inspections: str | Path | None = None,
    network: PatrolNetwork | None = None,
) -> PreparedNight:
    """Read and compute a night without storing it (:func:`store_night` stores it, in any log)."""
    plan, network, tracks, planned_tracks, inc, ins, content_hash, w0, wmin = _read(
        night, plan_dir, gpx_dir, incidents, inspections, network
    )
    return _compute(
        night, plan, network, gpx_dir, tracks, planned_tracks, inc, ins, content_hash, w0, wmin
    )


def _compute(
    night: date,
    plan: Any,
    network: PatrolNetwork,
    gpx_dir: str | Path,
    tracks: dict[str, Any],
    planned_tracks: dict[str, Any],
    inc: list[dict[str, Any]],
    ins: list[dict[str, Any]],
    content_hash: str,
    w0: datetime,
    wmin: float,
) -> PreparedNight:
    from borderwatch.coverage.gpx import timeline_from_gpx

    tz = ZoneInfo(network.scenario.timezone or "UTC")

    p0 = _plan_window_start(plan, network, tz)
    # the files read above are not parsed again by the replay
    parsed = {
        t.path: t.parsed
        for t in (*tracks.values(), *planned_tracks.values())
        if t.path is not None and t.parsed is not None
    }
    # the drives out and home (before and after the window) are tonight's, not counted
    duty = {"lead_min": plan.lead_min, "tail_min": plan.tail_min}
    planned_tl = timeline_from_gpx(
        network, planned_gpx_paths(plan), window_start=p0, window_min=wmin, parsed=parsed, **duty
    )
    driven_tl = timeline_from_gpx(
        network, [Path(gpx_dir)], window_start=w0, window_min=wmin, parsed=parsed, **duty
    )
    source = _source(plan.scenario)
    figures = compare_night(
        network,
        plan,
        planned_tl,
        driven_tl,
        tracks,
        planned_tracks,
        window_start=w0,
        planned_window_start=p0,
        source=source,
    )
    inc_rows = _incident_rows(network, inc, figures, w0)
    ins_rows = [
        {
            "seq": k + 1,
            "leader": r["leader"],
            "time": r["time"].isoformat(),
            "place": r["place"],
            "lon": r["lon"],
            "lat": r["lat"],
            "note": r["note"],
            "geom": None if r["lon"] is None else shapely.Point(r["lon"], r["lat"]),
        }
        for k, r in enumerate(ins)
    ]
    on_duty = ",".join(t.team for t in plan.teams if t.status == "patrol")
    night_row = {
        "night": night,
        "scenario": plan.scenario,
        "plan_json": plan.text,
        "plan_hash": plan.hash,
        "window_start": w0.isoformat(),
        "window_min": wmin,
        "teams_on_duty": on_duty,
        "achieved_json": json.dumps(figures.achieved, sort_keys=True, ensure_ascii=False),
        "planned_json": json.dumps(figures.planned, sort_keys=True, ensure_ascii=False),
        "content_hash": content_hash,
    }
    track_rows = [
        {
            "team": t.team,
            "file_name": t.file_name,
            "gpx": t.text,
            "gpx_hash": t.hash,
            "n_points": t.n_points,
            "first_fix": None if t.first_fix is None else t.first_fix.isoformat(),
            "last_fix": None if t.last_fix is None else t.last_fix.isoformat(),
            "driven_km": float(
                figures.teams.set_index("team")["driven_km"].get(t.team, 0.0)
                if t.team in set(figures.teams["team"])
                else 0.0
            ),
            "geom": t.geom,
        }
        for t in tracks.values()
    ]
    stretches = _records(figures.stretches)
    for k, row in enumerate(stretches):
        row["seq"] = k + 1
    rows = {
        "tracks": track_rows,
        "incidents": inc_rows,
        "inspections": ins_rows,
        "team_figures": _records(figures.teams),
        "unit_figures": _records(figures.units),
        "stretches": stretches,
    }
    return PreparedNight(night, content_hash, night_row, rows, figures)


def store_night(engine: Engine, prepared: PreparedNight, *, replace: bool = False) -> Recorded:
    """Store a prepared night in one transaction (see :func:`record_night`).

    Raises
    ------
    NightRecordedError
        The night is recorded with other content and ``replace`` is false.
    """
    night, content_hash = prepared.night, prepared.content_hash
    existing = _existing(engine, night)
    if existing is not None and existing == content_hash:
        return Recorded(night, "unchanged", content_hash, None)
    if existing is not None and not replace:
        raise NightRecordedError(
            f"night {night} is in the duty log already with other content "
            f"(plan, tracks, incidents or inspections differ); --replace to overwrite"
        )
    night_row = dict(
        prepared.night_row, recorded_at=datetime.now(UTC).isoformat(timespec="seconds")
    )
    try:
        with transaction(engine) as conn:
            _pause("begin")
            again = _existing(conn, night)
            if again is not None:
                if again == content_hash:
                    return Recorded(night, "unchanged", content_hash, None)
                if not replace:
                    raise NightRecordedError(
                        f"night {night} was recorded by another station meanwhile with other "
                        f"content; --replace to overwrite"
                    )
                _delete(conn, night)
            nid = conn.execute(
                sa.insert(S.nights).values(**night_row).returning(S.nights.c.id)
            ).scalar_one()
            _pause("night")
            for name, pause in (
                ("tracks", "tracks"),
                ("incidents", "incidents"),
                ("inspections", "inspections"),
                ("team_figures", "teams"),
                ("unit_figures", "units"),
                ("stretches", "stretches"),
            ):
                _insert(conn, S.metadata.tables[name], nid, prepared.rows[name])
                _pause(pause)
    except sa.exc.IntegrityError:
        # PostgreSQL: another station inserted the same night between our check and insert
        again = _existing(engine, night)
        if again == content_hash:
            return Recorded(night, "unchanged", content_hash, None)
        raise NightRecordedError(
            f"night {night} was recorded by another station meanwhile with other content"
        ) from None
    action = "replaced" if existing is not None else "recorded"
    logger.info("night %s %s (%d tracks)", night, action, len(prepared.rows["tracks"]))
    return Recorded(night, action, content_hash, prepared.figures)


def read_tracks_of(plan: Any, known: set[str], tz: ZoneInfo) -> dict[str, Any]:
    """The plan's own per-team GPX as tracks."""
    out = {}
    for _team, path in planned_gpx_paths(plan).items():
        out.update(read_tracks(path, known, tz=tz))
    return out


def _plan_window_start(plan: Any, network: PatrolNetwork, tz: ZoneInfo) -> datetime:
    try:
        night = date.fromisoformat(plan.night)
    except ValueError:
        raise LogError(
            "not a date", file=plan.path / "plan.json", field="night", value=plan.night
        ) from None
    return night_window(network, night)[0]


def _source(scenario: str) -> str | None:
    from borderwatch.data.load import embedded_scenarios

    return scenario if scenario in embedded_scenarios() else str(Path(scenario).resolve())


def _incident_rows(
    network: PatrolNetwork, inc: list[dict[str, Any]], figures: NightFigures, w0: datetime
) -> list[dict[str, Any]]:
    from pyproj import Transformer

    if not inc:
        return []
    units = network.units
    tf = Transformer.from_crs(4326, network.crs, always_xy=True)
    x, y = tf.transform([r["lon"] for r in inc], [r["lat"] for r in inc])
    pts = shapely.points(np.column_stack([x, y]))
    ug = units.geometry.to_numpy()
    (ii, ui), dist = shapely.STRtree(ug).query_nearest(pts, return_distance=True, all_matches=False)
    nearest = dict(zip(ii.tolist(), zip(ui.tolist(), dist.tolist(), strict=True), strict=True))
    passes = figures.passes
    rows = []
    for k, r in enumerate(inc):
        u, d = nearest[k]
        km = (
            float(units["start_m"].iloc[u]) + float(shapely.line_locate_point(ug[u], pts[k]))
        ) / 1e3
        t = (r["time"] - w0).total_seconds() / 60.0
        near = passes[
            (passes["unit"].between(u - 4, u + 4))
            & (
                units["part"].to_numpy()[passes["unit"].clip(0, len(units) - 1)]
                == units["part"].iloc[u]
            )
            & ((passes["t"] - t).abs() <= 60.0)
        ]
        best: dict[str, float] = {}
        for team, tt in zip(near["team"], near["t"], strict=True):
            dt = float(tt - t)
            if team not in best or abs(dt) < abs(best[team]):
                best[team] = dt
        text = ", ".join(
            f"{tm} {v:+.0f} min"
            for tm, v in sorted(best.items(), key=lambda kv: (abs(kv[1]), kv[0]))
        )
        rows.append(
            {
                "seq": k + 1,
                "time": r["time"].isoformat(),
                "t_min": round(t, 2),
                "lon": r["lon"],
                "lat": r["lat"],
                "kind": r["kind"],
                "outcome": r["outcome"],
                "cases": r["cases"],
                "people": r["people"],
                "unit": int(u),
                "km": round(km, 3),
                "offset_m": round(float(d), 1),
                "near": text,
                "note": r["note"],
                "geom": shapely.Point(r["lon"], r["lat"]),
            }
        )
    return rows


def _records(frame: Any) -> list[dict[str, Any]]:
    """DataFrame rows as plain Python values (NaN -> None)."""
    out = []
    for row in frame.to_dict("records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and v != v:
                v = None
            clean[k] = v
        out.append(clean)
    return out


def _insert(conn: Connection, table: sa.Table, nid: int, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(table), [{"night_id": nid, **r} for r in rows])


def _existing(bind: Engine | Connection, night: date) -> str | None:
    q = sa.select(S.nights.c.content_hash).where(S.nights.c.night == night)
    if isinstance(bind, sa.engine.Connection):
        return bind.execute(q).scalar_one_or_none()
    with bind.connect() as conn:
        return conn.execute(q).scalar_one_or_none()


def _delete(conn: Connection, night: date) -> None:
    nid = conn.execute(sa.select(S.nights.c.id).where(S.nights.c.night == night)).scalar_one()
    for t in (S.stretches, S.unit_figures, S.team_figures, S.inspections, S.incidents, S.tracks):
        conn.execute(sa.delete(t).where(t.c.night_id == nid))
    conn.execute(sa.delete(S.nights).where(S.nights.c.id == nid))
