"""The roster's hostile inputs: history rosters and plan files of the wrong shape or cut in half.

Plan files are read by :class:`borderwatch.planfiles.planfile.PlanFile` (schema 2).

Each case is a small named file; each gets a clear error naming the file, the field (or line)
and the value, or loads (with a warning where accepting is right). Messages are pinned
(``{d}`` stands for the folder of the case).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from borderwatch.errors import BorderwatchError, RosterWarning
from borderwatch.planfiles.folders import read_plan_file
from borderwatch.roster.history import COLUMNS, read_history
from tests.roster.helpers import tiny_plan, tiny_site

MONDAY = date(2026, 12, 7)  # 2026-W50; history week 2026-W49
HEADER = ",".join(COLUMNS)
ROW1 = (
    "2026-W49,2026-11-30,0,night,2026-11-30T22:00:00,2026-12-01T06:00:00,1,S01-001,Lin,"
    "checkpoint_staff,Aidian,CP1,"
)
ROW2 = (
    "2026-W49,2026-12-01,1,night,2026-12-01T22:00:00,2026-12-02T06:00:00,1,T1-001,Wei,"
    "team_member,,T1,T1-f0"
)
GOOD = f"{HEADER}\n{ROW1}\n{ROW2}\n"

HISTORY: dict[str, tuple[bytes, str]] = {
    # name: (roster.csv bytes, "error: message" | "warn: message" | "ok")
    "cut in half mid-row": (
        GOOD[: len(HEADER) + len(ROW1) + 40].encode(),
        "error: {d}/2026-W49/roster.csv, field 'line 3', value '2026-W49,2026-12-01,1,night,20"
        "26-12-01': line 3: 5 fields, but the header has 13 (a row cut short?)",
    ),
    "cut before the first row": (
        f"{HEADER}\n".encode(),
        "ok",
    ),
    "empty file": (
        b"",
        "error: {d}/2026-W49/roster.csv: history roster is empty (a week cut short?); rebuild "
        "that week with --force",
    ),
    "cut inside the header": (
        HEADER[:30].encode(),
        "error: {d}/2026-W49/roster.csv, field 'end': history roster lacks a column; found: "
        "week, date, weekday, shift, start, ",
    ),
    "missing person column": (
        GOOD.replace("person,", "who,", 1).encode(),
        "error: {d}/2026-W49/roster.csv, field 'person': history roster lacks a column; found: "
        "week, date, weekday, shift, start, end, night, who",
    ),
    "a plan.json instead": (
        b'{"routes": []}\n',
        "error: {d}/2026-W49/roster.csv, field 'date': history roster lacks a column; found: "
        '{"routes": []}',
    ),
    "bad date": (
        GOOD.replace("2026-11-30,0", "2026-13-30,0").encode(),
        "error: {d}/2026-W49/roster.csv, field 'date', value '2026-13-30': line 2: not an ISO date",
    ),
    "bad start time": (
        GOOD.replace("2026-11-30T22:00:00", "tonight").encode(),
        "error: {d}/2026-W49/roster.csv, field 'start', value 'tonight / 2026-12-01T06:00:00': "
        "line 2: not a date-time (start or end)",
    ),
    "empty person id": (
        GOOD.replace("S01-001", "").encode(),
        "error: {d}/2026-W49/roster.csv, field 'person': line 2: empty person id",
    ),
    "extra comma in a name": (
        GOOD.replace(",Lin,", ",Lin, Na,").encode(),
        "error: {d}/2026-W49/roster.csv, field 'line 2', value '2026-W49,2026-11-30,0,night,20"
        "26-11-30T22:00:00,2026-12-01T06:00:00,1,S01-00...: line 2: 14 fields, but the header has "
        "13 (an unquoted comma inside a value? put that value in double quotes)",
    ),
    "binary": (
        b"\x00\xff\xfe\xfd\x80\x81",
        "error: {d}/2026-W49/roster.csv, field 'encoding', value b'\\xff\\xfe': line 1: neither "
        "UTF-8 nor GB18030 (byte 0xff); save the file as 'CSV UTF-8 (comma delimited)'",
    ),
    "saved by excel in gbk": (
        GOOD.replace("Lin", "林娜").encode("gbk"),
        "warn: {d}/2026-W49/roster.csv: not UTF-8 (line 2); decoded as GB18030/GBK",
    ),
    "extra column": (
        GOOD.replace("variant\n", "variant,note\n")
        .replace("T1-f0\n", "T1-f0,x\n")
        .replace("CP1,\n", "CP1,,\n")
        .encode(),
        "ok",
    ),
    "crlf and blank lines": (
        GOOD.replace("\n", "\r\n\r\n").encode(),
        "ok",
    ),
}


@pytest.mark.parametrize("name", list(HISTORY))
def test_history_catalogue(tmp_path: Path, name: str) -> None:
    data, expected = HISTORY[name]
    week = tmp_path / "2026-W49"
    week.mkdir()
    (week / "roster.csv").write_bytes(data)
    if expected.startswith("error: "):
        with pytest.raises(BorderwatchError) as info:
            read_history(tmp_path, MONDAY)
        assert str(info.value).replace(str(tmp_path), "{d}") == expected.removeprefix("error: ")
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hist = read_history(tmp_path, MONDAY)
    messages = [str(w.message).replace(str(tmp_path), "{d}") for w in caught]
    if expected.startswith("warn: "):
        assert any(expected.removeprefix("warn: ") in m for m in messages), messages
    else:
        assert messages == []
    assert hist.weeks == ["2026-W49"]
    if name != "cut before the first row":
        assert hist.cum_nights.get("S01-001", 0) + hist.cum_nights.get("", 0) == 1


def _plan(change: Callable[[dict[str, Any]], object] | None = None) -> str:
    """A valid schema-2 plan file of the tiny site, changed by ``change`` (in place)."""
    doc = tiny_plan(tiny_site(), n_variants=2)
    if change is not None:
        change(doc)
    return json.dumps(doc)


def _route(key: str, value: object) -> Callable[[dict[str, Any]], object]:
    return lambda doc: doc["routes"][0].__setitem__(key, value)


def _variant(key: str, value: object) -> Callable[[dict[str, Any]], object]:
    return lambda doc: doc["routes"][0]["variants"][0].__setitem__(key, value)


PLANS: dict[str, tuple[str | bytes, str]] = {
    "cut in half": (
        _plan()[:40],
        "{d}/plan.json: not valid JSON (line 1): Expecting ',' delimiter",
    ),
    "empty": ("", "{d}/plan.json: not valid JSON (line 1): Expecting value"),
    "a list": ("[1, 2]", "{d}/plan.json, field 'plan', value 'list': must be a JSON object"),
    "older, no schema_version": (
        _plan(lambda d: d.pop("schema_version")),
        "{d}/plan.json, field 'schema_version': a plan file of an older borderwatch (no "
        "schema_version): plan the night again with `borderwatch plan` to get duty times for "
        "every route variant",
    ),
    "newer schema": (
        _plan(lambda d: d.__setitem__("schema_version", 9)),
        "{d}/plan.json, field 'schema_version', value 9: schema version 2 expected",
    ),
    "no routes": (
        _plan(lambda d: d.pop("routes")),
        "{d}/plan.json, field 'routes': missing field",
    ),
    "routes an object": (
        _plan(lambda d: d.__setitem__("routes", {"T1": 1})),
        "{d}/plan.json, field 'routes', value {'T1': 1}: must be a list",
    ),
    "route a string": (
        _plan(lambda d: d.__setitem__("routes", ["T1"])),
        "{d}/plan.json, field 'routes[0]', value 'T1': must be an object",
    ),
    "team a number": (
        _plan(_route("team", 7)),
        "{d}/plan.json, field 'routes[0].team', value 7: must be a text",
    ),
    "loop a word": (
        _plan(_route("loop_min", "abc")),
        "{d}/plan.json, field 'routes[0].loop_min', value 'abc': must be a number",
    ),
    "loop negative": (
        _plan(_route("loop_min", -5)),
        "{d}/plan.json, field 'routes[0].loop_min', value -5: must be a finite number >= 0",
    ),
    "start times a display string": (
        _plan(_route("start_times", "20:00, then every 57 min (11 loops)")),
        "{d}/plan.json, field 'routes[0].start_times', value '20:00, then every 57 min "
        "(11 loops)': must be a list",
    ),
    "variant without phase": (
        _plan(lambda d: d["routes"][0]["variants"][0].pop("phase_min")),
        "{d}/plan.json, field 'routes[0].variants[0].phase_min': missing field",
    ),
    "variant a number": (
        _plan(_route("variants", [3])),
        "{d}/plan.json, field 'routes[0].variants[0]', value 3: must be an object",
    ),
    "phase NaN": (
        _plan(_variant("phase_min", float("nan"))),
        "{d}/plan.json, field 'routes[0].variants[0].phase_min', value nan: must be a finite "
        "number >= 0",
    ),
    "reverse a word": (
        _plan(_variant("reverse", "false")),
        "{d}/plan.json, field 'routes[0].variants[0].reverse', value 'false': must be true or "
        "false",
    ),
    "leave base a clock": (
        _plan(_variant("leave_base", "19:14")),
        "{d}/plan.json, field 'routes[0].variants[0].leave_base', value '19:14': must be an ISO "
        "8601 time with its UTC offset",
    ),
    "leave base without offset": (
        _plan(_variant("leave_base", "2026-12-07T19:14:00")),
        "{d}/plan.json, field 'routes[0].variants[0].leave_base', value '2026-12-07T19:14:00': "
        "must be an ISO 8601 time with its UTC offset",
    ),
    "window not a window": (
        _plan(lambda d: d.__setitem__("night_window", ["20:00", "20:00"])),
        "{d}/plan.json, field 'night_window', value ['20:00', '20:00']: night window is empty: "
        "the end equals the start",
    ),
    "night not a date": (
        _plan(lambda d: d.__setitem__("night", "17.12.2026")),
        "{d}/plan.json, field 'night', value '17.12.2026': must be a date YYYY-MM-DD",
    ),
    "not utf-8": (
        b'{"routes": "\xff"}',
        "{d}/plan.json: cannot read the plan file: 'utf-8' codec can't decode byte 0xff in "
        "position 12: invalid start byte",
    ),
}


@pytest.mark.parametrize("name", list(PLANS))
def test_plan_catalogue(tmp_path: Path, name: str) -> None:
    text, expected = PLANS[name]
    path = tmp_path / "plan.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(BorderwatchError) as info:
        read_plan_file(path)
    assert str(info.value).replace(str(tmp_path), "{d}") == expected


def test_missing_week_warns(tmp_path: Path) -> None:
    for week in ("2026-W47", "2026-W48"):
        (tmp_path / week).mkdir()
        (tmp_path / week / "roster.csv").write_text(GOOD.replace("2026-W49", week))
    (tmp_path / "2026-W49").mkdir()  # a week folder without its roster
    with pytest.warns(RosterWarning) as caught:
        hist = read_history(tmp_path, MONDAY)
    messages = [str(w.message).replace(str(tmp_path), "{d}") for w in caught]
    assert messages == [
        "{d}/2026-W49: history week without roster.csv (cut short?); it is left out",
        "{d}: history lacks week(s) 2026-W49 before 2026-W50: rest and fairness across them are "
        "not checked; build the missing weeks first",
    ]
    assert hist.weeks == ["2026-W47", "2026-W48"]


def test_catalogue_size() -> None:
    assert len(HISTORY) + len(PLANS) >= 20
