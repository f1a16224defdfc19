"""Batch runs on a local Dask cluster of 2 worker processes, end to end."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("distributed")

from rich.console import Console

from borderwatch.batch import (
    TASK_FILE,
    BatchSpec,
    close_client,
    load_spec,
    open_client,
    run_batch,
    run_sequential,
)
from borderwatch.batch.results import VOLATILE_COLUMNS
from borderwatch.cli.batch import batch_command
from borderwatch.errors import BorderwatchError
from tests.helpers import write_toy_scenario

SPEC = """
job = "plan"
max_iterations = 10
time_limit_s = 60
night = "2026-01-05"

[[scenario]]
path = "toy"

[[scenario]]
generate = {{ border_km = 12, seed = 5 }}
label = "g12"

[[scenario]]
path = "broken"

[grid]
max_revisit_min = [60, 120]
seed = [0, 1]
{extra}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    write_toy_scenario(root / "toy")
    broken = write_toy_scenario(root / "broken")
    (broken / "teams.csv").write_text(
        "id,name,base_lon,base_lat,vehicle,crew,township\nT1,Team,east,22.0,pickup,5,A\n",
        encoding="utf-8",
    )
    (root / "spec.toml").write_text(SPEC.format(extra=""), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    c = open_client(local=2)
    try:
        yield c
    finally:
        close_client(c)


@pytest.fixture(scope="module")
def spec(folder: Path) -> BatchSpec:
    return load_spec(folder / "spec.toml")


@pytest.fixture(scope="module")
def dask_run(folder: Path, spec: BatchSpec, client: Any) -> Any:
    return run_batch(spec, folder / "out-dask", client=client)


def _stable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=list(VOLATILE_COLUMNS))


@pytest.mark.slow
def test_cluster_has_two_single_thread_workers(client: Any) -> None:
    info = client.scheduler_info()["workers"]
    assert len(info) == 2
    assert all(w["nthreads"] == 1 for w in info.values())


@pytest.mark.slow
def test_end_to_end_writes_tasks_and_summary(folder: Path, dask_run: Any) -> None:
    table = dask_run.table
    assert len(table) == 12
    assert list(table.columns[:5]) == ["task_id", "scenario", "job", "max_revisit_min", "seed"]
    ok = table[table["scenario"] != "broken"]
    assert (ok["status"] == "ok").all(), ok["error"].tolist()
    assert (ok["max_loop_min"] >= ok["bound_min"]).all()
    assert ok["watched_pct"].between(0, 100).all()
    for task_id in ok["task_id"]:
        task_folder = folder / "out-dask" / "tasks" / task_id
        assert (task_folder / TASK_FILE).is_file()
        assert (task_folder / "plan.json").is_file()
        assert (task_folder / "routes.gpx").is_file()
        assert not (task_folder / "map.html").exists()  # map_html defaults to false
    back = pd.read_parquet(folder / "out-dask" / "summary.parquet")
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    csv = pd.read_csv(folder / "out-dask" / "summary.csv")
    assert csv["task_id"].tolist() == table["task_id"].tolist()


@pytest.mark.slow
def test_broken_scenario_fails_alone_with_its_message(folder: Path, dask_run: Any) -> None:
    table = dask_run.table
    bad = table[table["scenario"] == "broken"]
    assert len(bad) == 4
    assert (bad["status"] == "error").all()
    assert bad["error"].str.contains("teams.csv").all()
    assert bad["error"].str.contains("base_lon").all()
    assert dask_run.n_failed == 4
    assert set(dask_run.failed["task_id"]) == set(bad["task_id"])
    record = json.loads(
        (folder / "out-dask" / "tasks" / bad["task_id"].iloc[0] / TASK_FILE).read_text(
            encoding="utf-8"
        )
    )
    assert "base_lon" in record["row"]["error"]


