"""What the pages of the night briefing say, computed from a plan folder (no drawing here).

Every function returns plain values (dicts, lists, strings, floats) that the
HTML template and the charts take; names from the data stay raw here and are
escaped by the template.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from borderwatch.data.units import unit_runs
from borderwatch.maps.brief.inputs import route_status
from borderwatch.maps.brief.labels import HIGHWAY

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.maps.brief.inputs import PlanFolder, RosterNight

__all__ = [
    "Turn",
    "clock",
    "commander_figures",
    "detour_words",
    "minutes_of",
    "nearest_checkpoints",
    "no_road_stretches",
    "route_geometry",
    "staffing",
    "township_rows",
    "turn_list",
    "variant_text",
    "variant_walk",
    "worst_revisit_place",
]

_VARIANT = re.compile(r"^(?P<team>.+)-(?P<dir>[fr])(?P<phase>\d+)$")


def minutes_of(hhmm: str) -> int:
    """Minutes after midnight of ``"HH:MM"``."""
    return int(hhmm[:2]) * 60 + int(hhmm[3:5])


def clock(minutes: float) -> str:
    """``"HH:MM"`` of minutes after midnight (wraps at 24 h, rounded to the minute)."""
    m = round(minutes) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _teams_of(cell: Any) -> list[str]:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return []
    return [t for t in str(cell).split(";") if t]


def _patrolled(units: Any) -> np.ndarray:
    """Mask of the units some patrol passes (a finite worst interval, not ``never_passed``)."""
    worst = units["worst_revisit_min"].to_numpy(dtype=float)
    ok = np.isfinite(worst)
    if "never_passed" in units.columns:
        ok &= ~units["never_passed"].to_numpy(dtype=bool)
    return np.asarray(ok)


def worst_revisit_place(folder: PlanFolder) -> dict[str, Any]:
    """The plan's worst revisit (``plan.json``) and where on the border it is.

    Uses ``plan.json``'s own ``worst_revisit`` location when it has one, else the
    patrolled unit with the longest worst interval in ``units.gpkg``.
    """
    plan = folder.plan
    value = float(plan.get("worst_revisit_min", math.nan))
    given: Any = plan.get("worst_revisit_at") or plan.get("worst_revisit")
    if isinstance(given, dict) and "start_km" in given:
        fallback = given["worst_revisit_min"] if "worst_revisit_min" in given else given.get("min")
        if not math.isfinite(value) and fallback is not None:
            value = float(fallback)
        return {
            "value": value,
            "start_km": float(given["start_km"]),
            "end_km": float(given["end_km"] if "end_km" in given else given["start_km"]),
            "township": str(given.get("township", "")),
            "teams": [str(t) for t in given.get("teams", [])]
            if isinstance(given.get("teams"), list)
            else _teams_of(given.get("team")),
        }
    units = folder.units
    ok = _patrolled(units)
    if not ok.any():
        return {
            "value": value,
            "start_km": math.nan,
            "end_km": math.nan,
            "township": "",
            "teams": [],
        }
    worst = np.where(ok, units["worst_revisit_min"].to_numpy(dtype=float), -np.inf)
    top = float(worst.max())
    # where the plan's figure is: the units whose interval is the plan's worst (within half a
    # minute), else the units with the longest interval
    hit = np.abs(worst - value) <= 0.5 if math.isfinite(value) else np.zeros(len(worst), bool)
    if not hit.any():
        hit = worst >= top - 1.0
    runs = unit_runs(
        hit, units["part"].to_numpy() if "part" in units.columns else np.zeros(len(units))
    )
    i, j = max(runs, key=lambda r: (worst[r[0] : r[1] + 1].max(), r[1] - r[0]))
    teams = (
        sorted({t for k in range(i, j + 1) for t in _teams_of(units["teams"].iat[k])})
        if ("teams" in units.columns)
        else []
    )
    return {
        "value": value if math.isfinite(value) else top,
        "start_km": float(units["start_m"].iat[i]) / 1000,
        "end_km": float(units["end_m"].iat[j]) / 1000,
        "township": str(units["township"].iat[i]),
        "teams": teams,
    }


def commander_figures(folder: PlanFolder) -> dict[str, Any]:
    """The headline figures of the night."""
    s, plan, units = folder.summary, folder.plan, folder.units
    length = units["length_m"].to_numpy(dtype=float)
    never = (
        units["never_passed"].to_numpy(dtype=bool)
        if "never_passed" in units.columns
        else ~_patrolled(units)
    )
    statuses = [route_status(r)[0] for r in folder.routes]
    return {
        "watched_pct": float(s.get("watched_pct", math.nan)),
        "gap_km": float(s.get("gap_km", math.nan)),
        "n_gaps": int(s.get("n_gaps", len(folder.gaps))),
        "worst": worst_revisit_place(folder),
        "never_passed_km": float(length[never].sum()) / 1000,
        "max_loop_min": float(plan.get("max_loop_min", math.nan)),
        "n_patrol": statuses.count("patrol"),
        "n_standby": statuses.count("standby"),
        "border_km": float(s.get("border_km", length.sum() / 1000)),
        "n_checkpoints": int(s.get("n_checkpoints", 0)),
        "target_min": folder.target_min,
    }


def township_order(folder: PlanFolder) -> list[str]:
    """Border townships in chainage order (where each first appears)."""
    seen: dict[str, None] = {}
    for name in folder.units["township"].astype(str):
        if name and name != "nan":
            seen.setdefault(name, None)
    return list(seen)


def _gap_townships(cell: Any) -> list[str]:
    return [t for t in str(cell).split(";") if t and t != "nan"]


def township_rows(folder: PlanFolder) -> list[dict[str, Any]]:
    """One row per border township: km, watched %, gaps, worst revisit, never passed, teams."""
    units = folder.units
    names = units["township"].astype(str).to_numpy()
    length = units["length_m"].to_numpy(dtype=float)
    watched = (
        units["watched"].to_numpy(dtype=bool) if "watched" in units.columns else _patrolled(units)
    )
    ok = _patrolled(units)
    worst = units["worst_revisit_min"].to_numpy(dtype=float)
    rows = []
    for name in township_order(folder):
        sel = names == name
        gaps = [
            str(g)
            for g, tw in zip(folder.gaps["gap"], folder.gaps.get("township", ""), strict=False)
            if name in _gap_townships(tw)
        ]
        gap_km = float(length[sel & ~watched].sum()) / 1000
        teams = sorted(
            {t for cell in units["teams"].to_numpy()[sel] for t in _teams_of(cell)}
            if "teams" in units.columns
            else set()
        )
        pw = worst[sel & ok]
        rows.append(
            {
                "township": name,
                "km": float(length[sel].sum()) / 1000,
                "watched_pct": 100.0
                * float(length[sel & watched].sum())
                / float(length[sel].sum()),
                "gap_km": gap_km,
                "gaps": gaps,
                "worst_min": float(pw.max()) if len(pw) else math.nan,
                "never_km": float(length[sel & ~ok].sum()) / 1000,
                "teams": teams,
                "start_km": float(units["start_m"].to_numpy()[sel].min()) / 1000,
                "end_km": float(units["end_m"].to_numpy()[sel].max()) / 1000,
            }
        )
    return rows


def no_road_stretches(folder: PlanFolder) -> list[dict[str, Any]]:
    """Runs of units with no road in view (``road_in_view`` false), with township and distance."""
    units = folder.units
    if "road_in_view" not in units.columns:
        return []
    bad = ~units["road_in_view"].to_numpy(dtype=bool)
    part = units["part"].to_numpy() if "part" in units.columns else np.zeros(len(units))
    near = (
        units["nearest_road_m"].to_numpy(dtype=float)
        if "nearest_road_m" in units.columns
        else np.full(len(units), math.nan)
    )
    out = []
    for i, j in unit_runs(bad, part):
        seg = near[i : j + 1]
        out.append(
            {
                "start_km": float(units["start_m"].iat[i]) / 1000,
                "end_km": float(units["end_m"].iat[j]) / 1000,
                "length_km": float(units["length_m"].iloc[i : j + 1].sum()) / 1000,
                "township": str(units["township"].iat[i]),
                "village": str(units["village"].iat[i]) if "village" in units.columns else "",
                "nearest_road_km": float(np.nanmin(seg)) / 1000  # the least, as report.txt
                if np.isfinite(seg).any()
                else math.nan,
            }
        )
    return out


def staffing(
    network: PatrolNetwork, roster: RosterNight | None, townships: list[str]
) -> list[dict[str, Any]]:
    """Checkpoint staffing per township tonight: checkpoints, people per shift, staffed at night."""
    if roster is None:
        return []
    cps = network.checkpoints
    tw = cps["township"].astype(str) if "township" in cps.columns else None
    order = list(townships) + sorted(
        {str(x) for x in (tw if tw is not None else [])} - set(townships)
    )
    out = []
    for name in order:
        ids = [str(i) for i in cps.index[tw == name]] if tw is not None else []
        if not ids:
            continue
        evening = sum(len(roster.shifts.get(c, {}).get("evening", [])) for c in ids)
        night = sum(len(roster.shifts.get(c, {}).get("night", [])) for c in ids)
        staffed = sum(1 for c in ids if roster.shifts.get(c, {}).get("night"))
        out.append(
            {
                "township": name,
                "checkpoints": len(ids),
                "evening": evening,
                "night": night,
                "staffed_night": staffed,
                "inspected": roster.leader is not None and roster.leader["township"] == name,
            }
        )
    return out


def route_geometry(network: PatrolNetwork, steps: list[list[Any]]) -> shapely.LineString:
    """The loop of ``steps`` (``[edge, forward]``) as one projected line in driving order."""
    geoms = network.edges.geometry.to_numpy()
    coords: list[tuple[float, float]] = []
    for e, fwd in steps:
        c = list(geoms[int(e)].coords)
        if not fwd:
            c.reverse()
        coords.extend(c[1:] if coords else c)
    if len(coords) < 2:
        return shapely.LineString()
    return shapely.LineString(coords)


@dataclass(frozen=True)
class Turn:
    """One stretch of a turn list: consecutive edges of the same road."""

    road: str
    named: bool
    km: float
    cum_km: float
    cum_min: float


def road_label(name: Any, highway: Any, lang: str) -> tuple[str, bool]:
    """A road's name, or its class in words; and whether it was a name."""
    text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    if text.strip():
        return text.strip(), True
    cls = str(highway or "")
    return HIGHWAY[lang].get(cls, cls or "—"), False


