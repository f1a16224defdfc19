"""Shared helpers of the roster tests: a tiny site and an independent rule checker."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from borderwatch.roster import Person, RosterConfig, RosterSite


def tiny_site(n_cp: tuple[int, ...] = (2, 1), crews: tuple[int, ...] = (2,)) -> RosterSite:
    """Townships A, B, … with ``n_cp`` checkpoints each; teams T1, T2, … with ``crews``."""
    cps: dict[str, str] = {}
    for k, n in enumerate(n_cp):
        for i in range(n):
            cps[f"CP{k}{i}"] = "AB"[k] if k < 2 else f"X{k}"
    return RosterSite(
        name="tiny",
        checkpoints=cps,
        teams={f"T{i + 1}": (f"team {i + 1}", c) for i, c in enumerate(crews)},
        border_townships=tuple(dict.fromkeys(cps.values())),
    )


def tiny_plan(
    site: RosterSite, n_variants: int = 4, *, approach_min: int = 10, back_min: int = 12
) -> dict:
    """A schema-2 ``plan.json`` document for ``site``: 60-min loops, ``n_variants`` per team.

    Variant ``j`` is ``15 * (j // 2)`` minutes into its loop at 20:00, so its crew
    leaves the base ``approach_min`` + that phase before 20:00 and is back
    ``back_min`` after 06:00 (night of 2026-12-07, UTC).
    """
    start = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
    end = start + timedelta(hours=10)

    def iso(t: datetime) -> str:
        return t.isoformat(timespec="seconds")

    def variant(t: str, j: int) -> dict:
        phase = 15.0 * (j // 2)
        on = start - timedelta(minutes=phase)
        return {
            "variant": f"{t}-{'fr'[j % 2]}{j // 2}",
            "reverse": bool(j % 2),
            "phase_min": phase,
            "leave_base": iso(on - timedelta(minutes=approach_min)),
            "on_loop": iso(on),
            "loop_starts": [iso(on + timedelta(hours=k)) for k in range(10 + (phase > 0))],
            "off_loop": iso(end),
            "back_base": iso(end + timedelta(minutes=back_min)),
        }

    routes = []
    for t in site.teams:
        variants = [variant(t, j) for j in range(n_variants)]
        routes.append(
            {
                "team": t,
                "name": f"team {t}",
                "vehicle": "pickup",
                "status": "patrol",
                "standby_reason": "",
                "role": "min-max",
                "note": "",
                "leave_base": variants[0]["leave_base"] if variants else None,
                "approach_min": float(approach_min),
                "loop_km": 20.0,
                "loop_min": 60.0,
                "service_km": 5.0,
                "start_times": variants[0]["loop_starts"] if variants else [],
                "approach": [],
                "steps": [],
                "service": [],
                "colour": None,
                "variants": variants,
            }
        )
    return {
        "schema_version": 2,
        "scenario": site.name,
        "night": "2026-12-07",
        "night_window": ["20:00", "06:00"],
        "timezone": "UTC",
        "seed": 0,
        "cut_min": None,
        "routes": routes,
    }


def check_rules(
    rows, people: list[Person], site: RosterSite, config: RosterConfig, monday: date
) -> None:
    """Assert every hard rule on the rows of one week (independently of the solver)."""
    person = {p.id: p for p in people}
    by_person = defaultdict(list)
    for r in rows:
        s, e = datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])
        by_person[r["person"]].append((s, e, r))
        p = person[r["person"]]
        assert p.role == r["role"]
        # leave honoured: no duty touches a leave day
        d = s.date()
        while d <= (e - timedelta(minutes=1)).date():
            assert not p.on_leave(d), (p.id, d)
            d += timedelta(days=1)
        if p.role == "checkpoint_staff":
            assert site.checkpoints[r["place"]] == p.township
        if p.role == "team_member":
            assert r["place"] == p.team
    rest = timedelta(hours=config.rest_hours)
    for pid, duties in by_person.items():
        duties.sort(key=lambda x: x[0])
        for (s1, e1, _), (s2, _e2, _) in zip(duties, duties[1:], strict=False):
            assert s2 >= e1 + rest, (pid, s1, s2)
        assert len(duties) <= config.max_shifts
        assert sum(int(r["night"]) for *_, r in duties) <= config.max_night_shifts
    # every checkpoint, every shift, staff_per_shift people
    cover = defaultdict(int)
    for r in rows:
        if r["role"] == "checkpoint_staff":
            cover[(r["date"], r["shift"], r["place"])] += 1
    for k in range(7):
        day = (monday + timedelta(days=k)).isoformat()
        for sh in config.shift_names:
            for cp in site.checkpoints:
                assert cover[(day, sh, cp)] == config.staff_per_shift, (day, sh, cp)
    # each team its crew every night, one variant per night, never the same on consecutive nights
    for team, (_n, crew) in site.teams.items():
        nights = defaultdict(set)
        count = defaultdict(int)
        for r in rows:
            if r["role"] == "team_member" and r["place"] == team:
                nights[r["date"]].add(r["variant"])
                count[r["date"]] += 1
        days = [(monday + timedelta(days=k)).isoformat() for k in range(7)]
        assert [count[d] for d in days] == [crew] * 7
        assert all(len(nights[d]) == 1 for d in days)
        seq = [next(iter(nights[d])) for d in days]
        if len(set(seq)) > 1 or len(seq) < 2:
            assert all(a != b for a, b in zip(seq, seq[1:], strict=False))
        else:  # a team whose plan has a single variant (an empty route) repeats it
            assert seq[0].endswith("-base")
    # one leader per night, townships in rotation
    leaders = [r for r in rows if r["role"] == "county_leader"]
    assert len(leaders) == 7
    towns = [r["place"] for r in sorted(leaders, key=lambda r: r["start"])]
    n = len(site.border_townships)
    assert all(towns[i] == towns[i % n] for i in range(7)) and len(set(towns[:n])) == n
