"""Team sizing on Ningming (`borderwatch teams ningming`): the search budget of each plan.

Sizing compares worst revisits between team counts. Before: each plan's search ran
until a 5 s cap (so the answer depended on the machine's load: under load every plan
stopped by the clock, at 1,400-1,900 iterations); after: a fixed
:data:`~borderwatch.plan.sizing.SIZING_ITERATIONS` (1,000) iterations per plan, or
until it converges (the same answer everywhere; a 10 s cap only as a safety). Both
variants run in this process on the same network, alternately ``--repeat`` times
(median seconds), so the ratio holds on a loaded machine. Prints seconds, the plans
made and the answer; writes benchmarks/results/teams.md. The whole command, as a user
runs it, before and after side by side: ``benchmarks/fast_paths.py``.

    python benchmarks/teams.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from borderwatch import build_network, load_scenario
from borderwatch.config import SearchParams
from borderwatch.plan.sizing import SIZING_ITERATIONS, size_teams

RESULTS = Path(__file__).resolve().parent / "results" / "teams.md"


VARIANTS = (
    ("before: 5 s cap per plan", SearchParams(time_limit_s=5.0, bound_rounds=0)),
    (
        f"after: {SIZING_ITERATIONS:,} iterations per plan",
        SearchParams(time_limit_s=10.0, max_iterations=SIZING_ITERATIONS, bound_rounds=0),
    ),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    net = build_network(load_scenario("ningming"))
    secs: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    answers: dict[str, list] = {label: [] for label, _ in VARIANTS}
    for i in range(args.repeat):
        for label, search in VARIANTS if i % 2 == 0 else VARIANTS[::-1]:
            t0 = time.perf_counter()
            res = size_teams(net, target_min=120.0, search=search)
            took = time.perf_counter() - t0
            secs[label].append(took)
            answers[label].append(res)
            print(f"{label}: {took:.1f} s, worst {res.worst_by_k}, fewest {res.fewest}")
    base = statistics.median(secs[VARIANTS[0][0]])
    lines = [
        "# Team sizing on Ningming (target 120 min, seed from the scenario)",
        "",
        f"Measured by `benchmarks/teams.py` in one process (the same network), {args.repeat} "
        f"runs per variant, alternately; median seconds. Load average at the start: {load} "
        "(2 cores shared by several engineers). The run before this one compared the bound in "
        "every plan (118.3 s) with none (52.8 s, the 5 s-cap variant below).",
        "",
        "| variant | median s | ratio | runs s | team counts planned | worst revisit by count "
        "(every run) | fewest |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, _ in VARIANTS:
        med = statistics.median(secs[label])
        worst = sorted(
            {
                ", ".join(f"{k}: {v:.1f}" for k, v in sorted(r.worst_by_k.items()))
                for r in answers[label]
            }
        )
        fewest = sorted({str(r.fewest) for r in answers[label]})
        lines.append(
            f"| {label} | {med:.1f} | {med / base:.2f} | "
            f"{', '.join(f'{s:.1f}' for s in secs[label])} | {len(answers[label][0].worst_by_k)} "
            f"| {' / '.join(worst)} | {', '.join(fewest)} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
