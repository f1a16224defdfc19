"""Benchmark: detection on Ningming with base loops against circuits, with drawn detours (#25).

The routing rule ``loops = "circuit"`` (loops need not pass the base each period) gives
some teams slack under the plan's worst revisit; drawn detours of those teams may then
lift the informed intruder's minimum with the worst revisit unchanged. In one run, for
``loops = "base"`` and ``"circuit"``: plans Ningming with ``plan --detours`` (seed 0,
``--time-limit`` s of search, τ = ``--crossing-min``; the plan folder as a crew gets
it: plan.json with the drawn detours, ``gpx/variants/``), and computes the three
intruders' minima under uniform odds, LP odds, LP odds with drawn detours within the
plan's worst revisit (what ``plan --detours`` writes), and LP odds with in-night direction
cards (:func:`borderwatch.plan.draws.in_night_detection`). Then the crossing simulator
(:mod:`borderwatch.coverage.crossings`, which never reads the pass tables) replays
``--n`` crossings per model against the circuit plan's GPX: uninformed and watching on
the plan folder's tracks, informed (LP + detours) at the best response and at the
weakest unit of a team that draws detours, each variant with odds > 0 of the teams near
the unit on its own track, started one loop before the window (as
``benchmarks/detection.py``: a pass under way at the window start keeps its whole spell;
the plan's ``gpx/variants/`` files start at the window, and
``tests/plan/test_detour_plan.py`` replays those). Writes
``benchmarks/results/detection_circuits.md``.

Usage::

    PYTHONPATH=. nice -n 10 python benchmarks/detection_circuits.py [--n 20000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from borderwatch.config import SearchParams


def _replay_informed(
    net: Any,
    plan: Any,
    det: Any,
    unit: int,
    start_min: float,
    tmp: Path,
    night: date,
    n: int,
    seed: int,
) -> tuple[float, list[str]]:
    """Simulated share seen at ``(unit, start_min)`` under ``det``'s LP odds, from variant tracks."""
    from borderwatch.coverage.crossings import replay_informed, sightings_from_gpx
    from borderwatch.coverage.timeline import PatrolTimeline
    from borderwatch.plan.variants import variant_steps
    from borderwatch.planfiles.export import _gpx, _gpx_tracks, _night_start, routes_frame

    window = float(net.config.night_minutes)
    start = _night_start(net, night)
    rf = routes_frame(net, plan).set_index("team")
    by_team = {r.team: r for r in plan.routes}
    unit_geom = net.units.geometry.iloc[unit]
    near = [
        tm
        for tm in det.variants
        if rf.loc[tm, "geometry"] is not None
        and rf.loc[tm, "geometry"].distance(unit_geom) <= 2 * net.config.patrol_view_m
    ]
    names = list(det.passes.variants)
    sights, odds = {}, {}
    for tm in near:
        per = []
        p = np.asarray([det.odds[names.index(v.variant)] for v in det.variants[tm]])
        for v, pv in zip(det.variants[tm], p, strict=True):
            if pv <= 0:  # never drawn: no track needed (its odds are 0)
                per.append(None)
                continue
            # the track starts one loop before the window (the crew set out before it), so
            # that a pass in progress at the window start has its whole spell
            lead = v.loop_min
            tl = PatrolTimeline.from_walks(
                net,
                {tm: list(variant_steps(by_team[tm], v))},
                start_min={tm: lead - v.phase_min},
                window_min=window + lead,
            )
            vplan = dataclasses.replace(
                plan, schedule=dataclasses.replace(plan.schedule, timeline=tl)
            )
            f = tmp / f"{v.variant}.gpx"
            f.write_text(_gpx(_gpx_tracks(net, vplan, night), [tm]), encoding="utf-8")
            per.append(
                sightings_from_gpx(
                    net, [f], window_start=start + timedelta(minutes=lead), window_min=window
                )
            )
        keep = [k for k, s in enumerate(per) if s is not None]
        sights[tm] = [per[k] for k in keep]
        odds[tm] = p[keep]
    tau = float(det.units["crossing_min"].iat[unit])
    return replay_informed(sights, odds, unit, start_min, tau, n=n, seed=seed), near


