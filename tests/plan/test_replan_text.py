"""The radio diff of a re-plan: one line per change, from a Replan and nothing else."""

from __future__ import annotations

import dataclasses
import math

import pytest

from borderwatch import build_network, load_scenario
from borderwatch.config import SearchParams
from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.i18n import DIFF
from borderwatch.plan.patrols import plan_patrols
from borderwatch.plan.replan import HotStretch, Replan, Takeover, replan
from borderwatch.plan.replan_text import diff_lines as _diff_lines
from borderwatch.plan.replan_text import diff_text, loop_changed
from tests.helpers import add_twin_team, write_toy_scenario


def diff_lines(rp: Replan) -> list[str]:
    """The English radio text (the toy's zone is Asia/Shanghai: its default is Chinese)."""
    return _diff_lines(rp, lang="en")


@pytest.fixture(scope="module")
def rp(tmp_path_factory: pytest.TempPathFactory):
    folder = add_twin_team(write_toy_scenario(tmp_path_factory.mktemp("twin") / "toy"))
    net = build_network(load_scenario(folder))
    plan = plan_patrols(net, search=SearchParams(max_iterations=40, seed=3))
    return replan(
        plan, net, at="02:10", drop=["T2"], hot=["3-5:3"], search=SearchParams(max_iterations=40)
    )


def test_header_takeovers_and_worst_revisit_of_a_real_replan(rp) -> None:
    lines = diff_lines(rp)
    # every figure printed by borderwatch.fmt: chainage and km with 2 decimals, minutes with 1
    assert lines[0] == "Re-plan from 02:10 to 06:00: T2 out; hot km 3.00-5.00 x3."
    assert rp.takeovers, "the toy's T1 must take over T2's roads"
    already = "" if "T1" in rp.changed else " (on its loop already)"
    for tk in rp.takeovers:
        h, m = divmod(math.floor(20 * 60 + tk.first_pass_min) % (24 * 60), 60)
        assert (
            f"T1 takes T2's loop from km {tk.km_from:.2f} to km {tk.km_to:.2f}, "
            f"first pass {h:02d}:{m:02d}{already}"
        ) in lines
    old, new = rp.hot_passes["3.0-5.0"]
    assert f"hot km 3.00-5.00: {new} passes to 06:00 (plan kept: {old})" in lines
    table = rp.revisits
    unit = table.index[(table["worst_revisit_min"] - rp.worst_revisit_min).abs() <= 1e-6][0]
    units = rp.network.units
    mid = (units.loc[unit, "start_m"] + units.loc[unit, "end_m"]) / 2000
    new_km = f", {rp.unpassed_km:.2f} km never passed again" if rp.unpassed_km >= 0.005 else ""
    kept_km = (
        f", {rp.original_unpassed_km:.2f} km never passed again"
        if rp.original_unpassed_km >= 0.005
        else ""
    )
    assert lines[-1] == (
        f"worst revisit rest of night {fmt_min(rp.worst_revisit_min)} at km {mid:.2f}{new_km} "
        f"(plan kept without T2: {fmt_min(rp.original_worst_revisit_min)}{kept_km})"
    )
    # pure: the same re-plan, the same text
    assert diff_text(rp, lang="en") == diff_text(rp, lang="en") == "\n".join(lines) + "\n"


def test_takeover_line_clock_after_midnight_and_no_pass(rp) -> None:
    tks = (
        Takeover("T1", "T2", (0,), 30.0, 38.04, first_pass_min=6 * 60 + 25.9),  # 02:25
        Takeover("T1", "T2", (1,), 1.0, 2.0, first_pass_min=math.nan),
        Takeover("T1", "T2", (2, 3), math.nan, math.nan, first_pass_min=3 * 60.0),  # 23:00
    )
    lines = diff_lines(dataclasses.replace(rp, takeovers=tks, changed=("T1",)))
    assert "T1 takes T2's loop from km 30.00 to km 38.04, first pass 02:25" in lines
    kept = diff_lines(dataclasses.replace(rp, takeovers=tks, changed=()))
    assert (
        "T1 takes T2's loop from km 30.00 to km 38.04, first pass 02:25 (on its loop already)"
        in kept
    )
    assert "T1 takes T2's loop from km 1.00 to km 2.00, no pass there before 06:00" in lines
    assert "T1 takes T2's roads away from the border (2 roads), first pass 23:00" in lines


def test_unserved_roads_are_said_loudly(rp) -> None:
    km = float(rp.network.edges["length"].iat[0] + rp.network.edges["length"].iat[1]) / 1000
    lines = diff_lines(dataclasses.replace(rp, unserved=(0, 1)))
    assert (
        f"!! 2 required roads ({km:.2f} km) stay unpatrolled: "
        "no team on duty reaches them from where it is"
    ) in lines


