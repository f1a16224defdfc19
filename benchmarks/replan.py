"""Benchmark: re-plan the rest of the night (issue #14) against a plan from scratch, side by side.

On Ningming (``load_scenario("ningming")``): tonight's plan (``plan_patrols``
with its default time), then

* ``replan(at="02:10", drop=["T05"])`` (the warm-started re-plan, default search time);
* the same with ``hot=["40.5-42.0:2"]``;
* ``plan_patrols`` from scratch on the re-plan's remainder network (same
  teams at the same positions, window 02:10-06:00), default time, in the same
  process.

Printed and written to ``benchmarks/results/replan.md`` (with ``--write``):
seconds (wall and CPU), the worst revisit for the rest of the night (the
worst interval ending after the cut, what was driven before it counted) of
the re-plan, of tonight's plan kept with T05 gone, and of the plan from
scratch (its loops put after the same driven past; it assumes its approach
drives, from the positions to where its loops start, were done before 02:10,
which flatters it), the longest loop, whether every T05 road is taken over,
and the passes on the hot stretch.

Usage::

    nice -n 10 python benchmarks/replan.py [--write]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from borderwatch.config import SearchParams

AT = "02:10"
DROP = "T05"
HOT = "40.5-42.0:2"
ITERATIONS = 300


def _timed(fn: Any) -> tuple[Any, float, float]:
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def _served(route: Any) -> set[int]:
    return {int(e) for (e, _), s in zip(route.steps, route.service, strict=True) if s}


def main(write: bool = False) -> dict[str, Any]:
    from borderwatch import build_network, load_scenario
    from borderwatch.coverage.revisit import pass_times
    from borderwatch.plan.patrols import plan_patrols
    from borderwatch.plan.replan import HotStretch, cross_cut_revisits, replan
    from borderwatch.plan.replan.cut import passes_before

    load = os.getloadavg()[0]
    net = build_network(load_scenario("ningming"))
    plan, plan_wall, plan_cpu = _timed(lambda: plan_patrols(net, search=SearchParams(seed=0)))
    # the re-plans' search by iterations (it has converged by 100 on Ningming): the same
    # figures on a loaded machine; the seconds are those of the default 2 s search or less
    fixed = {"search": SearchParams(max_iterations=ITERATIONS, time_limit_s=60.0)}
    rp, rp_wall, rp_cpu = _timed(lambda: replan(plan, net, at=AT, drop=[DROP], **fixed))
    hot_rp, hot_wall, hot_cpu = _timed(
        lambda: replan(plan, net, at=AT, drop=[DROP], hot=[HOT], **fixed)
    )
    _default, default_wall, default_cpu = _timed(lambda: replan(plan, net, at=AT, drop=[DROP]))
    scratch, sc_wall, sc_cpu = _timed(lambda: plan_patrols(rp.network, search=SearchParams(seed=0)))

    # the plan from scratch after the same driven past, on the original clock
    at_min = rp.at_min
    window = float(net.config.night_minutes)
    ready = {t: p.ready_min for t, p in rp.positions.items()}
    before = passes_before(net, plan.schedule.timeline, at_min, ready)
    after = pass_times(rp.network, scratch.schedule.timeline)
    after = after.assign(t=after["t"] + at_min)

    sc_table = cross_cut_revisits(
        pd.concat([before, after], ignore_index=True), len(net.units), window, at_min
    )
    sc_watched = (sc_table["n_passes"] > 0) | sc_table["last_before_cut_min"].notna()
    sc_worst = float(sc_table.loc[sc_watched, "worst_revisit_min"].max())

    t05 = next(r for r in plan.routes if r.team == DROP)
    t05_roads = _served(t05)
    taken = {e for tk in rp.takeovers for e in tk.edges}
    stretch = HotStretch.parse(HOT)
    units = stretch.units(net)
    n_plain = rp.revisits["n_passes"].to_numpy()[units]
    n_hot = hot_rp.revisits["n_passes"].to_numpy()[units]
    # the plain re-plan judged with the hot weight too (interval x weight)
    hot_w = pd.Series(1.0, index=rp.revisits.index)
    hot_w.iloc[units] = stretch.weight
    watched = (rp.revisits["n_passes"] > 0) | rp.revisits["last_before_cut_min"].notna()
    plain_weighted = float((rp.revisits["worst_revisit_min"] * hot_w)[watched].max())
    hot_worst_plain = float(rp.revisits["worst_revisit_min"].iloc[units].max())
    hot_worst_hot = float(hot_rp.revisits["worst_revisit_min"].iloc[units].max())

    # warm start vs the solver's own starts, by iterations (deterministic)
    from borderwatch.plan.replan.loops import warm_start
    from borderwatch.routing.minmax import solve_minmax

    inst = rp.plan.instance.instance
    initial = warm_start(plan, rp.plan.instance, list(rp.positions))
    search = []
    for its in (0, 50, 100, 300):
        warm = solve_minmax(
            inst, initial=initial, search=SearchParams(max_iterations=its, time_limit_s=600, seed=0)
        )
        cold = solve_minmax(inst, search=SearchParams(max_iterations=its, time_limit_s=600, seed=0))
        search.append([its, round(warm.max_cost / 60, 1), round(cold.max_cost / 60, 1)])

    def longest(p: Any) -> float:
        return max(r.loop_s for r in p.routes if r.on_patrol) / 60.0

    out = {
        "load_avg_1min_at_start": round(load, 1),
        "plan_patrols_s": round(plan_wall, 1),
        "plan_patrols_cpu_s": round(plan_cpu, 1),
        "replan_s": round(rp_wall, 1),
        "replan_cpu_s": round(rp_cpu, 1),
        "replan_default_search_s": round(default_wall, 1),
        "replan_default_search_cpu_s": round(default_cpu, 1),
        "replan_steps_s": {k: round(v, 2) for k, v in rp.seconds.items()},
        "replan_hot_s": round(hot_wall, 1),
        "replan_hot_cpu_s": round(hot_cpu, 1),
        "scratch_s": round(sc_wall, 1),
        "scratch_cpu_s": round(sc_cpu, 1),
        "speedup_vs_scratch": round(sc_wall / rp_wall, 1),
        "worst_rest_replan_min": round(rp.worst_revisit_min, 1),
        "worst_rest_kept_min": round(rp.original_worst_revisit_min, 1),
        "worst_rest_scratch_min": round(sc_worst, 1),
        "worst_rest_replan_hot_min": round(hot_rp.worst_revisit_min, 1),
        "weighted_worst_replan_min": round(plain_weighted, 1),
        "hot_worst_revisit_plain_min": round(hot_worst_plain, 1),
        "hot_worst_revisit_hot_min": round(hot_worst_hot, 1),
        "weighted_worst_replan_hot_min": round(hot_rp.weighted_worst_revisit_min, 1),
        "longest_loop_original_min": round(longest(plan), 1),
        "longest_loop_replan_min": round(longest(rp.plan), 1),
        "longest_loop_replan_hot_min": round(longest(hot_rp.plan), 1),
        "longest_loop_scratch_min": round(longest(scratch), 1),
        "bound_replan_min": round(rp.plan.bound_min, 1),
        "bound_scratch_min": round(scratch.bound_min, 1),
        "teams_changed": len(rp.changed),
        "teams_surviving": len(rp.positions),
        "changed": list(rp.changed),
        "teams_changed_hot": len(hot_rp.changed),
        "search_iterations_warm_cold_longest_min": search,
        "t05_roads": len(t05_roads),
        "t05_roads_taken_over": len(t05_roads & taken),
        "unserved": len(rp.unserved),
        "takeovers": [
            [tk.team, round(tk.km_from, 2), round(tk.km_to, 2), round(tk.first_pass_min, 1)]
            for tk in rp.takeovers
        ],
        "hot_units": len(units),
        "hot_passes_kept_vs_hot_replan": list(hot_rp.hot_passes[stretch.label]),
        "hot_passes_min_plain_replan": int(n_plain.min()),
        "hot_passes_min_hot_replan": int(n_hot.min()),
        "hot_passes_total_plain_replan": int(n_plain.sum()),
        "hot_passes_total_hot_replan": int(n_hot.sum()),
        "hot_routes": [r.team for r in hot_rp.plan.routes if "hot" in r.note],
    }
    print(json.dumps(out, ensure_ascii=False))
    if write:
        _write(out)
    return out


def _write(o: dict[str, Any]) -> None:
    lines = [
        "# Re-plan the rest of the night (issue #14)",
        "",
        "`nice -n 10 python benchmarks/replan.py --write` on Ningming, one process: tonight's plan",
        "(`plan_patrols`, default 20 s search, seed 0), then `replan(at='02:10', drop=['T05'])` with the",
        f"search capped at {ITERATIONS} iterations (converged by 100; the figures do not depend on the",
        "machine's load), the same with `hot=['40.5-42.0:2']`, the re-plan with its default 2 s search",
        "(timed only), and",
        "`plan_patrols` from scratch (default 20 s) on the re-plan's remainder network (the same 16",
        "teams at their 02:10 positions, window 02:10-06:00). 2-core machine shared with other",
        "engineers: seconds drift between runs, ratios within the run hold; the 1-minute load",
        f"average at the start of this run was {o['load_avg_1min_at_start']} (2 cores), so wall seconds",
        "are inflated; CPU seconds are given beside them.",
        "",
        "Worst revisit for the rest of the night = the worst, over the units passed tonight, of the",
        "interval ending after 02:10, with what was driven before 02:10 counted (a unit last passed at",
        "01:55 waits from 01:55). 'Kept' = tonight's plan continued with T05 gone at 02:10 (doing",
        "nothing). 'From scratch' puts the fresh plan's loops after the same driven past and assumes",
        "its approach drives (position -> loop start) were done before 02:10, which flatters it.",
        "",
        "| | seconds (wall) | CPU s | worst revisit rest of night | longest loop | bound |",
        "|---|---|---|---|---|---|",
        f"| tonight's plan (`plan_patrols`) | {o['plan_patrols_s']} | {o['plan_patrols_cpu_s']} "
        f"| - | {o['longest_loop_original_min']} min | - |",
        f"| kept, T05 gone (do nothing) | 0 | 0 | {o['worst_rest_kept_min']} min | - | - |",
        f"| replan, default 2 s search (timed only) | {o['replan_default_search_s']} "
        f"| {o['replan_default_search_cpu_s']} | - | - | - |",
        f"| **replan --at 02:10 --drop T05** | **{o['replan_s']}** | {o['replan_cpu_s']} "
        f"| **{o['worst_rest_replan_min']} min** | {o['longest_loop_replan_min']} min "
        f"| {o['bound_replan_min']} min (basic) |",
        f"| replan + --hot 40.5-42.0:2 | {o['replan_hot_s']} | {o['replan_hot_cpu_s']} "
        f"| {o['worst_rest_replan_hot_min']} min | {o['longest_loop_replan_hot_min']} min | - |",
        f"| plan_patrols from scratch, same remainder | {o['scratch_s']} | {o['scratch_cpu_s']} "
        f"| {o['worst_rest_scratch_min']} min | {o['longest_loop_scratch_min']} min "
        f"| {o['bound_scratch_min']} min |",
        "",
        f"Teams changed (their loop is not tonight's loop continued from where they are): "
        f"{o['teams_changed']} of {o['teams_surviving']} ({', '.join(o['changed'])}); with --hot "
        f"{o['teams_changed_hot']}. The others keep their loops: nothing to radio to them.",
        "",
        "Warm start: longest min-max loop after N search iterations on the remainder instance, "
        "starting from tonight's assignment (T05's roads inserted) vs the solver's own starts:",
        "",
        "| iterations | warm (min) | cold (min) |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in o["search_iterations_warm_cold_longest_min"]],
        "",
        "(The solver keeps the better of the warm start and its greedy start, so the warm start cannot",
        "hurt; here both reach the final loop within 100 iterations, about 0.5 s, and the re-plan's speed",
        "comes from the short search (2 s instead of 20 s), the basic bound only and the reuse of",
        "tonight's required roads, not from the warm start itself.)",
        "",
        f"Re-plan vs from scratch: {o['speedup_vs_scratch']}x faster (wall). Re-plan steps (s): "
        + ", ".join(f"{k} {v}" for k, v in o["replan_steps_s"].items())
        + ".",
        "",
        f"T05's required roads: {o['t05_roads']}, taken over: {o['t05_roads_taken_over']}; required "
        f"roads no survivor can reach: {o['unserved']}. Take-over lines (taker, km from, km to, first "
        "pass in minutes after 20:00):",
        "",
        *[f"- {t[0]}: km {t[1]}-{t[2]}, first pass {t[3]} min" for t in o["takeovers"]],
        "",
        f"Hot stretch km 40.5-42.0, weight 2 ({o['hot_units']} units): passes after 02:10 over its",
        f"least-passed unit {o['hot_passes_min_plain_replan']} (replan without --hot) -> "
        f"{o['hot_passes_min_hot_replan']} (with --hot); over all its units "
        f"{o['hot_passes_total_plain_replan']} -> {o['hot_passes_total_hot_replan']}; "
        f"(kept plan, new) = {tuple(o['hot_passes_kept_vs_hot_replan'])}. Teams driving it once "
        f"more per loop: {', '.join(o['hot_routes']) or 'none'}. Worst revisit on the stretch "
        f"{o['hot_worst_revisit_plain_min']} -> {o['hot_worst_revisit_hot_min']} min; weighted worst "
        f"revisit (interval x weight, both judged with the hot weight): "
        f"{o['weighted_worst_replan_min']} -> {o['weighted_worst_replan_hot_min']} min. The "
        f"cost elsewhere: longest loop {o['longest_loop_replan_min']} -> "
        f"{o['longest_loop_replan_hot_min']} min, worst revisit rest of night "
        f"{o['worst_rest_replan_min']} -> {o['worst_rest_replan_hot_min']} min.",
        "",
        "Raw figures:",
        "",
        "```json",
        json.dumps(o, ensure_ascii=False, indent=1),
        "```",
        "",
    ]
    path = Path(__file__).resolve().parent / "results" / "replan.md"
    from borderwatch.atomic import write_text

    write_text(path, "\n".join(lines))


if __name__ == "__main__":
    main(write="--write" in sys.argv[1:])
