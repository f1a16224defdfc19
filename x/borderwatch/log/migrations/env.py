"""Alembic environment of the duty log: run on the connection :func:`borderwatch.log.db.open_log` passes."""

from __future__ import annotations

from alembic import context

from borderwatch.log.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
