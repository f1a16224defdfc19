"""Benchmark: detection probabilities on Ningming (issue #25), closed forms against the simulator.

In one run: plans Ningming (seed 0, ``--time-limit`` s of search), computes the
three intruders' figures at τ = ``--crossing-min`` for the historical variant
set (2 directions × 4 phases) and the plan's set (phases at most 7.5 min apart),
each with uniform and LP odds, and the worst revisit any drawn night can give;
then replays ``--n`` crossings per model against GPX tracks (tonight's plan
folder for the uninformed and watching intruders, each variant's own track for
the informed one) with :mod:`borderwatch.coverage.crossings`, and compares.
Writes ``benchmarks/results/detection.md`` (``--out``).

Usage::

    python benchmarks/detection.py [--n 20000] [--crossing-min 15]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from borderwatch.config import SearchParams


def main(argv: list[str] | None = None) -> int:
    import borderwatch as bw
    from borderwatch.coverage.crossings import (
        checkpoint_units,
        replay_informed,
        replay_uninformed,
        replay_watching,
        sightings_from_gpx,
    )
    from borderwatch.coverage.detection import watching
    from borderwatch.coverage.revisit import pass_times
    from borderwatch.coverage.timeline import PatrolTimeline
    from borderwatch.jobs import run_plan
    from borderwatch.plan.odds import _owners, detect_night
    from borderwatch.plan.variants import variant_steps
    from borderwatch.planfiles.export import _gpx, _gpx_tracks, _night_start, routes_frame

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="crossings per model")
    parser.add_argument("--crossing-min", type=float, default=15.0)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "detection.md"
    )
    args = parser.parse_args(argv)
    tau0 = args.crossing_min
    night = date(2026, 12, 6)
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    net = bw.build_network(bw.load_scenario("ningming"))
    window = net.config.night_minutes
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "plan"
        t = time.perf_counter()
        plan, summary = run_plan(
            net,
            folder,
            night=night,
            map_html=False,
            crossing_min=tau0,
            search=SearchParams(time_limit_s=args.time_limit, seed=0),
        )
        plan_s = time.perf_counter() - t
        say("# Detection probabilities, Ningming (issue #25)\n")
        say(
            f"`python benchmarks/detection.py --n {args.n} --crossing-min {tau0:g}`: plan seed 0, "
            f"{args.time_limit:g} s search ({plan_s:.0f} s with all files), night {night}, "
            f"τ = {tau0:g} min, worst revisit of the plan {summary['worst_revisit_min']:.1f} min.\n"
        )

        # ---- closed forms: variant sets × odds
        t = time.perf_counter()
        det_plan = detect_night(net, plan.routes, plan.schedule.timeline, crossing_min=tau0)
        det_s = time.perf_counter() - t
        det_old = detect_night(
            net, plan.routes, plan.schedule.timeline, crossing_min=tau0, n_phases=4
        )
        det_8 = detect_night(
            net, plan.routes, plan.schedule.timeline, crossing_min=tau0, n_phases=8
        )
        target = float(net.config.targets.max_revisit_min)
        t = time.perf_counter()
        det_dp = detect_night(
            net, plan.routes, plan.schedule.timeline, crossing_min=tau0, detours=True
        )
        det_dt = detect_night(
            net,
            plan.routes,
            plan.schedule.timeline,
            crossing_min=tau0,
            detours=True,
            detour_cap_min=target,
        )
        dt_s = time.perf_counter() - t
        ok = det_plan.watchable
        u = det_plan.units
        worst_plan = det_plan.worst_revisit_min["uniform"]
        say(
            f"Closed forms ({det_s:.1f} s for the plan's set: variant pass tables, 17 LPs, 2 exact "
            f"best responses; {dt_s:.0f} s for the two sets with drawn detours). Minima over the "
            f"{float(net.units['length_m'][ok].sum()) / 1000:.1f} km that a road or checkpoint "
            "can watch.\n"
        )
        say(
            "Columns: uniform odds over the plan's plain variants (2 directions × phases ≤ 7.5 min "
            "apart: today's rotation); the LP's odds over the same variants; the LP's odds over "
            "those plus drawn detours (a turn-back on the stretch of each team's weakest units, "
            f"`plan/odds.choose_detours`) whose loop stays within the plan's worst revisit "
            f"({worst_plan:.1f} min: the worst revisit unchanged), and within the revisit target "
            f"({target:.0f} min); in-night direction cards (`detection_in_night.md`).\n"
        )
        say(
            "| intruder | uniform odds | LP odds | LP + detours, worst revisit ≤ plan "
            f"({worst_plan:.1f} min) | LP + detours, ≤ target ({target:.0f} min) | "
            "LP + in-night direction cards |"
        )
        say("|---|---|---|---|---|---|")
        p_un = float(u["p_uninformed"][ok].min())
        say(
            f"| uninformed (tonight's plan) | {p_un:.3f} (mean "
            f"{float(u['p_uninformed'][ok].mean()):.3f}) | same (tonight's draw) | same | same | "
            "0.177–0.179 on drawn nights |"
        )
        say(
            f"| informed of the pattern | {det_plan.informed_uniform.border_min:.3f} | "
            f"{det_plan.informed_lp.border_min:.3f} | {det_dp.informed_lp.border_min:.3f} | "
            f"**{det_dt.informed_lp.border_min:.3f}** | "
            f"{det_plan.informed_lp.border_min:.3f} (the LP keeps every loop forward) |"
        )
        w = u["p_watching"][ok]
        zero_km = float(net.units["length_m"][ok & (u["p_watching"].to_numpy() == 0)].sum()) / 1000
        say(
            f"| watching (tonight's plan) | {float(w.min()):.3f} (0 on {zero_km:.1f} km) | "
            f"{float(w.min()):.3f} | {float(w.min()):.3f} | {float(w.min()):.3f} | "
            "0.000 (P(reverse) = 0.5: 0.000, worst revisit 171.1 min) |"
        )
        say(
            f"| worst revisit any drawn night can give | {det_plan.worst_revisit_min['uniform']:.1f} | "
            f"{det_plan.worst_revisit_min['lp']:.1f} | {det_dp.worst_revisit_min['lp']:.1f} | "
            f"{det_dt.worst_revisit_min['lp']:.1f} | 88.1 |"
        )
        say()
        for label, d in (("≤ plan", det_dp), (f"≤ {target:.0f} min", det_dt)):
            used = sorted(
                {
                    v.team
                    for vs in d.variants.values()
                    for v in vs
                    if v.detour is not None and d.odds_of()[v.variant] > 0
                }
            )
            n_det = sum(v.detour is not None for vs in d.variants.values() for v in vs)
            inf = d.informed_lp
            say(
                f"Detours {label}: {n_det} detour variants of "
                f"{len({v.team for vs in d.variants.values() for v in vs if v.detour})} teams, "
                f"odds > 0 for {', '.join(used) or 'none'}; best response unit {inf.unit} "
                f"(km {float(net.units['start_m'].iat[inf.unit]) / 1000:.2f}), "
                f"p = {inf.border_min:.4f}."
            )
        say()
        say("The other variant sets (uniform / LP odds, informed minimum):\n")
        say("| variants | uniform odds | LP odds |")
        say("|---|---|---|")
        for name, d in (
            ("2 × 4 phases (historical)", det_old),
            ("2 × 8 phases", det_8),
            ("2 × phases ≤ 7.5 min apart (plan)", det_plan),
        ):
            say(
                f"| {name}, {len(d.passes.variants)} | {d.informed_uniform.border_min:.3f} | "
                f"{d.informed_lp.border_min:.3f} |"
            )
        say()
        say(
            "Worst revisit any drawn night can give (max over the variants with odds > 0, each team "
            "alone): "
            + ", ".join(
                f"{k} {v:.1f} min"
                for k, v in (
                    ("historical uniform", det_old.worst_revisit_min["uniform"]),
                    ("historical LP", det_old.worst_revisit_min["lp"]),
                    ("plan uniform", det_plan.worst_revisit_min["uniform"]),
                    ("plan LP", det_plan.worst_revisit_min["lp"]),
                )
            )
            + ".\n"
        )
        say(
            "Each team's own stretch (the units it passes most; checkpoint units left out): the "
            "informed intruder's minimum there, uniform against LP odds, per variant set.\n"
        )
        say(
            "| team | "
            + " | ".join(f"{n}: uniform / LP" for n in ("2×4", "2×8", "plan"))
            + " | plan + detours ≤ plan: LP | plan + detours ≤ target: LP |"
        )
        say("|---|---|---|---|---|---|")
        owners = {id(d): _owners(d.passes, len(net.units)) for d in (det_old, det_8, det_plan)}
        better = 0
        for team in det_plan.passes.teams:
            cells = []
            for d in (det_old, det_8, det_plan):
                kk = d.passes.teams.index(team)
                mine = (owners[id(d)] == kk) & (d.units["p_uninformed"].to_numpy() < 1.0)
                if not mine.any():
                    cells.append("—")
                    continue
                a = float(d.units["p_informed_uniform"].to_numpy()[mine].min())
                b_ = float(d.units["p_informed"].to_numpy()[mine].min())
                better += int(b_ > a + 1e-6)
                cells.append(f"{a:.3f} / {b_:.3f}" + (" ↑" if b_ > a + 1e-6 else ""))
            kk = det_plan.passes.teams.index(team)
            mine = (owners[id(det_plan)] == kk) & (det_plan.units["p_uninformed"].to_numpy() < 1.0)
            for d in (det_dp, det_dt):
                if not mine.any():
                    cells.append("—")
                    continue
                a = float(det_plan.units["p_informed_uniform"].to_numpy()[mine].min())
                b_ = float(d.units["p_informed"].to_numpy()[mine].min())
                cells.append(f"{b_:.3f}" + (" ↑" if b_ > a + 1e-6 else ""))
            if any(c != "—" for c in cells):
                say(f"| {team} | " + " | ".join(cells) + " |")
        say(
            f"\nLP odds raise a team's minimum over uniform odds in {better} (team, set) cells (↑).\n"
        )

        # ---- the simulator
        t = time.perf_counter()
        start = _night_start(net, night)
        tau = det_plan.units["crossing_min"].to_numpy()
        cp_sim = checkpoint_units(net)
        tonight = sightings_from_gpx(
            net, sorted((folder / "gpx").glob("*.gpx")), window_start=start, window_min=window
        )
        all_units = np.arange(len(net.units))
        sim_un = replay_uninformed(tonight, cp_sim, tau, window, all_units, n=args.n, seed=1)
        cf_un = float(u["p_uninformed"].mean())
        # the same on the units no checkpoint watches (the patrols alone)
        open_units = np.flatnonzero(~cp_sim)
        sim_un_open = replay_uninformed(tonight, cp_sim, tau, window, open_units, n=args.n, seed=4)
        cf_un_open = float(u["p_uninformed"].to_numpy()[open_units].mean())
        # watching: units no checkpoint watches, with a pass a crossing can start after
        passes = pass_times(net, plan.schedule.timeline)
        wf = watching(passes["unit"].to_numpy(), passes["t"].to_numpy(), tau, window, len(tau))
        cand = np.flatnonzero(~cp_sim & (wf["n_watch_passes"].to_numpy() > 0))
        sim_wa, sim_worst = replay_watching(tonight, tau, window, cand, n=args.n, seed=2)
        cf_wa = float(wf["watch_share"].to_numpy()[cand].mean())
        agree = np.mean([sim_worst.get(int(i), 0.0) == wf["p_watching"].iat[int(i)] for i in cand])
        # informed: the best response of each odds; the teams whose loops come near it drive each
        # of their variants once more, each to its own GPX track
        rf = routes_frame(net, plan).set_index("team")
        by_team = {r.team: r for r in plan.routes}
        rows = []
        spur = det_plan.informed_lp.unit  # the plain variants' weakest unit (a detour's target)
        for label, d, odds, at_unit in (
            ("LP odds", det_plan, det_plan.odds, None),
            ("uniform odds", det_plan, det_plan.odds_uniform, None),
            (f"LP odds with detours ≤ {target:.0f} min", det_dt, det_dt.odds, None),
            (f"LP odds with detours ≤ {target:.0f} min, at unit {spur}", det_dt, det_dt.odds, spur),
        ):
            inf = d.informed_lp if label.startswith("LP") else d.informed_uniform
            if at_unit is not None:  # that unit's own worst start under these odds
                inf = dataclasses.replace(
                    inf,
                    unit=int(at_unit),
                    start=float(inf.start_min[at_unit]),
                    border_min=float(inf.p_unit[at_unit]),
                )
            unit_geom = net.units.geometry.iloc[inf.unit]
            near = [
                tm
                for tm in d.variants
                if rf.loc[tm, "geometry"] is not None
                and rf.loc[tm, "geometry"].distance(unit_geom) <= 2 * net.config.patrol_view_m
            ]
            vs_sights = {}
            team_odds = {}
            names = list(d.passes.variants)
            for tm in near:
                sights = []
                for v in d.variants[tm]:
                    # the track starts one loop before the window (the crew set out before it),
                    # so that a pass in progress at the window start has its whole spell
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
                    tracks = _gpx_tracks(net, vplan, night)
                    f = Path(tmp) / f"{v.variant}.gpx"
                    f.write_text(_gpx(tracks, [tm]), encoding="utf-8")
                    sights.append(
                        sightings_from_gpx(
                            net,
                            [f],
                            window_start=start + timedelta(minutes=lead),
                            window_min=window,
                        )
                    )
                vs_sights[tm] = sights
                team_odds[tm] = np.asarray([odds[names.index(v.variant)] for v in d.variants[tm]])
            sim = replay_informed(
                vs_sights, team_odds, inf.unit, inf.start, float(tau[inf.unit]), n=args.n, seed=3
            )
            rows.append((label, inf, near, sim))
        sim_s = time.perf_counter() - t

    say(
        f"Simulator (`borderwatch/coverage/crossings.py`, {sim_s:.0f} s): {args.n:,} crossings per "
        "model replayed against GPX tracks (positions every 3 s), not against the pass tables.\n"
    )
    say("| model | crossings | closed form | simulated | difference (pp) |")
    say("|---|---|---|---|---|")
    say(
        f"| uninformed: random unit (all {len(all_units)}), random start, tonight's GPX | {args.n:,} | "
        f"{cf_un:.4f} | {sim_un:.4f} | {100 * (sim_un - cf_un):+.2f} |"
    )
    say(
        f"| uninformed: random unit of the {len(open_units)} no checkpoint watches, random start | "
        f"{args.n:,} | {cf_un_open:.4f} | {sim_un_open:.4f} | {100 * (sim_un_open - cf_un_open):+.2f} |"
    )
    for label, inf, near, sim in rows:
        say(
            f"| informed best response, {label}: unit {inf.unit} (km {float(net.units['start_m'].iat[inf.unit]) / 1000:.2f}), "
            f"start {inf.start:.2f} min; variants of {', '.join(near)} from their own GPX | {args.n:,} | "
            f"{inf.border_min:.4f} | {sim:.4f} | {100 * (sim - inf.border_min):+.2f} |"
        )
    say(
        f"| watching: random unit ({len(cand)} without a checkpoint, passed), random pass, tonight's GPX | "
        f"{args.n:,} | {cf_wa:.4f} | {sim_wa:.4f} | {100 * (sim_wa - cf_wa):+.2f} |"
    )
    say(
        f"\nWatching, per unit (the worst pass: 1 or 0): simulator and closed form agree on "
        f"{100 * agree:.1f} % of those {len(cand)} units."
    )
    p_chi2, n_bins, n_draws = _roster_chi2(summary)
    say(
        f"\nThe roster's draws (`roster/rotation.rotate_variants` with this plan's `detection.odds`, "
        f"read by `roster.build.plan_variants`) over 8 weeks: {n_draws:,} team-nights, χ² against "
        f"the odds over {n_bins} bins (variants merged to expected ≥ 5 within each team): "
        f"p = {p_chi2:.3f}."
    )
    gains = _synthetic_gains()
    say(
        f"\nWhere the variants are not one loop's evenly spaced phases, the LP matters: on "
        f"{len(gains)} random instances (two teams × three variants, each a 15-30 min loop from a "
        f"random offset with one pass in seven dropped, three units, τ = 20 min, 120-min night; "
        f"as in tests/coverage/test_detection.py) the LP odds "
        f"raise the informed minimum over uniform odds by {np.mean(gains):.3f} on average "
        f"(median {np.median(gains):.3f}, max {np.max(gains):.3f}; raised in "
        f"{int(np.sum(gains > 1e-6))}, never lowered: min {np.min(gains):+.3f})."
    )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def _roster_chi2(plan: dict) -> tuple[float, int, int]:
    """χ² p-value of 8 weeks of roster draws against the plan's odds (pooled over teams)."""
    from scipy.stats import chisquare

    from borderwatch.roster.build import plan_variants
    from borderwatch.roster.rotation import rotate_variants

    variants = plan_variants(plan)
    draws: dict[str, list[str]] = {t: [] for t in variants}
    for w in range(1, 9):
        for team, picks in rotate_variants(variants, f"2026-W{w:02d}", salt="bench").items():
            draws[team] += [str(p["variant"]) for p in picks]
    f_obs: list[float] = []
    f_exp: list[float] = []
    teams = 0
    for team, vs in variants.items():
        n = len(draws[team])
        exp = {str(v["variant"]): n * float(v.get("odds", 0.0)) for v in vs}
        obs = {k: draws[team].count(k) for k in exp}
        if len(exp) < 2:
            continue
        teams += 1
        bo = be = 0.0
        for k in sorted(exp, key=lambda k: (exp[k], k)):
            if exp[k] == 0:
                continue
            bo, be = bo + obs[k], be + exp[k]
            if be >= 5:
                f_obs.append(bo)
                f_exp.append(be)
                bo = be = 0.0
        if be:
            f_obs[-1] += bo
            f_exp[-1] += be
    p = float(chisquare(f_obs, f_exp, ddof=teams - 1).pvalue)
    return p, len(f_obs), sum(len(d) for d in draws.values())


