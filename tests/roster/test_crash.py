"""Crash and concurrency: `borderwatch plan` and `roster` killed at random points leave the
complete old or the complete new folder, never a mix; a second roster run on a locked folder
exits 4; a generated scenario (with its people.csv) can be rostered.

Subprocesses are killed with SIGKILL a seeded random moment after their staging folder
appears (while they write), and once before they write anything. About 35 s of CPU (more wall time on a busy machine).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from borderwatch.atomic import clean_stale, folder_lock
from borderwatch.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()
WEEK = "2026-W49"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def _cli(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BORDERWATCH_ROSTER_SALT": "s"}
    return subprocess.Popen(
        [sys.executable, "-m", "borderwatch", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def _kill_while_writing(args: tuple[str, ...], target: Path, delay_s: float) -> tuple[int, bool]:
    """Run the command; SIGKILL it ``delay_s`` after its staging folder beside ``target`` appears.

    A negative ``delay_s`` kills that long after the start instead (before any writing).
    Returns the exit code and whether the staging folder was seen.
    """
    proc = _cli(*args)
    seen = False
    deadline = time.monotonic() + 300
    if delay_s < 0:
        time.sleep(-delay_s)
    else:
        pattern = f".{target.name}.staging-*"
        while proc.poll() is None and time.monotonic() < deadline:
            if any(target.parent.glob(pattern)):
                seen = True
                time.sleep(delay_s)
                break
            time.sleep(0.002)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60), seen


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gen") / "scenario"
    result = runner.invoke(
        app, ["scenario", "generate", "--border-km", "8", "--seed", "3", "--out", str(folder)]
    )
    assert result.exit_code == 0, result.output
    return folder


def test_generated_scenario_has_people_and_rosters(generated: Path, tmp_path: Path) -> None:
    head = (generated / "people.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head == "id,name,role,team,township,leave,source"
    result = runner.invoke(
        app, ["roster", "--week", WEEK, str(generated), "--out", str(tmp_path), "--salt", "s"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / WEEK / "roster.csv").is_file()


def test_second_roster_run_on_a_locked_folder_exits_4(generated: Path, tmp_path: Path) -> None:
    with folder_lock(tmp_path):
        result = runner.invoke(
            app, ["roster", "--week", WEEK, str(generated), "--out", str(tmp_path)]
        )
    assert result.exit_code == 4, result.output
    assert "another borderwatch run is writing here" in result.output
    assert not (tmp_path / WEEK).exists()


def test_killed_roster_leaves_old_or_new_week(generated: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    ref, out = tmp_path / "ref", tmp_path / "out"
    base = ["roster", "--week", WEEK, str(generated), "--salt", "s"]
    # the old week: csv and json only; the new one: every format
    old = runner.invoke(app, [*base, "--out", str(out), "--format", "csv", "--format", "json"])
    assert old.exit_code == 0, old.output
    old_files = _files(out / WEEK)
    shutil.copytree(out / WEEK, tmp_path / "old-copy")
    assert runner.invoke(app, [*base, "--out", str(ref)]).exit_code == 0
    new_files = _files(ref / WEEK)
    assert set(new_files) > set(old_files)
    args = (*base, "--force", "--out", str(out))
    for delay in [-3.0, *rng.uniform(0.0, 0.05, size=2)]:
        code, seen = _kill_while_writing(args, out / WEEK, float(delay))
        assert seen or delay < 0  # killed while its staging folder was being written
        got = _files(out / WEEK)
        assert got in (old_files, new_files), (code, sorted(got))
        clean_stale(out / WEEK)
        assert [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".lock"] == []
        if got == new_files:  # start again from the old week
            shutil.rmtree(out / WEEK)
            shutil.copytree(tmp_path / "old-copy", out / WEEK)


def test_killed_plan_leaves_old_or_new_folder(generated: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    ref, out = tmp_path / "ref", tmp_path / "out"
    gaps = ["gaps", str(generated), "--out", str(out), "--no-map"]
    assert runner.invoke(app, gaps).exit_code == 0
    old_files = _files(out)
    base = ["plan", str(generated), "--max-iterations", "10", "--night", "2026-12-01", "--no-map"]
    assert runner.invoke(app, [*base, "--out", str(ref)]).exit_code == 0
    new_files = _files(ref)
    assert "plan.json" in new_files and "plan.json" not in old_files
    args = (*base, "--force", "--out", str(out))
    for delay in rng.uniform(0.0, 0.3, size=2):
        code, seen = _kill_while_writing(args, out, float(delay))
        assert seen
        got = _files(out)
        assert got in (old_files, new_files), (code, sorted(got))
        clean_stale(out)
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
        if got == new_files:
            shutil.rmtree(out)
            assert runner.invoke(app, gaps).exit_code == 0
