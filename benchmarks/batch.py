"""Benchmark: a batch of generated county-sized scenarios on 1 and on N local Dask workers.

The batch is ``--scenarios`` generated scenarios (``generate_scenario(border_km,
seed=i)``, i = 1..N), one ``plan`` task each with a fixed ``max_iterations`` so
that every run does the same work. For each worker count the script starts a
fresh :class:`distributed.LocalCluster` (one thread per worker process), warms
the workers up (imports), and times :func:`borderwatch.batch.run_batch` into a
fresh folder (no resume). It prints:

* wall time per worker count and the speedup against 1 worker (same process,
  same tasks: the ratio is the result; the issue's target is >= 1.8x on 2 workers);
* the task-duration distribution (seconds inside the task: scenario generation,
  network, plan, files) from the 1-worker run;
* a projected makespan on 100 workers: the durations placed longest-first on
  100 workers (LPT), i.e. ``max(longest task, total / 100)`` roughly, plus the
  per-task overhead measured here (wall time on 1 worker minus the sum of durations,
  per task).

Checks that each run gives the same table (apart from seconds).

Usage::

    python benchmarks/batch.py                                   # 32 x 212 km, workers 1,2
    python benchmarks/batch.py --scenarios 4 --border-km 20      # a quick try
    python benchmarks/batch.py --workers 1,2,4 --out benchmarks/results/batch.md

Run it on a quiet machine: other processes on the cores distort the speedup.
"""

from __future__ import annotations

import argparse
import heapq
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from borderwatch.config import SearchParams


def lpt_makespan(durations: list[float], workers: int) -> float:
    """Makespan of ``durations`` placed longest-first on ``workers`` identical workers."""
    loads = [0.0] * min(workers, max(len(durations), 1))
    heapq.heapify(loads)
    for d in sorted(durations, reverse=True):
        heapq.heapreplace(loads, loads[0] + d)
    return max(loads) if loads else 0.0


def _warm() -> None:
    """Run a tiny plan on a worker so that every lazy import is done before timing."""
    from datetime import date

    from borderwatch.data import build_network
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.jobs import run_plan

    with tempfile.TemporaryDirectory() as tmp:
        net = build_network(generate_scenario(8.0, 1))
        run_plan(
            net,
            tmp,
            night=date(2026, 1, 5),
            map_html=False,
            search=SearchParams(max_iterations=5, seed=0),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=32, help="number of generated scenarios")
    parser.add_argument("--border-km", type=float, default=212.0, help="border length of each")
    parser.add_argument("--workers", default="1,2", help="comma list of local worker counts")
    parser.add_argument("--max-iterations", type=int, default=200, help="routing search effort")
    parser.add_argument("--job", choices=("plan", "gaps"), default="plan")
    parser.add_argument("--project", type=int, default=100, help="worker count to project to")
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) here")
    args = parser.parse_args(argv)

    from borderwatch.batch import close_client, open_client, parse_spec, run_batch
    from borderwatch.batch.results import VOLATILE_COLUMNS

    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    spec = parse_spec(
        {
            "job": args.job,
            "max_iterations": args.max_iterations,
            "time_limit_s": 3600.0,
            "night": "2026-01-05",
            "scenario": [
                {"generate": {"border_km": args.border_km, "seed": i}}
                for i in range(1, args.scenarios + 1)
            ],
        }
    )
    lines = [
        f"# batch benchmark: {args.scenarios} generated scenarios x {args.border_km:g} km, "
        f"job {args.job}, max_iterations {args.max_iterations}",
        "",
        "| workers | wall s | speedup vs 1 | failed |",
        "|---:|---:|---:|---:|",
    ]
    walls: dict[int, float] = {}
    tables: dict[int, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory(prefix="bw-batch-bench-") as tmp:
        for n in workers:
            client = open_client(local=n)
            try:
                client.run(_warm)  # imports and first-call costs, on every worker
                t0 = time.perf_counter()
                result = run_batch(spec, Path(tmp) / f"w{n}", client=client, resume=False)
                walls[n] = time.perf_counter() - t0
                tables[n] = result.table
            finally:
                close_client(client)
            base = walls.get(1, walls[workers[0]])
            print(
                f"{n} worker(s): {walls[n]:.1f} s, speedup {base / walls[n]:.2f}x, "
                f"{result.n_failed} failed",
                file=sys.stderr,
            )
    base_n = 1 if 1 in walls else workers[0]
    for n in workers:
        lines.append(
            f"| {n} | {walls[n]:.1f} | {walls[base_n] / walls[n]:.2f} | "
            f"{int((tables[n]['status'] != 'ok').sum())} |"
        )
    ref = tables[base_n].drop(columns=list(VOLATILE_COLUMNS))
    same = all(t.drop(columns=list(VOLATILE_COLUMNS)).equals(ref) for t in tables.values())
    durations = [float(s) for s in tables[base_n]["seconds"]]
    q = (
        statistics.quantiles(durations, n=10, method="inclusive")
        if len(durations) > 1
        else durations * 9
    )
    overhead = max(walls[base_n] / base_n - sum(durations) / base_n, 0.0) / max(len(durations), 1)
    per_task = [d + overhead for d in durations]
    projected = lpt_makespan(per_task, args.project)
    many = args.project * 10
    replicated = (per_task * (many // len(per_task) + 1))[:many]
    lines += [
        "",
        f"identical tables on every worker count: {'yes' if same else 'NO'}",
        "",
        f"task seconds ({base_n}-worker run): min {min(durations):.2f}, "
        f"p10 {q[0]:.2f}, median {statistics.median(durations):.2f}, p90 {q[-1]:.2f}, "
        f"max {max(durations):.2f}, sum {sum(durations):.1f}",
        f"overhead per task (scheduling, transfer, summary): {overhead:.3f} s",
        f"projected makespan on {args.project} workers (LPT of these durations + overhead): "
        f"{projected:.1f} s  (the longest task bounds it: {max(per_task):.1f} s)",
        f"projected for {many} such tasks (these durations repeated) on {args.project} workers: "
        f"{lpt_makespan(replicated, args.project):.1f} s",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
