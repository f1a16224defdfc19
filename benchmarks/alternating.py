"""Two trees' runs of one command, alternating, side by side: the table, the medians, the ratios.

Shared by ``cache_cost.py`` and ``entry_imports.py`` (their ``plan ningming`` rows): one warm-up
run per tree, then ``plans`` rounds, the order flipped every round (before, after, after,
before, ...), each run's wall and CPU seconds printed as a table row; the medians, the median of
the pairs' ratios, and whether the two trees' output folders are the same bytes.
"""

from __future__ import annotations

import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path


def alternate(
    trees: dict[str, Path],
    once: Callable[[str, Path], tuple[float, float]],
    plans: int,
    folder: Path,
    label: str = "medians",
) -> dict[str, list[tuple[float, float]]]:
    """Run ``once(name, tree)`` (wall s, CPU s) for ``trees`` ("before", "after") alternately.

    ``folder``/``before`` and ``folder``/``after`` are the runs' output folders, compared at
    the end. Returns each tree's runs.
    """
    for name, tree in trees.items():  # warm the cache (and the OS's file cache)
        once(name, tree)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    print("\n| run | tree | wall s | CPU s (with children) |\n|---|---|---|---|")
    for i in range(plans):
        order = list(trees.items()) if i % 2 == 0 else list(trees.items())[::-1]
        for name, tree in order:
            wall, cpu = once(name, tree)
            runs[name].append((wall, cpu))
            print(f"| {i + 1} | {name} | {wall:.2f} | {cpu:.2f} |", flush=True)
    b_wall, a_wall = (statistics.median(w for w, _ in runs[n]) for n in trees)
    b_cpu, a_cpu = (statistics.median(c for _, c in runs[n]) for n in trees)
    pairs = list(zip(runs["before"], runs["after"], strict=True))
    print(
        f"\n{label}: wall {b_wall:.2f} -> {a_wall:.2f} s ({a_wall / b_wall:.3f}x), "
        f"CPU {b_cpu:.2f} -> {a_cpu:.2f} s ({a_cpu / b_cpu:.3f}x); median of the "
        f"pairs' ratios: wall {statistics.median(a[0] / b[0] for b, a in pairs):.3f}x, "
        f"CPU {statistics.median(a[1] / b[1] for b, a in pairs):.3f}x"
    )
    same = subprocess.run(
        ["diff", "-r", "-q", str(folder / "before"), str(folder / "after")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    print("plan folders identical" if same.returncode == 0 else f"differ:\n{same.stdout}")
    return runs