def turn_list(
    network: PatrolNetwork, steps: list[list[Any]], vehicle: str, lang: str
) -> list[Turn]:
    """The loop as stretches of one road each: road (name or class), km, cumulative km and minutes."""
    edges = network.edges
    secs = network.edge_seconds(vehicle)
    names = edges["name"].to_numpy() if "name" in edges.columns else [""] * len(edges)
    hw = edges["highway"].to_numpy() if "highway" in edges.columns else [""] * len(edges)
    lengths = edges["length"].to_numpy(dtype=float)
    out: list[Turn] = []
    cur: tuple[str, bool] | None = None
    km = cum_km = cum_min = 0.0
    for e, _ in steps:
        e = int(e)
        label = road_label(names[e], hw[e], lang)
        step_min = float(secs[e]) / 60 if math.isfinite(float(secs[e])) else 0.0
        if cur is not None and label != cur:
            out.append(Turn(cur[0], cur[1], km, cum_km, cum_min))
            km = 0.0
        cur = label
        km += lengths[e] / 1000
        cum_km += lengths[e] / 1000
        cum_min += step_min
    if cur is not None:
        out.append(Turn(cur[0], cur[1], km, cum_km, cum_min))
    return out


def nearest_checkpoints(network: PatrolNetwork, geom: Any, *, k: int = 4) -> list[dict[str, Any]]:
    """The ``k`` checkpoints nearest to ``geom`` (a route line or a base point)."""
    cps = network.checkpoints
    if not len(cps) or geom is None or shapely.is_empty(geom):
        return []
    d = shapely.distance(cps.geometry.to_numpy(), geom)
    order = np.lexsort((np.arange(len(cps)), d))[:k]
    return [
        {
            "id": str(cps.index[i]),
            "name": str(cps["name"].iat[i]) if "name" in cps.columns else str(cps.index[i]),
            "township": str(cps["township"].iat[i]) if "township" in cps.columns else "",
            "km": float(d[i]) / 1000,
        }
        for i in order
    ]


