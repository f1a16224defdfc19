"""The personnel file ``people.csv``: who can be rostered, where, and when not.

Columns: ``id``, ``name``, ``role`` (``team_member``, ``checkpoint_staff`` or
``county_leader``), ``team`` (team id, for team members), ``township`` (for
checkpoint staff: the township whose checkpoints they staff), ``leave``
(optional: ``YYYY-MM-DD..YYYY-MM-DD`` ranges or single days, separated by
``;``, inclusive), ``source`` (optional, e.g. ``synthetic``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from borderwatch.atomic import ID_RULE, id_problem, not_regular
from borderwatch.errors import ScenarioError

__all__ = [
    "ROLES",
    "Person",
    "check_people_teams",
    "load_people",
    "parse_leave",
    "people_from_rows",
]

#: Roles a person can have.
ROLES: tuple[str, ...] = ("team_member", "checkpoint_staff", "county_leader")


@dataclass(frozen=True)
class Person:
    """One row of the personnel file."""

    id: str
    name: str
    role: str
    team: str = ""
    township: str = ""
    leave: tuple[tuple[date, date], ...] = ()
    source: str = ""

    def on_leave(self, day: date) -> bool:
        """Whether ``day`` is a leave day."""
        return any(a <= day <= b for a, b in self.leave)


def parse_leave(
    text: str, *, file: str | Path | None = None, row: int | None = None
) -> tuple[tuple[date, date], ...]:
    """Parse ``"2026-12-01..2026-12-03;2026-12-10"`` into inclusive date ranges.

    Parameters
    ----------
    text
        The ``leave`` cell: ``YYYY-MM-DD..YYYY-MM-DD`` ranges or single days,
        separated by ``;`` (or ``,``); empty for no leave.
    file
        The personnel file, named in the error.
    row
        The row number in the file (header = 1), named in the error.

    Returns
    -------
    tuple of (datetime.date, datetime.date)
        The (first, last) day of each range, both inclusive, sorted; a single
        day is a range of one day.

    Raises
    ------
    ScenarioError
        On field ``leave``: a date that is not ISO, or a range that ends before
        it starts.
    """
    out: list[tuple[date, date]] = []
    for part in str(text or "").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        a, sep, b = part.partition("..")
        try:
            start = date.fromisoformat(a.strip())
            end = date.fromisoformat(b.strip()) if sep else start
        except ValueError:
            raise ScenarioError(
                f"row {row}: leave must be YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, separated by ';'",
                file=file,
                field="leave",
                value=part,
            ) from None
        if end < start:
            raise ScenarioError(
                f"row {row}: leave range ends before it starts",
                file=file,
                field="leave",
                value=part,
            )
        out.append((start, end))
    return tuple(sorted(out))


def people_from_rows(rows: list[dict[str, str]], *, file: str | Path | None = None) -> list[Person]:
    """Validate personnel rows (dicts of column → text) into :class:`Person` objects.

    Parameters
    ----------
    rows
        The rows of ``people.csv`` after its header, each a dict of column →
        text (columns ``id``, ``name``, ``role``, ``team``, ``township``,
        ``leave``, ``source``).
    file
        The personnel file, named in the errors.

    Returns
    -------
    list of Person
        One person per row, in file order (the name defaults to the id).

    Raises
    ------
    ScenarioError
        Naming the row, the column and the value: an empty, duplicate or unsafe
        id, an unknown role, a team member without a team, checkpoint staff
        without a township, or bad leave.
    """
    people: list[Person] = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        pid = str(row.get("id") or "").strip()
        if not pid:
            raise ScenarioError(f"row {i}: empty id", file=file, field="id", value=pid)
        if pid in seen:
            raise ScenarioError(f"row {i}: duplicate id", file=file, field="id", value=pid)
        problem = id_problem(pid)
        if problem is not None:  # ids become calendar file names: data, never paths
            raise ScenarioError(
                f"row {i}: not an id ({problem}); an id is {ID_RULE}",
                file=file,
                field="id",
                value=pid,
            )
        seen.add(pid)
        role = str(row.get("role") or "").strip()
        if role not in ROLES:
            roles = ", ".join(ROLES)
            raise ScenarioError(
                f"row {i}: role must be one of {roles}", file=file, field="role", value=role
            )
        team = str(row.get("team") or "").strip()
        township = str(row.get("township") or "").strip()
        if role == "team_member" and not team:
            raise ScenarioError(
                f"row {i}: a team member needs a team", file=file, field="team", value=pid
            )
        if role == "checkpoint_staff" and not township:
            raise ScenarioError(
                f"row {i}: checkpoint staff need a township", file=file, field="township", value=pid
            )
        people.append(
            Person(
                id=pid,
                name=str(row.get("name") or "").strip() or pid,
                role=role,
                team=team,
                township=township,
                leave=parse_leave(row.get("leave") or "", file=file, row=i),
                source=str(row.get("source") or "").strip(),
            )
        )
    return people


def check_people_teams(
    people: Sequence[Person], teams: Iterable[str], *, file: str | Path | None = None
) -> None:
    """Check that every team member's team is a team of the scenario.

    Parameters
    ----------
    people
        The rows of ``people.csv`` in file order (:func:`load_people`).
    teams
        The scenario's team ids.
    file
        The personnel file, named in the error.

    Raises
    ------
    ScenarioError
        Naming the file, the row, the column ``team`` and the value.
    """
    known = list(dict.fromkeys(teams))
    for i, p in enumerate(people, start=2):
        if p.role == "team_member" and p.team not in known:
            raise ScenarioError(
                f"row {i} (id {p.id!r}): unknown team; known: {', '.join(known)}",
                file=file,
                field="team",
                value=p.team,
            )


def load_people(path: str | Path) -> list[Person]:
    """Read and validate ``people.csv`` (UTF-8, with or without BOM).

    Parameters
    ----------
    path
        The personnel file (columns ``id``, ``name``, ``role`` required).

    Returns
    -------
    list of Person
        One person per row, in file order (:func:`people_from_rows`).

    Raises
    ------
    ScenarioError
        Naming the file, the column and the bad value.
    """
    path = Path(path)
    if not_regular(path):
        raise ScenarioError(f"personnel file {not_regular(path)}", file=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError("personnel file not found", file=path) from None
    except UnicodeDecodeError:
        raise ScenarioError("personnel file is not UTF-8", file=path) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("id", "name", "role") if c not in (reader.fieldnames or [])]
    if missing:
        raise ScenarioError(
            "missing column(s); needs id, name, role, team, township[, leave, source]",
            file=path,
            field=missing[0],
        )
    return people_from_rows(list(reader), file=path)
