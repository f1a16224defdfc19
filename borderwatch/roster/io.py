"""Write a built week: roster.csv, summary.json, diff.csv, roster.xlsx, .ics calendars.

Everything goes into a temporary sibling folder first and is renamed into
``OUT/YYYY-Www`` at the end, so a reader never sees half a week; an existing
week is replaced only with ``force``. Outputs are byte-identical for the same
inputs (no clocks: the xlsx and ics time stamps are the week's Monday).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import logging
import re
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from borderwatch.atomic import atomic_folder, folder_lock, safe_name
from borderwatch.config import default_language
from borderwatch.data.safe_csv import FORMULA_STARTS, neutralise_cell
from borderwatch.errors import BorderwatchError, RosterExistsError, RosterWarning
from borderwatch.roster.build import WeekRoster
from borderwatch.roster.history import COLUMNS

__all__ = [
    "FORMATS",
    "PEOPLE_COLUMNS",
    "RosterExistsError",
    "lock_history",
    "people_csv_text",
    "roster_csv_text",
    "week_files",
    "write_week",
]

logger = logging.getLogger(__name__)

#: Output formats ``write_week`` knows.
FORMATS: tuple[str, ...] = ("csv", "json", "diff", "xlsx", "ics")
PEOPLE_COLUMNS = ("id", "name", "role", "team", "township", "leave", "source")
DIFF_COLUMNS = ("person", "name", "role", "date", "shift", "before", "after", "reason")


def _csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        # names from input files never reach a spreadsheet as live formulas (OWASP)
        w.writerow({k: neutralise_cell(val) for k, val in r.items()})
    return buf.getvalue()


def roster_csv_text(roster: WeekRoster) -> str:
    """The ``roster.csv`` text of a week.

    Parameters
    ----------
    roster
        The week's roster.

    Returns
    -------
    str
        CSV text with a header of the history columns (``week``, ``date``, …,
        ``variant``) and one row per person and duty, cells that would start a
        spreadsheet formula neutralised.
    """
    return _csv_text(roster.rows, COLUMNS)


def _safe(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    if s != name or not s or s[0] == "." or s[-1] == ".":
        s = f"{s.strip('.')[:48]}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"
    return s


def _sheet_title(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:28] or "sheet"
    title, k = base, 2
    while title.lower() in used:
        title = f"{base[:25]}~{k}"
        k += 1
    used.add(title.lower())
    return title


def _no_formulas(sheet: Any) -> None:
    """Store every text cell as text: openpyxl would write ``=…`` as a live formula.

    Cells beginning like a formula (OWASP: ``= + - @``, tab, CR) are written as
    plain strings with a leading ``'``, as in the CSV files.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.value = neutralise_cell(cell.value)
                cell.data_type = "s"


#: The words of roster.xlsx (a spreadsheet people read; roster.csv keeps English column names).
XLSX_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "summary": "汇总",
        "week": "周次",
        "scenario": "情景",
        "dates": "日期范围",
        "date": "日期",
        "inspected": "督查乡镇",
        "leader": "带队领导",
        "shift": "班次",
        "start": "开始",
        "end": "结束",
        "checkpoint": "卡点",
        "people": "值班人员",
        "team": "巡逻队 {team}",
        "variant": "路线方案",
        "crew": "车组",
        "sep": "、",
    },
    "en": {
        "summary": "summary",
        "week": "week",
        "scenario": "scenario",
        "dates": "dates",
        "date": "date",
        "inspected": "inspected township",
        "leader": "leader",
        "shift": "shift",
        "start": "start",
        "end": "end",
        "checkpoint": "checkpoint",
        "people": "people",
        "team": "team {team}",
        "variant": "variant",
        "crew": "crew",
        "sep": ", ",
    },
}


