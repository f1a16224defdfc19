"""Crash and concurrency: `borderwatch plan`, `roster`, `gaps`, `site`, `map`, `replan`, `brief`
and `network export` killed at random points leave the complete old or the complete new output
(folder, or file for the export), never a mix (issue #22); a second roster run on a locked folder
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


def _kill_while_writing(
    args: tuple[str, ...], target: Path, delay_s: float, *, pattern: str | None = None
) -> tuple[int, bool]:
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
        pattern = pattern or f".{target.name}.staging-*"
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


def test_an_out_that_is_a_file_or_lies_under_one_is_named(generated: Path, tmp_path: Path) -> None:
    """roster --out FILE (or FILE/sub) ended in a FileExistsError traceback, exit 1."""
    afile = tmp_path / "afile"
    afile.write_text("mine", encoding="utf-8")
    for out, code, said in (
        (afile, 2, "output path exists and is not a folder"),
        (afile / "sub", 4, "cannot write the output: a file is in the way of a folder"),
    ):
        result = runner.invoke(app, ["roster", "--week", WEEK, str(generated), "--out", str(out)])
        assert result.exit_code == code, result.output
        assert f"{out}: {said}" in result.output
        assert "Traceback" not in result.output
    assert afile.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


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


# --- issue #22: kill -9 of every writing command leaves the old or the new output -------------


def _kill_cycle(
    make_old: list[str],
    make_new: list[str],
    target: Path,
    ref: Path,
    delays: list[float],
    *,
    pattern: str | None = None,
) -> int:
    """Write the old output into ``target`` and the new one into ``ref``; then run the new
    command on ``target`` and kill it at each delay (after its staging appears). Every kill
    leaves exactly the old or the new files. Returns how many kills hit while writing.
    """
    assert runner.invoke(app, make_old).exit_code == 0
    old_files = _files(target) if target.is_dir() else {"": target.read_bytes()}
    keep = tmp_copy = target.with_name(target.name + "-old-copy")
    if target.is_dir():
        shutil.copytree(target, keep, symlinks=True)
    else:
        shutil.copy2(target, keep)
    new_args = [ref if a == str(target) else a for a in make_new]
    new_args = [str(a) for a in new_args]
    result = runner.invoke(app, new_args)
    assert result.exit_code == 0, result.output
    new_files = _files(ref) if ref.is_dir() else {"": ref.read_bytes()}
    assert new_files != old_files
    hits = 0
    for delay in delays:
        code, seen = _kill_while_writing(tuple(make_new), target, delay, pattern=pattern)
        hits += seen and code == -signal.SIGKILL
        got = _files(target) if target.is_dir() else {"": target.read_bytes()}
        assert got in (old_files, new_files), (make_new[0], delay, code, sorted(got))
        clean_stale(target)
        leftovers = [p.name for p in target.parent.iterdir() if p.name.startswith(".")]
        assert leftovers == [] or pattern is not None, leftovers
        if got == new_files:  # start again from the old output
            if target.is_dir():
                shutil.rmtree(target)
                shutil.copytree(tmp_copy, target, symlinks=True)
            else:
                shutil.copy2(tmp_copy, target)
    return hits


def test_killed_gaps_site_and_map_leave_old_or_new(generated: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(22)
    g = str(generated)
    out, ref = tmp_path / "gaps", tmp_path / "gaps-ref"
    hits = _kill_cycle(
        ["gaps", g, "--out", str(out), "--no-map"],
        ["gaps", g, "--out", str(out), "--lang", "en", "--force"],
        out,
        ref,
        [-2.0, *rng.uniform(0.0, 0.4, size=3)],
    )
    out, ref = tmp_path / "site", tmp_path / "site-ref"
    hits += _kill_cycle(
        ["site", g, "--add", "1", "--out", str(out), "--no-map"],
        ["site", g, "--add", "2", "--out", str(out), "--force"],
        out,
        ref,
        [float(d) for d in rng.uniform(0.0, 0.3, size=3)],
    )
    # map re-renders into its folder: old map (zh) or new map (en), the marker in step
    out = tmp_path / "gaps"
    shutil.rmtree(tmp_path / "gaps-old-copy")
    ref = tmp_path / "map-ref"
    shutil.copytree(out, ref)
    assert runner.invoke(app, ["map", str(ref), "--lang", "en", "--force"]).exit_code == 0
    assert runner.invoke(app, ["map", str(out), "--lang", "zh", "--force"]).exit_code == 0
    hits += _kill_cycle(
        ["map", str(out), "--lang", "zh", "--force"],
        ["map", str(out), "--lang", "en", "--force"],
        out,
        ref,
        [float(d) for d in rng.uniform(0.0, 0.2, size=3)],
    )
    assert hits >= 3, hits  # most kills landed while the staging folder was written


def test_killed_network_export_leaves_old_or_new_file(generated: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(23)
    cfg = tmp_path / "coarse.toml"
    cfg.write_text("[defaults]\nunit_length_m = 500\n", encoding="utf-8")
    target, ref = tmp_path / "net.gpkg", tmp_path / "ref.gpkg"
    base = ["network", "export", str(generated), "--gpkg", str(target)]
    _kill_cycle(
        base,
        [*base, "--config", str(cfg), "--force"],
        target,
        ref,
        [float(d) for d in rng.uniform(0.0, 0.2, size=3)],
        pattern=".net.gpkg.*",
    )
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_killed_replan_and_brief_leave_old_or_new(generated: Path, tmp_path: Path) -> None:
    """replan: two cuts. brief: the html and pdf of one run, never a new html beside an old pdf
    (Chromium's PDF is not byte-stable, so a new PDF is recognised as 'not the old one')."""
    rng = np.random.default_rng(24)
    plan = tmp_path / "plan"
    base = ["plan", str(generated), "--max-iterations", "10", "--night", "2026-12-01"]
    assert runner.invoke(app, [*base, "--out", str(plan), "--no-map"]).exit_code == 0
    out, ref = tmp_path / "replan", tmp_path / "replan-ref"
    rp = ["replan", str(plan), "--max-iterations", "10", "--no-map"]
    _kill_cycle(
        [*rp, "--at", "02:10", "--out", str(out)],
        [*rp, "--at", "03:30", "--out", str(out), "--force"],
        out,
        ref,
        [float(d) for d in rng.uniform(0.0, 0.3, size=3)],
    )
    from borderwatch.maps.io import find_chromium

    try:
        find_chromium()
    except Exception:
        pytest.skip("no Chromium: the brief prints its PDF with it")
    brief = tmp_path / "brief"
    assert (
        runner.invoke(app, ["brief", str(plan), "--out", str(brief), "--lang", "zh"]).exit_code == 0
    )
    old_html = (brief / "brief.html").read_bytes()
    old_pdf = (brief / "brief.pdf").read_bytes()
    ref = tmp_path / "brief-ref"
    assert (
        runner.invoke(app, ["brief", str(plan), "--out", str(ref), "--lang", "en"]).exit_code == 0
    )
    new_html = (ref / "brief.html").read_bytes()
    assert new_html != old_html
    args = ("brief", str(plan), "--out", str(brief), "--lang", "en")
    hits = 0
    for delay in [*rng.uniform(0.0, 1.5, size=5)]:
        code, seen = _kill_while_writing(args, brief, float(delay))
        hits += seen and code == -signal.SIGKILL
        html, pdf = (brief / "brief.html").read_bytes(), (brief / "brief.pdf").read_bytes()
        if html == old_html:
            assert pdf == old_pdf, (delay, code)
        else:
            assert html == new_html and pdf != old_pdf and pdf.startswith(b"%PDF"), (delay, code)
        clean_stale(brief)
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert hits >= 3, hits  # killed while Chromium printed into the staging folder
