"""The first duty-log schema: nights, tracks, incidents, inspections, figures, stretches.

Revision ID: 0001
Revises:
Create Date: 2026-12-06

Frozen: a later schema change gets a new revision (the test
``tests/log/test_db.py::test_migrations_match_schema`` compares the migrated
database with :mod:`borderwatch.log.schema`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


_GEOMETRY = {"incidents": "POINT", "inspections": "POINT", "tracks": "MULTILINESTRING"}


def upgrade() -> None:
    """Create the tables (and the PostGIS extension on PostgreSQL)."""
    postgis = op.get_bind().dialect.name == "postgresql"
    if postgis:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "nights",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("plan_json", sa.Text(), nullable=False),
        sa.Column("plan_hash", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.Text(), nullable=False),
        sa.Column("window_min", sa.Float(precision=53), nullable=False),
        sa.Column("teams_on_duty", sa.Text(), nullable=False),
        sa.Column("achieved_json", sa.Text(), nullable=False),
        sa.Column("planned_json", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("night"),
    )
    op.create_table(
        "incidents",
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("time", sa.Text(), nullable=False),
        sa.Column("t_min", sa.Float(precision=53), nullable=False),
        sa.Column("lon", sa.Float(precision=53), nullable=False),
        sa.Column("lat", sa.Float(precision=53), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Integer(), nullable=True),
        sa.Column("km", sa.Float(precision=53), nullable=True),
        sa.Column("offset_m", sa.Float(precision=53), nullable=True),
        sa.Column("near", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["night_id"], ["nights.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("night_id", "seq"),
    )
    op.create_table(
        "inspections",
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("leader", sa.Text(), nullable=False),
        sa.Column("time", sa.Text(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("lon", sa.Float(precision=53), nullable=True),
        sa.Column("lat", sa.Float(precision=53), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["night_id"], ["nights.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("night_id", "seq"),
    )
    op.create_table(
        "stretches",
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("start_km", sa.Float(precision=53), nullable=True),
        sa.Column("end_km", sa.Float(precision=53), nullable=True),
        sa.Column("from_min", sa.Float(precision=53), nullable=True),
        sa.Column("to_min", sa.Float(precision=53), nullable=True),
        sa.Column("township", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["night_id"], ["nights.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("night_id", "seq"),
    )
    op.create_table(
        "team_figures",
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("loops_planned", sa.Float(precision=53), nullable=False),
        sa.Column("loops_driven", sa.Float(precision=53), nullable=False),
        sa.Column("planned_start_min", sa.Float(precision=53), nullable=True),
        sa.Column("driven_start_min", sa.Float(precision=53), nullable=True),
        sa.Column("late_min", sa.Float(precision=53), nullable=False),
        sa.Column("planned_km", sa.Float(precision=53), nullable=False),
        sa.Column("driven_km", sa.Float(precision=53), nullable=False),
        sa.Column("units_planned", sa.Integer(), nullable=False),
        sa.Column("units_passed", sa.Integer(), nullable=False),
        sa.Column("passes_planned", sa.Integer(), nullable=False),
        sa.Column("passes_driven", sa.Integer(), nullable=False),
        sa.Column("compliance_pct", sa.Float(precision=53), nullable=False),
        sa.Column("gps_offset_m", sa.Float(precision=53), nullable=True),
        sa.Column("off_route_km", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(["night_id"], ["nights.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("night_id", "team"),
    )
    op.create_table(
        "tracks",
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("gpx", sa.Text(), nullable=False),
        sa.Column("gpx_hash", sa.String(length=64), nullable=False),
        sa.Column("n_points", sa.Integer(), nullable=False),
        sa.Column("first_fix", sa.Text(), nullable=True),
        sa.Column("last_fix", sa.Text(), nullable=True),
        sa.Column("driven_km", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(["night_id"], ["nights.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("night_id", "team"),
    )
    op.create_table(
        "unit_figures",
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Integer(), nullable=False),
        sa.Column("planned_passes", sa.Integer(), nullable=False),
        sa.Column("passes", sa.Integer(), nullable=False),
        sa.Column("planned_worst_revisit_min", sa.Float(precision=53), nullable=True),
        sa.Column("worst_revisit_min", sa.Float(precision=53), nullable=True),
        sa.Column("watched", sa.Boolean(), nullable=False),
        sa.Column("detection", sa.Float(precision=53), nullable=True),
        sa.ForeignKeyConstraint(["night_id"], ["nights.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("night_id", "unit"),
    )
    # geometry columns: PostGIS geometry in lon/lat, WKB bytes on SQLite (borderwatch.log.db.Geom)
    for table, kind in _GEOMETRY.items():
        if postgis:
            op.execute(f"ALTER TABLE {table} ADD COLUMN geom geometry({kind}, 4326)")
        else:
            op.add_column(table, sa.Column("geom", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Drop the tables (children first)."""
    for name in (
        "unit_figures",
        "tracks",
        "team_figures",
        "stretches",
        "inspections",
        "incidents",
        "nights",
    ):
        op.drop_table(name)
