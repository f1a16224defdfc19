"""The duty log's tables (SQLAlchemy Core), one schema for SQLite and PostgreSQL + PostGIS.

=================  ==============================================================
table              one row per
=================  ==============================================================
``nights``         recorded night: date, scenario, the plan file (text and hash),
                   the window, the teams on duty, the headline figures (JSON: the
                   keys of a ``gaps`` ``summary.json``, achieved and planned), the
                   hash of everything recorded (re-recording compares it)
``tracks``         team and night: the driven GPX (text), first/last fix, km, line
``incidents``      incident: time, place, kind, outcome, cases, people caught
``inspections``    inspection by the leader on duty: leader, time, place
``team_figures``   team and night: planned against driven
``unit_figures``   border unit and night: passes and worst revisit, planned/driven
``stretches``      deviation or unwatched stretch: kind, team, km range, time range
=================  ==============================================================

Times of day are minutes from the night window's start (floats, like a
:class:`~borderwatch.coverage.timeline.PatrolTimeline`); instants are ISO 8601
text with their UTC offset; floats are stored as double precision on both engines.
The migration ``0001`` creates exactly these tables; a later change to them needs
a new migration in ``borderwatch/log/migrations/versions``.
"""

from __future__ import annotations

import sqlalchemy as sa

from borderwatch.log.db import Geom

__all__ = [
    "incidents",
    "inspections",
    "metadata",
    "nights",
    "stretches",
    "team_figures",
    "tracks",
    "unit_figures",
]

metadata = sa.MetaData()

F = sa.Float(precision=53)

nights = sa.Table(
    "nights",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("night", sa.Date, nullable=False, unique=True),
    sa.Column("scenario", sa.Text, nullable=False),
    sa.Column("plan_json", sa.Text, nullable=False),
    sa.Column("plan_hash", sa.String(64), nullable=False),
    sa.Column("window_start", sa.Text, nullable=False),
    sa.Column("window_min", F, nullable=False),
    sa.Column("teams_on_duty", sa.Text, nullable=False),
    sa.Column("achieved_json", sa.Text, nullable=False),
    sa.Column("planned_json", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.Text, nullable=False),
)

tracks = sa.Table(
    "tracks",
    metadata,
    sa.Column(
        "night_id", sa.Integer, sa.ForeignKey("nights.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("team", sa.Text, primary_key=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("gpx", sa.Text, nullable=False),
    sa.Column("gpx_hash", sa.String(64), nullable=False),
    sa.Column("n_points", sa.Integer, nullable=False),
    sa.Column("first_fix", sa.Text),
    sa.Column("last_fix", sa.Text),
    sa.Column("driven_km", F, nullable=False),
    sa.Column("geom", Geom("MULTILINESTRING")),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column(
        "night_id", sa.Integer, sa.ForeignKey("nights.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("time", sa.Text, nullable=False),
    sa.Column("t_min", F, nullable=False),
    sa.Column("lon", F, nullable=False),
    sa.Column("lat", F, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("cases", sa.Integer, nullable=False),
    sa.Column("people", sa.Integer, nullable=False),
    sa.Column("unit", sa.Integer),
    sa.Column("km", F),
    sa.Column("offset_m", F),
    sa.Column("near", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("geom", Geom("POINT")),
)

inspections = sa.Table(
    "inspections",
    metadata,
    sa.Column(
        "night_id", sa.Integer, sa.ForeignKey("nights.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("leader", sa.Text, nullable=False),
    sa.Column("time", sa.Text, nullable=False),
    sa.Column("place", sa.Text, nullable=False),
    sa.Column("lon", F),
    sa.Column("lat", F),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("geom", Geom("POINT")),
)

team_figures = sa.Table(
    "team_figures",
    metadata,
    sa.Column(
        "night_id", sa.Integer, sa.ForeignKey("nights.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("team", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("loops_planned", F, nullable=False),
    sa.Column("loops_driven", F, nullable=False),
    sa.Column("planned_start_min", F),
    sa.Column("driven_start_min", F),
    sa.Column("late_min", F, nullable=False),
    sa.Column("planned_km", F, nullable=False),
    sa.Column("driven_km", F, nullable=False),
    sa.Column("units_planned", sa.Integer, nullable=False),
    sa.Column("units_passed", sa.Integer, nullable=False),
    sa.Column("passes_planned", sa.Integer, nullable=False),
    sa.Column("passes_driven", sa.Integer, nullable=False),
    sa.Column("compliance_pct", F, nullable=False),
    sa.Column("gps_offset_m", F),
    sa.Column("off_route_km", F, nullable=False),
)

unit_figures = sa.Table(
    "unit_figures",
    metadata,
    sa.Column(
        "night_id", sa.Integer, sa.ForeignKey("nights.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("unit", sa.Integer, primary_key=True),
    sa.Column("planned_passes", sa.Integer, nullable=False),
    sa.Column("passes", sa.Integer, nullable=False),
    sa.Column("planned_worst_revisit_min", F),
    sa.Column("worst_revisit_min", F),
    sa.Column("watched", sa.Boolean, nullable=False),
    sa.Column("detection", F),
)

stretches = sa.Table(
    "stretches",
    metadata,
    sa.Column(
        "night_id", sa.Integer, sa.ForeignKey("nights.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("team", sa.Text),
    sa.Column("start_km", F),
    sa.Column("end_km", F),
    sa.Column("from_min", F),
    sa.Column("to_min", F),
    sa.Column("township", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)