def test_changed_kept_and_standby_loops(rp) -> None:
    from collections import Counter

    new = rp.route("T1")
    old = next(r for r in rp.original.routes if r.team == "T1")
    assert loop_changed(old, new) == (Counter(old.steps) != Counter(new.steps))
    # the same roads from another start is the same loop
    rotated = dataclasses.replace(old, steps=old.steps[3:] + old.steps[:3])
    assert not loop_changed(old, rotated)
    assert loop_changed(None, new)
    kept = dataclasses.replace(
        rp, plan=dataclasses.replace(rp.plan, routes=(rotated,)), changed=("T1",)
    )
    # a team is in one list: T1 takes over T2's roads on its own loop, said once, in that line
    lines = diff_lines(kept)
    assert not any("keep" in line for line in lines)
    assert any(x.startswith("T1 takes") and x.endswith("(on its loop already)") for x in lines)
    assert not any(line.startswith("T1 new loop") for line in diff_lines(kept))
    twins = dataclasses.replace(old, team="T9")
    both = dataclasses.replace(
        rp,
        original=dataclasses.replace(rp.original, routes=(old, twins)),
        plan=dataclasses.replace(rp.plan, routes=(rotated, twins)),
    )
    assert "T9 keeps its loop" in diff_lines(both)  # T1 is named in its take-over line
    # the same roads the other way round: one line to radio (the toy's loops are there and
    # back on a tree, the same either way round: a one-way sequence of its edges stands in)
    one_way = dataclasses.replace(old, steps=((0, True), (1, True), (3, True)), seconds=(1.0,) * 3)
    backwards = dataclasses.replace(one_way, steps=((3, False), (1, False), (0, False)))
    assert loop_changed(one_way, backwards)
    turned = dataclasses.replace(
        rp,
        original=dataclasses.replace(rp.original, routes=(one_way,)),
        plan=dataclasses.replace(rp.plan, routes=(backwards,)),
        changed=("T1",),
    )
    ready = rp.positions["T1"].ready_min + 20 * 60
    clock = f"{int(ready // 60) % 24:02d}:{int(ready % 60):02d}"
    assert f"T1 drives its loop the other way round from where it is at {clock}" in diff_lines(
        turned
    )
    # a team the engine keeps (not in Replan.changed) keeps its loop, whatever its steps; a
    # taker says so in its take-over line only (one list per team)
    lines = diff_lines(dataclasses.replace(turned, changed=()))
    assert any(x.startswith("T1 takes") and x.endswith("(on its loop already)") for x in lines)
    assert "T1 keeps its loop" not in lines
    # a changed loop says its minutes, the old loop's, its role and note
    noted = dataclasses.replace(
        new, role="extension", note="drives km 3-5 once more per loop (hot)"
    )
    shorter = dataclasses.replace(old, steps=old.steps[1:], seconds=old.seconds[1:])
    other = dataclasses.replace(
        rp,
        original=dataclasses.replace(rp.original, routes=(shorter,)),
        plan=dataclasses.replace(rp.plan, routes=(noted,)),
        changed=("T1",),
    )
    line = next(x for x in diff_lines(other) if x.startswith("T1 new loop"))
    assert line == (
        f"T1 new loop {fmt_min(new.loop_s / 60)}, {fmt_km(new.length_m(rp.network) / 1000)} "
        f"(was {fmt_min(shorter.loop_s / 60)}), extension, from where it is at "
        f"{clock} (drives km 3-5 once more per loop (hot))"
    )
    standby = dataclasses.replace(
        new, steps=(), service=(), seconds=(), status="standby", standby_reason="no fuel"
    )
    off = dataclasses.replace(rp, plan=dataclasses.replace(rp.plan, routes=(standby,)))
    assert "T1 stands by from 02:10: no fuel" in diff_lines(off)


def test_worst_line_says_the_km_never_passed_again(rp) -> None:
    """Doing nothing that leaves roads unpassed says so, beside the kept figure."""
    lost = dataclasses.replace(rp, original_worst_revisit_min=600.0, original_unpassed_km=2.25)
    assert diff_lines(lost)[-1].endswith(
        "(plan kept without T2: 600.0 min, 2.25 km never passed again)"
    )
    both = dataclasses.replace(lost, unpassed_km=1.04)
    assert (
        ", 1.04 km never passed again (plan kept without T2: 600.0 min, 2.25 km"
        in diff_lines(both)[-1]
    )
    none = dataclasses.replace(rp, unpassed_km=0.0, original_unpassed_km=0.0)
    assert "never passed" not in diff_lines(none)[-1]


def test_no_drop_no_hot(rp) -> None:
    quiet = dataclasses.replace(rp, dropped=(), hot=(), takeovers=(), hot_passes={})
    lines = diff_lines(quiet)
    assert lines[0] == "Re-plan from 02:10 to 06:00."
    assert lines[-1].endswith(f"(plan kept: {fmt_min(rp.original_worst_revisit_min)})")
    assert not any(line.startswith("hot ") for line in lines)
    two = dataclasses.replace(rp, hot=(HotStretch(3, 5, 3), HotStretch(7, 8)), hot_passes={})
    assert "hot km 7.00-8.00: 0 passes to 06:00 (plan kept: 0)" in diff_lines(two)


def test_the_scenario_language_is_the_default_and_every_word_is_from_the_table(rp) -> None:
    """A Chinese scenario's radio text is Chinese: the same lines, the same figures, no English."""
    import re

    zh, en = _diff_lines(rp), diff_lines(rp)
    assert zh == _diff_lines(rp, lang="zh") and len(zh) == len(en)
    assert zh[0].startswith("自 02:10 至 06:00 重新规划") and zh[-1].startswith(
        "余下夜间最长巡逻间隔"
    )
    for a, b in zip(zh, en, strict=True):
        # the same ids, clocks and figures in the same order
        assert re.findall(r"T\d+|\d+[.:]\d+", a) == re.findall(r"T\d+|\d+[.:]\d+", b), (a, b)
        words = re.findall(r"[A-Za-z]{2,}", re.sub(r"\b[A-Za-z]+\d[\w.-]*", "", a))
        assert set(words) <= {"km", "min"}, a
    # every template of one language has its twin in the other
    assert set(DIFF["zh"]) == set(DIFF["en"])
