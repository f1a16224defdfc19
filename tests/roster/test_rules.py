"""Property tests: every roster rule holds on random small weeks."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderwatch.roster import (
    RosterConfig,
    RosterInfeasibleError,
    build_week,
    iso_week,
    people_from_rows,
    synthetic_people,
)
from tests.roster.helpers import check_rules, tiny_plan, tiny_site


@st.composite
def weeks(draw):
    n_cp = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    crews = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    max_shifts = draw(st.integers(4, 6))
    max_nights = draw(st.integers(2, min(4, max_shifts)))
    config = RosterConfig(
        max_shifts=max_shifts, max_night_shifts=max_nights, salt=draw(st.text(max_size=4))
    )
    site = tiny_site(n_cp, crews)
    seed = draw(st.integers(0, 10_000))
    slack = draw(st.floats(1.1, 1.8))
    rows = synthetic_people(
        site,
        config=config,
        seed=seed,
        n_leaders=draw(st.integers(3, 8)),
        slack=slack,
        leave_share=0.0,
    )
    rng = random.Random(seed)
    monday = iso_week("2026-W49")
    for r in rows:
        if rng.random() < draw(st.sampled_from([0.0, 0.1, 0.2])):
            a = monday + timedelta(days=rng.randrange(-2, 7))
            r["leave"] = f"{a}..{a + timedelta(days=rng.randrange(0, 3))}"
    return site, people_from_rows(rows), config


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weeks())
def test_every_rule_holds(case):
    site, people, config = case
    monday = iso_week("2026-W49")
    try:
        week = build_week(site, people, "2026-W49", plan=tiny_plan(site), config=config)
    except RosterInfeasibleError as exc:
        assert "needs" in str(exc) or "no roster" in str(exc)
        return
    check_rules(week.rows, people, site, config, monday)
    # fairness: night duties within 1 among people without leave, per pool (no history yet)
    for pool in week.summary["pools"].values():
        lo, hi = pool["fairness"]["night_week"]
        assert hi - lo <= 1


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 1000))
def test_rules_hold_on_a_second_week_with_history(tmp_path_factory, seed):
    from borderwatch.roster import write_week

    site = tiny_site((2, 1), (2,))
    config = RosterConfig()
    people = people_from_rows(
        synthetic_people(
            site,
            config=config,
            seed=seed,
            n_leaders=5,
            leave_share=0.1,
            leave_from=iso_week("2026-W49"),
            leave_days=14,
        )
    )
    out = tmp_path_factory.mktemp("hist")
    w1 = build_week(site, people, "2026-W49", plan=tiny_plan(site), config=config, history=out)
    write_week(w1, out, formats=["csv"])
    w2 = build_week(site, people, "2026-W50", plan=tiny_plan(site), config=config, history=out)
    check_rules(w2.rows, people, site, config, iso_week("2026-W50"))
    # rest across the week boundary
    last = {}
    for r in w1.rows:
        last[r["person"]] = max(last.get(r["person"], ""), r["end"])
    from datetime import datetime

    for r in w2.rows:
        if r["person"] in last:
            assert datetime.fromisoformat(r["start"]) >= datetime.fromisoformat(
                last[r["person"]]
            ) + timedelta(hours=12)

    # variants: no repeat across the week boundary either
    def variants(rows):
        return [
            r["variant"]
            for r in sorted(rows, key=lambda r: r["start"])
            if r["role"] == "team_member" and r["place"] == "T1"
        ]

    v1, v2 = variants(w1.rows), variants(w2.rows)
    assert v1[-1] != v2[0]
    # cumulative fairness: comparable people's night totals within 1 over the two weeks
    for pool in w2.summary["pools"].values():
        lo, hi = pool["fairness"]["night_total"]
        assert hi - lo <= 2
