"""Published min-max values (read by benchmarks/carp_summary.py) and their comparison."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks.carp_summary import compare_published, read_published, row_table

HEAD = "problem,instance,k,value,value_10min,lower_bound,source,note\n"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pub.csv"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_read_published_rows_and_errors(tmp_path: Path) -> None:
    pub = read_published(_write(tmp_path, "MMkCPP,g1,2,100,101,,src a,n\nMMkCPP,g1,3,70,,65,b,\n"))
    assert pub[("MMkCPP", "g1", 2)].value == 100 and math.isnan(
        pub[("MMkCPP", "g1", 2)].lower_bound
    )
    assert pub[("MMkCPP", "g1", 3)].lower_bound == 65
    with pytest.raises(ValueError, match="given twice"):
        read_published(_write(tmp_path, "MMkCPP,g1,2,100,,,a,\nMMkCPP,g1,2,99,,,b,\n"))
    with pytest.raises(ValueError, match="needs a value and a source"):
        read_published(_write(tmp_path, "MMkCPP,g1,2,100,,,,\n"))


def test_compare_published_counts_and_flags(tmp_path: Path) -> None:
    pub = read_published(
        _write(
            tmp_path,
            "MMkCPP,g1,2,100,,,a,\nMMkCPP,g1,3,50,,45,a,\nMMkCPP,g2,2,40,,,a,\n",
        )
    )
    rows = [
        # 2 % above; at; below the published bound 45 (a bug to list); g2: published 40
        # is below our own bound 42 (the instance differs); g3 has no published value
        {"instance": "g1", "k": "2", "ours": "102", "ours_population": "100", "lower_bound": "90"},
        {"instance": "g1", "k": "3", "ours": "44", "ours_population": "50", "lower_bound": "40"},
        {"instance": "g2", "k": "2", "ours": "42", "ours_population": "42", "lower_bound": "42"},
        {"instance": "g3", "k": "2", "ours": "1", "ours_population": "1", "lower_bound": "1"},
    ]
    lines = compare_published(rows, pub, "MMkCPP")
    minmax, population, flags = lines
    assert "3 rows" in minmax and "1 below a published lower bound [g1 k=3 (44 < 45)]" in minmax
    # minmax gaps +2, -12, +5 %; population 0, 0, +5 %
    assert "mean gap -1.67 %, max 5.00 %, min -12.00 %, 1 at or below, 1 strictly below" in minmax
    assert "mean gap 1.67 %, max 5.00 %, min 0.00 %, 2 at or below, 0 strictly below" in population
    assert "0 below a published lower bound" in population
    assert "with a lower bound: 1 of 3" in flags
    assert "instance differs): 1 [g2 k=2 (40 < 42)]" in flags
    table = row_table(rows, pub, {}, "MMkCPP")
    assert len(table) == 5 and table[4].split()[-1] == "-" and table[1].split()[-1] == "100.0"
    assert compare_published(rows[3:], pub, "MMkCPP") == ["MMkCPP: no row has a published value"]


def test_read_published_transcription(tmp_path: Path) -> None:
    """Ahr's table as transcribed (instance, k, T10m, TInf): value = TInf, no bound, sourced."""
    path = tmp_path / "ahr.csv"
    path.write_text("instance,k,T10m,TInf\ngdb1,2,147,147\ngdb1,4,78,77\n", encoding="utf-8")
    pub = read_published(path, source="https://example.org/ahr_data.csv")
    assert set(pub) == {("MMkCPP", "gdb1", 2), ("MMkCPP", "gdb1", 4)}
    row = pub[("MMkCPP", "gdb1", 4)]
    assert row.value == 77 and math.isnan(row.lower_bound)
    assert row.source == "https://example.org/ahr_data.csv row gdb1,4"
    path.write_text("instance,k,T10m\ngdb1,2,147\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: bad published row"):
        read_published(path, source="x")