def _synthetic_gains(n: int = 200) -> np.ndarray:
    """LP minus uniform informed minimum on random two-team instances (not phase orbits)."""
    from borderwatch.coverage.detection import VariantPasses, informed
    from borderwatch.plan.odds import team_odds, uniform_odds

    out = []
    for seed in range(n):
        rng = np.random.default_rng(seed)
        var, unit, t, vteam = [], [], [], []
        for k in range(2):
            for _ in range(3):
                g = len(vteam)
                vteam.append(k)
                for u in range(3):
                    period = float(rng.integers(30, 61)) / 2.0
                    times = np.arange(float(rng.integers(0, 2 * int(period))) / 2.0, 120.0, period)
                    times = times[rng.random(len(times)) > 0.15]
                    var += [g] * len(times)
                    unit += [u] * len(times)
                    t += times.tolist()
        vp = VariantPasses(
            teams=("T0", "T1"),
            variants=tuple(f"v{g}" for g in range(len(vteam))),
            variant_team=np.asarray(vteam),
            var=np.asarray(var, dtype=np.int64),
            unit=np.asarray(unit, dtype=np.int64),
            t=np.asarray(t, dtype=float),
        )
        passed = np.isin(np.arange(3), vp.unit)
        odds, _ = team_odds(vp, np.full(3, 20.0), 120.0)
        lp = informed(vp, odds, 20.0, 120.0, 3).p_unit[passed].min()
        un = informed(vp, uniform_odds(vp), 20.0, 120.0, 3).p_unit[passed].min()
        out.append(lp - un)
    return np.asarray(out)


if __name__ == "__main__":
    sys.exit(main())