@pytest.mark.slow
def test_results_equal_the_sequential_run(folder: Path, spec: BatchSpec, dask_run: Any) -> None:
    seq = run_sequential(spec, folder / "out-seq")
    pd.testing.assert_frame_equal(_stable(seq.table), _stable(dask_run.table))
    for task_id in seq.table.loc[seq.table["status"] == "ok", "task_id"]:
        for name in ("plan.json", "gaps_after.csv", "gaps_before.csv", "report.txt"):
            a = (folder / "out-seq" / "tasks" / task_id / name).read_bytes()
            b = (folder / "out-dask" / "tasks" / task_id / name).read_bytes()
            assert a == b, f"{task_id}/{name} differs between Dask and sequential runs"
        # routes.geojson: same features; its "name" member holds the writer's temporary
        # file name (with the process id), which planfiles/export.py should not leak
        a, b = (
            json.loads((folder / run / "tasks" / task_id / "routes.geojson").read_text("utf-8"))
            for run in ("out-seq", "out-dask")
        )
        a.pop("name", None)
        b.pop("name", None)
        assert a == b


@pytest.mark.slow
def test_resume_skips_finished_tasks(
    folder: Path, spec: BatchSpec, client: Any, dask_run: Any
) -> None:
    out = folder / "out-dask"
    marker = out / "tasks" / "toy" / "max_revisit_min=60,seed=0" / TASK_FILE
    before = marker.stat().st_mtime_ns
    again = run_batch(spec, out, client=client)
    assert marker.stat().st_mtime_ns == before
    resumed = again.table["resumed"]
    assert resumed.sum() == 8  # all successful tasks; the broken ones run again
    assert (again.table.loc[~resumed, "scenario"] == "broken").all()
    pd.testing.assert_frame_equal(_stable(again.table), _stable(dask_run.table))

    # a changed input (one more grid value) runs only the new tasks
    (folder / "spec2.toml").write_text(
        SPEC.format(extra="").replace("seed = [0, 1]", "seed = [0, 1, 2]"), encoding="utf-8"
    )
    more = run_batch(load_spec(folder / "spec2.toml"), out, client=client)
    new = more.table[~more.table["resumed"] & (more.table["scenario"] != "broken")]
    assert sorted(new["seed"].unique()) == [2]
    assert len(new) == 4


@pytest.mark.slow
def test_command_function(folder: Path, client: Any) -> None:
    buf = io.StringIO()
    console = Console(file=buf, width=200)
    address = client.scheduler.address
    code = batch_command(
        folder / "spec.toml", folder / "out-cmd", scheduler=address, console=console
    )
    text = buf.getvalue()
    assert code == 1
    assert "failed: broken/" in text
    assert "8 of 12 tasks ok" in text
    assert (folder / "out-cmd" / "summary.parquet").is_file()

    (folder / "ok.toml").write_text(
        SPEC.format(extra="").replace('[[scenario]]\npath = "broken"\n', ""), encoding="utf-8"
    )
    buf.truncate(0)
    code = batch_command(folder / "ok.toml", folder / "out-cmd", scheduler=address, console=console)
    assert code == 0
    assert "(8 resumed)" in buf.getvalue()


@pytest.mark.slow
def test_unreachable_scheduler_names_the_address() -> None:
    with pytest.raises(BorderwatchError, match=r"tcp://127\.0\.0\.1:9 within 1 s"):
        open_client(scheduler="tcp://127.0.0.1:9", timeout=1)


def test_local_and_scheduler_exclude_each_other() -> None:
    with pytest.raises(BorderwatchError, match="not both"):
        open_client(local=1, scheduler="tcp://127.0.0.1:9")


@pytest.mark.slow
def test_local_cluster_closed_when_the_client_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """A LocalCluster started for a client that cannot connect is closed, not leaked."""
    import distributed

    started: list[Any] = []
    real_cluster = distributed.LocalCluster

    def cluster(*args: Any, **kwargs: Any) -> Any:
        started.append(real_cluster(*args, **kwargs))
        return started[-1]

    def client(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("connection refused")

    monkeypatch.setattr(distributed, "LocalCluster", cluster)
    monkeypatch.setattr(distributed, "Client", client)
    with pytest.raises(OSError, match="connection refused"):
        open_client(local=1)
    assert len(started) == 1
    assert started[0].status.name == "closed"
    assert not started[0].workers  # its worker process is gone