def _xlsx_bytes(roster: WeekRoster) -> bytes:
    lang = default_language(roster.summary.get("timezone", "UTC"))
    w = XLSX_WORDS[lang]
    shifts = SHIFT_WORDS[lang]
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
    except ImportError:  # pragma: no cover
        raise BorderwatchError("roster.xlsx needs openpyxl: pip install openpyxl") from None
    wb = Workbook()
    bold = Font(bold=True)
    _summary_sheet(wb.active, roster.summary, w, bold)
    used = {w["summary"].lower()}
    by_township, by_team = _rows_by_place(roster.rows)
    for t in sorted(by_township):
        ws = wb.create_sheet(_sheet_title(t, used))
        _township_sheet(ws, by_township[t], w, shifts, bold)
    for team in sorted(by_team):
        ws = wb.create_sheet(_sheet_title(w["team"].format(team=team), used))
        _team_sheet(ws, by_team[team], w, bold)
    for sheet in wb.worksheets:
        _no_formulas(sheet)
    stamp = datetime.combine(roster.monday, datetime.min.time())
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "borderwatch"
    buf = io.BytesIO()
    wb.save(buf)
    return _pinned_zip(buf, stamp)


def _summary_sheet(ws0: Any, s: Mapping[str, Any], w: Mapping[str, str], bold: Any) -> None:
    """The first sheet: week, scenario, dates and the inspections."""
    ws0.title = w["summary"]
    ws0.append([w["week"], s["week"]])
    ws0.append([w["scenario"], s["scenario"]])
    ws0.append([w["dates"], f"{s['dates'][0]} .. {s['dates'][-1]}"])
    ws0.append([])
    ws0.append([w["date"], w["inspected"], w["leader"]])
    for c in ws0[ws0.max_row]:
        c.font = bold
    for ins in s["inspections"]:
        ws0.append([ins["date"], ins["township"], ins["leader"]])


def _rows_by_place(
    rows: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, list[Mapping[str, Any]]], dict[str, list[Mapping[str, Any]]]]:
    """Checkpoint staff rows by township and team member rows by team."""
    by_township: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    by_team: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["role"] == "checkpoint_staff":
            by_township[r["township"]].append(r)
        elif r["role"] == "team_member":
            by_team[r["place"]].append(r)
    return by_township, by_team


def _township_sheet(
    ws: Any,
    rows: Sequence[Mapping[str, Any]],
    w: Mapping[str, str],
    shifts: Mapping[str, str],
    bold: Any,
) -> None:
    """A township's checkpoint shifts, one row per shift with its people."""
    ws.append([w["date"], w["shift"], w["start"], w["end"], w["checkpoint"], w["people"]])
    for c in ws[1]:
        c.font = bold
    groups: dict[tuple[str, str, str, str, str], list[str]] = defaultdict(list)
    for tr in rows:
        groups[(tr["start"], tr["date"], tr["shift"], tr["end"], tr["place"])].append(
            f"{tr['name']} ({tr['person']})"
        )
    for (start, day, shift, end, place), who in sorted(groups.items()):
        ws.append([day, shifts.get(shift, shift), start[11:], end[11:], place, w["sep"].join(who)])
    ws.freeze_panes = "A2"


def _team_sheet(
    ws: Any, rows: Sequence[Mapping[str, Any]], w: Mapping[str, str], bold: Any
) -> None:
    """A team's nights, one row per night with its crew."""
    ws.append([w["date"], w["start"], w["end"], w["variant"], w["crew"]])
    for c in ws[1]:
        c.font = bold
    groups2: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for mr in rows:
        groups2[(mr["date"], mr["start"], mr["end"], mr["variant"])].append(
            f"{mr['name']} ({mr['person']})"
        )
    for (day, start, end, variant), who in sorted(groups2.items()):
        ws.append([day, start[11:], end[11:], variant, w["sep"].join(who)])
    ws.freeze_panes = "A2"


def _pinned_zip(buf: io.BytesIO, stamp: datetime) -> bytes:
    """The saved workbook rewritten with fixed member times and modified stamp (byte-identical)."""
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + iso.encode() + rb"\g<2>",
                    data,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data)
    return out.getvalue()