def _case(
    net: Any, loops: str, tau0: float, time_limit: float, folder: Path, night: date
) -> dict[str, Any]:
    """Plan with ``loops`` and --detours; the detection figures of every odds."""
    from borderwatch.coverage.static import checkpoint_watch
    from borderwatch.jobs import run_plan
    from borderwatch.plan.draws import in_night_detection
    from borderwatch.plan.odds import detect_night

    netl = net.with_config(net.config.replace(loops=loops))
    t = time.perf_counter()
    plan, summary = run_plan(
        netl,
        folder,
        night=night,
        map_html=False,
        crossing_min=tau0,
        search=SearchParams(time_limit_s=time_limit, seed=0),
        detours=True,
    )
    plan_s = time.perf_counter() - t
    tl = plan.schedule.timeline
    plain = detect_night(netl, plan.routes, tl, crossing_min=tau0)
    t = time.perf_counter()
    dets = detect_night(netl, plan.routes, tl, crossing_min=tau0, detours=True)
    det_s = time.perf_counter() - t
    target = float(netl.config.targets.max_revisit_min)
    dett = detect_night(
        netl, plan.routes, tl, crossing_min=tau0, detours=True, detour_cap_min=target
    )
    cp = checkpoint_watch(netl)["watched"].to_numpy(dtype=bool)
    tau = plain.units["crossing_min"].to_numpy()
    inn = in_night_detection(netl, plan.routes, tau, cp)
    ok = plain.watchable
    u = plain.units
    lengths = netl.units["length_m"].to_numpy()
    w = u["p_watching"].to_numpy()
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    return {
        "net": netl,
        "plan": plan,
        "plain": plain,
        "detours": dets,
        "detours_target": dett,
        "target": target,
        "in_night": inn,
        "plan_s": plan_s,
        "detour_s": det_s,
        "max_loop": float(plan.max_loop_min),
        "worst_revisit": float(summary["worst_revisit_min"]),
        "uninformed_min": float(u["p_uninformed"].to_numpy()[ok].min()),
        "uninformed_mean": float(u["p_uninformed"].to_numpy()[ok].mean()),
        "watching_min": float(w[ok].min()),
        "watching_zero_km": float(lengths[ok & (w == 0)].sum()) / 1000,
        "in_night_watching_min": float(inn.p_watching[ok].min()),
        "in_night_p_reverse": inn.p_reverse,
        "in_night_worst": inn.worst_revisit_min,
        "doc_detours": doc["detection"].get("detours"),
        "doc_informed": doc["detection"]["informed_min"],
        "gpx_variants": sorted(p.name for p in (folder / "gpx" / "variants").glob("*.gpx"))
        if (folder / "gpx" / "variants").is_dir()
        else [],
        "loops": {r.team: round(r.loop_s / 60.0, 2) for r in plan.routes if r.on_patrol},
    }


