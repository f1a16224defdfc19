"""Smoke test of benchmarks/arc_routing.py on a tiny CARPLIB folder (no baselines)."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "arc_routing.py"

TINY = """ NOMBRE : tiny1A
 VERTICES : 4
 ARISTAS_REQ : 4
 ARISTAS_NOREQ : 1
 LISTA_ARISTAS_REQ :
 ( 1, 2) coste 2 demanda 1
 ( 2, 3) coste 3 demanda 1
 ( 3, 4) coste 1 demanda 1
 ( 4, 1) coste 2 demanda 1
 LISTA_ARISTAS_NOREQ :
 ( 1, 3) coste 4
 DEPOSITO : 1
"""


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("arc_routing_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_writes_csv_and_summary(bench, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inst"
    folder.mkdir()
    (folder / "tiny1A.dat").write_text(TINY)
    (folder / "tiny1B.dat").write_text(TINY.replace("tiny1A", "tiny1B"))
    ref = tmp_path / "reference.csv"
    ref.write_text(
        "problem,instance,k,best_known,lower_bound,note\nMMkCPP,tiny1,2,8,8,\nMMkRPP,tiny1,2,8,8,\n"
    )
    out = tmp_path / "res.csv"
    args = [
        "--instances",
        str(folder),
        "--reference",
        str(ref),
        "--k",
        "1,2",
        "--time-limit",
        "0.05",
        "--csv",
        str(out),
        "--baselines",
        "none",
    ]
    assert bench.main([*args, "--problem", "mmkrpp"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("mean gap ") and lines[-1].endswith(", 2 instances")
    rows = list(csv.DictReader(out.open()))
    assert [r["instance"] for r in rows] == ["tiny1", "tiny1"]
    assert list(rows[0])[:7] == [
        "instance",
        "k",
        "ours",
        "best_known",
        "lower_bound",
        "gap_pct",
        "seconds",
    ]
    assert float(rows[1]["ours"]) == 8.0  # the round trip through edge 2-3 alone costs 8


def test_multi_base_and_missing_folder(bench, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inst"
    folder.mkdir()
    (folder / "tiny1A.dat").write_text(TINY)
    assert (
        bench.main(
            [
                "--instances",
                str(folder),
                "--k",
                "2",
                "--time-limit",
                "0.05",
                "--baselines",
                "none",
                "--multi-base",
            ]
        )
        == 0
    )
    assert "instances" in capsys.readouterr().out.splitlines()[-1]
    with pytest.raises(SystemExit):
        bench.main(["--instances", str(tmp_path / "nope"), "--baselines", "none"])
    assert "not found" in capsys.readouterr().err
