"""The trial-plan check of small splits (plan/sectors.py ``_trial_split``, issue #24 item 4).

200 km seed 6, 16 teams: the balanced split (178 km / 14 teams + 22 km / 2 teams) keeps
every sector's bounds within 2 % of the whole border's, yet its sector 1 plans at 158.9 min
against the whole plan's 153.2 (1.038): no bound sees it. The trial plans (the whole border
and each sector with the default search) do, and move the cut or refuse the split.
"""

from __future__ import annotations

import re

import pytest

from borderwatch.plan import sectors
from borderwatch.plan.sectors import split_sectors


@pytest.fixture(scope="module")
def net200():  # type: ignore[no-untyped-def]
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    return build_network(generate_scenario(200, seed=6))


def _shape(split) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return [(round(s.km), len(s.teams)) for s in split]


@pytest.mark.slow
def test_the_trial_moves_a_cut_no_bound_sees(net200, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level("INFO", logger="borderwatch.plan.sectors"):
        split = split_sectors(net200, 2)
    # the old code kept 178/14 + 22/2 (trial loops 158.9 against the whole's 153.2)
    assert _shape(split) == [(190, 15), (10, 1)]
    line = next(r.getMessage() for r in caplog.records if "trial plans" in r.getMessage())
    m = re.search(r"longest loop ([\d.]+) -> ([\d.]+) min \(the whole border's ([\d.]+)\)", line)
    assert m is not None, line
    before, after, whole = (float(x) for x in m.groups())
    assert before > 1.02 * whole and after <= 1.02 * whole
    assert all(len(s.lost_units) == 0 for s in split)


@pytest.mark.slow
def test_a_split_no_trial_move_mends_is_refused_in_one_line(
    net200,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sectors, "TRIAL_WINDOW", 0)  # no cut move to try: refuse
    with caplog.at_level("WARNING", logger="borderwatch.plan.sectors"):
        split = split_sectors(net200, 2)
    assert len(split) == 1 and split[0].teams == tuple(net200.teams.index)
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) == 1, lines
    m = re.search(
        r"sector 1 \(km 0\.0-17[\d.]+\) refused: its trial plan's longest loop ([\d.]+) min "
        r"exceeds the whole border's trial plan's ([\d.]+) min by more than 2 %",
        lines[0],
    )
    assert m is not None, lines[0]
    assert float(m.group(1)) > 1.02 * float(m.group(2))


@pytest.mark.slow
def test_large_splits_run_no_trial(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past TRIAL_MAX_LINKS the split is the bounds' alone (no trial plan is made)."""
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario

    net = build_network(generate_scenario(60, seed=0))

    class NoTrial:
        def __init__(self, *_: object) -> None:
            raise AssertionError("a trial plan past TRIAL_MAX_LINKS")

    monkeypatch.setattr(sectors, "_Trial", NoTrial)
    monkeypatch.setattr(sectors, "TRIAL_MAX_LINKS", 0)
    assert _shape(split_sectors(net, 2)) == [(35, 3), (25, 2)]
    monkeypatch.setattr(sectors, "TRIAL_MAX_LINKS", 150)
    with pytest.raises(AssertionError, match="a trial plan"):
        split_sectors(net, 2)