def main(argv: list[str] | None = None) -> int:
    import borderwatch as bw
    from borderwatch.coverage.crossings import (
        checkpoint_units,
        replay_uninformed,
        replay_watching,
        sightings_from_gpx,
    )
    from borderwatch.coverage.detection import watching
    from borderwatch.coverage.revisit import pass_times
    from borderwatch.plan.odds import _owners
    from borderwatch.planfiles.export import _night_start

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="crossings per model")
    parser.add_argument("--crossing-min", type=float, default=15.0)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "detection_circuits.md"
    )
    args = parser.parse_args(argv)
    tau0, night = args.crossing_min, date(2026, 12, 6)
    net = bw.build_network(bw.load_scenario("ningming"))
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        cases = {
            lp: _case(net, lp, tau0, args.time_limit, tmp / lp, night) for lp in ("base", "circuit")
        }
        say("# Detection with base loops and circuits, drawn detours, Ningming (issue #25)\n")
        say(
            f"`PYTHONPATH=. nice -n 10 python benchmarks/detection_circuits.py --n {args.n}`, one "
            f"run: plan seed 0, {args.time_limit:g} s search, `plan --detours` (drawn detours within "
            f"the plan's worst revisit), night {night}, τ = {tau0:g} min. Minima over the units a "
            "road or checkpoint can watch.\n"
        )
        say(
            "| loops | intruder | uniform odds | LP odds | LP + drawn detours (worst revisit ≤ "
            "the plan's) | LP + in-night direction cards | for comparison: LP + drawn detours "
            "within the target (120 min) |"
        )
        say("|---|---|---|---|---|---|---|")
        for lp, c in cases.items():
            p, d, inn, dt = c["plain"], c["detours"], c["in_night"], c["detours_target"]
            fwd = all(v == 0 for v in inn.p_reverse.values())
            say(
                f"| {lp} | uninformed (tonight's plan) | {c['uninformed_min']:.3f} (mean "
                f"{c['uninformed_mean']:.3f}) | same | same (tonight's draw) | same | same |"
            )
            say(
                f"| {lp} | informed of the pattern | {p.informed_uniform.border_min:.3f} | "
                f"{p.informed_lp.border_min:.3f} | **{d.informed_lp.border_min:.3f}** | "
                + (
                    f"{p.informed_lp.border_min:.3f} (every loop forward)"
                    if fwd
                    else "not computed"
                )
                + f" | {dt.informed_lp.border_min:.3f} |"
            )
            say(
                f"| {lp} | watching (tonight's plan) | {c['watching_min']:.3f} (0 on "
                f"{c['watching_zero_km']:.1f} km) | same | same | {c['in_night_watching_min']:.3f} "
                "| same |"
            )
            say(
                f"| {lp} | worst revisit any drawn night can give (min) | "
                f"{p.worst_revisit_min['uniform']:.1f} | {p.worst_revisit_min['lp']:.1f} | "
                f"{d.worst_revisit_min['lp']:.1f} | {inn.worst_revisit_min:.1f} | "
                f"{dt.worst_revisit_min['lp']:.1f} |"
            )
        say()
        for lp, c in cases.items():
            d = c["detours"]
            odds = d.odds_of()
            used = sorted(
                {
                    v.team
                    for vs in d.variants.values()
                    for v in vs
                    if v.detour and odds[v.variant] > 0
                }
            )
            inf = d.informed_lp
            own = _owners(d.passes, len(c["net"].units))[inf.unit]
            team = d.passes.teams[own] if own >= 0 else "?"
            loop = c["loops"].get(team, float("nan"))
            dt = c["detours_target"]
            say(
                f"* **{lp}**: longest loop {c['max_loop']:.2f} min, plan's worst revisit "
                f"{c['worst_revisit']:.2f} min; plan {c['plan_s']:.0f} s with all files, "
                f"detect_night with detours {c['detour_s']:.1f} s; plan.json `detection.detours` "
                f"{json.dumps(c['doc_detours'])}; {len(c['gpx_variants'])} files in gpx/variants; "
                f"detours drawn by {', '.join(used) or 'no team'}; best response unit {inf.unit} "
                f"(km {float(c['net'].units['start_m'].iat[inf.unit]) / 1000:.2f}), passed by "
                f"{team} (loop {loop:.2f} min: τ / D = {tau0 / loop:.3f}, the bound of any odds "
                f"over its phase shifts), p = {inf.border_min:.4f}; within the target the best "
                f"response is unit {dt.informed_lp.unit} (p = {dt.informed_lp.border_min:.4f}); "
                "in-night P(reverse) > 0 for "
                f"{', '.join(t for t, v in c['in_night_p_reverse'].items() if v > 0) or 'no team'}."
            )
            say(f"  Loops (min): {json.dumps(c['loops'])}")
        say()
        # ---- the simulator on the circuit plan
        c = cases["circuit"]
        netc, plan, d = c["net"], c["plan"], c["detours"]
        window = float(netc.config.night_minutes)
        start = _night_start(netc, night)
        folder = tmp / "circuit"
        t = time.perf_counter()
        tau = d.units["crossing_min"].to_numpy()
        cp = checkpoint_units(netc)
        tonight = sightings_from_gpx(
            netc, sorted((folder / "gpx").glob("*.gpx")), window_start=start, window_min=window
        )
        units = np.arange(len(netc.units))
        sim_un = replay_uninformed(tonight, cp, tau, window, units, n=args.n, seed=1)
        cf_un = float(d.units["p_uninformed"].mean())
        passes = pass_times(netc, plan.schedule.timeline)
        wf = watching(passes["unit"].to_numpy(), passes["t"].to_numpy(), tau, window, len(tau))
        cand = np.flatnonzero(~cp & (wf["n_watch_passes"].to_numpy() > 0))
        sim_wa, _worst = replay_watching(tonight, tau, window, cand, n=args.n, seed=2)
        cf_wa = float(wf["watch_share"].to_numpy()[cand].mean())
        rows = []
        odds = d.odds_of()
        teams = sorted(
            {v.team for vs in d.variants.values() for v in vs if v.detour and odds[v.variant] > 0}
        )
        targets = [("best response", d.informed_lp.unit, d.informed_lp.start)]
        if teams:
            k = d.passes.teams.index(teams[0])
            mine = np.unique(d.passes.unit[d.passes.variant_team[d.passes.var] == k])
            mine = mine[~cp[mine]]
            weak = int(mine[np.argmin(c["plain"].informed_lp.p_unit[mine])])
            targets.append(
                (
                    f"{teams[0]}'s weakest unit (plain LP)",
                    weak,
                    float(d.informed_lp.start_min[weak]),
                )
            )
        for seed, (label, unit, s0) in enumerate(targets, start=3):
            sim, near = _replay_informed(netc, plan, d, unit, s0, tmp, night, args.n, seed)
            rows.append((label, unit, s0, float(d.informed_lp.p_unit[unit]), sim, near))
        sim_s = time.perf_counter() - t
        say(
            f"Simulator on the circuit plan ({sim_s:.0f} s, {args.n:,} crossings per model; the plan "
            "folder's GPX for the uninformed and watching intruders, each drawn variant's own track "
            "for the informed one):\n"
        )
        say("| model | closed form | simulator | difference (pp) |")
        say("|---|---|---|---|")
        say(
            f"| uninformed, mean over units | {cf_un:.4f} | {sim_un:.4f} | {100 * (sim_un - cf_un):+.2f} |"
        )
        say(
            f"| watching (share after a pass), mean over units | {cf_wa:.4f} | {sim_wa:.4f} | {100 * (sim_wa - cf_wa):+.2f} |"
        )
        for label, unit, s0, p0, sim, near in rows:
            say(
                f"| informed, LP + detours, {label}: unit {unit}, start {s0:.2f} min "
                f"(teams {', '.join(near)}) | {p0:.4f} | {sim:.4f} | {100 * (sim - p0):+.2f} |"
            )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
