"""Team sizing on Ningming (`borderwatch teams ningming`): with and without the bound in each plan.

Sizing compares worst revisits between team counts; the assignment bound of each
plan (25 rounds, what every plan ran before) is not read by it. Both variants run in
this process on the same network, the old one first, so the ratio holds on a loaded
machine. Prints seconds, the plans made and the answer; writes
benchmarks/results/teams.md.

    python benchmarks/teams.py
"""

from __future__ import annotations

import time
from pathlib import Path

from borderwatch import build_network, load_scenario
from borderwatch.config import SearchParams
from borderwatch.plan.sizing import size_teams

RESULTS = Path(__file__).resolve().parent / "results" / "teams.md"


def main() -> None:
    net = build_network(load_scenario("ningming"))
    rows = []
    for label, rounds in (("before: bound in every plan (25 rounds)", 25), ("after: no bound", 0)):
        t0 = time.perf_counter()
        res = size_teams(
            net, target_min=120.0, search=SearchParams(time_limit_s=5.0, bound_rounds=rounds)
        )
        secs = time.perf_counter() - t0
        rows.append((label, secs, res))
        print(f"{label}: {secs:.1f} s, plans {sorted(res.worst_by_k)}, fewest {res.fewest}")
    base = rows[0][1]
    lines = [
        "# Team sizing on Ningming (target 120 min, 5 s search per plan, seed from the scenario)",
        "",
        "Measured by `benchmarks/teams.py` in one process (the same network, old variant first).",
        "",
        "| variant | seconds | ratio | team counts planned | worst revisit by count | fewest |",
        "|---|---|---|---|---|---|",
    ]
    for label, secs, res in rows:
        worst = ", ".join(f"{k}: {v:.1f}" for k, v in sorted(res.worst_by_k.items()))
        lines.append(
            f"| {label} | {secs:.1f} | {secs / base:.2f} | {len(res.worst_by_k)} | {worst} "
            f"| {res.fewest} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
