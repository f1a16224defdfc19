"""Running a batch: on a Dask cluster (local or remote), or one task after another.

Both runners call :func:`~borderwatch.batch.tasks.run_task` on the same
:class:`~borderwatch.batch.tasks.Task` objects, so they give the same rows and
the same files. Dask (``dask.distributed``) is imported lazily: only
:func:`open_client` and :func:`run_batch` need it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from borderwatch._dask import close_client, import_distributed, open_client
from borderwatch.batch.results import summary_frame, write_summary
from borderwatch.batch.spec import BatchSpec
from borderwatch.batch.tasks import Task, error_row, expand_tasks, finished_row, run_task
from borderwatch.errors import BorderwatchError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["BatchResult", "close_client", "open_client", "run_batch", "run_sequential"]

logger = logging.getLogger(__name__)

#: Called with each task's row as it finishes (resumed tasks first).
OnResult = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class BatchResult:
    """What a batch run produced.

    Parameters
    ----------
    table
        One row per task, in task order (also written as ``summary.parquet``/``.csv``).
    out_dir
        The batch output folder.
    wall_s
        Wall-clock seconds of the run.
    files
        The summary files written.
    """

    table: pd.DataFrame
    out_dir: Path
    wall_s: float
    files: list[Path] = field(default_factory=list)

    @property
    def n_failed(self) -> int:
        """Number of failed tasks."""
        return int((self.table["status"] != "ok").sum())

    @property
    def n_resumed(self) -> int:
        """Number of tasks skipped because their output was already there."""
        return int(self.table["resumed"].sum())

    @property
    def failed(self) -> pd.DataFrame:
        """Task id and error of each failed task."""
        return self.table.loc[self.table["status"] != "ok", ["task_id", "error"]]


def _finish(
    spec: BatchSpec, tasks: list[Task], rows: dict[int, dict[str, Any]], out: Path, t0: float
) -> BatchResult:
    table = summary_frame((rows[t.index] for t in tasks), list(spec.grid))
    files = write_summary(table, out)
    return BatchResult(table=table, out_dir=out, wall_s=time.perf_counter() - t0, files=files)


def _prepare(
    spec: BatchSpec, out_dir: str | Path, resume: bool, on_result: OnResult | None
) -> tuple[Path, list[Task], dict[int, dict[str, Any]], list[Task]]:
    out = Path(out_dir).resolve()
    if out.exists() and not out.is_dir():
        raise BorderwatchError(f"{out}: --out exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    tasks = expand_tasks(spec)
    rows: dict[int, dict[str, Any]] = {}
    todo = []
    for task in tasks:
        done = finished_row(task, out) if resume else None
        if done is None:
            todo.append(task)
        else:
            rows[task.index] = done
            if on_result is not None:
                on_result(done)
    logger.info("batch: %d tasks, %d already done, %d to run", len(tasks), len(rows), len(todo))
    return out, tasks, rows, todo


def run_sequential(
    spec: BatchSpec,
    out_dir: str | Path,
    *,
    resume: bool = True,
    on_result: OnResult | None = None,
) -> BatchResult:
    """Run every task of ``spec`` in this process, one after another (no Dask).

    Same arguments and result as :func:`run_batch`; the reference that a
    distributed run must reproduce.

    Parameters
    ----------
    spec
        From :func:`~borderwatch.batch.spec.load_spec`.
    out_dir
        Batch output folder: ``tasks/<scenario>/<variant>/`` per task, and
        ``summary.parquet``, ``summary.csv``.
    resume
        Skip tasks already done with the same inputs.
    on_result
        Called with each row as its task finishes (and with the rows of the
        tasks skipped by ``resume``).

    Returns
    -------
    BatchResult
        The summary table (one row per task, in task order), the output folder,
        the wall-clock seconds and the summary files written.
    """
    t0 = time.perf_counter()
    out, tasks, rows, todo = _prepare(spec, out_dir, resume, on_result)
    for task in todo:
        rows[task.index] = run_task(task, out, resume=False)
        if on_result is not None:
            on_result(rows[task.index])
    return _finish(spec, tasks, rows, out, t0)


def run_batch(
    spec: BatchSpec,
    out_dir: str | Path,
    *,
    client: Client,
    resume: bool = True,
    on_result: OnResult | None = None,
) -> BatchResult:
    """Run every task of ``spec`` on the Dask cluster of ``client``.

    Tasks whose folder already holds a successful run with the same input hash
    are skipped (``resume``). Each remaining task is one Dask task running
    :func:`~borderwatch.batch.tasks.run_task` on a worker; only the small task
    description travels, and each worker rebuilds its scenario. A task that
    fails, or whose worker dies, gives a row with ``status="error"`` and does
    not stop the others. ``out_dir`` must be visible to every worker at the
    same path (a shared file system on a real cluster).

    Parameters
    ----------
    spec
        From :func:`~borderwatch.batch.spec.load_spec`.
    out_dir
        Batch output folder: ``tasks/<scenario>/<variant>/`` per task, and
        ``summary.parquet``, ``summary.csv``.
    client
        A connected client, e.g. from :func:`open_client`.
    resume
        Skip tasks already done with the same inputs.
    on_result
        Called in this process with each row as its task finishes.

    Returns
    -------
    BatchResult
    """
    distributed = import_distributed()
    t0 = time.perf_counter()
    out, tasks, rows, todo = _prepare(spec, out_dir, resume, on_result)
    run_id = uuid.uuid4().hex[:8]
    by_key = {f"borderwatch-task-{run_id}-{t.index}": t for t in todo}
    futures = client.map(
        run_task,
        todo,
        out_dir=str(out),
        resume=False,
        key=list(by_key),
        pure=False,
    )
    try:
        for future in distributed.as_completed(futures, loop=client.loop):
            task = by_key[future.key]
            if future.status == "error":
                exc = future.exception()
                row = error_row(task, out, f"worker failure: {type(exc).__name__}: {exc}")
            else:
                row = future.result()
            rows[task.index] = row
            future.release()
            if on_result is not None:
                on_result(row)
    finally:
        client.cancel([f for f in futures if not f.done()])
    return _finish(spec, tasks, rows, out, t0)
