"""Gathering task rows into the batch summary table (Parquet and CSV)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from borderwatch.atomic import atomic_file
from borderwatch.batch.tasks import RESULT_COLUMNS
from borderwatch.errors import BorderwatchWarning

__all__ = ["SUMMARY_FILES", "VOLATILE_COLUMNS", "summary_frame", "write_summary"]

#: The files :func:`write_summary` writes into the batch folder.
SUMMARY_FILES = ("summary.parquet", "summary.csv")

#: Columns that change from run to run of the same inputs.
VOLATILE_COLUMNS = ("seconds", "resumed")


def summary_frame(rows: Iterable[dict[str, Any]], variant_keys: Sequence[str]) -> pd.DataFrame:
    """One row per task, in task order: id, scenario, job, variant values, results.

    Parameters
    ----------
    rows
        Result rows from :func:`~borderwatch.batch.tasks.run_task`, in task order.
    variant_keys
        The spec's grid keys (one column each).

    Returns
    -------
    pandas.DataFrame
        Columns ``task_id``, ``scenario``, ``job``, the variant keys, then
        :data:`~borderwatch.batch.tasks.RESULT_COLUMNS`, with fixed dtypes
        (float64 figures, nullable Int64 ``teams`` and ``n_gaps``, bool
        ``resumed``, string ``error``) so that the files have the same schema
        whatever the rows hold.
    """
    columns = ["task_id", "scenario", "job", *variant_keys, *RESULT_COLUMNS]
    frame = pd.DataFrame(list(rows), columns=columns)
    for col in (
        "border_km",
        "watched_pct",
        "gap_km",
        "max_loop_min",
        "bound_min",
        "opt_gap_pct",
        "worst_revisit_min",
        "seconds",
    ):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in ("teams", "n_gaps"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    frame["resumed"] = frame["resumed"].fillna(False).astype(bool)
    for col in ("error",):
        frame[col] = frame[col].astype("string")
    return frame


def _atomic(path: Path, write: Any) -> None:
    with atomic_file(path) as tmp:
        write(tmp)


def write_summary(frame: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write ``summary.parquet`` and ``summary.csv`` atomically; return the paths written.

    Without :mod:`pyarrow` only the CSV is written, with a warning naming the
    extra to install.

    Parameters
    ----------
    frame
        The summary table (:func:`summary_frame`).
    out_dir
        The batch output folder (made if missing).

    Returns
    -------
    list of Path
        ``summary.csv``, then ``summary.parquet`` when it was written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    csv = out / "summary.csv"
    _atomic(csv, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8"))
    written.append(csv)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        warnings.warn(
            "pyarrow is not installed: wrote summary.csv only "
            "(pip install 'borderwatch[batch]' for summary.parquet)",
            BorderwatchWarning,
            stacklevel=2,
        )
        return written
    parquet = out / "summary.parquet"
    _atomic(parquet, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"))
    written.append(parquet)
    return written
