"""The command line on the toy scenario: real files written and read back."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.errors import ScenarioError

runner = CliRunner()


def test_scenario_info_json(toy_dir: Path) -> None:
    result = runner.invoke(app, ["scenario", "info", str(toy_dir), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["checkpoints"] == 2
    assert info["teams"] == 1
    assert info["border_km_official"] == 12.0
    assert abs(info["border_km_modelled"] - 10.0) < 0.05
    assert info["roads_km_by_class"]["unclassified"] > 9.9


def test_scenario_info_table(toy_dir: Path) -> None:
    result = runner.invoke(app, ["scenario", "info", str(toy_dir)])
    assert result.exit_code == 0, result.output
    assert "10.0 km modelled, 12 km official" in result.stdout
    assert "checkpoints" in result.stdout


def test_validate_ok_and_bad(toy_dir: Path) -> None:
    ok = runner.invoke(app, ["scenario", "validate", str(toy_dir)])
    assert ok.exit_code == 0 and "ok" in ok.stdout
    (toy_dir / "teams.csv").write_text("id,name\nT1,x\n", encoding="utf-8")
    bad = runner.invoke(app, ["scenario", "validate", str(toy_dir)])
    assert bad.exit_code == 2
    assert "teams.csv" in bad.stderr and "missing column(s) base_lon" in bad.stderr


def test_validate_reads_crossing_and_people(toy_dir: Path) -> None:
    """`validate` said ok for a folder whose crossing.csv or people.csv `plan` and
    `roster` then refused (walk12); a people.csv team member of an unknown team was
    refused by `roster` without the file or row. Now each names file, field, row, value."""
    from borderwatch.jobs.roster import run_roster

    crossing = toy_dir / "crossing.csv"
    crossing.write_text("start_km,end_km,crossing_min\n0,1,10\n1,2,abc\n", encoding="utf-8")
    bad = runner.invoke(app, ["scenario", "validate", str(toy_dir)])
    assert bad.exit_code == 2, bad.output
    said = " ".join(bad.stderr.split())
    assert f"{crossing}, field 'crossing_min', value 'abc': line 3" in said, said
    crossing.write_text("start_km,end_km,crossing_min\n0,1,10\n", encoding="utf-8")
    people = toy_dir / "people.csv"
    people.write_text(
        "id,name,role,team,township\nP1,a,county_leader,,\nP2,b,team_member,T9,\n",
        encoding="utf-8",
    )
    bad = runner.invoke(app, ["scenario", "validate", str(toy_dir)])
    assert bad.exit_code == 2, bad.output
    said = " ".join(bad.stderr.split())
    assert f"{people}, field 'team', value 'T9': row 3 (id 'P2'): unknown team" in said, said
    with pytest.raises(ScenarioError, match=r"people.csv, field 'team', value 'T9': row 3"):
        run_roster("2026-W49", str(toy_dir), out=toy_dir.parent / "roster", dry_run=True, salt="s")
    people.write_text("id,name,role,team,township\nP1,a,county_leader,,\n", encoding="utf-8")
    ok = runner.invoke(app, ["scenario", "validate", str(toy_dir)])
    assert ok.exit_code == 0, ok.output


def test_generate_refuses_a_full_folder_before_generating(tmp_path: Path) -> None:
    """A non-empty --out: exit 4 naming --force, before the generation (the library's
    'pass overwrite=True' came after it, with exit 2; walk12); --teams 0 is refused by
    its option, not as 'n_teams'."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    res = runner.invoke(app, ["scenario", "generate", "--border-km", "5", "--out", str(out)])
    assert res.exit_code == 4, res.output
    said = " ".join(res.stderr.split())
    assert f"{out}: --out is not empty; use --force" in said and "generating" not in said, said
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    res = runner.invoke(app, ["scenario", "generate", "--teams", "0", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "'--teams'" in res.output, res.output


def test_unknown_scenario_exit_code() -> None:
    result = runner.invoke(app, ["scenario", "info", "atlantis"])
    assert result.exit_code == 2
    assert "unknown scenario" in result.stderr


def test_network_export(toy_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "net.gpkg"
    result = runner.invoke(app, ["network", "export", str(toy_dir), "--gpkg", str(target)])
    assert result.exit_code == 0, result.output
    assert len(gpd.read_file(target, layer="units")) == 40


def test_config_file_overrides(toy_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "plan.toml"
    cfg.write_text("[defaults]\nunit_length_m = 500\n", encoding="utf-8")
    result = runner.invoke(app, ["scenario", "info", str(toy_dir), "--json", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["units"] == 20
    assert "warning" not in result.stderr  # the sectioned form is the current one
    cfg.write_text("[defaults]\nunit_length_m = -1\n", encoding="utf-8")
    bad = runner.invoke(app, ["scenario", "info", str(toy_dir), "--config", str(cfg)])
    assert bad.exit_code == 2
    assert "plan.toml" in bad.stderr and "unit_length_m" in bad.stderr
    assert bad.stderr.count("plan.toml") == 1  # the location is named once


def test_config_file_old_flat_form_warns(toy_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "plan.toml"
    cfg.write_text("unit_length_m = 500\n", encoding="utf-8")
    result = runner.invoke(app, ["scenario", "info", str(toy_dir), "--json", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["units"] == 20
    assert "old flat form: write unit_length_m as [defaults] unit_length_m" in result.stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "borderwatch" in result.stdout


@pytest.mark.slow  # two interpreters importing the CLI: ~2.8 s
def test_a_library_logging_at_info_is_quiet_without_verbose() -> None:
    """distributed sets its loggers to INFO: `borderwatch batch` printed 25 lines of its
    local cluster's log (scheduler address, a dashboard URL, 'please install
    jupyter-server-proxy') on every run without -v."""
    import subprocess
    import sys

    code = (
        "import logging\n"
        "from borderwatch.cli import app\n"
        "logging.getLogger('distributed.scheduler').setLevel(logging.INFO)\n"
        "@app.command('noisy')\n"
        "def noisy() -> None:\n"
        "    logging.getLogger('distributed.scheduler').info('State start')\n"
        "    logging.getLogger('distributed.scheduler').warning('a worker died')\n"
        "app(prog_name='borderwatch')\n"
    )
    for flags, shown in (([], False), (["-v"], True)):
        res = subprocess.run(
            [sys.executable, "-c", code, *flags, "noisy"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert res.returncode == 0, res.stderr
        assert ("State start" in res.stderr) == shown, res.stderr
        assert "a worker died" in res.stderr


def test_a_bad_command_line_value_is_named_by_its_option(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = runner.invoke(app, ["plan", str(toy_dir), "--teams", "NOPE", "--out", str(out)])
    assert plan.exit_code == 2
    assert "error: --teams, value 'NOPE': unknown team" in plan.output
    window = runner.invoke(
        app, ["plan", str(toy_dir), "--night-window", "25:00-06:00", "--out", str(out)]
    )
    assert window.exit_code == 2
    assert "error: --night-window, value '25:00-06:00'" in window.output
    week = runner.invoke(app, ["roster", str(toy_dir), "--week", "2026-W60", "--out", str(out)])
    assert week.exit_code == 2
    assert "error: --week, value '2026-W60': no such ISO week" in week.output
    assert not out.exists()  # a roster that wrote nothing leaves no folder (nor its lock)


def test_a_value_from_a_config_file_keeps_its_file_and_key(toy_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "bw.toml"
    config.write_text('[night]\nstart = "25:00"\n', encoding="utf-8")
    result = runner.invoke(
        app, ["plan", str(toy_dir), "--config", str(config), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert f"{config}, option 'night.start', value '25:00'" in result.output.replace("\n", "")
