"""The crossing simulator agrees with the in-night draws' closed form (issue #25).

A generated 20 km scenario is planned; every team drives nights whose loop
directions follow sealed cards (``P(reverse) = 0.5``), written as GPX tracks.
The simulator (:mod:`borderwatch.coverage.crossings`) replays a watching
crossing after every moment a team came by (at least 10,000 crossings) and
must land within 1 percentage point of the closed form
(:class:`~borderwatch.coverage.detection.DrawTable`) on the same situations;
the gaps the tracks hold never exceed the closed form's worst revisit.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from borderwatch import build_network, load_scenario
from borderwatch.cli import app
from borderwatch.config import SearchParams
from borderwatch.coverage.crossings import replay_watching_draws, sightings_from_gpx
from borderwatch.coverage.detection import crossing_minutes
from borderwatch.coverage.static import checkpoint_watch
from borderwatch.jobs import run_plan
from borderwatch.plan.draws import (
    drawn_timeline,
    expected_seen,
    in_night_detection,
    sealed_list,
)
from borderwatch.planfiles.export import _gpx, _gpx_tracks, _night_start

NIGHT = date(2026, 12, 1)
P_REV = 0.5
TAU = 10.0

pytestmark = pytest.mark.slow


def test_simulated_watchers_agree_with_the_draws_closed_form(tmp_path: Path) -> None:
    folder = tmp_path / "s20"
    made = CliRunner().invoke(
        app, ["scenario", "generate", "--border-km", "20", "--seed", "3", "--out", str(folder)]
    )
    assert made.exit_code == 0, made.output
    net = build_network(load_scenario(folder))
    plan, _ = run_plan(
        net,
        tmp_path / "plan",
        night=NIGHT,
        map_html=False,
        search=SearchParams(max_iterations=100, seed=0),
    )
    window = float(net.config.night_minutes)
    tau = crossing_minutes(net, crossing_min=TAU)
    cp = checkpoint_watch(net)["watched"].to_numpy(dtype=bool)
    inn = in_night_detection(net, plan.routes, tau, cp, p_reverse=P_REV)
    routes = {r.team: r for r in plan.routes if r.on_patrol}
    units = np.arange(len(net.units))
    total = seen = 0
    closed = 0.0
    mid_n = mid_seen = 0
    mid_closed = 0.0
    longest = {team: 0.0 for team in routes}
    night = 0
    while total < 10_000:
        day = NIGHT + timedelta(days=night)
        night += 1
        assert night <= 60, "too few crossings per night"
        cards = {
            team: sealed_list("test", day, team, math.ceil(window / (r.loop_s / 60.0)) + 1, P_REV)
            for team, r in routes.items()
        }
        tl = drawn_timeline(net, plan.routes, cards, window)
        nplan = dataclasses.replace(plan, schedule=dataclasses.replace(plan.schedule, timeline=tl))
        tracks = _gpx_tracks(net, nplan, NIGHT)
        for team, r in routes.items():
            f = tmp_path / f"{team}.gpx"
            f.write_text(_gpx(tracks, [team]), encoding="utf-8")
            sights = sightings_from_gpx(
                net, [f], window_start=_night_start(net, NIGHT), window_min=window
            )
            tab = inn.tables[team]
            res = replay_watching_draws(sights, r.loop_s / 60.0, cards[team], tau, window, units)
            for (u, prev, card), (n, k) in res.items():
                expect = expected_seen(tab, u, prev, card, P_REV)
                assert math.isfinite(expect), (team, u, prev, card)
                total += n
                seen += k
                closed += n * expect
                if 0 < expect < 1:
                    mid_n += n
                    mid_seen += k
                    mid_closed += n * expect
            for u, t in sights.times.items():
                if len(t) > 1 and u in set(tab.unit.tolist()):
                    longest[team] = max(longest[team], float(np.diff(t).max()))
    assert total >= 10_000
    assert abs(seen / total - closed / total) < 0.01, (seen / total, closed / total, total)
    # the situations whose outcome is the next card's: the draws at work, not 0/1 bookkeeping
    assert mid_n >= 200, mid_n
    sd = math.sqrt(0.25 / mid_n)
    assert abs(mid_seen / mid_n - mid_closed / mid_n) < 4 * sd + 0.01, (mid_seen, mid_closed, mid_n)
    for team, tab in inn.tables.items():
        assert longest[team] <= float(tab.worst_revisit(P_REV).max()) + 0.2, team
