"""Batch spec parsing, task expansion and single tasks, without Dask."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from borderwatch.batch import (
    TASK_FILE,
    expand_tasks,
    load_spec,
    parse_spec,
    run_task,
    summary_frame,
    write_summary,
)
from borderwatch.errors import ConfigError


def _spec(tmp: Path, text: str) -> Path:
    path = tmp / "spec.toml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """
job = "plan"
max_iterations = 10
night = "2026-01-05"
[[scenario]]
path = "toy"
[[scenario]]
generate = {border_km = 10, seed = 3}
[grid]
max_revisit_min = [60, 120]
seed = [0, 1, 2]
"""


def test_spec_parses_scenarios_grid_and_options(toy_dir: Path) -> None:
    spec = load_spec(_spec(toy_dir.parent, BASE))
    assert spec.job == "plan"
    assert [s.label for s in spec.scenarios] == ["toy", "gen10km-s3"]
    assert spec.scenarios[0].value == str(toy_dir.resolve())
    assert spec.grid == {"max_revisit_min": (60, 120), "seed": (0, 1, 2)}
    assert spec.n_variants == 6
    assert spec.n_tasks == 12
    assert spec.night == date(2026, 1, 5)
    assert spec.max_iterations == 10
    assert spec.map_html is False


def test_embedded_scenario_by_name() -> None:
    spec = parse_spec({"scenario": [{"name": "ningming"}], "job": "gaps"})
    assert spec.scenarios[0].kind == "name"
    assert spec.n_tasks == 1


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"scenario": [{"name": "ningming"}], "jobb": "plan"}, "'jobb'.*unknown key"),
        ({"scenario": [{"name": "ningming"}], "job": "route"}, "'job'.*'route'"),
        ({"scenario": []}, "at least one"),
        ({"scenario": [{"name": "nowhere"}]}, "scenario\\[0\\].name.*unknown embedded"),
        ({"scenario": [{"path": "missing"}]}, "scenario\\[0\\].path.*not a scenario folder"),
        (
            {"scenario": [{"name": "ningming", "generate": {"border_km": 5}}]},
            "exactly one of path, name, generate",
        ),
        ({"scenario": [{"generate": {"border_kms": 5}}]}, "generate.border_kms.*unknown"),
        ({"scenario": [{"generate": {"border_km": -5}}]}, "border_km.*-5"),
        (
            {"scenario": [{"name": "ningming"}, {"name": "ningming"}]},
            "two scenarios share this label",
        ),
        ({"scenario": [{"name": "ningming"}], "grid": {"teams": [1]}}, "grid.teams.*unknown"),
        ({"scenario": [{"name": "ningming"}], "grid": {"n_teams": []}}, "at least one value"),
        ({"scenario": [{"name": "ningming"}], "grid": {"n_teams": [0]}}, "grid.n_teams.*0"),
        ({"scenario": [{"name": "ningming"}], "grid": {"seed": [1, 1]}}, "repeated"),
        (
            {"scenario": [{"name": "ningming"}], "job": "gaps", "grid": {"time_limit_s": [5]}},
            "grid.time_limit_s.*not used by a gaps job",
        ),
        ({"scenario": [{"name": "ningming"}], "config": {"radius": 5}}, "config.radius"),
        ({"scenario": [{"name": "ningming"}], "night": "tomorrow"}, "'night'.*YYYY-MM-DD"),
        ({"scenario": [{"name": "ningming"}], "max_iterations": 0}, "max_iterations"),
        ({"scenario": [{"name": "ningming"}], "criterion": "eyes"}, "criterion"),
    ],
)
def test_bad_specs_name_key_and_value(tmp_path: Path, values: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_spec(values, base_dir=tmp_path, file=tmp_path / "spec.toml")


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = _spec(tmp_path, "job = \n")
    with pytest.raises(ConfigError, match=r"spec\.toml.*not valid TOML"):
        load_spec(path)
    with pytest.raises(ConfigError, match="not found"):
        load_spec(tmp_path / "none.toml")


def test_tasks_ids_and_hashes(toy_dir: Path) -> None:
    spec_path = _spec(toy_dir.parent, BASE)
    tasks = expand_tasks(load_spec(spec_path))
    assert [t.index for t in tasks] == list(range(12))
    assert tasks[0].task_id == "toy/max_revisit_min=60,seed=0"
    assert tasks[-1].task_id == "gen10km-s3/max_revisit_min=120,seed=2"
    assert len({t.input_hash for t in tasks}) == 12
    again = expand_tasks(load_spec(spec_path))
    assert [t.input_hash for t in again] == [t.input_hash for t in tasks]

    # editing a scenario file changes the hashes of its tasks only
    with (toy_dir / "checkpoints.csv").open("a", encoding="utf-8") as fh:
        fh.write("CP3,Extra post,107.02,22.04,Aidian,border_road,\n")
    edited = expand_tasks(load_spec(spec_path))
    assert all(a.input_hash != b.input_hash for a, b in zip(tasks[:6], edited[:6], strict=True))
    assert [t.input_hash for t in edited[6:]] == [t.input_hash for t in tasks[6:]]

    # changing an option changes every hash
    other = expand_tasks(load_spec(_spec(toy_dir.parent, BASE.replace("= 10", "= 11"))))
    assert not {t.input_hash for t in other} & {t.input_hash for t in tasks}


@pytest.mark.slow
def test_run_task_writes_task_json_and_resumes(toy_dir: Path, tmp_path: Path) -> None:
    spec = load_spec(_spec(toy_dir.parent, BASE))
    task = expand_tasks(spec)[0]
    out = tmp_path / "out"
    row = run_task(task, out)
    assert row["status"] == "ok", row["error"]
    assert row["teams"] == 1
    assert row["max_loop_min"] >= row["bound_min"] > 0
    folder = out / "tasks" / "toy" / "max_revisit_min=60,seed=0"
    assert (folder / "plan.json").is_file()
    record = json.loads((folder / TASK_FILE).read_text(encoding="utf-8"))
    assert record["input_hash"] == task.input_hash
    assert record["inputs"]["variant"] == {"max_revisit_min": 60, "seed": 0}
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no staging left

    mtime = (folder / "plan.json").stat().st_mtime_ns
    again = run_task(task, out)
    assert again["resumed"] is True
    assert {k: v for k, v in again.items() if k != "resumed"} == {
        k: v for k, v in row.items() if k != "resumed"
    }
    assert (folder / "plan.json").stat().st_mtime_ns == mtime

    rerun = run_task(task, out, resume=False)
    assert rerun["resumed"] is False
    assert (folder / "plan.json").stat().st_mtime_ns != mtime


def test_too_many_teams_fails_with_its_message(toy_dir: Path, tmp_path: Path) -> None:
    spec = parse_spec(
        {"job": "gaps", "scenario": [{"path": str(toy_dir)}], "grid": {"n_teams": [1, 3]}}
    )
    one, three = expand_tasks(spec)
    assert run_task(one, tmp_path)["status"] == "ok"
    row = run_task(three, tmp_path)
    assert row["status"] == "error"
    assert "n_teams" in row["error"] and "only 1 team" in row["error"]
    record = json.loads(
        (tmp_path / "tasks" / "toy" / "n_teams=3" / TASK_FILE).read_text(encoding="utf-8")
    )
    assert record["row"]["status"] == "error"
    assert run_task(three, tmp_path)["resumed"] is False  # failed tasks run again


def test_gaps_job_row(toy_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    spec = parse_spec(
        {
            "job": "gaps",
            "scenario": [{"path": str(toy_dir)}],
            "grid": {"checkpoint_radius_m": [1500, 3000]},
        }
    )
    rows = [run_task(t, tmp_path) for t in expand_tasks(spec)]
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert rows[0]["watched_pct"] < rows[1]["watched_pct"]
    assert rows[0]["max_loop_min"] is None
    frame = summary_frame(rows, list(spec.grid))
    files = write_summary(frame, tmp_path)
    assert [f.name for f in files] == ["summary.csv", "summary.parquet"]
    back = pd.read_parquet(tmp_path / "summary.parquet")
    assert list(back["checkpoint_radius_m"]) == [1500, 3000]
    assert back["watched_pct"].tolist() == frame["watched_pct"].tolist()


def test_tasks_sharing_a_folder_are_refused(tmp_path: Path) -> None:
    spec = parse_spec(
        {"scenario": [{"name": "ningming"}], "grid": {"night_start": ["20:00", "2000"]}}
    )
    with pytest.raises(ConfigError, match="share one output folder"):
        expand_tasks(spec)
