"""Byte-identical output files across processes and hash seeds: ``plan``, ``gaps``, ``roster``.

Each command runs twice through the installed entry point, in fresh processes with
``PYTHONHASHSEED=1`` and ``=2`` (so set and dict-of-str iteration orders differ), the network
blocked, on the same generated scenario, and every file each run writes is compared byte for
byte. ``plan`` runs with ``--max-iterations`` (the search effort must not depend on the
machine's speed; ``--time-limit`` alone stops on the wall clock) and a fixed ``--night``
(the default is today's date, which goes into the GPX times).

Excluded: nothing (the roster folder's empty ``.lock`` file is compared like the rest).
``units.gpkg`` used to carry GDAL's wall-clock ``gpkg_contents.last_change``; borderwatch now
pins it (``borderwatch.data.gpkg``), so it is compared byte for byte like every other file, and
a second test still compares its tables row by row (a clearer message when it differs).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.run import files_under, offline_env, run_cli, write_people

pytestmark = pytest.mark.slow

NIGHT = "2026-12-07"
JOBS = ("plan", "gaps", "roster")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Both runs of every job: job -> (folder of run 1, folder of run 2)."""
    root = tmp_path_factory.mktemp("determinism")
    env = offline_env(root / "offline")
    scenario = root / "scenario"
    res = run_cli(
        ["scenario", "generate", "--border-km", 15, "--seed", 3, "--teams", 2, "--out", scenario],
        env,
    )
    assert res.returncode == 0, res.stderr
    people = write_people(scenario, root / "people.csv")
    out: dict[str, list[Path]] = {job: [] for job in JOBS}
    for hash_seed in ("1", "2"):
        e = {**env, "PYTHONHASHSEED": hash_seed}
        run = root / f"hash{hash_seed}"
        plan, gaps, roster = run / "plan", run / "gaps", run / "roster"
        criteria = "checkpoint,response,road,revisit"
        for args in (
            [
                *("plan", scenario, "--out", plan, "--max-iterations", 60),
                *("--time-limit", 300, "--night", NIGHT),
            ],
            [
                *("gaps", scenario, "--out", gaps, "--criterion", criteria),
                *("--gpx", plan / "routes.gpx"),
            ],
            [
                *("roster", scenario, "--week", "2026-W50", "--plan", plan / "plan.json"),
                *("--people", people, "--out", roster, "--salt", "s3cret"),
            ],
        ):
            res = run_cli(args, e)
            assert res.returncode == 0, f"{args[0]}: {res.stdout}\n{res.stderr}"
        out["plan"].append(plan)
        out["gaps"].append(gaps)
        out["roster"].append(roster)
    return {job: (a, b) for job, (a, b) in out.items()}


EXPECTED = {
    "plan": [
        "gaps.geojson",
        "gaps_after.csv",
        "gaps_before.csv",
        "grids.csv",
        "map.html",
        "plan.json",
        "report.txt",
        "routes.geojson",
        "routes.gpx",
        "summary.json",
        "units.gpkg",
    ],
    "gaps": ["gaps.csv", "gaps.geojson", "grids.csv", "map.html", "summary.json", "units.gpkg"],
    "roster": [
        "2026-W50/diff.csv",
        "2026-W50/roster.csv",
        "2026-W50/roster.xlsx",
        "2026-W50/summary.json",
    ],
}


@pytest.mark.parametrize("job", JOBS)
def test_both_runs_write_the_same_files(runs, job: str) -> None:
    a, b = runs[job]
    names = files_under(a)
    assert names == files_under(b)
    assert set(EXPECTED[job]) <= set(names), sorted(set(EXPECTED[job]) - set(names))
    if job == "plan":  # one GPX per team besides routes.gpx
        assert [n for n in names if n.startswith("gpx/")] == ["gpx/T01.gpx", "gpx/T02.gpx"]
    if job == "roster":  # an .ics per team and per person
        assert sum(n.startswith("2026-W50/ics/") for n in names) > 100


def _cases() -> list[object]:
    out: list[object] = []
    for job in JOBS:
        names = EXPECTED[job] + (["gpx/T01.gpx", "gpx/T02.gpx"] if job == "plan" else [])
        for name in names:
            out.append(pytest.param(job, name, id=f"{job}-{name}"))
    out.append(pytest.param("roster", "2026-W50/ics", id="roster-every-ics"))
    return out


@pytest.mark.parametrize(("job", "name"), _cases())
def test_same_bytes(runs, job: str, name: str) -> None:
    a, b = runs[job]
    if name.endswith("/ics"):
        files = [n for n in files_under(a) if n.startswith(name + "/")]
        assert files
        differ = [n for n in files if (a / n).read_bytes() != (b / n).read_bytes()]
        assert not differ, differ[:5]
        return
    assert (a / name).read_bytes() == (b / name).read_bytes(), f"{job}/{name} differs"


def _gpkg_dump(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out = {}
        for t in sorted(tables):
            rows = con.execute(f'SELECT * FROM "{t}"').fetchall()
            if t == "gpkg_contents":
                cols = [d[1] for d in con.execute("PRAGMA table_info(gpkg_contents)")]
                i = cols.index("last_change")
                rows = [r[:i] + r[i + 1 :] for r in rows]
            out[t] = sorted(rows, key=repr)
    return out


@pytest.mark.parametrize("job", ["plan", "gaps"])
def test_units_gpkg_equal_but_for_the_timestamp(runs, job: str) -> None:
    a, b = runs[job]
    dump = _gpkg_dump(a / "units.gpkg")
    assert {"units", "gaps"} <= set(dump)
    assert len(dump["units"]) > 10
    assert dump == _gpkg_dump(b / "units.gpkg")
