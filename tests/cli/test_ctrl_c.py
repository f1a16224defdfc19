"""A Ctrl-C in the last steps of ``plan``: exit 130, and whether the new folder is complete.

The program runs in a real subprocess (``borderwatch.cli.main``, as the console script)
and sends itself SIGINT at a point a small hook makes exact: before its new folder is put
in place, right after, and in the process's exit once the command printed ``wrote``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.run import offline_env
from tests.helpers import write_toy_scenario

_HOOK = """
import atexit, os, signal, sys

signal.signal(signal.SIGINT, signal.default_int_handler)  # a terminal's process, not a job's
where = sys.argv.pop(1)
from borderwatch import atomic
from borderwatch.cli import plan as command
from borderwatch.jobs import plan as job


def press(*_):
    os.kill(os.getpid(), signal.SIGINT)


if where == "before":  # summary.json written last into the staging folder: not in place yet
    described = job.describe_plan_folder

    def describe(*args, **kwargs):
        done = described(*args, **kwargs)
        press()
        return done

    job.describe_plan_folder = describe
elif where == "after":  # the staging folder has just replaced the old one
    synced = atomic._fsync_dir

    def sync(folder):
        press()
        synced(folder)

    atomic._fsync_dir = sync
elif where == "brief":  # the plan folder is in place; --brief's briefing is starting
    import borderwatch.maps.brief as brief

    write_brief = brief.write_brief

    def briefing(*args, **kwargs):
        press()
        return write_brief(*args, **kwargs)

    brief.write_brief = briefing
elif where == "exit":  # the command is over: Ctrl-C in the exit's atexit callbacks
    said = command.out.print

    def say(*args, **kwargs):
        said(*args, **kwargs)
        if args and str(args[0]).startswith("wrote"):
            atexit.register(press)

    command.out.print = say
from borderwatch.cli import main

sys.argv = ["borderwatch", *sys.argv[1:]]
main()
"""


def _plan(tmp_path: Path, where: str, seed: int, *more: str) -> subprocess.CompletedProcess[str]:
    args = ["plan", "toy", "--out", "out", "--max-iterations", "10", "--night", "2026-01-05"]
    return subprocess.run(
        [sys.executable, "-c", _HOOK, where, *args, "--seed", str(seed), "--no-map", *more],
        cwd=tmp_path,
        # the briefing is interrupted before it starts Chromium: any program passes its check
        env={**offline_env(tmp_path / "offline"), "BORDERWATCH_CHROMIUM": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _seed(folder: Path) -> int:
    return int(json.loads((folder / "plan.json").read_text(encoding="utf-8"))["seed"])


@pytest.mark.slow
def test_ctrl_c_before_or_after_the_new_folder_is_in_place(tmp_path: Path) -> None:
    """Before the swap: 130, the old folder as it was, no claim of a new one. After it (old
    code: 130 without a word) and in the exit once ``wrote`` was printed (old code: the
    interrupt swallowed, exit 0): 130 and one line saying the folder is complete."""
    write_toy_scenario(tmp_path / "toy")
    out = tmp_path / "out"
    first = _plan(tmp_path, "none", 1)
    assert first.returncode == 0, first.stderr
    old = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert _seed(out) == 1

    before = _plan(tmp_path, "before", 2)
    assert before.returncode == 130, before.stderr
    assert "interrupted" not in before.stderr and "wrote" not in before.stdout
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == old
    complete = "interrupted: out is complete (written before it)"
    for where, seed in (("after", 2), ("exit", 3)):
        run = _plan(tmp_path, where, seed)
        assert run.returncode == 130, (where, run.stderr)
        assert run.stderr.strip().splitlines()[-1] == complete, (where, run.stderr)
        assert run.stderr.count("interrupted") == 1
        assert _seed(out) == seed  # the new folder, whole
        assert (out / "summary.json").is_file() and (out / "routes.gpx").is_file()


@pytest.mark.slow
def test_ctrl_c_in_plan_briefs_briefing_says_the_briefing_is_not_written(tmp_path: Path) -> None:
    """``plan --brief`` writes the briefing into the plan folder once that is in place: a
    Ctrl-C then said ``out is complete`` (the old line) with brief.pdf and brief.html not
    there; now the line says they are not written."""
    write_toy_scenario(tmp_path / "toy")
    run = _plan(tmp_path, "brief", 4, "--brief")
    assert run.returncode == 130, run.stderr
    assert run.stderr.strip().splitlines()[-1] == (
        "interrupted: out is complete (written before it); the briefing (brief.html, "
        "brief.pdf) not written into out"
    ), run.stderr
    assert _seed(tmp_path / "out") == 4
    assert not (tmp_path / "out" / "brief.pdf").exists()


def _interrupted_in_the_imports(command: list[str], tmp_path: Path) -> tuple[int, list[str]]:
    """Run ``command`` (the program, ``-X importtime`` on) and send it SIGINT once it has
    imported borderwatch.errors (its import-time line on stderr), the first of borderwatch's
    modules the command line imports (before, the package's own heavy ``__init__``); its
    exit status and stderr's lines other than import times."""
    import signal

    env = {**offline_env(tmp_path / "offline"), "PYTHONPROFILEIMPORTTIME": "1"}
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as child:  # fmt: skip
        assert child.stderr is not None
        said = []
        for line in child.stderr:
            said.append(line)
            if line.rstrip().endswith(" borderwatch.errors"):
                child.send_signal(signal.SIGINT)  # the command line's imports under way
                break
        else:
            child.kill()
            pytest.fail(f"the program ended without importing borderwatch.errors: {said[-5:]}")
        said += child.stderr.readlines()
        code = child.wait(timeout=120)
    return code, [x.rstrip("\n") for x in said if not x.startswith("import time:")]


def test_ctrl_c_while_the_program_imports_says_interrupted(tmp_path: Path) -> None:
    """A Ctrl-C in the first second of any command (Python importing numpy, pandas,
    geopandas, ... for the command line) printed Python's KeyboardInterrupt traceback, the
    process killed by the signal; now one line, exit 130 (console script and python -m)."""
    from tests.cli.run import borderwatch_exe

    for program in ([sys.executable, "-m", "borderwatch"], [borderwatch_exe()]):
        code, said = _interrupted_in_the_imports([*program, "scenario", "info", "toy"], tmp_path)
        assert (code, said) == (130, ["interrupted"]), program
