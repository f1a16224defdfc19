"""Fairness recomputed from the roster rows themselves (docs/roster.md, "Rules").

Comparable people: same pool (a township's checkpoint staff, a team's members, the county
leaders), no leave on any day a week's duties can touch (Sunday before to Monday after: a
22-06 shift of Sunday ends on Monday, and the rest rule reaches back into the Sunday before;
the same window the solver uses). Spreads are [min, max] of night duties this week,
night duties including the earlier weeks, and all duties this week.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from borderwatch.roster import Person, RosterSite


def pools_of(people: Iterable[Person], site: RosterSite) -> dict[str, list[Person]]:
    """People per pool, keyed by the pool labels of ``summary.json``."""
    out: dict[str, list[Person]] = {}
    for p in people:
        if p.role == "checkpoint_staff":
            out.setdefault(p.township, []).append(p)
        elif p.role == "team_member":
            out.setdefault(f"team {p.team} ({site.teams[p.team][0]})", []).append(p)
        elif p.role == "county_leader":
            out.setdefault("county leaders", []).append(p)
    return out


def comparable(p: Person, monday: date) -> bool:
    return not any(p.on_leave(monday + timedelta(days=d)) for d in range(-1, 8))


def fairness_from_rows(
    rows: Iterable[Mapping[str, Any]],
    people: Iterable[Person],
    site: RosterSite,
    monday: date,
    earlier_rows: Iterable[Mapping[str, Any]] = (),
) -> dict[str, dict[str, list[int]]]:
    """Per pool: ``night_week``, ``night_total`` and ``duties_week`` as [min, max]."""
    rows = list(rows)
    nights = Counter(r["person"] for r in rows if int(r["night"]))
    duties = Counter(r["person"] for r in rows)
    before = Counter(r["person"] for r in earlier_rows if int(r["night"]))
    out = {}
    for label, members in pools_of(people, site).items():
        comp = [p.id for p in members if comparable(p, monday)]
        if not comp:
            continue

        def span(count: Mapping[str, int], ids: list[str] = comp) -> list[int]:
            vals = [count.get(i, 0) for i in ids]
            return [min(vals), max(vals)]

        total = Counter({i: nights.get(i, 0) + before.get(i, 0) for i in comp})
        out[label] = {
            "night_week": span(nights),
            "night_total": span(total),
            "duties_week": span(duties),
        }
    return out
