"""Benchmark: writing a plan's files (GeoJSON, GPX of every loop, plan.json, report) on Ningming.

The baseline is ``borderwatch/planfiles/export.py`` as of a git revision
(``--baseline-rev``), loaded beside the current module and run in the same
process on the same plan; the script prints seconds of both (best of
``--repeat``), their ratio, and whether the written folders are byte-identical.

Usage::

    python benchmarks/plan_files.py --baseline-rev 8ff4b62
"""

from __future__ import annotations

import argparse
import datetime
import filecmp
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from borderwatch.config import SearchParams

ROOT = Path(__file__).resolve().parents[1]


def _module_at(rev: str, folder: Path) -> ModuleType:
    # the writer moved from routing/ to planfiles/ (issue #20): take whichever the revision has
    for where in ("borderwatch/planfiles/export.py", "borderwatch/routing/export.py"):
        shown = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:{where}"], capture_output=True, text=True
        )
        if shown.returncode == 0:
            break
    shown.check_returncode()
    text = shown.stdout
    path = folder / "export_baseline.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("export_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _same(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.diff_files or cmp.left_only or cmp.right_only:
        return False
    return all(_same(a / sub, b / sub) for sub in cmp.common_dirs)


def main(argv: list[str] | None = None) -> int:
    from borderwatch import build_network, load_scenario
    from borderwatch.plan.patrols import plan_patrols
    from borderwatch.planfiles import export

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-rev", default="8ff4b62")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--detours",
        action="store_true",
        help="also write the drawn detours' tracks (gpx/variants/, as plan --detours)",
    )
    args = parser.parse_args(argv)
    net = build_network(load_scenario("ningming"))
    plan = plan_patrols(net, search=SearchParams(max_iterations=200, seed=0, bound_rounds=0))
    night = datetime.date(2026, 12, 1)
    variants = _drawn_detours(net, plan) if args.detours else None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = _module_at(args.baseline_rev, root)
        best: dict[str, float] = {}
        pair = (("baseline", base), ("current", export))
        for i in range(args.repeat):
            for name, module in pair if i % 2 == 0 else pair[::-1]:  # alternate who goes first
                out = root / f"{name}{i}"
                t = time.perf_counter()
                module.write_plan_files(net, plan, out, night=night, variants=variants)
                best[name] = min(best.get(name, float("inf")), time.perf_counter() - t)
        points = sum(1 for line in (root / "current0" / "routes.gpx").open() if "<trkpt" in line)
        same = _same(root / "baseline0", root / "current0")
        drawn = root / "current0" / "gpx" / "variants"
        files = sorted(drawn.glob("*.gpx")) if drawn.is_dir() else []
        changed = [
            p
            for p in files
            if not filecmp.cmp(
                p, root / "baseline0" / p.relative_to(root / "current0"), shallow=False
            )
        ]
        shutil.rmtree(root / "baseline0" / "gpx" / "variants", ignore_errors=True)
        shutil.rmtree(drawn, ignore_errors=True)
        others = _same(root / "baseline0", root / "current0")
    print(f"Ningming plan files ({points:,} GPX points in routes.gpx, best of {args.repeat}):")
    print(f"  baseline {args.baseline_rev}: {best['baseline']:6.2f} s")
    print(f"  current          : {best['current']:6.2f} s")
    print(f"  ratio baseline / current: {best['baseline'] / best['current']:.2f}x")
    print(f"  folders byte-identical: {same}")
    if args.detours:
        print(f"  drawn detour tracks: {len(files)}, {len(changed)} differ from the baseline's")
        print(f"  every other file byte-identical: {others}")
    return 0


def _drawn_detours(net: Any, plan: Any) -> dict[str, list[Any]]:
    """Team -> its variants as ``plan --detours`` writes them (detours with odds > 0)."""
    from borderwatch.plan.odds import detect_night

    det = detect_night(net, plan.routes, plan.schedule.timeline, detours=True)
    odds = det.odds_of()
    return {
        team: [v for v in vs if v.detour is None or odds[v.variant] > 0]
        for team, vs in det.variants.items()
    }


if __name__ == "__main__":
    sys.exit(main())
