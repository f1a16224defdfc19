"""Build one week's roster: rotations, pools, MILPs, checkpoint seats, rows, summary, diff."""

from __future__ import annotations

import logging
import math
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from borderwatch.errors import ConfigError, ScenarioError, ScenarioWarning
from borderwatch.planfiles.planfile import PlanFile
from borderwatch.roster.config import RosterConfig
from borderwatch.roster.history import History, WorkedDuty, read_history
from borderwatch.roster.model import Pool, PoolResult, solve_pool
from borderwatch.roster.people import Person
from borderwatch.roster.rotation import leader_townships, rotate_variants
from borderwatch.roster.week import (
    DAY,
    RosterSite,
    Slot,
    iso_week,
    make_slots,
    night_minutes,
    week_label,
)

__all__ = ["WeekRoster", "build_week", "duty_windows", "plan_variants"]

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass
class WeekRoster:
    """A built week.

    Attributes
    ----------
    week
        ``YYYY-Www``.
    monday
        First day.
    rows
        Long-format duties (the columns of ``roster.csv``), sorted.
    summary
        What ``summary.json`` holds (deterministic: no timings).
    diff
        Changes against last week: person, day, shift, before, after, reason.
    timings
        Pool label → solve seconds (not written to files).
    """

    week: str
    monday: date
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    diff: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    site: RosterSite | None = None


def _plan_number(value: Any, *, file: str | Path | None, field: str) -> float:
    """A finite, non-negative number of minutes from ``plan.json``, else an error naming it."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError("expected a number of minutes", file=file, field=field, value=value)
    if value < 0:
        raise ScenarioError("minutes cannot be negative", file=file, field=field, value=value)
    return float(value)


def plan_variants(
    plan: Mapping[str, Any], *, file: str | Path | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Team id → route variants (``variant``, ``reverse``, ``phase_min``, ``loop_min``) from ``plan.json``.

    Parameters
    ----------
    plan
        The JSON document of ``plan.json`` (its ``routes`` and, when present,
        ``detection.odds``).
    file
        The plan file, named in the errors.

    Returns
    -------
    dict of str to list of dict
        Team id → its variants in plan order, each with the team's ``loop_min``
        (a drawn detour's own, with its ``detour``) and, when the plan has
        ``detection.odds``, the variant's ``odds`` (they
        sum to 1 per team); a team without variants gets one base variant
        ``"<team>-base"`` (forward, phase 0).

    Raises
    ------
    ScenarioError
        Naming the file, the field (``routes[3].loop_min``) and the value: a
        route that is not an object or has no team, a ``loop_min`` or
        ``phase_min`` that is not a finite number of minutes >= 0, a
        ``reverse`` that is not true/false.
    """
    routes = plan.get("routes")
    if not isinstance(routes, list):
        raise ScenarioError("plan has no list of routes", file=file, field="routes")
    odds = _plan_odds(plan, file=file)
    out: dict[str, list[dict[str, Any]]] = {}
    for i, r in enumerate(routes):
        if not isinstance(r, Mapping):
            raise ScenarioError("a route is an object", file=file, field=f"routes[{i}]", value=r)
        team = r.get("team")
        if not isinstance(team, str) or not team.strip():
            raise ScenarioError(
                "route without a team", file=file, field=f"routes[{i}].team", value=team
            )
        raw_loop = r.get("loop_min")
        loop = (
            0.0
            if raw_loop is None
            else _plan_number(raw_loop, file=file, field=f"routes[{i}].loop_min")
        )
        vs = r.get("variants") or []
        if not isinstance(vs, list):
            raise ScenarioError(
                "variants is a list", file=file, field=f"routes[{i}].variants", value=vs
            )
        good = []
        for j, v in enumerate(vs):
            where = f"routes[{i}].variants[{j}]"
            if not isinstance(v, Mapping) or not {"variant", "reverse", "phase_min"} <= set(v):
                raise ScenarioError(
                    "variant needs variant, reverse, phase_min", file=file, field=where, value=v
                )
            if not isinstance(v["reverse"], bool):
                raise ScenarioError(
                    "reverse is true or false",
                    file=file,
                    field=f"{where}.reverse",
                    value=v["reverse"],
                )
            good.append(
                {
                    "variant": str(v["variant"]),
                    "reverse": v["reverse"],
                    "phase_min": _plan_number(
                        v["phase_min"], file=file, field=f"{where}.phase_min"
                    ),
                    # a drawn detour (issue #25) drives its own, longer loop
                    "loop_min": loop
                    if v.get("detour") is None
                    else _plan_number(v.get("loop_min"), file=file, field=f"{where}.loop_min"),
                }
            )
            if v.get("detour") is not None:
                good[-1]["detour"] = v["detour"]
        if good and odds is not None:
            missing = [str(g["variant"]) for g in good if str(g["variant"]) not in odds]
            if missing:
                raise ScenarioError(
                    "variant has no odds in detection.odds",
                    file=file,
                    field="detection.odds",
                    value=missing[0],
                )
            total = float(sum(odds[str(g["variant"])] for g in good))
            if abs(total - 1.0) > 1e-3:
                raise ScenarioError(
                    f"odds of team {team}'s variants sum to {total:g}, not 1",
                    file=file,
                    field="detection.odds",
                    value=total,
                )
            for g in good:
                g["odds"] = odds[str(g["variant"])]
        if not good:
            good = [
                {"variant": f"{team}-base", "reverse": False, "phase_min": 0.0, "loop_min": loop}
            ]
        out[team] = good
    return out


