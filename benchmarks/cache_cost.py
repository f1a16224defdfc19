"""Benchmark: what the borderwatch cache's size limit and safety checks cost, two trees alternating.

The size limit and the folder checks (cache12) add, per cache hit, a ``mkdir`` of the
folders (existing), an ``lstat``/``stat`` of each, an ``open``/``fstat`` of the folder and
of the entry and a ``utime`` (the entry marked used); per write, one ``os.scandir`` of
each kind's folder with a ``stat`` of each entry (the trim's scan). This runs, in one
process per tree and with the trees alternating:

* ``hits``: ``cached_computation`` reading existing entries (1 kB) from a cache of
  ``K`` entries, microseconds per call;
* ``writes``: ``cached_computation`` writing 40 new entries into a cache of ``K`` entries
  (the first write scans the cache, the others of the same minute under the limit do
  not), microseconds per call, and one scan (``trim_cache`` under the limit) alone;

and then ``borderwatch plan ningming`` (a warm cache shared by both trees, the same
files) alternating, wall and CPU seconds (with children) per run and their medians.

Usage::

    git worktree add /tmp/before a9a1c17
    python benchmarks/cache_cost.py --before /tmp/before --after . --plans 4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alternating import alternate  # benchmarks/alternating.py (the script's folder)

_MICRO = r"""
import json, os, pickle, sys, time, tempfile
from pathlib import Path
root = Path(tempfile.mkdtemp(prefix="cache-cost-"))
os.environ["BORDERWATCH_CACHE_DIR"] = str(root)
os.environ.pop("BORDERWATCH_NO_CACHE", None)
from borderwatch.data import road_cache as rc
entries, hits, writes = (int(x) for x in sys.argv[1:4])
kinds = ("roads", "derived", "matchings", "key-tables")
for kind in kinds:
    (root / kind).mkdir(mode=0o700, parents=True, exist_ok=True)
blob = pickle.dumps((bytes(1000), []))
for i in range(entries):  # the cache as an earlier month of plans left it
    (root / kinds[i % 4] / f"{i:064x}.pickle").write_bytes(blob)
def key(i): return f"{i:064x}"
t = time.perf_counter()
for i in range(hits):
    rc.cached_computation(kinds[i % 4], key(i % max(entries, 1)), lambda: bytes(1000), "x")
hit = time.perf_counter() - t
t = time.perf_counter()
for i in range(writes):
    rc.cached_computation("matchings", key(10**9 + i), lambda: bytes(1000), "x")
write = time.perf_counter() - t
scan = float("nan")
if hasattr(rc, "trim_cache"):  # the after tree: one scan of the whole cache (under its limit)
    scan = min((lambda t: (rc.trim_cache(root, 10**15), time.perf_counter() - t)[1])(
        time.perf_counter()) for _ in range(3))
import shutil
shutil.rmtree(root)
print(json.dumps({"hit_us": hit / max(hits, 1) * 1e6, "write_us": write / max(writes, 1) * 1e6,
                  "scan_ms": scan * 1e3}))
"""


def _env(tree: Path, cache: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BORDERWATCH_NO_CACHE",)}
    env["PYTHONPATH"] = str(tree.resolve())
    env["BORDERWATCH_QUIET"] = "1"
    if cache is not None:
        env["BORDERWATCH_CACHE_DIR"] = str(cache)
    return env


def _micro(tree: Path, entries: int, hits: int, writes: int) -> dict[str, float]:
    r = subprocess.run(
        [sys.executable, "-c", _MICRO, str(entries), str(hits), str(writes)],
        env=_env(tree), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def _plan(tree: Path, cache: Path, out: Path) -> tuple[float, float]:
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "borderwatch", "plan", "ningming", "--night", "2026-12-07",
         "--out", str(out), "--force"],
        env=_env(tree, cache), cwd="/tmp", capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - t
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime


def _imports(trees: dict[str, Path], runs: int) -> None:
    """CPU seconds of ``import borderwatch.cli`` (what the program imports), trees alternating."""
    got: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(runs):
        for name, tree in trees.items():
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(
                [sys.executable, "-c", "import borderwatch.cli"], env=_env(tree), check=True
            )
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            got[name].append(ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime)
    b, a = (statistics.median(got[n]) for n in trees)
    print(f"\nimport borderwatch.cli, median CPU s of {runs}: {b:.3f} -> {a:.3f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--before", type=Path, required=True, help="tree without the change")
    ap.add_argument("--after", type=Path, required=True, help="tree with it")
    ap.add_argument("--entries", default="0,1000,10000", help="cache sizes (entries) to try")
    ap.add_argument("--repeat", type=int, default=3, help="micro runs per tree and size")
    ap.add_argument("--plans", type=int, default=4, help="plan ningming runs per tree (0: none)")
    args = ap.parse_args()
    trees = {"before": args.before, "after": args.after}
    print(
        "| cache entries | hit µs before | hit µs after | write µs before | write µs after "
        "| one scan ms (after) |"
    )
    print("|---|---|---|---|---|---|")
    for entries in (int(x) for x in args.entries.split(",")):
        got: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for _ in range(args.repeat):
            for name, tree in trees.items():
                got[name].append(_micro(tree, entries, 400 if entries else 0, 40))
        med = {
            (name, what): statistics.median(r[what] for r in runs)
            for name, runs in got.items()
            for what in ("hit_us", "write_us", "scan_ms")
        }
        hit = (
            ("-", "-")
            if not entries
            else (f"{med['before', 'hit_us']:.0f}", f"{med['after', 'hit_us']:.0f}")
        )
        print(
            f"| {entries:,} | {hit[0]} | {hit[1]} | {med['before', 'write_us']:.0f} "
            f"| {med['after', 'write_us']:.0f} | {med['after', 'scan_ms']:.1f} |",
            flush=True,
        )
    _imports(trees, args.repeat * 4)
    if not args.plans:
        return
    with tempfile.TemporaryDirectory(prefix="cache-cost-plan-") as tmp:
        cache = Path(tmp) / "cache"
        alternate(
            trees,
            lambda name, tree: _plan(tree, cache, Path(tmp) / name),
            args.plans,
            Path(tmp),
        )


if __name__ == "__main__":
    main()
