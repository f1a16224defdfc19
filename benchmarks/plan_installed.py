"""``borderwatch plan ningming`` as users run it: two installs alternating on a quiet machine.

Each install is a venv made the README's way (``python3 -m venv V && V/bin/pip install
<tree>``: non-editable, bytecode compiled), e.g. the session's start and its end::

    git worktree add /tmp/before 3458e6e && python3 -m venv /tmp/vA && /tmp/vA/bin/pip install /tmp/before
    python3 -m venv /tmp/vB && /tmp/vB/bin/pip install .
    python benchmarks/plan_installed.py --runs 8 /tmp/vA /tmp/vB

A run starts only after 2 s in which the machine's other processes used < 0.1 CPU s, and
counts only if they used <= 0.3 CPU s while it ran (from ``/proc/stat`` less this
command's own CPU): on a shared machine the rest is another engineer's work. Each line
gives the run's wall and CPU seconds and the search's own seconds (its ``-v`` line), which
show how fast the host ran the same 2,000 iterations; the medians and the ratio at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import time
from pathlib import Path

HZ = os.sysconf("SC_CLK_TCK")


def _busy_s() -> float:
    """CPU seconds the whole machine has spent busy (``/proc/stat``'s first line)."""
    v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(v) - v[3] - v[4]) / HZ


def _run(venv: Path, out: Path) -> tuple[float, float, float, str]:
    """One ``plan ningming`` of ``venv``: wall s, its CPU s, the others' CPU s, the search's s."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")
    }
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0, w = _busy_s(), time.perf_counter()
    r = subprocess.run(
        [str(venv / "bin" / "borderwatch"), "-v", "plan", "ningming", "--night", "2026-12-07",
         "--out", str(out), "--force"],
        env=env, cwd="/tmp", capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall, busy1 = time.perf_counter() - w, _busy_s()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    ours = ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime
    found = re.search(r"2000 iterations in ([0-9.]+) s", r.stderr)
    return wall, ours, busy1 - busy0 - ours, found.group(1) if found else "?"


def wait_quiet(tries: int = 100) -> bool:
    """Wait until 2 s pass in which the machine's processes used < 0.1 CPU s (at most ``tries``)."""
    for _ in range(tries):
        b0 = _busy_s()
        time.sleep(2.0)
        if _busy_s() - b0 <= 0.1:
            return True
    return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("venvs", nargs="+", type=Path, help="venvs with borderwatch installed")
    ap.add_argument("--runs", type=int, default=6, help="counted runs per venv")
    args = ap.parse_args()
    walls: dict[Path, list[float]] = {v: [] for v in args.venvs}
    turn = tries = 0
    while min(len(w) for w in walls.values()) < args.runs and tries < 100 * args.runs:
        tries += 1
        venv = args.venvs[turn % len(args.venvs)]
        if not wait_quiet(1):
            continue
        wall, ours, others, search = _run(venv, Path(f"/tmp/plan_installed_{venv.name}"))
        counted = others <= 0.3
        print(
            f"{time.strftime('%H:%M:%S')} {venv.name:6s} wall {wall:5.2f} CPU {ours:5.2f} "
            f"others {others:4.2f} search {search}{'' if counted else '  (disturbed: not counted)'}",
            flush=True,
        )
        if counted:
            walls[venv].append(wall)
            turn += 1
    for venv, w in walls.items():
        print(
            f"{venv.name}: median {statistics.median(w):.2f} s ({min(w):.2f}-{max(w):.2f}), n {len(w)}"
        )
    if len(args.venvs) == 2:
        a, b = (statistics.median(walls[v]) for v in args.venvs)
        print(f"ratio {args.venvs[1].name}/{args.venvs[0].name}: {b / a:.2f}")


if __name__ == "__main__":
    main()