def local_hhmm(iso: str) -> str:
    """``"HH:MM"`` of an ISO 8601 local time of ``plan.json`` (``2026-12-17T19:14:00+08:00``)."""
    return iso[11:16]


def plan_leave(route: dict[str, Any], night_start: str) -> str:
    """When the plan has the team leave its base on its own schedule (variant ``-f0``).

    A team without a leaving time (on standby) is at its base at the window start.
    """
    leave = route["leave_base"]
    return local_hhmm(leave) if leave else night_start


def variant_duty(route: dict[str, Any], code: str | None) -> dict[str, Any] | None:
    """Tonight's variant entry of a ``plan.json`` route with its duty times (:mod:`borderwatch.plan.duty`).

    The roster's ``code``; without a roster, or for a code the plan does not
    hold, the plan's own schedule (the first variant). None on standby.
    """
    variants = [v for v in route["variants"] if isinstance(v, dict)]
    chosen = next((v for v in variants if v["variant"] == code), None)
    return chosen or (variants[0] if variants else None)


def variant_walk(
    route: dict[str, Any], duty: dict[str, Any] | None
) -> tuple[list[list[Any]], tuple[int, int] | None]:
    """The loop tonight's variant drives, and where its turn-back lies in it.

    Parameters
    ----------
    route
        The ``plan.json`` route entry (``steps``).
    duty
        Tonight's variant entry (:func:`variant_duty`), or None.

    Returns
    -------
    tuple
        The steps in driving order (a drawn detour's ``detour_steps`` inserted
        after its stretch, then reversed for a reversed variant), and for a
        drawn detour the steps ``[a, b)`` of that walk where the stretch is
        driven three times (None for a plain variant).
    """
    steps = [list(x) for x in route["steps"]]
    block = None
    if duty is not None and duty.get("detour") is not None:
        i, j = (int(x) for x in duty["detour"])
        steps = steps[:j] + [list(x) for x in duty["detour_steps"]] + steps[j:]
        block = (i, j + 2 * (j - i))
    if duty is not None and duty.get("reverse"):
        steps = [[e, not f] for e, f in reversed(steps)]
        if block is not None:
            block = (len(steps) - block[1], len(steps) - block[0])
    return steps, block


