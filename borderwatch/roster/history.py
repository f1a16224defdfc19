"""Earlier weeks: read back the ``roster.csv`` of each ``HISTORY/YYYY-Www/`` folder.

With the duties actually worked (:class:`WorkedDuty`, from the duty log: the jobs
layer reads it, the roster does not import it), a team's patrol night as the log
recorded it replaces the planned one in the fairness counts and in the rest rule:

* the team did not drive (``worked=False``, the log's ``no track``): its crew of that
  night, as ``roster.csv`` has it, worked no duty: no night duty counted, and the
  duty's end is not their latest duty end;
* it drove: the duty starts ``late_min`` after the planned start and ends
  ``early_min`` before the planned end (the team stopped before the end of its
  window; the drive home is the planned one), or at the last fix when that is later
  (driven past the planned return); it counts as a night duty when at least half of
  the planned duty's time was worked (the roster's own rule for a night shift is
  likewise "half of it");
* nights or teams the log does not hold keep their planned duty; checkpoint shifts
  and inspections always do (the log records neither who staffed a checkpoint nor
  an inspection as a rostered duty).
"""

from __future__ import annotations

import logging
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from borderwatch.errors import RosterWarning, ScenarioError
from borderwatch.roster.week import _WEEK, iso_week, week_label

__all__ = ["History", "WorkedDuty", "read_history"]

logger = logging.getLogger(__name__)

_NEEDED = ("date", "shift", "start", "end", "night", "person", "role", "place")

COLUMNS = (
    "week", "date", "weekday", "shift", "start", "end", "night",
    "person", "name", "role", "township", "place", "variant",
)  # fmt: skip


@dataclass(frozen=True)
class WorkedDuty:
    """A team's patrol night as the duty log recorded it (plain data, handed in by the jobs layer).

    Attributes
    ----------
    night
        The date the night starts on (the ``date`` of its ``roster.csv`` rows).
    team
        Team id (the ``place`` of its crew's rows).
    worked
        Whether the team drove at all that night (False: the log's ``no track``).
    late_min
        Minutes the first fix came after the planned one (0 if on time).
    early_min
        Minutes the last fix came before the end of the window, when the planned
        loops end (0 if the team drove to the end).
    last_fix
        The last fix, local time of the scenario without a zone (as ``roster.csv``);
        None without a track.
    """

    night: date
    team: str
    worked: bool
    late_min: float = 0.0
    early_min: float = 0.0
    last_fix: datetime | None = None


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
    worked
        What the duty log changed (None when no worked duties were given):
        ``nights`` (dates read from the log), ``team_nights`` (those matching a
        rostered crew), ``night_duties`` (``planned`` and ``worked`` over the
        matched crews) and ``changed``: per team night whose crew's duty differs
        from the plan, its date, team, people, planned and worked end, and
        whether it counts as a night duty.
    """

    weeks: list[str] = field(default_factory=list)
    previous: list[dict[str, str]] = field(default_factory=list)
    cum_nights: dict[str, int] = field(default_factory=dict)
    last_end: dict[str, int] = field(default_factory=dict)
    pattern: dict[tuple[str, int, str], str] = field(default_factory=dict)
    last_place: dict[str, str] = field(default_factory=dict)
    last_variant: dict[str, str] = field(default_factory=dict)
    previous_week: str | None = None
    worked: dict[str, Any] | None = None


class _Tally:
    """What the worked duties changed, for ``summary.json`` (``history.worked``)."""

    def __init__(self) -> None:
        self.planned = self.worked = 0
        self.changed: dict[tuple[str, str], dict[str, Any]] = {}
        self.matched: set[tuple[str, str]] = set()

    def add(
        self,
        r: dict[str, str],
        duty: WorkedDuty,
        planned_end: int,
        worked_end: int,
        night: bool,
        base: datetime,
    ) -> None:
        key = (r["date"], r["place"])
        self.matched.add(key)
        planned_night = r["night"] in ("1", "True", "true")
        self.planned += planned_night
        self.worked += night
        if night == planned_night and worked_end == planned_end and duty.worked:
            return
        entry = self.changed.setdefault(
            key,
            {
                "date": r["date"],
                "team": r["place"],
                "drove": duty.worked,
                "people": [],
                "planned_end": r["end"],
                "worked_end": (base + timedelta(minutes=worked_end)).isoformat(timespec="minutes")
                if duty.worked
                else None,
                "night_duty": night,
            },
        )
        entry["people"].append(r["person"])

    def summary(self, nights: list[str]) -> dict[str, Any]:
        return {
            "nights": nights,
            "team_nights": len(self.matched),
            "night_duties": {"planned": self.planned, "worked": self.worked},
            "changed": [
                {**v, "people": sorted(v["people"])} for _, v in sorted(self.changed.items())
            ],
        }


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


def _as_worked(
    r: dict[str, str], start: int, end: int, duty: WorkedDuty, base: datetime
) -> tuple[int, int, bool]:
    """A crew member's patrol duty as worked: start, end (minutes from ``base``), night or not."""
    if not duty.worked:
        return start, start, False
    w_start = start + round(duty.late_min)
    w_end = end - round(duty.early_min)
    if duty.last_fix is not None:
        w_end = max(w_end, int((duty.last_fix - base).total_seconds() // 60))
    night = r["night"] in ("1", "True", "true") and 2 * (w_end - w_start) >= end - start
    return w_start, w_end, night


def _worked_index(worked: list[WorkedDuty] | None) -> dict[tuple[str, str], WorkedDuty]:
    """(night ISO date, team) → the worked duty; one entry per team night."""
    out: dict[tuple[str, str], WorkedDuty] = {}
    for d in worked or ():
        out[(d.night.isoformat(), d.team)] = d
    return out


def read_history(
    folder: str | Path | None, monday: date, *, worked: list[WorkedDuty] | None = None
) -> History:
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
    worked
        The patrol nights the duty log recorded (``roster --from-log``): they
        replace the planned duties of the crews rostered on them in the night
        counts and the latest duty ends (the module's rules). None: the planned
        duties stand, and :attr:`History.worked` stays None.

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
    done = _worked_index(worked)
    tally = _Tally()
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
            is_night = r["night"] in ("1", "True", "true")
            duty = done.get((r["date"], r["place"])) if r["role"] == "team_member" else None
            if duty is not None:
                worked_end = end
                start, end, is_night = _as_worked(r, start, end, duty, base)
                tally.add(r, duty, worked_end, end, is_night, base)
            if is_night:
                cum[pid] += 1
            if end > start and end > hist.last_end.get(pid, -(10**9)):
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
    if worked is not None:
        hist.worked = tally.summary(sorted({d.night.isoformat() for d in worked}))
    return hist
