"""BORDERWATCH_STRICT_SKIPS (set by ``.ci/run``) turns every skip into a failure, keeps xfail."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_pytest_with

CASES = """
import pytest

def test_ok():
    pass

def test_skip():
    pytest.skip("no chromium")

@pytest.mark.skipif(True, reason="data missing")
def test_skipif():
    pass

@pytest.mark.xfail(strict=True, reason="known")
def test_expected_failure():
    assert False
"""


def _run(folder: Path, strict: str | None) -> subprocess.CompletedProcess[str]:
    return run_pytest_with(folder, "BORDERWATCH_STRICT_SKIPS", strict)


@pytest.mark.slow
def test_skips_pass_without_the_variable(tmp_path: Path) -> None:
    (tmp_path / "test_cases.py").write_text(CASES, encoding="utf-8")
    for strict in (None, "0"):
        res = _run(tmp_path, strict)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "1 passed, 2 skipped, 1 xfailed" in res.stdout


@pytest.mark.slow
def test_strict_skips_fail(tmp_path: Path) -> None:
    (tmp_path / "test_cases.py").write_text(CASES, encoding="utf-8")
    res = _run(tmp_path, "1")
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    assert "FAILED" in out and "test_skip " in out.replace(" - ", " ")
    assert "ERROR" in out and "test_skipif" in out  # skipif acts in setup
    assert "no skips in CI): Skipped: no chromium" in out
    assert "1 xfailed" in out and "skipped" not in out.splitlines()[-1]


@pytest.mark.slow
def test_strict_module_level_skip_fails(tmp_path: Path) -> None:
    (tmp_path / "test_mod.py").write_text(
        'import pytest\npytest.skip("module needs Chromium", allow_module_level=True)\n'
        "def test_a():\n    pass\n",
        encoding="utf-8",
    )
    res = _run(tmp_path, "1")
    assert res.returncode != 0
    assert "Skipped: module needs Chromium" in res.stdout
