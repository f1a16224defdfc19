"""``borderwatch batch``: many scenarios x what-if variants as gaps/plan tasks on a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from borderwatch import forking
from borderwatch.cli.app import app
from borderwatch.cli.common import OutDirOpt, err, guarded

__all__ = ["batch", "batch_command"]


def batch_command(
    spec: str | Path,
    out_dir: str | Path,
    *,
    local: int | None = None,
    scheduler: str | None = None,
    resume: bool = True,
    timeout: float = 10.0,
    dashboard: bool = False,
    console: Console | None = None,
) -> int:
    """Run the batch ``spec`` into ``out_dir``; show progress; return the exit code.

    Parameters
    ----------
    spec
        The batch spec TOML file.
    out_dir
        The batch output folder (created; earlier runs in it are resumed).
    local
        Start a local Dask cluster of this many worker processes (default: the
        CPUs this process may use, its affinity and cgroup quota, when
        ``scheduler`` is not given).
    scheduler
        Address of a running Dask scheduler, e.g. ``tcp://HOST:8786``.
    resume
        Skip tasks whose folder holds a successful run with the same inputs.
    timeout
        Seconds to wait for ``scheduler``.
    dashboard
        Serve the Dask dashboard of the local cluster and print its address.
    console
        Where progress and the report go (default: a stderr console).

    Returns
    -------
    int
        0 when every task succeeded, 1 when one or more failed (each is listed
        with its error).

    Raises
    ------
    BorderwatchError
        On a bad spec (naming the file, key and value), an unreachable
        scheduler (naming its address) or workers without borderwatch.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from borderwatch.batch.runner import close_client, open_client, run_batch
    from borderwatch.batch.spec import load_spec

    con = console or err
    batch = load_spec(spec)
    if scheduler is None and local is None:
        local = forking.usable_cpus()  # its affinity and cgroup quota, not the machine's cores
    where = scheduler or f"a local cluster of {local} worker processes"
    con.print(
        f"batch {Path(spec).name}: {batch.n_tasks} {batch.job} tasks "
        f"({len(batch.scenarios)} scenarios × {batch.n_variants} variants) on {where}",
        highlight=False,
    )
    client = open_client(local=local, scheduler=scheduler, timeout=timeout, dashboard=dashboard)
    try:
        if not client.scheduler_info().get("workers"):
            con.print("the scheduler has no workers yet: tasks wait until workers join")
        if dashboard and client.dashboard_link:
            con.print(f"dashboard: {client.dashboard_link}", highlight=False)
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=con,
            disable=not con.is_terminal,
        )
        with progress:
            bar = progress.add_task("tasks", total=batch.n_tasks)

            def on_result(row: dict[str, Any]) -> None:
                progress.advance(bar)
                if row.get("status") != "ok":
                    progress.console.print(
                        f"[red]failed:[/] {row['task_id']}: {row.get('error')}", highlight=False
                    )
                elif not con.is_terminal and not row.get("resumed"):
                    con.print(f"done: {row['task_id']} ({row['seconds']:.1f} s)", highlight=False)

            result = run_batch(batch, out_dir, client=client, resume=resume, on_result=on_result)
    finally:
        close_client(client)
    n = len(result.table)
    con.print(
        f"{n - result.n_failed} of {n} tasks ok ({result.n_resumed} resumed), "
        f"{result.n_failed} failed, {result.wall_s:.1f} s",
        highlight=False,
    )
    for path in result.files:
        con.print(f"wrote {path}", highlight=False)
    return 1 if result.n_failed else 0


@app.command("batch")
def batch(
    spec: Annotated[
        Path, typer.Argument(help="Batch spec (TOML): scenarios x a grid of variants.")
    ],
    out_dir: OutDirOpt,
    local: Annotated[
        int | None,
        typer.Option(
            "--local",
            min=1,
            help="Start a LocalCluster of N worker processes (default: usable CPUs).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler, tcp://HOST:8786."),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume", help="Skip tasks whose output exists with the same inputs."
        ),
    ] = True,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds to reach the scheduler.")
    ] = 10.0,
) -> None:
    """Run many gaps/plan tasks (scenarios x variants) on a Dask cluster; write summary.parquet and .csv.

    Exit 0 when every task succeeded, 1 when one or more failed, 2 on a bad spec.
    """
    with guarded():
        code = batch_command(
            spec,
            out_dir,
            local=local,
            scheduler=scheduler,
            resume=resume,
            timeout=timeout,
            console=err,
        )
    if code:
        raise typer.Exit(code)
