"""Benchmark: can mixed plans lift the informed minimum on Ningming (issue #25)? A proof by bound.

A *mixed plan* variant is a whole alternative assignment of roads to teams, drawn per
night. Against the informed intruder it can only lift the border's minimum at the
bottleneck unit (the unit with the lowest ``τ / D``: on Ningming unit 282, km 70.50, at
the end of a spur only T14 drives, once per 88.1-min loop) if some plan whose every loop
stays within the plan's worst revisit passes that unit in a shorter loop, or by two
teams. Both are decided here by the assignment bound
(:func:`borderwatch.routing.assignment.assignment_bound`, a valid lower bound on the
longest loop of *every* plan) on two modified instances:

* **shorter loop**: the unit's only watching link costs ``δ`` more to drive for every
  team. A plan whose longest loop is ``≤ L`` and whose loop through the link is
  ``≤ L − δ`` is a plan of the modified instance with longest loop ``≤ L``; so a bound
  ``> L`` on the modified instance proves that every plan within ``L`` passes the unit in
  a loop longer than ``L − δ``.
* **two teams**: the link is duplicated and the two copies must go to different teams
  (one extra row per team in the bound's MILP). A bound ``> L`` proves that no plan
  within ``L`` has two teams drive the link.

Also prints, per team allowed on the link, its round trip from base to the link and its
loop's slack under ``L``. Writes ``benchmarks/results/detection_mixed_plans.md``.

Usage::

    python benchmarks/detection_mixed_plans.py [--delta 0.5] [--rounds 80]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from borderwatch.config import SearchParams


@contextlib.contextmanager
def _different_teams(a_edge: int, b_edge: int) -> Iterator[None]:
    """Inside: the bound's MILP gets ``x[t, a] + x[t, b] <= 1`` for every team ``t``."""
    from borderwatch.routing import assignment

    orig = assignment._base_rows

    def rows(model, rt, add, col, team_cols, z):  # type: ignore[no-untyped-def]
        out = orig(model, rt, add, col, team_cols, z)
        req = [int(e) for e in model.req]
        a, b = req.index(a_edge), req.index(b_edge)
        for t in range(model.k):
            if (t, a) in col and (t, b) in col:
                out.add([col[(t, a)], col[(t, b)]], [1.0, 1.0], 0.0, 1.0)
        return out

    assignment._base_rows = rows  # type: ignore[assignment]
    try:
        yield
    finally:
        assignment._base_rows = orig  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    import borderwatch as bw
    from borderwatch.plan.patrols import plan_patrols
    from borderwatch.routing.assignment import _trip_weights, assignment_bound, subset_cost
    from borderwatch.routing.minmax import _Model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delta", type=float, default=0.5, help="minutes added to the link")
    parser.add_argument("--rounds", type=int, default=80, help="bound rounds")
    parser.add_argument("--unit", type=int, default=282)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).parent / "results" / "detection_mixed_plans.md",
    )
    args = parser.parse_args(argv)
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    net = bw.build_network(bw.load_scenario("ningming"))
    t = time.perf_counter()
    plan = plan_patrols(net, SearchParams(time_limit_s=20.0, seed=0))
    plan_s = time.perf_counter() - t
    pi = plan.instance
    inst = pi.instance
    big_l = plan.result.max_cost / 60.0
    say("# Mixed plans against the informed intruder, Ningming (issue #25)\n")
    say(
        f"`python benchmarks/detection_mixed_plans.py --delta {args.delta:g} --rounds "
        f"{args.rounds}`: plan seed 0, 20 s search ({plan_s:.0f} s), longest loop "
        f"L = {big_l:.3f} min, the plan's bound {plan.bound_min:.3f} min (proven optimal).\n"
    )
    row = net.watch.unit_edge[[args.unit]]
    edges = np.flatnonzero(np.asarray(row.todense()).ravel())
    links = [i for i, lk in enumerate(pi.links) if set(lk.edges) & set(edges.tolist())]
    km = float(net.units["start_m"].iat[args.unit]) / 1000
    say(
        f"Unit {args.unit} (km {km:.2f}) is watched by network edge(s) {edges.tolist()} only, "
        f"the instance's link(s) {links}: every plan drives it (the only road that watches the "
        "unit is required), and a team passes the unit only by driving that edge (turns "
        "are at graph nodes).\n"
    )
    model = _Model.of(inst)
    rt = _trip_weights(model, None, False)[0]
    loops = {r.team: r.loop_s / 60.0 for r in plan.routes}
    owner = [r.team for r in plan.routes if any(e in edges for e, _ in r.steps)]
    say(f"Tonight's plan passes it with {', '.join(owner)}.\n")
    say(
        "| team | allowed on the link | round trip base → link → base (min) | loop tonight | slack L − loop |"
    )
    say("|---|---|---|---|---|")
    for j in links:
        for k, team in enumerate(pi.teams):
            ok = bool(model.allowed[k, j])
            trip = f"{rt[k, j] / 60:.1f}" if ok else "—"
            lp = loops.get(team, 0.0)
            say(
                f"| {team} | {'yes' if ok else 'no (vehicle)'} | {trip} | {lp:.1f} | {big_l - lp:.1f} |"
            )
    say()
    req_edge = pi.n_network_edges + links[0]
    out = []
    t = time.perf_counter()
    base_b = assignment_bound(inst, time_limit_s=600, max_rounds=args.rounds) / 60
    out.append(("the plan's instance", base_b, time.perf_counter() - t))
    cost = inst.cost.copy()
    cost[:, req_edge] += args.delta * 60.0
    t = time.perf_counter()
    b = assignment_bound(
        dataclasses.replace(inst, cost=cost), time_limit_s=600, max_rounds=args.rounds
    )
    out.append(
        (
            f"link + {args.delta:g} min (a loop through it ≤ L − {args.delta:g})",
            b / 60,
            time.perf_counter() - t,
        )
    )
    dup = dataclasses.replace(
        inst,
        u=np.r_[inst.u, inst.u[req_edge]],
        v=np.r_[inst.v, inst.v[req_edge]],
        cost=np.c_[inst.cost, inst.cost[:, req_edge]],
        required=np.r_[inst.required, True],
    )
    t = time.perf_counter()
    with _different_teams(req_edge, len(inst.u)):
        b = assignment_bound(dup, time_limit_s=600, max_rounds=args.rounds)
    out.append(("link duplicated, copies to two different teams", b / 60, time.perf_counter() - t))
    say("| instance | lower bound on the longest loop (min) | > L? | seconds |")
    say("|---|---|---|---|")
    for name, val, secs in out:
        say(
            f"| {name} | {val:.3f} | {'yes: impossible within L' if val > big_l + 1e-6 else 'no'} | {secs:.0f} |"
        )
    say()
    lo = big_l - args.delta
    say(
        f"So every plan whose loops all stay within L = {big_l:.3f} min passes unit {args.unit} "
        f"with one team, once per loop of more than {lo:.2f} min: against any odds over such "
        f"plans (and their phases), the informed figure there is at most τ / {lo:.2f} = "
        f"{15.0 / lo:.4f} at τ = 15 (one plan: τ / L = {15.0 / big_l:.4f}; tonight's 12 "
        f"phases: 2/12 = {2 / 12:.4f})."
    )
    say()
    say(
        "The bound above is for the plan's loop model: the min-max stage's loops are depot "
        "tours (each loop starts and ends at the team's base, `TeamRoute.steps`), and so is "
        "the bound. A loop that does not pass the base every period (the approach once, then "
        "a circuit of the same roads) is shorter; each team's roads tonight, exact best "
        "circuit (Held-Karp, `assignment.subset_cost` with the base moved onto the first road):\n"
    )
    say("| team | roads (links) | depot tour (min) | circuit without the base (min) |")
    say("|---|---|---|---|")
    req = [int(e) for e in np.flatnonzero(inst.required)]
    for k, team in enumerate(pi.teams):
        tk = sorted({req.index(e) for e, _ in plan.result.tasks[k]})
        if not tk:
            continue
        dep = inst.depots.copy()
        dep[k] = inst.u[req[tk[0]]]
        free = subset_cost(dataclasses.replace(inst, depots=dep), k, tk) / 60
        say(f"| {team} | {len(tk)} | {subset_cost(inst, k, tk) / 60:.2f} | {free:.2f} |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
