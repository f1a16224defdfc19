"""Scenarios without grids.gpkg: townships from an admin-boundary file, else no empty fields;
each warning printed once by the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderwatch import ScenarioError, build_network, load_scenario
from borderwatch.coverage.report import format_summary
from tests.cli.run import offline_env, run_cli
from tests.data.real import EXTRACTS, write_real_scenario


def _townships(folder: Path, features: list[dict]) -> None:
    (folder / "townships.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )


def _box(name: str, west: float, east: float, **props: str) -> dict:
    ring = [[west, 49.9], [east, 49.9], [east, 50.1], [west, 50.1], [west, 49.9]]
    return {
        "type": "Feature",
        "properties": {"name": name, **props},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.mark.slow
def test_townships_from_an_admin_boundary_file(tmp_path: Path) -> None:
    folder = write_real_scenario(tmp_path / "s", "north_bayreuth")
    _townships(folder, [_box("Bindlach", 11.40, 11.54), _box("Heinersreuth", 11.54, 11.70)])
    scn = load_scenario(folder)
    assert list(scn.grids["township"]["name"]) == ["Bindlach", "Heinersreuth"]
    with pytest.warns(Warning, match="separate components"):
        net = build_network(scn)
    names = set(net.units["township"])
    assert names == {"Bindlach", "Heinersreuth"}
    # border km 0 lies in the west (11.51 E), the end in the east (11.57 E)
    assert net.units["township"].iat[0] == "Bindlach"
    assert net.units["township"].iat[-1] == "Heinersreuth"


@pytest.mark.slow
def test_a_bad_admin_boundary_file_is_named(tmp_path: Path) -> None:
    folder = write_real_scenario(tmp_path / "s", "north_bayreuth")
    feature = _box("x", 11.4, 11.7)
    del feature["properties"]["name"]
    _townships(folder, [feature])
    with pytest.raises(ScenarioError, match=r"townships\.geojson.*'name' property"):
        load_scenario(folder)


def test_gap_table_without_townships_has_no_township_column() -> None:
    from types import SimpleNamespace

    import pandas as pd

    gaps = pd.DataFrame(
        {"start_km": [1.0], "end_km": [2.0], "length_km": [1.0], "township": [""], "why": ["x"]},
        index=pd.Index(["G1.00-2.00"], name="gap"),
    )
    summary = {"scenario": "s", "border_km": 5.0, "criterion": "revisit", "watched_km": 4.0,
               "watched_pct": 80.0, "gap_km": 1.0, "n_gaps": 1}  # fmt: skip

    def head(frame: pd.DataFrame) -> str:
        text = format_summary(SimpleNamespace(gaps=frame, summary=summary))  # type: ignore[arg-type]
        return next(line for line in text.splitlines() if line.strip().startswith("gap"))

    assert "township" not in head(gaps)
    assert "township" in head(gaps.assign(township=["Bindlach"]))


@pytest.mark.slow
def test_each_warning_prints_once(tmp_path: Path) -> None:
    folder = write_real_scenario(tmp_path / "s", "krems")
    done = run_cli(["scenario", "validate", folder], offline_env(tmp_path / "env"))
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "separate components" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: road network has 7 separate")
    assert "WARNING borderwatch" not in done.stderr
    assert EXTRACTS["krems"].teams  # the scenario is the real-roads one
