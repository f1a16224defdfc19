"""Benchmark: a sector plan's assignment bound, 45 rounds against SECTOR_BOUND_ROUNDS (#24).

Without ``bound_time_s`` ``plan_sectors`` gives the sectors' bounds no wall-clock cap
(in-process and Dask plans agree), so their rounds end them. Before, a sector got the
whole-plan default of 45 rounds, each MILP solved to HiGHS's default gap (a sector has
<= WHOLE_UP_TO links); after, at most
:data:`~borderwatch.plan.sectors.SECTOR_BOUND_ROUNDS`. The round count is the only
difference, so both are run here side by side in one process with this tree's code:
each sector of ``split_sectors(network, 2)`` gets the bound its plan computes
(:func:`~borderwatch.plan.patrols.pruned_bound`: a 200-iteration seeded warm-up, then
the bound pruned by its longest tour), with the sector's own seed as in ``plan_sectors``.
The before bound never ends in reasonable time at 500 km, so it runs under a wall-clock
cap (``--before-cap-s``): its value is then the bound so far, its CPU seconds a floor.
CPU seconds are process time (HiGHS's threads included); the bound values do not depend
on the load, the seconds do.

Usage::

    PYTHONPATH=. nice -n 10 python benchmarks/sector_bound_rounds.py --cases 120:10,500:7
"""

from __future__ import annotations

import argparse
import logging
import math
import time
import warnings

import numpy as np

from borderwatch import build_network
from borderwatch.config import SearchParams
from borderwatch.data.synthetic import generate_scenario
from borderwatch.plan.patrols import BOUND_WARMUP_ITERATIONS, pruned_bound
from borderwatch.plan.required import choose_required_edges
from borderwatch.plan.sectors import (
    SECTOR_BOUND_ROUNDS,
    _fixed_edges,
    _own_fixed,
    sector_network,
    sector_seed,
    split_sectors,
)
from borderwatch.routing.minmax import solve_minmax
from borderwatch.routing.patrol import build_instance


class _Rounds(logging.Handler):
    """Counts the bound's rounds (its debug line per round)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.n = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("assignment bound round"):
            self.n += 1


def _bound(inst, search: SearchParams, cap_s: float) -> tuple[float, float, int, bool]:  # type: ignore[no-untyped-def]
    """The bound (min), its CPU s, its rounds that added cuts, whether the cap stopped it."""
    counter = _Rounds()
    log = logging.getLogger("borderwatch.routing.assignment")
    log.setLevel(logging.DEBUG)
    log.addHandler(counter)
    try:
        c, w = time.process_time(), time.perf_counter()
        value = pruned_bound(inst, search, cap_s)
        stopped = time.perf_counter() - w >= cap_s - 1.0
        return value / 60.0, time.process_time() - c, counter.n, stopped
    finally:
        log.removeHandler(counter)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", default="120:10,500:7", help="km:seed,...")
    ap.add_argument("--before-rounds", type=int, default=45)
    ap.add_argument("--before-cap-s", type=float, default=90.0)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(
        f"before = {args.before_rounds} rounds (wall cap {args.before_cap_s:.0f} s), "
        f"after = {SECTOR_BOUND_ROUNDS} rounds (no cap)\n"
    )
    print(
        "| border | sector (links / teams) | warm-up loop | before: bound (rounds with cuts, "
        "CPU s) | after: bound (rounds with cuts, CPU s) |"
    )
    print("|---|---|---|---|---|")
    for case in args.cases.split(","):
        km, seed = (int(x) for x in case.split(":"))
        net = build_network(generate_scenario(km, seed=seed))
        search = SearchParams(max_iterations=1500, time_limit_s=3600.0, seed=0)
        plan_seed = search.seeded(net.config.seed)
        split = split_sectors(net, 2)
        owned = _own_fixed(net, split, _fixed_edges(net, None))
        for s, own in zip(split, owned, strict=True):
            sub = sector_network(net, s)
            req = choose_required_edges(
                sub, fixed_edges=np.searchsorted(s.edges, own), time_limit_s=30.0
            )
            inst = build_instance(sub, req.edges)
            sd = search.replace(seed=sector_seed(plan_seed, s.index)).seeded(sub.config.seed)
            before = search.replace(seed=sd, bound_rounds=args.before_rounds)
            after = search.replace(seed=sd, bound_rounds=min(45, SECTOR_BOUND_ROUNDS))
            warm = solve_minmax(
                inst.instance,
                SearchParams(time_limit_s=0.0, max_iterations=BOUND_WARMUP_ITERATIONS, seed=sd),
            ).max_cost
            b, bc, bn, capped = _bound(inst.instance, before, args.before_cap_s)
            a, ac, an, _ = _bound(inst.instance, after, math.inf)
            stopped = ", stopped by the cap" if capped else ""
            print(
                f"| {km} km seed {seed} | {s.index + 1}: {s.km:.0f} km "
                f"({len(inst.links)} / {len(sub.teams)}) | {warm / 60:.1f} "
                f"| {b:.1f} ({bn}, {bc:.1f}{stopped}) | {a:.1f} ({an}, {ac:.1f}) |",
                flush=True,
            )


if __name__ == "__main__":
    main()
