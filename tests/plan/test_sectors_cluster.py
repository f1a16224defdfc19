"""Sector plans on a real Dask cluster: a scheduler and two workers started as separate processes.

Issue #24, item 4: a split must not cost quality. On a generated 120 km border
(seed 10, 10 teams) the chainage cuts alone give sectors of 62 and 58 km (5 + 5
teams); the second's own round-trip bound is 157.3 min against 129.2 for the
whole border, and its plan's longest loop was 1.17 x the whole plan's (276.6 vs
236.1 min, in process, 120-300 iterations). The balanced split
(:func:`borderwatch.plan.sectors.split_sectors`, ``tolerance``) moves T06 to the
first sector (76 + 44 km): 236.1 min, the whole plan's. The plan in 2 sectors on
the cluster must write the same files as in process, and its longest loop must be
within 2 % of the whole plan's.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("distributed")

from borderwatch.cli import app

runner = CliRunner()
PLAN = ["--max-iterations", "120", "--night", "2026-12-01", "--no-map", "--seed", "5"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in reversed(procs):  # workers first, then the scheduler
        if p.poll() is None:
            p.terminate()
    for p in reversed(procs):
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Address of a ``dask scheduler`` with two ``dask worker`` processes (1 thread each)."""
    import distributed

    work = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    dask = [sys.executable, "-m", "dask"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
            cwd=work,
            **quiet,  # type: ignore[call-overload]
        )
    ]
    try:
        for i in range(2):
            procs.append(
                subprocess.Popen(  # type: ignore[call-overload]
                    [
                        *dask,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                        "--local-directory",
                        str(work / f"w{i}"),
                    ],
                    cwd=work,
                    **quiet,
                )
            )
        deadline = time.monotonic() + 60
        while True:  # the scheduler may not listen yet
            try:
                client = distributed.Client(address, timeout="5s", set_as_default=False)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        try:
            client.wait_for_workers(2, timeout=60)
            assert len(client.scheduler_info()["workers"]) == 2
        finally:
            client.close()
        yield address
    finally:
        _stop(procs)
    assert all(p.poll() is not None for p in procs)  # nothing left running


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cluster") / "g120"
    args = ["scenario", "generate", "-o", str(out), "--border-km", "120", "--seed", "10"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def _plan(folder: Path, out: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["plan", str(folder), "-o", str(out), *extra, *PLAN])
    assert result.exit_code == 0, result.output
    data: dict = json.loads((out / "plan.json").read_text(encoding="utf-8"))  # type: ignore[type-arg]
    return data


@pytest.mark.slow
def test_sectors_on_a_real_cluster_within_2_pct_of_the_whole_plan(
    scheduler: str, folder: Path, tmp_path: Path
) -> None:
    whole = _plan(folder, tmp_path / "whole")
    remote = _plan(folder, tmp_path / "remote", "--sectors", "2", "--scheduler", scheduler)
    _plan(folder, tmp_path / "local", "--sectors", "2", "--workers", "0")
    for name in ("plan.json", "report.txt", "routes.gpx", "routes.geojson", "gaps_after.csv"):
        a = (tmp_path / "remote" / name).read_bytes()
        assert a == (tmp_path / "local" / name).read_bytes(), name
    sec = remote["sectors"]
    assert sec["n_sectors"] == 2
    # the balanced split, not the chainage one (62/58 km, 5/5 teams)
    assert [len(s["teams"]) for s in sec["sectors"]] == [6, 4]
    assert remote["max_loop_min"] <= 1.02 * whole["max_loop_min"], (
        remote["max_loop_min"],
        whole["max_loop_min"],
    )
    assert sec["lost_km"] == 0.0