def _plan_odds(plan: Mapping[str, Any], *, file: str | Path | None) -> dict[str, float] | None:
    """Variant id → odds from ``plan.json``'s ``detection.odds`` (issue #25), or None if absent."""
    det = plan.get("detection")
    if not isinstance(det, Mapping) or det.get("odds") is None:
        return None
    raw = det["odds"]
    if not isinstance(raw, Mapping):
        raise ScenarioError("odds is an object", file=file, field="detection.odds", value=raw)
    out = {}
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise ScenarioError(
                "odds is a probability (0 to 1)", file=file, field=f"detection.odds.{k}", value=v
            )
        out[str(k)] = float(v)
    return out


def duty_windows(
    plan: PlanFile, rotation: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, list[tuple[int, int]]]:
    """Team id -> per night ``(lead_min, tail_min)`` of the night's variant, from the plan's duty times.

    ``lead_min``: minutes from leaving the base to the window start;
    ``tail_min``: from the window end to being back at the base (both whole
    minutes, the plan rounds the leaving time down and the return up). A team
    on standby or on its base route is on duty in the window: ``(0, 0)``.
    """
    out: dict[str, list[tuple[int, int]]] = {}
    for route in plan.routes:
        nights = []
        for pick in rotation.get(route.team, []):
            v = route.variant(str(pick["variant"]))
            nights.append(
                (0, 0) if v is None else (round(plan.lead_min(v)), round(plan.tail_min(v)))
            )
        out[route.team] = nights
    return out


def _checked_inputs(
    site: RosterSite,
    people: Sequence[Person],
    plan: Mapping[str, Any] | None,
    plan_file: str | Path | None,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[Person]], set[str]]:
    """``(variants per team, people by role, standby teams)``, the plan and people cross-checked."""
    variants = (
        plan_variants(plan, file=plan_file)
        if plan is not None
        else {
            t: [{"variant": f"{t}-base", "reverse": False, "phase_min": 0.0, "loop_min": 0.0}]
            for t in site.teams
        }
    )
    missing = [t for t in site.teams if t not in variants]
    if missing:
        raise ScenarioError(
            "plan has no route for a team of the scenario",
            file=plan_file,
            field="routes[].team",
            value=missing[0],
        )
    extra = [t for t in variants if t not in site.teams]
    if extra:
        raise ScenarioError(
            "plan has a route for a team the scenario lacks",
            file=plan_file,
            field="routes[].team",
            value=extra[0],
        )
    by_role: dict[str, list[Person]] = defaultdict(list)
    for p in people:
        by_role[p.role].append(p)
    for p in by_role["team_member"]:
        if p.team not in site.teams:
            raise ScenarioError(f"person {p.id}: unknown team", field="team", value=p.team)
    townships = site.townships
    stray = sorted({p.township for p in by_role["checkpoint_staff"]} - set(townships))
    if stray:
        warnings.warn(
            f"checkpoint staff of township(s) without checkpoints are not rostered: {', '.join(stray)}",
            ScenarioWarning,
            stacklevel=3,
        )

    # teams the plan puts on standby (nothing their vehicle can reach): their crews reinforce
    # the checkpoints or stand by, never drive a route
    standby = {
        str(r.get("team"))
        for r in (plan or {}).get("routes", [])
        if isinstance(r, Mapping) and r.get("status") == "standby"
    }
    single = [t for t in site.teams if len(variants[t]) < 2 and t not in standby]
    if single:
        warnings.warn(
            f"team(s) with a single route variant drive it every night: {', '.join(single)}",
            ScenarioWarning,
            stacklevel=3,
        )
    return variants, by_role, standby


