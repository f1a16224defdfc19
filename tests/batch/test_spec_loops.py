"""The loop rule as a batch grid key: ``loops = ["base", "circuit"]`` (issues #24, #25)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderwatch.batch import expand_tasks, parse_spec, run_task
from borderwatch.errors import ConfigError


def test_grid_takes_the_loop_rule_and_names_a_wrong_one(toy_dir: Path) -> None:
    spec = parse_spec(
        {
            "job": "plan",
            "scenario": [{"path": str(toy_dir)}],
            "grid": {"loops": ["base", "circuit"], "max_approach_min": [45]},
        }
    )
    assert spec.grid == {"loops": ("base", "circuit"), "max_approach_min": (45,)}
    assert spec.n_tasks == 2
    with pytest.raises(
        ConfigError, match=r"grid\.loops.*'depot'.*must be one of 'base', 'circuit'"
    ):
        parse_spec(
            {"job": "plan", "scenario": [{"path": str(toy_dir)}], "grid": {"loops": ["depot"]}}
        )


@pytest.mark.slow
def test_a_circuit_task_plans_circuits(toy_dir: Path, tmp_path: Path) -> None:
    spec = parse_spec(
        {
            "job": "plan",
            "max_iterations": 50,
            "night": "2026-01-05",
            "scenario": [{"path": str(toy_dir)}],
            "grid": {"loops": ["circuit"]},
        }
    )
    (task,) = expand_tasks(spec)
    row = run_task(task, tmp_path)
    assert row["status"] == "ok", row["error"]
    assert row["max_loop_min"] >= row["bound_min"] > 0
    folder = tmp_path / "tasks" / "toy" / "loops=circuit"
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert plan["loops"] == "circuit"