def _ics_bytes(events: Sequence[Mapping[str, Any]], name: str, tz: str, stamp: datetime) -> bytes:
    try:
        import icalendar
    except ImportError:  # pragma: no cover
        raise BorderwatchError("the .ics calendars need icalendar: pip install icalendar") from None
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//borderwatch//roster//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", tz)
    for ev in events:
        e = icalendar.Event()
        e.add("uid", ev["uid"])
        e.add("dtstamp", stamp.replace(tzinfo=zone))
        e.add("dtstart", datetime.fromisoformat(ev["start"]).replace(tzinfo=zone))
        e.add("dtend", datetime.fromisoformat(ev["end"]).replace(tzinfo=zone))
        e.add("summary", ev["summary"])
        if ev.get("description"):
            e.add("description", ev["description"])
        if ev.get("location"):
            e.add("location", ev["location"])
        cal.add_component(e)
    for comp in _vtimezones(tz):
        cal.add_component(comp)
    return bytes(cal.to_ical())


@functools.lru_cache(maxsize=8)
def _vtimezones_ical(tz: str) -> bytes:
    from zoneinfo import ZoneInfo

    import icalendar

    cal = icalendar.Calendar()
    e = icalendar.Event()
    e.add("dtstart", datetime(2026, 1, 1, tzinfo=ZoneInfo(tz)))
    cal.add_component(e)
    try:
        cal.add_missing_timezones()
    except Exception:  # pragma: no cover - older icalendar
        return b""
    return b"".join(c.to_ical() for c in cal.walk("VTIMEZONE"))


def _vtimezones(tz: str) -> list[Any]:
    import icalendar

    text = _vtimezones_ical(tz)
    if not text:
        return []
    return list(
        icalendar.Calendar.from_ical(b"BEGIN:VCALENDAR\r\n" + text + b"END:VCALENDAR\r\n").walk(
            "VTIMEZONE"
        )
    )


#: The words of the calendars (names, ids and places from the data are shown as given).
ICS_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "shift": "{shift}值班 · {place}",
        "patrol": "夜间巡逻 {team} · 路线 {variant}",
        "team_patrol": "夜间巡逻 · 路线 {variant}",
        "inspection": "夜间督查 · {place}",
        "crew": "车组：{names}",
        "sep": "、",
    },
    "en": {
        "shift": "{shift} shift · {place}",
        "patrol": "night patrol {team} · route {variant}",
        "team_patrol": "night patrol · route {variant}",
        "inspection": "night inspection · {place}",
        "crew": "crew: {names}",
        "sep": ", ",
    },
}
#: Shift names of the default roster config; other names are the user's, shown as given.
SHIFT_WORDS: dict[str, dict[str, str]] = {
    "zh": {"day": "白班", "evening": "中班", "night": "夜班"},
    "en": {},
}


def _ics_files(roster: WeekRoster, lang: str | None = None) -> dict[str, bytes]:
    tz = roster.summary.get("timezone", "UTC")
    lang = lang if lang in ICS_WORDS else default_language(tz)
    w = ICS_WORDS[lang]
    shifts = SHIFT_WORDS[lang]
    stamp = datetime.combine(roster.monday, datetime.min.time())
    names = (roster.site.checkpoint_names if roster.site is not None else {}) or {}
    per_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
    per_team: dict[str, list[dict[str, Any]]] = defaultdict(list)
    crews: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in roster.rows:
        if r["role"] == "team_member":
            crews[(r["place"], r["date"])].append(r["name"])
    for r in roster.rows:
        if r["role"] == "checkpoint_staff":
            summary = w["shift"].format(
                shift=shifts.get(r["shift"], r["shift"]), place=names.get(r["place"], r["place"])
            )
            loc = f"{r['place']}, {r['township']}"
        elif r["role"] == "team_member":
            summary = w["patrol"].format(team=r["place"], variant=r["variant"])
            loc = r["place"]
        else:
            summary = w["inspection"].format(place=r["place"])
            loc = r["place"]
        per_person[r["person"]].append(
            {
                "uid": f"{roster.week}-{r['person']}-{r['start']}@borderwatch",
                "start": r["start"],
                "end": r["end"],
                "summary": summary,
                "location": loc,
            }
        )
    seen: set[tuple[str, str]] = set()
    for r in roster.rows:
        if r["role"] == "team_member" and (r["place"], r["date"]) not in seen:
            seen.add((r["place"], r["date"]))
            per_team[r["place"]].append(
                {
                    "uid": f"{roster.week}-{r['place']}-{r['start']}@borderwatch",
                    "start": r["start"],
                    "end": r["end"],
                    "summary": w["team_patrol"].format(variant=r["variant"]),
                    "description": w["crew"].format(
                        names=w["sep"].join(crews[(r["place"], r["date"])])
                    ),
                    "location": r["place"],
                }
            )
    files = {}
    for team, evs in sorted(per_team.items()):
        name = safe_name(_safe(team), ".ics", prefix="team-", what="team id")
        files[f"ics/{name}"] = _ics_bytes(evs, f"{team} {roster.week}", tz, stamp)
    for pid, evs in sorted(per_person.items()):
        name = safe_name(_safe(pid), ".ics", prefix="person-", what="person id")
        files[f"ics/{name}"] = _ics_bytes(evs, f"{pid} {roster.week}", tz, stamp)
    return files


