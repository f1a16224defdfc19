"""Earlier weeks: read back the ``roster.csv`` of each ``HISTORY/YYYY-Www/`` folder."""

from __future__ import annotations

import logging
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from borderwatch.errors import RosterWarning, ScenarioError
from borderwatch.roster.week import _WEEK, iso_week, week_label

__all__ = ["History", "read_history"]

logger = logging.getLogger(__name__)

_NEEDED = ("date", "shift", "start", "end", "night", "person", "role", "place")

COLUMNS = (
    "week", "date", "weekday", "shift", "start", "end", "night",
    "person", "name", "role", "township", "place", "variant",
)  # fmt: skip


@dataclass
class History:
    """What earlier weeks tell the week being built.

    Attributes
    ----------
    weeks
        Labels of the weeks read (before the target week), oldest first.
    previous
        Rows of the week just before the target week (empty if absent).
    cum_nights
        Person id → night duties over all weeks read.
    last_end
        Person id → end of their latest duty, minutes relative to the target Monday (≤ 0 usually).
    pattern
        (person, weekday, shift) of last week's duties → place.
    last_place
        Person id → the checkpoint they staffed most recently.
    last_variant
        Team id → the variant it drove on the last night of the previous week.
    last_township
        Leader id → the township they inspected most recently.
    """

    weeks: list[str] = field(default_factory=list)
    previous: list[dict[str, str]] = field(default_factory=list)
    cum_nights: dict[str, int] = field(default_factory=dict)
    last_end: dict[str, int] = field(default_factory=dict)
    pattern: dict[tuple[str, int, str], str] = field(default_factory=dict)
    last_place: dict[str, str] = field(default_factory=dict)
    last_variant: dict[str, str] = field(default_factory=dict)
    previous_week: str | None = None


def _read_rows(path: Path) -> tuple[list[dict[str, str]], list[int]]:
    """Rows of a history ``roster.csv``; a file of the wrong shape or cut short names the line."""
    from borderwatch.data.safe_csv import restore_cell
    from borderwatch.data.validate import decode_csv, read_csv_rows

    try:
        header, rows, lines = read_csv_rows(path, decode_csv(path))
    except OSError as err:
        raise ScenarioError(f"cannot read history roster: {err}", file=path) from None
    except ScenarioError as err:
        if "file is empty" in str(err):
            raise ScenarioError(
                "history roster is empty (a week cut short?); rebuild that week with --force",
                file=path,
            ) from None
        raise
    missing = [c for c in _NEEDED if c not in header]
    if missing:
        raise ScenarioError(
            f"history roster lacks a column; found: {', '.join(header[:8])}",
            file=path,
            field=missing[0],
        )
    out = []
    for row, line in zip(rows, lines, strict=True):
        r = dict(zip(header, (restore_cell(c.strip()) for c in row), strict=True))
        try:
            date.fromisoformat(r["date"])
        except ValueError:
            raise ScenarioError(
                f"line {line}: not an ISO date", file=path, field="date", value=r["date"]
            ) from None
        if not r["person"]:
            raise ScenarioError(f"line {line}: empty person id", file=path, field="person")
        out.append(r)
    return out, lines


def _warn(message: str) -> None:
    logger.warning(message)
    warnings.warn(message, RosterWarning, stacklevel=3)


def _warn_missing_weeks(folder: Path, mondays: list[date], monday: date) -> None:
    """Warn when the history stops short of the week before ``monday`` or has holes."""
    if not mondays:
        return
    missing = []
    m = mondays[0] + timedelta(days=7)
    have = set(mondays)
    while m < monday:
        if m not in have:
            missing.append(week_label(m))
        m += timedelta(days=7)
    if missing:
        shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
        _warn(
            f"{folder}: history lacks week(s) {shown} before {week_label(monday)}: "
            "rest and fairness across them are not checked; build the missing weeks first"
        )


def read_history(folder: str | Path | None, monday: date) -> History:
    """Read every ``FOLDER/YYYY-Www/roster.csv`` of a week before ``monday``.

    Weeks on or after ``monday`` are ignored, so rebuilding a week (``--force``)
    with the output folder as history gives the same roster again. A
    :class:`~borderwatch.errors.RosterWarning` says so when weeks between the
    first one read and ``monday`` are missing (W52 built after W50), or a week
    folder has no ``roster.csv``.

    Parameters
    ----------
    folder
        The history folder of ``YYYY-Www`` subfolders (the roster output
        folder); None or a folder that does not exist means no history.
    monday
        The Monday of the week being built.

    Returns
    -------
    History
        Night duties per person over the weeks read, each person's latest duty
        end, checkpoint and each team's latest variant, and the previous week's
        rows and shift pattern (an empty History without a history).

    Raises
    ------
    ScenarioError
        ``folder`` is not a folder, or a week's ``roster.csv`` lacks a column or
        has a bad date (naming the file, line and column).
    """
    hist = History()
    if folder is None:
        return hist
    folder = Path(folder)
    if not folder.exists():
        return hist
    if not folder.is_dir():
        raise ScenarioError("history must be a folder of YYYY-Www subfolders", file=folder)
    weeks = []
    for sub in sorted(folder.iterdir()):
        if not (sub.is_dir() and _WEEK.match(sub.name)):
            continue
        m = iso_week(sub.name)
        if m >= monday:
            continue
        if not (sub / "roster.csv").is_file():
            _warn(f"{sub}: history week without roster.csv (cut short?); it is left out")
            continue
        weeks.append((m, sub))
    weeks.sort()
    _warn_missing_weeks(folder, [m for m, _ in weeks], monday)
    base = datetime.combine(monday, datetime.min.time())
    prev_monday = monday - timedelta(days=7)
    cum: dict[str, int] = defaultdict(int)
    last_place_t: dict[str, tuple[int, str]] = {}
    last_variant_t: dict[str, tuple[int, str]] = {}
    for m, sub in weeks:
        hist.weeks.append(sub.name)
        path = sub / "roster.csv"
        rows, lines = _read_rows(path)
        for r, i in zip(rows, lines, strict=True):
            pid = r["person"]
            try:
                start = int((datetime.fromisoformat(r["start"]) - base).total_seconds() // 60)
                end = int((datetime.fromisoformat(r["end"]) - base).total_seconds() // 60)
            except ValueError:
                raise ScenarioError(
                    f"line {i}: not a date-time (start or end)",
                    file=path,
                    field="start",
                    value=f"{r['start']} / {r['end']}",
                ) from None
            if r["night"] in ("1", "True", "true"):
                cum[pid] += 1
            if end > hist.last_end.get(pid, -(10**9)):
                hist.last_end[pid] = end
            if (
                r["role"] == "checkpoint_staff"
                and start >= last_place_t.get(pid, (-(10**9), ""))[0]
            ):
                last_place_t[pid] = (start, r["place"])
            if (
                r["role"] == "team_member"
                and r.get("variant")
                and start >= last_variant_t.get(r["place"], (-(10**9), ""))[0]
            ):
                last_variant_t[r["place"]] = (start, r["variant"])
        if m == prev_monday:
            hist.previous = rows
            hist.previous_week = sub.name
            for r in rows:
                wd = date.fromisoformat(r["date"]).weekday()
                hist.pattern[(r["person"], wd, r["shift"])] = r["place"]
    hist.cum_nights = dict(cum)
    hist.last_place = {p: v for p, (_, v) in last_place_t.items()}
    hist.last_variant = {t: v for t, (_, v) in last_variant_t.items()}
    return hist
