"""Batch runs: many scenarios × what-if variants, each a ``gaps`` or ``plan`` job, on Dask.

A TOML spec (:func:`load_spec`) lists scenarios and a grid of variant values;
:func:`expand_tasks` turns it into small :class:`Task` descriptions with input
hashes; :func:`run_batch` runs them on a Dask cluster (:func:`open_client`) and
:func:`run_sequential` runs the same tasks in this process. Both write one
folder per task and the summary table ``summary.parquet``/``summary.csv``.
Dask and pyarrow come with the ``batch`` extra and are imported lazily.

Example
-------
>>> from borderwatch.batch import load_spec, open_client, run_batch  # doctest: +SKIP
>>> spec = load_spec("whatif.toml")  # doctest: +SKIP
>>> client = open_client(local=2)  # doctest: +SKIP
>>> result = run_batch(spec, "out/whatif", client=client)  # doctest: +SKIP
>>> result.table[["task_id", "max_loop_min", "opt_gap_pct", "status"]]  # doctest: +SKIP
"""

from __future__ import annotations

from borderwatch.batch.results import SUMMARY_FILES, summary_frame, write_summary
from borderwatch.batch.runner import (
    BatchResult,
    close_client,
    open_client,
    run_batch,
    run_sequential,
)
from borderwatch.batch.spec import GRID_KEYS, BatchSpec, ScenarioRef, load_spec, parse_spec
from borderwatch.batch.tasks import TASK_FILE, Task, expand_tasks, finished_row, run_task

__all__ = [
    "GRID_KEYS",
    "SUMMARY_FILES",
    "TASK_FILE",
    "BatchResult",
    "BatchSpec",
    "ScenarioRef",
    "Task",
    "close_client",
    "expand_tasks",
    "finished_row",
    "load_spec",
    "open_client",
    "parse_spec",
    "run_batch",
    "run_sequential",
    "run_task",
    "summary_frame",
    "write_summary",
]