def week_files(roster: WeekRoster, formats: Iterable[str] = FORMATS) -> dict[str, bytes]:
    """Relative path → bytes of every output file of the week.

    Parameters
    ----------
    roster
        The week's roster.
    formats
        Outputs besides ``roster.csv`` (always written), among :data:`FORMATS`:
        ``"json"`` (``summary.json``), ``"diff"`` (``diff.csv``, the changes
        against last week), ``"xlsx"`` (``roster.xlsx``), ``"ics"``
        (``ics/team-*.ics`` and ``ics/person-*.ics`` calendars).

    Returns
    -------
    dict of str to bytes
        Path relative to the week's folder → the file's content.

    Raises
    ------
    BorderwatchError
        An unknown format, naming it and the allowed ones.
    """
    formats = list(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise BorderwatchError(f"unknown output format {bad[0]!r}; allowed: {', '.join(FORMATS)}")
    files: dict[str, bytes] = {"roster.csv": roster_csv_text(roster).encode("utf-8")}
    if "json" in formats:
        files["summary.json"] = (
            json.dumps(roster.summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        ).encode("utf-8")
    if "diff" in formats:
        files["diff.csv"] = _csv_text(roster.diff, DIFF_COLUMNS).encode("utf-8")
    if "xlsx" in formats:
        files["roster.xlsx"] = _xlsx_bytes(roster)
    if "ics" in formats:
        files.update(_ics_files(roster))
    return files


def lock_history(folder: str | Path, *, wait_s: float = 0.0) -> AbstractContextManager[Path]:
    """Hold the lock of a roster output (history) folder for one build-and-write.

    A second ``borderwatch roster`` on the same folder meanwhile gets
    :class:`~borderwatch.errors.OutputLockedError` (exit code 4) instead of building
    a week from a history that is about to change.
    """
    return folder_lock(folder, wait_s=wait_s)


def people_csv_text(rows: Iterable[Mapping[str, Any]]) -> str:
    """The text of a ``people.csv`` from rows (id, name, role, team, township, leave, source)."""
    return _csv_text(rows, PEOPLE_COLUMNS)


def write_week(
    roster: WeekRoster,
    out_dir: str | Path,
    *,
    force: bool = False,
    formats: Iterable[str] = FORMATS,
) -> Path:
    """Write the week into ``out_dir/YYYY-Www`` atomically and return that folder.

    Parameters
    ----------
    roster
        The week's roster.
    out_dir
        The roster output folder (also the history of later weeks).
    force
        Replace the week's folder when it exists (with a
        :class:`~borderwatch.errors.RosterWarning`).
    formats
        The outputs to write, as for :func:`week_files`.

    Returns
    -------
    Path
        ``out_dir/YYYY-Www``, swapped in whole.

    Raises
    ------
    RosterExistsError
        The week's folder exists and ``force`` is False.
    """
    out_dir = Path(out_dir)
    target = out_dir / roster.week
    if target.exists() and not force:
        raise RosterExistsError(
            f"{target}: week {roster.week} exists already; use --force to replace it"
        )
    files = week_files(roster, formats)
    if target.exists():
        message = f"{target}: replacing week {roster.week} (--force)"
        logger.warning(message)
        warnings.warn(message, RosterWarning, stacklevel=2)
    # staged beside the target and swapped in (renameat2 exchange on Linux): there is no
    # moment in which the week is missing
    with atomic_folder(target, kind="roster-week") as tmp:
        for rel, data in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return target
