"""The duty log's database: where it lives, how it is opened, migrated and locked.

One schema (:mod:`borderwatch.log.schema`) on two engines:

* **SQLite** (the embedded default): one file, ``$BORDERWATCH_LOG_DB`` or
  ``$XDG_DATA_HOME/borderwatch/log.sqlite`` (``~/.local/share/borderwatch/log.sqlite``).
  Every transaction starts with ``BEGIN IMMEDIATE``: a writer holds the file's
  write lock from its first statement, so two stations recording at once wait
  for each other (``timeout``) instead of failing on a lock upgrade. A kill in a
  transaction leaves a hot journal that SQLite rolls back on the next open.
* **PostgreSQL + PostGIS** (a command centre): geometry columns are PostGIS
  ``geometry(…, 4326)``; the first migration creates the ``postgis`` extension.

Geometry is stored as WKB everywhere (PostGIS geometry on PostgreSQL, a BLOB on
SQLite) and read back as shapely geometry: the same coordinates on both.
Migrations are Alembic scripts shipped in ``borderwatch/log/migrations``; an
open of a log not at :data:`HEAD_REVISION` runs ``alembic upgrade head`` under a
lock (SQLite's write lock, a PostgreSQL advisory lock), so two processes opening
a fresh log at once migrate it once; a log at the head is opened without Alembic.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator

from borderwatch.errors import LogError

__all__ = ["Geom", "default_url", "open_log", "transaction"]

logger = logging.getLogger(__name__)

_PG_LOCK_KEY = 260_2612
"""PostgreSQL advisory lock id held while migrating."""

HEAD_REVISION = "0001"
"""The newest migration in ``migrations/versions`` (a test checks it against Alembic's head):
a log already at it is opened without importing Alembic (a third of a second a command)."""


def default_url() -> str:
    """The duty log's URL when ``--db`` is not given.

    ``$BORDERWATCH_LOG_DB`` (a URL, or a file path for SQLite), else the SQLite
    file ``$XDG_DATA_HOME/borderwatch/log.sqlite`` (``XDG_DATA_HOME`` defaults to
    ``~/.local/share``).
    """
    env = os.environ.get("BORDERWATCH_LOG_DB", "").strip()
    if env:
        return env if "://" in env else f"sqlite:///{Path(env).expanduser().resolve()}"
    base = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base).expanduser().resolve() / 'borderwatch' / 'log.sqlite'}"


class Geom(TypeDecorator[Any]):
    """A geometry column: PostGIS ``geometry(kind, 4326)`` or WKB bytes on SQLite.

    Values are shapely geometries in lon/lat (EPSG:4326) both ways.
    """

    impl = sa.LargeBinary
    cache_ok = True

    def __init__(self, kind: str = "GEOMETRY") -> None:
        super().__init__()
        self.kind = kind

    def load_dialect_impl(self, dialect: sa.Dialect | None) -> Any:
        if dialect is not None and dialect.name == "postgresql":
            from geoalchemy2 import Geometry

            return dialect.type_descriptor(Geometry(self.kind, srid=4326, spatial_index=False))
        if dialect is None:  # GeoAlchemy2's DDL hooks ask without a dialect
            return sa.LargeBinary()
        return dialect.type_descriptor(sa.LargeBinary())

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            from geoalchemy2.shape import from_shape

            return from_shape(value, srid=4326)
        return shapely.to_wkb(value, byte_order=1)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            from geoalchemy2.shape import to_shape

            return to_shape(value)
        return shapely.from_wkb(bytes(value))


def _sqlite_setup(engine: Engine) -> None:
    """Let SQLAlchemy, not the driver, begin SQLite transactions, with BEGIN IMMEDIATE."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver issues no BEGIN of its own
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _make_engine(url: str, timeout_s: float) -> Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as err:
        raise LogError(f"not a database URL: {err}", field="--db", value=url) from None
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            parsed, connect_args={"timeout": timeout_s}, poolclass=sa.pool.NullPool
        )
        _sqlite_setup(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":  # psycopg 3 rather than psycopg2
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, poolclass=sa.pool.NullPool)
    raise LogError(
        "the duty log runs on SQLite or PostgreSQL only", field="--db", value=url.split("@")[-1]
    )


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "borderwatch.log:migrations")
    cfg.attributes["connection"] = connection
    return cfg


def open_log(url: str | None = None, *, timeout_s: float = 60.0, create: bool = True) -> Engine:
    """Open (create, migrate) the duty log at ``url`` and return its engine.

    Parameters
    ----------
    url
        SQLAlchemy URL (``sqlite:///PATH``, ``postgresql://user@host/db``);
        default :func:`default_url`.
    timeout_s
        How long a SQLite writer waits for another's lock.
    create
        Create a SQLite log that does not exist (``log record``). ``False`` for the
        commands that read the log (``log night``, ``log report``, ``roster --from-log``,
        ``plan --risk-from-log``): a missing file is refused, so a mistyped ``--db`` is
        neither read as an empty log nor left behind as a new file.

    Raises
    ------
    LogError
        If the URL is not SQLite or PostgreSQL, the database cannot be reached, or
        (``create=False``) the SQLite file does not exist.
    """
    url = url or default_url()
    if not create:
        _refuse_missing(url)
    engine = _make_engine(url, timeout_s)
    try:
        if _at_head(engine):
            logger.info("duty log %s open", engine.url.render_as_string(hide_password=True))
            return engine
        from alembic import command

        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            command.upgrade(_alembic_config(conn), "head")
    except sa.exc.OperationalError as err:
        raise LogError(
            f"cannot open the duty log: {str(err.orig).strip().splitlines()[0]}",
            field="--db",
            value=engine.url.render_as_string(hide_password=True),
        ) from None
    logger.info("duty log %s open", engine.url.render_as_string(hide_password=True))
    return engine


def _refuse_missing(url: str) -> None:
    """Refuse a SQLite log file that does not exist (a mistyped ``--db``), rather than create it."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return  # _make_engine names the bad URL
    db = parsed.database
    a_file = parsed.get_backend_name() == "sqlite" and db not in (None, "", ":memory:")
    if a_file and not Path(str(db)).is_file():
        raise LogError(
            "no duty log here (record a night with `borderwatch log record` first)",
            field="--db",
            value=url,
        )


def _at_head(engine: Engine) -> bool:
    """Whether the log exists and is migrated to :data:`HEAD_REVISION` (a read, no lock)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return False
        rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    return [r[0] for r in rows] == [HEAD_REVISION]


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction (SQLite: ``BEGIN IMMEDIATE``), committed on success, else rolled back."""
    with engine.begin() as conn:
        yield conn
