"""The printable night briefing: one pack per night for the commander and every crew.

:func:`write_brief` reads a plan folder (and optionally a roster week) and
writes ``brief.html`` and ``brief.pdf`` (A4): a commander page (headline
figures, the revisit interval along the border, a table per township, the
stretches no road reaches, tonight's inspecting leader and checkpoint
staffing), a page per border township, a route card per patrolling team and a
standby card per team on standby. See ``docs/brief.md``.
"""

from __future__ import annotations

from borderwatch.maps.brief.document import brief_html, write_brief
from borderwatch.maps.brief.inputs import (
    PlanFolder,
    RosterNight,
    read_plan_folder,
    read_roster_night,
    route_status,
)
from borderwatch.maps.brief.pdf import print_pdf

__all__ = [
    "PlanFolder",
    "RosterNight",
    "brief_html",
    "print_pdf",
    "read_plan_folder",
    "read_roster_night",
    "route_status",
    "write_brief",
]