def _pools(
    site: RosterSite,
    config: RosterConfig,
    monday: date,
    by_role: Mapping[str, list[Person]],
    hist: History,
    duty: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> tuple[list[Pool], dict[str, list[Slot]], list[str]]:
    """``(pools, slots by pool, inspected township per day)``: one pool per township, team, leaders."""
    townships = site.townships
    slots = make_slots(site, config, duty)
    ns, nl = night_minutes(site)
    inspect = leader_townships(list(site.border_townships), monday, salt=config.salt)
    for d, t in enumerate(inspect):
        at = d * DAY + ns
        slots.append(
            Slot(
                f"leaders|{d}|inspect", "inspect", "leaders", d, "inspect", at, at + nl, True, 1, t
            )
        )
    by_pool: dict[str, list[Slot]] = defaultdict(list)
    for s in slots:
        by_pool[s.pool].append(s)
    pools: list[Pool] = []
    for t in townships:
        pools.append(
            Pool(
                f"township:{t}",
                t,
                [p for p in by_role["checkpoint_staff"] if p.township == t],
                by_pool[f"township:{t}"],
            )
        )
    for team, (name, _crew) in site.teams.items():
        pools.append(
            Pool(
                f"team:{team}",
                f"team {team} ({name})",
                [p for p in by_role["team_member"] if p.team == team],
                by_pool[f"team:{team}"],
            )
        )
    if inspect:
        pools.append(
            Pool("leaders", "county leaders", by_role["county_leader"], by_pool["leaders"])
        )
    for pool in pools:
        ids = {p.id for p in pool.people}
        pool.cum_nights = {k: v for k, v in hist.cum_nights.items() if k in ids}
        pool.last_end = {k: v for k, v in hist.last_end.items() if k in ids}
        pool.pattern = {k: v for k, v in hist.pattern.items() if k[0] in ids}
    return pools, by_pool, inspect


def _place_rows(
    site: RosterSite,
    people: Sequence[Person],
    label: str,
    monday: date,
    config: RosterConfig,
    results: Mapping[str, PoolResult],
    by_pool: Mapping[str, list[Slot]],
    rotation: Mapping[str, Any],
    standby: set[str],
    inspect: list[str],
    hist: History,
) -> list[dict[str, Any]]:
    """The roster rows: checkpoint seats, team variants, inspected townships, sorted by start."""
    townships = site.townships
    person = {p.id: p for p in people}
    rows: list[dict[str, Any]] = []

    def row(s: Slot, pid: str, place: str, variant: str = "") -> None:
        p = person[pid]
        rows.append(
            {
                "week": label,
                "date": (monday + timedelta(days=s.day)).isoformat(),
                "weekday": s.day,
                "shift": s.shift,
                "start": s.start_dt(monday).isoformat(timespec="minutes"),
                "end": s.end_dt(monday).isoformat(timespec="minutes"),
                "night": int(s.night),
                "person": pid,
                "name": p.name,
                "role": p.role,
                "township": s.place if s.kind != "patrol" else p.township,
                "place": place,
                "variant": variant,
            }
        )

    cps_of: dict[str, list[str]] = defaultdict(list)
    for cp, t in site.checkpoints.items():
        cps_of[t].append(cp)
    homes = _homes(site, people, hist, cps_of)
    for t in townships:
        res = results[f"township:{t}"]
        seats = [cp for cp in cps_of[t] for _ in range(config.staff_per_shift)]
        for s in sorted(by_pool[f"township:{t}"], key=lambda s: s.start):
            who = sorted(res.assigned[s.key])
            if not who:
                continue
            # same checkpoint as in this slot last week, else the home checkpoint
            cost = np.ones((len(who), len(seats)))
            seat_of = {cp: [b for b, c in enumerate(seats) if c == cp] for cp in cps_of[t]}
            for a, pid in enumerate(who):
                home = homes.get(pid)
                if home in seat_of:
                    cost[a, seat_of[home]] = 0.25
                prev = hist.pattern.get((pid, s.day, s.shift))
                if prev in seat_of:
                    cost[a, seat_of[prev]] = 0.0
            ra, cb = linear_sum_assignment(cost)
            for a, b in zip(ra, cb, strict=True):
                row(s, who[a], seats[b])
    for team in site.teams:
        res = results[f"team:{team}"]
        for s in by_pool[f"team:{team}"]:
            v = rotation[team][s.day] if rotation.get(team) else {"variant": ""}
            for pid in sorted(res.assigned[s.key]):
                if team in standby:
                    row(s, pid, f"standby: checkpoint reinforcement ({team})")
                else:
                    row(s, pid, team, str(v["variant"]))
    if inspect:
        for s in by_pool["leaders"]:
            for pid in sorted(results["leaders"].assigned[s.key]):
                row(s, pid, s.place)
    rows.sort(key=lambda r: (r["start"], r["role"], r["place"], r["person"]))
    return rows


def build_week(
    site: RosterSite,
    people: Sequence[Person],
    week: str,
    *,
    plan: PlanFile | Mapping[str, Any] | None = None,
    history: History | str | Path | None = None,
    config: RosterConfig | None = None,
    progress: Progress | None = None,
    plan_file: str | Path | None = None,
    worked: list[WorkedDuty] | None = None,
) -> WeekRoster:
    """Build the roster of ISO ``week`` for ``site``.

    Parameters
    ----------
    site
        Checkpoints, teams, border townships (:meth:`RosterSite.from_scenario`).
    people
        The personnel file (:func:`load_people`).
    week
        ``YYYY-Www``.
    plan
        The plan file (:class:`~borderwatch.planfiles.planfile.PlanFile`, or its
        JSON document): route variants per team and their duty times; a crew's
        patrol duty runs from leaving the base to being back there for the
        night's variant. None: teams drive their base route in the window.
    history
        A :class:`History` or the folder of earlier weeks (read by
        :func:`read_history`); None: no earlier weeks.
    config
        Rules and weights.
    progress
        Called as ``progress(pool_label, i, n)`` before each pool is solved.
    plan_file
        The file ``plan`` was read from, named in the errors about it.
    worked
        Patrol nights as the duty log recorded them (``roster --from-log``): they
        replace the planned duties of earlier weeks in the night counts and the
        rest rule (:func:`read_history`). Only with ``history`` given as a folder.

    Returns
    -------
    WeekRoster
        The week's duties (the rows of ``roster.csv``), its summary, the
        changes against last week and the solve times.

    Raises
    ------
    ScenarioError
        Inconsistent inputs (unknown team, plan without a team of the scenario).
    RosterInfeasibleError
        No roster meets the rules; the message names the pool, day and numbers.
    ConfigError
        ``worked`` given with a :class:`History` already read.
    """
    config = config or RosterConfig()
    monday = iso_week(week)
    label = week_label(monday)
    if isinstance(history, History):
        if worked is not None:
            raise ConfigError(
                "worked duties go with a history folder, not a History already read",
                field="worked",
            )
        hist = history
    else:
        hist = read_history(history, monday, worked=worked)

    if plan is not None and not isinstance(plan, PlanFile):
        plan = PlanFile.from_dict(plan, file=plan_file, error=ScenarioError)
    variants, by_role, standby = _checked_inputs(
        site, people, plan.to_dict() if plan else None, plan_file
    )
    rotation = rotate_variants(variants, label, salt=config.salt, last=hist.last_variant)
    duty = duty_windows(plan, rotation) if plan is not None else None
    pools, by_pool, inspect = _pools(site, config, monday, by_role, hist, duty)

    # -- solve
    results: dict[str, PoolResult] = {}
    for i, pool in enumerate(pools):
        if progress is not None:
            progress(pool.label, i, len(pools))
        results[pool.name] = solve_pool(pool, monday, config)
    if progress is not None:
        progress("done", len(pools), len(pools))

    rows = _place_rows(
        site, people, label, monday, config, results, by_pool, rotation, standby, inspect, hist
    )

    diff = week_diff(rows, hist, people, monday)
    summary = _summary(
        site, people, label, monday, config, results, rotation, variants, inspect, rows, diff, hist
    )
    return WeekRoster(
        label, monday, rows, summary, diff, {r.label: r.seconds for r in results.values()}, site
    )


def _homes(
    site: RosterSite, people: Sequence[Person], hist: History, cps_of: Mapping[str, list[str]]
) -> dict[str, str]:
    """Each checkpoint staffer's home checkpoint: last week's most frequent, else spread evenly."""
    freq: dict[str, Counter[str]] = defaultdict(Counter)
    for r in hist.previous:
        if r.get("role") == "checkpoint_staff":
            freq[r["person"]][r["place"]] += 1
    homes: dict[str, str] = {}
    load: dict[str, Counter[str]] = defaultdict(Counter)
    for p in people:
        if p.role != "checkpoint_staff" or p.township not in cps_of:
            continue
        cps = set(cps_of[p.township])
        known = [(-n, cp) for cp, n in freq[p.id].items() if cp in cps]
        if known:
            homes[p.id] = min(known)[1]
        elif hist.last_place.get(p.id) in cps:
            homes[p.id] = hist.last_place[p.id]
        else:
            continue
        load[p.township][homes[p.id]] += 1
    for p in people:
        if p.role == "checkpoint_staff" and p.township in cps_of and p.id not in homes:
            order = cps_of[p.township]
            pick = min(range(len(order)), key=lambda k: (load[p.township][order[k]], k))
            homes[p.id] = order[pick]
            load[p.township][order[pick]] += 1
    return homes


def week_diff(
    rows: Sequence[Mapping[str, Any]], hist: History, people: Sequence[Person], monday: date
) -> list[dict[str, Any]]:
    """Per person and (weekday, shift): what changed against last week, and a reason.

    Parameters
    ----------
    rows
        This week's duties (the rows of ``roster.csv``: ``person``,
        ``weekday``, ``shift``, ``place``, ``night``).
    hist
        The history; its last week's rows and (person, weekday, shift) → place
        pattern are compared with ``rows``.
    people
        The personnel file, for names, roles and leave.
    monday
        The Monday of this week.

    Returns
    -------
    list of dict
        One row of ``diff.csv`` per (person, weekday, shift) whose place
        changed: ``person``, ``name``, ``role``, ``date``, ``shift``,
        ``before``, ``after`` (empty when none) and ``reason`` (on leave, back
        from leave, new this week, rotation, fairness, covering); empty when
        the history has no previous week.
    """
    if hist.previous_week is None:
        return []
    person = {p.id: p for p in people}
    now = {(r["person"], int(r["weekday"]), r["shift"]): r["place"] for r in rows}
    before = hist.pattern
    known = {k[0] for k in before}
    nights_now = Counter(r["person"] for r in rows if int(r["night"]))
    nights_before = Counter(
        r["person"] for r in hist.previous if r["night"] in ("1", "True", "true")
    )
    out = []
    for key in sorted(set(now) | set(before), key=lambda k: (k[0], k[1], k[2])):
        a, b = before.get(key), now.get(key)
        if a == b:
            continue
        pid, wd, shift = key
        p = person.get(pid)
        day = monday + timedelta(days=wd)
        if p is None:
            reason = "no longer in the personnel file"
        elif p.on_leave(day) or (
            shift in ("night", "patrol", "inspect") and p.on_leave(day + timedelta(days=1))
        ):
            reason = "on leave"
        elif p.on_leave(day - timedelta(days=7)) or (
            pid not in known and any(p.on_leave(monday - timedelta(days=i)) for i in range(1, 8))
        ):
            reason = "back from leave"
        elif pid not in known:
            reason = "new this week"
        elif a is not None and b is not None:
            reason = "township rotation" if p.role == "county_leader" else "checkpoint reassigned"
        elif nights_now[pid] != nights_before[pid]:
            reason = f"fairness: night duties {nights_before[pid]} -> {nights_now[pid]}"
        else:
            reason = "covering for changes (rest and workload rules)"
        out.append(
            {
                "person": pid,
                "name": p.name if p else "",
                "role": p.role if p else "",
                "date": day.isoformat(),
                "shift": shift,
                "before": a or "",
                "after": b or "",
                "reason": reason,
            }
        )
    return out


def _changes(diff: Sequence[Mapping[str, Any]], duties: int) -> dict[str, Any]:
    """How much of the week moved against last week, each moved duty counted once.

    A duty that passes from one person to another is two rows of ``diff.csv``
    (the person who left it, the person who took it); a person moved to another
    place in the same shift is one row. A duty of this week has moved when the
    person holding it did not hold it last week: the rows with an ``after``.
    ``reasons`` counts the rows of ``diff.csv`` (per person changed), ``moved_reasons``
    the moved duties by the reason of the person who took them.
    """
    moved = [d for d in diff if d["after"]]
    return {
        "duties_moved": len(moved),
        "duties": duties,
        "rows": len(diff),
        "people": len({d["person"] for d in diff}),
        "reasons": dict(sorted(Counter(str(d["reason"]).split(":")[0] for d in diff).items())),
        "moved_reasons": dict(
            sorted(Counter(str(d["reason"]).split(":")[0] for d in moved).items())
        ),
    }


def _spreads(results: Mapping[str, PoolResult]) -> dict[str, int]:
    """Largest night-duty spread over all pools: this week, and including history."""
    out = {"night_week_max_spread": 0, "night_total_max_spread": 0}
    for r in results.values():
        for key, name in (
            ("night_week", "night_week_max_spread"),
            ("night_total", "night_total_max_spread"),
        ):
            span: Any = r.fairness[key]
            out[name] = max(out[name], int(span[1]) - int(span[0]))
    return out


def _summary(
    site: RosterSite,
    people: Sequence[Person],
    label: str,
    monday: date,
    config: RosterConfig,
    results: Mapping[str, PoolResult],
    rotation: Mapping[str, list[dict[str, Any]]],
    variants: Mapping[str, list[dict[str, Any]]],
    inspect: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    diff: Sequence[Mapping[str, Any]],
    hist: History,
) -> dict[str, Any]:
    days = [(monday + timedelta(days=d)).isoformat() for d in range(7)]
    leaders = {int(r["weekday"]): r for r in rows if r["role"] == "county_leader"}
    return {
        "week": label,
        "scenario": site.name,
        "dates": days,
        "timezone": site.timezone,
        "night_window": list(site.night_window.pair),
        "config": config.public(),
        "people": dict(sorted(Counter(p.role for p in people).items())),
        "duties": len(rows),
        "checkpoints": len(site.checkpoints),
        "pools": {
            r.label: {
                "people": len({pid for v in r.assigned.values() for pid in v}),
                "person_shifts": sum(len(v) for v in r.assigned.values()),
                "status": r.status,
                "fairness": r.fairness,
            }
            for r in results.values()
        },
        "fairness": _spreads(results),
        "teams": {
            t: {
                "loop_min": float(variants[t][0].get("loop_min", 0.0)) if variants.get(t) else 0.0,
                "nights": [str(v["variant"]) for v in rotation.get(t, [])],
                "variants": len(variants.get(t, [])),
                # how the nights were drawn: with the plan's odds (recorded), or the
                # older no-repeat rotation when plan.json carries no odds
                "draw": "odds" if any("odds" in v for v in variants.get(t, [])) else "rotation",
                "odds": {
                    str(v["variant"]): round(float(v["odds"]), 6)
                    for v in variants.get(t, [])
                    if "odds" in v and float(v["odds"]) > 0
                },
            }
            for t in site.teams
        },
        "inspections": [
            {
                "date": days[d],
                "township": inspect[d],
                "leader": leaders[d]["person"] if d in leaders else "",
            }
            for d in range(len(inspect))
        ],
        "history": {
            "weeks": hist.weeks,
            "previous": hist.previous_week,
            **({"worked": hist.worked} if hist.worked is not None else {}),
        },
        "changes": _changes(diff, len(rows)),
    }
