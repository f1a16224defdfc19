"""Summarise ``arc_routing.py`` CSVs against a min-max reference CSV (issue #24, item 6).

For each CSV (one problem: MM k-CPP or MM k-RPP) and each of our solvers (the ``ours``
column and every ``ours_<name>`` column) prints the mean and largest gap to the
reference value and the rows at (or below) it, over all rows and over the rows whose
reference is a HGS-CARP run (the others are rows where our search reached the lower
bound, so the bound is the optimum and HGS-CARP was not run: ``hgs_reference.py
--skip-at-bound``). Rows without a reference value are counted apart.

Usage::

    python benchmarks/carp_summary.py --reference REF.csv --problem MMkCPP CSV [CSV ...]
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.carplib import read_reference  # noqa: E402


def summarise(rows: list[dict[str, str]], ref: dict, problem: str) -> list[str]:
    """Lines of the summary of one CSV's rows against ``ref`` (see the module text)."""
    solvers = ["ours"] + [c for c in rows[0] if c.startswith("ours_")] if rows else []
    out = []
    for col in solvers:
        name = "minmax" if col == "ours" else col.removeprefix("ours_")
        for subset in ("all", "hgs"):
            gaps, missing = [], 0
            for r in rows:
                rec = ref.get((problem, r["instance"], int(r["k"])))
                if rec is None or not math.isfinite(rec.best_known):
                    missing += 1
                    continue
                if subset == "hgs" and "HGS-CARP not run" in rec.note:
                    continue
                gaps.append(100.0 * (float(r[col]) - rec.best_known) / rec.best_known)
            if not gaps:
                continue
            at = sum(g <= 1e-9 for g in gaps)
            what = "all rows" if subset == "all" else "rows with a HGS-CARP value"
            out.append(
                f"{problem} {name:10s} {what:27s}: mean gap {sum(gaps) / len(gaps):.2f} %, "
                f"max {max(gaps):.2f} %, {at} / {len(gaps)} at or below the reference"
                + (f" ({missing} rows without a reference)" if missing else "")
            )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", type=Path, required=True)
    ap.add_argument("--problem", choices=["MMkCPP", "MMkRPP"], required=True)
    ap.add_argument("csv", type=Path, nargs="+")
    args = ap.parse_args(argv)
    ref = read_reference(args.reference)
    for path in args.csv:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        print(f"# {path.name}: {len(rows)} rows")
        for line in summarise(rows, ref, args.problem):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
