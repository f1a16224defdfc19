"""Reading the duty log back: one night, or the nights of a day, a week, a range.

Everything read is ordered by its key (night, team, unit, seq), so that the same
log on SQLite and on PostgreSQL gives the same frames, and the same reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from borderwatch.errors import LogError
from borderwatch.log import schema as S

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = [
    "NightRecord",
    "TeamNight",
    "clock",
    "iso_week",
    "night_json",
    "nights_between",
    "read_night",
    "team_nights",
]


@dataclass
class NightRecord:
    """A recorded night as stored."""

    night: date
    scenario: str
    window_start: datetime
    window_min: float
    teams_on_duty: list[str]
    achieved: dict[str, Any]
    planned: dict[str, Any]
    teams: pd.DataFrame
    units: pd.DataFrame
    stretches: pd.DataFrame
    incidents: pd.DataFrame
    inspections: pd.DataFrame
    tracks: pd.DataFrame
    """team, driven_km, first_fix, last_fix, geom (shapely, lon/lat); no GPX text."""

    def clock(self, minutes: float | None) -> str:
        """``HH:MM`` of minutes from the window start (empty for None)."""
        return clock(self.window_start, minutes)


def clock(start: datetime, minutes: float | None) -> str:
    """``HH:MM`` of ``minutes`` after ``start`` (empty for None or NaN)."""
    if minutes is None or minutes != minutes:
        return ""
    return (start + timedelta(minutes=float(minutes))).strftime("%H:%M")


def _frame(
    conn: Any, table: sa.Table, nid: int, order: list[str], drop: tuple[str, ...] = ()
) -> pd.DataFrame:
    cols = [c for c in table.c if c.name not in ("night_id", *drop)]
    rows = conn.execute(
        sa.select(*cols).where(table.c.night_id == nid).order_by(*[table.c[o] for o in order])
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=[c.name for c in cols])


def read_night(engine: Engine, night: date) -> NightRecord:
    """The recorded ``night``.

    Raises
    ------
    LogError
        If the night is not in the log.
    """
    with engine.connect() as conn:
        row = conn.execute(sa.select(S.nights).where(S.nights.c.night == night)).mappings().first()
        if row is None:  # which log was read, and what it holds: a wrong --db is seen at once
            n, first, last = conn.execute(
                sa.select(
                    sa.func.count(), sa.func.min(S.nights.c.night), sa.func.max(S.nights.c.night)
                )
            ).one()
            held = f"{n} night(s), {first} .. {last}" if n else "no night"
            raise LogError(
                f"night not in the duty log {engine.url.render_as_string(hide_password=True)} "
                f"(it holds {held})",
                field="NIGHT",
                value=night.isoformat(),
            )
        nid = row["id"]
        return NightRecord(
            night=row["night"],
            scenario=row["scenario"],
            window_start=datetime.fromisoformat(row["window_start"]),
            window_min=float(row["window_min"]),
            teams_on_duty=[t for t in row["teams_on_duty"].split(",") if t],
            achieved=json.loads(row["achieved_json"]),
            planned=json.loads(row["planned_json"]),
            teams=_frame(conn, S.team_figures, nid, ["team"]),
            units=_frame(conn, S.unit_figures, nid, ["unit"]),
            stretches=_frame(conn, S.stretches, nid, ["seq"]),
            incidents=_frame(conn, S.incidents, nid, ["seq"]),
            inspections=_frame(conn, S.inspections, nid, ["seq"]),
            tracks=_frame(conn, S.tracks, nid, ["team"], drop=("gpx",)),
        )


def nights_between(engine: Engine, first: date, last: date) -> list[date]:
    """Recorded nights from ``first`` to ``last`` (inclusive), in order."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(S.nights.c.night)
            .where(S.nights.c.night >= first, S.nights.c.night <= last)
            .order_by(S.nights.c.night)
        ).all()
    return [r[0] for r in rows]


def iso_week(text: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week ``YYYY-Www``.

    Raises
    ------
    LogError
        If ``text`` is not an ISO week.
    """
    try:
        monday = datetime.strptime(text + "-1", "%G-W%V-%u").date()
    except ValueError:
        raise LogError("not an ISO week (e.g. 2026-W51)", field="--week", value=text) from None
    return monday, monday + timedelta(days=6)


def _plain(frame: pd.DataFrame, drop: tuple[str, ...] = ("geom",)) -> list[dict[str, Any]]:
    out = []
    for row in frame.drop(columns=[c for c in drop if c in frame.columns]).to_dict("records"):
        out.append({k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()})
    return out


def night_json(rec: NightRecord) -> dict[str, Any]:
    """A night for scripts: the achieved headline keys of a ``gaps`` ``summary.json`` first,
    then ``night``, ``planned`` (the plan's own headline), ``teams``, ``stretches``,
    ``incidents`` and ``inspections``."""
    out = dict(rec.achieved)
    out["night"] = rec.night.isoformat()
    out["window_start"] = rec.window_start.isoformat()
    out["teams_on_duty"] = rec.teams_on_duty
    out["planned"] = rec.planned
    out["teams"] = _plain(rec.teams)
    stretches = _plain(rec.stretches)
    for s in stretches:
        s["from"] = rec.clock(s["from_min"])
        s["to"] = rec.clock(s["to_min"])
    out["stretches"] = stretches
    out["incidents"] = _plain(rec.incidents)
    out["inspections"] = _plain(rec.inspections)
    return out


@dataclass(frozen=True)
class TeamNight:
    """A team's recorded night, reduced to what a roster needs (``roster --from-log``).

    Attributes
    ----------
    night
        The date the night starts on.
    scenario
        The scenario as the night's plan file names it (a name, or a folder).
    team
        Team id.
    status
        ``drove``, ``no track`` (on duty, drove nothing) or ``standby`` (the plan's).
    late_min
        Minutes the first fix came after the planned first fix (0 if on time).
    early_min
        Minutes the last fix came before the end of the window, where the planned
        loops end (``off_loop`` of the plan file); 0 if it drove to the end.
    last_fix
        The last fix (aware), None without a track.
    """

    night: date
    scenario: str
    team: str
    status: str
    late_min: float
    early_min: float
    last_fix: datetime | None


def team_nights(engine: Engine, before: date) -> list[TeamNight]:
    """Every recorded team night before ``before``, by night and team.

    Parameters
    ----------
    engine
        The duty log.
    before
        First night not read (the Monday of the week being rostered).

    Returns
    -------
    list of TeamNight
        One per team in each recorded night's plan.
    """
    n, tf, tr = S.nights, S.team_figures, S.tracks
    query = (
        sa.select(
            n.c.night,
            n.c.scenario,
            n.c.window_start,
            n.c.window_min,
            tf.c.team,
            tf.c.status,
            tf.c.late_min,
            tr.c.last_fix,
        )
        .select_from(
            n.join(tf, tf.c.night_id == n.c.id).outerjoin(
                tr, (tr.c.night_id == n.c.id) & (tr.c.team == tf.c.team)
            )
        )
        .where(n.c.night < before)
        .order_by(n.c.night, tf.c.team)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    out = []
    for night, scenario, w_start, w_min, team, status, late, last in rows:
        last_fix = datetime.fromisoformat(last) if last else None
        early = 0.0
        if last_fix is not None:
            driven = (last_fix - datetime.fromisoformat(w_start)).total_seconds() / 60.0
            early = max(0.0, float(w_min) - driven)
        out.append(
            TeamNight(
                night, str(scenario), str(team), str(status), float(late or 0.0), early, last_fix
            )
        )
    return out
