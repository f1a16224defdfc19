"""Output folders record their scenario portably and hold no wall-clock time."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from borderwatch import build_network, load_scenario
from borderwatch.cli import app
from borderwatch.config import SearchParams
from borderwatch.data.gpkg import GPKG_STAMP
from borderwatch.data.load import resolve_scenario_path
from borderwatch.data.scenario_io import source_record
from borderwatch.jobs import run_gaps
from tests.helpers import write_toy_scenario


def test_embedded_scenario_recorded_by_name(tmp_path: Path) -> None:
    assert source_record(resolve_scenario_path("ningming"), tmp_path / "out") == "ningming"
    assert source_record(None, tmp_path) is None


def test_folder_recorded_relative(tmp_path: Path) -> None:
    assert source_record(tmp_path / "scn", tmp_path / "runs" / "out") == "../../scn"


def test_map_works_on_a_folder_copied_elsewhere(tmp_path: Path) -> None:
    here = tmp_path / "here"
    scenario = write_toy_scenario(here / "toy")
    run_gaps(build_network(load_scenario(scenario)), here / "out", map_html=False)
    summary = json.loads((here / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["source"] == "../toy"
    # units.gpkg: GDAL's last_change is the fixed stamp, not the time of writing
    with sqlite3.connect(here / "out" / "units.gpkg") as db:
        stamps = {r[0] for r in db.execute("select last_change from gpkg_contents")}
    assert stamps == {GPKG_STAMP}
    there = tmp_path / "elsewhere" / "copy"
    shutil.copytree(here, there)
    shutil.rmtree(here)
    result = CliRunner().invoke(app, ["map", str(there / "out")])
    assert result.exit_code == 0, result.output
    assert (there / "out" / "map.html").is_file()


def test_plan_records_night_date_and_relative_source(tmp_path: Path) -> None:
    from datetime import date

    from borderwatch.jobs import run_plan

    scenario = write_toy_scenario(tmp_path / "toy")
    run_plan(
        build_network(load_scenario(scenario)),
        tmp_path / "out",
        night=date(2026, 12, 3),
        map_html=False,
        lang="en",
        search=SearchParams(max_iterations=10),
    )
    report = (tmp_path / "out" / "report.txt").read_text(encoding="utf-8").splitlines()
    assert report[1] == "night 20:00-06:00 starting 2026-12-03, seed 0"
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert (plan["night"], plan["source"]) == ("2026-12-03", "../toy")
