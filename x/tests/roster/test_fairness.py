"""Fairness over consecutive weeks, read from the roster rows (not from the solver's summary)."""

from __future__ import annotations

from pathlib import Path

from borderwatch.roster import (
    RosterConfig,
    build_week,
    iso_week,
    people_from_rows,
    synthetic_people,
    write_week,
)
from tests.roster.fairness import fairness_from_rows
from tests.roster.helpers import check_rules, tiny_plan, tiny_site


def test_three_weeks_stay_fair_cumulatively(tmp_path: Path) -> None:
    site = tiny_site((3, 2), (3, 2))
    config = RosterConfig()
    people = people_from_rows(
        synthetic_people(
            site,
            config=config,
            seed=11,
            n_leaders=6,
            leave_share=0.15,
            leave_from=iso_week("2026-W49"),
            leave_days=21,
        )
    )
    earlier: list[dict] = []
    for label in ("2026-W49", "2026-W50", "2026-W51"):
        monday = iso_week(label)
        week = build_week(
            site, people, label, plan=tiny_plan(site), config=config, history=tmp_path
        )
        write_week(week, tmp_path, formats=["csv"])
        check_rules(week.rows, people, site, config, monday)
        got = fairness_from_rows(week.rows, people, site, monday, earlier_rows=earlier)
        assert len(got) == 5  # two townships, two teams, the leaders
        for pool, spans in got.items():
            for key in ("night_week", "night_total", "duties_week"):
                lo, hi = spans[key]
                assert hi - lo <= 1, (label, pool, key, spans)
            assert {k: week.summary["pools"][pool]["fairness"][k] for k in spans} == spans
        assert week.summary["fairness"]["night_total_max_spread"] == max(
            s["night_total"][1] - s["night_total"][0] for s in got.values()
        )
        earlier += [dict(r) for r in week.rows]
    # the report is not trivially zero: people do different numbers of night duties
    assert (
        max(
            s["night_week"][1] for s in fairness_from_rows(week.rows, people, site, monday).values()
        )
        >= 1
    )
