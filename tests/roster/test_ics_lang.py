"""A crew's calendar and the roster spreadsheet speak the scenario's language: no English
words in a Chinese .ics or roster.xlsx (names, ids and times from the data aside)."""

from __future__ import annotations

import dataclasses

import pytest

from borderwatch.roster import build_week, people_from_rows, synthetic_people, week_files
from tests.lang import chinese_words, english_words, ics_text
from tests.roster.helpers import tiny_plan, tiny_site

pytest.importorskip("icalendar")


def _xlsx_text(data: bytes) -> str:
    """Every sheet name and text cell of a workbook."""
    import io

    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = list(wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            out += [str(v) for v in row if isinstance(v, str)]
    return "\n".join(out)


def _calendars(timezone: str) -> tuple[dict[str, str], list[str]]:
    site = dataclasses.replace(tiny_site((3, 2), (2, 3)), timezone=timezone)
    rows = synthetic_people(site, seed=5, n_leaders=6, leave_share=0.0)
    week = build_week(site, people_from_rows(rows), "2026-W49", plan=tiny_plan(site))
    files = week_files(week, ["ics", "xlsx"])
    texts = {k: ics_text(v) for k, v in files.items() if k.endswith(".ics")}
    texts["roster.xlsx"] = _xlsx_text(files["roster.xlsx"])
    names = [str(r["name"]) for r in rows] + [str(r["township"]) for r in rows]
    names += [n for n, _ in site.teams.values()] + list(site.checkpoints.values()) + [site.name]
    return texts, names


@pytest.mark.slow
def test_chinese_scenario_calendars_have_no_english_words() -> None:
    texts, names = _calendars("Asia/Shanghai")
    kinds = {k.split("/")[1].split("-")[0] for k in texts if k.startswith("ics/")}
    assert kinds == {"team", "person"}
    bad = {k: english_words(v, names) for k, v in texts.items()}
    assert {k: v for k, v in bad.items() if v} == {}
    joined = "\n".join(texts.values())
    assert "夜间巡逻" in joined and "值班" in joined and "车组" in joined


@pytest.mark.slow
def test_english_scenario_calendars_have_no_chinese_words() -> None:
    texts, names = _calendars("Europe/Berlin")
    bad = {k: chinese_words(v, names) for k, v in texts.items()}
    assert {k: v for k, v in bad.items() if v} == {}
    assert "night patrol" in "\n".join(texts.values())
