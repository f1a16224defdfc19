"""BORDERWATCH_THREAD_CHECK (opt-in, tests/conftest.py): a module that leaves a thread fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_pytest_with

LEAKS = """
import threading

stop = threading.Event()

def test_starts_a_thread_and_leaves_it():
    threading.Thread(target=stop.wait, name="left-behind", daemon=True).start()

def test_after_it_in_the_module():
    pass
"""

TIDY = """
import threading

import pytest

@pytest.fixture(scope="module")
def worker():
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, name="module-worker")
    t.start()
    yield t
    stop.set()
    t.join()

def test_one(worker):
    assert worker.is_alive()

def test_two(worker):  # the module fixture's thread runs across the module's tests
    assert worker.is_alive()

def test_a_thread_that_ends():
    t = __import__("threading").Thread(target=lambda: None)
    t.start()
"""


def _run(folder: Path, check: str | None) -> subprocess.CompletedProcess[str]:
    return run_pytest_with(folder, "BORDERWATCH_THREAD_CHECK", check, "no:xdist")


@pytest.mark.slow
def test_a_module_that_leaves_a_thread_fails_under_the_check(tmp_path: Path) -> None:
    (tmp_path / "test_a_leaks.py").write_text(LEAKS, encoding="utf-8")
    (tmp_path / "test_b_tidy.py").write_text(TIDY, encoding="utf-8")
    res = _run(tmp_path, "1")
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "5 passed, 1 error" in out
    errors = [line for line in res.stdout.splitlines() if line.startswith("ERROR ")]
    assert len(errors) == 1  # the teardown of the module's last test
    # "ERROR <node id>[ - <message>]": pytest adds the message where the width allows it
    assert "test_a_leaks.py::test_after_it_in_the_module" in errors[0], errors
    assert "test_a_leaks.py left threads running" in out and "left-behind" in out
    assert "module-worker" not in out  # ended with its module fixture
    for check in (None, "0"):
        res = _run(tmp_path, check)
        assert res.returncode == 0 and "5 passed" in res.stdout, res.stdout + res.stderr
