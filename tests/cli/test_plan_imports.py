"""``borderwatch plan`` imports no map module before it needs one (issue #24.5).

The map's modules (folium, branca, jinja2: ~0.5 s of imports) are needed for ``map.html``
only, which a forked process renders beside the plan's last steps when a core is spare
(:class:`borderwatch.jobs.beside.FilesBeside`). The command's ``--lang`` check took its
choices from :mod:`borderwatch.maps._i18n`, whose package imports folium: every planner
paid that import on the plan's critical path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CODE = """
import sys
from borderwatch.cli import app
try:
    app(["plan", "ningming", "--lang", "xx", "--out", sys.argv[1], "--night", "2026-12-06"],
        prog_name="borderwatch")
except SystemExit as exc:
    print("exit", exc.code)
print(sorted(m for m in ("folium", "branca", "borderwatch.maps") if m in sys.modules))
"""


@pytest.mark.slow  # a fresh interpreter imports borderwatch: ~1.5-3 s
def test_plan_checks_its_options_without_the_map_modules(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "exit 2", res.stdout + res.stderr  # the bad --lang refused
    assert "--lang" in res.stderr
    assert lines[1] == "[]"  # checked without importing the map's modules
    assert not (tmp_path / "out").exists()
