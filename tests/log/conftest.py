"""Fixtures of the duty-log tests: a toy plan folder, SQLite and PostgreSQL logs.

The PostgreSQL tests need a server with PostGIS: ``BORDERWATCH_TEST_PG_URL`` names
one (a URL whose user may create databases, e.g.
``postgresql://postgres@localhost:54326/postgres``; ``.ci/run`` starts one and sets
it). Each test gets a fresh database, dropped afterwards. Without the variable
the PostgreSQL tests skip (a failure in CI: ``BORDERWATCH_STRICT_SKIPS``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from borderwatch.config import SearchParams
from tests.helpers import write_toy_scenario

PG_ENV = "BORDERWATCH_TEST_PG_URL"
NIGHT = "2026-12-14"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m borderwatch ARGS`` in a subprocess (offline), output captured."""
    return subprocess.run(
        [sys.executable, "-m", "borderwatch", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def toy_log_net(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The toy scenario (its folder) and network, for the log tests (built once)."""
    from borderwatch.data import build_network
    from borderwatch.data.load import load_scenario

    scen = write_toy_scenario(tmp_path_factory.mktemp("logtoy") / "toy")
    return scen, build_network(load_scenario(str(scen)))


@pytest.fixture(scope="session")
def toy_plan(tmp_path_factory: pytest.TempPathFactory, toy_log_net) -> Path:  # type: ignore[no-untyped-def]
    """A toy plan folder for the night of 2026-12-14 (one team, T1), by the plan job."""
    from datetime import date

    from borderwatch.jobs import run_plan

    out = tmp_path_factory.mktemp("logtoyplan") / "plan"
    run_plan(
        toy_log_net[1],
        out,
        night=date.fromisoformat(NIGHT),
        map_html=False,
        search=SearchParams(max_iterations=50),
    )
    return out


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'log.sqlite'}"


def _pg_admin() -> str:
    url = os.environ.get(PG_ENV, "")
    if not url:
        pytest.skip(f"no PostgreSQL + PostGIS server: set {PG_ENV}")
    return url


def fresh_pg() -> Iterator[str]:
    """A fresh PostgreSQL database (PostGIS available), dropped afterwards."""
    import sqlalchemy as sa

    admin = sa.engine.make_url(_pg_admin()).set(drivername="postgresql+psycopg")
    # unique across pytest-xdist workers (and across runs sharing a server); the worker id
    # ("gw0", "gw1"; "main" when serial) says whose database a leftover was
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"bw_test_{worker}_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    yield from fresh_pg()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The duty log on SQLite, then on PostgreSQL + PostGIS."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'log.sqlite'}"
    else:
        yield from fresh_pg()