def detour_words(
    network: PatrolNetwork,
    route: dict[str, Any],
    duty: dict[str, Any],
    loop_start: float,
    t: dict[str, str],
    lang: str,
) -> str:
    """A drawn detour's turn-back in words for the route card (empty for a plain variant).

    ``loop_start``: minutes after midnight of the first loop's start.
    """
    steps, block = variant_walk(route, duty)
    if block is None:
        return ""
    secs = np.asarray(network.edge_seconds(str(route["vehicle"])), dtype=float)
    mins = np.array([secs[int(e)] / 60 if math.isfinite(secs[int(e)]) else 0.0 for e, _ in steps])
    a, b = block
    at = float(mins[:a].sum())
    length = float(mins[a : a + (b - a) // 3].sum())
    edges = network.edges
    names = edges["name"].to_numpy() if "name" in edges.columns else [""] * len(edges)
    hw = edges["highway"].to_numpy() if "highway" in edges.columns else [""] * len(edges)
    roads: list[str] = []
    for e, _ in steps[a : a + (b - a) // 3]:
        label, named = road_label(names[int(e)], hw[int(e)], lang)
        if named and label not in roads:
            roads.append(label)
    via = (
        (f"（{'、'.join(roads)}）" if lang == "zh" else f" along {', '.join(roads)}")
        if roads
        else ""
    )
    return t["variant_detour"].format(
        at=f"{at:.0f}",
        clock=clock(loop_start + at),
        via=via,
        len=f"{length:.1f}",
        loop=f"{float(duty['loop_min']):.1f}",
        plain=f"{float(route['loop_min']):.1f}",
    )


def variant_text(
    route: dict[str, Any], code: str | None, night_start: str, t: dict[str, str]
) -> tuple[str, str, bool]:
    """Tonight's variant in words, and the time to leave base.

    Parameters
    ----------
    route
        The ``plan.json`` route entry (``variants``: ``variant``, ``reverse``, ``phase_min``).
    code
        Tonight's variant code from the roster (``"T05-r1"``), or None without a roster.
    night_start
        ``"HH:MM"`` of the night window's start.
    t
        The briefing's labels.

    Returns
    -------
    tuple
        ``(words, leave_base "HH:MM", reverse)``. The leaving time is the plan's
        duty time of that variant (``plan.json`` ``variants[].leave_base``, the
        one the roster and the calendars give); the words compare it with the
        plan's own leaving time.
    """
    planned = plan_leave(route, night_start)
    if code is None:
        return t["variant_none"].format(clock=planned), planned, False
    if code.endswith("-base"):
        return t["variant_base"], planned, False
    v = next((x for x in route["variants"] if x["variant"] == code), None)
    if v is None:
        return code, planned, False
    reverse = bool(v["reverse"])
    leave = local_hhmm(v["leave_base"])
    leave_min = minutes_of(leave)
    # difference to the plan's time, in (-12 h, 12 h]
    diff = round((leave_min - minutes_of(planned) + 720) % 1440 - 720)
    direction = t["variant_reverse"] if reverse else t["variant_forward"]
    if diff == 0:
        when = t["variant_same"].format(clock=leave)
    elif diff > 0:
        when = t["variant_later"].format(clock=leave, plan=planned, m=diff)
    else:
        when = t["variant_earlier"].format(clock=leave, plan=planned, m=-diff)
    sep = "，" if t["north"] == "北" else ", "
    return f"{direction}{sep}{when}", leave, reverse
