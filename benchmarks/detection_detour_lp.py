"""Benchmark: seconds of the detection odds on Ningming, plain variants against drawn detours (#25).

Each side plans Ningming (seed 0, 20 s search, as ``benchmarks/detection.py``; the
search is count-based, so both sides plan the same loops) and times
:func:`borderwatch.plan.odds.detect_night` three ways, one after the other in its
process: the plan's plain variants, plus drawn detours within the plan's worst
revisit, plus drawn detours within the revisit target; wall and CPU seconds, the
informed minimum and a hash of the odds. With ``--before TREE`` (a git worktree of
the commit to compare with) the before side runs from that tree and this tree's
after it, each in its own process, in one run. Writes
``benchmarks/results/detection_detour_lp.md``.

Usage::

    PYTHONPATH=. nice -n 10 python benchmarks/detection_detour_lp.py [--before /tmp/wt_detect]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _side() -> list[dict[str, Any]]:
    """This process's package: plan Ningming, time detect_night three ways."""
    import borderwatch as bw
    from borderwatch.config import SearchParams
    from borderwatch.plan.odds import detect_night
    from borderwatch.plan.patrols import plan_patrols

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
        wall, cpu = time.perf_counter(), time.process_time()
        det = detect_night(net, plan.routes, plan.schedule.timeline, crossing_min=15.0, **kw)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append(
            {
                "set": label,
                "variants": len(det.passes.variants),
                "informed_min": round(float(det.informed_lp.border_min), 6),
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "odds_sha": hashlib.sha256(det.odds.round(6).tobytes()).hexdigest()[:12],
                "max_loop_min": round(float(plan.max_loop_min), 3),
            }
        )
    return rows


def _run(tree: Path) -> list[dict[str, Any]]:
    """Run :func:`_side` in a process importing the package from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, __file__, "--side"],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: list[dict[str, Any]] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="git worktree of the commit to compare with")
    parser.add_argument("--side", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "detection_detour_lp.md"
    )
    args = parser.parse_args(argv)
    if args.side:
        print(json.dumps(_side()))
        return 0
    before = _run(args.before) if args.before else None
    after = _run(ROOT)
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "# Detection odds: plain variants against drawn detours, Ningming (issue #25)\n",
        "`PYTHONPATH=. nice -n 10 python benchmarks/detection_detour_lp.py"
        + (f" --before {args.before}`" if args.before else "`")
        + f" at {head} (+ the working tree), one run: plan seed 0, 20 s search, τ = 15 min; "
        "`detect_night` timed three ways one after the other in one process per side"
        + (" (before: that worktree's package; after: this tree's)" if before else "")
        + ". CPU seconds are the process's own (less noisy than wall under load). "
        "`odds` is a hash of the LP odds rounded to 1e-6.\n",
    ]
    if before:
        lines += [
            "| variant set | variants | informed minimum before / after | CPU s before | "
            "CPU s after | CPU ratio | wall s before / after | odds before / after |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for b, a in zip(before, after, strict=True):
            lines.append(
                f"| {a['set']} | {a['variants']} | {b['informed_min']:.4f} / "
                f"{a['informed_min']:.4f} | {b['cpu_s']:.1f} | {a['cpu_s']:.1f} | "
                f"{a['cpu_s'] / b['cpu_s']:.2f} | {b['wall_s']:.1f} / {a['wall_s']:.1f} | "
                f"{b['odds_sha']} / {a['odds_sha']} |"
            )
        lines.append(
            f"\nPlans: longest loop {before[0]['max_loop_min']} / {after[0]['max_loop_min']} min."
        )
    else:
        lines += [
            "| variant set | variants | informed minimum | CPU s | wall s | odds |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {a['set']} | {a['variants']} | {a['informed_min']:.4f} | {a['cpu_s']:.1f} | "
            f"{a['wall_s']:.1f} | {a['odds_sha']} |"
            for a in after
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
