"""Benchmark: seconds of the detection odds on Ningming, plain variants against drawn detours (#25).

In one run: plans Ningming (seed 0, 20 s search, as ``benchmarks/detection.py``), then
times :func:`borderwatch.plan.odds.detect_night` three ways, one after the other in this
process: the plan's plain variants, plus drawn detours within the plan's worst revisit,
plus drawn detours within the revisit target; and, for each detour set, the share of its
seconds spent in :func:`borderwatch.plan.odds.lp_odds` (the LPs) and inside HiGHS.
Writes ``benchmarks/results/detection_detour_lp.md``.

Usage::

    python benchmarks/detection_detour_lp.py
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

from borderwatch.config import SearchParams


def _cum(stats: pstats.Stats, name: str) -> float:
    """Cumulative seconds of the functions called ``name`` in a profile."""
    return sum(v[3] for k, v in stats.stats.items() if k[2] == name or k[2].endswith(f".{name}>"))  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    import borderwatch as bw
    from borderwatch.plan.odds import detect_night
    from borderwatch.plan.patrols import plan_patrols

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "detection_detour_lp.md"
    )
    args = parser.parse_args(argv)
    net = bw.build_network(bw.load_scenario("ningming"))
    plan = plan_patrols(net, SearchParams(time_limit_s=20.0, seed=0))
    target = float(net.config.targets.max_revisit_min)
    rows = []
    for label, kw in (
        ("plain variants", {}),
        ("+ detours ≤ the plan's worst revisit", {"detours": True}),
        (
            f"+ detours ≤ the target ({target:.0f} min)",
            {"detours": True, "detour_cap_min": target},
        ),
    ):
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.enable()
        det = detect_night(net, plan.routes, plan.schedule.timeline, crossing_min=15.0, **kw)
        prof.disable()
        secs = time.perf_counter() - t
        st = pstats.Stats(prof)
        rows.append(
            (
                label,
                len(det.passes.variants),
                det.informed_lp.border_min,
                secs,
                _cum(st, "lp_odds"),
                _cum(st, "_core.run"),
            )
        )
        print(rows[-1], flush=True)
    lines = [
        "# Detection odds: plain variants against drawn detours, Ningming (issue #25)\n",
        "`python benchmarks/detection_detour_lp.py`: plan seed 0, 20 s search, τ = 15 min; "
        "`detect_night` timed three times in one process under cProfile (the profile adds "
        "to every row alike).\n",
        "| variant set | variants | informed minimum (LP) | seconds | in lp_odds | in HiGHS |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c:.3f} | {d:.1f} | {e:.1f} | {f:.1f} |" for a, b, c, d, e, f in rows]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
