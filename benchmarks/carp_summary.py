"""Summarise ``arc_routing.py`` CSVs against a min-max reference CSV (issue #24, item 6).

For each CSV (one problem: MM k-CPP or MM k-RPP) and each of our solvers (the ``ours``
column and every ``ours_<name>`` column) prints the mean and largest gap to the
reference value and the rows at (or below) it, over all rows and over the rows whose
reference is a HGS-CARP run (the others are rows where our search reached the lower
bound, so the bound is the optimum and HGS-CARP was not run: ``hgs_reference.py
--skip-at-bound``). Rows without a reference value are counted apart.

``--published PUB.csv`` (values read in the literature, each with its source;
never committed here: a file of a fetched repository is read where it lies, e.g.
``git -C <mirror> show 154fd84:data_analysis/ahr_data.csv > /tmp/ahr_data.csv`` for
Ahr's tabu search on gdb as transcribed in BryanDedeur/metaga-route-inspection-solver,
read with ``--published-source``) adds, per solver, the gap to the published value,
the rows at or below it and strictly below it, the rows below a published lower
bound (a bug: they are listed) and the rows whose published value is below our own
lower bound (the instance is then not the published one: listed). ``--rows`` prints
every row with its published and reference columns.

Usage::

    python benchmarks/carp_summary.py [--reference REF.csv] [--published PUB.csv]
        --problem MMkCPP [--rows] CSV [CSV ...]
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.carplib import ReferenceRow, read_reference  # noqa: E402


@dataclass(frozen=True)
class PublishedRow:
    """One row of ``carp_published.csv``: a value read in the literature."""

    problem: str
    instance: str
    k: int
    value: float
    lower_bound: float  # nan: the source gives none
    source: str
    note: str = ""


def read_published(
    path: str | Path, *, source: str | None = None
) -> dict[tuple[str, str, int], PublishedRow]:
    """Read published values keyed by ``(problem, instance, k)``.

    Parameters
    ----------
    path
        CSV with columns ``problem, instance, k, value, lower_bound, source, note``
        (others are ignored); an empty ``lower_bound`` means the source gives none.
        Or, with ``source``, a transcription of Ahr's MM k-CPP table with columns
        ``instance, k, TInf`` (others ignored): problem ``MMkCPP``, value ``TInf``,
        no lower bound.
    source
        Where the transcription comes from (written into every row's ``source``).

    Returns
    -------
    dict
        The rows; a duplicate key or a row without a value or a source is an error.
    """
    out: dict[tuple[str, str, int], PublishedRow] = {}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            if source is not None:
                row = {
                    "problem": "MMkCPP",
                    "instance": row.get("instance"),
                    "k": row.get("k"),
                    "value": row.get("TInf"),
                    "source": f"{source} row {row.get('instance')},{row.get('k')}",
                    "note": "Ahr tabu search (TInf), as transcribed",
                }
            try:
                lb = (row.get("lower_bound") or "").strip()
                rec = PublishedRow(
                    problem=row["problem"].strip(),
                    instance=row["instance"].strip(),
                    k=int(row["k"]),
                    value=float(row["value"]),
                    lower_bound=float(lb) if lb else math.nan,
                    source=row["source"].strip(),
                    note=(row.get("note") or "").strip(),
                )
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}: line {i}: bad published row ({exc})") from None
            if not rec.source or not math.isfinite(rec.value):
                raise ValueError(f"{path}: line {i}: a published row needs a value and a source")
            key = (rec.problem, rec.instance, rec.k)
            if key in out:
                raise ValueError(f"{path}: line {i}: {key} given twice")
            out[key] = rec
    return out


def _solvers(rows: list[dict[str, str]]) -> list[str]:
    return ["ours"] + [c for c in rows[0] if c.startswith("ours_")] if rows else []


def _name(col: str, ours: str) -> str:
    """Solver of a column: ``ours`` for the ``ours`` column, else the column's suffix."""
    return ours if col == "ours" else col.removeprefix("ours_")


def compare_published(
    rows: list[dict[str, str]],
    pub: dict[tuple[str, str, int], PublishedRow],
    problem: str,
    *,
    ours: str = "minmax",
) -> list[str]:
    """Lines comparing one CSV's rows with the published values (see the module text).

    ``ours`` names the solver of the ``ours`` column. A row's gap is ``100 (ours - published) / published``. "below a published lower
    bound" compares with ``lower_bound`` of ``pub``; "published below our bound"
    compares the published value with the CSV's ``lower_bound`` column (our proven
    bound on the instance as we read it).
    """
    out = []
    matched = [
        (r, pub[(problem, r["instance"], int(r["k"]))])
        for r in rows
        if (problem, r["instance"], int(r["k"])) in pub
    ]
    if not matched:
        return [f"{problem}: no row has a published value"]
    under_ours = [
        f"{r['instance']} k={r['k']} ({p.value:g} < {float(r['lower_bound']):g})"
        for r, p in matched
        if r.get("lower_bound") and p.value < float(r["lower_bound"]) - 1e-6
    ]
    for col in _solvers(rows):
        name = _name(col, ours)
        gaps = [100.0 * (float(r[col]) - p.value) / p.value for r, p in matched]
        below_lb = [
            f"{r['instance']} k={r['k']} ({float(r[col]):g} < {p.lower_bound:g})"
            for r, p in matched
            if math.isfinite(p.lower_bound) and float(r[col]) < p.lower_bound - 1e-6
        ]
        out.append(
            f"{problem} {name:10s} vs published: {len(gaps)} rows, mean gap "
            f"{sum(gaps) / len(gaps):.2f} %, max {max(gaps):.2f} %, min {min(gaps):.2f} %, "
            f"{sum(g <= 1e-9 for g in gaps)} at or below, {sum(g < -1e-9 for g in gaps)} "
            f"strictly below, {len(below_lb)} below a published lower bound"
            + (f" [{'; '.join(below_lb)}]" if below_lb else "")
        )
    n_lb = sum(math.isfinite(p.lower_bound) for _, p in matched)
    out.append(
        f"{problem} published rows with a lower bound: {n_lb} of {len(matched)}; published "
        f"values below our own lower bound (instance differs): {len(under_ours)}"
        + (f" [{'; '.join(under_ours)}]" if under_ours else "")
    )
    return out


def reference_vs_published(
    rows: list[dict[str, str]],
    pub: dict[tuple[str, str, int], PublishedRow],
    ref: dict[tuple[str, str, int], ReferenceRow],
    problem: str,
) -> list[str]:
    """One line: the reference values (e.g. our HGS-CARP runs) against the published ones.

    Over the CSV's rows that have both; gaps as in :func:`compare_published`.
    """
    pairs = []
    for r in rows:
        key = (problem, r["instance"], int(r["k"]))
        if key in pub and key in ref and math.isfinite(ref[key].best_known):
            pairs.append((ref[key].best_known, pub[key].value))
    if not pairs:
        return []
    gaps = [100.0 * (a - b) / b for a, b in pairs]
    return [
        f"{problem} reference vs published: {len(gaps)} rows, mean gap "
        f"{sum(gaps) / len(gaps):.2f} %, max {max(gaps):.2f} %, min {min(gaps):.2f} %, "
        f"{sum(g < -1e-9 for g in gaps)} below, {sum(abs(g) <= 1e-9 for g in gaps)} equal, "
        f"{sum(g > 1e-9 for g in gaps)} above"
    ]


def row_table(
    rows: list[dict[str, str]],
    pub: dict[tuple[str, str, int], PublishedRow],
    ref: dict[tuple[str, str, int], ReferenceRow],
    problem: str,
    *,
    ours: str = "minmax",
) -> list[str]:
    """One line per CSV row: our solvers, our bound, the reference and published values."""
    cols = _solvers(rows)
    head = f"{'instance':10s} {'k':>3s} " + " ".join(f"{_name(c, ours)[:10]:>10s}" for c in cols)
    out = [head + f" {'our_lb':>8s} {'hgs_ref':>8s} {'published':>9s}"]
    for r in rows:
        key = (problem, r["instance"], int(r["k"]))
        p, f = pub.get(key), ref.get(key)
        line = f"{r['instance']:10s} {int(r['k']):3d} " + " ".join(
            f"{float(r[c]):10.1f}" for c in cols
        )
        line += f" {float(r['lower_bound']):8.1f}" if r.get("lower_bound") else f" {'':8s}"
        line += f" {f.best_known:8.1f}" if f is not None else f" {'-':>8s}"
        line += f" {p.value:9.1f}" if p is not None else f" {'-':>9s}"
        out.append(line)
    return out


def summarise(
    rows: list[dict[str, str]], ref: dict, problem: str, *, ours: str = "minmax"
) -> list[str]:
    """Lines of the summary of one CSV's rows against ``ref`` (see the module text)."""
    out = []
    for col in _solvers(rows):
        name = _name(col, ours)
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
    ap.add_argument("--reference", type=Path, default=None, help="min-max reference CSV")
    ap.add_argument("--published", type=Path, default=None, help="published values CSV")
    ap.add_argument(
        "--published-source",
        default=None,
        help="the --published file is a transcription of Ahr's table (instance,k,TInf) from here",
    )
    ap.add_argument("--problem", choices=["MMkCPP", "MMkRPP"], required=True)
    ap.add_argument("--rows", action="store_true", help="print every row")
    ap.add_argument(
        "--ours", default="minmax", help="solver of the ours column (arc_routing --solvers' first)"
    )
    ap.add_argument("csv", type=Path, nargs="+")
    args = ap.parse_args(argv)
    if args.reference is None and args.published is None:
        ap.error("give --reference, --published or both")
    ref = read_reference(args.reference) if args.reference else {}
    pub = read_published(args.published, source=args.published_source) if args.published else {}
    for path in args.csv:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        print(f"# {path.name}: {len(rows)} rows")
        if args.rows:
            for line in row_table(rows, pub, ref, args.problem, ours=args.ours):
                print(line)
        if ref:
            for line in summarise(rows, ref, args.problem, ours=args.ours):
                print(line)
        if pub:
            for line in compare_published(rows, pub, args.problem, ours=args.ours):
                print(line)
            for line in reference_vs_published(rows, pub, ref, args.problem):
                print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
