"""The duty log's database: URL, migrations on open, schema on SQLite and PostgreSQL + PostGIS."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import pytest
import shapely
import sqlalchemy as sa

from borderwatch.errors import LogError
from borderwatch.log import schema as S
from borderwatch.log.db import default_url, open_log


def test_default_url_follows_env_and_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BORDERWATCH_LOG_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_url() == f"sqlite:///{tmp_path / 'data' / 'borderwatch' / 'log.sqlite'}"
    monkeypatch.setenv("BORDERWATCH_LOG_DB", str(tmp_path / "x.sqlite"))
    assert default_url() == f"sqlite:///{tmp_path / 'x.sqlite'}"
    monkeypatch.setenv("BORDERWATCH_LOG_DB", "postgresql://u@h/db")
    assert default_url() == "postgresql://u@h/db"


def test_default_log_is_created_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BORDERWATCH_LOG_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    open_log()
    assert (tmp_path / "data" / "borderwatch" / "log.sqlite").is_file()


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_other_databases_are_refused(url: str) -> None:
    with pytest.raises(LogError, match="--db"):
        open_log(url)


def test_unreachable_postgres_names_the_url() -> None:
    with pytest.raises(LogError, match="cannot open the duty log"):
        open_log("postgresql://nobody@127.0.0.1:1/none")


def _columns(engine: sa.Engine) -> dict[str, list[str]]:
    insp = sa.inspect(engine)
    with warnings.catch_warnings():  # SQLAlchemy does not know PostGIS's type name
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        return {t: sorted(c["name"] for c in insp.get_columns(t)) for t in S.metadata.tables}


def test_migration_builds_the_schema_once(db_url: str) -> None:
    engine = open_log(db_url)
    open_log(db_url)  # a second open migrates nothing
    want = {t.name: sorted(c.name for c in t.columns) for t in S.metadata.tables.values()}
    assert _columns(engine) == want
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0001"


def test_geometry_round_trips_exactly(db_url: str) -> None:
    engine = open_log(db_url)
    line = shapely.MultiLineString([[(106.9334338, 21.9640939), (106.9349197, 21.9641493)]])
    with engine.begin() as conn:
        nid = conn.execute(
            sa.insert(S.nights)
            .values(
                night=date(2026, 1, 1),
                scenario="x",
                plan_json="{}",
                plan_hash="h",
                window_start="2026-01-01T20:00:00+08:00",
                window_min=600.0,
                teams_on_duty="T1",
                achieved_json="{}",
                planned_json="{}",
                content_hash="c",
                recorded_at="now",
            )
            .returning(S.nights.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(S.tracks).values(
                night_id=nid,
                team="T1",
                file_name="T1.gpx",
                gpx="",
                gpx_hash="",
                n_points=2,
                driven_km=0.1,
                geom=line,
            )
        )
    with engine.connect() as conn:
        back = conn.execute(sa.select(S.tracks.c.geom)).scalar_one()
        if engine.dialect.name == "postgresql":  # a real PostGIS column answers PostGIS
            kind = conn.execute(sa.text("SELECT GeometryType(geom) FROM tracks")).scalar_one()
            assert kind == "MULTILINESTRING"
    assert back.equals_exact(line, 0.0)


def test_head_revision_is_alembics_head() -> None:
    """``db.HEAD_REVISION`` (the open without Alembic) follows the newest migration."""
    from alembic.script import ScriptDirectory

    from borderwatch.log.db import HEAD_REVISION, _alembic_config

    script = ScriptDirectory.from_config(_alembic_config(None))  # type: ignore[arg-type]
    assert script.get_heads() == [HEAD_REVISION]


@pytest.mark.slow  # a Python subprocess: ~1 s idle, 3 s under load
def test_a_migrated_log_opens_without_alembic(sqlite_url: str) -> None:
    import subprocess
    import sys

    open_log(sqlite_url).dispose()  # creates and migrates
    code = (
        "import sys; from borderwatch.log.db import open_log; "
        f"open_log({sqlite_url!r}).dispose(); print('alembic' in sys.modules)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert res.stdout.strip() == "False"
    with sa.create_engine(sqlite_url).connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0001"


def test_reading_commands_refuse_a_missing_log_and_create_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`log night`, `log report` with a mistyped --db (or no log yet): exit 2 naming the URL.

    They used to create an empty log (and its folders) there, then say the night was not
    in the log; without --db that file landed in the user's data folder.
    """
    from typer.testing import CliRunner

    from borderwatch.cli import app

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("BORDERWATCH_LOG_DB", raising=False)
    typo = tmp_path / "typo" / "log.sqlite"
    runner = CliRunner()
    for db in ([f"--db=sqlite:///{typo}"], []):
        for args in (
            ["log", "night", "2026-12-17", *db],
            ["log", "report", "--day", "2026-12-17", "--out", str(tmp_path / "r"), *db],
        ):
            res = runner.invoke(app, args)
            assert res.exit_code == 2, (args, res.output)
            assert "no duty log here" in res.output and "--db" in res.output, res.output
    assert not (tmp_path / "typo").exists()
    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "r").exists()
    with pytest.raises(LogError, match="no duty log here"):
        open_log(f"sqlite:///{typo}", create=False)
    open_log(f"sqlite:///{typo}")  # log record creates it
    assert typo.is_file()
    open_log(f"sqlite:///{typo}", create=False)
